// Strict reading of JSON objects with errors that name the offending path. Private to shared/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata::detail {

// Reads fields of one object; the first problem is kept and reported by error().
class FieldReader {
public:
    FieldReader(const nlohmann::json& object, std::string path)
        : object_(object), path_(std::move(path)) {
        if (!object_.is_object()) fail(path_, "expected an object");
    }

    std::string str(const char* key, bool allow_empty = true) {
        const auto* v = find(key);
        if (!v) return {};
        if (!v->is_string()) return fail(at(key), "expected a string"), std::string();
        auto s = v->get<std::string>();
        if (!allow_empty && s.empty()) fail(at(key), "must not be empty");
        return s;
    }
    long long integer(const char* key) {
        const auto* v = find(key);
        if (!v) return 0;
        if (!v->is_number_integer()) return fail(at(key), "expected an integer"), 0;
        return v->get<long long>();
    }
    bool boolean(const char* key) {
        const auto* v = find(key);
        if (!v) return false;
        if (!v->is_boolean()) return fail(at(key), "expected true or false"), false;
        return v->get<bool>();
    }
    std::vector<std::string> strings(const char* key) {
        std::vector<std::string> out;
        const auto* v = find(key);
        if (!v) return out;
        if (!v->is_array()) return fail(at(key), "expected an array"), out;
        for (const auto& item : *v) {
            if (!item.is_string()) return fail(at(key), "expected strings"), out;
            out.push_back(item.get<std::string>());
        }
        return out;
    }
    // An object member, or nullptr when it is optional and absent.
    const nlohmann::json* object(const char* key, bool required = true) {
        if (!object_.is_object()) return nullptr;
        auto it = object_.find(key);
        if (it == object_.end()) {
            if (required) fail(at(key), "missing");
            return nullptr;
        }
        if (!it->is_object()) return fail(at(key), "expected an object"), nullptr;
        return &*it;
    }
    const nlohmann::json* array(const char* key) {
        const auto* v = find(key);
        if (v && !v->is_array()) return fail(at(key), "expected an array"), nullptr;
        return v;
    }
    // One of the listed values.
    std::string one_of(const char* key, std::initializer_list<const char*> allowed) {
        auto s = str(key);
        if (!ok()) return s;
        for (const char* a : allowed)
            if (s == a) return s;
        fail(at(key), "unexpected value '" + s + "'");
        return s;
    }

    // Whether the object has the key (for fields that may be absent).
    bool has(const char* key) const { return object_.is_object() && object_.contains(key); }
    std::string at(const char* key) const { return path_ + "." + key; }
    bool ok() const { return error_.empty(); }
    void fail(const std::string& where, const std::string& what) {
        if (error_.empty()) error_ = where + ": " + what;
    }
    // Takes the first failure of a nested reader.
    void absorb(const FieldReader& nested) {
        if (error_.empty()) error_ = nested.error_;
    }
    const std::string& error() const { return error_; }

private:
    const nlohmann::json* find(const char* key) {
        if (!object_.is_object()) return nullptr;
        auto it = object_.find(key);
        if (it == object_.end()) return fail(at(key), "missing"), nullptr;
        return &*it;
    }

    const nlohmann::json& object_;
    std::string path_;
    std::string error_;
};

}  // namespace strata::detail
