// Freeze windows: their rules, the checks other use cases call, and managing them.
#include "app/freeze_calendar.h"

#include <algorithm>

#include "app/version_check.h"
#include "core/codes.h"
#include "domain/freeze_json.h"
#include "integrations/calendar.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/freeze_store.h"
#include "storage/window_store.h"

namespace orderly::app {

namespace {

calendar::Recurrence recurrence_of(const domain::FreezeRecurrence& r) {
    return calendar::Recurrence{r.rrule, r.duration_s, r.timezone};
}

// 422 unless the window is well-formed, its rule and zone readable, its environments known.
void check_window(storage::Connection& c, const domain::FreezeWindow& w) {
    if (auto problem = domain::check_freeze_shape(w))
        fail(Error::UnprocessableField(problem->field, problem->message,
                                       codes::freeze_window_invalid));
    if (w.recurrence) {
        const auto rule = calendar::check_recurrence(recurrence_of(*w.recurrence));
        if (rule.problem == calendar::RuleProblem::timezone_unknown)
            fail(Error::UnprocessableField("timezone", rule.message, codes::freeze_timezone_unknown,
                                           {{"timezone", w.recurrence->timezone}}));
        if (rule.problem == calendar::RuleProblem::rule_invalid)
            fail(Error::UnprocessableField("rrule", rule.message, codes::freeze_rrule_invalid,
                                           {{"reason", rule.message}}));
    }
    for (const auto& key : w.environments)
        if (!storage::find_category(c, storage::CategoryKind::environment, key))
            fail(Error::UnprocessableField("environments", "no environment \"" + key + "\"",
                                           codes::environment_unknown, {{"key", key}}));
}

void sort_environments(domain::FreezeWindow& w) {
    std::sort(w.environments.begin(), w.environments.end());
    w.environments.erase(std::unique(w.environments.begin(), w.environments.end()),
                         w.environments.end());
}

domain::FreezeWindow load_window(storage::Connection& c, int64_t id) {
    auto w = storage::find_freeze_window(c, id);
    if (!w)
        fail(Error::NotFound("no freeze window with id " + std::to_string(id))
                 .with(codes::freeze_not_found, {{"id", id}}));
    return std::move(*w);
}

std::string overlap_text(const domain::Interval& i) {
    return format_rfc3339(i.start) + " to " +
           (i.end == domain::kOpenEnd ? std::string("further notice") : format_rfc3339(i.end));
}

}  // namespace

std::vector<domain::FreezeOccurrence> freeze_occurrences(const domain::FreezeWindow& w, TimeMs from,
                                                         TimeMs to) {
    std::vector<domain::FreezeOccurrence> out;
    if (w.recurrence) {
        for (const auto& span : calendar::expand(recurrence_of(*w.recurrence), from, to))
            out.push_back({w.id, span.start, span.end});
    } else if (w.start) {
        const TimeMs end = w.end.value_or(domain::kOpenEnd);
        if (domain::overlaps(*w.start, end, from, to)) out.push_back({w.id, *w.start, end});
    }
    return out;
}

FreezeCheck freeze_check(storage::Connection& c, const std::optional<std::string>& environment,
                         TimeMs start, TimeMs end) {
    FreezeCheck out;
    for (auto& w : storage::list_freeze_windows(c)) {
        if (!domain::applies_to(w, environment.value_or(""))) continue;
        const auto occ = freeze_occurrences(w, start, end);
        if (occ.empty()) continue;
        const auto overlap = domain::intersection(occ.front().start, occ.front().end, start, end);
        auto& list = w.kind == domain::FreezeKind::hard ? out.hard : out.soft;
        list.push_back(FreezeConflict{std::move(w), overlap});
    }
    return out;
}

std::vector<FreezeConflict> check_planned_change(storage::Connection& c,
                                                 const std::optional<std::string>& environment,
                                                 TimeMs start, TimeMs end) {
    auto found = freeze_check(c, environment, start, end);
    if (!found.hard.empty()) {
        const auto& first = found.hard.front();
        fail(Error::Unprocessable("the change overlaps the hard freeze \"" + first.window.name +
                                  "\" from " + overlap_text(first.overlap))
                 .with(codes::freeze_conflict,
                       {{"freeze_id", first.window.id},
                        {"freeze", first.window.name},
                        {"overlap_start", format_rfc3339(first.overlap.start)},
                        {"overlap_end", first.overlap.end == domain::kOpenEnd
                                            ? std::string()
                                            : format_rfc3339(first.overlap.end)}}));
    }
    return std::move(found.soft);
}

std::optional<FreezeConflict> active_hard_freeze(storage::Connection& c,
                                                 const std::optional<std::string>& environment,
                                                 TimeMs now) {
    auto found = freeze_check(c, environment, now, now + 1);
    if (found.hard.empty()) return std::nullopt;
    return std::move(found.hard.front());
}

void require_no_active_hard_freeze(storage::Connection& c,
                                   const std::optional<std::string>& environment, TimeMs now) {
    auto active = active_hard_freeze(c, environment, now);
    if (!active) return;
    const std::string env = environment.value_or("");
    fail(Error::Conflict(
             "the hard freeze \"" + active->window.name + "\" holds " +
             (env.empty() ? std::string("every environment") : "the environment \"" + env + "\"") +
             " now; nothing may be executed there until it ends")
             .with(codes::freeze_active, {{"freeze_id", active->window.id},
                                          {"freeze", active->window.name},
                                          {"environment", env}}));
}

std::vector<domain::FreezeWindow> FreezeCalendar::list() const {
    return db_.read([&](storage::Connection& c) { return storage::list_freeze_windows(c); });
}

domain::FreezeWindow FreezeCalendar::get(int64_t id) const {
    return db_.read([&](storage::Connection& c) { return load_window(c, id); });
}

domain::FreezeWindow FreezeCalendar::create(const Caller& who, domain::FreezeWindow w) const {
    const TimeMs now = clock_.now_ms();
    sort_environments(w);
    auto out = db_.write([&](storage::Connection& c) {
        check_window(c, w);
        const int64_t id = storage::insert_freeze_window(c, w, now);
        auto created = load_window(c, id);
        audit(c, who, now, "freeze.create", "freeze", std::to_string(id),
              "created freeze window " + created.name, std::nullopt, domain::freeze_json(created));
        storage::release_held_tickets(c, now);
        return created;
    });
    wake_held();
    return out;
}

domain::FreezeWindow FreezeCalendar::update(const Caller& who, int64_t id,
                                            std::optional<int64_t> if_match,
                                            domain::FreezeWindow w) const {
    const TimeMs now = clock_.now_ms();
    sort_environments(w);
    auto out = db_.write([&](storage::Connection& c) {
        const auto before = load_window(c, id);
        check_version(if_match, before.version, "freeze window " + std::to_string(id));
        w.id = id;
        check_window(c, w);
        storage::update_freeze_window(c, w, now);
        auto after = load_window(c, id);
        audit(c, who, now, "freeze.update", "freeze", std::to_string(id),
              "updated freeze window " + after.name, domain::freeze_json(before),
              domain::freeze_json(after));
        storage::release_held_tickets(c, now);
        return after;
    });
    wake_held();
    return out;
}

void FreezeCalendar::remove(const Caller& who, int64_t id, std::optional<int64_t> if_match) const {
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        const auto before = load_window(c, id);
        check_version(if_match, before.version, "freeze window " + std::to_string(id));
        storage::delete_freeze_window(c, id);
        audit(c, who, now, "freeze.delete", "freeze", std::to_string(id),
              "deleted freeze window " + before.name, domain::freeze_json(before));
        storage::release_held_tickets(c, now);
    });
    wake_held();
}

// The scheduled tickets a freeze held are due again (storage::release_held_tickets): the window
// scheduler looks at them now, and starts those no freeze holds any more.
void FreezeCalendar::wake_held() const {
    if (wake_windows_) wake_windows_();
}

FreezeCheck FreezeCalendar::check(const std::optional<std::string>& environment, TimeMs start,
                                  TimeMs end) const {
    return db_.read(
        [&](storage::Connection& c) { return freeze_check(c, environment, start, end); });
}

std::optional<FreezeConflict> FreezeCalendar::active_hard_freeze(
    const std::optional<std::string>& environment, TimeMs now) const {
    return db_.read(
        [&](storage::Connection& c) { return app::active_hard_freeze(c, environment, now); });
}

}  // namespace orderly::app
