// The kafka:// backend against a broker that requires API keys: ClientOptions::api_key is sent as
// SASL/PLAIN ("username:secret", split at the first ':'), and a refused key is an
// UnauthorizedError, quickly, not a timeout.
#include <fstream>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

TEST(KafkaBackendTest, ApiKeyIsSentAsSaslPlainAndAWrongKeyIsUnauthorized) {
  testing::TempDir tmp;
  {
    std::ofstream keys(tmp.path() + "/keys.txt");
    keys << "# test keys\nanalytics:s3cret:with-colon\n";
  }
  BrokerProcess broker(tmp.path(), {"--api-keys", tmp.path() + "/keys.txt"});
  ASSERT_FALSE(broker.address().empty());

  {
    kafka::Client good({.url = broker.url(), .api_key = "analytics:s3cret:with-colon"});
    good.producer("secured", [](kafka::Producer& p) { p.send({{"n", 1}}); });
    auto consumer = good.consumer("secured", {.group = "g", .offset = kafka::Offset::earliest});
    EXPECT_EQ(consumer.first(10s).value()["n"], 1);
    EXPECT_EQ(good.admin().describe_topic("secured").partitions, 1);
  }

  kafka::Client bad({.url = broker.url(), .api_key = "analytics:wrong"});
  const auto start = std::chrono::steady_clock::now();
  try {
    bad.admin().list_topics();
    ADD_FAILURE() << "a wrong key must be refused";
  } catch (const kafka::UnauthorizedError& e) {
    EXPECT_EQ(e.code(), kafka::ErrorCode::sasl_authentication_failed);
    EXPECT_FALSE(e.retriable());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);  // not the 30 s timeout
  EXPECT_THROW(bad.producer("secured"), kafka::UnauthorizedError);
  EXPECT_THROW(bad.consumer("secured", {.group = "g"}), kafka::UnauthorizedError);

  // No key at all: the broker closes every connection that does not authenticate.
  kafka::Client anonymous({.url = broker.url(), .timeout = 2s});
  EXPECT_THROW(anonymous.admin().list_topics(), kafka::Error);
  if (HasFailure()) std::cerr << "--- broker log:\n" << broker.log();
}

}  // namespace
}  // namespace kafka_do::sdk_test
