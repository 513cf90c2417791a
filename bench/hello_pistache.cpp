// Baseline for scripts/bench: the smallest Pistache server with the same endpoint options and
// keep-alive handling as Orderly's, answering a fixed JSON body. Orderly's figures are reported
// as ratios to this one, measured in the same run.
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace P = Pistache;

class Hello : public P::Http::Handler {
  public:
    HTTP_PROTOTYPE(Hello)
    void onRequest(const P::Http::Request& req, P::Http::ResponseWriter rw) override {
        bool close = false;
        if (auto c = req.headers().tryGet<P::Http::Header::Connection>())
            close = c->control() == P::Http::ConnectionControl::Close;
        rw.headers().remove<P::Http::Header::Connection>();
        rw.headers().add<P::Http::Header::Connection>(req.version() == P::Http::Version::Http11 &&
                                                              !close
                                                          ? P::Http::ConnectionControl::KeepAlive
                                                          : P::Http::ConnectionControl::Close);
        rw.setMime(P::Http::Mime::MediaType::fromString("application/json; charset=utf-8"));
        rw.send(P::Http::Code::Ok, R"({"status":"ok"})");
    }
};

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    int port = argc > 1 ? std::atoi(argv[1]) : 18999;
    int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    P::Http::Endpoint ep(P::Address("127.0.0.1", P::Port(static_cast<uint16_t>(port))));
    ep.init(P::Http::Endpoint::options()
                .threads(threads)
                .flags(P::Tcp::Options::ReuseAddr)
                .maxRequestSize(1 << 20)
                .headerTimeout(std::chrono::seconds(30))
                .bodyTimeout(std::chrono::seconds(30))
                .keepaliveTimeout(std::chrono::seconds(60)));
    ep.setHandler(P::Http::make_handler<Hello>());
    ep.serveThreaded();
    std::fprintf(stderr, "hello serving on %d\n", port);
    int sig;
    sigwait(&set, &sig);
    ep.shutdown();
    return 0;
}
