#include "broker/security/key_store.hpp"

#include <fstream>
#include <sstream>

namespace kafka_do::broker::security {
namespace {

constexpr std::string_view kMechanism256 = "SCRAM-SHA-256=";
constexpr std::string_view kMechanism512 = "SCRAM-SHA-512=";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      if (separator != ' ' || i > start) parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::string format_credential(const ScramCredential& c) {
  return std::to_string(c.iterations) + ":" + base64_encode(c.salt) + ":" +
         base64_encode(c.stored_key) + ":" + base64_encode(c.server_key);
}

Result<ScramCredential> parse_credential(std::string_view text, size_t key_bytes) {
  const auto parts = split(text, ':');
  if (parts.size() != 4) {
    return Error(Errc::invalid_argument, "expected ITERATIONS:SALT:STORED_KEY:SERVER_KEY");
  }
  ScramCredential c;
  for (char digit : parts[0]) {
    if (digit < '0' || digit > '9' || c.iterations > 100'000'000) {
      return Error(Errc::invalid_argument, "iterations must be a number");
    }
    c.iterations = c.iterations * 10 + (digit - '0');
  }
  if (c.iterations < kDefaultScramIterations) {
    return Error(Errc::invalid_argument,
                 "iterations below " + std::to_string(kDefaultScramIterations));
  }
  auto salt = base64_decode(parts[1]);
  auto stored = base64_decode(parts[2]);
  auto server = base64_decode(parts[3]);
  if (!salt || !stored || !server || salt->empty() || stored->size() != key_bytes ||
      server->size() != key_bytes) {
    return Error(Errc::invalid_argument, "salt and keys must be base64 of the hash's size");
  }
  c.salt = std::move(*salt);
  c.stored_key = std::move(*stored);
  c.server_key = std::move(*server);
  return c;
}

Result<ApiKey> parse_salted_line(std::string_view line) {
  const auto words = split(line, ' ');
  if (words.size() < 4 || words.size() > 6) {
    return Error(Errc::invalid_argument,
                 "expected 'NAME ROLE SCRAM-SHA-256=... SCRAM-SHA-512=...' or 'username:secret'");
  }
  ApiKey key;
  KD_TRY(check_key_name(words[0]));
  key.name = std::string(words[0]);
  if (words[1] == "superuser") {
    key.superuser = true;
  } else if (words[1] != "user") {
    return Error(Errc::invalid_argument, "role must be 'superuser' or 'user'");
  }
  if (words[2].substr(0, kMechanism256.size()) != kMechanism256 ||
      words[3].substr(0, kMechanism512.size()) != kMechanism512) {
    return Error(Errc::invalid_argument, "expected SCRAM-SHA-256=... then SCRAM-SHA-512=...");
  }
  KD_ASSIGN(key.sha256, parse_credential(words[2].substr(kMechanism256.size()), 32));
  KD_ASSIGN(key.sha512, parse_credential(words[3].substr(kMechanism512.size()), 64));
  for (size_t i = 4; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    const std::string_view name = words[i].substr(0, eq);
    int64_t value = 0;
    const std::string_view digits =
        eq == std::string_view::npos ? std::string_view() : words[i].substr(eq + 1);
    for (char d : digits) {
      if (d < '0' || d > '9' || value > (int64_t(1) << 50)) {
        value = -1;
        break;
      }
      value = value * 10 + (d - '0');
    }
    if (digits.empty() || value <= 0 || (name != "produce_quota" && name != "fetch_quota")) {
      return Error(
          Errc::invalid_argument,
          "expected produce_quota=BYTES_PER_SECOND or fetch_quota=BYTES_PER_SECOND, got '" +
              std::string(words[i]) + "'");
    }
    (name == "produce_quota" ? key.produce_quota : key.fetch_quota) = value;
  }
  return key;
}

}  // namespace

ScramCredential make_scram_credential(Hash hash, std::string_view secret, int iterations,
                                      std::string salt) {
  const std::string salted = pbkdf2(hash, secret, salt, iterations);
  return ScramCredential{.iterations = iterations,
                         .salt = std::move(salt),
                         .stored_key = digest(hash, hmac(hash, salted, "Client Key")),
                         .server_key = hmac(hash, salted, "Server Key")};
}

bool scram_secret_matches(Hash hash, const ScramCredential& credential, std::string_view secret) {
  const std::string salted = pbkdf2(hash, secret, credential.salt, credential.iterations);
  return constant_time_equal(digest(hash, hmac(hash, salted, "Client Key")), credential.stored_key);
}

ApiKey make_api_key(std::string name, std::string_view secret, bool superuser) {
  ApiKey key;
  key.name = std::move(name);
  key.superuser = superuser;
  key.sha256 = make_scram_credential(Hash::sha256, secret);
  key.sha512 = make_scram_credential(Hash::sha512, secret);
  return key;
}

Status check_key_name(std::string_view name) {
  if (name.empty()) return Error(Errc::invalid_argument, "a key name cannot be empty");
  if (name.size() > 255) return Error(Errc::invalid_argument, "a key name is at most 255 bytes");
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok) {
      return Error(Errc::invalid_argument, "key name '" + std::string(name) +
                                               "' may only hold letters, digits and . _ @ -");
    }
  }
  return {};
}

Result<KeyStore> KeyStore::parse(std::string_view text, const std::string& source,
                                 bool allow_empty) {
  KeyStore store;
  size_t line_number = 0;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    const std::string where = source + ":" + std::to_string(line_number) + ": ";
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto first_word_end = line.find_first_of(" \t", first);
    const auto colon = line.find(':');
    ApiKey key;
    if (colon < first_word_end) {
      // `username:secret`: kept working, as before, by salting the secret now.
      if (colon == 0 || colon + 1 == line.size()) {
        return Error(Errc::invalid_argument, where + "expected 'username:secret'");
      }
      key = make_api_key(line.substr(0, colon), std::string_view(line).substr(colon + 1), true);
      key.legacy = true;
    } else {
      auto parsed = parse_salted_line(line);
      if (!parsed) return Error(Errc::invalid_argument, where + parsed.error().message());
      key = std::move(*parsed);
    }
    const std::string name = key.name;
    if (!store.add(std::move(key))) {
      return Error(Errc::invalid_argument, where + "key '" + name + "' appears twice");
    }
  }
  if (store.keys_.empty() && !allow_empty) {
    return Error(Errc::invalid_argument, source + " holds no API keys");
  }
  return store;
}

Result<KeyStore> KeyStore::load(const std::string& path, bool allow_empty) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error(Errc::not_found, "cannot read API key file " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path, allow_empty);
}

std::string KeyStore::serialize() const {
  std::string out =
      "# kafka-do API keys, managed with `kafkado keys`. One key per line:\n"
      "#   NAME ROLE SCRAM-SHA-256=ITERATIONS:SALT:STORED_KEY:SERVER_KEY SCRAM-SHA-512=...\n"
      "# Salted credentials only (RFC 5802): no secret is stored.\n";
  for (const auto& [name, key] : keys_) {
    out += name + (key.superuser ? " superuser " : " user ") + std::string(kMechanism256) +
           format_credential(key.sha256) + " " + std::string(kMechanism512) +
           format_credential(key.sha512) +
           (key.produce_quota ? " produce_quota=" + std::to_string(*key.produce_quota) : "") +
           (key.fetch_quota ? " fetch_quota=" + std::to_string(*key.fetch_quota) : "") + "\n";
  }
  return out;
}

const ApiKey* KeyStore::find(std::string_view name) const {
  auto it = keys_.find(name);
  return it == keys_.end() ? nullptr : &it->second;
}

bool KeyStore::verify_secret(std::string_view name, std::string_view secret) const {
  const ApiKey* key = find(name);
  if (key == nullptr) {
    // The same work as for a known name, so timing does not tell names apart.
    static const ScramCredential unknown = make_scram_credential(Hash::sha256, "");
    (void)scram_secret_matches(Hash::sha256, unknown, secret);
    return false;
  }
  return scram_secret_matches(Hash::sha256, key->sha256, secret);
}

Status KeyStore::add(ApiKey key) {
  if (keys_.contains(key.name)) {
    return Error(Errc::already_exists, "key '" + key.name + "' already exists");
  }
  std::string name = key.name;
  keys_.emplace(std::move(name), std::move(key));
  return {};
}

bool KeyStore::remove(std::string_view name) {
  auto it = keys_.find(name);
  if (it == keys_.end()) return false;
  keys_.erase(it);
  return true;
}

size_t KeyStore::legacy_count() const {
  size_t n = 0;
  for (const auto& [name, key] : keys_) n += key.legacy ? 1 : 0;
  return n;
}

Result<PlainCredentials> parse_plain_token(std::string_view token) {
  const auto first = token.find('\0');
  const auto second = first == std::string_view::npos ? first : token.find('\0', first + 1);
  if (second == std::string_view::npos) {
    return Error(Errc::invalid_argument, "malformed SASL/PLAIN token");
  }
  return PlainCredentials{.authorization_id = std::string(token.substr(0, first)),
                          .username = std::string(token.substr(first + 1, second - first - 1)),
                          .password = std::string(token.substr(second + 1))};
}

}  // namespace kafka_do::broker::security
