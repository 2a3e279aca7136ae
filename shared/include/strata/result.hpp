// Result<T>: a value or an Error, for expected failures (bad input, network, broker, disk).
// Modelled on C++23 std::expected, which this toolchain does not ship yet.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace strata {

// An error message says what was being done, lower case: "decoding event.push: missing 'after'".
struct Error {
    std::string message;

    // Prefixes the message with what the caller was doing: "reading config: " + message.
    Error context(std::string_view what) const { return Error{std::string(what) + ": " + message}; }
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<Error>(state_); }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }

private:
    std::optional<Error> error_;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace strata
