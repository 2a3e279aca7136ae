// The frame every Strata daemon runs in: command line and config, JSON logs, the event loop,
// the AMQP and Redis clients, the /healthz and /metrics listener, and graceful shutdown.
//
// Start-up: parse options (--help/--version/--check-config answer and exit), build the service,
// let it declare queues and routes (setup), then connect and listen. Shutdown (SIGTERM/SIGINT;
// a second signal exits at once): stop consuming, ask the service to drain (finish or hand back
// work) within shutdown_deadline, flush outstanding publishes, close clients, close the loop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/config.hpp"
#include "strata/http_server.hpp"
#include "strata/loop.hpp"
#include "strata/metrics.hpp"
#include "strata/redis.hpp"

namespace strata {

struct DaemonContext {
    Loop& loop;
    const Config& config;
    Metrics& metrics;
    HttpServer& http;
    AmqpClient& amqp;
    RedisClient* redis;  // null for daemons that do not use Redis
};

class Service {
public:
    virtual ~Service() = default;
    // Declare queues (ctx.amqp.declare) and routes; nothing is connected yet.
    virtual Result<void> setup(DaemonContext& ctx) = 0;
    // Called after connecting; the default does nothing.
    virtual void started() {}
    // Finish or hand back work in hand, then call done (once). Consuming has already stopped.
    virtual void drain(std::function<void()> done) { done(); }
    // Extra health beyond the broker and Redis connections.
    virtual bool healthy() const { return true; }
};

struct DaemonInfo {
    std::string name;                 // "ingest": binary strata-ingest, log service name
    std::string summary;              // one paragraph for --help
    std::vector<OptionSpec> options;  // in addition to common_option_specs()
    bool uses_redis = true;
};

using ServiceFactory = std::function<Result<std::unique_ptr<Service>>(const Config&)>;

// Returns the process exit code.
int run_daemon(int argc, char** argv, const DaemonInfo& info, const ServiceFactory& make_service);

// "amqp://user:secret@host/" -> "secret" (for log redaction); "" when there is none.
std::string url_password(const std::string& url);

std::string strata_version();

}  // namespace strata
