#include "broker/security/sasl_session.hpp"

namespace kafka_do::broker::security {

std::vector<std::string> SaslSession::mechanisms() const {
  std::vector<std::string> offered = {"SCRAM-SHA-256", "SCRAM-SHA-512"};
  if (plain_allowed_) offered.insert(offered.begin(), "PLAIN");
  return offered;
}

Status SaslSession::begin(std::string_view mechanism, std::shared_ptr<const KeyStore> keys) {
  if (started_) return Error(Errc::invalid_argument, "a SASL mechanism was already chosen");
  Hash hash{};
  if (mechanism == "PLAIN" && plain_allowed_) {
    // Nothing to set up: the one token carries the secret.
  } else if (scram_mechanism(mechanism, hash)) {
    scram_.emplace(hash, keys);
  } else {
    std::string offered;
    for (const auto& m : mechanisms()) offered += (offered.empty() ? "" : ", ") + m;
    std::string why = mechanism == "PLAIN"
                          ? "PLAIN would send the secret in clear on this listener (use TLS, "
                            "SCRAM, or start the broker with --allow-plaintext-auth); "
                          : "";
    return Error(Errc::unsupported, "SASL mechanism '" + std::string(mechanism) +
                                        "' refused: " + why + "offered: " + offered);
  }
  started_ = true;
  mechanism_ = std::string(mechanism);
  keys_ = std::move(keys);
  return {};
}

Result<std::string> SaslSession::step(std::string_view token) {
  if (!started_ || done_) return Error(Errc::invalid_argument, "no SASL exchange in progress");
  if (failed_) return Error(Errc::invalid_argument, "the SASL exchange failed: start a new one");
  auto answer = exchange(token);
  if (!answer) failed_ = true;  // a client may not retry its guesses within one exchange
  return answer;
}

Result<std::string> SaslSession::exchange(std::string_view token) {
  if (scram_) {
    auto answer = scram_->step(token);
    if (answer && scram_->done()) {
      done_ = true;
      principal_ = scram_->principal();
      superuser_ = scram_->superuser();
    }
    return answer;
  }
  KD_ASSIGN(PlainCredentials credentials, parse_plain_token(token));
  if (!credentials.authorization_id.empty() &&
      credentials.authorization_id != credentials.username) {
    return Error(Errc::not_found, "authorization id '" + credentials.authorization_id +
                                      "' is not the authenticated name '" + credentials.username +
                                      "'");
  }
  if (keys_ == nullptr || !keys_->verify_secret(credentials.username, credentials.password)) {
    // The same answer for an unknown user and a wrong secret: no probing for usernames.
    return Error(Errc::not_found, "authentication failed for user '" + credentials.username +
                                      "': invalid username or API key");
  }
  done_ = true;
  principal_ = credentials.username;
  superuser_ = keys_->find(principal_)->superuser;
  return std::string();
}

}  // namespace kafka_do::broker::security
