#include "http/server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>
#include <sodium.h>

#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/codes.h"
#include "core/time.h"
#include "http/spec.h"
#include "http/url.h"
#include "http/validator.h"

namespace orderly::http {

namespace P = Pistache;

namespace {

// ASCII only, as HTTP header names and tokens are; no locale lookups.
std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// Parsing a media type is not free and nearly every response has the same one or two.
P::Http::Mime::MediaType media_type(const std::string& s) {
    static const std::string json_text = "application/json; charset=utf-8";
    static const std::string problem_text = "application/problem+json; charset=utf-8";
    static const auto json = P::Http::Mime::MediaType::fromString(json_text);
    static const auto problem = P::Http::Mime::MediaType::fromString(problem_text);
    if (s == json_text) return json;
    if (s == problem_text) return problem;
    return P::Http::Mime::MediaType::fromString(s);
}

// Request ids only need to be unique, not secret: a per-thread generator (xorshift64*, seeded
// once from the system's randomness) spares a getrandom() system call on every request.
std::string random_request_id() {
    thread_local uint64_t state = [] {
        uint64_t seed = 0;
        while (seed == 0) randombytes_buf(&seed, sizeof seed);
        return seed;
    }();
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    const uint64_t r = state * 0x2545F4914F6CDD1DULL;
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(r >> (8 * i));
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
        s.push_back(hex[c >> 4]);
        s.push_back(hex[c & 15]);
    }
    return s;
}

bool acceptable_request_id(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return false;
    return true;
}

const char* mime_for(const std::string& path) {
    auto ends = [&](const char* ext) {
        size_t n = std::strlen(ext);
        return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".json")) return "application/json";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    if (ends(".ico")) return "image/x-icon";
    if (ends(".woff2")) return "font/woff2";
    if (ends(".woff")) return "font/woff";
    if (ends(".ttf")) return "font/ttf";
    return "application/octet-stream";
}

class WorkerPool {
  public:
    explicit WorkerPool(int n) {
        for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
    }
    ~WorkerPool() { stop(); }
    bool post(std::function<void()> job) {
        {
            std::lock_guard lock(mu_);
            if (stopping_ || queue_.size() >= kMaxQueue) return false;
            queue_.push_back(std::move(job));
        }
        cv_.notify_one();
        return true;
    }
    void stop() {
        {
            std::lock_guard lock(mu_);
            if (stopping_ && threads_.empty()) return;
            stopping_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) t.join();
        threads_.clear();
        queue_.clear();
    }
    size_t queued() {
        std::lock_guard lock(mu_);
        return queue_.size();
    }

  private:
    static constexpr size_t kMaxQueue = 4096;
    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (stopping_) return;
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            job();
        }
    }
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> queue_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

struct RouteEntry {
    std::string method;
    std::string path;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    HandlerFn fn;
    bool blocking = false;
    std::string permission;
    std::shared_ptr<SchemaValidator> validator;
    bool body_required = false;
    std::shared_ptr<ParamsValidator> query_validator;  // null: the operation takes no query
    std::shared_ptr<ParamsValidator> path_validator;
};

// Prometheus-style metrics, per process.
class Metrics {
  public:
    static constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                          0.25,  0.5,    1,     2.5,  5,     10};
    static constexpr size_t kNB = sizeof(kBuckets) / sizeof(kBuckets[0]);
    void observe(const std::string& method, const std::string& route, int status, double secs) {
        // The key is built in a reused per-thread buffer: no allocation once it has grown.
        thread_local std::string key;
        key.assign(method).append("\t").append(route).append("\t");
        char digits[12];
        const auto end = std::to_chars(digits, digits + sizeof digits, status).ptr;
        key.append(digits, end);
        std::lock_guard lock(mu_);
        if (auto it = counts_.find(key); it != counts_.end())
            it->second += 1;
        else
            counts_.emplace(key, 1);
        auto hit = hist_.find(route);
        if (hit == hist_.end()) hit = hist_.emplace(route, Hist{}).first;
        auto& h = hit->second;
        for (size_t i = 0; i < kNB; ++i)
            if (secs <= kBuckets[i]) h.buckets[i] += 1;
        h.count += 1;
        h.sum += secs;
    }
    std::string render() {
        std::ostringstream o;
        std::lock_guard lock(mu_);
        o << "# HELP orderly_http_requests_total HTTP requests by method, route and status.\n"
          << "# TYPE orderly_http_requests_total counter\n";
        for (const auto& [k, v] : counts_) {
            auto a = k.find('\t'), b = k.rfind('\t');
            o << "orderly_http_requests_total{method=\"" << k.substr(0, a) << "\",route=\""
              << k.substr(a + 1, b - a - 1) << "\",status=\"" << k.substr(b + 1) << "\"} " << v
              << "\n";
        }
        o << "# HELP orderly_http_request_duration_seconds Request latency by route.\n"
          << "# TYPE orderly_http_request_duration_seconds histogram\n";
        for (const auto& [route, h] : hist_) {
            for (size_t i = 0; i < kNB; ++i)
                o << "orderly_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
                  << kBuckets[i] << "\"} " << h.buckets[i] << "\n";
            o << "orderly_http_request_duration_seconds_bucket{route=\"" << route
              << "\",le=\"+Inf\"} " << h.count << "\n";
            o << "orderly_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum
              << "\n";
            o << "orderly_http_request_duration_seconds_count{route=\"" << route << "\"} "
              << h.count << "\n";
        }
        return o.str();
    }

  private:
    struct Hist {
        uint64_t buckets[kNB] = {};
        uint64_t count = 0;
        double sum = 0;
    };
    std::mutex mu_;
    std::map<std::string, uint64_t, std::less<>> counts_;
    std::map<std::string, Hist, std::less<>> hist_;
};

std::mutex g_log_mu;

// Pistache 0.0.5 writes only typed headers on a response (raw ones are dropped), so every header
// Orderly sets goes through this generic typed header.
class NamedHeader : public P::Http::Header::Header {
  public:
    NamedHeader(std::string name, std::string value)
        : name_(std::move(name)), value_(std::move(value)) {}
    const char* name() const override { return name_.c_str(); }
    void parse(const std::string& data) override { value_ = data; }
    void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
    uint64_t hash() const override {
        return std::hash<std::string>()(name_);
    }
#endif

  private:
    std::string name_;
    std::string value_;
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    ServerOptions opts;
    std::vector<RouteEntry> routes;
    std::unordered_map<std::string, const spec::RouteSpec*> spec_routes;
    Authenticator authenticate;
    MetricsProvider metrics_provider;
    ReadinessProbe ready;
    ReadScope read_scope;
    Metrics metrics;
    std::unique_ptr<WorkerPool> pool;
    std::unique_ptr<P::Http::Endpoint> endpoint;
    std::atomic<bool> draining{false};
    std::atomic<int64_t> in_flight{0};
    std::mutex drain_mu;
    std::condition_variable drain_cv;
    // The access log is written to a buffered stdout and flushed by this thread a few times a
    // second (and at stop), instead of one write(2) per request (like nginx's access_log flush=).
    std::thread log_flusher;
    std::mutex flusher_mu;
    std::condition_variable flusher_cv;
    bool flusher_stop = false;
    void start_log_flusher();
    void stop_log_flusher();

    void handle(const P::Http::Request& preq, P::Http::ResponseWriter rw);
    Response dispatch(Request& req, const RouteEntry& route);
    Response serve_static(const Request& req);
    void send(P::Http::ResponseWriter& rw, const Request& req, Response& res, bool client_close,
              P::Http::Version version, std::chrono::steady_clock::time_point started);
    void done() {
        if (--in_flight == 0) drain_cv.notify_all();
    }
};

namespace {
class PistacheHandler : public P::Http::Handler {
  public:
    HTTP_PROTOTYPE(PistacheHandler)
    explicit PistacheHandler(std::shared_ptr<Server::Impl> impl) : impl_(std::move(impl)) {}
    void onRequest(const P::Http::Request& req, P::Http::ResponseWriter rw) override {
        impl_->handle(req, std::move(rw));
    }

  private:
    std::shared_ptr<Server::Impl> impl_;
};
}  // namespace

Server::Server(ServerOptions opts) : impl_(std::make_shared<Impl>()) {
    impl_->opts = std::move(opts);
    for (const auto& r : spec::routes())
        impl_->spec_routes[std::string(r.method) + " " + std::string(r.path)] = &r;
}

Server::~Server() {
    if (impl_->endpoint) stop(std::chrono::milliseconds(2000));
}

void Server::route(const std::string& method, const std::string& path, HandlerFn fn,
                   bool blocking) {
    auto it = impl_->spec_routes.find(method + " " + path);
    if (it == impl_->spec_routes.end())
        throw std::logic_error("route not described in api-spec/openapi.yaml: " + method + " " +
                               path);
    RouteEntry e;
    e.method = method;
    e.path = path;
    e.segments = split_path(path);
    e.fn = std::move(fn);
    e.blocking = blocking || (method != "GET" && method != "HEAD");
    e.permission = std::string(it->second->permission);
    if (!it->second->body_schema.empty())
        e.validator = std::make_shared<SchemaValidator>(it->second->body_schema);
    e.body_required = it->second->body_required;
    if (!it->second->query_schema.empty())
        e.query_validator = std::make_shared<ParamsValidator>(it->second->query_schema);
    if (!it->second->path_schema.empty())
        e.path_validator = std::make_shared<ParamsValidator>(it->second->path_schema);
    impl_->routes.push_back(std::move(e));
}

void Server::set_authenticator(Authenticator a) {
    impl_->authenticate = std::move(a);
}
void Server::set_metrics_provider(MetricsProvider m) {
    impl_->metrics_provider = std::move(m);
}
void Server::set_read_scope(ReadScope s) {
    impl_->read_scope = std::move(s);
}
void Server::set_readiness_probe(ReadinessProbe p) {
    impl_->ready = std::move(p);
}

std::string Server::metrics_text() const {
    std::string out = impl_->metrics.render();
    out +=
        "# HELP orderly_http_in_flight Requests being handled.\n# TYPE orderly_http_in_flight "
        "gauge\n";
    out += "orderly_http_in_flight " + std::to_string(impl_->in_flight.load()) + "\n";
    out +=
        "# HELP orderly_http_worker_queue Blocking requests waiting for a worker.\n# TYPE "
        "orderly_http_worker_queue gauge\n";
    out += "orderly_http_worker_queue " + std::to_string(impl_->pool ? impl_->pool->queued() : 0) +
           "\n";
    if (impl_->metrics_provider) out += impl_->metrics_provider();
    return out;
}

bool Server::draining() const {
    return impl_->draining.load();
}

std::vector<std::string> Server::registered_routes() const {
    std::vector<std::string> out;
    for (const auto& r : impl_->routes) out.push_back(r.method + " " + r.path);
    return out;
}

void Server::check_complete() const {
    std::set<std::string> have;
    for (const auto& r : impl_->routes) have.insert(r.method + " " + r.path);
    std::string missing;
    for (const auto& [k, v] : impl_->spec_routes)
        if (!have.count(k)) missing += (missing.empty() ? "" : ", ") + k;
    if (!missing.empty())
        throw std::logic_error("routes in api-spec/openapi.yaml without a handler: " + missing);
}

namespace {
constexpr auto kLogFlushEvery = std::chrono::milliseconds(200);
}

void Server::Impl::start_log_flusher() {
    if (!opts.access_log || log_flusher.joinable()) return;
    flusher_stop = false;
    log_flusher = std::thread([this] {
        std::unique_lock lock(flusher_mu);
        while (!flusher_cv.wait_for(lock, kLogFlushEvery, [&] { return flusher_stop; })) {
            std::lock_guard log_lock(g_log_mu);
            std::fflush(stdout);
        }
    });
}

void Server::Impl::stop_log_flusher() {
    if (log_flusher.joinable()) {
        {
            std::lock_guard lock(flusher_mu);
            flusher_stop = true;
        }
        flusher_cv.notify_all();
        log_flusher.join();
    }
    std::lock_guard log_lock(g_log_mu);
    std::fflush(stdout);
}

void Server::start() {
    auto& o = impl_->opts;
    impl_->start_log_flusher();
    impl_->pool = std::make_unique<WorkerPool>(o.workers);
    P::Address addr(o.host, P::Port(o.port));
    impl_->endpoint = std::make_unique<P::Http::Endpoint>(addr);
    // PLATFORM.md rule 2: every option explicitly. maxRequestSize covers headers and body; the
    // body limit proper is enforced below so that it is answered with problem JSON.
    auto opts = P::Http::Endpoint::options()
                    .threads(o.threads)
                    .threadsName("orderly-http")
                    .flags(P::Tcp::Options::ReuseAddr)  // Pistache #217: rebinding after kill -9
                    .maxRequestSize(o.max_body_bytes + 64 * 1024)
                    .headerTimeout(o.header_timeout)
                    .bodyTimeout(o.body_timeout)
                    .keepaliveTimeout(o.keepalive_timeout);
    impl_->endpoint->init(opts);
    impl_->endpoint->setHandler(P::Http::make_handler<PistacheHandler>(impl_));
    impl_->endpoint->serveThreaded();
}

uint16_t Server::port() const {
    return impl_->endpoint ? static_cast<uint16_t>(impl_->endpoint->getPort()) : 0;
}

void Server::stop(std::chrono::milliseconds deadline) {
    if (!impl_->endpoint) return;
    impl_->draining = true;
    {
        std::unique_lock lock(impl_->drain_mu);
        impl_->drain_cv.wait_for(lock, deadline, [&] { return impl_->in_flight.load() <= 0; });
    }
    // PLATFORM.md rule 8: workers first (their ResponseWriters point into the transport), then
    // shutdown() which only signals, then the endpoint's destructor joins.
    impl_->pool->stop();
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
    impl_->stop_log_flusher();
}

void Server::Impl::handle(const P::Http::Request& preq, P::Http::ResponseWriter rw) {
    auto started = std::chrono::steady_clock::now();
    ++in_flight;
    auto req = std::make_shared<Request>();
    req->method = P::Http::methodString(preq.method());
    {
        // One stream per thread for all typed headers: constructing a stream is not free.
        thread_local std::ostringstream v;
        for (const auto& h : preq.headers().list()) {
            v.str({});
            h->write(v);
            req->headers[lower(h->name())] = v.str();
        }
    }
    for (const auto& [name, raw] : preq.headers().rawList())
        req->headers[lower(name)] = raw.value();
    auto rid = req->header("x-request-id");
    req->request_id = rid && acceptable_request_id(*rid) ? *rid : random_request_id();
    req->address =
        opts.trusted_proxies.client_address(preq.address().host(), req->header("x-forwarded-for"));
    bool client_close = false;
    if (auto c = req->header("connection"))
        client_close = lower(*c).find("close") != std::string::npos;
    auto version = preq.version();

    Response res;
    const RouteEntry* route = nullptr;
    try {
        auto decoded = percent_decode(preq.resource(), false);
        if (!decoded || !valid_utf8(*decoded))
            fail(Error::BadRequest("the request path is not valid")
                     .with(codes::request_path_invalid));
        req->path = *decoded;
        for (auto it = preq.query().parameters_begin(); it != preq.query().parameters_end(); ++it) {
            auto k = percent_decode(it->first, true), v = percent_decode(it->second, true);
            if (!k || !v || !valid_utf8(*k) || !valid_utf8(*v))
                fail(Error::Field(it->first.substr(0, 40),
                                  "query parameter is not valid UTF-8 or percent-encoding",
                                  codes::request_query_invalid,
                                  {{"name", it->first.substr(0, 40)}}));
            req->query.emplace_back(*k, *v);
        }
        if (draining)
            fail(Error::Unavailable("the server is shutting down; retry shortly")
                     .with(codes::server_draining));
        // Match: the route with the most literal segments wins (/tickets/stats over /tickets/{id}).
        auto segs = split_path(req->path);
        int best = -1;
        bool path_matched = false;
        std::vector<std::string> allowed;
        for (const auto& r : routes) {
            if (r.segments.size() != segs.size()) continue;
            int literal = 0;
            bool ok = true;
            for (size_t i = 0; i < segs.size() && ok; ++i) {
                const auto& t = r.segments[i];
                if (!t.empty() && t.front() == '{') continue;
                if (t != segs[i])
                    ok = false;
                else
                    ++literal;
            }
            if (!ok) continue;
            path_matched = true;
            if (r.method != req->method) {
                allowed.push_back(r.method);
                continue;
            }
            if (literal > best) {
                best = literal;
                route = &r;
            }
        }
        if (!route) {
            bool api = req->path.rfind("/api/", 0) == 0 || req->path == "/api";
            if (path_matched) {
                std::string allow;
                for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
                res = problem({ErrorKind::method_not_allowed,
                               "method " + req->method + " is not allowed here; allowed: " + allow,
                               {},
                               {}},
                              req->request_id);
                res.header("Allow", allow);
            } else if (!api && (req->method == "GET" || req->method == "HEAD") &&
                       !opts.ui_dir.empty()) {
                res = serve_static(*req);
            } else {
                fail(Error::NotFound("no such resource: " + req->path)
                         .with(codes::request_no_route, {{"path", req->path.substr(0, 200)}}));
            }
        } else {
            req->route = route->path;
            for (size_t i = 0; i < segs.size(); ++i) {
                const auto& t = route->segments[i];
                if (!t.empty() && t.front() == '{')
                    req->params[t.substr(1, t.size() - 2)] = segs[i];
            }
            req->body = preq.body();
        }
    } catch (const ErrorException& e) {
        res = problem(e.error, req->request_id);
        route = nullptr;
    } catch (const std::exception& e) {
        res = problem(Error::Internal(e.what()), req->request_id);
        route = nullptr;
    }

    if (!route) {
        send(rw, *req, res, client_close, version, started);
        return;
    }
    if (route->blocking) {
        auto self = shared_from_this();
        auto writer = std::make_shared<P::Http::ResponseWriter>(std::move(rw));
        bool posted = pool->post([self, writer, req, route, client_close, version, started] {
            Response r = self->dispatch(*req, *route);
            self->send(*writer, *req, r, client_close, version, started);
        });
        if (!posted) {
            Response r = problem(
                Error::Unavailable("the server is busy; retry shortly").with(codes::server_busy),
                req->request_id);
            send(*writer, *req, r, client_close, version, started);
        }
        return;
    }
    if (read_scope && (route->method == "GET" || route->method == "HEAD"))
        res = read_scope([&] { return dispatch(*req, *route); });
    else
        res = dispatch(*req, *route);
    send(rw, *req, res, client_close, version, started);
}

namespace {
// 400 naming the first problem (and how many more) when there are any.
void fail_on(std::vector<FieldError> errs, const char* code) {
    if (errs.empty()) return;
    std::string msg = errs.front().field + " " + errs.front().message;
    if (errs.size() > 1) msg += " (and " + std::to_string(errs.size() - 1) + " more)";
    Params params{{"field", errs.front().field}, {"count", errs.size()}};
    fail(Error::BadRequest(msg, std::move(errs)).with(code, std::move(params)));
}

// Path and query parameters against the spec. A path parameter that its schema refuses (an id
// of 0, -1 or beyond the spec's maximum) names nothing: 404, as an unknown id would be.
void validate_params(const Request& req, const RouteEntry& route) {
    if (route.path_validator) {
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
}  // namespace

// The single exception boundary: everything a handler throws becomes a problem response here,
// and only the public message reaches the client.
Response Server::Impl::dispatch(Request& req, const RouteEntry& route) {
    try {
        if (route.permission != "public") {
            auto auth = req.header("authorization");
            if (!auth)
                fail(Error::Unauthorized(
                         "authentication required: send Authorization: Bearer <token>")
                         .with(codes::auth_required));
            std::string_view a = *auth;
            if (a.size() < 8 || lower(std::string(a.substr(0, 7))) != "bearer ")
                fail(Error::Unauthorized("the Authorization header must be \"Bearer <token>\"")
                         .with(codes::auth_bad_header));
            std::string token(a.substr(7));
            while (!token.empty() && token.front() == ' ') token.erase(token.begin());
            if (!authenticate) fail(Error::Internal("no authenticator"));
            req.principal = unwrap(authenticate(token, req));
            if (route.permission != "authenticated" && !req.principal->can(route.permission))
                fail(Error::Forbidden("this needs the permission \"" + route.permission + "\"")
                         .with(codes::permission_denied, {{"permission", route.permission}}));
        }
        if (req.body.size() > opts.max_body_bytes) {
            Error e{
                ErrorKind::payload_too_large,
                "the request body is larger than " + std::to_string(opts.max_body_bytes) + " bytes",
                {},
                {}};
            e.code = codes::request_body_too_large;
            e.params = {{"max", opts.max_body_bytes}};
            fail(e);
        }
        validate_params(req, route);
        if (route.validator) {
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
        } else {
            req.json.SetObject();
        }
        return route.fn(req);
    } catch (const ErrorException& e) {
        if (e.error.kind == ErrorKind::internal) {
            std::lock_guard lock(g_log_mu);
            std::fprintf(stderr,
                         "{\"level\":\"error\",\"request_id\":\"%s\",\"msg\":\"internal error\"}\n",
                         req.request_id.c_str());
        }
        return problem(e.error, req.request_id);
    } catch (const std::exception& e) {
        json::Writer w;
        w.start_object()
            .kv("level", "error")
            .kv("request_id", req.request_id)
            .kv("route", route.method + " " + route.path)
            .kv("msg", "unhandled exception")
            .kv("detail", e.what())
            .end_object();
        {
            std::lock_guard lock(g_log_mu);
            std::fprintf(stderr, "%s\n", w.take().c_str());
        }
        std::string what = e.what();
        if (what.find("database is locked") != std::string::npos ||
            what.find("busy") != std::string::npos) {
            Error busy = Error::Unavailable("the database is busy; retry shortly")
                             .with(codes::database_busy);
            busy.retry_after_s = 1;
            return problem(busy, req.request_id);
        }
        return problem(Error::Internal(what), req.request_id);
    }
}

Response Server::Impl::serve_static(const Request& req) {
    std::string rel = req.path;
    if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos)
        fail(Error::NotFound("no such file").with(codes::static_not_found));
    if (rel.empty() || rel == "/") rel = "/index.html";
    std::string file = opts.ui_dir + rel;
    std::ifstream in(file, std::ios::binary);
    bool is_asset = rel.rfind("/assets/", 0) == 0;
    if (!in) {
        // SPA fallback: a path without an extension is a client-side route.
        auto slash = rel.rfind('/');
        if (is_asset || rel.find('.', slash) != std::string::npos)
            fail(Error::NotFound("no such file").with(codes::static_not_found));
        file = opts.ui_dir + "/index.html";
        in.open(file, std::ios::binary);
        if (!in) fail(Error::NotFound("the web UI is not built").with(codes::static_ui_not_built));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    Response r;
    r.status = 200;
    r.body = ss.str();
    r.content_type = mime_for(file);
    r.header("Cache-Control", is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    r.header("X-Content-Type-Options", "nosniff");
    return r;
}

void Server::Impl::send(P::Http::ResponseWriter& rw, const Request& req, Response& res,
                        bool client_close, P::Http::Version version,
                        std::chrono::steady_clock::time_point started) {
    try {
        // PLATFORM.md rule 3: Pistache 0.0.5 answers "Connection: Close" when an HTTP/1.1
        // request has no Connection header, and add() does not replace it.
        rw.headers().remove<P::Http::Header::Connection>();
        bool keep = version == P::Http::Version::Http11 && !client_close && !draining;
        rw.headers().add<P::Http::Header::Connection>(keep ? P::Http::ConnectionControl::KeepAlive
                                                           : P::Http::ConnectionControl::Close);
        rw.headers().add(std::make_shared<NamedHeader>("X-Request-Id", req.request_id));
        for (const auto& [k, v] : res.headers)
            rw.headers().add(std::make_shared<NamedHeader>(k, v));
        if (!res.content_type.empty()) rw.setMime(media_type(res.content_type));
        if (req.method == "HEAD")
            rw.send(static_cast<P::Http::Code>(res.status));
        else
            rw.send(static_cast<P::Http::Code>(res.status), res.body);
    } catch (const std::exception& e) {
        std::lock_guard lock(g_log_mu);
        std::fprintf(stderr,
                     "{\"level\":\"error\",\"msg\":\"send failed\",\"request_id\":\"%s\"}\n",
                     req.request_id.c_str());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics.observe(req.method, req.route.empty() ? "unmatched" : req.route, res.status, secs);
    if (opts.access_log) {
        json::Writer w;
        w.start_object()
            .kv("ts", format_rfc3339(SystemClock().now_ms()))
            .kv("level", "info")
            .kv("msg", "request")
            .kv("request_id", req.request_id)
            .kv("method", req.method)
            .kv("path", req.path)
            .kv("route", req.route)
            .kv("status", res.status)
            .key("duration_ms")
            .dbl(secs * 1000.0);
        if (req.principal) w.kv("user", req.principal->username);
        w.kv("address", req.address).end_object();
        std::lock_guard lock(g_log_mu);
        std::fwrite(w.view().data(), 1, w.view().size(), stdout);
        std::fputc('\n', stdout);
    }
    done();
}

}  // namespace orderly::http
