#include "message_codecs.hpp"

#include "message_fields.hpp"

namespace strata::detail {
namespace {

using nlohmann::json;

// Writes a payload's fields into a JSON object.
struct Writer {
    json& out;

    template <class T>
    void operator()(const char* key, const T& value, Rule = {}) {
        out[key] = encode_value(value);
    }
    template <class T>
    void operator()(const char* key, const std::optional<T>& value, Rule = {}) {
        if (value) out[key] = encode_value(*value);  // absent optionals are omitted
    }

    template <class T>
    static json encode_value(const T& value) {
        if constexpr (std::is_same_v<T, std::string> || std::is_arithmetic_v<T> ||
                      std::is_same_v<T, std::vector<std::string>>) {
            return value;
        } else if constexpr (requires { value.begin(); }) {
            json array = json::array();
            for (const auto& item : value) array.push_back(encode_value(item));
            return array;
        } else {
            json object = json::object();
            Writer nested{object};
            fields(nested, value);
            return object;
        }
    }
};

// Reads and validates a payload's fields; the first problem is kept in the FieldReader.
struct Reader {
    FieldReader& f;

    void operator()(const char* key, std::string& value, Rule rule = {}) {
        if (rule.may_be_absent && !f.has(key)) return;
        value = f.str(key, !rule.required);
        if (!f.ok() || !rule.one_of) return;
        for (const auto& allowed : *rule.one_of)
            if (value == allowed) return;
        f.fail(f.at(key), "unexpected value '" + value + "'");
    }
    void operator()(const char* key, long long& value, Rule = {}) { value = f.integer(key); }
    void operator()(const char* key, int& value, Rule = {}) {
        long long v = f.integer(key);
        if (v < INT32_MIN || v > INT32_MAX) f.fail(f.at(key), "out of range");
        value = static_cast<int>(v);
    }
    void operator()(const char* key, bool& value, Rule rule = {}) {
        if (rule.may_be_absent && !f.has(key)) return;
        value = f.boolean(key);
    }
    void operator()(const char* key, std::vector<std::string>& value, Rule rule = {}) {
        if (rule.may_be_absent && !f.has(key)) return;
        value = f.strings(key);
    }
    template <class T>
    void operator()(const char* key, std::optional<T>& value, Rule = {}) {
        const auto* obj = f.object(key, false);
        if (!obj) return;
        value.emplace();
        read_object(*obj, f.at(key), *value);
    }
    template <class T>
    void operator()(const char* key, std::vector<T>& value, Rule = {}) {
        const auto* array = f.array(key);
        if (!array) return;
        for (const auto& item : *array) read_object(item, f.at(key) + "[]", value.emplace_back());
    }
    template <class T>
    void operator()(const char* key, T& value, Rule = {}) {
        if (const auto* obj = f.object(key)) read_object(*obj, f.at(key), value);
    }

    template <class T>
    void read_object(const json& object, const std::string& path, T& value) {
        FieldReader nested_reader(object, path);
        Reader nested{nested_reader};
        fields(nested, value);
        f.absorb(nested_reader);
    }
};

}  // namespace

#define STRATA_CODEC(T)                        \
    template <>                                \
    json Codec<T>::to_json(const T& payload) { \
        json out = json::object();             \
        Writer writer{out};                    \
        fields(writer, payload);               \
        return out;                            \
    }                                          \
    template <>                                \
    T Codec<T>::from_json(FieldReader& f) {    \
        T payload;                             \
        Reader reader{f};                      \
        fields(reader, payload);               \
        return payload;                        \
    }
STRATA_MESSAGE_TYPES(STRATA_CODEC)
#undef STRATA_CODEC

}  // namespace strata::detail
