#include "domain/workflow.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>

#include "core/codes.h"
#include "core/enum_names.h"
#include "core/time.h"

namespace orderly::domain {

// ---- FieldValue

FieldValue FieldValue::of_bool(bool b) {
    FieldValue v;
    v.kind = Kind::boolean;
    v.boolean = b;
    return v;
}
FieldValue FieldValue::of_number(double d) {
    FieldValue v;
    v.kind = Kind::number;
    v.number = d;
    return v;
}
FieldValue FieldValue::of_string(std::string s) {
    FieldValue v;
    v.kind = Kind::string;
    v.string = std::move(s);
    return v;
}
FieldValue FieldValue::of_list(std::vector<std::string> l) {
    FieldValue v;
    v.kind = Kind::list;
    v.list = std::move(l);
    return v;
}

bool FieldValue::blank() const {
    switch (kind) {
        case Kind::null:
            return true;
        case Kind::string:
            return string.find_first_not_of(" \t\r\n") == std::string::npos;
        case Kind::list:
            return list.empty();
        default:
            return false;
    }
}

std::string FieldValue::text() const {
    switch (kind) {
        case Kind::null:
            return "";
        case Kind::boolean:
            return boolean ? "true" : "false";
        case Kind::number: {
            if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 1e15)
                return std::to_string(static_cast<int64_t>(number));
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.15g", number);
            return buf;
        }
        case Kind::string:
            return string;
        case Kind::list: {
            std::string out;
            for (const auto& s : list) {
                if (!out.empty()) out += ", ";
                out += s;
            }
            return out;
        }
    }
    return "";
}

bool FieldValue::operator==(const FieldValue& o) const {
    if (kind != o.kind) return false;
    switch (kind) {
        case Kind::null:
            return true;
        case Kind::boolean:
            return boolean == o.boolean;
        case Kind::number:
            return number == o.number;
        case Kind::string:
            return string == o.string;
        case Kind::list:
            return list == o.list;
    }
    return false;
}

// ---- names

namespace {

constexpr std::pair<NodeType, std::string_view> kNodeTypes[] = {
    {NodeType::submit, "submit"},   {NodeType::approval, "approval"}, {NodeType::fill, "fill"},
    {NodeType::execute, "execute"}, {NodeType::evaluate, "evaluate"}, {NodeType::end, "end"},
};
constexpr std::pair<FieldType, std::string_view> kFieldTypes[] = {
    {FieldType::string, "string"},
    {FieldType::text, "text"},
    {FieldType::number, "number"},
    {FieldType::select, "select"},
    {FieldType::multiselect, "multiselect"},
    {FieldType::date, "date"},
    {FieldType::datetime, "datetime"},
    {FieldType::datetime_range, "datetime_range"},
    {FieldType::user, "user"},
};
constexpr std::pair<CondOp, std::string_view> kCondOps[] = {
    {CondOp::eq, "=="}, {CondOp::ne, "!="}, {CondOp::in, "in"},
    {CondOp::lt, "<"},  {CondOp::gt, ">"},
};
}  // namespace

std::string_view to_string(NodeType t) {
    return enum_name(kNodeTypes, t);
}
std::optional<NodeType> parse_node_type(std::string_view s) {
    return enum_from_name(kNodeTypes, s);
}
std::string_view to_string(FieldType t) {
    return enum_name(kFieldTypes, t);
}
std::optional<FieldType> parse_field_type(std::string_view s) {
    return enum_from_name(kFieldTypes, s);
}
std::string_view to_string(CondOp op) {
    return enum_name(kCondOps, op);
}
std::optional<CondOp> parse_cond_op(std::string_view s) {
    return enum_from_name(kCondOps, s);
}

// ---- rules and conditions

bool rule_satisfied(const ApprovalRule& rule, int eligible, int approvals) {
    if (approvals <= 0) return false;
    switch (rule.kind) {
        case ApprovalRule::Kind::any:
            return true;
        case ApprovalRule::Kind::all:
            return eligible > 0 && approvals >= eligible;
        case ApprovalRule::Kind::at_least:
            return approvals >= std::max(1, std::min(rule.n, eligible));
    }
    return false;
}

namespace {
bool scalar(const FieldValue& v) {
    return v.kind == FieldValue::Kind::boolean || v.kind == FieldValue::Kind::number ||
           v.kind == FieldValue::Kind::string;
}
bool equal_values(const FieldValue& a, const FieldValue& b) {
    if (a.kind == b.kind) return a == b;
    // A select field holds "3" where a condition may say 3: compare scalars by their text.
    if (scalar(a) && scalar(b)) return a.text() == b.text();
    return false;
}
}  // namespace

bool condition_holds(const Condition& c, const FieldValues& fields) {
    auto it = fields.find(c.field);
    const FieldValue null_value;
    const FieldValue& f = it == fields.end() ? null_value : it->second;
    switch (c.op) {
        case CondOp::eq:
            return equal_values(f, c.value);
        case CondOp::ne:
            return !equal_values(f, c.value);
        case CondOp::in: {
            if (c.value.kind != FieldValue::Kind::list || f.is_null()) return false;
            auto contains = [&](const std::string& s) {
                return std::find(c.value.list.begin(), c.value.list.end(), s) != c.value.list.end();
            };
            if (f.kind == FieldValue::Kind::list)
                return std::any_of(f.list.begin(), f.list.end(), contains);
            return contains(f.text());
        }
        case CondOp::lt:
        case CondOp::gt: {
            int cmp;
            if (f.kind == FieldValue::Kind::number && c.value.kind == FieldValue::Kind::number)
                cmp = f.number < c.value.number ? -1 : (f.number > c.value.number ? 1 : 0);
            else if (f.kind == FieldValue::Kind::string && c.value.kind == FieldValue::Kind::string)
                cmp = f.string.compare(c.value.string);
            else
                return false;
            return c.op == CondOp::lt ? cmp < 0 : cmp > 0;
        }
    }
    return false;
}

// ---- graph

const Node* WorkflowDef::find(std::string_view key) const {
    for (const auto& n : nodes)
        if (n.key == key) return &n;
    return nullptr;
}

const Node* WorkflowDef::start() const {
    for (const auto& n : nodes)
        if (n.type == NodeType::submit) return &n;
    return nullptr;
}

bool WorkflowDef::has_node_of_type(NodeType t) const {
    return std::any_of(nodes.begin(), nodes.end(), [t](const Node& n) { return n.type == t; });
}

std::vector<Transition> effective_transitions(const WorkflowDef& def) {
    if (!def.transitions.empty()) return def.transitions;
    std::vector<Transition> out;
    for (size_t i = 0; i + 1 < def.nodes.size(); ++i)
        if (def.nodes[i].type != NodeType::end)
            out.push_back({def.nodes[i].key, def.nodes[i + 1].key, std::nullopt});
    return out;
}

std::optional<std::string> next_node(const WorkflowDef& def, const std::string& from,
                                     const FieldValues& fields) {
    for (const auto& t : effective_transitions(def))
        if (t.from == from && (!t.when || condition_holds(*t.when, fields))) return t.to;
    return std::nullopt;
}

WorkflowDef direct_execution_flow() {
    WorkflowDef def;
    def.name = "Direct execution";
    def.type = "request";
    Node submit{"submit", "Submit", NodeType::submit, {}, {}, {}, {}};
    Node exec{kImplicitExecuteKey, "Execute", NodeType::execute, {}, {}, {}, {}};
    exec.operators.submitter = true;
    Node end{"end", "End", NodeType::end, {}, {}, {}, {}};
    def.nodes = {submit, exec, end};
    return def;
}

WorkflowDef with_execute_step(WorkflowDef def) {
    if (def.has_node_of_type(NodeType::execute)) return def;
    auto transitions = effective_transitions(def);
    std::string first_end;
    for (const auto& n : def.nodes)
        if (n.type == NodeType::end) {
            first_end = n.key;
            break;
        }
    if (first_end.empty()) return def;
    for (auto& t : transitions) {
        const Node* to = def.find(t.to);
        if (to && to->type == NodeType::end) t.to = kImplicitExecuteKey;
    }
    transitions.push_back({kImplicitExecuteKey, first_end, std::nullopt});
    Node exec{kImplicitExecuteKey, "Execute", NodeType::execute, {}, {}, {}, {}};
    exec.operators.submitter = true;
    auto at = std::find_if(def.nodes.begin(), def.nodes.end(),
                           [](const Node& n) { return n.type == NodeType::end; });
    def.nodes.insert(at, exec);
    def.transitions = std::move(transitions);
    return def;
}

// ---- field values

namespace {
bool valid_date(const std::string& s) {
    return s.size() == 10 && parse_rfc3339(s + "T00:00:00Z").has_value();
}
}  // namespace

Result<FieldValues> check_fields(const std::vector<FieldDef>& defs, const FieldValues& given,
                                 const FieldValues& existing,
                                 const std::function<bool(const std::string&)>& user_exists,
                                 const std::string& prefix) {
    std::vector<FieldError> errs;
    FieldValues accepted;
    auto def_of = [&](const std::string& key) -> const FieldDef* {
        for (const auto& d : defs)
            if (d.key == key) return &d;
        return nullptr;
    };
    for (const auto& [key, value] : given) {
        const std::string p = prefix + "." + key;
        const FieldDef* d = def_of(key);
        if (!d) {
            errs.push_back(
                {p, "is not a field of this step", codes::field_not_in_step, {{"key", key}}});
            continue;
        }
        if (value.is_null()) {
            accepted[key] = value;
            continue;
        }
        using K = FieldValue::Kind;
        bool ok = true;
        std::string problem;
        std::string code = codes::field_invalid;
        switch (d->type) {
            case FieldType::string:
            case FieldType::text:
                ok = value.kind == K::string;
                problem = "must be a string";
                code = codes::field_string;
                break;
            case FieldType::number:
                ok = value.kind == K::number;
                problem = "must be a number";
                code = codes::field_number;
                break;
            case FieldType::select:
                ok = value.kind == K::string && std::find(d->options.begin(), d->options.end(),
                                                          value.string) != d->options.end();
                problem = "must be one of the field's options";
                code = codes::field_not_option;
                break;
            case FieldType::multiselect:
                ok = value.kind == K::list;
                if (ok)
                    for (const auto& v : value.list)
                        if (std::find(d->options.begin(), d->options.end(), v) == d->options.end())
                            ok = false;
                problem = "must be a list of the field's options";
                code = codes::field_not_option;
                break;
            case FieldType::date:
                ok = value.kind == K::string && valid_date(value.string);
                problem = "must be a date, e.g. 2026-11-21";
                code = codes::field_date;
                break;
            case FieldType::datetime:
                ok = value.kind == K::string && parse_rfc3339(value.string).has_value();
                problem = "must be an RFC 3339 date-time, e.g. 2026-11-21T22:00:00Z";
                code = codes::field_datetime;
                break;
            case FieldType::datetime_range: {
                std::optional<TimeMs> start, end;
                if (value.kind == K::list && value.list.size() == 2) {
                    start = parse_rfc3339(value.list[0]);
                    end = parse_rfc3339(value.list[1]);
                }
                ok = start && end && *end > *start;
                problem =
                    "must be [start, end], two RFC 3339 date-times with the end after the start";
                code = codes::field_datetime_range;
                break;
            }
            case FieldType::user:
                ok = value.kind == K::string && user_exists && user_exists(value.string);
                problem = "must be the username of an existing user";
                code = codes::field_user;
                break;
        }
        if (!ok) {
            errs.push_back({p, problem, code});
            continue;
        }
        accepted[key] = value;
    }
    for (const auto& d : defs) {
        if (!d.required) continue;
        auto g = given.find(d.key);
        const FieldValue* v = nullptr;
        if (g != given.end())
            v = &g->second;
        else if (auto e = existing.find(d.key); e != existing.end())
            v = &e->second;
        if (!v || v->blank())
            errs.push_back({prefix + "." + d.key, "is required", codes::field_required});
    }
    if (!errs.empty()) {
        std::string msg = errs.front().field + ": " + errs.front().message;
        if (errs.size() > 1) msg += " (and " + std::to_string(errs.size() - 1) + " more)";
        size_t count = errs.size();
        return Error::Unprocessable(msg, std::move(errs))
            .with(codes::ticket_fields_invalid, {{"count", count}});
    }
    return accepted;
}

std::string serial_prefix(const std::string& workflow_type) {
    if (workflow_type == "change") return "CHG";
    if (workflow_type == "request") return "REQ";
    if (workflow_type == "incident") return "INC";
    if (workflow_type == "release") return "REL";
    std::string p;
    for (char ch : workflow_type) {
        if (p.size() == 3) break;
        if (ch >= 'a' && ch <= 'z') p.push_back(static_cast<char>(ch - 'a' + 'A'));
        if (ch >= 'A' && ch <= 'Z') p.push_back(ch);
    }
    return p.empty() ? "TKT" : p;
}

}  // namespace orderly::domain
