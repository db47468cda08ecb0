// Seed README, "Testing / Mock Client": the RSpec examples as GoogleTest tests. kafka::MockClient
// is a kafka::Client on the in-memory engine plus seed() and messages(), so code under test that
// takes a kafka::Client& runs against it unchanged.

#include <gtest/gtest.h>

#include <kafka_do/kafka.hpp>
#include <kafka_do/testing.hpp>
#include <ranges>
#include <string>
#include <vector>

namespace {

// Code under test: consumes orders and returns what it processed.
class OrderProcessor {
 public:
  explicit OrderProcessor(kafka::Client& kafka) : kafka_(kafka) {}

  std::vector<kafka::Json> process(int count) {
    std::vector<kafka::Json> processed;
    // Earliest: the data was seeded before this consumer joined, and the default (latest) would
    // start after it.
    auto consumer = kafka_.consumer("orders", {.group = "test", .offset = kafka::Offset::earliest});
    for (kafka::Record& record : consumer | std::views::take(count)) {
      processed.push_back(record.value());
      record.commit();
    }
    return processed;
  }

 private:
  kafka::Client& kafka_;
};

class OrderProcessorTest : public ::testing::Test {
 protected:
  kafka::MockClient kafka;  // a fresh in-memory engine per test
};

TEST_F(OrderProcessorTest, ProcessesAllOrders) {
  // Seed test data.
  kafka.seed("orders", {
                           {{"order_id", "123"}, {"amount", 99.99}},
                           {{"order_id", "124"}, {"amount", 149.99}},
                       });

  // Process.
  const std::vector<kafka::Json> processed = OrderProcessor(kafka).process(2);

  ASSERT_EQ(processed.size(), 2u);
  EXPECT_EQ(processed.front()["order_id"], "123");
}

TEST_F(OrderProcessorTest, SendsMessages) {
  kafka.producer("orders", [](kafka::Producer& producer) {
    producer.send({{"order_id", "125"}, {"amount", 99.99}});
  });

  const std::vector<kafka::Json> messages = kafka.messages("orders");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages.front()["order_id"], "125");
}

// Beyond the seed: records() shows keys and headers as well.
TEST_F(OrderProcessorTest, RecordsKeepKeysAndHeaders) {
  kafka.producer("orders", [](kafka::Producer& producer) {
    producer.send({{"order_id", "126"}}, {.key = "customer-1", .headers = {{"source", "web"}}});
  });

  const std::vector<kafka::Record> records = kafka.records("orders");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records.front().key(), "customer-1");
  EXPECT_EQ(records.front().headers().get("source"), "web");
}

}  // namespace
