#include "broker/security/scram.hpp"

namespace kafka_do::broker::security {
namespace {

Error malformed(const std::string& what) {
  return Error(Errc::invalid_argument, "malformed SCRAM message: " + what);
}

// RFC 5802 saslname: ',' and '=' travel as "=2C" and "=3D".
Result<std::string> decode_saslname(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i, 3) == "=2C") {
      out += ',', i += 2;
    } else if (text.substr(i, 3) == "=3D") {
      out += '=', i += 2;
    } else {
      return malformed("bad escape in the name");
    }
  }
  return out;
}

// A made-up but stable credential for a name that does not exist: the same salt every time the
// name is tried (a fresh one each time would show the name is unknown), keys nobody can match.
ScramCredential unknown_name_credential(Hash hash, std::string_view name) {
  static const std::string secret = random_bytes(32);
  ScramCredential c;
  c.iterations = kDefaultScramIterations;
  c.salt = hmac(hash, secret, name).substr(0, 24);
  c.stored_key = random_bytes(hash == Hash::sha256 ? 32 : 64);
  c.server_key = c.stored_key;
  return c;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a);
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = char(out[i] ^ b[i]);
  return out;
}

}  // namespace

bool scram_mechanism(std::string_view mechanism, Hash& hash) {
  if (mechanism == "SCRAM-SHA-256") {
    hash = Hash::sha256;
  } else if (mechanism == "SCRAM-SHA-512") {
    hash = Hash::sha512;
  } else {
    return false;
  }
  return true;
}

ScramServer::ScramServer(Hash hash, std::shared_ptr<const KeyStore> keys, std::string server_nonce)
    : hash_(hash), keys_(std::move(keys)), server_nonce_(std::move(server_nonce)) {
  if (server_nonce_.empty()) server_nonce_ = base64_encode(random_bytes(24));
}

Result<std::string> ScramServer::step(std::string_view client_message) {
  Result<std::string> answer = Error(Errc::invalid_argument, "SCRAM exchange is over");
  if (stage_ == Stage::first) {
    answer = first(client_message);
  } else if (stage_ == Stage::final) {
    answer = final(client_message);
  }
  if (!answer) stage_ = Stage::failed;
  return answer;
}

Result<std::string> ScramServer::first(std::string_view message) {
  // gs2-header: a cbind flag ("n": the client does not do channel binding; "y": it could but
  // thinks we cannot; "p=": it wants a -PLUS mechanism we do not offer), then an authzid.
  if (message.size() < 3 || (message.substr(0, 2) != "n," && message.substr(0, 2) != "y,")) {
    return malformed("expected 'n,' (channel binding is not supported)");
  }
  const auto authzid_end = message.find(',', 2);
  if (authzid_end == std::string_view::npos) return malformed("no authorization id field");
  const std::string_view authzid = message.substr(2, authzid_end - 2);
  gs2_header_ = std::string(message.substr(0, authzid_end + 1));
  client_first_bare_ = std::string(message.substr(authzid_end + 1));

  std::string_view rest = client_first_bare_;
  if (rest.substr(0, 2) != "n=") return malformed("expected n=NAME");
  const auto name_end = rest.find(',');
  if (name_end == std::string_view::npos) return malformed("expected ,r=NONCE");
  KD_ASSIGN(name_, decode_saslname(rest.substr(2, name_end - 2)));
  rest.remove_prefix(name_end + 1);
  if (rest.substr(0, 2) != "r=") return malformed("expected r=NONCE");
  const auto nonce_end = rest.find(',');
  const std::string_view client_nonce = rest.substr(2, nonce_end - 2);
  if (client_nonce.empty()) return malformed("empty nonce");
  // Kafka's extensions (KIP-342) follow as key=value pairs.
  for (std::string_view extensions =
           nonce_end == std::string_view::npos ? "" : rest.substr(nonce_end + 1);
       !extensions.empty();) {
    const auto end = extensions.find(',');
    const std::string_view extension = extensions.substr(0, end);
    if (extension == "tokenauth=true") {
      return Error(Errc::not_found, "delegation tokens are not supported");
    }
    extensions = end == std::string_view::npos ? "" : extensions.substr(end + 1);
  }
  if (!authzid.empty()) {
    if (authzid.substr(0, 2) != "a=") return malformed("expected a=AUTHZID");
    KD_ASSIGN(std::string authorization, decode_saslname(authzid.substr(2)));
    if (authorization != name_) {
      return Error(Errc::not_found, "authorization id '" + authorization +
                                        "' is not the authenticated name '" + name_ + "'");
    }
  }

  const ApiKey* key = keys_ ? keys_->find(name_) : nullptr;
  known_ = key != nullptr;
  superuser_ = known_ && key->superuser;
  credential_ = known_ ? key->credential(hash_) : unknown_name_credential(hash_, name_);
  nonce_ = std::string(client_nonce) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) +
                  ",i=" + std::to_string(credential_.iterations);
  stage_ = Stage::final;
  return server_first_;
}

Result<std::string> ScramServer::final(std::string_view message) {
  const auto proof_at = message.rfind(",p=");
  if (message.substr(0, 2) != "c=" || proof_at == std::string_view::npos) {
    return malformed("expected c=...,r=...,p=...");
  }
  const std::string_view without_proof = message.substr(0, proof_at);
  const auto binding_end = without_proof.find(',');
  KD_ASSIGN(
      std::string binding,
      base64_decode(without_proof.substr(
          2, binding_end == std::string_view::npos ? std::string_view::npos : binding_end - 2)));
  if (binding != gs2_header_) return malformed("channel binding does not match the first message");
  const std::string_view after_binding =
      binding_end == std::string_view::npos ? "" : without_proof.substr(binding_end + 1);
  const std::string_view nonce = after_binding.substr(0, after_binding.find(','));
  // RFC 5802 wants the nonce echoed as sent; librdkafka (through 2.x) puts its own nonce in
  // front once more. Kafka accepts any nonce that ends with the one it sent, and so do we: it
  // still has to hold our random part, which is what stops a replay.
  if (nonce.size() < 2 + nonce_.size() || nonce.substr(0, 2) != "r=" ||
      nonce.substr(nonce.size() - nonce_.size()) != nonce_) {
    return malformed("nonce does not match");
  }
  auto proof = base64_decode(message.substr(proof_at + 3));
  if (!proof) return malformed("proof is not base64");

  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const std::string client_signature = hmac(hash_, credential_.stored_key, auth_message);
  const std::string client_key = xor_bytes(*proof, client_signature);
  if (!known_ || proof->size() != client_signature.size() ||
      !constant_time_equal(digest(hash_, client_key), credential_.stored_key)) {
    return Error(Errc::not_found,
                 "authentication failed for user '" + name_ + "': invalid username or API key");
  }
  stage_ = Stage::done;
  return "v=" + base64_encode(hmac(hash_, credential_.server_key, auth_message));
}

}  // namespace kafka_do::broker::security
