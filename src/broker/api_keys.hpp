#pragma once
// The API keys a broker started with `--api-keys FILE` accepts, checked by SASL/PLAIN.
//
// File format: one key per line, `username:secret` (the secret may itself contain ':'); blank
// lines and lines starting with '#' are ignored. A client authenticates with the username as the
// SASL/PLAIN authentication id and the secret as the password (the SDK's api_key option is the
// whole `username:secret`).

#include <map>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace kafka_do::broker {

class ApiKeyStore {
 public:
  // Fails with a message naming the file and line for a malformed file, or an empty one (a key
  // file that accepts nobody is a mistake, not a lock-down).
  static Result<ApiKeyStore> parse(std::string_view text, const std::string& source);
  static Result<ApiKeyStore> load(const std::string& path);

  // Whether `username` exists and `secret` is its secret (compared in constant time).
  bool verify(std::string_view username, std::string_view secret) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> keys_;
};

// A SASL/PLAIN token (RFC 4616): [authzid] NUL authcid NUL passwd.
struct PlainCredentials {
  std::string authorization_id;
  std::string username;
  std::string password;
};
Result<PlainCredentials> parse_plain_token(std::string_view token);

}  // namespace kafka_do::broker
