#include "strata/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

namespace strata::jwt {
namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EncoderFree {
    void operator()(OSSL_ENCODER_CTX* c) const { OSSL_ENCODER_CTX_free(c); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

Bio memory_bio(std::string_view text) {
    return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

Result<Key> read_private_key(std::string_view pem) {
    auto bio = memory_bio(pem);
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return make_error("reading the private key: " + openssl_error());
    return key;
}

// A public key PEM, or the public half of a private key PEM.
Result<Key> read_public_key(std::string_view pem) {
    auto bio = memory_bio(pem);
    Key key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (key) return key;
    ERR_clear_error();
    return read_private_key(pem);
}

const std::string kHeader = R"({"alg":"RS256","typ":"JWT"})";

}  // namespace

std::string base64url_encode(std::string_view data) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(data[k]); };
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (data.size() - i == 1) {
        unsigned v = byte(i) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (data.size() - i == 2) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}

Result<std::string> base64url_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '-') return 62;
        if (c == '_') return 63;
        return -1;
    };
    if (text.size() % 4 == 1) return make_error("decoding base64url: impossible length");
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0) return make_error("decoding base64url: unexpected character");
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

Result<std::string> sign_rs256(std::string_view claims_json, std::string_view private_key_pem) {
    auto key = read_private_key(private_key_pem);
    if (!key) return key.error().context("signing a JWT");
    if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA)
        return make_error("signing a JWT: the key is not an RSA key");
    std::string input = base64url_encode(kHeader) + "." + base64url_encode(claims_json);
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        return make_error("signing a JWT: " + openssl_error());
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        return make_error("signing a JWT: " + openssl_error());
    signature.resize(length);
    return input + "." + base64url_encode(signature);
}

Result<std::string> verify_rs256(std::string_view token, std::string_view key_pem) {
    auto first = token.find('.');
    auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        return make_error("verifying a JWT: not three dot-separated parts");
    auto header = base64url_decode(token.substr(0, first));
    auto claims = base64url_decode(token.substr(first + 1, second - first - 1));
    auto signature = base64url_decode(token.substr(second + 1));
    if (!header || !claims || !signature)
        return make_error("verifying a JWT: a part is not base64url");
    if (header->find("\"RS256\"") == std::string::npos)
        return make_error("verifying a JWT: the algorithm is not RS256");
    auto key = read_public_key(key_pem);
    if (!key) return key.error().context("verifying a JWT");
    std::string_view input = token.substr(0, second);
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1)
        return make_error("verifying a JWT: " + openssl_error());
    int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                              signature->size(),
                              reinterpret_cast<const unsigned char*>(input.data()), input.size());
    ERR_clear_error();
    if (ok != 1) return make_error("verifying a JWT: the signature does not match");
    return std::move(*claims);
}

Result<std::string> generate_rsa_private_key_pem(int bits) {
    Key key(EVP_RSA_gen(static_cast<unsigned>(bits)));
    if (!key) return make_error("generating an RSA key: " + openssl_error());
    Bio bio(BIO_new(BIO_s_mem()));
    std::unique_ptr<OSSL_ENCODER_CTX, EncoderFree> encoder(OSSL_ENCODER_CTX_new_for_pkey(
        key.get(), OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM", "type-specific", nullptr));
    if (!encoder || OSSL_ENCODER_to_bio(encoder.get(), bio.get()) != 1)
        return make_error("writing an RSA key: " + openssl_error());
    return bio_text(bio.get());
}

Result<std::string> public_key_pem(std::string_view private_key_pem) {
    auto key = read_private_key(private_key_pem);
    if (!key) return key.error();
    Bio bio(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PUBKEY(bio.get(), key->get()) != 1)
        return make_error("writing a public key: " + openssl_error());
    return bio_text(bio.get());
}

}  // namespace strata::jwt
