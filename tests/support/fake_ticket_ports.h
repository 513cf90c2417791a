#pragma once
// In-memory fakes of the ticket engine's ports (domain/ticket_ports.h) and a clock that moves
// only when told, so the engine's rules can be tested without a database or waiting.
//
// FakeTicketStore::unit_of_work() behaves like a transaction: when the work returns an error
// (or throws), every change it made is undone, as the SQL unit of work's rollback does.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/ticket_ports.h"

namespace orderly::test {

class ManualClock final : public Clock {
  public:
    explicit ManualClock(TimeMs start) : now_(start) {}
    TimeMs now_ms() const override { return now_; }
    void advance(TimeMs ms) { now_ += ms; }
    void set(TimeMs t) { now_ = t; }

  private:
    TimeMs now_;
};

// Everything the fakes hold, copyable so that a unit of work can be undone.
struct FakeTicketData {
    struct Activation {
        int64_t id = 0;
        domain::NewActivation a;
        std::string state;  // "active", "done", "rejected", "returned", "withdrawn"
        std::optional<TimeMs> left_at;
    };
    struct Assignee {
        int64_t activation_id = 0;
        int64_t ticket_id = 0;
        int64_t user_id = 0;
        domain::AssigneeState state = domain::AssigneeState::pending;
        TimeMs assigned_at = 0;
    };
    std::map<int64_t, domain::Ticket> tickets;
    std::vector<Activation> activations;
    std::vector<Assignee> assignees;
    std::vector<domain::NewStep> steps;
    std::map<std::string, int64_t> counters;  // "<prefix>-<day>" -> last number
    std::map<int64_t, std::string> search;    // ticket id -> indexed text
    std::vector<domain::TicketEvent> events;  // queued notifications, in order
    std::vector<domain::AuditEvent> audit;
    std::map<int64_t, domain::User> users;
    std::map<std::string, std::vector<int64_t>> roles;                             // role -> ids
    std::map<std::pair<std::string, std::string>, std::vector<int64_t>> business;  // (biz, role)
    std::map<int64_t, std::shared_ptr<const domain::WorkflowVersion>> versions;
    int64_t next_id = 1;
};

class FakeTicketStore final : public domain::TicketRepository,
                              public domain::People,
                              public domain::WorkflowVersions,
                              public domain::Outbox,
                              public domain::AuditTrail {
  public:
    FakeTicketData data;
    domain::TicketPorts ports{*this, *this, *this, *this, *this};

    // Runs work with the ports; undoes its changes when it throws or returns a failed Result.
    template <typename F>
    auto unit_of_work(F&& work) -> decltype(work(ports)) {
        FakeTicketData saved = data;
        try {
            if constexpr (std::is_void_v<decltype(work(ports))>) {
                work(ports);
            } else {
                auto r = work(ports);
                if constexpr (requires { r.ok(); })
                    if (!r.ok()) data = std::move(saved);
                return r;
            }
        } catch (...) {
            data = std::move(saved);
            throw;
        }
    }

    // ---- set-up
    int64_t add_user(const std::string& username, std::vector<std::string> roles = {});
    void add_business_member(const std::string& business, const std::string& role, int64_t user_id);
    int64_t deploy(domain::WorkflowDef def);  // returns the version id

    // ---- looking
    const domain::Ticket& ticket(int64_t id) const { return data.tickets.at(id); }
    // The actions on the ticket's timeline, in order.
    std::vector<std::string> step_actions(int64_t ticket_id) const;
    // The active node's key, or "" when the ticket waits nowhere.
    std::string active_node(int64_t ticket_id) const;
    // Users with a pending turn at the ticket's active node.
    std::vector<int64_t> pending(int64_t ticket_id) const;
    // Queued events of this kind (e.g. "node.waiting").
    std::vector<domain::TicketEvent> events(const std::string& kind) const;

    // ---- TicketRepository
    std::optional<domain::Ticket> find(int64_t id) override;
    domain::TicketState state_of(const domain::Ticket& t) override;
    std::string next_serial(const std::string& prefix, TimeMs now) override;
    int64_t insert(const domain::Ticket& t) override;
    std::optional<int64_t> open_activation(const domain::NewActivation& a) override;
    void add_assignee(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                      domain::AssigneeState state, TimeMs at) override;
    void assign_pending(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                        TimeMs at) override;
    bool decide_assignee(int64_t activation_id, int64_t user_id, domain::AssigneeState state,
                         TimeMs at) override;
    bool close_activation(int64_t activation_id, const std::string& state, TimeMs at) override;
    void save_fields(const domain::Ticket& t) override;
    void save_status(const domain::Ticket& t, TimeMs now, bool bump_version) override;
    void add_step(const domain::NewStep& s) override;
    void index(const domain::Ticket& t) override;
    std::vector<domain::DueReminder> due_reminders(TimeMs now, int limit) override;
    std::vector<int64_t> pending_operators(int64_t activation_id) override;
    void set_remind_at(int64_t activation_id, TimeMs at) override;

    // ---- People
    std::optional<domain::User> user(int64_t id) override;
    std::optional<domain::User> user_named(const std::string& username) override;
    std::vector<int64_t> with_role(const std::string& role) override;
    std::vector<int64_t> business_role_members(const std::string& business,
                                               const std::string& role) override;
    bool may_read(const domain::Ticket& t, int64_t user_id) override;

    // ---- WorkflowVersions, Outbox, AuditTrail
    std::shared_ptr<const domain::WorkflowVersion> version(int64_t version_id) override;
    void ticket_event(const domain::TicketEvent& ev, const domain::NoticeSettings& notices,
                      TimeMs now) override;
    void append(const domain::AuditEvent& e) override;

  private:
    FakeTicketData::Activation* activation(int64_t id);
};

}  // namespace orderly::test
