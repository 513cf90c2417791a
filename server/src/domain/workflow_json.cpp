#include "domain/workflow_json.h"

#include <cmath>
#include <stdexcept>

#include "core/codes.h"

namespace orderly::domain {

// ---- field values

Result<FieldValue> field_value_from_json(const json::Value& v, const std::string& field) {
    if (v.IsNull()) return FieldValue{};
    if (v.IsBool()) return FieldValue::of_bool(v.GetBool());
    if (v.IsNumber()) return FieldValue::of_number(v.GetDouble());
    if (v.IsString()) return FieldValue::of_string(std::string(v.GetString(), v.GetStringLength()));
    if (v.IsArray()) {
        std::vector<std::string> list;
        for (const auto& item : v.GetArray()) {
            if (item.IsString())
                list.emplace_back(item.GetString(), item.GetStringLength());
            else if (item.IsNumber())
                list.push_back(FieldValue::of_number(item.GetDouble()).text());
            else
                return Error::Field(field, "must be a list of strings", codes::field_string_list);
        }
        return FieldValue::of_list(std::move(list));
    }
    return Error::Field(field, "must be a string, number, boolean, null or a list of strings",
                        codes::field_type,
                        {{"expected", "string, number, boolean, null or list of strings"}});
}

Result<FieldValues> field_values_from_json(const json::Value& obj, const std::string& prefix) {
    FieldValues out;
    if (!obj.IsObject()) return Error::Field(prefix, "must be an object", codes::field_object);
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
        std::string key(it->name.GetString(), it->name.GetStringLength());
        auto v = field_value_from_json(it->value, prefix + "." + key);
        if (!v.ok()) return v.error();
        out[key] = std::move(*v);
    }
    return out;
}

void write_field_value(json::Writer& w, const FieldValue& v) {
    switch (v.kind) {
        case FieldValue::Kind::null:
            w.null();
            break;
        case FieldValue::Kind::boolean:
            w.boolean(v.boolean);
            break;
        case FieldValue::Kind::number:
            if (std::isfinite(v.number) && std::floor(v.number) == v.number &&
                std::fabs(v.number) < 9e15)
                w.num(static_cast<int64_t>(v.number));
            else
                w.dbl(v.number);
            break;
        case FieldValue::Kind::string:
            w.str(v.string);
            break;
        case FieldValue::Kind::list:
            w.strings(v.list);
            break;
    }
}

void write_field_values(json::Writer& w, const FieldValues& values) {
    w.start_object();
    for (const auto& [k, v] : values) {
        w.key(k);
        write_field_value(w, v);
    }
    w.end_object();
}

std::string field_values_json(const FieldValues& values) {
    json::Writer w;
    write_field_values(w, values);
    return w.take();
}

FieldValues parse_stored_field_values(std::string_view text) {
    json::Document d;
    // Full precision: the writer wrote each number as the shortest text that reads back as the
    // same double when read correctly rounded, which RapidJSON's default reading is not always
    // (long integers, large exponents). Not for untrusted input: RapidJSON's full-precision
    // path passes zero to clz() on a text like "0e44" (UBSan); the writer never writes one.
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) throw std::runtime_error("stored field values");
    auto r = field_values_from_json(d, "fields");
    if (!r.ok()) throw std::runtime_error("stored field values: " + r.error().message);
    return std::move(*r);
}

// ---- workflow definitions

namespace {

std::string str_or(const json::Value& obj, const char* name, std::string def = "") {
    return json::get_string(obj, name).value_or(std::move(def));
}
std::vector<std::string> strings_of(const json::Value& obj, const char* name) {
    return json::get_strings(obj, name).value_or(std::vector<std::string>{});
}
const json::Value* member(const json::Value& obj, const char* name) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

Result<ApprovalRule> rule_from_json(const json::Value* v, const std::string& field) {
    ApprovalRule r;
    if (!v || v->IsNull()) return r;
    const char* expected = "must be \"any\", \"all\" or {\"at_least\": N} with N >= 1";
    if (v->IsString()) {
        std::string_view s(v->GetString(), v->GetStringLength());
        if (s == "any") return r;
        if (s == "all") {
            r.kind = ApprovalRule::Kind::all;
            return r;
        }
        return Error::Field(field, expected, codes::field_enum,
                            {{"allowed", "any, all, {at_least: N}"}});
    }
    if (v->IsObject() && v->MemberCount() == 1) {
        const json::Value* n = member(*v, "at_least");
        if (n && n->IsInt64() && n->GetInt64() >= 1 && n->GetInt64() <= 1000) {
            r.kind = ApprovalRule::Kind::at_least;
            r.n = static_cast<int>(n->GetInt64());
            return r;
        }
    }
    return Error::Field(field, expected, codes::field_enum,
                        {{"allowed", "any, all, {at_least: N}"}});
}

}  // namespace

// Long on purpose: one member of the stored definition after another, each read and checked
// where it is named, so the reader sees the whole format in one place.
Result<WorkflowDef> workflow_def_from_json(const json::Value& v) {
    if (!v.IsObject())
        return Error::BadRequest("a workflow must be a JSON object")
            .with(codes::field_object, {{"field", "body"}});
    WorkflowDef def;
    def.name = str_or(v, "name");
    def.type = str_or(v, "type", "change");
    def.description = str_or(v, "description");
    def.business_required = json::get_bool(v, "business_required").value_or(false);
    def.allow_self_approval = json::get_bool(v, "allow_self_approval").value_or(false);
    if (const json::Value* n = member(v, "notify"); n && n->IsObject()) {
        def.notify.channels = strings_of(*n, "channels");
        def.notify.policy = str_or(*n, "policy", "once");
        def.notify.repeat_minutes =
            static_cast<int>(json::get_int(*n, "repeat_minutes").value_or(0));
    }
    const json::Value* nodes = member(v, "nodes");
    if (!nodes || !nodes->IsArray())
        return Error::Field("nodes", "must be a list of nodes", codes::field_type,
                            {{"expected", "array"}});
    for (rapidjson::SizeType i = 0; i < nodes->Size(); ++i) {
        const json::Value& jn = (*nodes)[i];
        const std::string p = "nodes[" + std::to_string(i) + "]";
        if (!jn.IsObject()) return Error::Field(p, "must be an object", codes::field_object);
        domain::Node node;
        node.key = str_or(jn, "key");
        node.name = str_or(jn, "name", node.key);
        auto type = domain::parse_node_type(str_or(jn, "type"));
        if (!type)
            return Error::Field(
                p + ".type", "must be one of submit, approval, fill, execute, evaluate, end",
                codes::field_enum, {{"allowed", "submit, approval, fill, execute, evaluate, end"}});
        node.type = *type;
        if (const json::Value* ops = member(jn, "operators"); ops && ops->IsObject()) {
            node.operators.users = strings_of(*ops, "users");
            node.operators.roles = strings_of(*ops, "roles");
            node.operators.business_roles = strings_of(*ops, "business_roles");
            node.operators.submitter = json::get_bool(*ops, "submitter").value_or(false);
        }
        auto rule = rule_from_json(member(jn, "rule"), p + ".rule");
        if (!rule.ok()) return rule.error();
        node.rule = *rule;
        if (const json::Value* fields = member(jn, "fields"); fields && fields->IsArray()) {
            for (rapidjson::SizeType j = 0; j < fields->Size(); ++j) {
                const json::Value& jf = (*fields)[j];
                const std::string fp = p + ".fields[" + std::to_string(j) + "]";
                if (!jf.IsObject())
                    return Error::Field(fp, "must be an object", codes::field_object);
                FieldDef f;
                f.key = str_or(jf, "key");
                f.label = str_or(jf, "label", f.key);
                auto ft = domain::parse_field_type(str_or(jf, "type", "string"));
                if (!ft)
                    return Error::Field(fp + ".type",
                                        "must be one of string, text, number, select, "
                                        "multiselect, date, datetime, datetime_range, user",
                                        codes::field_enum,
                                        {{"allowed",
                                          "string, text, number, select, multiselect, date, "
                                          "datetime, datetime_range, user"}});
                f.type = *ft;
                f.required = json::get_bool(jf, "required").value_or(false);
                f.options = strings_of(jf, "options");
                node.fields.push_back(std::move(f));
            }
        }
        node.readonly_fields = strings_of(jn, "readonly_fields");
        if (const json::Value* nn = member(jn, "notify");
            nn && nn->IsObject() && member(*nn, "channels"))
            node.notify_channels = strings_of(*nn, "channels");
        def.nodes.push_back(std::move(node));
    }
    if (const json::Value* ts = member(v, "transitions"); ts && ts->IsArray()) {
        for (rapidjson::SizeType i = 0; i < ts->Size(); ++i) {
            const json::Value& jt = (*ts)[i];
            const std::string p = "transitions[" + std::to_string(i) + "]";
            if (!jt.IsObject()) return Error::Field(p, "must be an object", codes::field_object);
            domain::Transition t;
            t.from = str_or(jt, "from");
            t.to = str_or(jt, "to");
            if (const json::Value* when = member(jt, "when"); when && !when->IsNull()) {
                if (!when->IsObject())
                    return Error::Field(p + ".when", "must be an object", codes::field_object);
                domain::Condition cond;
                cond.field = str_or(*when, "field");
                auto op = domain::parse_cond_op(str_or(*when, "op", "=="));
                if (!op)
                    return Error::Field(p + ".when.op", "must be one of ==, !=, in, <, >",
                                        codes::field_enum, {{"allowed", "==, !=, in, <, >"}});
                cond.op = *op;
                const json::Value* value = member(*when, "value");
                if (!value)
                    return Error::Field(p + ".when.value", "is required", codes::field_required);
                auto fv = field_value_from_json(*value, p + ".when.value");
                if (!fv.ok()) return fv.error();
                cond.value = std::move(*fv);
                t.when = std::move(cond);
            }
            def.transitions.push_back(std::move(t));
        }
    }
    return def;
}

void write_approval_rule(json::Writer& w, const ApprovalRule& r) {
    switch (r.kind) {
        case ApprovalRule::Kind::any:
            w.str("any");
            break;
        case ApprovalRule::Kind::all:
            w.str("all");
            break;
        case ApprovalRule::Kind::at_least:
            w.start_object().kv("at_least", r.n).end_object();
            break;
    }
}

void write_field_defs(json::Writer& w, const std::vector<FieldDef>& fields) {
    w.start_array();
    for (const auto& f : fields) {
        w.start_object()
            .kv("key", f.key)
            .kv("label", f.label)
            .kv("type", domain::to_string(f.type))
            .kv("required", f.required)
            .kv("options", f.options)
            .end_object();
    }
    w.end_array();
}

void write_workflow_def_members(json::Writer& w, const WorkflowDef& def) {
    w.kv("name", def.name).kv("type", def.type).kv("description", def.description);
    w.kv("business_required", def.business_required);
    w.kv("allow_self_approval", def.allow_self_approval);
    w.key("notify")
        .start_object()
        .kv("channels", def.notify.channels)
        .kv("policy", def.notify.policy)
        .kv("repeat_minutes", def.notify.repeat_minutes)
        .end_object();
    w.key("nodes").start_array();
    for (const auto& n : def.nodes) {
        w.start_object().kv("key", n.key).kv("name", n.name).kv("type", domain::to_string(n.type));
        w.key("operators")
            .start_object()
            .kv("users", n.operators.users)
            .kv("roles", n.operators.roles)
            .kv("business_roles", n.operators.business_roles)
            .kv("submitter", n.operators.submitter)
            .end_object();
        w.key("rule");
        write_approval_rule(w, n.rule);
        w.key("fields");
        write_field_defs(w, n.fields);
        w.kv("readonly_fields", n.readonly_fields);
        if (n.notify_channels)
            w.key("notify").start_object().kv("channels", *n.notify_channels).end_object();
        w.end_object();
    }
    w.end_array();
    w.key("transitions").start_array();
    for (const auto& t : def.transitions) {
        w.start_object().kv("from", t.from).kv("to", t.to);
        if (t.when) {
            w.key("when")
                .start_object()
                .kv("field", t.when->field)
                .kv("op", domain::to_string(t.when->op))
                .key("value");
            write_field_value(w, t.when->value);
            w.end_object();
        }
        w.end_object();
    }
    w.end_array();
}

std::string workflow_def_json(const WorkflowDef& def) {
    json::Writer w;
    w.start_object();
    write_workflow_def_members(w, def);
    w.end_object();
    return w.take();
}

WorkflowDef parse_stored_workflow_def(std::string_view text) {
    json::Document d;
    // Full precision, as for stored field values (parse_stored_field_values): a condition's
    // value is one, and must read back as the number that was written.
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (d.HasParseError()) throw std::runtime_error("stored workflow definition is not JSON");
    auto r = workflow_def_from_json(d);
    if (!r.ok()) throw std::runtime_error("stored workflow definition: " + r.error().message);
    return std::move(*r);
}

void write_workflow_record(json::Writer& w, const WorkflowRecord& r) {
    w.start_object().kv("id", r.id);
    write_workflow_def_members(w, r.def);
    w.kv("version", r.version).kv("deployed_version", r.deployed_version);
    w.key("latest_version_id");
    if (r.latest_version_id)
        w.num(*r.latest_version_id);
    else
        w.null();
    w.kv("created_by", r.created_by);
    w.key("created_at").time(r.created_at);
    w.key("updated_at").time(r.updated_at);
    w.end_object();
}

std::string workflow_record_json(const WorkflowRecord& r) {
    json::Writer w;
    write_workflow_record(w, r);
    return w.take();
}

}  // namespace orderly::domain
