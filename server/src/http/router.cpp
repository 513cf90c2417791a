#include "http/router.h"

#include <algorithm>

#include "core/codes.h"
#include "http/url.h"

namespace orderly::http {

RouteEntry make_route(const spec::RouteSpec& spec, const std::string& method,
                      const std::string& path, HandlerFn fn, bool blocking) {
    RouteEntry e;
    e.method = method;
    e.path = path;
    e.segments = split_path(path);
    e.fn = std::move(fn);
    e.blocking = blocking || (method != "GET" && method != "HEAD");
    e.permission = std::string(spec.permission);
    if (!spec.body_schema.empty())
        e.validator = std::make_shared<SchemaValidator>(spec.body_schema);
    e.body_required = spec.body_required;
    if (!spec.query_schema.empty())
        e.query_validator = std::make_shared<ParamsValidator>(spec.query_schema);
    if (!spec.path_schema.empty())
        e.path_validator = std::make_shared<ParamsValidator>(spec.path_schema);
    return e;
}

void decode_target(std::string_view target, Request& req) {
    if (auto hash = target.find('#'); hash != std::string_view::npos)
        target = target.substr(0, hash);
    const size_t qmark = target.find('?');
    std::string_view raw_path = target.substr(0, qmark);
    std::string_view raw_query =
        qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
    auto decoded = percent_decode(raw_path, false);
    if (!decoded || !valid_utf8(*decoded)) {
        req.path = std::string(raw_path.substr(0, 200));  // for the access log
        fail(Error::BadRequest("the request path is not valid").with(codes::request_path_invalid));
    }
    req.path = *decoded;
    size_t i = 0;
    while (i < raw_query.size()) {
        size_t amp = raw_query.find('&', i);
        if (amp == std::string_view::npos) amp = raw_query.size();
        std::string_view item = raw_query.substr(i, amp - i);
        i = amp + 1;
        if (item.empty()) continue;
        size_t eq = item.find('=');
        std::string_view rk = item.substr(0, eq);
        std::string_view rv =
            eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
        auto k = percent_decode(rk, true), v = percent_decode(rv, true);
        if (!k || !v || !valid_utf8(*k) || !valid_utf8(*v))
            fail(Error::Field(std::string(rk.substr(0, 40)),
                              "query parameter is not valid UTF-8 or percent-encoding",
                              codes::request_query_invalid,
                              {{"name", std::string(rk.substr(0, 40))}}));
        req.query.emplace_back(*k, *v);
    }
}

namespace {
// Which segment the index looks at for a path of n segments (n > 0).
size_t key_segment(size_t n) {
    return std::min<size_t>(2, n - 1);
}
bool is_parameter(const std::string& segment) {
    return !segment.empty() && segment.front() == '{';
}
}  // namespace

void RouteIndex::add(const RouteEntry& route, size_t position) {
    const size_t n = route.segments.size();
    if (by_count_.size() <= n) by_count_.resize(n + 1);
    Bucket& b = by_count_[n];
    if (n == 0 || is_parameter(route.segments[key_segment(n)]))
        b.parameter.push_back(position);
    else
        b.by_segment[route.segments[key_segment(n)]].push_back(position);
}

RouteIndex::Candidates RouteIndex::candidates(const std::vector<std::string>& segments) const {
    const size_t n = segments.size();
    Candidates c;
    if (n >= by_count_.size()) return c;
    const Bucket& b = by_count_[n];
    c.parameter = &b.parameter;
    if (n > 0)
        if (auto it = b.by_segment.find(segments[key_segment(n)]); it != b.by_segment.end())
            c.same = &it->second;
    return c;
}

RouteMatch match_route(const std::vector<RouteEntry>& routes, const RouteIndex& index,
                       const std::string& method, const std::vector<std::string>& segs) {
    RouteMatch m;
    int best = -1;
    auto consider = [&](const RouteEntry& r) {
        int literal = 0;
        for (size_t i = 0; i < segs.size(); ++i) {
            const auto& t = r.segments[i];
            if (is_parameter(t)) continue;
            if (t != segs[i]) return;
            ++literal;
        }
        m.path_matched = true;
        // HEAD is answered like GET, without the body (RFC 9110 §9.3.2).
        const bool head_of_get = method == "HEAD" && r.method == "GET";
        if (r.method != method && !head_of_get) {
            m.allowed.push_back(r.method);
            if (r.method == "GET") m.allowed.push_back("HEAD");
            return;
        }
        const int score = literal * 2 + (head_of_get ? 0 : 1);
        if (score > best) {
            best = score;
            m.route = &r;
        }
    };
    // Both lists in registration order, merged: ties go to the route registered first, and
    // the allowed methods come in that order too.
    static const std::vector<size_t> none;
    const auto c = index.candidates(segs);
    const auto& a = c.same ? *c.same : none;
    const auto& b = c.parameter ? *c.parameter : none;
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i] < b[j]))
            consider(routes[a[i++]]);
        else
            consider(routes[b[j++]]);
    }
    return m;
}

void bind_path_params(const RouteEntry& route, const std::vector<std::string>& segs, Request& req) {
    for (size_t i = 0; i < segs.size(); ++i) {
        const auto& t = route.segments[i];
        if (!t.empty() && t.front() == '{') req.params[t.substr(1, t.size() - 2)] = segs[i];
    }
}

void fail_on(std::vector<FieldError> errs, const char* code) {
    if (errs.empty()) return;
    std::string msg = errs.front().field + " " + errs.front().message;
    if (errs.size() > 1) msg += " (and " + std::to_string(errs.size() - 1) + " more)";
    Params params{
        {"field", errs.front().field}, {"name", errs.front().field}, {"count", errs.size()}};
    fail(Error::BadRequest(msg, std::move(errs)).with(code, std::move(params)));
}

void validate_params(const Request& req, const RouteEntry& route) {
    if (route.path_validator && !route.path_validator->quickly_valid(req.params)) {
        std::vector<std::pair<std::string, std::string>> params(req.params.begin(),
                                                                req.params.end());
        auto errs = route.path_validator->validate(params);
        if (!errs.empty())
            fail(Error::NotFound("no such resource: " + errs.front().field + " " +
                                 errs.front().message)
                     .with(codes::request_path_invalid, {{"field", errs.front().field}}));
    }
    if (route.query_validator) {
        fail_on(route.query_validator->validate(req.query), codes::request_query_invalid);
    } else if (!req.query.empty()) {
        std::string name = req.query.front().first.substr(0, 64);
        fail(
            Error::BadRequest(name + ": is not a parameter of this operation",
                              {{name, "is not a parameter of this operation", "field.unknown", {}}})
                .with(codes::request_query_invalid, {{"field", name}, {"count", 1}}));
    }
}

}  // namespace orderly::http
