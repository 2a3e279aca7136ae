// JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256) on OpenSSL: the notifier
// signs the GitHub App JWT with the App's private key; the GitHub test double verifies it with
// the public key. Claims are passed as JSON text so this header needs no JSON library.
#pragma once

#include <string>
#include <string_view>

#include "strata/result.hpp"

namespace strata::jwt {

// base64url without padding (RFC 7515, section 2).
std::string base64url_encode(std::string_view data);
Result<std::string> base64url_decode(std::string_view text);

// "<header>.<payload>.<signature>" with header {"alg":"RS256","typ":"JWT"}. The key is a PEM
// private key, PKCS#1 ("BEGIN RSA PRIVATE KEY", as GitHub hands them out) or PKCS#8.
Result<std::string> sign_rs256(std::string_view claims_json, std::string_view private_key_pem);

// Checks the header names RS256 and the signature matches the PEM public key (or a private
// key, whose public half is used); returns the claims JSON. Does not look at any claim.
Result<std::string> verify_rs256(std::string_view token, std::string_view key_pem);

// For tests and tools: a fresh RSA key as PKCS#1 PEM, and the public half of a private key as
// SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
Result<std::string> generate_rsa_private_key_pem(int bits = 2048);
Result<std::string> public_key_pem(std::string_view private_key_pem);

}  // namespace strata::jwt
