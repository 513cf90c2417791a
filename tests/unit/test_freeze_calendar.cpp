// Freeze windows: the overlap rules (domain/freeze.h) and the recurrence expansion and iCalendar
// output over libical (integrations/calendar.h), across daylight-saving changes.
#include <libical/ical.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "domain/freeze.h"
#include "integrations/calendar.h"

using namespace orderly;
using domain::overlaps;

namespace {

TimeMs at(const char* rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    REQUIRE(t);
    return *t;
}

std::vector<std::string> starts_of(const std::vector<calendar::Span>& spans) {
    std::vector<std::string> out;
    for (const auto& s : spans) out.push_back(format_rfc3339(s.start));
    return out;
}

calendar::Recurrence weekly_18h(const char* dtstart, const char* zone, int64_t hours = 2) {
    return calendar::Recurrence{std::string("DTSTART:") + dtstart + "\nRRULE:FREQ=WEEKLY",
                                hours * 3600, zone};
}

}  // namespace

TEST_CASE("freeze intervals are half-open", "[unit][freeze]") {
    CHECK(overlaps(0, 10, 9, 20));
    CHECK(overlaps(9, 20, 0, 10));
    CHECK(overlaps(0, 100, 10, 20));       // one inside the other
    CHECK_FALSE(overlaps(0, 10, 10, 20));  // touching ends do not overlap
    CHECK_FALSE(overlaps(10, 20, 0, 10));
    CHECK_FALSE(overlaps(0, 10, 5, 5));  // an empty change overlaps nothing
    CHECK(overlaps(5, 6, 0, 10));        // an instant is [t, t + 1)
    CHECK(overlaps(0, domain::kOpenEnd, 1'000'000'000'000'000, 1'000'000'000'000'001));
    CHECK_FALSE(overlaps(10, domain::kOpenEnd, 0, 10));  // open-ended, starting at the end
    const auto i = domain::intersection(0, 10, 5, 20);
    CHECK(i.start == 5);
    CHECK(i.end == 10);
}

TEST_CASE("a freeze for no environment holds every one", "[unit][freeze]") {
    domain::FreezeWindow w;
    CHECK(domain::applies_to(w, "PROD"));
    CHECK(domain::applies_to(w, ""));
    w.environments = {"PROD", "UAT"};
    CHECK(domain::applies_to(w, "UAT"));
    CHECK_FALSE(domain::applies_to(w, "DEV"));
    CHECK_FALSE(domain::applies_to(w, ""));  // a change without environment
}

TEST_CASE("a freeze window's shape", "[unit][freeze]") {
    domain::FreezeWindow w;
    w.name = "x";
    CHECK(domain::check_freeze_shape(w)->field == "start");  // neither one-off nor recurring
    w.start = 100;
    CHECK_FALSE(domain::check_freeze_shape(w));  // open-ended
    w.end = 100;
    CHECK(domain::check_freeze_shape(w)->field == "end");
    w.end = 101;
    CHECK_FALSE(domain::check_freeze_shape(w));
    w.recurrence = domain::FreezeRecurrence{"r", 60, "UTC"};
    CHECK(domain::check_freeze_shape(w)->field == "start");  // both
    w.start.reset();
    w.end.reset();
    CHECK_FALSE(domain::check_freeze_shape(w));
    w.recurrence->duration_s = 0;
    CHECK(domain::check_freeze_shape(w)->field == "duration_s");
}

TEST_CASE("a weekly freeze keeps its local time across the American spring change",
          "[unit][freeze]") {
    // New York moves to daylight time on 2026-03-08: 18:00 is 23:00Z before, 22:00Z after.
    auto r = weekly_18h("20260227T180000", "America/New_York");
    REQUIRE(calendar::check_recurrence(r).problem == calendar::RuleProblem::none);
    const auto spans = calendar::expand(r, at("2026-02-27T00:00:00Z"), at("2026-03-21T00:00:00Z"));
    CHECK(starts_of(spans) ==
          std::vector<std::string>{"2026-02-27T23:00:00.000Z", "2026-03-06T23:00:00.000Z",
                                   "2026-03-13T22:00:00.000Z", "2026-03-20T22:00:00.000Z"});
    REQUIRE(!spans.empty());
    CHECK(spans[0].end - spans[0].start == 2 * 3600 * 1000);
}

TEST_CASE("a weekly freeze keeps its local time across the European autumn change",
          "[unit][freeze]") {
    // Berlin leaves summer time on 2026-10-25: 18:00 is 16:00Z before, 17:00Z after. The rule
    // starts months earlier, so the expansion skips ahead to the range.
    auto r = weekly_18h("20260102T180000", "Europe/Berlin");
    const auto spans = calendar::expand(r, at("2026-10-16T00:00:00Z"), at("2026-11-01T00:00:00Z"));
    CHECK(starts_of(spans) == std::vector<std::string>{"2026-10-16T16:00:00.000Z",
                                                       "2026-10-23T16:00:00.000Z",
                                                       "2026-10-30T17:00:00.000Z"});
    // And across the spring change, with the zone named on DTSTART.
    calendar::Recurrence tzid{
        "DTSTART;TZID=Europe/Berlin:20260102T180000\r\nRRULE:FREQ=WEEKLY;BYDAY=FR", 3600,
        "Europe/Berlin"};
    CHECK(
        starts_of(calendar::expand(tzid, at("2026-03-27T00:00:00Z"), at("2026-04-04T00:00:00Z"))) ==
        std::vector<std::string>{"2026-03-27T17:00:00.000Z", "2026-04-03T16:00:00.000Z"});
}

TEST_CASE("an occurrence that began before the range is part of it", "[unit][freeze]") {
    // Every Friday 18:00 in Shanghai for 62 hours: Friday 10:00Z to Monday 00:00Z.
    calendar::Recurrence r{"DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=FR", 62 * 3600,
                           "Asia/Shanghai"};
    auto spans = calendar::expand(r, at("2026-01-04T12:00:00Z"), at("2026-01-04T13:00:00Z"));
    REQUIRE(spans.size() == 1);
    CHECK(format_rfc3339(spans[0].start) == "2026-01-02T10:00:00.000Z");
    CHECK(format_rfc3339(spans[0].end) == "2026-01-05T00:00:00.000Z");
    // Monday 00:00Z is after it: half-open.
    CHECK(calendar::expand(r, at("2026-01-05T00:00:00Z"), at("2026-01-09T10:00:00Z")).empty());
    // Years later, still Friday 18:00 local.
    spans = calendar::expand(r, at("2030-01-04T00:00:00Z"), at("2030-01-05T00:00:00Z"));
    REQUIRE(spans.size() == 1);
    CHECK(format_rfc3339(spans[0].start) == "2030-01-04T10:00:00.000Z");
}

TEST_CASE("COUNT and UNTIL end a rule", "[unit][freeze]") {
    calendar::Recurrence r{"DTSTART:20260105T090000Z\nRRULE:FREQ=DAILY;COUNT=3", 600, "UTC"};
    CHECK(calendar::expand(r, at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z")).size() == 3);
    r.rule = "DTSTART:20260105T090000Z\nRRULE:FREQ=DAILY;UNTIL=20260106T235959Z";
    CHECK(calendar::expand(r, at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z")).size() == 2);
}

TEST_CASE("unreadable rules and unknown time zones are refused", "[unit][freeze]") {
    using P = calendar::RuleProblem;
    auto problem = [](const char* rule, const char* zone) {
        return calendar::check_recurrence(calendar::Recurrence{rule, 3600, zone}).problem;
    };
    const char* good = "DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY";
    CHECK(problem(good, "Asia/Shanghai") == P::none);
    CHECK(problem(good, "Mars/Olympus_Mons") == P::timezone_unknown);
    CHECK(problem(good, "") == P::timezone_unknown);
    CHECK(problem("RRULE:FREQ=WEEKLY", "UTC") == P::rule_invalid);        // no DTSTART
    CHECK(problem("DTSTART:20260102T180000", "UTC") == P::rule_invalid);  // no RRULE
    CHECK(problem("DTSTART:20260102T180000\nRRULE:FREQ=SOMETIMES", "UTC") == P::rule_invalid);
    CHECK(problem("DTSTART:yesterday\nRRULE:FREQ=WEEKLY", "UTC") == P::rule_invalid);
    CHECK(problem("DTSTART:20260102T180000\nRRULE:FREQ=MINUTELY", "UTC") == P::rule_invalid);
    CHECK(problem("DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY\nRRULE:FREQ=DAILY", "UTC") ==
          P::rule_invalid);
    CHECK(problem("DTSTART;TZID=Europe/Paris:20260102T180000\nRRULE:FREQ=WEEKLY",
                  "Europe/Berlin") == P::rule_invalid);
    CHECK(problem("FREQ=WEEKLY", "UTC") == P::rule_invalid);
    CHECK(calendar::known_timezone("America/New_York"));
    CHECK_FALSE(calendar::known_timezone("Nowhere/Special"));
}

TEST_CASE("the iCalendar output reads back with a parser", "[unit][freeze]") {
    std::vector<calendar::Event> events(2);
    events[0] = {"freeze-1-100@orderly",         "Hard freeze: Weekend, \"all\"; PROD",
                 "No changes\nover the weekend", {"PROD"},
                 at("2026-03-13T22:00:00Z"),     at("2026-03-16T10:00:00Z")};
    events[1] = {"freeze-2-200@orderly",     "Soft freeze: 年终封网",   "", {},
                 at("2026-12-20T00:00:00Z"), at("2027-01-04T00:00:00Z")};
    const std::string text =
        calendar::render_ics(events, at("2026-03-01T08:00:00Z"), "-//Orderly//Change calendar//EN");
    CHECK(text.find("\r\n") != std::string::npos);
    icalcomponent* cal = icalparser_parse_string(text.c_str());
    REQUIRE(cal);
    CHECK(icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT);
    CHECK(std::string(icalproperty_get_version(
              icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY))) == "2.0");
    CHECK(std::string(icalproperty_get_prodid(icalcomponent_get_first_property(
              cal, ICAL_PRODID_PROPERTY))) == "-//Orderly//Change calendar//EN");
    std::vector<std::string> uids, summaries, starts, ends;
    for (icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        uids.emplace_back(icalcomponent_get_uid(ev));
        summaries.emplace_back(icalcomponent_get_summary(ev));
        const icaltimetype s = icalcomponent_get_dtstart(ev);
        const icaltimetype e = icalcomponent_get_dtend(ev);
        CHECK(icaltime_is_utc(s));
        CHECK(icaltime_is_utc(e));
        CHECK(icaltime_is_utc(
            icalproperty_get_dtstamp(icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY))));
        starts.push_back(format_rfc3339(icaltime_as_timet(s) * 1000));
        ends.push_back(format_rfc3339(icaltime_as_timet(e) * 1000));
    }
    icalcomponent_free(cal);
    CHECK(uids == std::vector<std::string>{"freeze-1-100@orderly", "freeze-2-200@orderly"});
    CHECK(summaries ==
          std::vector<std::string>{"Hard freeze: Weekend, \"all\"; PROD", "Soft freeze: 年终封网"});
    CHECK(starts ==
          std::vector<std::string>{"2026-03-13T22:00:00.000Z", "2026-12-20T00:00:00.000Z"});
    CHECK(ends == std::vector<std::string>{"2026-03-16T10:00:00.000Z", "2027-01-04T00:00:00.000Z"});
}
