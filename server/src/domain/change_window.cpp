#include "domain/change_window.h"

#include "core/codes.h"

namespace orderly::domain {

Result<std::optional<ChangeWindow>> check_window(std::optional<TimeMs> start,
                                                 std::optional<TimeMs> end) {
    if (!start && !end) return std::optional<ChangeWindow>();
    if (!start || !end) {
        const char* missing = start ? "planned_end" : "planned_start";
        return Error::UnprocessableField(missing,
                                         "send both planned_start and planned_end, or neither",
                                         codes::window_incomplete);
    }
    if (*end <= *start)
        return Error::UnprocessableField("planned_end", "must be after planned_start",
                                         codes::window_end_before_start);
    return std::optional<ChangeWindow>(ChangeWindow{*start, *end});
}

bool overlaps(const ChangeWindow& a, const ChangeWindow& b) {
    return a.start < b.end && b.start < a.end;
}

bool window_open(const std::optional<ChangeWindow>& w, TimeMs now) {
    return !w || now >= w->start;
}

std::optional<Error> outside_window(const std::optional<ChangeWindow>& w, TimeMs now) {
    if (!w) return std::nullopt;
    if (now < w->start) {
        const std::string opens = format_rfc3339(w->start);
        return Error::Conflict("the change window opens at " + opens +
                               "; only an emergency execution may start before")
            .with(codes::window_not_open, {{"planned_start", opens}});
    }
    if (now >= w->end) {
        const std::string closed = format_rfc3339(w->end);
        return Error::Conflict("the change window closed at " + closed +
                               "; only an emergency execution may start after it")
            .with(codes::window_closed, {{"planned_end", closed}});
    }
    return std::nullopt;
}

TicketStatus status_at_execute(const std::optional<ChangeWindow>& w, TimeMs now) {
    return window_open(w, now) ? TicketStatus::approved : TicketStatus::scheduled;
}

std::optional<TimeMs> window_due(TicketStatus s, const std::optional<ChangeWindow>& w) {
    if (!w) return std::nullopt;
    if (s == TicketStatus::scheduled) return w->start;
    if (s == TicketStatus::approved) return w->end;
    return std::nullopt;
}

WindowDue due_action(TicketStatus s, const std::optional<ChangeWindow>& w, TimeMs now) {
    if (!w) return WindowDue::nothing;
    if (s != TicketStatus::scheduled && s != TicketStatus::approved) return WindowDue::nothing;
    if (now >= w->end) return WindowDue::miss;
    if (s == TicketStatus::scheduled && now >= w->start) return WindowDue::start;
    return WindowDue::nothing;
}

}  // namespace orderly::domain
