#include "strata/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <vector>

namespace strata::log {
namespace {

struct State {
    std::shared_mutex mutex;
    std::string service = "strata";
    std::vector<std::string> secrets;
    std::shared_ptr<spdlog::logger> logger;
};

State& state() {
    static State s;
    return s;
}

std::shared_ptr<spdlog::logger> logger() {
    auto& s = state();
    {
        std::shared_lock lock(s.mutex);
        if (s.logger) return s.logger;
    }
    std::unique_lock lock(s.mutex);
    if (!s.logger) {
        s.logger = std::make_shared<spdlog::logger>(
            "strata", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        s.logger->set_pattern("%v");
        s.logger->set_level(spdlog::level::info);
        s.logger->flush_on(spdlog::level::trace);
    }
    return s.logger;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warn";
        case Level::Error:
            return "error";
    }
    return "info";
}

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::Debug:
            return spdlog::level::debug;
        case Level::Info:
            return spdlog::level::info;
        case Level::Warn:
            return spdlog::level::warn;
        case Level::Error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count()));
    return buf;
}

}  // namespace

void init(std::string service, std::string_view level) {
    auto lg = logger();
    std::unique_lock lock(state().mutex);
    state().service = std::move(service);
    if (level == "debug")
        lg->set_level(spdlog::level::debug);
    else if (level == "warn")
        lg->set_level(spdlog::level::warn);
    else if (level == "error")
        lg->set_level(spdlog::level::err);
    else
        lg->set_level(spdlog::level::info);
}

void register_secret(const std::string& value) {
    if (value.empty()) return;
    std::unique_lock lock(state().mutex);
    auto& secrets = state().secrets;
    for (const auto& s : secrets)
        if (s == value) return;
    // Longest first, so a secret that contains a shorter one is masked whole, not as "***rest".
    auto at = std::find_if(secrets.begin(), secrets.end(),
                           [&](const std::string& s) { return s.size() < value.size(); });
    secrets.insert(at, value);
}

void unregister_secret(const std::string& value) {
    std::unique_lock lock(state().mutex);
    auto& secrets = state().secrets;
    secrets.erase(std::remove(secrets.begin(), secrets.end(), value), secrets.end());
}

std::string redact(std::string text) {
    std::shared_lock lock(state().mutex);
    for (const auto& secret : state().secrets) {
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + 3)) {
            text.replace(pos, secret.size(), "***");
        }
    }
    return text;
}

std::string format_line(Level level, std::string_view msg, std::string_view correlation_id,
                        Fields fields) {
    nlohmann::ordered_json line;
    line["ts"] = timestamp();
    line["level"] = level_name(level);
    {
        std::shared_lock lock(state().mutex);
        line["service"] = state().service;
    }
    // Secrets are masked in each value before it is escaped into JSON: a secret holding a quote
    // or a backslash would not be found in the escaped line.
    line["msg"] = redact(std::string(msg));
    line["correlation_id"] = redact(std::string(correlation_id));
    for (const auto& f : fields) line[redact(f.key)] = redact(f.value);
    // Invalid UTF-8 from the outside world must not make logging throw.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write(Level level, std::string_view msg, std::string_view correlation_id, Fields fields) {
    auto lg = logger();
    if (!lg->should_log(to_spdlog(level))) return;
    lg->log(to_spdlog(level), format_line(level, msg, correlation_id, fields));
}

}  // namespace strata::log
