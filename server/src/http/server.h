#pragma once
// The HTTP server: Pistache endpoint, routing, the single exception boundary, authentication
// and permission checks driven by the spec's x-permission, request validation against the
// spec's schemas, access log, metrics and graceful drain.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/client_address.h"
#include "http/request.h"

namespace orderly::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0 = pick a free port
    int threads = 2;       // Pistache reactor threads
    // Threads for blocking handlers: every write (they wait for the group commit, and writes
    // waiting together share one commit, so this bounds how many commit at once) and log
    // long-polls (which hold some).
    int workers = 64;
    size_t max_body_bytes = 1 << 20;
    std::chrono::seconds header_timeout{30};
    std::chrono::seconds body_timeout{30};
    std::chrono::seconds keepalive_timeout{60};
    std::string ui_dir;  // built web UI served at /; empty = none
    bool access_log = true;
    // Peers whose X-Forwarded-For names the client (ORDERLY_TRUSTED_PROXIES); empty = none, the
    // header is ignored. The client address is what throttling, the audit and access logs use.
    TrustedProxies trusted_proxies;
    // Reads (GET and HEAD) on the worker threads too, rather than on the reactor thread that
    // received them: for a database across a network, where a read waits for round trips and
    // a reactor thread waiting would hold up every connection it serves.
    bool reads_on_workers = false;
};

// Resolves a bearer token to a principal (storage does the lookup). Errors are 401s.
using Authenticator = std::function<Result<Principal>(const std::string& token, const Request&)>;
// Gauges appended to /metrics (database, queues), in Prometheus text format.
using MetricsProvider = std::function<std::string()>;
using ReadinessProbe = std::function<bool()>;
// Wraps a read-only request (GET or HEAD, answered on a reactor thread unless reads_on_workers):
// the token check and the handler run inside it, so that the storage layer can serve both from
// one read snapshot.
using ReadScope = std::function<Response(const std::function<Response()>&)>;

class Server {
  public:
    explicit Server(ServerOptions opts);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Registers a handler for a route of the spec. Throws std::logic_error when the route is not
    // in api-spec/openapi.yaml: the server can only serve what the spec describes.
    // blocking = the handler may take long (password hashing, waiting): it runs on a worker
    // thread, never on a reactor thread. Every method but GET and HEAD changes state and waits
    // for a durable commit, so those always run on a worker: the reactor threads keep reading
    // requests meanwhile, and the writes that queue up share one commit (Database::write).
    void route(const std::string& method, const std::string& path, HandlerFn fn,
               bool blocking = false);
    void set_authenticator(Authenticator a);
    void set_metrics_provider(MetricsProvider m);
    void set_readiness_probe(ReadinessProbe p);
    void set_read_scope(ReadScope s);

    // Throws std::logic_error when a route of the spec has no handler.
    void check_complete() const;

    void start();  // binds and serves on background threads
    uint16_t port() const;
    // Graceful drain: new requests get 503, in-flight ones may finish until the deadline,
    // then the endpoint is shut down.
    void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(10000));

    // Prometheus text: HTTP counters and latency histograms, in-flight gauge, and the provider's.
    std::string metrics_text() const;
    bool draining() const;
    // ServerOptions::reads_on_workers: whether requests that ask the database wait for round
    // trips, and so belong on a worker thread.
    bool reads_on_workers() const;

    // The routes actually registered, "METHOD /path", for the spec-agreement test.
    std::vector<std::string> registered_routes() const;

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace orderly::http
