// HMAC-SHA256 against GitHub's documented webhook vector, SHA-256 and constant-time comparison.
#include <gtest/gtest.h>

#include <string>

#include "strata/crypto.hpp"

namespace strata {
namespace {

// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
TEST(Crypto, HmacMatchesGithubsDocumentedExample) {
    EXPECT_EQ(hmac_sha256_hex("It's a Secret to Everybody", "Hello, World!"),
              "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(Crypto, HmacOfAnEmptyBodyIsStillSixtyFourHexDigits) {
    auto mac = hmac_sha256_hex("key", "");
    EXPECT_EQ(mac.size(), 64u);
    EXPECT_EQ(mac.find_first_not_of("0123456789abcdef"), std::string::npos) << mac;
    EXPECT_NE(mac, hmac_sha256_hex("other key", ""));
}

TEST(Crypto, HmacHandlesBinaryBodiesWithNulBytes) {
    std::string a("a\0b", 3), b("a\0c", 3);
    EXPECT_NE(hmac_sha256_hex("k", a), hmac_sha256_hex("k", b));
}

TEST(Crypto, Sha256MatchesKnownDigests) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, ConstantTimeEqualsComparesWholeStrings) {
    EXPECT_TRUE(constant_time_equals("", ""));
    EXPECT_TRUE(constant_time_equals("abcdef", "abcdef"));
    EXPECT_FALSE(constant_time_equals("abcdef", "abcdeg"));
    EXPECT_FALSE(constant_time_equals("xbcdef", "abcdef"));
    EXPECT_FALSE(constant_time_equals("abc", "abcdef"));
    EXPECT_FALSE(constant_time_equals("abcdef", "abc"));
    EXPECT_FALSE(constant_time_equals("", "a"));
    EXPECT_TRUE(constant_time_equals(std::string("a\0b", 3), std::string("a\0b", 3)));
    EXPECT_FALSE(constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace strata
