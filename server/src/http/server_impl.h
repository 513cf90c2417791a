#pragma once
// The inside of http::Server, shared by its source files: server.cpp (set-up, start and drain),
// connection.cpp (framing, ordering and timeouts of each connection) and dispatch.cpp (one
// request from its parsed message to its response).
#include <pistache/endpoint.h>
#include <pistache/peer.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/access_log.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "http/spec.h"
#include "http/wire.h"
#include "http/worker_pool.h"

namespace orderly::http {

// One client connection. Pistache only carries its bytes; framing, ordering and timeouts are
// done here (see wire.h for why). Requests of a connection are handled one after another: the
// next pipelined request starts once the previous response is queued, so responses go out in
// request order (RFC 9112 §9.3.2) whichever thread handled each.
struct Conn {
    std::mutex mu;
    std::weak_ptr<Pistache::Tcp::Peer> peer;
    int fd = -1;
    std::string address;
    // address in canonical form (canonical_address), made once for every request's client
    std::string canonical_address;
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
    RouteIndex route_index;  // of routes
    std::unordered_map<std::string, const spec::RouteSpec*> spec_routes;
    Authenticator authenticate;
    MetricsProvider metrics_provider;
    ReadinessProbe ready;
    ReadScope read_scope;
    Metrics metrics;
    std::unique_ptr<WorkerPool> pool;
    std::unique_ptr<Pistache::Http::Endpoint> endpoint;
    std::atomic<bool> draining{false};
    std::atomic<int64_t> in_flight{0};
    // Responses handed to Pistache whose write has not completed yet: stop() waits for them, so
    // that a drained request's answer is on the wire before the endpoint closes its sockets.
    std::atomic<int64_t> unflushed{0};
    std::mutex drain_mu;
    std::condition_variable drain_cv;
    LogFlusher log_flusher;

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
    // Decodes the target and picks the route. Null when there is none: `res` is then the
    // answer (405, a static file, or a problem).
    const RouteEntry* resolve(Request& req, std::string_view target, std::string& body,
                              Response& res);
    Response dispatch(Request& req, const RouteEntry& route);
    // dispatch() inside the read scope: the token check and the handler share one snapshot.
    Response dispatch_read(Request& req, const RouteEntry& route);
    void send(const std::shared_ptr<Conn>& c, const Request& req, Response& res, bool keep_alive,
              std::chrono::steady_clock::time_point started);
    // The connection's request is answered: take the next one, unless a pump is running.
    void finished(const std::shared_ptr<Conn>& c, bool close);
    void done() {
        if (--in_flight == 0) drain_cv.notify_all();
    }
};

}  // namespace orderly::http
