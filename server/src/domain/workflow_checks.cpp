// The checks of a workflow definition: check_draft (what any saved draft must satisfy) and
// validate_for_deploy (what a version must satisfy before tickets can use it).
#include <algorithm>
#include <cstdio>
#include <deque>
#include <set>

#include "core/codes.h"
#include "core/time.h"
#include "domain/chat.h"
#include "domain/workflow.h"

namespace orderly::domain {

namespace {
std::string node_path(size_t i) {
    return "nodes[" + std::to_string(i) + "]";
}
std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}
std::string describe(const Node& n) {
    return "node " + quoted(n.key) + (n.name.empty() || n.name == n.key ? "" : " (" + n.name + ")");
}
}  // namespace

std::vector<FieldError> check_draft(const WorkflowDef& def) {
    std::vector<FieldError> errs;
    std::set<std::string> keys, field_keys;
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        const Node& n = def.nodes[i];
        const std::string p = node_path(i);
        if (n.key.empty())
            errs.push_back(
                {p + ".key", "every node needs a key", codes::workflow_node_key_missing});
        else if (!keys.insert(n.key).second)
            errs.push_back({p + ".key",
                            "node key " + quoted(n.key) + " is used twice",
                            codes::workflow_node_key_duplicate,
                            {{"key", n.key}}});
        if (n.type == NodeType::approval && n.rule.kind == ApprovalRule::Kind::at_least &&
            n.rule.n < 1)
            errs.push_back({p + ".rule",
                            describe(n) + ": at_least needs N >= 1",
                            codes::workflow_rule_at_least,
                            {{"node", n.key}}});
        for (size_t j = 0; j < n.fields.size(); ++j) {
            const FieldDef& f = n.fields[j];
            const std::string fp = p + ".fields[" + std::to_string(j) + "]";
            if (f.key.empty())
                errs.push_back({fp + ".key",
                                describe(n) + ": every field needs a key",
                                codes::workflow_field_key_missing,
                                {{"node", n.key}}});
            else if (!field_keys.insert(f.key).second)
                errs.push_back({fp + ".key",
                                describe(n) + ": field key " + quoted(f.key) +
                                    " is already used in this workflow",
                                codes::workflow_field_key_duplicate,
                                {{"key", f.key}}});
            if ((f.type == FieldType::select || f.type == FieldType::multiselect) &&
                f.options.empty())
                errs.push_back({fp + ".options",
                                describe(n) + ": field " + quoted(f.key) + " needs options",
                                codes::workflow_field_options_missing,
                                {{"key", f.key}}});
        }
    }
    auto check_channels = [&](const std::vector<std::string>& channels, const std::string& path) {
        for (const auto& ch : channels)
            if (!is_notify_channel(ch))
                errs.push_back({path,
                                "unknown channel " + quoted(ch) +
                                    ": use \"email\", \"webhook\" or \"chat:<channel id>\"",
                                codes::workflow_notify_channel,
                                {{"channel", ch}}});
    };
    check_channels(def.notify.channels, "notify.channels");
    for (size_t i = 0; i < def.nodes.size(); ++i)
        if (def.nodes[i].notify_channels)
            check_channels(*def.nodes[i].notify_channels, node_path(i) + ".notify.channels");
    if (def.notify.policy != "once" && def.notify.policy != "repeat")
        errs.push_back(
            {"notify.policy", "must be \"once\" or \"repeat\"", codes::workflow_notify_policy});
    if (def.notify.policy == "repeat" && def.notify.repeat_minutes < 1)
        errs.push_back({"notify.repeat_minutes", "a repeating notification needs repeat_minutes",
                        codes::workflow_repeat_minutes_missing});
    return errs;
}

// Long on purpose: one flat list of independent deploy checks, each a few lines, in the order
// the designer shows their errors; split apart they would only pass `errs` around.
std::vector<FieldError> validate_for_deploy(const WorkflowDef& def, const OperatorDirectory& dir) {
    std::vector<FieldError> errs = check_draft(def);
    if (!errs.empty()) return errs;

    std::map<std::string, size_t> index;
    std::map<std::string, FieldType> all_fields;
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        index[def.nodes[i].key] = i;
        for (const auto& f : def.nodes[i].fields) all_fields[f.key] = f.type;
    }

    // Start and end.
    int submits = 0, ends = 0;
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        const Node& n = def.nodes[i];
        if (n.type == NodeType::submit && ++submits > 1)
            errs.push_back({node_path(i),
                            describe(n) + " is a second submit node; a workflow has exactly one",
                            codes::workflow_submit_node_duplicate,
                            {{"node", n.key}}});
        if (n.type == NodeType::end) ++ends;
    }
    if (submits == 0)
        errs.push_back({"nodes", "a workflow needs a submit node (its start)",
                        codes::workflow_submit_node_missing});
    if (ends == 0)
        errs.push_back({"nodes", "a workflow needs an end node", codes::workflow_end_node_missing});

    // Per node: operators, fields, read-only fields.
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        const Node& n = def.nodes[i];
        const std::string p = node_path(i);
        for (const auto& u : n.operators.users)
            if (!dir.user_exists(u))
                errs.push_back({p + ".operators.users",
                                describe(n) + ": no user " + quoted(u),
                                codes::workflow_operator_user_unknown,
                                {{"node", n.key}, {"username", u}}});
        for (const auto& r : n.operators.roles)
            if (!dir.role_exists(r))
                errs.push_back({p + ".operators.roles",
                                describe(n) + ": no role " + quoted(r),
                                codes::workflow_operator_role_unknown,
                                {{"node", n.key}, {"key", r}}});
        for (const auto& r : n.operators.business_roles) {
            if (!dir.role_exists(r))
                errs.push_back({p + ".operators.business_roles",
                                describe(n) + ": no role " + quoted(r),
                                codes::workflow_operator_role_unknown,
                                {{"node", n.key}, {"key", r}}});
        }
        if (!n.operators.business_roles.empty() && !def.business_required)
            errs.push_back({p + ".operators.business_roles",
                            describe(n) +
                                " names business roles, but the workflow does not require a "
                                "business (set business_required)",
                            codes::workflow_business_roles_unused,
                            {{"node", n.key}}});
        bool needs_operators = n.type == NodeType::approval || n.type == NodeType::fill ||
                               n.type == NodeType::evaluate;
        if (needs_operators && n.operators.empty())
            errs.push_back({p + ".operators",
                            describe(n) + " needs at least one operator",
                            codes::workflow_operators_missing,
                            {{"node", n.key}}});
        bool takes_fields =
            n.type == NodeType::submit || n.type == NodeType::fill || n.type == NodeType::evaluate;
        if (!takes_fields && !n.fields.empty())
            errs.push_back({p + ".fields",
                            describe(n) + ": only submit, fill and evaluate nodes "
                                          "take fields",
                            codes::workflow_fields_not_allowed,
                            {{"node", n.key}}});
        for (const auto& k : n.readonly_fields)
            if (!all_fields.count(k))
                errs.push_back({p + ".readonly_fields",
                                describe(n) + ": no field " + quoted(k) + " in this workflow",
                                codes::workflow_field_unknown,
                                {{"node", n.key}, {"key", k}}});
    }

    // Transitions.
    const auto transitions = effective_transitions(def);
    std::map<std::string, std::vector<std::string>> out, in;
    bool unknown_nodes = false;
    for (size_t i = 0; i < def.transitions.size(); ++i) {
        const Transition& t = def.transitions[i];
        const std::string p = "transitions[" + std::to_string(i) + "]";
        bool ok = true;
        if (!index.count(t.from)) {
            errs.push_back({p + ".from",
                            "no node " + quoted(t.from),
                            codes::workflow_node_unknown,
                            {{"key", t.from}}});
            ok = false;
        }
        if (!index.count(t.to)) {
            errs.push_back({p + ".to",
                            "no node " + quoted(t.to),
                            codes::workflow_node_unknown,
                            {{"key", t.to}}});
            ok = false;
        }
        if (!ok) {
            unknown_nodes = true;
            continue;
        }
        const Node& from = def.nodes[index[t.from]];
        const Node& to = def.nodes[index[t.to]];
        if (from.type == NodeType::end)
            errs.push_back({p + ".from",
                            describe(from) + " is an end node; nothing leaves it",
                            codes::workflow_end_node_exit,
                            {{"node", from.key}}});
        if (to.type == NodeType::submit)
            errs.push_back({p + ".to",
                            describe(to) + " is the submit node; a transition cannot lead back "
                                           "to it (use return)",
                            codes::workflow_submit_node_entry,
                            {{"node", to.key}}});
        if (t.from == t.to)
            errs.push_back({p,
                            describe(from) + " has a transition to itself",
                            codes::workflow_self_transition,
                            {{"node", from.key}}});
        if (t.when) {
            const std::string wp = p + ".when";
            const std::string what = "transition " + quoted(t.from) + " -> " + quoted(t.to);
            if (!all_fields.count(t.when->field))
                errs.push_back({wp + ".field",
                                what + ": no field " + quoted(t.when->field) + " in this workflow",
                                codes::workflow_field_unknown,
                                {{"key", t.when->field}}});
            const auto k = t.when->value.kind;
            if (t.when->op == CondOp::in && k != FieldValue::Kind::list)
                errs.push_back({wp + ".value", what + ": \"in\" needs a list of values",
                                codes::workflow_condition_list});
            if ((t.when->op == CondOp::lt || t.when->op == CondOp::gt) &&
                k != FieldValue::Kind::number && k != FieldValue::Kind::string)
                errs.push_back({wp + ".value", what + ": < and > compare a number or a string",
                                codes::workflow_condition_compare});
            if ((t.when->op == CondOp::eq || t.when->op == CondOp::ne) &&
                k == FieldValue::Kind::list)
                errs.push_back({wp + ".value", what + ": == and != compare a single value",
                                codes::workflow_condition_single});
        }
    }
    // Reachability means little over transitions to nodes that do not exist.
    if (unknown_nodes) return errs;
    for (const auto& t : transitions) {
        out[t.from].push_back(t.to);
        in[t.to].push_back(t.from);
    }

    // Reachability: forward from the start, backward from the ends.
    auto walk = [](const std::vector<std::string>& from,
                   std::map<std::string, std::vector<std::string>>& edges) {
        std::set<std::string> seen(from.begin(), from.end());
        std::deque<std::string> q(from.begin(), from.end());
        while (!q.empty()) {
            auto k = q.front();
            q.pop_front();
            for (const auto& n : edges[k])
                if (seen.insert(n).second) q.push_back(n);
        }
        return seen;
    };
    const Node* start = def.start();
    if (start) {
        auto reached = walk({start->key}, out);
        for (size_t i = 0; i < def.nodes.size(); ++i)
            if (!reached.count(def.nodes[i].key))
                errs.push_back({node_path(i),
                                describe(def.nodes[i]) + " cannot be reached from the submit node",
                                codes::workflow_node_unreachable,
                                {{"node", def.nodes[i].key}}});
    }
    std::vector<std::string> end_keys;
    for (const auto& n : def.nodes)
        if (n.type == NodeType::end) end_keys.push_back(n.key);
    if (!end_keys.empty()) {
        auto finishing = walk(end_keys, in);
        for (size_t i = 0; i < def.nodes.size(); ++i)
            if (!finishing.count(def.nodes[i].key))
                errs.push_back({node_path(i),
                                "no end node can be reached from " + describe(def.nodes[i]),
                                codes::workflow_end_unreachable,
                                {{"node", def.nodes[i].key}}});
    }
    return errs;
}

}  // namespace orderly::domain
