// The GitHub App's credentials: base64url (RFC 4648 test vectors), RS256 JWTs signed and
// verified with OpenSSL, the App JWT's claims, installation tokens cached until shortly before
// they expire, and GitHub's timestamps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "strata/github_auth.hpp"
#include "strata/jwt.hpp"

namespace strata::github {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

const std::string& test_key() {
    static const std::string key = *jwt::generate_rsa_private_key_pem(2048);
    return key;
}

TEST(Base64Url, EncodesTheRfc4648VectorsWithoutPadding) {
    EXPECT_EQ(jwt::base64url_encode(""), "");
    EXPECT_EQ(jwt::base64url_encode("f"), "Zg");
    EXPECT_EQ(jwt::base64url_encode("fo"), "Zm8");
    EXPECT_EQ(jwt::base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(jwt::base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(jwt::base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(jwt::base64url_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(jwt::base64url_encode("\xfb\xff"), "-_8");  // the URL-safe alphabet
}

TEST(Base64Url, DecodesWhatItEncodesAndRefusesOtherText) {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\x00\x01"})
        EXPECT_EQ(*jwt::base64url_decode(jwt::base64url_encode(s)), s);
    EXPECT_FALSE(jwt::base64url_decode("Zm9v+"));
    EXPECT_FALSE(jwt::base64url_decode("Z"));
}

TEST(Jwt, AnRs256TokenVerifiesWithThePublicKeyAndCarriesTheClaims) {
    auto token = jwt::sign_rs256(R"({"iss":42})", test_key());
    ASSERT_TRUE(token) << token.error().message;
    auto header = jwt::base64url_decode(token->substr(0, token->find('.')));
    EXPECT_EQ(*header, R"({"alg":"RS256","typ":"JWT"})");
    auto public_key = jwt::public_key_pem(test_key());
    ASSERT_TRUE(public_key);
    EXPECT_NE(public_key->find("BEGIN PUBLIC KEY"), std::string::npos);
    auto claims = jwt::verify_rs256(*token, *public_key);
    ASSERT_TRUE(claims) << claims.error().message;
    EXPECT_EQ(*claims, R"({"iss":42})");
    // PKCS#1 v1.5 signatures are deterministic.
    EXPECT_EQ(*token, *jwt::sign_rs256(R"({"iss":42})", test_key()));
}

TEST(Jwt, ATamperedTokenOrAnotherKeyFailsVerification) {
    auto token = *jwt::sign_rs256(R"({"iss":42})", test_key());
    auto first = token.find('.'), second = token.rfind('.');
    std::string forged =
        token.substr(0, first + 1) + jwt::base64url_encode(R"({"iss":43})") + token.substr(second);
    EXPECT_FALSE(jwt::verify_rs256(forged, test_key()));
    auto other = *jwt::generate_rsa_private_key_pem(2048);
    EXPECT_FALSE(jwt::verify_rs256(token, other));
    EXPECT_FALSE(jwt::verify_rs256("not.a-token", test_key()));
}

TEST(Jwt, ABadKeyIsAnErrorSayingWhatWasBeingDone) {
    auto token = jwt::sign_rs256("{}", "-----BEGIN RSA PRIVATE KEY-----\nnonsense\n");
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().message.rfind("signing a JWT: reading the private key", 0), 0u)
        << token.error().message;
}

TEST(GitHubAppJwt, IsIssuedAMinuteInThePastAndExpiresWithinTenMinutes) {
    auto now = system_clock::time_point(std::chrono::seconds(1'700'000'000));
    auto claims = nlohmann::json::parse(app_jwt_claims("123456", now));
    EXPECT_EQ(claims["iat"], 1'700'000'000 - 60);
    EXPECT_EQ(claims["exp"], 1'700'000'000 + 540);
    EXPECT_EQ(claims["iss"], 123456);  // a number, as GitHub shows the App id
    EXPECT_EQ(nlohmann::json::parse(app_jwt_claims("Iv1.abc", now))["iss"], "Iv1.abc");
}

TEST(InstallationTokens, AreUsedUntilTheMarginBeforeTheyExpire) {
    InstallationTokens tokens;
    auto now = system_clock::time_point(std::chrono::seconds(1'700'000'000));
    tokens.store(7, "ghs_a", now + 60min);
    EXPECT_EQ(tokens.valid(7, now, 5min), "ghs_a");
    EXPECT_EQ(tokens.valid(7, now + 54min, 5min), "ghs_a");
    EXPECT_EQ(tokens.valid(7, now + 55min, 5min), std::nullopt) << "used within the margin";
    EXPECT_EQ(tokens.valid(8, now, 5min), std::nullopt) << "another installation's token";
}

TEST(InstallationTokens, ARefusedTokenIsForgottenButNotANewerOne) {
    InstallationTokens tokens;
    auto now = system_clock::now();
    tokens.store(7, "ghs_old", now + 60min);
    tokens.forget(7, "ghs_old");
    EXPECT_EQ(tokens.valid(7, now, 5min), std::nullopt);
    tokens.store(7, "ghs_new", now + 60min);
    tokens.forget(7, "ghs_old");  // a late 401 of a request made with the old token
    EXPECT_EQ(tokens.valid(7, now, 5min), "ghs_new");
}

TEST(Rfc3339, ReadsGitHubsTimestampsWithFractionsAndOffsets) {
    auto t = parse_rfc3339("2016-07-11T22:14:10Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(system_clock::to_time_t(*t), 1468275250);
    EXPECT_EQ(parse_rfc3339("2016-07-11T22:14:10.123Z"), t);
    EXPECT_EQ(parse_rfc3339("2016-07-12T00:14:10+02:00"), t);
    EXPECT_FALSE(parse_rfc3339("yesterday"));
    EXPECT_FALSE(parse_rfc3339("2016-07-11T22:14:10"));
}

}  // namespace
}  // namespace strata::github
