#pragma once
// The API keys a broker started with `--api-keys FILE` accepts. No secret is stored: each key
// keeps salted SCRAM credentials (RFC 5802) for SHA-256 and SHA-512, which check SCRAM
// exchanges and, for SASL/PLAIN and the console's Basic auth, a presented secret.
//
// File format (written by `kafkado keys`), one key per line; blank lines and lines starting
// with '#' are ignored:
//
//   NAME ROLE SCRAM-SHA-256=ITERATIONS:SALT:STORED_KEY:SERVER_KEY SCRAM-SHA-512=...
//        [produce_quota=BYTES_PER_SECOND] [fetch_quota=BYTES_PER_SECOND]
//
// NAME is [A-Za-z0-9._@-]+; ROLE is `superuser` or `user`; SALT, STORED_KEY and SERVER_KEY are
// base64. A line whose first word holds a ':' is the older `username:secret` form (the whole
// line; the secret may contain ':' and spaces): it keeps working, as a superuser, and counts as
// legacy so that the broker can warn about the plaintext secret on disk.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "broker/security/crypto.hpp"

namespace kafka_do::broker::security {

// What RFC 5802 lets a server keep instead of the password.
struct ScramCredential {
  int iterations = 0;
  std::string salt;
  std::string stored_key;  // H(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// Kafka's default and minimum for both SCRAM mechanisms.
constexpr int kDefaultScramIterations = 4096;

ScramCredential make_scram_credential(Hash hash, std::string_view secret,
                                      int iterations = kDefaultScramIterations,
                                      std::string salt = random_bytes(24));

// Whether `secret` is the one `credential` was made from (constant time in the comparison).
bool scram_secret_matches(Hash hash, const ScramCredential& credential, std::string_view secret);

struct ApiKey {
  std::string name;
  bool superuser = false;
  ScramCredential sha256;
  ScramCredential sha512;
  bool legacy = false;  // read from a `username:secret` line
  // Byte-rate quotas (bytes per second) of this key; unset: the broker's default.
  std::optional<int64_t> produce_quota;
  std::optional<int64_t> fetch_quota;

  const ScramCredential& credential(Hash hash) const {
    return hash == Hash::sha256 ? sha256 : sha512;
  }
};

// Salted credentials for both mechanisms.
ApiKey make_api_key(std::string name, std::string_view secret, bool superuser);

// invalid_argument naming what is wrong with `name` as a key name.
Status check_key_name(std::string_view name);

class KeyStore {
 public:
  // Fails with a message naming `source` and the line for a malformed file, and for one without
  // keys unless `allow_empty` (a key file that accepts nobody is a mistake at start-up; when a
  // running broker rereads it, the last key having been removed, it is a lock-down).
  static Result<KeyStore> parse(std::string_view text, const std::string& source,
                                bool allow_empty = false);
  static Result<KeyStore> load(const std::string& path, bool allow_empty = false);

  // The file text, every key in the salted form (legacy lines are converted).
  std::string serialize() const;

  const ApiKey* find(std::string_view name) const;
  // Whether `name` exists and `secret` is its secret.
  bool verify_secret(std::string_view name, std::string_view secret) const;

  // already_exists for a name that is taken.
  Status add(ApiKey key);
  bool remove(std::string_view name);

  const std::map<std::string, ApiKey, std::less<>>& keys() const { return keys_; }
  size_t size() const { return keys_.size(); }
  size_t legacy_count() const;

 private:
  std::map<std::string, ApiKey, std::less<>> keys_;
};

// A SASL/PLAIN token (RFC 4616): [authzid] NUL authcid NUL passwd.
struct PlainCredentials {
  std::string authorization_id;
  std::string username;
  std::string password;
};
Result<PlainCredentials> parse_plain_token(std::string_view token);

}  // namespace kafka_do::broker::security
