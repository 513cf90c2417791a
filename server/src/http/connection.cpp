// What happens to a connection's bytes: requests framed off its input (wire::parse_request) and
// handled one at a time, responses written in order, framing errors and timeouts answered with
// problem JSON before the connection is closed.
#include <pistache/net.h>

#include "core/json.h"
#include "http/headers.h"
#include "http/server_impl.h"

namespace orderly::http {

namespace P = Pistache;

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

}  // namespace orderly::http
