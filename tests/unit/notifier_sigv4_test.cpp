// AWS Signature Version 4 against AWS's published test suite: every header-signing case of
// the suite as AWS keeps it in awslabs/aws-c-auth (tests/aws-signing-test-suite/v4, commit
// 495329c2433034bd8fd53fc6ba9e0202d3fac876), kept as data beside this file: the raw request, the
// signing context, and the expected canonical request, string to sign, signature and
// Authorization header. All cases use key AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
// region us-east-1, service "service", time 20150830T123600Z. Then the parts the SNS test double
// uses to check a signature it receives.
//
// The data is tests/unit/notifier_sigv4_vectors.json, copied from the suite's files
// (request.txt, context.json, header-canonical-request.txt, header-string-to-sign.txt,
// header-signature.txt and the Authorization line of header-signed-request.txt).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "strata/aws_sigv4.hpp"

namespace strata::aws {
namespace {

struct Vector {
    std::string name;
    std::string request;  // as in request.txt: request line, headers (folded lines kept), body
    std::string session_token;
    bool normalize = true;
    bool sign_body = false;
    bool omit_session_token = false;
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;
    std::string authorization;
};

// The suite, from tests/unit/notifier_sigv4_vectors.json.
std::vector<Vector> load_suite() {
    std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/tests/unit/notifier_sigv4_vectors.json");
    auto data = nlohmann::json::parse(in, nullptr, false);
    std::vector<Vector> out;
    if (!data.is_object()) return out;
    for (const auto& c : data["cases"])
        out.push_back({c["name"], c["request"], c["session_token"], c["normalize"], c["sign_body"],
                       c["omit_session_token"], c["canonical_request"], c["string_to_sign"],
                       c["signature"], c["authorization"]});
    return out;
}

const std::vector<Vector>& suite() {
    static const std::vector<Vector> vectors = load_suite();
    return vectors;
}

// Parses request.txt: "METHOD TARGET HTTP/1.1", headers, a blank line, the body. A header line
// starting with white space continues the previous header (obs-fold).
SigV4Request parse_request(const std::string& text) {
    SigV4Request r;
    auto line_end = text.find('\n');
    std::string request_line = text.substr(0, line_end);
    auto first_space = request_line.find(' ');
    auto version = request_line.rfind(" HTTP/");
    r.method = request_line.substr(0, first_space);
    std::string target = request_line.substr(first_space + 1, version - first_space - 1);
    auto question = target.find('?');
    r.path = target.substr(0, question);
    if (question != std::string::npos) r.query = target.substr(question + 1);
    std::size_t pos = line_end + 1;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) {
            r.body = pos < text.size() ? text.substr(pos) : "";
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
            r.headers.back().second += "\n" + line;
            continue;
        }
        auto colon = line.find(':');
        r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    return r;
}

const Credentials kCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

class AwsSigV4Suite : public ::testing::TestWithParam<Vector> {};

TEST_P(AwsSigV4Suite, MatchesAwsPublishedCanonicalRequestStringToSignAndSignature) {
    const auto& v = GetParam();
    auto request = parse_request(v.request);
    Credentials credentials = kCredentials;
    credentials.session_token = v.session_token;
    SigV4Options options{"us-east-1", "service", "20150830T123600Z"};
    options.normalize_path = v.normalize;
    options.sign_body = v.sign_body;
    options.omit_session_token = v.omit_session_token;
    auto signed_request = sign_v4(request, credentials, options);
    EXPECT_EQ(signed_request.canonical_request, v.canonical_request);
    EXPECT_EQ(signed_request.string_to_sign, v.string_to_sign);
    EXPECT_EQ(signed_request.signature, v.signature);
    EXPECT_EQ(signed_request.authorization, v.authorization);
}

TEST(AwsSigV4, TheWholeSuiteIsThere) { EXPECT_EQ(suite().size(), 38u); }

INSTANTIATE_TEST_SUITE_P(HeaderSigning, AwsSigV4Suite, ::testing::ValuesIn(suite()),
                         [](const ::testing::TestParamInfo<Vector>& info) {
                             std::string name = info.param.name;
                             for (auto& c : name)
                                 if (c == '-') c = '_';
                             return name;
                         });

TEST(AwsSigV4, TheHeadersToAddCarryTheDateTheTokenAndTheAuthorization) {
    Credentials credentials = kCredentials;
    credentials.session_token = "token";
    SigV4Request request{
        "POST", "/", "", {{"Host", "sns.us-east-1.amazonaws.com"}}, "Action=Publish"};
    auto s = sign_v4(request, credentials, {"us-east-1", "sns", "20150830T123600Z"});
    ASSERT_EQ(s.headers_to_add.size(), 3u);
    EXPECT_EQ(s.headers_to_add[0],
              (std::pair<std::string, std::string>{"X-Amz-Date", "20150830T123600Z"}));
    EXPECT_EQ(s.headers_to_add[1],
              (std::pair<std::string, std::string>{"X-Amz-Security-Token", "token"}));
    EXPECT_EQ(s.headers_to_add[2].first, "Authorization");
    EXPECT_EQ(s.signed_headers, "host;x-amz-date;x-amz-security-token");
}

TEST(AwsSigV4, AmzDateIsUtcBasicFormat) {
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
    EXPECT_EQ(amz_date(t), "20150830T123600Z");
}

TEST(AwsSigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(uri_encode("a b+c/d~e_f.g-h*"), "a%20b%2Bc%2Fd~e_f.g-h%2A");
    EXPECT_EQ(uri_encode("/a b/c", true), "/a%20b/c");
    EXPECT_EQ(uri_encode("ሴ"), "%E1%88%B4");
    EXPECT_EQ(uri_decode("a%20b+c"), "a b+c");
    EXPECT_EQ(uri_decode("a%20b+c", true), "a b c");
    EXPECT_EQ(uri_decode("100%"), "100%");
}

TEST(AwsSigV4, AnAuthorizationHeaderIsTakenApart) {
    SigV4Authorization a;
    std::string why;
    ASSERT_TRUE(parse_authorization(suite().at(0).authorization, a, why)) << why;
    EXPECT_EQ(a.access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(a.date, "20150830");
    EXPECT_EQ(a.region, "us-east-1");
    EXPECT_EQ(a.service, "service");
    EXPECT_EQ(a.signed_headers, (std::vector<std::string>{"host", "my-header1", "x-amz-date"}));
    EXPECT_EQ(a.signature, suite().at(0).signature);
}

TEST(AwsSigV4, MalformedAuthorizationHeadersAreRefusedWithTheReason) {
    SigV4Authorization a;
    std::string why;
    EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA1 Credential=x", a, why));
    EXPECT_FALSE(parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sns, SignedHeaders=host, Signature=00",
        a, why));
    EXPECT_NE(why.find("Credential"), std::string::npos) << why;
    EXPECT_FALSE(parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sns/aws4_request, SignedHeaders=host",
        a, why));
    EXPECT_NE(why.find("Signature"), std::string::npos) << why;
    EXPECT_FALSE(
        parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sns/aws4_request, "
                            "SignedHeaders=x-amz-date;host, Signature=" +
                                std::string(64, 'a'),
                            a, why));
    EXPECT_NE(why.find("sorted"), std::string::npos) << why;
}

}  // namespace
}  // namespace strata::aws
