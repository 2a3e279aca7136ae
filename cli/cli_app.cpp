#include "cli_app.hpp"

#include <iostream>
#include <optional>

#include "cli_options.hpp"
#include "loop_wait.hpp"
#include "queue_status.hpp"
#include "strata/daemon.hpp"
#include "strata/log.hpp"
#include "strata/redis.hpp"
#include "trigger_publish.hpp"

namespace strata::cli {
namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;

int publish(const CliRequest& request, std::chrono::milliseconds timeout) {
    auto trigger = build_trigger(request);
    if (!trigger) {
        std::cerr << "strata: " << trigger.error().message << '\n';
        return kUsage;
    }
    AmqpOptions options;
    options.url = request.config.get("amqp_url");
    options.exchange = request.config.get("amqp_exchange");
    options.connection_name = "strata-cli";
    auto id = trigger->message.message_id;
    auto type = trigger->message.routing_key;
    if (auto sent = publish_confirmed(options, std::move(trigger->message), timeout); !sent) {
        std::cerr << "strata: " << trigger->summary << ": " << sent.error().message << '\n';
        return kFailed;
    }
    std::cout << trigger->summary << ": published " << type << " " << id
              << " (confirmed by the broker)\n";
    return 0;
}

int status(const CliRequest& request, std::chrono::milliseconds timeout) {
    const auto url = request.config.get("redis_url");
    Loop loop;
    int code = 0;
    {
        RedisClient redis(loop, RedisOptions{url});
        redis.connect();
        RedisCall call = [&](std::vector<std::string> argv) -> Result<RedisReply> {
            std::optional<Result<RedisReply>> answer;
            redis.command(std::move(argv), [&](Result<RedisReply> r) { answer = std::move(r); });
            if (!run_loop_until(
                    loop, [&] { return answer.has_value(); }, timeout))
                return make_error("Redis at " + url_location(url) + " did not answer in time");
            return std::move(*answer);
        };
        if (!run_loop_until(
                loop, [&] { return redis.healthy(); }, timeout)) {
            std::cerr << "strata: could not reach Redis at " << url_location(url) << '\n';
            code = kFailed;
        } else {
            auto queues =
                read_queues(call, request.config.get("redis_prefix"), request.repo, request.roots);
            if (!queues) {
                std::cerr << "strata: reading the queues of " << request.repo << ": "
                          << queues.error().message << '\n';
                code = kFailed;
            } else if (queues->empty()) {
                std::cout << request.repo << ": no roots known to the scheduler\n";
            } else {
                std::cout << render_queues(request.repo, *queues);
            }
        }
        redis.close();
    }
    loop.close();
    return code;
}

}  // namespace

int run(int argc, const char* const* argv, const std::vector<std::string>& environ) {
    auto request = parse_cli(argc, argv, environ);
    if (!request) {
        std::cerr << "strata: " << request.error().message << '\n';
        return kUsage;
    }
    if (request->action == CliAction::Help) {
        std::cout << cli_usage(environ);
        return 0;
    }
    if (request->action == CliAction::Version) {
        std::cout << "strata " << strata_version() << '\n';
        return 0;
    }
    const auto& config = request->config;
    log::init("cli", config.get("log_level"));
    for (const auto& secret : config.secret_values()) {
        log::register_secret(secret);
        if (url_password(secret).size() >= 6) log::register_secret(url_password(secret));
    }
    auto timeout = config.get_duration("timeout");
    if (!timeout || timeout->count() <= 0) {
        std::cerr << "strata: " << (timeout ? "timeout must be positive" : timeout.error().message)
                  << '\n';
        return kUsage;
    }
    if (request->action == CliAction::CheckConfig) {
        std::cout << config.describe();
        return 0;
    }
    if (request->command == "status") return status(*request, *timeout);
    return publish(*request, *timeout);
}

}  // namespace strata::cli
