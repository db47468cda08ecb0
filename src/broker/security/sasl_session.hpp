#pragma once
// One connection's SASL exchange, whatever carries its tokens (SaslAuthenticate requests, or
// bare frames after a SaslHandshake v0): the mechanism chosen, its steps, and who it proved the
// client to be.
//
// Mechanisms: SCRAM-SHA-256 and SCRAM-SHA-512 always; PLAIN only where the listener allows it
// (TLS, a loopback address, or --allow-plaintext-auth), since PLAIN sends the secret itself.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "broker/security/key_store.hpp"
#include "broker/security/scram.hpp"

namespace kafka_do::broker::security {

class SaslSession {
 public:
  explicit SaslSession(bool plain_allowed = true) : plain_allowed_(plain_allowed) {}

  // What the listener offers, in SaslHandshake's answer.
  std::vector<std::string> mechanisms() const;
  // Chooses the mechanism; unsupported (with the offered ones in the message) otherwise.
  Status begin(std::string_view mechanism, std::shared_ptr<const KeyStore> keys);
  // The client's next token -> the server's answer (empty for PLAIN). invalid_argument for a
  // malformed token, not_found for failed authentication; the exchange is over after either.
  Result<std::string> step(std::string_view token);

  bool started() const { return started_; }
  bool done() const { return done_; }
  const std::string& mechanism() const { return mechanism_; }
  const std::string& principal() const { return principal_; }
  bool superuser() const { return superuser_; }

 private:
  // One step of the mechanism chosen (step() adds the rule that a failure ends the exchange).
  Result<std::string> exchange(std::string_view token);
  bool plain_allowed_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;  // a step failed: the exchange is over, and no later step succeeds
  std::string mechanism_;
  std::shared_ptr<const KeyStore> keys_;
  std::optional<ScramServer> scram_;
  std::string principal_;
  bool superuser_ = false;
};

}  // namespace kafka_do::broker::security
