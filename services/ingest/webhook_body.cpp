#include "webhook_body.hpp"

#include <cctype>

namespace strata::ingest {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string> url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c != '%') {
            out += c;
        } else {
            int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
            if (lo < 0) return make_error("form field payload has a bad %-escape");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        }
    }
    return out;
}

}  // namespace

BodyEncoding body_encoding(std::string_view content_type) {
    auto media = trim(content_type.substr(0, content_type.find(';')));
    if (iequals(media, "application/json")) return BodyEncoding::Json;
    if (iequals(media, "application/x-www-form-urlencoded")) return BodyEncoding::Form;
    return BodyEncoding::Unsupported;
}

Result<std::string> form_payload(std::string_view body) {
    while (!body.empty()) {
        auto field = body.substr(0, body.find('&'));
        body.remove_prefix(std::min(body.size(), field.size() + 1));
        auto eq = field.find('=');
        if (eq == std::string_view::npos || field.substr(0, eq) != "payload") continue;
        return url_decode(field.substr(eq + 1));
    }
    return make_error("form body has no payload field");
}

}  // namespace strata::ingest
