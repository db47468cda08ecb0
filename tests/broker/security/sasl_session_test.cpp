// One connection's SASL exchange (SaslSession): PLAIN and SCRAM proven against the key store, and
// the rule the fuzzer checks (tests/fuzz/sasl_fuzzer.cpp): a failed step ends the exchange, so a
// client cannot keep guessing secrets within one exchange.
#include "broker/security/sasl_session.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kafka_do::broker::security {
namespace {

std::shared_ptr<const KeyStore> keys() {
  auto store = std::make_shared<KeyStore>();
  ApiKey key;
  key.name = "alice";
  key.sha256 = make_scram_credential(Hash::sha256, "pencil", 4096, "salt-256");
  key.sha512 = make_scram_credential(Hash::sha512, "pencil", 4096, "salt-512");
  EXPECT_TRUE(store->add(std::move(key)));
  return store;
}

std::string plain(const std::string& user, const std::string& secret) {
  return std::string("\0", 1) + user + std::string("\0", 1) + secret;
}

TEST(SaslSession, PlainProvesTheKeyInOneStep) {
  SaslSession session;
  ASSERT_TRUE(session.begin("PLAIN", keys()));
  auto answer = session.step(plain("alice", "pencil"));
  ASSERT_TRUE(answer) << answer.error().message();
  EXPECT_TRUE(session.done());
  EXPECT_EQ(session.principal(), "alice");
  EXPECT_FALSE(session.step(plain("alice", "pencil")));  // over
}

// The fuzzer's find: an empty token failed, and the next, right one succeeded.
TEST(SaslSession, AfterAFailedStepEvenTheRightSecretFails) {
  for (const std::string& first :
       {std::string(), plain("alice", "wrong"), plain("bob", "pencil")}) {
    SaslSession session;
    ASSERT_TRUE(session.begin("PLAIN", keys()));
    EXPECT_FALSE(session.step(first));
    const auto retry = session.step(plain("alice", "pencil"));
    EXPECT_FALSE(retry);
    EXPECT_FALSE(session.done());
    EXPECT_TRUE(session.principal().empty());
  }
  SaslSession scram;
  ASSERT_TRUE(scram.begin("SCRAM-SHA-256", keys()));
  EXPECT_FALSE(scram.step("not a scram message"));
  EXPECT_FALSE(scram.step("n,,n=alice,r=abcdefgh"));  // a well-formed first message, too late
  EXPECT_FALSE(scram.done());
}

TEST(SaslSession, PlainIsRefusedWhereTheListenerForbidsIt) {
  SaslSession session(/*plain_allowed=*/false);
  const auto refused = session.begin("PLAIN", keys());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("SCRAM-SHA-256"), std::string::npos);
  EXPECT_FALSE(session.step(plain("alice", "pencil")));
}

}  // namespace
}  // namespace kafka_do::broker::security
