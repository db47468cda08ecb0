// Seed README, "Testing / Integration Testing": a real kafka::Client (KAFKA_DO_URL, else the
// embedded engine in KAFKA_DO_DATA or ./kafka-do-data), a topic name unique to the test, deleted
// afterwards so that runs do not see each other's records.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <kafka_do/kafka.hpp>
#include <random>
#include <string>

namespace {

using namespace std::chrono_literals;

// The seed's SecureRandom.uuid: a random version-4 UUID.
std::string random_uuid() {
  std::random_device device;
  std::mt19937_64 random(device());
  const uint64_t hi = (random() & ~0xf000ULL) | 0x4000ULL;            // version 4
  const uint64_t lo = (random() & ~(0x3ULL << 62)) | (0x2ULL << 62);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                unsigned(hi >> 16 & 0xffff), unsigned(hi & 0xffff), unsigned(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

class KafkaIntegrationTest : public ::testing::Test {
 protected:
  void TearDown() override {
    try {
      kafka.admin().delete_topic(topic);
    } catch (const kafka::Error&) {  // the seed's `rescue nil`: the test may never have made it
    }
  }

  kafka::Client kafka;
  const std::string topic = "test-orders-" + random_uuid();
};

TEST_F(KafkaIntegrationTest, ProducesAndConsumesMessages) {
  // Produce.
  kafka.producer(topic, [](kafka::Producer& producer) {
    producer.send({{"order_id", "123"}, {"amount", 99.99}});
  });

  // Consume. Earliest: the record was produced before the group existed. A timeout turns a
  // lost record into a failure instead of a hang.
  auto consumer = kafka.consumer(topic, {.group = "test", .offset = kafka::Offset::earliest});
  const kafka::Record record = consumer.first(10s);
  EXPECT_EQ(record.value()["order_id"], "123");
}

}  // namespace
