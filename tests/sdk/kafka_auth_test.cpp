// The kafka:// backend against a broker that requires API keys: ClientOptions::api_key is sent as
// SASL/PLAIN ("username:secret", split at the first ':') or SCRAM, over kafka+ssl:// with the
// broker verified by tls.ca_file, and a refused key or certificate is an UnauthorizedError,
// quickly, not a timeout.
#include <cstdlib>
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

// A CA and a certificate for 127.0.0.1 signed by it, made with the openssl CLI in `dir`.
bool make_certificates(const std::string& dir) {
  const std::string quiet = " >/dev/null 2>&1";
  const std::string in = "cd '" + dir + "' && ";
  return std::system((in +
                      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
                      "-days 2 -subj /CN=sdk-test-ca" +
                      quiet)
                         .c_str()) == 0 &&
         std::system((in +
                      "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out "
                      "other.pem -days 2 -subj /CN=other-ca" +
                      quiet)
                         .c_str()) == 0 &&
         std::system((in +
                      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out "
                      "server.csr -subj /CN=127.0.0.1" +
                      quiet)
                         .c_str()) == 0 &&
         std::system((in +
                      "echo subjectAltName=IP:127.0.0.1 > san.ext && openssl x509 -req -in "
                      "server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
                      "-days 2 -extfile san.ext" +
                      quiet)
                         .c_str()) == 0;
}

TEST(KafkaBackendTest, ScramOverTlsAndAnUntrustedBrokerIsUnauthorized) {
  testing::TempDir tmp;
  ASSERT_TRUE(make_certificates(tmp.path()));
  {
    std::ofstream keys(tmp.path() + "/keys.txt");
    keys << "svc:tls-secret\n";
  }
  BrokerProcess broker(
      tmp.path(), {"--api-keys", tmp.path() + "/keys.txt", "--tls-cert", tmp.path() + "/server.pem",
                   "--tls-key", tmp.path() + "/server.key"});
  ASSERT_FALSE(broker.address().empty());
  const std::string url = "kafka+ssl://" + broker.address();

  for (const std::string mechanism : {"SCRAM-SHA-512", "SCRAM-SHA-256"}) {
    kafka::Client client({.url = url,
                          .api_key = "svc:tls-secret",
                          .sasl_mechanism = mechanism,
                          .tls = {.ca_file = tmp.path() + "/ca.pem"}});
    const std::string topic = "tls-" + mechanism;
    client.producer(topic, [](kafka::Producer& p) { p.send({{"over", "tls"}}); });
    auto consumer = client.consumer(topic, {.group = "g", .offset = kafka::Offset::earliest});
    EXPECT_EQ(consumer.first(10s).value()["over"], "tls");
  }

  const auto refused_quickly = [&](kafka::ClientOptions options) {
    kafka::Client client(std::move(options));
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(client.admin().list_topics(), kafka::UnauthorizedError);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);  // not the 30 s timeout
  };
  refused_quickly({.url = url,
                   .api_key = "svc:wrong",
                   .sasl_mechanism = "SCRAM-SHA-512",
                   .tls = {.ca_file = tmp.path() + "/ca.pem"}});
  // A broker whose certificate the given CA did not sign.
  refused_quickly({.url = url,
                   .api_key = "svc:tls-secret",
                   .sasl_mechanism = "SCRAM-SHA-512",
                   .tls = {.ca_file = tmp.path() + "/other.pem"}});

  EXPECT_THROW(kafka::Client({.url = url, .sasl_mechanism = "GSSAPI"}), kafka::ConfigError);
  EXPECT_THROW(kafka::Client({.url = broker.url(), .tls = {.ca_file = tmp.path() + "/ca.pem"}}),
               kafka::ConfigError)
      << "TLS options need kafka+ssl://";
  if (HasFailure()) std::cerr << "--- broker log:\n" << broker.log();
}

// A key held to a produce quota: an AsyncProducer that asked to fail instead of wait
// (BufferFull::fail) gets a QuotaExceededError that says the broker is throttling it, once the
// throttled sends fill its buffer.
TEST(KafkaBackendTest, ASustainedThrottleIsAQuotaExceededErrorWhenAskedToFail) {
  testing::TempDir tmp;
  {
    std::ofstream keys(tmp.path() + "/keys.txt");
    keys << "limited:pw\n";
  }
  // 50 KB/s for keys without a quota of their own (the legacy line has none).
  BrokerProcess broker(
      tmp.path(), {"--api-keys", tmp.path() + "/keys.txt", "--default-produce-quota", "50000"});
  ASSERT_FALSE(broker.address().empty());
  kafka::Client client({.url = broker.url(), .api_key = "limited:pw"});
  auto producer = client.async_producer(
      "throttled",
      {.batch_size = 16384, .buffer_memory = 64 << 10, .buffer_full = kafka::BufferFull::fail});
  const std::string value(1000, 'x');
  std::string failure;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (failure.empty() && std::chrono::steady_clock::now() < deadline) {
    try {
      producer.send(kafka::Json(value));
    } catch (const kafka::QuotaExceededError& e) {
      // The first fills may come before the broker's first throttle reaches the client.
      if (std::string(e.what()).find("throttling") != std::string::npos) failure = e.what();
      std::this_thread::sleep_for(5ms);
    }
  }
  EXPECT_NE(failure.find("the broker is throttling this key to its produce quota"),
            std::string::npos)
      << failure;
  if (HasFailure()) std::cerr << "--- broker log:\n" << broker.log();
}

}  // namespace
}  // namespace kafka_do::sdk_test
