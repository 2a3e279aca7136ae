// AWS Signature Version 4 for requests signed in headers (the notifier's SNS Publish; the SNS
// test double checks signatures with the same code). A plain function of its input: the caller
// supplies the time, so signing is reproducible (tests use AWS's published test suite).
//
// Canonical form (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
// the path is normalised (dot segments and repeated slashes removed, unless normalize_path is
// false) and URI-encoded once per segment; query parameters are decoded, re-encoded strictly
// and sorted; header names are lower-cased and sorted, values trimmed with inner runs of spaces
// (and folded lines) collapsed, repeats joined with ','.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::aws {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // "" for long-term keys

    bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

struct SigV4Request {
    std::string method;  // "POST"
    std::string path;    // decoded ("/", "/example space/"); encoded while signing
    std::string query;   // as sent, without '?': "b=2&a=1" (raw or percent-encoded)
    // Every header to sign, "Host" included, in the order sent (names in any case).
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct SigV4Options {
    std::string region;    // "us-east-1"
    std::string service;   // "sns"
    std::string amz_date;  // "20150830T123600Z" (see amz_date())
    bool normalize_path = true;
    bool sign_body = false;           // also send (and sign) x-amz-content-sha256
    bool omit_session_token = false;  // send X-Amz-Security-Token unsigned (some services)
};

struct SigV4Signature {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signed_headers;  // "content-type;host;x-amz-date"
    std::string signature;       // lower-case hex
    std::string authorization;   // the Authorization header's value
    // Headers the request must carry besides those given: X-Amz-Date, X-Amz-Security-Token
    // (with a session token), x-amz-content-sha256 (sign_body), Authorization.
    std::vector<std::pair<std::string, std::string>> headers_to_add;
};

SigV4Signature sign_v4(const SigV4Request& request, const Credentials& credentials,
                       const SigV4Options& options);

// "20150830T123600Z" for a point in time (UTC).
std::string amz_date(std::chrono::system_clock::time_point when);

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~).
// With keep_slash, '/' is left as it is (paths).
std::string uri_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX escapes and '+' (as a space, in form bodies when plus_is_space).
std::string uri_decode(std::string_view text, bool plus_is_space = false);

// The parts of an Authorization header, for whoever checks one (the SNS test double).
struct SigV4Authorization {
    std::string access_key_id;
    std::string date;     // "20150830"
    std::string region;   // "us-east-1"
    std::string service;  // "sns"
    std::vector<std::string> signed_headers;
    std::string signature;
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sns/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<64 hex>"; the error says what is malformed.
bool parse_authorization(std::string_view header, SigV4Authorization& out, std::string& error);

}  // namespace strata::aws
