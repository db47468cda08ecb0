#pragma once
// The few cryptographic primitives SCRAM and the key store need, on OpenSSL's libcrypto: hashes
// and HMACs of SHA-256 and SHA-512, PBKDF2, base64 and random bytes. Byte strings are
// std::string (binary-safe).

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace kafka_do::broker::security {

enum class Hash { sha256, sha512 };

std::string digest(Hash hash, std::string_view data);
std::string hmac(Hash hash, std::string_view key, std::string_view data);
// PBKDF2 with HMAC-`hash`, output as long as the hash (SCRAM's Hi()).
std::string pbkdf2(Hash hash, std::string_view password, std::string_view salt, int iterations);

std::string base64_encode(std::string_view bytes);
// invalid_argument unless `text` is padded standard base64.
Result<std::string> base64_decode(std::string_view text);

// Cryptographically random bytes (OpenSSL's RAND_bytes).
std::string random_bytes(size_t count);

// Equality in time independent of where the contents differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace kafka_do::broker::security
