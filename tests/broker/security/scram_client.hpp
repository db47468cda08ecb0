#pragma once
// The client side of SCRAM (RFC 5802), written from the RFC for the broker's tests; real
// clients (librdkafka, kafkajs, kafka-python) prove interoperability in tests/compat.

#include <string>

#include "broker/security/crypto.hpp"

namespace kafka_do::broker::security::testing {

class ScramClient {
 public:
  ScramClient(Hash hash, std::string name, std::string secret,
              std::string nonce = "fyko+d2lbbFgONRv9qkxdawL")
      : hash_(hash), name_(std::move(name)), secret_(std::move(secret)), nonce_(std::move(nonce)) {}

  std::string first() {
    bare_ = "n=" + name_ + ",r=" + nonce_;
    return "n,," + bare_;
  }

  // The client-final-message for the server-first-message `server_first` ("" if malformed).
  std::string final(const std::string& server_first) {
    server_first_ = server_first;
    const auto field = [&](char key) -> std::string {
      const std::string tag = std::string(1, key) + "=";
      auto at = server_first.find(tag);
      if (at == std::string::npos) return "";
      auto end = server_first.find(',', at);
      return server_first.substr(at + 2, end == std::string::npos ? end : end - at - 2);
    };
    const std::string nonce = field('r');
    auto salt = base64_decode(field('s'));
    const int iterations = std::atoi(field('i').c_str());
    if (nonce.empty() || !salt || iterations <= 0) return "";
    const std::string without_proof = "c=biws,r=" + nonce;
    auth_message_ = bare_ + "," + server_first + "," + without_proof;
    salted_ = pbkdf2(hash_, secret_, *salt, iterations);
    const std::string client_key = hmac(hash_, salted_, "Client Key");
    std::string proof = hmac(hash_, digest(hash_, client_key), auth_message_);
    for (size_t i = 0; i < proof.size(); ++i) proof[i] = char(proof[i] ^ client_key[i]);
    return without_proof + ",p=" + base64_encode(proof);
  }

  // Whether the server-final-message proves the server knows the credential.
  bool verify(const std::string& server_final) const {
    const std::string expected =
        "v=" + base64_encode(hmac(hash_, hmac(hash_, salted_, "Server Key"), auth_message_));
    return server_final == expected;
  }

 private:
  Hash hash_;
  std::string name_, secret_, nonce_, bare_, server_first_, auth_message_, salted_;
};

}  // namespace kafka_do::broker::security::testing
