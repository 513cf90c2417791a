// One request, from its parsed message to its response: route, then (on a worker thread for a
// blocking route) authenticate, check permission, parameters and body against the spec, run the
// handler inside the exception boundary, and send the answer with the access log and metrics.
#include "core/codes.h"
#include "http/boundary.h"
#include "http/headers.h"
#include "http/server_impl.h"
#include "http/static_files.h"
#include "http/url.h"

namespace orderly::http {

namespace {

// The caller's bearer token resolved to a principal holding the route's permission; throws a
// 401 or 403 problem otherwise.
void authorize(Request& req, const RouteEntry& route, const Authenticator& authenticate) {
    if (route.permission == "public") return;
    auto token = req.bearer_token();
    if (!token)
        fail(Error::Unauthorized("authentication required: send Authorization: Bearer <token>")
                 .with(codes::auth_required));
    if (!authenticate) fail(Error::Internal("no authenticator"));
    req.principal = unwrap(authenticate(*token, req));
    if (route.permission != "authenticated" && !req.principal->can(route.permission))
        fail(Error::Forbidden("this needs the permission \"" + route.permission + "\"")
                 .with(codes::permission_denied, {{"permission", route.permission}}));
}

// The body's size, the path and query parameters, and the JSON body against the operation's
// schema; req.json is the parsed body ({} when the operation takes none or it was omitted).
void check_input(Request& req, const RouteEntry& route, size_t max_body_bytes) {
    if (req.body.size() > max_body_bytes) {
        Error e{ErrorKind::payload_too_large,
                "the request body is larger than " + std::to_string(max_body_bytes) + " bytes",
                {},
                {}};
        e.code = codes::request_body_too_large;
        e.params = {{"max", max_body_bytes}};
        fail(e);
    }
    validate_params(req, route);
    if (!route.validator) {
        req.json.SetObject();
        return;
    }
    bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank && route.body_required)
        fail(Error::BadRequest("this operation needs a JSON request body",
                               {{"body", "is required", "field.required", {}}})
                 .with(codes::request_body_empty));
    if (blank)
        req.json.SetObject();
    else
        unwrap(json::parse_untrusted(req.body, req.json));
    // An omitted optional body is validated as {}, so that its schema still applies.
    fail_on(route.validator->validate(req.json), codes::request_invalid);
}

// The request as handlers see it: method, headers (repeated ones joined), request id (the
// client's when acceptable) and client address.
std::shared_ptr<Request> make_request(wire::Message& m, const std::string& canonical_peer,
                                      const TrustedProxies& proxies) {
    auto req = std::make_shared<Request>();
    req->method = std::move(m.method);
    for (auto& [name, value] : m.headers) {
        auto [it, inserted] = req->headers.emplace(name, value);
        if (!inserted) it->second.append(", ").append(value);
    }
    auto rid = req->header("x-request-id");
    req->request_id = rid && acceptable_request_id(*rid) ? *rid : random_request_id();
    req->address =
        proxies.client_address_of_canonical(canonical_peer, req->header("x-forwarded-for"));
    return req;
}

}  // namespace

void Server::Impl::handle(const std::shared_ptr<Conn>& c, wire::Message&& m) {
    auto started = std::chrono::steady_clock::now();
    ++in_flight;
    auto req = make_request(m, c->canonical_address, opts.trusted_proxies);
    const bool keep_alive = m.keep_alive;
    Response res;
    const RouteEntry* route = nullptr;
    try {
        route = resolve(*req, m.target, m.body, res);
    } catch (const std::exception&) {
        res = problem_for_current_exception(req->request_id, {});
        route = nullptr;
    }
    if (!route) {
        send(c, *req, res, keep_alive, started);
        return;
    }
    // Public routes (health, readiness, metrics) do without a read scope: /healthz answers
    // while the database is down, /readyz tells why it is not ready.
    const bool scoped_read = read_scope && !route->blocking &&
                             (route->method == "GET" || route->method == "HEAD") &&
                             route->permission != "public";
    if (route->blocking || (scoped_read && opts.reads_on_workers)) {
        auto self = shared_from_this();
        bool posted = pool->post([self, c, req, route, keep_alive, started, scoped_read] {
            Response r =
                scoped_read ? self->dispatch_read(*req, *route) : self->dispatch(*req, *route);
            self->send(c, *req, r, keep_alive, started);
        });
        if (!posted) {
            Response r = problem(
                Error::Unavailable("the server is busy; retry shortly").with(codes::server_busy),
                req->request_id);
            send(c, *req, r, keep_alive, started);
        }
        return;
    }
    res = scoped_read ? dispatch_read(*req, *route) : dispatch(*req, *route);
    send(c, *req, res, keep_alive, started);
}

Response Server::Impl::dispatch_read(Request& req, const RouteEntry& route) {
    try {
        return read_scope([&] { return dispatch(req, route); });
    } catch (const std::exception&) {
        // The read transaction around the handler failed to begin or to end (the database
        // cannot be reached): the same boundary answers.
        return problem_for_current_exception(req.request_id, route.method + " " + route.path);
    }
}

const RouteEntry* Server::Impl::resolve(Request& req, std::string_view target, std::string& body,
                                        Response& res) {
    decode_target(target, req);
    if (draining)
        fail(Error::Unavailable("the server is shutting down; retry shortly")
                 .with(codes::server_draining));
    const auto segs = split_path(req.path);
    RouteMatch match = match_route(routes, route_index, req.method, segs);
    if (match.route) {
        req.route = match.route->path;
        bind_path_params(*match.route, segs, req);
        req.body = std::move(body);
        return match.route;
    }
    const bool api = req.path.rfind("/api/", 0) == 0 || req.path == "/api";
    if (match.path_matched) {
        std::string allow;
        for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
        res = problem({ErrorKind::method_not_allowed,
                       "method " + req.method + " is not allowed here; allowed: " + allow,
                       {},
                       {}},
                      req.request_id);
        res.header("Allow", allow);
    } else if (!api && (req.method == "GET" || req.method == "HEAD") && !opts.ui_dir.empty()) {
        res = serve_static(opts.ui_dir, req);
    } else {
        fail(Error::NotFound("no such resource: " + req.path)
                 .with(codes::request_no_route, {{"path", req.path.substr(0, 200)}}));
    }
    return nullptr;
}

// Everything a handler or the checks before it throw ends in problem_for_current_exception:
// the single exception boundary (http/boundary.h).
Response Server::Impl::dispatch(Request& req, const RouteEntry& route) {
    try {
        authorize(req, route, authenticate);
        check_input(req, route, opts.max_body_bytes);
        return route.fn(req);
    } catch (const std::exception&) {
        return problem_for_current_exception(req.request_id, route.method + " " + route.path);
    }
}

void Server::Impl::send(const std::shared_ptr<Conn>& c, const Request& req, Response& res,
                        bool keep_alive, std::chrono::steady_clock::time_point started) {
    // Keep-alive unless the client asked to close (or sent HTTP/1.0 without keep-alive):
    // wire::Message::keep_alive follows RFC 9112 §9.3.
    const bool close = !keep_alive || draining;
    try {
        write(c, serialize_response(req, res, close), close);
    } catch (const std::exception&) {
        json::Writer w;
        w.start_object()
            .kv("level", "error")
            .kv("msg", "send failed")
            .kv("request_id", req.request_id)
            .end_object();
        write_log_line(stderr, w.view());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics.observe(req.method, req.route.empty() ? "unmatched" : req.route, res.status, secs);
    if (opts.access_log) log_request(req, res, secs);
    done();
    finished(c, close);
}

}  // namespace orderly::http
