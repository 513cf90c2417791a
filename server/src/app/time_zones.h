#pragma once
// Time zones as the application uses them: the settings notices are rendered with (each
// reader's IANA zone, the server's ORDERLY_TIMEZONE for readers without one, the rules from
// the system's zoneinfo through integrations/calendar.h) and the check of a zone a client gives.
#include <optional>
#include <string>

#include "domain/notification.h"

namespace orderly::app {

// Links to base_url; times in each reader's zone, `timezone` for readers who chose none.
domain::NoticeSettings notice_settings(std::string base_url, std::string timezone);

// Whether the system knows the IANA zone ("Asia/Shanghai", "UTC").
bool known_timezone(const std::string& zone);

// A zone a client gave, checked: nullopt and "" stay as they are (the server's zone); an
// unknown name fails with 422 on `field` with `code` and the param `timezone`.
void check_timezone(const std::optional<std::string>& zone, const char* field, const char* code);

}  // namespace orderly::app
