#include "ingest_harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "ingest_service.hpp"
#include "strata/crypto.hpp"
#include "strata/loop.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string env_name(const std::string& key) {
    std::string out = "STRATA_";
    for (char c : key) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds deadline) {
    auto end = Clock::now() + deadline;
    while (!pred()) {
        if (Clock::now() >= end) return pred();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace

IngestHarness::IngestHarness(IngestHarnessOptions o) {
    auto specs = common_option_specs();
    auto info = ingest::daemon_info();
    specs.insert(specs.end(), info.options.begin(), info.options.end());
    std::vector<std::string> env = {
        "STRATA_AMQP_URL=" + o.amqp_url, "STRATA_AMQP_EXCHANGE=" + o.exchange,
        "STRATA_REDIS_URL=" + o.redis_url, "STRATA_REDIS_PREFIX=" + o.redis_prefix,
        "STRATA_LOG_LEVEL=warn"};
    for (const auto& [key, value] : o.config) env.push_back(env_name(key) + "=" + value);
    const char* argv[] = {"strata-ingest"};
    auto parsed = parse_command_line(specs, 1, argv, env);
    if (!parsed) throw std::runtime_error("ingest config: " + parsed.error().message);
    parsed_.emplace(std::move(*parsed));
    auto service = ingest::make_service(parsed_->config);
    if (!service) throw std::runtime_error("ingest service: " + service.error().message);
    service_ = std::move(*service);

    o.http.host = "127.0.0.1";
    o.http.port = 0;
    http_ = std::make_unique<HttpServer>(loop_, o.http);
    AmqpOptions amqp;
    amqp.url = o.amqp_url;
    amqp.exchange = o.exchange;
    amqp.connection_name = "ingest-harness";
    amqp.publish_timeout = o.publish_timeout;
    amqp.max_backoff = std::chrono::milliseconds(200);
    amqp_ = std::make_unique<AmqpClient>(loop_, amqp);
    redis_ = std::make_unique<RedisClient>(loop_, RedisOptions{o.redis_url});
    ctx_ = std::make_unique<DaemonContext>(
        DaemonContext{loop_, parsed_->config, metrics_, *http_, *amqp_, redis_.get()});
    if (auto setup = service_->setup(*ctx_); !setup)
        throw std::runtime_error("ingest setup: " + setup.error().message);
    if (o.bind_downstream) amqp_->declare(downstream_spec());
    if (auto listening = http_->listen(); !listening)
        throw std::runtime_error(listening.error().message);
    port_ = http_->port();
    amqp_->start();
    redis_->connect();
    thread_ = std::thread([this] {
        while (!stopped_) loop_.run();
    });
    // Ready when the broker took the topology and Redis answers a PING.
    if (!wait_for([&] { return amqp_->healthy(); }, std::chrono::seconds(30)))
        throw std::runtime_error("ingest harness: broker not reachable");
    bool pong = wait_for(
        [&] {
            std::promise<bool> answered;
            auto future = answered.get_future();
            loop_.post([&] {
                redis_->command({"PING"},
                                [&answered](Result<RedisReply> r) { answered.set_value(r.ok()); });
            });
            return future.get();
        },
        std::chrono::seconds(30));
    if (!pong) throw std::runtime_error("ingest harness: redis not reachable");
}

IngestHarness::~IngestHarness() {
    std::promise<void> done;
    loop_.post([&] {
        http_->close();
        amqp_->close(std::chrono::milliseconds(2'000));
        redis_->close();
        stopped_ = true;
        loop_.stop();
        done.set_value();
    });
    done.get_future().wait();
    thread_.join();
    service_.reset();
    loop_.close();
}

long long IngestHarness::webhooks(const std::string& event, const std::string& outcome) {
    return metrics_
        .counter("strata_ingest_webhooks_total", "webhook deliveries by event and outcome",
                 {{"event", event}, {"outcome", outcome}})
        .value();
}

std::shared_ptr<std::atomic<bool>> IngestHarness::drain() {
    auto drained = std::make_shared<std::atomic<bool>>(false);
    loop_.post([this, drained] { service_->drain([drained] { *drained = true; }); });
    return drained;
}

std::string IngestHarness::redis_get(const std::string& key) {
    std::promise<std::string> value;
    auto future = value.get_future();
    loop_.post([&] {
        redis_->command({"GET", key}, [&value](Result<RedisReply> r) {
            value.set_value(r && !r->is_nil() ? r->str : "");
        });
    });
    return future.get();
}

QueueSpec IngestHarness::downstream_spec() {
    QueueSpec spec;
    spec.name = "strata.downstream";
    spec.bindings = {"event.#"};
    spec.prefetch = 500;
    spec.consume = false;
    return spec;
}

std::vector<Delivery> take_downstream(const std::string& amqp_url, const std::string& exchange,
                                      std::string* error, std::chrono::milliseconds deadline) {
    Loop loop;
    AmqpOptions options;
    options.url = amqp_url;
    options.exchange = exchange;
    options.connection_name = "ingest-harness-consumer";
    options.max_backoff = std::chrono::milliseconds(200);
    auto sentinel_id = unique_name("sentinel");
    std::vector<Delivery> got;
    bool sentinel_seen = false;
    std::string failure;
    {
        AmqpClient client(loop, options);
        auto spec = IngestHarness::downstream_spec();
        spec.consume = true;
        client.declare(spec, [&](const Delivery& d, std::shared_ptr<DeliveryControl> control) {
            control->ack();
            if (d.message_id == sentinel_id) {
                sentinel_seen = true;
            } else if (!sentinel_seen) {
                got.push_back(d);
            }
        });
        client.start();
        bool sent = false;
        bool published = run_until(
            loop,
            [&] {
                if (!client.healthy() || sent) return sent;
                sent = true;
                OutgoingMessage m{"event.sentinel",   "{}", sentinel_id, sentinel_id,
                                  "application/json", {}};
                client.publish(std::move(m), [&](Result<void> r) {
                    if (!r) failure = "publishing the sentinel: " + r.error().message;
                });
                return true;
            },
            deadline);
        if (!published) failure = "the consumer did not connect";
        if (failure.empty() &&
            !run_until(
                loop, [&] { return sentinel_seen || !failure.empty(); }, deadline))
            failure = "the sentinel did not arrive; " + std::to_string(got.size()) + " before it";
        client.close(std::chrono::milliseconds(2'000));
    }
    loop.close();
    if (error) *error = failure;
    if (!failure.empty()) return {};
    return got;
}

void delete_downstream(const std::string& amqp_url, const std::string& exchange) {
    for (const std::string& queue : {exchange + ".downstream", exchange + ".downstream.dlq"})
        shell("amqp-delete-queue --url '" + tool_url(amqp_url) + "' -q '" + queue +
              "' >/dev/null 2>&1");
}

// ---- RawHttpConnection ----------------------------------------------------------------------

RawHttpConnection::RawHttpConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
        return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawHttpConnection::~RawHttpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawHttpConnection::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

void RawHttpConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

RawResponse RawHttpConnection::read_response(std::chrono::milliseconds deadline) {
    RawResponse r;
    auto end = Clock::now() + deadline;
    std::size_t header_end = std::string::npos;
    std::size_t body_length = 0;
    for (;;) {
        if (header_end == std::string::npos) {
            header_end = buffer_.find("\r\n\r\n");
            if (header_end != std::string::npos) {
                std::istringstream head(buffer_.substr(0, header_end));
                std::string line, version;
                std::getline(head, line);
                std::istringstream status_line(line);
                status_line >> version >> r.status;
                while (std::getline(head, line)) {
                    if (!line.empty() && line.back() == '\r') line.pop_back();
                    auto colon = line.find(':');
                    if (colon == std::string::npos) continue;
                    std::string name = line.substr(0, colon);
                    for (auto& c : name) c = static_cast<char>(std::tolower(c));
                    std::string value = line.substr(colon + 1);
                    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                    r.headers[name] = value;
                }
                if (r.headers.count("content-length"))
                    body_length = std::stoul(r.headers["content-length"]);
            }
        }
        if (header_end != std::string::npos && buffer_.size() >= header_end + 4 + body_length) {
            r.body = buffer_.substr(header_end + 4, body_length);
            buffer_.erase(0, header_end + 4 + body_length);
            r.closed = r.headers["connection"] == "close";
            return r;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            r.status = 0;
            return r;
        }
        char chunk[16384];
        auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) {
            r.status = 0;
            r.closed = true;
            return r;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

bool RawHttpConnection::closed_within(std::chrono::milliseconds deadline) {
    auto end = Clock::now() + deadline;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char chunk[16384];
        auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return true;
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

std::string webhook_bytes(const WebhookRequest& w, const std::string& secret) {
    std::string out = "POST " + w.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    out += "User-Agent: GitHub-Hookshot/strata-test\r\n";
    if (!w.content_type.empty()) out += "Content-Type: " + w.content_type + "\r\n";
    out += "X-GitHub-Event: " + w.event + "\r\n";
    out += "X-GitHub-Delivery: " + w.delivery + "\r\n";
    if (!secret.empty())
        out += "X-Hub-Signature-256: sha256=" + hmac_sha256_hex(secret, w.body) + "\r\n";
    for (const auto& [name, value] : w.extra_headers) out += name + ": " + value + "\r\n";
    if (!w.extra_headers.count("Transfer-Encoding"))
        out += "Content-Length: " + std::to_string(w.body.size()) + "\r\n";
    out += "\r\n";
    if (!w.extra_headers.count("Transfer-Encoding")) out += w.body;
    return out;
}

RawResponse post_webhook(int port, const WebhookRequest& request, const std::string& secret) {
    RawHttpConnection c(port);
    if (!c.connected() || !c.send(webhook_bytes(request, secret))) return {};
    return c.read_response();
}

std::string push_payload(const std::string& full_name, std::size_t size) {
    std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/tests/fixtures/webhooks/push.json");
    auto doc = nlohmann::json::parse(in);
    auto owner = full_name.substr(0, full_name.find('/'));
    doc["repository"]["full_name"] = full_name;
    doc["repository"]["name"] = full_name.substr(owner.size() + 1);
    doc["repository"]["clone_url"] = "https://github.com/" + full_name + ".git";
    auto commit = doc["commits"][0];
    std::size_t length = doc.dump().size();
    for (int i = 1; length < size; ++i) {
        commit["id"] = sha256_hex(std::to_string(i)).substr(0, 40);
        commit["message"] = "Change " + std::to_string(i) + " to the network roots";
        length += commit.dump().size() + 1;
        doc["commits"].push_back(commit);
    }
    return doc.dump();
}

std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {-1, ""};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    int status = ::pclose(pipe);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string tool_url(std::string url) {
    if (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

int amqp_publish(const std::string& amqp_url, const std::string& exchange,
                 const std::string& routing_key, const std::string& body) {
    auto quote = [](const std::string& s) {
        std::string out = "'";
        for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return out + "'";
    };
    return shell("amqp-publish --url " + quote(tool_url(amqp_url)) + " -e " + quote(exchange) +
                 " -r " + quote(routing_key) + " -p -C application/json -b " + quote(body))
        .first;
}

std::string hand_written_envelope(const std::string& type, const std::string& id,
                                  const std::string& payload) {
    return R"({"id":")" + id + R"(","type":")" + type + R"(","version":1,"correlation_id":")" + id +
           R"(","causation_id":"","produced_at":"2026-11-20T10:00:00.000Z","producer":"ops",)" +
           R"("payload":)" + payload + "}";
}

}  // namespace strata::testing
