#include <condition_variable>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

#include "base/murmur2.hpp"
#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

class ProducerTest : public SdkTest {};

TEST_P(ProducerTest, LambdaFormSendsValuesKeysAndHeaders) {
  auto& kafka = client();
  // Timestamps have millisecond precision.
  const auto before =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"order_id", "123"}, {"amount", 99.99}});
    p.send({{"order_id", "124"}},
           {.key = "customer-456", .headers = {{"correlation-id", "abc-123"}}});
  });
  auto consumer = kafka.consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  kafka::Record first = consumer.first(10s);
  EXPECT_EQ(first.value()["order_id"], "123");
  EXPECT_DOUBLE_EQ(first.value()["amount"].get<double>(), 99.99);
  EXPECT_FALSE(first.has_key());
  kafka::Record second = consumer.first(10s);
  EXPECT_EQ(second.value()["order_id"], "124");
  EXPECT_EQ(second.key(), "customer-456");
  EXPECT_EQ(second.headers().get("correlation-id"), "abc-123");
  EXPECT_EQ(second.topic(), "orders");
  EXPECT_EQ(second.offset(), 1);
  // The send time (CreateTime): after `before`, and not after now.
  EXPECT_GE(second.timestamp(), before);
  EXPECT_LE(second.timestamp(), std::chrono::system_clock::now());
}

TEST_P(ProducerTest, SendBatchTakesValuesOrMessages) {
  auto& kafka = client();
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send_batch(
        {{{"order_id", "124"}, {"amount", 49.99}}, {{"order_id", "125"}, {"amount", 149.99}}});
    p.send_batch(
        {kafka::Message{.key = "cust-1", .value = {{"order_id", "126"}}},
         kafka::Message{.key = "cust-2", .value = {{"order_id", "127"}}, .headers = {{"h", "v"}}}});
  });
  std::vector<std::string> ids;
  std::vector<std::string> keys;
  auto consumer = kafka.consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  for (auto& r : consumer | std::views::take(4)) {
    ids.push_back(r.value()["order_id"]);
    keys.emplace_back(r.key());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"124", "125", "126", "127"}));
  EXPECT_EQ(keys, (std::vector<std::string>{"", "", "cust-1", "cust-2"}));
}

TEST_P(ProducerTest, KeysPartitionExactlyAsTheJavaClient) {
  auto& kafka = client();
  kafka.admin().create_topic("keyed", {.partitions = 6});
  // Java's murmur2 of these keys (Kafka UtilsTest): "21" -> -973932308, "foobar" -> -790332482,
  // "a-little-bit-long-string" -> -985981536. Partition = (hash & 0x7fffffff) % 6.
  const std::vector<std::pair<std::string, int32_t>> expected = {
      {"21", (-973932308 & 0x7fffffff) % 6},
      {"foobar", (-790332482 & 0x7fffffff) % 6},
      {"a-little-bit-long-string", (-985981536 & 0x7fffffff) % 6},
  };
  kafka.producer("keyed", [&](kafka::Producer& p) {
    for (const auto& [key, partition] : expected) p.send(key, {.key = key});
  });
  auto consumer = kafka.consumer("keyed", {.group = "g", .offset = kafka::Offset::earliest});
  for (auto& r : consumer | std::views::take(3)) {
    const std::string key(r.key());
    const auto it = std::find_if(expected.begin(), expected.end(),
                                 [&](const auto& e) { return e.first == key; });
    ASSERT_NE(it, expected.end());
    EXPECT_EQ(r.partition(), it->second) << key;
  }
}

TEST_P(ProducerTest, ExplicitPartitionWinsAndAnUnknownOneIsAnError) {
  auto& kafka = client();
  kafka.admin().create_topic("three", {.partitions = 3});
  auto p = kafka.producer("three");
  p.send("x", {.key = "k", .partition = 2});
  EXPECT_THROW(p.send("y", {.partition = 3}), kafka::PartitionNotFoundError);
  p.flush();
  auto consumer = kafka.consumer("three", {.group = "g", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).partition(), 2);
}

TEST_P(ProducerTest, KeylessRecordsStickToAPartitionPerBatch) {
  auto& kafka = client();
  kafka.admin().create_topic("sticky", {.partitions = 4});
  kafka.producer("sticky", {.batch_size = 1 << 20, .linger = 10s}, [](kafka::Producer& p) {
    for (int i = 0; i < 50; ++i) p.send(i);
  });
  std::set<int32_t> partitions;
  auto consumer = kafka.consumer("sticky", {.group = "g", .offset = kafka::Offset::earliest});
  for (auto& r : consumer | std::views::take(50)) partitions.insert(r.partition());
  EXPECT_EQ(partitions.size(), 1u);  // one batch, one partition
  // Many small batches spread over partitions.
  kafka.producer("sticky", {.batch_size = 100}, [](kafka::Producer& p) {
    for (int i = 0; i < 400; ++i) p.send(i);
  });
  for (auto& r : consumer | std::views::take(400)) partitions.insert(r.partition());
  EXPECT_GT(partitions.size(), 1u);
}

TEST_P(ProducerTest, ObjectFormFlushesOnDestruction) {
  auto& kafka = client();
  {
    auto p = kafka.producer("orders", {.linger = 1h});
    p.send({{"n", 1}});
    p.send({{"n", 2}});
  }
  auto consumer = kafka.consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).value()["n"], 1);
  EXPECT_EQ(consumer.first(10s).value()["n"], 2);
}

TEST_P(ProducerTest, LambdaFormFlushesWhatWasSentWhenTheLambdaThrows) {
  auto& kafka = client();
  EXPECT_THROW(kafka.producer("orders", {.linger = 1h},
                              [](kafka::Producer& p) {
                                p.send({{"n", 1}});
                                throw std::runtime_error("application failure");
                              }),
               std::runtime_error);
  auto consumer = kafka.consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).value()["n"], 1);
}

TEST_P(ProducerTest, RecordOverMaxMessageBytesIsMessageTooLarge) {
  auto& kafka = client();
  kafka.admin().create_topic("small", {.config = {{"max.message.bytes", "1000"}}});
  auto p = kafka.producer("small");
  try {
    p.send(std::string(5000, 'x'));
    FAIL() << "expected MessageTooLargeError";
  } catch (const kafka::MessageTooLargeError& e) {
    EXPECT_EQ(e.code(), kafka::ErrorCode::message_too_large);
    EXPECT_FALSE(e.retriable());
  }
  p.send("fits");
  p.flush();
}

TEST_P(ProducerTest, UnknownTopicWithoutAutoCreateIsTopicNotFound) {
  auto o = options();
  o.auto_create_topics = false;
  kafka::Client kafka(o);
  EXPECT_THROW(kafka.producer("missing", [](kafka::Producer&) {}), kafka::TopicNotFoundError);
  EXPECT_THROW(kafka.consumer("missing", {.group = "g"}), kafka::TopicNotFoundError);
  try {
    kafka.producer("missing");
  } catch (const kafka::Error& e) {
    EXPECT_EQ(e.code(), kafka::ErrorCode::unknown_topic_or_partition);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST_P(ProducerTest, OptionsAreValidated) {
  auto& kafka = client();
  EXPECT_THROW(kafka.producer("t", {.batch_size = 0}), kafka::ConfigError);
  EXPECT_THROW(kafka.producer("t", {.retries = -1}), kafka::ConfigError);
  EXPECT_THROW(kafka.producer("t", {.linger = "soon"}), kafka::ConfigError);
  auto p = kafka.producer(
      "t", {.linger = "5ms", .compression = kafka::Compression::zstd, .retry_backoff = "100ms"});
  p.send("compressed");
  p.flush();
  auto consumer = kafka.consumer("t", {.group = "g", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).value(), "compressed");
}

TEST_P(ProducerTest, EveryCompressionRoundTrips) {
  auto& kafka = client();
  for (auto c : {kafka::Compression::none, kafka::Compression::gzip, kafka::Compression::snappy,
                 kafka::Compression::lz4, kafka::Compression::zstd}) {
    kafka.producer("codecs", {.compression = c}, [](kafka::Producer& p) {
      for (int i = 0; i < 20; ++i) p.send({{"i", i}, {"pad", std::string(100, 'z')}});
    });
  }
  auto consumer = kafka.consumer("codecs", {.group = "g", .offset = kafka::Offset::earliest});
  int n = 0;
  for (auto& r : consumer | std::views::take(100)) EXPECT_EQ(r.value()["i"], n++ % 20);
  EXPECT_EQ(n, 100);
}

TEST_P(ProducerTest, AsyncProducerReportsEveryDelivery) {
  auto& kafka = client();
  kafka.admin().create_topic("async", {.partitions = 2});
  auto producer = kafka.async_producer("async");
  std::mutex mu;
  std::vector<kafka::DeliveryReport> reports;
  std::atomic<int> callbacks{0};
  producer.on_delivery([&](const kafka::DeliveryReport& r) {
    std::lock_guard lock(mu);
    reports.push_back(r);
  });
  for (int i = 0; i < 1000; ++i) {
    producer.send({{"i", i}}, {.key = "k" + std::to_string(i % 10)},
                  [&](const kafka::DeliveryReport& r) {
                    if (r.ok()) ++callbacks;
                  });
  }
  producer.deliver();
  EXPECT_EQ(producer.in_flight(), 0u);
  EXPECT_EQ(callbacks.load(), 1000);
  std::lock_guard lock(mu);
  ASSERT_EQ(reports.size(), 1000u);
  std::map<int32_t, int64_t> next;
  for (const auto& r : reports) {
    EXPECT_EQ(r.error(), nullptr);
    EXPECT_EQ(r.topic(), "async");
    EXPECT_EQ(r.offset(), next[r.partition()]++);  // dense, in order, per partition
  }
  EXPECT_EQ(next[0] + next[1], 1000);
}

TEST_P(ProducerTest, AsyncProducerReportsFailuresPerRecord) {
  auto& kafka = client();
  kafka.admin().create_topic("limited", {.config = {{"max.message.bytes", "2000"}}});
  auto producer = kafka.async_producer("limited");
  EXPECT_THROW(producer.send(std::string(3000, 'x')), kafka::MessageTooLargeError);
  std::atomic<int> ok{0};
  producer.send("small", {}, [&](const kafka::DeliveryReport& r) { ok += r.ok(); });
  producer.deliver();
  EXPECT_EQ(ok.load(), 1);
}

TEST_P(ProducerTest, FullAsyncBufferFailsFastWhenAskedTo) {
  auto& kafka = client();
  auto producer = kafka.async_producer("buffered", {.batch_size = 1 << 20,
                                                    .linger = 1h,
                                                    .buffer_memory = 10000,
                                                    .buffer_full = kafka::BufferFull::fail});
  bool refused = false;
  for (int i = 0; i < 1000 && !refused; ++i) {
    try {
      producer.send(std::string(100, 'x'));
    } catch (const kafka::QuotaExceededError& e) {
      refused = true;
      EXPECT_TRUE(e.retriable());
    }
  }
  EXPECT_TRUE(refused);
  producer.deliver();  // drains; sending works again
  producer.send("again");
  producer.deliver();
}

// A one-shot gate between threads.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Holds deliveries back without timing anything: a record's buffer bytes are released only
// after its delivery callback has run, and callbacks run one at a time on the delivery thread,
// so while the first record's callback waits on a gate the buffer can only fill. "send() is
// blocked" is then observed as the producer's own bounded wait ending in TimeoutError (max_block),
// and "it unblocks" as a blocked sender going on once the gate opens, and never before.
// A record's encoded size is not the estimate the buffer charged for it: the buffer gives back
// what it charged, or a long-lived producer's buffer fills with nothing in it (it did: the
// embedded producer stopped for good after about 6.7 M records in its default 32 MiB buffer).
// Here 100,000 small records, about 30 times what a 64 KiB buffer holds.
TEST_P(ProducerTest, ABufferFilledManyTimesOverIsEmptyAgainOnceDelivered) {
  std::atomic<int64_t> delivered{0};
  // Full batches of small records: each is charged more than it encodes to.
  auto producer = client().async_producer("refill", {.batch_size = 16384,
                                                     .buffer_memory = 65536,
                                                     .buffer_full = kafka::BufferFull::block,
                                                     .max_block = 20s});
  constexpr int kRecords = 100'000;
  size_t most_buffered = 0;  // records held at once, once the buffer was refilled many times
  for (int i = 0; i < kRecords; ++i) {
    producer.send_raw(std::to_string(i % 100), {}, [&](const kafka::DeliveryReport& r) {
      if (r.ok()) ++delivered;
    });
    if (i > kRecords / 2) most_buffered = std::max(most_buffered, producer.in_flight());
  }
  producer.deliver();
  // A batch fills to 16 KiB (over 1,000 of these records) before it is sent. With the drift the
  // buffer had room for a few records only, and each waited out the linger time.
  if (!remote()) {
    EXPECT_GT(most_buffered, 1000u) << "the buffer lost its room";
  }
  EXPECT_EQ(delivered.load(), kRecords);
  EXPECT_EQ(producer.in_flight(), 0u);
}

TEST_P(ProducerTest, FullBufferBlocksUntilThereIsRoom) {
  auto& kafka = client();
  constexpr size_t kBufferMemory = 10000;
  const std::string value(100, 'x');
  // Declared before the producer: its delivery thread uses them until the producer is closed.
  Gate first_delivered, release;
  std::atomic<size_t> delivered{0};
  auto count = [&](const kafka::DeliveryReport& r) {
    if (r.ok()) ++delivered;
  };
  auto producer =
      kafka.async_producer("buffered", {.batch_size = 1,  // every record is sent at once
                                        .linger = 0ms,
                                        .buffer_memory = kBufferMemory,
                                        .buffer_full = kafka::BufferFull::block,
                                        .max_block = 200ms});
  // Whatever happens below, the delivery thread is let go before the producer closes.
  struct OpenOnExit {
    Gate& gate;
    ~OpenOnExit() { gate.open(); }
  } open_on_exit{release};
  producer.send_raw(value, {}, [&](const kafka::DeliveryReport& r) {
    first_delivered.open();
    release.wait(60s);
    count(r);
  });
  ASSERT_TRUE(first_delivered.wait(20s)) << "the first record was never delivered";

  // The delivery thread waits in that callback: fill the buffer until send() blocks.
  size_t accepted = 1;
  bool blocked = false;
  for (int i = 0; i < 1000 && !blocked; ++i) {
    try {
      producer.send_raw(value, {}, count);
      ++accepted;
    } catch (const kafka::TimeoutError& e) {
      blocked = true;
      EXPECT_TRUE(e.retriable());
    }
  }
  ASSERT_TRUE(blocked) << accepted << " records of " << value.size() << " bytes went into a "
                       << kBufferMemory << "-byte buffer without send() blocking";
  EXPECT_GE(accepted, 40u) << "the buffer took far fewer records than buffer_memory allows";
  EXPECT_LE(accepted, kBufferMemory / value.size() + 1) << "the buffer took more than it holds";
  EXPECT_EQ(producer.in_flight(), accepted);  // the record that timed out was not queued

  // A sender blocked on the full buffer goes on once a delivery makes room, and not before.
  std::atomic<bool> released{false}, sent{false}, sent_before_release{false};
  std::atomic<int> timeouts{0};
  std::jthread blocked_sender([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      try {
        producer.send_raw(value, {}, count);
        sent_before_release = !released.load();
        sent = true;
        return;
      } catch (const kafka::TimeoutError&) {
        ++timeouts;  // still full: try again (bounded by the test's deadlines)
      }
    }
  });
  ASSERT_TRUE(eventually([&] { return timeouts.load() > 0 || sent.load(); }));
  EXPECT_GT(timeouts.load(), 0) << "send() did not block on a full buffer";
  released = true;
  release.open();
  ASSERT_TRUE(eventually([&] { return sent.load(); }))
      << "send() stayed blocked after room was made";
  blocked_sender.join();
  EXPECT_FALSE(sent_before_release.load()) << "send() went through while the buffer was full";
  ++accepted;

  producer.deliver();
  EXPECT_EQ(producer.in_flight(), 0u);
  EXPECT_EQ(delivered.load(), accepted);
  auto consumer = kafka.consumer(
      "buffered", {.group = "g", .offset = kafka::Offset::earliest, .max_poll_records = 5000});
  size_t n = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (n < accepted && std::chrono::steady_clock::now() < deadline) n += consumer.poll(1s).size();
  EXPECT_EQ(n, accepted);
}

INSTANTIATE_TEST_SUITE_P(Backends, ProducerTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
