#include "strata/messages.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>

#include "message_codecs.hpp"

namespace strata {
namespace {

using nlohmann::json;

std::string format_uuid(unsigned char b[16]) {
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}

Result<Envelope> read_envelope(const json& doc, detail::FieldReader& f) {
    Envelope e;
    e.id = f.str("id", false);
    e.type = f.str("type", false);
    // Checked before narrowing: 2^32 + 1 must not pass as version 1.
    long long version = f.integer("version");
    if (version < 0 || version > std::numeric_limits<int>::max())
        f.fail(f.at("version"), "unsupported version " + std::to_string(version));
    e.version = static_cast<int>(version);
    e.correlation_id = f.str("correlation_id", false);
    e.causation_id = f.str("causation_id");
    e.produced_at = f.str("produced_at", false);
    e.producer = f.str("producer", false);
    if (f.ok() && !doc.contains("payload")) f.fail("message.payload", "missing");
    if (!f.ok()) return make_error(f.error());
    return e;
}

Result<json> parse(std::string_view body) {
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded()) return make_error("message is not valid JSON");
    return doc;
}

}  // namespace

std::string new_uuid() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) std::abort();  // no entropy: nothing sensible to do
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    return format_uuid(b);
}

std::string derived_uuid(std::string_view name) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest);
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
    return format_uuid(digest);
}

std::string now_rfc3339() {
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

Result<Envelope> decode_envelope(std::string_view body) {
    auto doc = parse(body);
    if (!doc) return doc.error();
    detail::FieldReader f(*doc, "message");
    return read_envelope(*doc, f);
}

template <class T>
Message<T> make_message(T payload, const Origin& origin, std::string id) {
    Message<T> m;
    m.envelope.id = id.empty() ? new_uuid() : std::move(id);
    m.envelope.type = std::string(T::kType);
    m.envelope.version = T::kVersion;
    m.envelope.correlation_id =
        origin.correlation_id.empty() ? m.envelope.id : origin.correlation_id;
    m.envelope.causation_id = origin.causation_id;
    m.envelope.produced_at = now_rfc3339();
    m.envelope.producer = origin.producer;
    m.payload = std::move(payload);
    return m;
}

template <class T>
std::string encode(const Message<T>& m) {
    json doc = {{"id", m.envelope.id},
                {"type", m.envelope.type},
                {"version", m.envelope.version},
                {"correlation_id", m.envelope.correlation_id},
                {"causation_id", m.envelope.causation_id},
                {"produced_at", m.envelope.produced_at},
                {"producer", m.envelope.producer},
                {"payload", detail::Codec<T>::to_json(m.payload)}};
    return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

template <class T>
Result<Message<T>> decode(std::string_view body) {
    auto doc = parse(body);
    if (!doc) return doc.error().context("decoding " + std::string(T::kType));
    detail::FieldReader f(*doc, "message");
    auto envelope = read_envelope(*doc, f);
    if (!envelope) return envelope.error().context("decoding " + std::string(T::kType));
    if (envelope->type != T::kType)
        return make_error("decoding " + std::string(T::kType) + ": message.type is '" +
                          envelope->type + "'");
    if (envelope->version != T::kVersion)
        return make_error("decoding " + std::string(T::kType) + ": unsupported version " +
                          std::to_string(envelope->version));
    detail::FieldReader payload_reader((*doc)["payload"], "payload");
    T payload = detail::Codec<T>::from_json(payload_reader);
    if (!payload_reader.ok())
        return make_error("decoding " + std::string(T::kType) + ": " + payload_reader.error());
    return Message<T>{std::move(*envelope), std::move(payload)};
}

#define STRATA_INSTANTIATE(T)                                           \
    template Message<T> make_message<T>(T, const Origin&, std::string); \
    template std::string encode<T>(const Message<T>&);                  \
    template Result<Message<T>> decode<T>(std::string_view);
STRATA_MESSAGE_TYPES(STRATA_INSTANTIATE)
#undef STRATA_INSTANTIATE

}  // namespace strata
