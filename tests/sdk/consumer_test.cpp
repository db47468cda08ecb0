#include <functional>
#include <future>
#include <set>
#include <thread>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

class ConsumerTest : public SdkTest {
 protected:
  void produce(const std::string& topic, int from, int to,
               std::optional<int32_t> partition = std::nullopt) {
    client().producer(topic, [&](kafka::Producer& p) {
      for (int i = from; i < to; ++i) p.send({{"n", i}}, {.partition = partition});
    });
  }
};

TEST_P(ConsumerTest, IsARangeThatComposesWithViews) {
  produce("orders", 0, 100);
  auto consumer = client().consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  std::vector<int> big;
  for (auto& r : consumer | std::views::filter([](kafka::Record& r) {
                   return r.value()["n"].get<int>() % 10 == 0;
                 }) | std::views::take(5)) {
    big.push_back(r.value()["n"]);
  }
  EXPECT_EQ(big, (std::vector<int>{0, 10, 20, 30, 40}));
  // views::filter looks ahead for its next match when advanced: after the fifth match, it moved
  // past 41..49 (rejected) to 50 before take() stopped it.
  std::vector<int> values;
  for (int v : consumer | std::views::transform([](kafka::Record& r) {
                 return r.value()["n"].get<int>();
               }) | std::views::take(3)) {
    values.push_back(v);
  }
  EXPECT_EQ(values, (std::vector<int>{50, 51, 52}));
}

// A thread whose join() gives up after 20 s: a consumer that never wakes up fails the test at
// once (abort, with the failure printed) instead of hanging the run.
class BoundedThread {
 public:
  explicit BoundedThread(std::function<void()> body)
      : finished_(done_.get_future()), thread_([this, body = std::move(body)] {
          body();
          done_.set_value();
        }) {}
  ~BoundedThread() { join(); }
  void join() {
    if (!thread_.joinable()) return;
    if (finished_.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "the consumer's thread did not finish within 20 s";
      std::abort();
    }
    thread_.join();
  }

 private:
  std::promise<void> done_;
  std::future<void> finished_;
  std::thread thread_;
};

// Waits up to 20 s for `n` to reach `want`.
void wait_for_count(const std::atomic<int>& n, int want) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (n.load() < want && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
}

// Records view a buffer they share with the other records of their fetch: copies, and records
// kept after the consumer (and the client) are gone, still hold every byte (ASan checks the
// lifetimes in CI). Keys, values and headers of every shape, compressed batches too.
// Record::json() reads the value in place: members and elements as sent, a tombstone is a JSON
// null, bytes that are not JSON are a SerializationError when read, and a view read after the
// consumer and the client are gone still sees the record's bytes.
TEST_P(ConsumerTest, JsonViewsReadValuesInPlace) {
  constexpr int kRecords = 200;
  client().producer("orders", {.compression = kafka::Compression::lz4}, [&](kafka::Producer& p) {
    for (int i = 0; i < kRecords; ++i) {
      p.send({{"id", i}, {"customer", "c-" + std::to_string(i % 7)}, {"items", {i, "x\n"}}});
    }
    p.send(nullptr);  // a tombstone
    p.send_raw("{not json");
  });
  std::vector<kafka::Record> kept;
  {
    auto consumer = client().consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (kept.size() < size_t(kRecords + 2) && std::chrono::steady_clock::now() < deadline) {
      for (const auto& r : consumer.poll(std::chrono::seconds(1))) kept.push_back(r);
    }
  }
  client_.reset();
  ASSERT_EQ(kept.size(), size_t(kRecords + 2));
  for (int i = 0; i < kRecords; ++i) {
    const kafka::JsonView order = kept[size_t(i)].json();
    EXPECT_EQ(order["id"].get<int>(), i);
    EXPECT_EQ(order["customer"].get<std::string_view>(), "c-" + std::to_string(i % 7));
    EXPECT_EQ(order["items"][0].get<int64_t>(), i);
    EXPECT_EQ(order["items"][1].get<std::string>(), "x\n");
    EXPECT_EQ(order.to_json(), kept[size_t(i)].value());
  }
  EXPECT_FALSE(kept[kRecords].has_value());
  EXPECT_TRUE(kept[kRecords].json().is_null());
  EXPECT_THROW(kept[kRecords + 1].json()["id"], kafka::SerializationError);
}

TEST_P(ConsumerTest, RecordsKeepTheirBytesAfterTheConsumerAndTheClientAreGone) {
  constexpr int kRecords = 300;
  // Record i: value "i:" + filler, a key unless i % 3 == 0, two headers when i % 4 == 0.
  auto value_of = [](int i) {
    return std::to_string(i) + ":" + std::string(size_t(i % 50) * 7, char('a' + i % 26));
  };
  client().producer("kept", {.compression = kafka::Compression::lz4}, [&](kafka::Producer& p) {
    for (int i = 0; i < kRecords; ++i) {
      kafka::SendOptions options;
      if (i % 3 != 0) options.key = "key-" + std::to_string(i);
      if (i % 4 == 0) options.headers = {{"h", "v" + std::to_string(i)}, {"null", std::nullopt}};
      p.send_raw(value_of(i), options);
    }
  });
  std::vector<kafka::Record> kept;
  {
    auto consumer = client().consumer("kept", {.group = "g", .offset = kafka::Offset::earliest});
    while (kept.size() < size_t(kRecords)) {
      for (const auto& r : consumer.poll(std::chrono::seconds(5))) kept.push_back(r);  // copies
    }
  }
  client_.reset();
  std::set<int> seen;
  for (const auto& r : kept) {
    const std::string_view value = r.raw_value();
    const int i = std::stoi(std::string(value.substr(0, value.find(':'))));
    EXPECT_TRUE(seen.insert(i).second) << "record " << i << " twice";
    EXPECT_EQ(value, value_of(i));
    EXPECT_EQ(r.has_key(), i % 3 != 0);
    if (r.has_key()) {
      EXPECT_EQ(r.key(), "key-" + std::to_string(i));
    }
    ASSERT_EQ(r.headers().size(), i % 4 == 0 ? 2u : 0u) << "record " << i;
    if (i % 4 == 0) {
      EXPECT_EQ(r.headers().get("h"), "v" + std::to_string(i));
      EXPECT_EQ(r.headers()[1].value, std::nullopt);
    }
  }
  EXPECT_EQ(seen.size(), size_t(kRecords));
}

TEST_P(ConsumerTest, IterationWaitsForNewRecordsWithoutEnding) {
  produce("live", 0, 1);
  auto consumer = client().consumer("live", {.group = "g", .offset = kafka::Offset::earliest});
  std::vector<int> got;
  std::atomic<bool> first_seen{false};
  // The rest is produced only once the first record is in: the iteration has caught up and must
  // wait for more instead of ending.
  std::thread producer([&] {
    while (!first_seen.load()) std::this_thread::yield();
    produce("live", 1, 3);
  });
  for (auto& r : consumer | std::views::take(3)) {
    got.push_back(r.value()["n"]);
    first_seen = true;
  }
  producer.join();
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
}

TEST_P(ConsumerTest, StopTokenEndsAWaitingIteration) {
  produce("quiet", 0, 1);
  std::stop_source source;
  auto consumer = client().consumer(
      "quiet", {.group = "g", .offset = kafka::Offset::earliest, .stop = source.get_token()});
  std::atomic<int> seen{0};
  std::atomic<bool> ended{false};
  BoundedThread loop([&] {
    for (auto& r : consumer) {
      (void)r;
      ++seen;
    }
    ended = true;
  });
  // Stop only once the loop has had its record and waits for a next one that never comes.
  wait_for_count(seen, 1);
  ASSERT_EQ(seen.load(), 1);
  EXPECT_FALSE(ended.load());
  source.request_stop();
  loop.join();
  EXPECT_TRUE(ended.load());
  EXPECT_EQ(seen.load(), 1);
}

TEST_P(ConsumerTest, StopFromAnotherThreadEndsEach) {
  produce("orders", 0, 10);
  auto consumer = client().consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  std::atomic<int> seen{0};
  std::atomic<bool> ended{false};
  BoundedThread loop([&] {
    consumer.each([&](kafka::Record&) { ++seen; });
    ended = true;
  });
  // each() has read everything and waits on its thread; stop() comes from this one.
  wait_for_count(seen, 10);
  ASSERT_EQ(seen.load(), 10);
  EXPECT_FALSE(ended.load());
  consumer.stop();
  loop.join();
  EXPECT_TRUE(ended.load());
  EXPECT_EQ(seen.load(), 10);
}

TEST_P(ConsumerTest, StopEndsIterationEvenWithRecordsAlreadyFetched) {
  produce("orders", 0, 10);
  auto consumer = client().consumer("orders", {.group = "g", .offset = kafka::Offset::earliest});
  int seen = 0;
  consumer.each([&](kafka::Record&) {
    if (++seen == 5) consumer.stop();
  });
  EXPECT_EQ(seen, 5);
}

TEST_P(ConsumerTest, OutOfOrderCommitsStopAtTheFirstUnfinishedRecord) {
  produce("orders", 0, 10);
  auto consumer = client().consumer(
      "orders", {.group = "ooo", .offset = kafka::Offset::earliest, .auto_commit = false});
  std::vector<kafka::Record> records;
  for (auto& r : consumer | std::views::take(10)) records.push_back(r);
  auto lag = [&] { return client().admin().describe_group("ooo").total_lag; };
  records[9].commit();
  records[5].commit();
  EXPECT_EQ(lag(), 10);  // 0-4 are unfinished: committing past them would lose them on a crash
  for (int i = 0; i < 5; ++i) records[size_t(i)].commit();
  EXPECT_EQ(lag(), 4);  // 0-5 finished; 6 is not
  records[7].commit();
  records[6].commit();
  EXPECT_EQ(lag(), 2);
  records[8].commit();
  EXPECT_EQ(lag(), 0);  // 9 was finished first and is covered now
}

TEST_P(ConsumerTest, CommitByPositionCoversEveryRecordBeforeIt) {
  produce("orders", 0, 10);
  auto consumer = client().consumer(
      "orders", {.group = "pos", .offset = kafka::Offset::earliest, .auto_commit = false});
  std::vector<kafka::Record> records;
  for (auto& r : consumer | std::views::take(10)) records.push_back(r);
  consumer.commit({{kafka::TopicPartition{"orders", 0}, 6}});
  EXPECT_EQ(client().admin().describe_group("pos").total_lag, 4);
  records[7].commit();
  records[6].commit();  // 0-5 count as finished, so the watermark moves to 8
  EXPECT_EQ(client().admin().describe_group("pos").total_lag, 2);
  consumer.commit();  // everything consumed
  EXPECT_EQ(client().admin().describe_group("pos").total_lag, 0);
}

TEST_P(ConsumerTest, WaitForAssignmentThenLatestSeesEverythingProducedAfter) {
  produce("orders", 0, 3);
  auto consumer = client().consumer("orders", {.group = "late2"});  // default: latest
  ASSERT_TRUE(consumer.wait_for_assignment(10s));
  produce("orders", 3, 5);
  EXPECT_EQ(consumer.first(10s).value()["n"], 3);
  EXPECT_EQ(consumer.first(10s).value()["n"], 4);
}

TEST_P(ConsumerTest, LatestSkipsWhatWasThereBefore) {
  produce("orders", 0, 5);
  auto consumer = client().consumer("orders", {.group = "late", .offset = kafka::Offset::latest});
  EXPECT_TRUE(consumer.poll(50ms).empty());
  produce("orders", 5, 6);
  EXPECT_EQ(consumer.first(10s).value()["n"], 5);
}

TEST_P(ConsumerTest, AtTimeLandsOnTheFirstRecordAtOrAfterIt) {
  const auto base = std::chrono::system_clock::now() - 10h;
  client().producer("events", [&](kafka::Producer& p) {
    for (int i = 0; i < 10; ++i) p.send({{"n", i}}, {.timestamp = base + std::chrono::hours(i)});
  });
  auto consumer = client().consumer(
      "events", {.group = "replay", .offset = kafka::Offset::at(base + 6h + 30min)});
  const kafka::Record r = consumer.first(10s);
  EXPECT_EQ(r.value()["n"], 7);
  EXPECT_EQ(r.offset(), 7);
  auto exact =
      client().consumer("events", {.group = "exact", .offset = kafka::Offset::at(base + 3h)});
  EXPECT_EQ(exact.first(10s).value()["n"], 3);
}

TEST_P(ConsumerTest, CommittedOffsetsWinOverTheOffsetPolicyAndSurviveRestart) {
  produce("orders", 0, 10);
  {
    auto consumer = client().consumer(
        "orders", {.group = "g", .offset = kafka::Offset::earliest, .auto_commit = false});
    for (auto& r : consumer | std::views::take(4)) r.commit();
  }
  if (durable()) reopen();
  auto consumer = client().consumer(
      "orders", {.group = "g", .offset = kafka::Offset::earliest, .auto_commit = false});
  EXPECT_EQ(consumer.first(10s).value()["n"], 4);
}

TEST_P(ConsumerTest, AutoCommitCommitsWhatTheApplicationMovedPast) {
  produce("orders", 0, 10);
  {
    auto consumer = client().consumer("orders", {.group = "auto",
                                                 .offset = kafka::Offset::earliest,
                                                 .auto_commit = true,
                                                 .auto_commit_interval = 1h});
    for (auto& r : consumer | std::views::take(6)) (void)r;
    // Close commits what was consumed even though the interval has not passed.
  }
  auto consumer = client().consumer("orders", {.group = "auto", .offset = kafka::Offset::earliest});
  EXPECT_EQ(consumer.first(10s).value()["n"], 6);
}

TEST_P(ConsumerTest, InvalidJsonRaisesSerializationErrorNamingTheRecordAndTheConsumerGoesOn) {
  client().producer("mixed", [](kafka::Producer& p) {
    p.send_raw("not json {");
    p.send({{"ok", true}});
  });
  auto consumer = client().consumer("mixed", {.group = "g", .offset = kafka::Offset::earliest});
  kafka::Record bad = consumer.first(10s);
  try {
    (void)bad.value();
    FAIL() << "expected SerializationError";
  } catch (const kafka::SerializationError& e) {
    EXPECT_NE(std::string(e.what()).find("mixed/0@0"), std::string::npos) << e.what();
  }
  EXPECT_EQ(bad.raw_value(), "not json {");
  EXPECT_EQ(consumer.first(10s).value()["ok"], true);
}

struct Order {
  std::string id;
  double amount = 0;
};
void to_json(kafka::Json& j, const Order& o) { j = {{"id", o.id}, {"amount", o.amount}}; }
void from_json(const kafka::Json& j, Order& o) {
  j.at("id").get_to(o.id);
  j.at("amount").get_to(o.amount);
}

TEST_P(ConsumerTest, TypedValuesConvertThroughToJsonAndFromJson) {
  client().producer("typed", [](kafka::Producer& p) { p.send(Order{"o-1", 12.5}); });
  auto consumer = client().consumer("typed", {.group = "g", .offset = kafka::Offset::earliest});
  const auto r = consumer.first(10s);
  const Order o = r.value<Order>();
  EXPECT_EQ(o.id, "o-1");
  EXPECT_DOUBLE_EQ(o.amount, 12.5);
  EXPECT_THROW((void)r.value<std::vector<int>>(), kafka::SerializationError);
}

TEST_P(ConsumerTest, CommitFromAnotherThreadIsSafe) {
  produce("orders", 0, 200);
  {
    auto consumer = client().consumer(
        "orders", {.group = "pool", .offset = kafka::Offset::earliest, .auto_commit = false});
    std::vector<std::thread> workers;
    std::mutex mu;
    std::vector<kafka::Record> taken;
    for (auto& r : consumer | std::views::take(200)) taken.push_back(r);
    for (int w = 0; w < 4; ++w) {
      workers.emplace_back([&, w] {
        for (size_t i = size_t(w); i < taken.size(); i += 4) taken[i].commit();
      });
    }
    for (auto& t : workers) t.join();  // commits in any order end at the last record
  }
  auto admin = client().admin();
  const auto d = admin.describe_group("pool");
  EXPECT_EQ(d.total_lag, 0);
}

TEST_P(ConsumerTest, CommitAsyncReportsCompletion) {
  produce("orders", 0, 3);
  auto consumer = client().consumer(
      "orders", {.group = "g", .offset = kafka::Offset::earliest, .auto_commit = false});
  std::atomic<int> done{0};
  for (auto& r : consumer | std::views::take(3)) {
    r.commit_async([&](const kafka::Error* e) {
      EXPECT_EQ(e, nullptr);
      ++done;
    });
  }
  EXPECT_TRUE(eventually([&] { return done.load() == 3; }));
}

TEST_P(ConsumerTest, BatchConsumerHandsOverBatchesBySizeAndTimeout) {
  produce("orders", 0, 250);
  auto consumer = client().batch_consumer(
      "orders", {.group = "batch", .offset = kafka::Offset::earliest, .auto_commit = false},
      {.size = 100, .timeout = 200ms});
  std::vector<size_t> sizes;
  int64_t next = 0;
  while (next < 250) {
    auto batch = consumer.next_batch();
    ASSERT_TRUE(batch);
    sizes.push_back(batch->size());
    for (auto& r : *batch) EXPECT_EQ(r.offset(), next++);
    batch->commit();
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));  // the last one by timeout
  consumer.close();
  EXPECT_EQ(client().admin().describe_group("batch").total_lag, 0);
}

TEST_P(ConsumerTest, WithAutoCommitABatchWhoseCallbackThrowsIsNotCommitted) {
  produce("orders", 0, 30);
  {
    auto consumer = client().batch_consumer(
        "orders", {.group = "ab", .offset = kafka::Offset::earliest}, {.size = 10, .timeout = 1s});
    int batches = 0;
    EXPECT_THROW(consumer.each_batch([&](kafka::Batch&) {
      if (++batches == 2) throw std::runtime_error("processing failed");
    }),
                 std::runtime_error);
  }  // closed: auto_commit commits what was processed, the first batch
  EXPECT_EQ(client().admin().describe_group("ab").total_lag, 20);
}

TEST_P(ConsumerTest, EachBatchEndsWhenStopped) {
  produce("orders", 0, 30);
  auto consumer = client().batch_consumer(
      "orders", {.group = "b", .offset = kafka::Offset::earliest}, {.size = 10, .timeout = 100ms});
  int batches = 0;
  consumer.each_batch([&](kafka::Batch& batch) {
    EXPECT_EQ(batch.size(), 10u);
    batch.commit();
    if (++batches == 3) consumer.stop();
  });
  EXPECT_EQ(batches, 3);
}

TEST_P(ConsumerTest, FetchMinBytesWaitsForMoreUntilFetchMaxWait) {
  auto consumer = client().consumer("trickle", {.group = "g",
                                                .offset = kafka::Offset::earliest,
                                                .fetch_min_bytes = 1000,
                                                .fetch_max_wait = 3s});
  produce("trickle", 0, 1);  // about 8 bytes: below fetch_min_bytes
  const auto start = std::chrono::steady_clock::now();
  std::vector<kafka::Record> got;
  while (got.empty() && std::chrono::steady_clock::now() - start < 10s) got = consumer.poll(5s);
  EXPECT_EQ(got.size(), 1u);
  // Held back for fetch_max_wait (a lower bound: a slow machine cannot make it fail).
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2900ms);
  consumer.close();
  // Enough bytes: returned without waiting for fetch_max_wait, which here is far longer than
  // the whole wait this test allows.
  client().producer("trickle", [](kafka::Producer& p) { p.send(std::string(2000, 'x')); });
  auto eager = client().consumer("trickle", {.group = "g2",
                                             .offset = kafka::Offset::earliest,
                                             .fetch_min_bytes = 1000,
                                             .fetch_max_wait = 120s});
  std::vector<kafka::Record> both;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (both.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    for (auto& r : eager.poll(5s)) both.push_back(std::move(r));
  }
  EXPECT_EQ(both.size(), 2u);
}

TEST_P(ConsumerTest, OptionsAreValidated) {
  EXPECT_THROW(client().consumer("t", {}), kafka::ConfigError);  // no group
  EXPECT_THROW(client().consumer("t", {.group = "g", .max_poll_records = 0}), kafka::ConfigError);
  EXPECT_THROW(
      client().consumer("t", {.group = "g", .session_timeout = 1s, .heartbeat_interval = 2s}),
      kafka::ConfigError);
  EXPECT_THROW(client().consumer("t", {.group = "g", .session_timeout = "30x"}),
               kafka::ConfigError);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConsumerTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
