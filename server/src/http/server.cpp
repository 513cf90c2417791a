#include "http/server.h"

#include <pistache/http.h>
#include <pistache/net.h>

#include <set>
#include <stdexcept>

#include "http/server_impl.h"

namespace orderly::http {

namespace P = Pistache;

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
        c->canonical_address = canonical_address(c->address).value_or(c->address);
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
    impl_->routes.push_back(make_route(*it->second, method, path, std::move(fn), blocking));
    impl_->route_index.add(impl_->routes.back(), impl_->routes.size() - 1);
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

bool Server::reads_on_workers() const {
    return impl_->opts.reads_on_workers;
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

void Server::start() {
    auto& o = impl_->opts;
    if (o.access_log) impl_->log_flusher.start();
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
    impl_->log_flusher.stop();
}

}  // namespace orderly::http
