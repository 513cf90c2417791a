#pragma once
// Cryptography through libsodium: argon2id password hashes, random tokens and their hashes,
// and secretbox encryption for secrets at rest.
#include <optional>
#include <string>
#include <string_view>

namespace orderly::crypto {

// REQUIRES: called once before any other function (sodium_init).
void init();

// argon2id (libsodium's crypto_pwhash_str), moderate cost: t=2, m=19 MiB.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);
// Spends about the same time as verify_password, for unknown users (no user enumeration by timing).
void dummy_verify(std::string_view password);

// A random token: prefix + 43 URL-safe base64 characters (256 bits).
std::string random_token(std::string_view prefix);
// SHA-256 of a token, hex; tokens are stored only as this hash.
std::string token_hash(std::string_view token);
std::string random_hex(size_t bytes);

// Secretbox with a 32-byte key.
std::string encrypt(const std::string& key, std::string_view plaintext);
std::optional<std::string> decrypt(const std::string& key, std::string_view ciphertext);
// Reads the key file, or creates it (mode 0600) with a fresh random key.
std::string load_or_create_key(const std::string& path);

// HMAC-SHA256, hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// HMAC-SHA256, standard base64 (with padding).
std::string hmac_sha256_base64(std::string_view key, std::string_view message);

}  // namespace orderly::crypto
