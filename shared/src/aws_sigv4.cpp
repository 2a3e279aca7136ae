#include "strata/aws_sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "strata/crypto.hpp"

namespace strata::aws {
namespace {

std::string hmac_raw(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &len);
    return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims, joins folded lines with a space and collapses runs of spaces into one.
std::string canonical_header_value(std::string_view value) {
    std::string out;
    bool pending_space = false;
    for (char c : value) {
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string canonical_path(const std::string& path, bool normalize) {
    if (path.empty()) return "/";
    if (!normalize) return uri_encode(path, true);
    std::vector<std::string_view> segments;
    std::string_view rest = path;
    while (!rest.empty()) {
        auto slash = rest.find('/');
        auto segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
            continue;
        }
        segments.push_back(segment);
    }
    std::string out;
    for (auto s : segments) out += "/" + uri_encode(s);
    bool trailing = path.back() == '/';
    if (out.empty()) return "/";
    return trailing ? out + "/" : out;
}

std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto name = pair.substr(0, eq);
        auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        params.emplace_back(uri_encode(uri_decode(name)), uri_encode(uri_decode(value)));
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [name, value] : params) out += (out.empty() ? "" : "&") + name + "=" + value;
    return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
            (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

std::string uri_decode(std::string_view text, bool plus_is_space) {
    auto value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && value(text[i + 1]) >= 0 &&
            value(text[i + 2]) >= 0) {
            out += static_cast<char>(value(text[i + 1]) * 16 + value(text[i + 2]));
            i += 2;
        } else if (plus_is_space && text[i] == '+') {
            out += ' ';
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
    std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

SigV4Signature sign_v4(const SigV4Request& request, const Credentials& credentials,
                       const SigV4Options& options) {
    SigV4Signature out;
    const std::string payload_hash = sha256_hex(request.body);
    out.headers_to_add.emplace_back("X-Amz-Date", options.amz_date);
    if (options.sign_body) out.headers_to_add.emplace_back("x-amz-content-sha256", payload_hash);
    const bool token = !credentials.session_token.empty();
    if (token && !options.omit_session_token)
        out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);

    // Canonical headers: name -> values in the order sent.
    std::map<std::string, std::vector<std::string>> headers;
    for (const auto& [name, value] : request.headers)
        headers[lower(name)].push_back(canonical_header_value(value));
    for (const auto& [name, value] : out.headers_to_add) headers[lower(name)] = {value};
    std::string canonical_headers;
    for (const auto& [name, values] : headers) {
        canonical_headers += name + ":";
        for (std::size_t i = 0; i < values.size(); ++i)
            canonical_headers += (i ? "," : "") + values[i];
        canonical_headers += "\n";
        out.signed_headers += (out.signed_headers.empty() ? "" : ";") + name;
    }

    out.canonical_request = request.method + "\n" +
                            canonical_path(request.path, options.normalize_path) + "\n" +
                            canonical_query(request.query) + "\n" + canonical_headers + "\n" +
                            out.signed_headers + "\n" + payload_hash;
    const std::string date = options.amz_date.substr(0, 8);
    const std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
    out.string_to_sign = "AWS4-HMAC-SHA256\n" + options.amz_date + "\n" + scope + "\n" +
                         sha256_hex(out.canonical_request);

    std::string key = hmac_raw("AWS4" + credentials.secret_access_key, date);
    key = hmac_raw(key, options.region);
    key = hmac_raw(key, options.service);
    key = hmac_raw(key, "aws4_request");
    out.signature = hmac_sha256_hex(key, out.string_to_sign);
    out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                        ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
    if (token && options.omit_session_token)
        out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
    out.headers_to_add.emplace_back("Authorization", out.authorization);
    return out;
}

bool parse_authorization(std::string_view header, SigV4Authorization& out, std::string& error) {
    const std::string_view algorithm = "AWS4-HMAC-SHA256 ";
    if (header.substr(0, algorithm.size()) != algorithm) {
        error = "the algorithm is not AWS4-HMAC-SHA256";
        return false;
    }
    std::map<std::string, std::string> parts;
    std::string_view rest = header.substr(algorithm.size());
    while (!rest.empty()) {
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
        auto comma = rest.find(',');
        auto part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma);
        auto eq = part.find('=');
        if (part.empty()) continue;
        if (eq == std::string_view::npos) {
            error = "malformed component '" + std::string(part) + "'";
            return false;
        }
        parts[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    }
    for (const char* required : {"Credential", "SignedHeaders", "Signature"}) {
        if (!parts.count(required)) {
            error = std::string("missing ") + required;
            return false;
        }
    }
    // Credential=AKID/20150830/us-east-1/sns/aws4_request
    std::vector<std::string> scope;
    std::string_view credential = parts["Credential"];
    for (std::size_t slash; (slash = credential.find('/')) != std::string_view::npos;) {
        scope.emplace_back(credential.substr(0, slash));
        credential.remove_prefix(slash + 1);
    }
    scope.emplace_back(credential);
    if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[2].empty() ||
        scope[3].empty() || scope[4] != "aws4_request") {
        error = "malformed Credential '" + parts["Credential"] + "'";
        return false;
    }
    out.access_key_id = scope[0];
    out.date = scope[1];
    out.region = scope[2];
    out.service = scope[3];
    out.signed_headers.clear();
    std::string_view names = parts["SignedHeaders"];
    while (!names.empty()) {
        auto semi = names.find(';');
        out.signed_headers.emplace_back(names.substr(0, semi));
        names = semi == std::string_view::npos ? std::string_view{} : names.substr(semi + 1);
    }
    out.signature = parts["Signature"];
    bool hex = out.signature.size() == 64 &&
               std::all_of(out.signature.begin(), out.signature.end(),
                           [](char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); });
    if (!hex) {
        error = "Signature is not 64 lower-case hex digits";
        return false;
    }
    if (!std::is_sorted(out.signed_headers.begin(), out.signed_headers.end()) ||
        out.signed_headers.empty()) {
        error = "SignedHeaders must be sorted lower-case names";
        return false;
    }
    return true;
}

}  // namespace strata::aws
