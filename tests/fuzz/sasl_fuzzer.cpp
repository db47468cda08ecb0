// Fuzz target: a whole SASL exchange as the broker runs it for one connection
// (security::SaslSession): the first byte picks the mechanism (PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512), the rest is the client's tokens separated by 0xFF bytes, each answered by the
// session until it fails or completes.
//
//  1. No input crashes, leaks or trips a sanitizer (the SCRAM parser, base64, the key lookups).
//  2. After a failed step every further step fails: a failed exchange cannot be resumed.
//  3. An exchange completes only as the one key that exists ("fuzz", secret "pencil"), and a
//     SCRAM exchange only after exactly two tokens.
// The key's credentials use one PBKDF2 iteration (the file format refuses fewer than 4096) so
// that the fuzzer is not bound by the hash.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/security/sasl_session.hpp"
#include "fuzz/fuzz_check.hpp"

namespace kafka_do::fuzz {
namespace {

using namespace broker::security;

std::shared_ptr<const KeyStore> keys() {
  static const auto store = [] {
    auto s = std::make_shared<KeyStore>();
    ApiKey key;
    key.name = "fuzz";
    key.superuser = true;
    key.sha256 = make_scram_credential(Hash::sha256, "pencil", 1, "salt-256");
    key.sha512 = make_scram_credential(Hash::sha512, "pencil", 1, "salt-512");
    if (!s->add(std::move(key))) __builtin_trap();
    return s;
  }();
  return store;
}

void run(std::string_view input) {
  if (input.empty()) return;
  static const char* const kMechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
  const std::string mechanism = kMechanisms[uint8_t(input[0]) % 3];
  SaslSession session(/*plain_allowed=*/true);
  FUZZ_CHECK(bool(session.begin(mechanism, keys())), "begin");
  input.remove_prefix(1);
  bool failed = false;
  size_t steps = 0;
  while (true) {
    const auto end = input.find('\xff');
    const std::string_view token = input.substr(0, end);
    auto answer = session.step(token);
    ++steps;
    if (failed) FUZZ_CHECK(!answer, "a step succeeded after a failed one");
    if (!answer) failed = true;
    if (session.done()) {
      FUZZ_CHECK(!failed, "done after a failure");
      FUZZ_CHECK(session.principal() == "fuzz", "authenticated as a key that does not exist");
      FUZZ_CHECK(mechanism == "PLAIN" ? steps == 1 : steps == 2, "done after the wrong count");
      FUZZ_CHECK(!session.step("x"), "a step after the end succeeded");
      return;
    }
    if (end == std::string_view::npos) return;
    input.remove_prefix(end + 1);
  }
}

}  // namespace
}  // namespace kafka_do::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kafka_do::fuzz::run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
