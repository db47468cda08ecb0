#include "kafka_do/testing.hpp"
#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

class AdminTest : public SdkTest {};

TEST_P(AdminTest, CreatesListsDescribesAltersAndDeletesTopics) {
  auto admin = client().admin();
  admin.create_topic("orders", {.partitions = 3, .retention = 7 * 24h});
  admin.create_topic("events",
                     {.config = {{"cleanup.policy", "delete"}, {"segment.bytes", "1048576"}}});
  const auto topics = admin.list_topics();
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].name, "events");
  EXPECT_EQ(topics[1].name, "orders");
  EXPECT_EQ(topics[1].partitions, 3);

  auto info = admin.describe_topic("orders");
  EXPECT_EQ(info.partitions, 3);
  EXPECT_EQ(info.retention.value_or(kafka::Duration()).count_ms(), 7 * 24 * 3600 * 1000LL);
  ASSERT_TRUE(info.retention);
  EXPECT_EQ(info.retention->ms(), std::chrono::milliseconds(7 * 24h));
  EXPECT_EQ(info.config.at("cleanup.policy"), "delete");

  admin.alter_topic("orders", {.retention = 30 * 24h});
  EXPECT_EQ(admin.describe_topic("orders").retention.value_or(kafka::Duration()).count_ms(),
            30 * 24 * 3600 * 1000LL);
  admin.alter_topic("orders", {.retention = "1h", .config = {{"max.message.bytes", "2048"}}});
  info = admin.describe_topic("orders");
  EXPECT_EQ(info.retention.value_or(kafka::Duration()).count_ms(), 3600 * 1000LL);
  EXPECT_EQ(info.config.at("max.message.bytes"), "2048");
  admin.alter_topic("orders", {.config = {{"retention.ms", "-1"}}});
  EXPECT_FALSE(admin.describe_topic("orders").retention.has_value());
  admin.alter_topic("orders", {.reset = {"retention.ms"}});
  EXPECT_EQ(admin.describe_topic("orders").retention.value_or(kafka::Duration()).count_ms(),
            7 * 24 * 3600 * 1000LL);

  admin.increase_partitions_to("orders", 5);
  EXPECT_EQ(admin.describe_topic("orders").partitions, 5);

  admin.delete_topic("events");
  try {
    admin.describe_topic("events");
    ADD_FAILURE() << "a deleted topic was described";
  } catch (const kafka::TopicNotFoundError& e) {
    EXPECT_FALSE(e.retriable());
    EXPECT_FALSE(e.fatal());  // the admin stays usable
    EXPECT_EQ(e.code(), kafka::ErrorCode::unknown_topic_or_partition);
  }
  EXPECT_EQ(admin.list_topics().size(), 1u);
}

TEST_P(AdminTest, ErrorsAreSpecific) {
  auto admin = client().admin();
  admin.create_topic("orders");
  EXPECT_THROW(admin.create_topic("orders"), kafka::TopicAlreadyExistsError);
  admin.create_topic("orders", {.if_not_exists = true});
  EXPECT_THROW(admin.create_topic("bad name!"), kafka::ConfigError);
  EXPECT_THROW(admin.create_topic("x", {.partitions = 0}), kafka::ConfigError);
  EXPECT_THROW(admin.create_topic("y", {.config = {{"retention.ms", "soon"}}}), kafka::ConfigError);
  EXPECT_THROW(admin.create_topic("z", {.config = {{"no.such.config", "1"}}}), kafka::ConfigError);
  EXPECT_THROW(admin.alter_topic("missing", {.retention = 1h}), kafka::TopicNotFoundError);
  EXPECT_THROW(admin.delete_topic("missing"), kafka::TopicNotFoundError);
  EXPECT_THROW(admin.increase_partitions_to("orders", 1), kafka::ConfigError);
  try {
    admin.describe_topic("missing");
  } catch (const kafka::Error& e) {
    EXPECT_EQ(e.code(), kafka::ErrorCode::unknown_topic_or_partition);
    EXPECT_FALSE(e.retriable());
  }
}

TEST_P(AdminTest, ACompactedTopicRefusesRecordsWithoutAKey) {
  auto admin = client().admin();
  admin.create_topic("table", {.config = {{"cleanup.policy", "compact"},
                                          {"delete.retention.ms", "60000"},
                                          {"min.cleanable.dirty.ratio", "0.2"}}});
  const auto info = admin.describe_topic("table");
  EXPECT_EQ(info.config.at("cleanup.policy"), "compact");
  EXPECT_EQ(info.config.at("delete.retention.ms"), "60000");
  EXPECT_EQ(info.config.at("min.cleanable.dirty.ratio"), "0.2");
  auto producer = client().producer("table");
  try {
    producer.send({{"no", "key"}});
    producer.flush();
    FAIL() << "expected InvalidRecordError";
  } catch (const kafka::InvalidRecordError& e) {
    EXPECT_FALSE(e.retriable());
  }
  producer.send({{"has", "key"}}, {.key = "k1"});
  producer.flush();
  auto consumer = client().consumer("table", {.group = "t", .offset = kafka::Offset::earliest});
  auto first = consumer.first(10s);
  EXPECT_EQ(first.key(), "k1");
}

TEST_P(AdminTest, TopicsAndConfigsSurviveRestart) {
  if (!durable()) GTEST_SKIP() << "memory: keeps nothing across clients";
  client().admin().create_topic("kept", {.partitions = 2, .retention = 2h});
  auto& again = reopen();
  const auto info = again.admin().describe_topic("kept");
  EXPECT_EQ(info.partitions, 2);
  EXPECT_EQ(info.retention.value_or(kafka::Duration()).count_ms(), 2 * 3600 * 1000LL);
}

TEST_P(AdminTest, DeletedTopicRecreatedStartsWithoutOldCommittedOffsets) {
  auto admin = client().admin();
  client().producer("cycle", [](kafka::Producer& p) {
    for (int i = 0; i < 5; ++i) p.send(i);
  });
  {
    auto consumer = client().consumer("cycle", {.group = "g", .offset = kafka::Offset::earliest});
    for (auto& r : consumer | std::views::take(5)) r.commit();
  }
  admin.delete_topic("cycle");
  admin.create_topic("cycle");
  client().producer("cycle", [](kafka::Producer& p) { p.send(100); });
  auto consumer = client().consumer("cycle", {.group = "g", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).value(), 100);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

TEST(ClientTest, UrlsChooseTheBackend) {
  EXPECT_EQ(kafka::Client({.url = "memory:"}).url(), "memory:");
  testing::TempDir tmp;
  EXPECT_EQ(kafka::Client({.url = "file:" + tmp.path()}).url(), "file:" + tmp.path());
  // kafka:// connects lazily: constructing the client needs no broker.
  EXPECT_EQ(kafka::Client({.url = "kafka://127.0.0.1:9092"}).url(), "kafka://127.0.0.1:9092");
  EXPECT_THROW(kafka::Client({.url = "kafka://"}), kafka::ConfigError);
  EXPECT_THROW(kafka::Client({.url = "kafka://127.0.0.1:9092", .api_key = "no-colon"}),
               kafka::ConfigError);
  EXPECT_THROW(kafka::Client({.url = "https://kafka.do"}), kafka::ConfigError);
  EXPECT_THROW(kafka::Client({.url = "memory:", .default_partitions = 0}), kafka::ConfigError);
  EXPECT_THROW(kafka::Client({.url = "memory:", .timeout = std::chrono::milliseconds(0)}),
               kafka::ConfigError);
  EXPECT_THROW(kafka::Client({.url = "memory:", .retries = -1}), kafka::ConfigError);
  kafka::Client memory({.url = "memory:"});
  EXPECT_THROW(memory.consumer("t", {.group = "g", .fetch_min_bytes = 0}), kafka::ConfigError);
  EXPECT_THROW(
      memory.consumer("t", {.group = "g", .fetch_max_wait = std::chrono::milliseconds(-1)}),
      kafka::ConfigError);
}

TEST(ClientTest, EnvironmentConfiguresTheDefaultClient) {
  testing::TempDir tmp;
  ::setenv("KAFKA_DO_DATA", tmp.path().c_str(), 1);
  {
    kafka::Client kafka;
    EXPECT_EQ(kafka.url(), "file:" + tmp.path());
    kafka.producer("env", [](kafka::Producer& p) { p.send(1); });
  }
  ::unsetenv("KAFKA_DO_DATA");
  ::setenv("KAFKA_DO_URL", "memory:", 1);
  EXPECT_EQ(kafka::Client().url(), "memory:");
  ::unsetenv("KAFKA_DO_URL");
}

TEST(ClientTest, ClientsOfOneDataDirectoryInOneProcessShareTheEngine) {
  testing::TempDir tmp;
  kafka::Client a({.url = "file:" + tmp.path()});
  kafka::Client b({.url = "file:" + tmp.path()});  // not a lock error: same engine
  a.producer("shared", [](kafka::Producer& p) { p.send("from a"); });
  auto consumer = b.consumer("shared", {.group = "g", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).value(), "from a");
}

TEST(ClientTest, EachClientKeepsItsOwnOptionsOnASharedEngine) {
  testing::TempDir tmp;
  kafka::Client lenient({.url = "file:" + tmp.path()});
  kafka::Client strict({.url = "file:" + tmp.path(), .auto_create_topics = false});
  EXPECT_THROW(strict.producer("missing"), kafka::TopicNotFoundError);
  kafka::Client wide({.url = "file:" + tmp.path(), .default_partitions = 4});
  wide.producer("wide", [](kafka::Producer& p) { p.send(1); });
  EXPECT_EQ(lenient.admin().describe_topic("wide").partitions, 4);
}

TEST(MockClientTest, ConsumersReadSeededRecordsByDefault) {
  kafka::MockClient kafka;
  kafka.seed("orders", {{{"order_id", "123"}}, {{"order_id", "124"}}});
  std::vector<std::string> ids;
  for (auto& r : kafka.consumer("orders", {.group = "test"}) | std::views::take(2))
    ids.push_back(r.value()["order_id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"123", "124"}));
  kafka.producer("orders", [](kafka::Producer& p) { p.send({{"order_id", "125"}}); });
  const auto messages = kafka.messages("orders");
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages.back()["order_id"], "125");
}

TEST(DurationTest, ParsesSeedStyleStrings) {
  EXPECT_EQ(kafka::Duration("250ms").ms(), std::chrono::milliseconds(250));
  EXPECT_EQ(kafka::Duration("30s").ms(), std::chrono::seconds(30));
  EXPECT_EQ(kafka::Duration("5m").ms(), std::chrono::minutes(5));
  EXPECT_EQ(kafka::Duration("1h").ms(), std::chrono::hours(1));
  EXPECT_EQ(kafka::Duration("7d").ms(), std::chrono::hours(7 * 24));
  EXPECT_EQ(kafka::Duration(std::chrono::seconds(3)).ms(), std::chrono::milliseconds(3000));
  EXPECT_THROW(kafka::Duration("5"), kafka::ConfigError);
  EXPECT_THROW(kafka::Duration("m5"), kafka::ConfigError);
  EXPECT_THROW(kafka::Duration("5 weeks"), kafka::ConfigError);
  EXPECT_THROW(kafka::Duration("-1s"), kafka::ConfigError);
}

TEST(ErrorTest, HierarchyCarriesCodesAndRetriability) {
  const kafka::RebalanceInProgressError rebalance("moved");
  const kafka::Error& base = rebalance;
  EXPECT_EQ(base.code(), kafka::ErrorCode::rebalance_in_progress);
  EXPECT_TRUE(base.retriable());
  EXPECT_TRUE(kafka::TimeoutError("slow").retriable());
  EXPECT_FALSE(kafka::TopicNotFoundError("gone").retriable());
  EXPECT_EQ(kafka::MessageTooLargeError("big").code_value(), 10);
  EXPECT_STREQ(kafka::SerializationError("bad json").what(), "bad json");
}

}  // namespace
}  // namespace kafka_do::sdk_test
