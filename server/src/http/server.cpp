#include "http/server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <sodium.h>
#include <sys/socket.h>

#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
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
#include "http/wire.h"

namespace orderly::http {

namespace P = Pistache;

namespace {

// ASCII only, as HTTP header names and tokens are; no locale lookups.
std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
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

// The web UI's security headers. Only the server's own scripts and styles: no eval (the built
// bundles have none; vue-i18n 11 compiles messages without `new Function`) and no inline styles
// (Vue and Element Plus set styles through the CSSOM, which style-src does not govern; the
// browser tests fail on any violation). Keep in step with docker/nginx.conf.
constexpr const char* kUiCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";
// API responses are data, never documents to render or frame.
constexpr const char* kApiCsp = "default-src 'none'; frame-ancestors 'none'";

bool has_header(const Response& r, std::string_view lower_name) {
    for (const auto& [k, v] : r.headers) {
        if (k.size() != lower_name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < k.size() && same; ++i) {
            char c = k[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            same = c == lower_name[i];
        }
        if (same) return true;
    }
    return false;
}

// The Date header, formatted once a second per thread.
const std::string& current_http_date() {
    thread_local int64_t cached_second = -1;
    thread_local std::string cached;
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (now != cached_second) {
        cached = wire::http_date(now);
        cached_second = now;
    }
    return cached;
}

// Which of the encodings Orderly has precompressed files for the client accepts: "br", "gzip"
// or "" (RFC 9110 §12.5.3; q=0 refuses, "*" stands for any encoding not named).
std::string pick_encoding(const std::optional<std::string>& accept) {
    if (!accept) return "";
    std::map<std::string, double> q;
    std::string_view s = *accept;
    size_t i = 0;
    while (i < s.size()) {
        size_t comma = s.find(',', i);
        if (comma == std::string_view::npos) comma = s.size();
        std::string_view item = s.substr(i, comma - i);
        i = comma + 1;
        size_t semi = item.find(';');
        std::string name = lower(std::string(item.substr(0, semi)));
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t") + 1);
        double weight = 1.0;
        if (semi != std::string_view::npos) {
            std::string params = lower(std::string(item.substr(semi + 1)));
            auto qp = params.find("q=");
            if (qp != std::string::npos) {
                try {
                    weight = std::stod(params.substr(qp + 2));
                } catch (const std::exception&) {
                    weight = 0;
                }
            }
        }
        if (!name.empty()) q[name] = weight;
    }
    auto weight_of = [&](const std::string& enc) {
        if (auto it = q.find(enc); it != q.end()) return it->second;
        if (auto it = q.find("*"); it != q.end()) return it->second;
        return 0.0;
    };
    const double br = weight_of("br"), gz = weight_of("gzip");
    if (br > 0 && br >= gz) return "br";
    if (gz > 0) return "gzip";
    return "";
}

}  // namespace

// One client connection. Pistache only carries its bytes; framing, ordering and timeouts are
// done here (see wire.h for why). Requests of a connection are handled one after another: the
// next pipelined request starts once the previous response is queued, so responses go out in
// request order (RFC 9112 §9.3.2) whichever thread handled each.
struct Conn {
    std::mutex mu;
    std::weak_ptr<P::Tcp::Peer> peer;
    int fd = -1;
    std::string address;
    std::string in;        // received bytes not yet taken by a request
    bool busy = false;     // a request is being handled; its response is not queued yet
    bool pumping = false;  // some thread is taking requests off `in`
    bool closing = false;  // the last response said Connection: close; input is ignored
    bool shut = false;     // shutdown(2) called
    bool closed = false;   // Pistache reported the disconnection (the fd may be reused)
    bool continue_sent = false;
    bool head_done = false;  // the pending request's head is complete, its body is awaited
    std::chrono::steady_clock::time_point request_started;  // first byte of the pending request
    std::chrono::steady_clock::time_point body_started;
    std::chrono::steady_clock::time_point idle_since;
    std::chrono::steady_clock::time_point closing_since;

    // Both need `mu` held and the fd still open (!closed).
    void shutdown_write() {
        if (!closed && !shut) ::shutdown(fd, SHUT_WR);
    }
    void shutdown_both() {
        if (!closed) ::shutdown(fd, SHUT_RDWR);
        shut = true;
    }
};

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
    // Responses handed to Pistache whose write has not completed yet: stop() waits for them, so
    // that a drained request's answer is on the wire before the endpoint closes its sockets.
    std::atomic<int64_t> unflushed{0};
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

    // Connections, for the timeout thread.
    std::mutex conns_mu;
    std::vector<std::weak_ptr<Conn>> conns;
    std::thread reaper;
    std::mutex reaper_mu;
    std::condition_variable reaper_cv;
    bool reaper_stop = false;
    void start_reaper();
    void stop_reaper();
    void reap();

    void add_conn(const std::shared_ptr<Conn>& c) {
        std::lock_guard lock(conns_mu);
        conns.push_back(c);
    }
    void on_input(const std::shared_ptr<Conn>& c, const char* data, size_t len);
    // Takes whole requests off c->in while the connection is free; `lock` holds c->mu.
    void pump(const std::shared_ptr<Conn>& c, std::unique_lock<std::mutex>& lock);
    // Queues bytes on the connection; close = shut it down once they are written.
    void write(const std::shared_ptr<Conn>& c, std::string bytes, bool close);
    // An error found while framing, or a timeout: answered with problem JSON, then closed.
    void reject(const std::shared_ptr<Conn>& c, int status, const std::string& code,
                const std::string& detail, std::string target);
    wire::Limits limits() const {
        wire::Limits l;
        l.max_body_bytes = opts.max_body_bytes;
        return l;
    }

    void handle(const std::shared_ptr<Conn>& c, wire::Message&& m);
    Response dispatch(Request& req, const RouteEntry& route);
    Response serve_static(const Request& req);
    void send(const std::shared_ptr<Conn>& c, const Request& req, Response& res, bool keep_alive,
              std::chrono::steady_clock::time_point started);
    // The connection's request is answered: take the next one, unless a pump is running.
    void finished(const std::shared_ptr<Conn>& c, bool close);
    void done() {
        if (--in_flight == 0) drain_cv.notify_all();
    }
};

namespace {
constexpr const char* kConnKey = "orderly.conn";

// Pistache's HTTP handler with its parser left out: onInput passes the raw bytes to Orderly's
// framing. Pistache's parser object still exists per peer (its idle checker reads it), and the
// peer stays "idle" for that checker, which then only applies its keep-alive timeout, set to a
// year in start(); Orderly's own timeouts are in Server::Impl::reap().
class PistacheHandler : public P::Http::Handler {
  public:
    HTTP_PROTOTYPE(PistacheHandler)
    explicit PistacheHandler(std::shared_ptr<Server::Impl> impl) : impl_(std::move(impl)) {}
    void onConnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
        // What Pistache's own onConnection (private) does: its idle checker reads this parser.
        peer->putData(P::Http::Handler::ParserData, std::make_shared<P::Http::RequestParser>(1024));
        peer->setIdle(true);
        auto c = std::make_shared<Conn>();
        c->peer = peer;
        c->fd = peer->fd();
        c->address = peer->address().host();
        c->idle_since = std::chrono::steady_clock::now();
        peer->putData(kConnKey, c);
        impl_->add_conn(c);
    }
    void onDisconnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
        if (auto c = std::static_pointer_cast<Conn>(peer->tryGetData(kConnKey))) {
            std::lock_guard lock(c->mu);
            c->closed = true;
            c->in.clear();
        }
    }
    void onInput(const char* buffer, size_t len,
                 const std::shared_ptr<P::Tcp::Peer>& peer) override {
        if (auto c = std::static_pointer_cast<Conn>(peer->tryGetData(kConnKey)))
            impl_->on_input(c, buffer, len);
    }
    // Never called: onInput does not hand bytes to Pistache's parser.
    void onRequest(const P::Http::Request&, P::Http::ResponseWriter) override {}

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
    impl_->start_reaper();
    impl_->pool = std::make_unique<WorkerPool>(o.workers);
    P::Address addr(o.host, P::Port(o.port));
    impl_->endpoint = std::make_unique<P::Http::Endpoint>(addr);
    // Every Pistache option set explicitly, none left to the library's defaults. maxRequestSize
    // covers headers and body; the body limit proper is enforced below so that it is answered with
    // problem JSON. Requests are framed and timed by Orderly (PistacheHandler), so Pistache's own
    // limits and timeouts are set out of the way: its idle checker would answer a bodiless 408.
    constexpr auto kYear = std::chrono::hours(24 * 365);
    auto opts = P::Http::Endpoint::options()
                    .threads(o.threads)
                    .threadsName("orderly-http")
                    .flags(P::Tcp::Options::ReuseAddr)  // Pistache #217: rebinding after kill -9
                    .maxRequestSize(o.max_body_bytes + 64 * 1024)
                    .headerTimeout(kYear)
                    .bodyTimeout(kYear)
                    .keepaliveTimeout(kYear);
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
        const auto until = std::chrono::steady_clock::now() + deadline;
        impl_->drain_cv.wait_until(lock, until, [&] { return impl_->in_flight.load() <= 0; });
        // Then the answers still being written; bounded, since a peer that went away may never
        // complete its write.
        impl_->drain_cv.wait_until(
            lock, std::min(until, std::chrono::steady_clock::now() + std::chrono::seconds(2)),
            [&] { return impl_->unflushed.load() <= 0; });
    }
    // Order matters: workers first (their ResponseWriters point into the transport), then
    // shutdown() which only signals, then the endpoint's destructor joins. The timeout thread
    // goes first: it shuts sockets down, which must not outlive the endpoint's fds.
    impl_->stop_reaper();
    impl_->pool->stop();
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
    impl_->stop_log_flusher();
}

void Server::Impl::start_reaper() {
    if (reaper.joinable()) return;
    reaper_stop = false;
    reaper = std::thread([this] {
        std::unique_lock lock(reaper_mu);
        while (!reaper_cv.wait_for(lock, std::chrono::milliseconds(250),
                                   [&] { return reaper_stop; })) {
            lock.unlock();
            reap();
            lock.lock();
        }
    });
}

void Server::Impl::stop_reaper() {
    if (!reaper.joinable()) return;
    {
        std::lock_guard lock(reaper_mu);
        reaper_stop = true;
    }
    reaper_cv.notify_all();
    reaper.join();
}

// Timeouts, checked four times a second: a request whose head (header_timeout) or body
// (body_timeout) does not arrive in time gets a 408 and the connection is closed; an idle
// connection is closed after keepalive_timeout; a closing one that the client does not close
// within a few seconds of our last response is shut down. A request being handled has no limit.
void Server::Impl::reap() {
    constexpr auto kLinger = std::chrono::seconds(5);
    std::vector<std::shared_ptr<Conn>> live;
    {
        std::lock_guard lock(conns_mu);
        std::vector<std::weak_ptr<Conn>> keep;
        keep.reserve(conns.size());
        for (auto& w : conns)
            if (auto c = w.lock()) {
                live.push_back(c);
                keep.push_back(w);
            }
        conns.swap(keep);
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& c : live) {
        std::unique_lock lock(c->mu);
        if (c->closed) continue;
        if (c->closing) {
            if (!c->shut && now - c->closing_since > kLinger) c->shutdown_both();
            continue;
        }
        if (c->busy || c->pumping) continue;
        if (c->in.empty()) {
            if (now - c->idle_since > opts.keepalive_timeout) {
                c->closing = true;
                c->closing_since = now;
                c->shutdown_both();
            }
            continue;
        }
        const bool late = c->head_done ? now - c->body_started > opts.body_timeout
                                       : now - c->request_started > opts.header_timeout;
        if (!late) continue;
        // Taken over here, under the lock, so that no request of it can start meanwhile.
        const bool body = c->head_done;
        c->busy = true;
        c->in.clear();
        lock.unlock();
        reject(c, 408, "http.request_timeout",
               body ? "the request body did not arrive in time"
                    : "the request head did not arrive in time",
               {});
    }
}

void Server::Impl::on_input(const std::shared_ptr<Conn>& c, const char* data, size_t len) {
    std::unique_lock lock(c->mu);
    if (c->closing || c->closed) return;  // after Connection: close, the rest is not read
    if (c->in.empty() && !c->busy) {
        c->request_started = std::chrono::steady_clock::now();
        c->head_done = false;
    }
    c->in.append(data, len);
    if (!c->busy && !c->pumping) pump(c, lock);
}

void Server::Impl::pump(const std::shared_ptr<Conn>& c, std::unique_lock<std::mutex>& lock) {
    c->pumping = true;
    const auto lim = limits();
    while (!c->busy && !c->closing && !c->closed && !c->in.empty()) {
        wire::Parsed p = wire::parse_request(c->in, lim);
        if (p.status == wire::Status::incomplete) {
            if (p.expect_continue && !c->head_done) {
                c->head_done = true;
                c->body_started = std::chrono::steady_clock::now();
                if (!c->continue_sent) {
                    c->continue_sent = true;
                    lock.unlock();
                    write(c, "HTTP/1.1 100 Continue\r\n\r\n", false);
                    lock.lock();
                }
            } else if (!c->head_done && c->in.find("\r\n\r\n") != std::string::npos) {
                c->head_done = true;
                c->body_started = std::chrono::steady_clock::now();
            }
            break;
        }
        if (p.status == wire::Status::error) {
            std::string target;
            if (auto sp = c->in.find(' '); sp != std::string::npos && sp < 64) {
                auto sp2 = c->in.find_first_of(" \r\n", sp + 1);
                target = c->in.substr(sp + 1, std::min<size_t>(sp2, sp + 1 + 200) - sp - 1);
            }
            c->in.clear();
            lock.unlock();
            reject(c, p.http_status, p.code, p.detail, std::move(target));
            lock.lock();
            break;
        }
        c->in.erase(0, p.consumed);
        c->busy = true;
        c->continue_sent = false;
        c->head_done = false;
        // The next pipelined request, if any, has already started arriving.
        c->request_started = std::chrono::steady_clock::now();
        lock.unlock();
        handle(c, std::move(p.message));
        lock.lock();
    }
    c->pumping = false;
    if (!c->busy && c->in.empty()) c->idle_since = std::chrono::steady_clock::now();
}

void Server::Impl::write(const std::shared_ptr<Conn>& c, std::string bytes, bool close) {
    std::shared_ptr<P::Tcp::Peer> peer;
    {
        std::lock_guard lock(c->mu);
        if (c->closed) return;
        peer = c->peer.lock();
        if (close && !c->closing) {
            c->closing = true;
            c->closing_since = std::chrono::steady_clock::now();
        }
    }
    if (!peer) return;
    const size_t n = bytes.size();
    ++unflushed;
    auto sent = peer->send(P::RawBuffer(std::move(bytes), n));
    // Half-close once a closing response is written: the client reads it, sees the end and
    // closes, and unread bytes it sent cannot turn our close into a reset that loses the
    // response. (then() may run at once on this thread, so no lock is held here.)
    std::weak_ptr<Conn> weak = c;
    auto flushed = [this] {
        if (--unflushed <= 0) {
            std::lock_guard lock(drain_mu);
            drain_cv.notify_all();
        }
    };
    sent.then(
        [weak, close, flushed](ssize_t) {
            if (close)
                if (auto conn = weak.lock()) {
                    std::lock_guard lock(conn->mu);
                    conn->shutdown_write();
                }
            flushed();
        },
        [weak, close, flushed](std::exception_ptr) {
            if (close)
                if (auto conn = weak.lock()) {
                    std::lock_guard lock(conn->mu);
                    conn->shutdown_both();
                }
            flushed();
        });
}

void Server::Impl::reject(const std::shared_ptr<Conn>& c, int status, const std::string& code,
                          const std::string& detail, std::string target) {
    auto started = std::chrono::steady_clock::now();
    ++in_flight;
    Request req;
    req.request_id = random_request_id();
    req.path = std::move(target);
    {
        std::lock_guard lock(c->mu);
        req.address = c->address;
        c->busy = true;
    }
    // Built here rather than from an Error: these statuses exist only at this layer.
    json::Writer w;
    w.start_object()
        .kv("type", "about:blank")
        .kv("title", wire::reason_phrase(status))
        .kv("status", status)
        .kv("detail", detail)
        .kv("code", code)
        .kv("request_id", req.request_id)
        .end_object();
    Response res = Response::json(status, w.take());
    res.content_type = "application/problem+json; charset=utf-8";
    send(c, req, res, false, started);
}

void Server::Impl::finished(const std::shared_ptr<Conn>& c, bool close) {
    std::unique_lock lock(c->mu);
    c->busy = false;
    if (close) {
        c->in.clear();
        return;
    }
    if (c->in.empty()) c->idle_since = std::chrono::steady_clock::now();
    if (!c->pumping && !c->in.empty()) pump(c, lock);
}

void Server::Impl::handle(const std::shared_ptr<Conn>& c, wire::Message&& m) {
    auto started = std::chrono::steady_clock::now();
    ++in_flight;
    auto req = std::make_shared<Request>();
    req->method = std::move(m.method);
    for (auto& [name, value] : m.headers) {
        auto [it, inserted] = req->headers.emplace(name, value);
        if (!inserted) it->second.append(", ").append(value);
    }
    auto rid = req->header("x-request-id");
    req->request_id = rid && acceptable_request_id(*rid) ? *rid : random_request_id();
    req->address = opts.trusted_proxies.client_address(c->address, req->header("x-forwarded-for"));
    const bool keep_alive = m.keep_alive;
    std::string_view target = m.target;
    if (auto hash = target.find('#'); hash != std::string_view::npos)
        target = target.substr(0, hash);
    const size_t qmark = target.find('?');
    std::string_view raw_path = target.substr(0, qmark);
    std::string_view raw_query =
        qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);

    Response res;
    const RouteEntry* route = nullptr;
    try {
        auto decoded = percent_decode(raw_path, false);
        if (!decoded || !valid_utf8(*decoded)) {
            req->path = std::string(raw_path.substr(0, 200));  // for the access log
            fail(Error::BadRequest("the request path is not valid")
                     .with(codes::request_path_invalid));
        }
        req->path = *decoded;
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
            // HEAD is answered like GET, without the body (RFC 9110 §9.3.2).
            const bool head_of_get = req->method == "HEAD" && r.method == "GET";
            if (r.method != req->method && !head_of_get) {
                allowed.push_back(r.method);
                if (r.method == "GET") allowed.push_back("HEAD");
                continue;
            }
            // An exact method beats GET standing in for HEAD.
            const int score = literal * 2 + (head_of_get ? 0 : 1);
            if (score > best) {
                best = score;
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
            req->body = std::move(m.body);
        }
    } catch (const ErrorException& e) {
        res = problem(e.error, req->request_id);
        route = nullptr;
    } catch (const std::exception& e) {
        res = problem(Error::Internal(e.what()), req->request_id);
        route = nullptr;
    }

    if (!route) {
        send(c, *req, res, keep_alive, started);
        return;
    }
    if (route->blocking) {
        auto self = shared_from_this();
        bool posted = pool->post([self, c, req, route, keep_alive, started] {
            Response r = self->dispatch(*req, *route);
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
    if (read_scope && (route->method == "GET" || route->method == "HEAD"))
        res = read_scope([&] { return dispatch(*req, *route); });
    else
        res = dispatch(*req, *route);
    send(c, *req, res, keep_alive, started);
}

namespace {
// 400 naming the first problem (and how many more) when there are any.
void fail_on(std::vector<FieldError> errs, const char* code) {
    if (errs.empty()) return;
    std::string msg = errs.front().field + " " + errs.front().message;
    if (errs.size() > 1) msg += " (and " + std::to_string(errs.size() - 1) + " more)";
    Params params{
        {"field", errs.front().field}, {"name", errs.front().field}, {"count", errs.size()}};
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
    namespace fs = std::filesystem;
    std::string rel = req.path;
    if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos)
        fail(Error::NotFound("no such file").with(codes::static_not_found));
    if (rel.empty() || rel == "/") rel = "/index.html";
    const bool is_asset = rel.rfind("/assets/", 0) == 0 || rel == "/assets";
    std::string file = opts.ui_dir + rel;
    std::error_code ec;
    if (rel.back() == '/' || !fs::is_regular_file(file, ec)) {
        // SPA fallback: a path without an extension is a client-side route. Nothing under
        // /assets/ is (a directory there is not a file either).
        auto slash = rel.rfind('/');
        if (is_asset || rel.find('.', slash) != std::string::npos)
            fail(Error::NotFound("no such file").with(codes::static_not_found));
        file = opts.ui_dir + "/index.html";
        if (!fs::is_regular_file(file, ec))
            fail(Error::NotFound("the web UI is not built").with(codes::static_ui_not_built));
    }
    // The UI build writes file.br and file.gz beside each text file (webui/vite.config.ts);
    // they are sent to clients that accept them.
    Response r;
    r.status = 200;
    r.content_type = mime_for(file);
    std::string encoding = pick_encoding(req.header("accept-encoding"));
    std::string path = file;
    bool has_variants = false;
    for (const char* ext : {".br", ".gz"}) {
        if (fs::is_regular_file(file + ext, ec)) has_variants = true;
    }
    if (encoding == "br" && !fs::is_regular_file(file + ".br", ec)) encoding = "gzip";
    if (encoding == "gzip" && !fs::is_regular_file(file + ".gz", ec)) encoding.clear();
    if (encoding == "br") path = file + ".br";
    if (encoding == "gzip") path = file + ".gz";
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(Error::NotFound("no such file"));
    std::ostringstream ss;
    ss << in.rdbuf();
    r.body = ss.str();
    if (!encoding.empty()) r.header("Content-Encoding", encoding);
    if (has_variants) r.header("Vary", "Accept-Encoding");
    r.header("Cache-Control", is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    r.header("Content-Security-Policy", kUiCsp);
    return r;
}

void Server::Impl::send(const std::shared_ptr<Conn>& c, const Request& req, Response& res,
                        bool keep_alive, std::chrono::steady_clock::time_point started) {
    // Keep-alive unless the client asked to close (or sent HTTP/1.0 without keep-alive):
    // wire::Message::keep_alive follows RFC 9112 §9.3.
    const bool close = !keep_alive || draining;
    try {
        wire::OutResponse out;
        out.status = res.status;
        out.head = req.method == "HEAD";
        out.close = close;
        out.body = &res.body;
        auto& h = out.headers;
        h.reserve(res.headers.size() + 8);
        if (!res.content_type.empty()) h.emplace_back("Content-Type", res.content_type);
        h.emplace_back("X-Request-Id", req.request_id);
        for (const auto& kv : res.headers) h.push_back(kv);
        if (!has_header(res, "cache-control")) h.emplace_back("Cache-Control", "no-store");
        if (!has_header(res, "content-security-policy"))
            h.emplace_back("Content-Security-Policy", kApiCsp);
        if (!has_header(res, "x-content-type-options"))
            h.emplace_back("X-Content-Type-Options", "nosniff");
        h.emplace_back("X-Frame-Options", "DENY");
        h.emplace_back("Referrer-Policy", "same-origin");
        if (res.status == 401 && !has_header(res, "www-authenticate"))
            h.emplace_back("WWW-Authenticate", "Bearer realm=\"orderly\"");
        write(c, wire::serialize(out, current_http_date()), close);
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
    finished(c, close);
}

}  // namespace orderly::http
