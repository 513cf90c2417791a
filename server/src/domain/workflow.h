#pragma once
// Workflows (审核流 / 流程) as plain values, and the pure rules over them: what a deployable graph
// is, which transition a ticket takes given its field values, and when an approval rule is
// satisfied. No storage, JSON or HTTP types: storage (de)serialises these values, the ticket
// engine (domain/ticket.h) runs tickets through them.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace orderly::domain {

// A value entered into a ticket field (or compared against in a condition).
struct FieldValue {
    enum class Kind { null, boolean, number, string, list };
    Kind kind = Kind::null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<std::string> list;  // multiselect values (strings)

    static FieldValue of_bool(bool b);
    static FieldValue of_number(double d);
    static FieldValue of_string(std::string s);
    static FieldValue of_list(std::vector<std::string> l);
    bool is_null() const { return kind == Kind::null; }
    // Blank = null, empty or whitespace-only string, or empty list: "not filled in".
    bool blank() const;
    // The value as text: numbers without a trailing ".0", lists joined with ", ". For search
    // indexing and for comparing a number against the strings of an "in" list.
    std::string text() const;
    bool operator==(const FieldValue& o) const;
};
using FieldValues = std::map<std::string, FieldValue>;

enum class NodeType { submit, approval, fill, execute, evaluate, end };
std::string_view to_string(NodeType t);
std::optional<NodeType> parse_node_type(std::string_view s);

// Who may act on a node. The union of every source; empty means "nobody was named" (the submit
// node: anyone with ticket.submit; an execute node: the submitter).
struct Operators {
    std::vector<std::string> users;           // usernames
    std::vector<std::string> roles;           // role keys (global)
    std::vector<std::string> business_roles;  // role keys within the ticket's business
    bool submitter = false;                   // the ticket's creator
    bool empty() const {
        return users.empty() && roles.empty() && business_roles.empty() && !submitter;
    }
};

// How many of an approval node's operators must approve: any one, all of them, or at least N.
struct ApprovalRule {
    enum class Kind { any, all, at_least };
    Kind kind = Kind::any;
    int n = 1;  // for at_least
};

// eligible: operators who may approve (the submitter excluded unless self-approval is allowed);
// approvals: how many of them approved. "all" of nobody is never satisfied, and "at least N" asks
// for at most the number of eligible operators, so a role with fewer members cannot block forever.
bool rule_satisfied(const ApprovalRule& rule, int eligible, int approvals);

// datetime: an RFC 3339 string; datetime_range: [start, end], two RFC 3339 strings, end after
// start.
enum class FieldType {
    string,
    text,
    number,
    select,
    multiselect,
    date,
    datetime,
    datetime_range,
    user
};
std::string_view to_string(FieldType t);
std::optional<FieldType> parse_field_type(std::string_view s);

struct FieldDef {
    std::string key;
    std::string label;
    FieldType type = FieldType::string;
    bool required = false;
    std::vector<std::string> options;  // select / multiselect
};

struct Node {
    std::string key;
    std::string name;
    NodeType type = NodeType::approval;
    Operators operators;
    ApprovalRule rule;                         // approval nodes
    std::vector<FieldDef> fields;              // entered at this node
    std::vector<std::string> readonly_fields;  // fields of earlier nodes shown here, read-only
    // The channels this node's notifications go to, instead of the workflow's notify.channels
    // (nullopt = the workflow's).
    std::optional<std::vector<std::string>> notify_channels;
};

enum class CondOp { eq, ne, in, lt, gt };
std::string_view to_string(CondOp op);
std::optional<CondOp> parse_cond_op(std::string_view s);

// "field op value", evaluated over a ticket's field values.
//   == / != : same kind and value (a missing field equals nothing, so != holds);
//   in      : value is a list; the field's value (or, for multiselect, any of its values) is in it;
//   < / >   : numbers numerically, strings lexically (ISO dates and times compare correctly).
struct Condition {
    std::string field;
    CondOp op = CondOp::eq;
    FieldValue value;
};
bool condition_holds(const Condition& c, const FieldValues& fields);

struct Transition {
    std::string from;
    std::string to;
    std::optional<Condition> when;  // none = always
};

struct NotifyPolicy {
    std::vector<std::string> channels;  // "email", "webhook", "chat:<chat channel id>"
    std::string policy = "once";        // "once" | "repeat" (until handled)
    int repeat_minutes = 0;             // for "repeat"
};

struct WorkflowDef {
    std::string name;
    std::string type = "change";  // change | request | incident | release | ...
    std::string description;
    bool business_required = false;
    bool allow_self_approval = false;
    NotifyPolicy notify;
    std::vector<Node> nodes;
    std::vector<Transition> transitions;  // empty = the nodes run in the order given

    const Node* find(std::string_view key) const;
    // The submit node (the start); nullptr when there is none.
    const Node* start() const;
    bool has_node_of_type(NodeType t) const;
};

// The transitions in effect: the explicit ones, or node i -> node i+1 when none are given
// (nothing leaves an end node).
std::vector<Transition> effective_transitions(const WorkflowDef& def);

// The node a ticket moves to from `from`: the first transition out of it (in the order given)
// whose condition holds. nullopt when none does.
std::optional<std::string> next_node(const WorkflowDef& def, const std::string& from,
                                     const FieldValues& fields);

// Looks up whether users and roles named by operators exist (storage implements it).
class OperatorDirectory {
  public:
    virtual ~OperatorDirectory() = default;
    virtual bool user_exists(const std::string& username) const = 0;
    virtual bool role_exists(const std::string& key) const = 0;
};

// Structural checks a draft must pass to be saved at all: node keys present and unique, field
// keys unique across the workflow, options on select fields, rule N >= 1, notify policy sane.
// Errors name the field, e.g. "nodes[2].key".
std::vector<FieldError> check_draft(const WorkflowDef& def);

// Everything deploy checks on top of check_draft: exactly one submit node, at least one end
// node, transitions between existing nodes (none out of an end node, none into the submit node),
// every node reachable from the submit node, an end reachable from every node, operators that
// exist and are not empty where someone must act, business roles only when a business is
// required, and conditions over fields that exist with values of the right shape. Every message
// names the node. Empty when deployable.
std::vector<FieldError> validate_for_deploy(const WorkflowDef& def, const OperatorDirectory& dir);

// The flow of a task template that has no workflow: submit -> execute (by the submitter) -> end.
WorkflowDef direct_execution_flow();

// A task template's ticket must run its task: when its workflow has no execute node, one
// (operated by the submitter) is put in front of the end node(s).
WorkflowDef with_execute_step(WorkflowDef def);
inline constexpr const char* kImplicitExecuteKey = "_execute";

// Checks values entered at a node against its field definitions.
//   given:    the values sent (keys must be fields of `defs`, else 422 naming "<prefix>.<key>");
//   existing: values the ticket already has (a required field already filled may be left out);
//   user_exists: checks "user" fields (usernames).
// Returns the accepted values (given ones only, normalised), or 422 naming every bad field.
Result<FieldValues> check_fields(const std::vector<FieldDef>& defs, const FieldValues& given,
                                 const FieldValues& existing,
                                 const std::function<bool(const std::string&)>& user_exists,
                                 const std::string& prefix = "fields");

// The ticket serial prefix for a workflow type: change -> CHG, request -> REQ, incident -> INC,
// release -> REL, otherwise the type's first three letters in capitals. Template tickets use OPS.
std::string serial_prefix(const std::string& workflow_type);

}  // namespace orderly::domain
