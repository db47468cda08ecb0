#include "broker/api_keys.hpp"

#include <fstream>
#include <sstream>

namespace kafka_do::broker {

Result<ApiKeyStore> ApiKeyStore::parse(std::string_view text, const std::string& source) {
  ApiKeyStore store;
  size_t line_number = 0;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
      return Error(Errc::invalid_argument,
                   source + ":" + std::to_string(line_number) + ": expected 'username:secret'");
    }
    auto [it, added] = store.keys_.emplace(line.substr(0, colon), line.substr(colon + 1));
    if (!added) {
      return Error(Errc::invalid_argument, source + ":" + std::to_string(line_number) +
                                               ": username '" + it->first + "' appears twice");
    }
  }
  if (store.keys_.empty()) {
    return Error(Errc::invalid_argument, source + " holds no API keys");
  }
  return store;
}

Result<ApiKeyStore> ApiKeyStore::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error(Errc::not_found, "cannot read API key file " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

bool ApiKeyStore::verify(std::string_view username, std::string_view secret) const {
  auto it = keys_.find(username);
  if (it == keys_.end()) return false;
  const std::string& expected = it->second;
  // Constant time in the secret's content, so response timing does not reveal a prefix.
  unsigned char diff = expected.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i % expected.size()] ^ secret[i]);
  }
  return diff == 0;
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

}  // namespace kafka_do::broker
