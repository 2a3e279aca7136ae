// Load generator for bench/ingest.sh: signed GitHub push webhooks over C keep-alive HTTP/1.1
// connections to 127.0.0.1, each delivery with its own X-GitHub-Delivery (so ingest publishes
// every one). One thread and epoll, so that the generator itself costs little CPU and few
// context switches on the machine it shares with the server under test.
//
//   ingest_loadgen --port P --payload FILE --secret S --prefix ID-PREFIX
//       --mode throughput --connections C --requests N
//           closed loop: C requests in flight at all times; latency from each send.
//       --mode rate --connections C --rate R --seconds T
//           open loop: request i is due at start + i/R and goes out on the next idle connection;
//           latency counts from when it was due (a late send counts against the server: no
//           coordinated omission).
// Prints one line: requests ok failed statuses seconds rate p50_ms p90_ms p99_ms max_ms.
// Exit status 1 when any request got a non-2xx answer or none at all.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "strata/crypto.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    int port = 0;
    std::string payload, secret, prefix = "bench", mode = "throughput";
    int connections = 64;
    long requests = 10'000;
    double rate = 1'000;
    double seconds = 10;
};

struct Connection {
    int fd = -1;
    std::string out;
    std::size_t sent = 0;
    std::string in;
    bool busy = false;
    Clock::time_point since;  // when the request was due (rate) or sent (throughput)
};

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port")
            o.port = std::stoi(v);
        else if (k == "--payload")
            o.payload = v;
        else if (k == "--secret")
            o.secret = v;
        else if (k == "--prefix")
            o.prefix = v;
        else if (k == "--mode")
            o.mode = v;
        else if (k == "--connections")
            o.connections = std::stoi(v);
        else if (k == "--requests")
            o.requests = std::stol(v);
        else if (k == "--rate")
            o.rate = std::stod(v);
        else if (k == "--seconds")
            o.seconds = std::stod(v);
        else {
            std::fprintf(stderr, "ingest_loadgen: unknown option %s\n", k.c_str());
            std::exit(2);
        }
    }
    if (o.port == 0 || o.payload.empty() || o.secret.empty()) {
        std::fprintf(stderr, "usage: ingest_loadgen --port P --payload FILE --secret S ...\n");
        std::exit(2);
    }
    return o;
}

class LoadGenerator {
public:
    explicit LoadGenerator(const Options& o) : o_(o) {
        std::ifstream in(o.payload, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        body_ = ss.str();
        head_ =
            "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "User-Agent: GitHub-Hookshot/bench\r\nContent-Type: application/json\r\n"
            "X-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=" +
            strata::hmac_sha256_hex(o.secret, body_) +
            "\r\nContent-Length: " + std::to_string(body_.size()) +
            "\r\nX-GitHub-Delivery: " + o.prefix + "-";
        total_ = o.mode == "rate" ? static_cast<long>(o.rate * o.seconds) : o.requests;
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        conns_.resize(static_cast<std::size_t>(o.connections));
        for (std::size_t i = 0; i < conns_.size(); ++i) open(i);
    }

    void run() {
        start_ = Clock::now();
        const bool rate = o_.mode == "rate";
        std::vector<epoll_event> events(conns_.size());
        while (done_ < total_) {
            int timeout = -1;
            if (rate) {
                release_due();
                if (next_ < total_) {
                    auto wait = due(next_) - Clock::now();
                    timeout = static_cast<int>(std::max<long long>(
                        0, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
                }
            }
            dispatch();
            int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
            for (int i = 0; i < n; ++i) {
                auto index = static_cast<std::size_t>(events[i].data.u64);
                if (events[i].events & EPOLLOUT) flush(index);
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) receive(index);
            }
        }
        seconds_ = std::chrono::duration<double>(Clock::now() - start_).count();
    }

    int report() {
        std::sort(latencies_.begin(), latencies_.end());
        auto pct = [&](double p) {
            if (latencies_.empty()) return 0.0;
            return latencies_[std::min(latencies_.size() - 1,
                                       static_cast<std::size_t>(p * latencies_.size()))];
        };
        long ok = 0, failed = 0;
        std::string by_status;
        for (auto [code, n] : statuses_) {
            (code >= 200 && code < 300 ? ok : failed) += n;
            by_status +=
                (by_status.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(n);
        }
        std::printf(
            "requests=%ld ok=%ld failed=%ld statuses=%s seconds=%.3f rate=%.0f p50_ms=%.2f "
            "p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
            total_, ok, failed, by_status.c_str(), seconds_, ok / seconds_, pct(0.50), pct(0.90),
            pct(0.99), latencies_.empty() ? 0.0 : latencies_.back());
        return failed == 0 ? 0 : 1;
    }

private:
    Clock::time_point due(long i) const {
        return start_ + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(i) / o_.rate));
    }

    void release_due() {
        auto now = Clock::now();
        while (next_ < total_ && due(next_) <= now) waiting_.push_back(next_++);
    }

    // Gives waiting requests (rate) or new ones (throughput) to idle connections.
    void dispatch() {
        const bool rate = o_.mode == "rate";
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            if (conns_[i].busy) continue;
            long index;
            Clock::time_point since;
            if (rate) {
                if (waiting_.empty()) return;
                index = waiting_.front();
                waiting_.pop_front();
                since = due(index);
            } else {
                if (next_ >= total_) return;
                index = next_++;
                since = Clock::now();
            }
            auto& c = conns_[i];
            c.out = head_ + std::to_string(index) + "\r\n\r\n" + body_;
            c.sent = 0;
            c.busy = true;
            c.since = since;
            flush(i);
        }
    }

    void open(std::size_t i) {
        auto& c = conns_[i];
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(o_.port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
        int one = 1;
        ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
        c.in.clear();
    }

    void set_writable_interest(std::size_t i, bool on) {
        epoll_event ev{};
        ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
        ev.data.u64 = i;
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, conns_[i].fd, &ev);
    }

    void flush(std::size_t i) {
        auto& c = conns_[i];
        bool had_rest = c.sent > 0 && c.sent < c.out.size();
        while (c.sent < c.out.size()) {
            auto n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
            if (n > 0) {
                c.sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EAGAIN) {
                set_writable_interest(i, true);
                return;
            }
            return fail(i);
        }
        if (had_rest) set_writable_interest(i, false);
    }

    void receive(std::size_t i) {
        auto& c = conns_[i];
        char chunk[16384];
        for (;;) {
            auto n = ::recv(c.fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                c.in.append(chunk, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EAGAIN) break;
            return fail(i);  // closed by the server
        }
        for (;;) {
            auto end = c.in.find("\r\n\r\n");
            if (end == std::string::npos) return;
            std::size_t length = 0;
            auto cl = c.in.find("Content-Length: ");
            if (cl != std::string::npos && cl < end) length = std::stoul(c.in.substr(cl + 16));
            if (c.in.size() < end + 4 + length) return;
            bool close = c.in.find("Connection: close") < end;
            finish(i, std::atoi(c.in.c_str() + 9));
            c.in.erase(0, end + 4 + length);
            if (close) return reopen(i);
        }
    }

    void finish(std::size_t i, int status) {
        auto& c = conns_[i];
        if (!c.busy) return;
        c.busy = false;
        latencies_.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - c.since).count());
        ++statuses_[status];
        ++done_;
    }

    void fail(std::size_t i) {
        finish(i, 0);
        reopen(i);
    }

    void reopen(std::size_t i) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, conns_[i].fd, nullptr);
        ::close(conns_[i].fd);
        open(i);
    }

    const Options& o_;
    std::string body_, head_;
    long total_ = 0, next_ = 0, done_ = 0;
    int epoll_ = -1;
    std::vector<Connection> conns_;
    std::deque<long> waiting_;
    Clock::time_point start_;
    double seconds_ = 0;
    std::vector<double> latencies_;
    std::map<int, long> statuses_;
};

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    LoadGenerator g(o);
    g.run();
    return g.report();
}
