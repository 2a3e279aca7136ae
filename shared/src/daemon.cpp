#include "strata/daemon.hpp"

#include <iostream>

#include "strata/log.hpp"
#include "strata/topology.hpp"

extern char** environ;

namespace strata {

std::string strata_version() { return STRATA_VERSION; }

std::string url_password(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return "";
    auto at = url.find('@', scheme + 3);
    if (at == std::string::npos) return "";
    auto userinfo = url.substr(scheme + 3, at - scheme - 3);
    auto colon = userinfo.find(':');
    return colon == std::string::npos ? "" : userinfo.substr(colon + 1);
}

namespace {

std::vector<std::string> environment() {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
    return out;
}

void register_secrets(const Config& config) {
    for (const auto& secret : config.secret_values()) {
        log::register_secret(secret);
        auto password = url_password(secret);
        // "guest" and other short words would mangle ordinary log text.
        if (password.size() >= 6) log::register_secret(password);
    }
}

}  // namespace

int run_daemon(int argc, char** argv, const DaemonInfo& info, const ServiceFactory& make_service) {
    auto specs = common_option_specs();
    specs.insert(specs.end(), info.options.begin(), info.options.end());
    const std::string program = "strata-" + info.name;

    auto parsed = parse_command_line(specs, argc, argv, environment());
    if (!parsed) {
        std::cerr << program << ": " << parsed.error().message << '\n';
        return 2;
    }
    if (!parsed->positional.empty()) {  // daemons take options only; "-x" would be ignored
        std::cerr << program << ": unexpected argument '" << parsed->positional.front()
                  << "' (see --help)\n";
        return 2;
    }
    const Config& config = parsed->config;
    switch (parsed->action) {
        case CliAction::Help:
            std::cout << usage_text(program, info.summary, specs);
            return 0;
        case CliAction::Version:
            std::cout << program << ' ' << strata_version() << '\n';
            return 0;
        case CliAction::CheckConfig:
            break;
        case CliAction::Run:
            break;
    }

    log::init(info.name, config.get("log_level"));
    register_secrets(config);
    auto service = make_service(config);
    if (!service) {
        std::cerr << program << ": " << service.error().message << '\n';
        return 2;
    }
    auto deadline = config.get_duration("shutdown_deadline");
    auto http_port = config.get_int("http_port");
    if (!deadline || !http_port) {
        std::cerr << program << ": " << (!deadline ? deadline.error() : http_port.error()).message
                  << '\n';
        return 2;
    }
    if (parsed->action == CliAction::CheckConfig) {
        std::cout << config.describe();
        std::cout << "# configuration is valid\n";
        return 0;
    }

    Loop loop;
    Metrics metrics;
    HttpServerOptions http_options;
    http_options.host = config.get("http_host");
    http_options.port = static_cast<int>(*http_port);
    auto http = std::make_unique<HttpServer>(loop, http_options);
    AmqpOptions amqp_options;
    amqp_options.url = config.get("amqp_url");
    amqp_options.exchange = config.get("amqp_exchange");
    amqp_options.connection_name = program;
    auto amqp = std::make_unique<AmqpClient>(loop, amqp_options);
    std::unique_ptr<RedisClient> redis;
    if (info.uses_redis)
        redis = std::make_unique<RedisClient>(loop, RedisOptions{config.get("redis_url")});

    DaemonContext ctx{loop, config, metrics, *http, *amqp, redis.get()};
    auto setup = (*service)->setup(ctx);
    if (!setup) {
        log::error("setting up", {{"error", setup.error().message}});
        return 1;
    }
    for (auto spec : topology::all()) {
        if (amqp->has_queue(spec.name)) continue;
        spec.consume = false;
        amqp->declare(std::move(spec));
    }
    auto& up = metrics.gauge("strata_up", "1 while the daemon and its connections are healthy");
    auto is_healthy = [&] {
        return amqp->healthy() && (!redis || redis->healthy()) && (*service)->healthy();
    };
    http->route("GET", "/healthz", [&](const HttpRequest&, HttpResponder respond) {
        bool ok = is_healthy();
        std::string body = std::string("{\"status\":\"") + (ok ? "ok" : "unhealthy") +
                           "\",\"amqp\":" + (amqp->healthy() ? "true" : "false") + ",\"redis\":" +
                           (!redis             ? "null"
                            : redis->healthy() ? "true"
                                               : "false") +
                           "}";
        respond(HttpResponse::json(ok ? 200 : 503, body));
    });
    http->route("GET", "/metrics", [&](const HttpRequest&, HttpResponder respond) {
        up.set(is_healthy() ? 1 : 0);
        HttpResponse r = HttpResponse::text(200, metrics.render());
        r.content_type = "text/plain; version=0.0.4";
        respond(std::move(r));
    });
    if (auto listening = http->listen(); !listening) {
        log::error("starting the HTTP listener", {{"error", listening.error().message}});
        return 1;
    }
    amqp->start();
    if (redis) redis->connect();
    (*service)->started();
    log::info("started", {{"version", strata_version()}, {"http_port", http->port()}});

    Timer shutdown_timer(loop);
    bool finishing = false;
    auto finish = [&] {
        if (finishing) return;
        finishing = true;
        shutdown_timer.stop();
        http->close();
        amqp->close(std::chrono::milliseconds(2000));
        if (redis) redis->close();
        loop.stop();
    };
    ShutdownSignals signals(loop, [&] {
        log::info("stopping", {{"deadline_ms", static_cast<long long>(deadline->count())}});
        amqp->stop_consuming();
        shutdown_timer.start(*deadline, [&] {
            log::warn("shutdown deadline passed with work in hand");
            finish();
        });
        (*service)->drain([&] { loop.post(finish); });
    });
    // The loop has live handles (listener, timers) until finish() stops it.
    while (!finishing) loop.run();
    service->reset();
    loop.close();
    log::info("stopped");
    return 0;
}

}  // namespace strata
