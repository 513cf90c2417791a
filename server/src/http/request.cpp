#include "http/request.h"

#include <charconv>

#include "app/version_check.h"
#include "core/codes.h"
#include "core/time.h"

namespace orderly::http {

const Principal& Request::user() const {
    if (!principal) fail(Error::Unauthorized().with(codes::auth_required));
    return *principal;
}

std::optional<std::string> Request::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> Request::bearer_token() const {
    auto auth = header("authorization");
    if (!auth) return std::nullopt;
    std::string_view a = *auth;
    auto scheme_is_bearer = [&] {
        constexpr std::string_view kBearer = "bearer ";
        for (size_t i = 0; i < kBearer.size(); ++i)
            if ((a[i] | 0x20) != kBearer[i]) return false;
        return true;
    };
    if (a.size() < 8 || !scheme_is_bearer())
        fail(Error::Unauthorized("the Authorization header must be \"Bearer <token>\"")
                 .with(codes::auth_bad_header));
    std::string token(a.substr(7));
    while (!token.empty() && token.front() == ' ') token.erase(token.begin());
    return token;
}

namespace {
std::optional<int64_t> parse_int(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}
}  // namespace

int64_t Request::id_param(const std::string& name) const {
    const std::string& raw = str_param(name);
    auto v = parse_int(raw);
    if (!v || *v < 1 || raw[0] == '+' || raw[0] == '0')
        fail(
            Error::NotFound(name + " must be a positive integer, got \"" + raw.substr(0, 40) + "\"")
                .with(codes::request_id_invalid, {{"name", name}, {"value", raw.substr(0, 40)}}));
    return *v;
}

const std::string& Request::str_param(const std::string& name) const {
    auto it = params.find(name);
    if (it == params.end()) fail(Error::Internal("missing path parameter " + name));
    return it->second;
}

std::optional<std::string> Request::query_str(const std::string& name) const {
    for (const auto& [k, v] : query)
        if (k == name) return v;
    return std::nullopt;
}

std::optional<int64_t> Request::query_int(const std::string& name, int64_t min, int64_t max) const {
    auto s = query_str(name);
    if (!s) return std::nullopt;
    auto v = parse_int(*s);
    if (!v) fail(Error::Field(name, "must be an integer", codes::field_integer));
    if (*v < min || *v > max)
        fail(Error::Field(name,
                          "must be between " + std::to_string(min) + " and " + std::to_string(max),
                          *v < min ? codes::field_minimum : codes::field_maximum,
                          {*v < min ? Param{"min", min} : Param{"max", max}}));
    return v;
}

std::optional<bool> Request::query_bool(const std::string& name) const {
    auto s = query_str(name);
    if (!s) return std::nullopt;
    if (*s == "true" || *s == "1") return true;
    if (*s == "false" || *s == "0") return false;
    fail(Error::Field(name, "must be true or false", codes::field_boolean));
}

std::optional<int64_t> time_field(const std::string& name, const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    auto t = parse_rfc3339(*s);
    if (!t)
        fail(Error::Field(name, "must be an RFC 3339 date-time, e.g. 2026-11-21T08:00:00Z",
                          codes::field_datetime));
    return t;
}

std::optional<int64_t> Request::query_time(const std::string& name) const {
    return time_field(name, query_str(name));
}

int Request::limit() const {
    return static_cast<int>(query_int("limit", 1, 500).value_or(50));
}

std::optional<int64_t> Request::if_match() const {
    auto h = header("if-match");
    if (!h) return std::nullopt;
    return app::parse_version_tag(*h);
}

Response problem(const Error& e, const std::string& request_id) {
    int status = http_status(e.kind);
    json::Writer w;
    w.start_object();
    w.kv("type", "about:blank");
    w.kv("title", error_title(e.kind));
    w.kv("status", status);
    w.kv("detail", e.message);
    // An internal error's params could carry what only the log may see.
    bool internal = e.kind == ErrorKind::internal;
    w.kv("code", internal || e.code.empty() ? std::string(default_code(e.kind)) : e.code);
    json::write_params(w, "params", internal ? Params{} : e.params);
    if (!e.fields.empty()) {
        w.key("errors").start_array();
        for (const auto& f : e.fields) {
            w.start_object().kv("field", f.field).kv("message", f.message);
            w.kv("code", f.code.empty() ? std::string("field.invalid") : f.code);
            json::write_params(w, "params", f.params);
            w.end_object();
        }
        w.end_array();
    }
    if (!request_id.empty()) w.kv("request_id", request_id);
    w.end_object();
    Response r = Response::json(status, w.take());
    r.content_type = "application/problem+json; charset=utf-8";
    if (e.retry_after_s > 0) r.header("Retry-After", std::to_string(e.retry_after_s));
    return r;
}

std::string encode_cursor(int64_t last_id) {
    return std::to_string(last_id);
}

int64_t decode_cursor(const std::optional<std::string>& cursor) {
    if (!cursor || cursor->empty()) return 0;
    auto v = parse_int(*cursor);
    if (!v || *v < 0)
        fail(Error::Field("cursor", "is not a cursor returned by this list", codes::field_cursor));
    return *v;
}

}  // namespace orderly::http
