#include "integrations/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderly::crypto {

namespace {
constexpr unsigned long long kOps = 2;
constexpr size_t kMem = 19u * 1024u * 1024u;

}  // namespace

void init() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string hash_password(std::string_view password) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOps, kMem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("out of memory while hashing a password");
    return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void dummy_verify(std::string_view password) {
    static const std::string dummy = hash_password("orderly-dummy-password");
    (void)verify_password(dummy, password);
}

std::string random_token(std::string_view prefix) {
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof out, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return std::string(prefix) + out;
}

std::string token_hash(std::string_view token) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(token.data()), token.size());
    std::string out(sizeof h * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), h, sizeof h);
    out.pop_back();
    return out;
}

std::string random_hex(size_t bytes) {
    std::string b(bytes, '\0');
    randombytes_buf(b.data(), bytes);
    std::string out(bytes * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(b.data()), bytes);
    out.pop_back();
    return out;
}

std::string encrypt(const std::string& key, std::string_view plaintext) {
    if (key.size() != crypto_secretbox_KEYBYTES) throw std::logic_error("bad secret key size");
    std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(),
                    '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          plaintext.size(), nonce,
                          reinterpret_cast<const unsigned char*>(key.data()));
    return out;
}

std::optional<std::string> decrypt(const std::string& key, std::string_view c) {
    if (key.size() != crypto_secretbox_KEYBYTES) return std::nullopt;
    if (c.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
    std::string out(c.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    auto* nonce = reinterpret_cast<const unsigned char*>(c.data());
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                   nonce + crypto_secretbox_NONCEBYTES,
                                   c.size() - crypto_secretbox_NONCEBYTES, nonce,
                                   reinterpret_cast<const unsigned char*>(key.data())) != 0)
        return std::nullopt;
    return out;
}

std::string load_or_create_key(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
        std::stringstream ss;
        ss << in.rdbuf();
        std::string hex = ss.str();
        while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.pop_back();
        std::string key(crypto_secretbox_KEYBYTES, '\0');
        size_t len = 0;
        if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(),
                           hex.size(), nullptr, &len, nullptr) != 0 ||
            len != crypto_secretbox_KEYBYTES)
            throw std::runtime_error("the secret key file " + path +
                                     " does not hold a 64-digit hex key");
        return key;
    }
    std::string key(crypto_secretbox_KEYBYTES, '\0');
    crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(key.data()));
    std::string hex(key.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(key.data()),
                   key.size());
    hex.pop_back();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw std::runtime_error("cannot create the secret key file " + path);
    std::string line = hex + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::fsync(fd);
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write the secret key file " + path);
    return key;
}

namespace {
void hmac_sha256(std::string_view key, std::string_view message,
                 unsigned char (&mac)[crypto_auth_hmacsha256_BYTES]) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size());
    crypto_auth_hmacsha256_final(&st, mac);
}
}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac_sha256(key, message, mac);
    std::string out(sizeof mac * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), mac, sizeof mac);
    out.pop_back();
    return out;
}

std::string hmac_sha256_base64(std::string_view key, std::string_view message) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac_sha256(key, message, mac);
    std::string out(sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return out;
}

}  // namespace orderly::crypto
