// The change calendar: freeze occurrences (and planned tickets) over a range, as JSON or as an
// iCalendar file.
#include <algorithm>
#include <map>

#include "app/freeze_calendar.h"
#include "app/tickets.h"
#include "core/codes.h"
#include "integrations/calendar.h"
#include "storage/database.h"
#include "storage/freeze_store.h"
#include "storage/window_store.h"

namespace orderly::app {

namespace {

void check_range(TimeMs from, TimeMs to) {
    if (from >= to || to - from > domain::kMaxCalendarRangeMs)
        fail(Error::UnprocessableField("to", "must be after from and at most 366 days after it",
                                       codes::calendar_range_invalid, {{"max_days", 366}}));
}

std::string occurrence_uid(const CalendarFreeze& f) {
    return "freeze-" + std::to_string(f.window.id) + "-" + std::to_string(f.start / 1000) +
           "@orderly";
}

}  // namespace

ChangeCalendar FreezeCalendar::calendar(const Caller& who, TimeMs from, TimeMs to,
                                        const std::optional<std::string>& env) const {
    check_range(from, to);
    ChangeCalendar out;
    out.from = from;
    out.to = to;
    const auto [windows, planned] = db_.read([&](storage::Connection& c) {
        return std::pair(storage::list_freeze_windows(c),
                         storage::planned_tickets(c, from, to, env, kCalendarTickets, who.user_id(),
                                                  reads_all_tickets(who)));
    });
    // Whoever plans a change sees every window taken (conflicts are what a calendar is for),
    // but only what the tickets they may read are.
    for (const auto& t : planned) {
        if (t.readable)
            out.tickets.push_back(
                {t.id, t.sn, t.title, false, t.status, t.environment, t.start, t.end});
        else
            out.tickets.push_back({0, "", "", true, t.status, t.environment, t.start, t.end});
    }
    for (const auto& w : windows) {
        if (env && !domain::applies_to(w, *env)) continue;
        for (const auto& occ : freeze_occurrences(w, from, to)) {
            CalendarFreeze f{w, occ.start, std::nullopt};
            if (occ.end != domain::kOpenEnd) f.end = occ.end;
            out.freezes.push_back(std::move(f));
        }
    }
    std::stable_sort(out.freezes.begin(), out.freezes.end(),
                     [](const CalendarFreeze& a, const CalendarFreeze& b) {
                         return a.start != b.start ? a.start < b.start : a.window.id < b.window.id;
                     });
    return out;
}

std::string FreezeCalendar::calendar_ics(const Caller& who, TimeMs from, TimeMs to,
                                         const std::optional<std::string>& env) const {
    const ChangeCalendar cal = calendar(who, from, to, env);
    std::vector<calendar::Event> events;
    for (const auto& f : cal.freezes) {
        calendar::Event e;
        e.uid = occurrence_uid(f);
        e.summary = std::string(f.window.kind == domain::FreezeKind::hard ? "Hard" : "Soft") +
                    " freeze: " + f.window.name;
        e.description = f.window.reason;
        e.categories = f.window.environments;
        e.start = f.start;
        e.end = f.end.value_or(cal.to);
        events.push_back(std::move(e));
    }
    std::map<std::string, int> restricted_uids;  // windows alike are numbered apart
    for (const auto& t : cal.tickets) {
        calendar::Event e;
        if (t.restricted) {
            const std::string uid = "planned-" + std::to_string(t.start / 1000) + "-" +
                                    std::to_string(t.end / 1000) + "-" + t.environment.value_or("");
            e.uid = uid + "-" + std::to_string(++restricted_uids[uid]) + "@orderly";
            e.summary = "Planned change (restricted) (" + t.status + ")";
        } else {
            e.uid = "ticket-" + std::to_string(t.id) + "@orderly";
            e.summary = t.sn + " " + t.title + " (" + t.status + ")";
        }
        if (t.environment) e.categories.push_back(*t.environment);
        e.start = t.start;
        e.end = t.end;
        events.push_back(std::move(e));
    }
    return calendar::render_ics(events, clock_.now_ms(), "-//Orderly//Change calendar//EN");
}

}  // namespace orderly::app
