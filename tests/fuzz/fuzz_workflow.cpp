// libFuzzer target: workflow definitions and their transition conditions, from the JSON form the
// API takes (domain::workflow_def_from_json) through the draft and deploy checks to choosing
// the next node over ticket field values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "domain/workflow.h"
#include "domain/workflow_json.h"
#include "fuzz_check.h"

using namespace orderly;
using domain::Condition;
using domain::CondOp;
using domain::FieldValue;
using domain::FieldValues;

namespace {

// Users and roles exist when their names have an even length: deterministic, and both answers
// are reachable.
struct Directory : domain::OperatorDirectory {
    bool user_exists(const std::string& u) const override { return u.size() % 2 == 0; }
    bool role_exists(const std::string& r) const override { return r.size() % 2 == 0; }
};

bool holds(const std::string& field, CondOp op, const FieldValue& value, const FieldValues& f) {
    return domain::condition_holds(Condition{field, op, value}, f);
}

void check_condition(const Condition& c, const FieldValues& fields) {
    // == and != are each other's negation; < and > never hold together.
    FUZZ_CHECK(holds(c.field, CondOp::eq, c.value, fields) !=
               holds(c.field, CondOp::ne, c.value, fields));
    FUZZ_CHECK(!(holds(c.field, CondOp::lt, c.value, fields) &&
                 holds(c.field, CondOp::gt, c.value, fields)));
    auto it = fields.find(c.field);
    if (it == fields.end()) {
        // A missing field is null: it equals only null and is in no list.
        FUZZ_CHECK(holds(c.field, CondOp::eq, c.value, fields) == c.value.is_null());
        FUZZ_CHECK(!holds(c.field, CondOp::in, c.value, fields));
        return;
    }
    // Swapping the two sides: == is symmetric, < turns into >.
    const FieldValues swapped{{c.field, c.value}};
    FUZZ_CHECK(holds(c.field, CondOp::eq, it->second, swapped) ==
               holds(c.field, CondOp::eq, c.value, fields));
    FUZZ_CHECK(holds(c.field, CondOp::lt, it->second, swapped) ==
               holds(c.field, CondOp::gt, c.value, fields));
    // A scalar is "in" a list that holds its text.
    if (it->second.kind != FieldValue::Kind::list && !it->second.is_null())
        FUZZ_CHECK(holds(c.field, CondOp::in, FieldValue::of_list({it->second.text()}), fields));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    json::Document doc;
    if (!json::parse_untrusted(std::string_view(reinterpret_cast<const char*>(data), size), doc)
             .ok() ||
        !doc.IsObject())
        return 0;

    // Field values: read, written and read back unchanged.
    FieldValues fields;
    const json::Value& root = doc;
    if (auto f = root.FindMember("fields"); f != root.MemberEnd()) {
        auto parsed = domain::field_values_from_json(f->value, "fields");
        if (parsed.ok()) {
            fields = *parsed;
            FUZZ_CHECK(domain::parse_stored_field_values(domain::field_values_json(fields)) ==
                       fields);
        } else {
            FUZZ_CHECK(!parsed.error().fields.empty());
        }
    }

    auto def = domain::workflow_def_from_json(doc);
    if (!def.ok()) {
        FUZZ_CHECK(!def.error().fields.empty() && http_status(def.error().kind) == 400);
        return 0;
    }
    // The stored form reads back as the same definition.
    const std::string stored = domain::workflow_def_json(*def);
    FUZZ_CHECK(domain::workflow_def_json(domain::parse_stored_workflow_def(stored)) == stored);

    for (const auto& e : domain::check_draft(*def)) FUZZ_CHECK(!e.field.empty());
    const auto errors = domain::validate_for_deploy(*def, Directory{});
    for (const auto& e : errors) FUZZ_CHECK(!e.field.empty() && !e.message.empty());

    for (const auto& t : def->transitions)
        if (t.when) check_condition(*t.when, fields);

    // The next node is the target of a transition out of the current one.
    const auto transitions = domain::effective_transitions(*def);
    for (const auto& n : def->nodes) {
        auto next = domain::next_node(*def, n.key, fields);
        if (!next) continue;
        bool found = false;
        for (const auto& t : transitions) found |= t.from == n.key && t.to == *next;
        FUZZ_CHECK(found);
    }

    // A deployable workflow given an execute step leads every path through it to an end.
    if (errors.empty() && !def->has_node_of_type(domain::NodeType::execute)) {
        auto with = domain::with_execute_step(*def);
        FUZZ_CHECK(with.has_node_of_type(domain::NodeType::execute));
        for (const auto& t : domain::effective_transitions(with)) {
            FUZZ_CHECK(with.find(t.from) && with.find(t.to));
            const auto* to = with.find(t.to);
            if (to->type == domain::NodeType::end)
                FUZZ_CHECK(t.from == domain::kImplicitExecuteKey);
        }
    }
    return 0;
}
