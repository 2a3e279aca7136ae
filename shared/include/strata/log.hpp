// Structured logs: one JSON object per line on stderr through spdlog, with fixed keys
// ts, level, service, msg, correlation_id, then the caller's fields. Every registered secret
// value is replaced by "***" in the whole line before it is written.
//
// Thread-safe. Debug is for developers, info for operators; log an error once, where handled.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace strata::log {

enum class Level { Debug, Info, Warn, Error };

struct Field {
    std::string key;
    std::string value;
    Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
    Field(std::string k, const char* v) : key(std::move(k)), value(v) {}
    Field(std::string k, std::string_view v) : key(std::move(k)), value(v) {}
    Field(std::string k, long long v) : key(std::move(k)), value(std::to_string(v)) {}
    Field(std::string k, int v) : key(std::move(k)), value(std::to_string(v)) {}
    Field(std::string k, unsigned long v) : key(std::move(k)), value(std::to_string(v)) {}
    Field(std::string k, unsigned long long v) : key(std::move(k)), value(std::to_string(v)) {}
};
using Fields = std::initializer_list<Field>;

// Once at start-up: the service name on every line and the minimum level ("debug".."error").
void init(std::string service, std::string_view level);

// Values that must never be written (tokens, secrets, passwords in URLs). Empty ones ignored.
void register_secret(const std::string& value);
// Forgets a registered value that no longer grants anything (an expired token once its
// replacement is registered), so that the list stays as long as the secrets in use.
void unregister_secret(const std::string& value);

// Builds the line (exposed for tests).
std::string format_line(Level level, std::string_view msg, std::string_view correlation_id,
                        Fields fields);

void write(Level level, std::string_view msg, std::string_view correlation_id, Fields fields);

inline void debug(std::string_view msg, Fields f = {}, std::string_view cid = "") {
    write(Level::Debug, msg, cid, f);
}
inline void info(std::string_view msg, Fields f = {}, std::string_view cid = "") {
    write(Level::Info, msg, cid, f);
}
inline void warn(std::string_view msg, Fields f = {}, std::string_view cid = "") {
    write(Level::Warn, msg, cid, f);
}
inline void error(std::string_view msg, Fields f = {}, std::string_view cid = "") {
    write(Level::Error, msg, cid, f);
}

// Replaces every registered secret in text with "***".
std::string redact(std::string text);

}  // namespace strata::log
