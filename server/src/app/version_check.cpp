#include "app/version_check.h"

#include "core/codes.h"
#include "core/error.h"

namespace orderly::app {

void check_version(std::optional<int64_t> sent, int64_t current_version, const std::string& what) {
    if (sent && *sent != current_version)
        fail(Error::Conflict(what + " was changed by someone else (version " +
                             std::to_string(current_version) + ", you sent " +
                             std::to_string(*sent) + "); reload and try again")
                 .with(codes::request_version_conflict,
                       {{"what", what}, {"current", current_version}, {"sent", *sent}}));
}

}  // namespace orderly::app
