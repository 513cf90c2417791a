#include "http/app.h"

#include "core/codes.h"
#include "domain/accounts.h"

namespace orderly::http {

app::Caller caller(const Request& req) {
    return app::Caller{req.principal ? &*req.principal : nullptr, req.address, req.request_id};
}

void check_email_member(const Request& req) {
    auto email = json::get_string(req.json, "email");
    if (!email || email->empty()) return;
    if (auto problem = domain::email_problem(*email))
        fail(Error::Field("email", *problem, codes::email_address_invalid, {{"reason", *problem}}));
}

app::ProfilePatch profile_patch(const Request& req) {
    check_email_member(req);
    app::ProfilePatch p;
    p.if_match = req.header("if-match");
    p.display_name = json::get_string(req.json, "display_name");
    p.clear_email = json::is_null_member(req.json, "email");
    p.email = json::get_string(req.json, "email");
    p.locale = json::get_string(req.json, "locale");
    p.timezone = nullable_string_member(req, "timezone");
    p.chat_ids = chat_ids_member(req);
    return p;
}

std::optional<std::optional<std::string>> nullable_string_member(const Request& req,
                                                                 const char* name) {
    if (json::is_null_member(req.json, name)) return std::optional<std::string>();
    if (auto value = json::get_string(req.json, name)) return std::optional<std::string>(*value);
    return std::nullopt;
}

std::optional<std::map<std::string, std::string>> chat_ids_member(const Request& req) {
    if (!req.json.IsObject()) return std::nullopt;
    auto it = req.json.FindMember("chat_ids");
    if (it == req.json.MemberEnd() || !it->value.IsObject()) return std::nullopt;
    // The spec's schema admits only the four platforms, each a string.
    std::map<std::string, std::string> ids;
    for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m)
        if (m->value.IsString() && m->value.GetStringLength() > 0)
            ids[std::string(m->name.GetString(), m->name.GetStringLength())] =
                std::string(m->value.GetString(), m->value.GetStringLength());
    return ids;
}

std::string etag(int64_t version) {
    return "\"" + std::to_string(version) + "\"";
}

Authenticator make_authenticator(App& app) {
    return [&app](const std::string& token, const Request&) -> Result<Principal> {
        return app.sessions.authenticate(token);
    };
}

}  // namespace orderly::http
