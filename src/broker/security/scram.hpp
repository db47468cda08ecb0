#pragma once
// The server side of SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), as Kafka runs
// it: two round trips, no channel binding, and Kafka's extensions in the client's first message
// (delegation tokens, `tokenauth=true`, are refused).
//
//   client-first  n,,n=NAME,r=CLIENT_NONCE          -> r=CLIENT_NONCE SERVER_NONCE,s=SALT,i=N
//   client-final  c=biws,r=NONCE,p=PROOF            -> v=SERVER_SIGNATURE
//
// An unknown name gets a made-up salt derived from the name and fails at the proof, exactly like
// a wrong secret, so the exchange does not tell whether a name exists.

#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "broker/security/key_store.hpp"

namespace kafka_do::broker::security {

class ScramServer {
 public:
  // `keys` is the key store as of the start of the exchange; `server_nonce` is random unless a
  // test fixes it.
  ScramServer(Hash hash, std::shared_ptr<const KeyStore> keys,
              std::string server_nonce = std::string());

  // Takes the client's next message and returns the server's answer. invalid_argument for a
  // malformed message or one out of turn, not_found for failed authentication (a wrong secret
  // and an unknown name alike). After an error the exchange is over.
  Result<std::string> step(std::string_view client_message);

  bool done() const { return stage_ == Stage::done; }
  // The authenticated key (once done()).
  const std::string& principal() const { return name_; }
  bool superuser() const { return superuser_; }

 private:
  Result<std::string> first(std::string_view message);
  Result<std::string> final(std::string_view message);

  enum class Stage { first, final, done, failed };
  Hash hash_;
  std::shared_ptr<const KeyStore> keys_;
  Stage stage_ = Stage::first;
  std::string server_nonce_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  std::string name_;
  bool known_ = false;
  bool superuser_ = false;
  ScramCredential credential_;
};

// "SCRAM-SHA-256" / "SCRAM-SHA-512" -> the hash; false for anything else.
bool scram_mechanism(std::string_view mechanism, Hash& hash);

}  // namespace kafka_do::broker::security
