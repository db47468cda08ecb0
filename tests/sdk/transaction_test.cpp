// kafka.transaction on every backend: commit when the lambda returns, abort and rethrow when it
// throws, offsets committed with the output (consume-transform-produce), fencing by a second
// producer with the same transactional id; consumers read committed data only by default.
#include <stdexcept>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

class TransactionTest : public SdkTest {
 protected:
  // Every value of `topic` a fresh read_committed consumer sees, until `count` arrived or
  // `quiet` passed without a record.
  std::vector<std::string> read(kafka::Client& c, const std::string& topic, size_t count,
                                kafka::Isolation isolation = kafka::Isolation::read_committed) {
    auto consumer = c.consumer(topic, {.group = "reader-" + std::to_string(++readers_),
                                       .offset = kafka::Offset::earliest,
                                       .auto_commit = false,
                                       .isolation = isolation});
    std::vector<std::string> values;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (values.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& r : consumer.poll(200ms)) values.emplace_back(r.raw_value());
    }
    // Nothing more arrives (bounded: what was committed is already there).
    for (auto& r : consumer.poll(remote() ? 1500ms : 300ms)) values.emplace_back(r.raw_value());
    return values;
  }
  int readers_ = 0;
};

TEST_P(TransactionTest, CommitsOnReturnAbortsAndRethrowsOnThrow) {
  client().admin().create_topic("orders", {.partitions = 3});
  client().transaction("orders", [](kafka::Transaction& tx) {
    tx.send_raw("o1", {.key = "a"});
    tx.send_raw("o2", {.key = "b"});
    tx.send_batch(std::vector<kafka::Message>{{.key = "c", .value = "o3"}});
    tx.send_to("audit", {{"event", "ordered"}});
  });
  EXPECT_THROW(client().transaction("orders",
                                    [](kafka::Transaction& tx) {
                                      // Over a batch's worth, so part of it reaches the log
                                      // before the abort on the embedded backends.
                                      for (int i = 0; i < 2000; ++i) {
                                        tx.send_raw(std::string(100, 'x'), {.key = "k"});
                                      }
                                      throw std::runtime_error("boom");
                                    }),
               std::runtime_error);
  client().transaction("orders", [](kafka::Transaction& tx) { tx.send_raw("o4", {.key = "a"}); });

  auto values = read(client(), "orders", 4);
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<std::string>{"\"o3\"", "o1", "o2", "o4"}));
  EXPECT_EQ(read(client(), "audit", 1), std::vector<std::string>{R"({"event":"ordered"})"});
}

// More records than librdkafka queues (100,000 messages): the sends wait for deliveries to free
// room instead of failing with "Queue full" (a stream application's commit interval easily
// holds that many).
TEST_P(TransactionTest, ATransactionLargerThanTheClientQueueCommitsWhole) {
  constexpr int kRecords = 110'000;
  client().transaction("big", [](kafka::Transaction& tx) {
    for (int i = 0; i < kRecords; ++i) tx.send_raw("v");
  });
  const auto end = client().admin().describe_topic("big").partition_info.at(0);
  EXPECT_EQ(end.high_watermark, kRecords + 1);  // the records and the commit marker
  EXPECT_EQ(end.last_stable_offset, end.high_watermark);
  EXPECT_EQ(read(client(), "big", kRecords).size(), size_t(kRecords));
}

TEST_P(TransactionTest, InputOffsetsCommitWithTheOutput) {
  client().producer("in", [](kafka::Producer& p) {
    for (int i = 0; i < 10; ++i) p.send_raw("r" + std::to_string(i));
  });
  {
    auto in = client().consumer(
        "in", {.group = "transformer", .offset = kafka::Offset::earliest, .auto_commit = false});
    int processed = 0;
    for (kafka::Record& r : in) {
      const std::string value(r.raw_value());
      if (processed == 5) {
        // The sixth fails: neither its output nor its offset counts.
        EXPECT_THROW(client().transaction("out",
                                          [&](kafka::Transaction& tx) {
                                            tx.send_raw("T" + value);
                                            tx.send_offsets(in);
                                            throw std::runtime_error("transform failed");
                                          }),
                     std::runtime_error);
        break;
      }
      client().transaction("out", [&](kafka::Transaction& tx) {
        tx.send_raw("T" + value);
        tx.send_offsets(in);
      });
      ++processed;
    }
  }
  // A new member of the group resumes after the last committed transaction.
  auto again = client().consumer(
      "in", {.group = "transformer", .offset = kafka::Offset::earliest, .auto_commit = false});
  kafka::Record next = again.first(20s);
  EXPECT_EQ(next.raw_value(), "r5");
  EXPECT_EQ(read(client(), "out", 5),
            (std::vector<std::string>{"Tr0", "Tr1", "Tr2", "Tr3", "Tr4"}));

  // commit_consumed: the offsets of the records given.
  std::vector<kafka::Record> batch = {next};
  client().transaction("out", [&](kafka::Transaction& tx) {
    tx.send_raw("T" + std::string(next.raw_value()));
    tx.commit_consumed(batch);
  });
  again.close();
  auto third = client().consumer("in", {.group = "transformer", .auto_commit = false});
  EXPECT_EQ(third.first(20s).raw_value(), "r6");
}

TEST_P(TransactionTest, SendOffsetsNeedsAConsumerWithoutAutoCommit) {
  client().producer("in", [](kafka::Producer& p) { p.send_raw("x"); });
  auto in = client().consumer("in", {.group = "auto", .offset = kafka::Offset::earliest});
  in.first(20s);
  EXPECT_THROW(client().transaction("out", [&](kafka::Transaction& tx) { tx.send_offsets(in); }),
               kafka::ConfigError);
}

TEST_P(TransactionTest, ASecondProducerWithTheSameIdFencesTheFirst) {
  if (!durable()) GTEST_SKIP() << "two clients of memory: never share data";
  kafka::Client first(options());
  kafka::Client second(options());
  const kafka::TransactionOptions id{.transactional_id = "the-writer"};
  first.transaction("t", id, [](kafka::Transaction& tx) { tx.send_raw("first"); });
  second.transaction("t", id, [](kafka::Transaction& tx) { tx.send_raw("second"); });
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      first.transaction("t", id, [](kafka::Transaction& tx) { tx.send_raw("zombie"); });
      ADD_FAILURE() << "a fenced producer committed";
    } catch (const kafka::ProducerFencedError& e) {
      EXPECT_TRUE(e.fatal()) << "fenced is for good: the producer must be recreated";
      EXPECT_FALSE(e.retriable());
    }
  }
  EXPECT_EQ(read(second, "t", 2), (std::vector<std::string>{"first", "second"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, TransactionTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
