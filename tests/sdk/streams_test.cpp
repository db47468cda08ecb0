// Stream processing on real topics, on every backend: runs that stop when caught up, offsets
// committed so a second run continues, windows emitted at the end, joins in event-time order
// across topics written at different times, state restored from the changelog after a crash
// (with the exact at-least-once bound), dead letters, and a run stopped by its stop_token.
#include <atomic>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

using kafka::Json;

// Event times from 2023-11-14 on (librdkafka takes a timestamp of 0 to mean "now").
constexpr int64_t kBase = 1'700'000'000'000 - 1'700'000'000'000 % 3600'000;
kafka::Timestamp at(int64_t ms) { return kafka::Timestamp(std::chrono::milliseconds(kBase + ms)); }

class StreamsTest : public SdkTest {
 protected:
  // Every value of `topic` from the beginning (waits for `count`, then briefly for more).
  std::vector<Json> read(const std::string& topic, size_t count) {
    auto consumer = client().consumer(topic, {.group = "reader-" + std::to_string(++readers_),
                                              .offset = kafka::Offset::earliest,
                                              .auto_commit = false});
    std::vector<Json> values;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (values.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& r : consumer.poll(200ms)) values.push_back(r.value());
    }
    for (auto& r : consumer.poll(remote() ? 1000ms : 200ms)) values.push_back(r.value());
    return values;
  }
  int readers_ = 0;
};

TEST_P(StreamsTest, FilterMapToRunsUntilCaughtUpAndASecondRunContinues) {
  auto orders = [&](std::initializer_list<int> amounts) {
    client().producer("orders", [&](kafka::Producer& p) {
      for (int a : amounts) p.send({{"amount", a}});
    });
  };
  auto run = [&] {
    client()
        .stream("orders", kafka::StreamOptions{.application_id = "app", .until_caught_up = true})
        .filter([](const Json& o) { return o["amount"].get<double>() > 100; })
        .map([](Json o) {
          o["tier"] = "premium";
          return o;
        })
        .to("high-value-orders");
  };
  orders({50, 150, 300});
  run();
  orders({500, 5});
  run();  // committed offsets: only the new records are processed
  const auto out = read("high-value-orders", 3);
  EXPECT_EQ(out, (std::vector<Json>{{{"amount", 150}, {"tier", "premium"}},
                                    {{"amount", 300}, {"tier", "premium"}},
                                    {{"amount", 500}, {"tier", "premium"}}}));
}

TEST_P(StreamsTest, WindowedCountEmitsEveryWindowOnceByTheEndOfACaughtUpRun) {
  client().producer("orders", [&](kafka::Producer& p) {
    for (int64_t t : {1000, 2000, 299'000, 300'000, 301'000}) {
      p.send({{"customer_id", t < 2500 ? "c1" : "c2"}}, {.timestamp = at(t)});
    }
  });
  std::vector<std::string> lines;
  client()
      .stream("orders", kafka::StreamOptions{.application_id = "counts", .until_caught_up = true})
      .window(kafka::tumbling(5min))
      .group_by([](const Json& o) { return o["customer_id"]; })
      .count()
      .each([&](const Json& key, const kafka::Window& w) {
        lines.push_back(key.get<std::string>() + " " + w.value().dump() + " " +
                        std::to_string(w.start().time_since_epoch() / 1ms - kBase));
      });
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"c1 2 0", "c2 1 0", "c2 2 300000"}));
}

// The window worked examples (docs/streams.md) on real topics, two terminal operations in one
// Topology run: sliding windows of 5 s over 8000, 9200, 12400; sessions with a gap of 5 ms over
// 10, 12, 20 and then 16, which bridges the two sessions.
TEST_P(StreamsTest, WindowKnownAnswersHoldOnRealTopics) {
  client().producer("clicks", [&](kafka::Producer& p) {
    for (int64_t t : {8000, 9200, 12400}) p.send(t, {.key = "A", .timestamp = at(t)});
  });
  client().producer("visits", [&](kafka::Producer& p) {
    for (int64_t t : {10, 12, 20, 16}) p.send(t, {.key = "A", .timestamp = at(t)});
  });
  std::vector<std::string> sliding, sessions;
  auto collect = [](std::vector<std::string>& out) {
    return [&out](const Json& key, const kafka::Window& w) {
      out.push_back(key.get<std::string>() + "[" +
                    std::to_string(w.start().time_since_epoch() / 1ms - kBase) + "," +
                    std::to_string(w.end().time_since_epoch() / 1ms - kBase) +
                    "]=" + w.value().dump());
    };
  };
  kafka::Topology app;
  app.stream("clicks").window(kafka::sliding(5s)).group_by_key().count().each(collect(sliding));
  app.stream("visits")
      .window(kafka::session(5ms).grace(10ms))
      .group_by_key()
      .count()
      .each(collect(sessions));
  app.run(client(), {.application_id = "windows", .until_caught_up = true});
  EXPECT_EQ(sliding,
            (std::vector<std::string>{"A[3000,8000]=1", "A[4200,9200]=2", "A[7400,12400]=3",
                                      "A[8001,13001]=2", "A[9201,14201]=1"}));
  EXPECT_EQ(sessions, (std::vector<std::string>{"A[10,20]=4"}));
}

TEST_P(StreamsTest, BranchWithOtherwiseOnRealTopics) {
  client().producer("orders", [&](kafka::Producer& p) {
    for (const char* region : {"us", "eu", "us", "apac"}) p.send({{"region", region}});
  });
  client()
      .stream("orders", kafka::StreamOptions{.application_id = "router", .until_caught_up = true})
      .branch({{[](const Json& o) { return o["region"] == "us"; }, "us-orders"},
               {[](const Json& o) { return o["region"] == "eu"; }, "eu-orders"},
               {kafka::otherwise, "other-orders"}});
  EXPECT_EQ(read("us-orders", 2).size(), 2u);
  EXPECT_EQ(read("eu-orders", 1), (std::vector<Json>{{{"region", "eu"}}}));
  EXPECT_EQ(read("other-orders", 1), (std::vector<Json>{{{"region", "apac"}}}));
}

// The join matches although every order was written before any customer: records of both
// inputs are processed in timestamp order, not in the order they arrive.
TEST_P(StreamsTest, JoinMatchesAcrossTopicsWrittenAtDifferentTimes) {
  const int64_t hour = 3600'000;
  client().producer("orders", [&](kafka::Producer& p) {
    for (int i = 0; i < 3; ++i)
      p.send({{"customer_id", "c" + std::to_string(i)}}, {.timestamp = at(2 * i * hour)});
  });
  client().producer("customers", [&](kafka::Producer& p) {
    for (int i = 0; i < 3; ++i) {
      p.send({{"id", "c" + std::to_string(i)}, {"name", "n" + std::to_string(i)}},
             {.timestamp = at(2 * i * hour + 60'000)});
    }
  });
  auto orders = client().stream(
      "orders", kafka::StreamOptions{.application_id = "join", .until_caught_up = true});
  auto customers = client().stream("customers");
  std::vector<std::string> matched;
  orders
      .join(customers,
            {.on = [](const Json& o, const Json& c) { return o["customer_id"] == c["id"]; },
             .window = 1h})
      .each([&](const Json& order, const Json& customer) {
        matched.push_back(order["customer_id"].get<std::string>() + "=" +
                          customer["name"].get<std::string>());
      });
  EXPECT_EQ(matched, (std::vector<std::string>{"c0=n0", "c1=n1", "c2=n2"}));
}

// The crash tests' input: kRecords integers keyed k0..k(kKeys-1) round robin, to `events`.
constexpr int kRecords = 3000, kKeys = 10;

// A run that failed part-way left `group` with a committed offset; a second run of the same count
// must restore the counts from the changelog, reprocess exactly the records from that offset on,
// and end with the counts of a run without the failure.
// With `state_dir`, the count's store is on RocksDB there (restored from its checkpoint).
void expect_exact_recount(kafka::Client& client, const std::string& group, int crash_at,
                          const std::string& state_dir = "",
                          kafka::RestoreProgress* restore = nullptr) {
  const auto description = client.admin().describe_group(group);
  ASSERT_EQ(description.partitions.size(), 1u);
  const int64_t committed = std::max<int64_t>(0, description.partitions[0].committed);
  EXPECT_LT(committed, crash_at);
  EXPECT_GT(committed, 0) << "nothing was committed before the crash: the restore went untested";

  std::map<std::string, int64_t> first_update, last;
  int calls = 0;
  client
      .stream("events",
              kafka::StreamOptions{.application_id = group,
                                   .until_caught_up = true,
                                   .state_store = state_dir.empty() ? kafka::StoreType::memory
                                                                    : kafka::StoreType::rocksdb,
                                   .state_dir = state_dir,
                                   .on_restore =
                                       [&](const kafka::RestoreProgress& p) {
                                         if (restore && p.done) *restore = p;
                                       }})
      .group_by_key()
      .count({.name = "counts"})
      .each([&](const Json& key, int64_t n) {
        ++calls;
        first_update.try_emplace(key.get<std::string>(), n);
        last[key.get<std::string>()] = n;
      });
  EXPECT_EQ(calls, kRecords - committed) << "committed " << committed;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "k" + std::to_string(k);
    EXPECT_EQ(last[key], kRecords / kKeys) << key;
    // Restored: the key's records before the committed offset, then the first one after it.
    int64_t before = 0;
    for (int64_t i = 0; i < committed; ++i) before += i % kKeys == k;
    if (first_update.contains(key)) {
      EXPECT_EQ(first_update[key], before + 1) << key;
    }
  }
}

void produce_events(kafka::Client& client) {
  client.producer("events", [&](kafka::Producer& p) {
    for (int i = 0; i < kRecords; ++i) p.send(i, {.key = "k" + std::to_string(i % kKeys)});
  });
}

// A run that fails part-way (as a crash would: nothing after the last commit is committed).
TEST_P(StreamsTest, ARestartedRunRestoresItsCountsAndRecountsOnlyRecordsAfterTheLastCommit) {
  constexpr int kCrashAt = 1700;
  produce_events(client());
  int calls = 0;
  EXPECT_THROW(client()
                   .stream("events", kafka::StreamOptions{.application_id = "restart",
                                                          .until_caught_up = true,
                                                          .commit_interval = 0ms})
                   .group_by_key()
                   .count({.name = "counts"})
                   .each([&](const Json&, int64_t) {
                     if (++calls == kCrashAt) throw std::runtime_error("crash");
                   }),
               kafka::StreamProcessingError);
  expect_exact_recount(client(), "restart", kCrashAt);
}

// The same with a real crash: a separate process SIGKILLs itself part-way through the input
// (durable backends only: memory: does not outlive a process).
TEST_P(StreamsTest, AProcessKilledMidRunLosesNoCountAndRecountsOnlyAfterTheLastCommit) {
  if (!durable()) GTEST_SKIP() << "memory: does not outlive the process";
  constexpr int kCrashAt = 2100;
  produce_events(client());
  const std::string url = options().url;
  client_.reset();  // file: one process owns the data directory
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(KAFKA_DO_STREAMS_CRASH_APP, KAFKA_DO_STREAMS_CRASH_APP, url.c_str(),
            std::to_string(kCrashAt).c_str(), "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  expect_exact_recount(client(), "crash", kCrashAt);
}

// The same on a RocksDB store: the killed process leaves its local rows at its last commit's
// checkpoint, and the recount restores only the changelog tail past it.
TEST_P(StreamsTest, AProcessKilledMidRunOnARocksDbStoreRestoresFromItsCheckpoint) {
  if (!durable()) GTEST_SKIP() << "memory: does not outlive the process";
  constexpr int kCrashAt = 2100;
  produce_events(client());
  const std::string url = options().url;
  const std::string state_dir = tmp_ / "state";
  client_.reset();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(KAFKA_DO_STREAMS_CRASH_APP, KAFKA_DO_STREAMS_CRASH_APP, url.c_str(),
            std::to_string(kCrashAt).c_str(), "0", ("rocksdb=" + state_dir).c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  ASSERT_TRUE(std::filesystem::exists(state_dir + "/crash/counts/CURRENT"));
  const auto changelog = client().admin().describe_topic("crash-counts-changelog");
  kafka::RestoreProgress restore;
  expect_exact_recount(client(), "crash", kCrashAt, state_dir, &restore);
  EXPECT_TRUE(restore.from_checkpoint);
  EXPECT_TRUE(restore.done);
  EXPECT_LT(restore.total, changelog.partition_info.at(0).high_watermark);
}

// Runs streams_crash_app with `args` and waits (at most a minute) for it to SIGKILL itself.
void run_until_killed(const std::vector<std::string>& args) {
  std::vector<std::string> all{KAFKA_DO_STREAMS_CRASH_APP};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;  // built before fork: the child only calls async-signal-safe functions
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "streams_crash_app did not reach its crash point within 60 s";
    }
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
}

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : fallback;
}

// Key -> the counts in `topic` for it, in log order (`isolation` as a consumer reads them).
std::map<std::string, std::vector<int64_t>> counts_by_key(kafka::Client& client,
                                                          const std::string& topic,
                                                          kafka::Isolation isolation) {
  const bool committed = isolation == kafka::Isolation::read_committed;
  auto consumer = client.consumer(topic, {.group = "reader-" + topic + (committed ? "-rc" : "-ru"),
                                          .offset = kafka::Offset::earliest,
                                          .auto_commit = false,
                                          .isolation = isolation});
  std::map<std::string, std::vector<int64_t>> counts;
  EXPECT_TRUE(eventually([&] {
    for (const auto& r : consumer.poll(100ms)) {
      const Json value = r.value();  // streams_crash_app pads its updates: {"count": n, ...}
      counts[std::string(r.key())].push_back(
          (value.is_object() ? value["count"] : value).get<int64_t>());
    }
    const auto lag = consumer.lag();
    return !lag.empty() && lag.begin()->second == 0;
  }));
  return counts;
}

// The proof of exactly-once, scaled for `make test` (KAFKA_DO_SOAK_ROUNDS, 3 here):
// the same count runs at-least-once and exactly-once, each through the same processes that
// SIGKILL themselves at random points (each after a commit of its own, right after an update
// that the log holds — exactly once, inside an open transaction), then a run to the end. Exactly
// once, every key's updates read committed are 1, 2, ..., n: none twice, none missing. At least
// once, none is missing either, but the killed intervals were counted again.
TEST_P(StreamsTest, ExactlyOnceOutputsEveryCountOnceThroughKilledProcesses) {
  if (!durable()) GTEST_SKIP() << "memory: does not outlive the process";
  const int rounds = env_int("KAFKA_DO_SOAK_ROUNDS", 3);
  const int records = 6000 * (rounds + 1);
  client().producer("events", [&](kafka::Producer& p) {
    for (int i = 0; i < records; ++i) p.send(i, {.key = "k" + std::to_string(i % kKeys)});
  });
  const std::string url = options().url;
  client_.reset();  // file: one process owns the data directory
  std::mt19937 random(std::random_device{}());
  std::vector<int> crash_points;
  // Each process gets fewer than 6000 records before its kill (its crash point, then up to a
  // commit and a few more updates), so the input never runs out.
  for (int i = 0; i < rounds; ++i) crash_points.push_back(500 + int(random() % 1000));
  for (const bool eos : {false, true}) {
    const std::string app = eos ? "eos" : "alos";
    for (const int crash_after : crash_points) {
      // After a commit of its own, so the restart starts from it; exactly once, inside an
      // open transaction with records in the log; at least once, after its last update is.
      std::vector<std::string> args{url,          std::to_string(crash_after), "20",
                                    "app=" + app, "to=" + app + "-out",        "after_commit"};
      if (eos) {
        args.insert(args.end(), {"eos", "in_open_tx"});
      } else {
        args.push_back("wait_written");
      }
      run_until_killed(args);
      if (HasFatalFailure()) return;
    }
    const auto group = client().admin().describe_group(app);
    ASSERT_EQ(group.partitions.size(), 1u);
    EXPECT_GT(group.partitions[0].committed, 0) << app << ": the kills came before any commit";
    client_.reset();
    client()
        .stream("events", kafka::StreamOptions{.application_id = app,
                                               .until_caught_up = true,
                                               .commit_interval = 20ms,
                                               .processing_guarantee =
                                                   eos ? kafka::ProcessingGuarantee::exactly_once
                                                       : kafka::ProcessingGuarantee::at_least_once})
        .group_by_key()
        .count({.name = "counts"})
        .to(app + "-out");
    client_.reset();
  }
  std::vector<int64_t> expected(records / kKeys);
  std::iota(expected.begin(), expected.end(), 1);

  const auto exactly = counts_by_key(client(), "eos-out", kafka::Isolation::read_committed);
  ASSERT_EQ(exactly.size(), size_t(kKeys));
  for (const auto& [key, counts] : exactly) EXPECT_EQ(counts, expected) << key;

  const auto at_least = counts_by_key(client(), "alos-out", kafka::Isolation::read_committed);
  size_t updates = 0;
  for (const auto& [key, counts] : at_least) {
    updates += counts.size();
    EXPECT_EQ(std::set<int64_t>(counts.begin(), counts.end()),
              std::set<int64_t>(expected.begin(), expected.end()))
        << key;
    EXPECT_EQ(counts.back(), int64_t(expected.size())) << key;
  }
  EXPECT_GT(updates, size_t(records)) << "no killed interval was counted twice: the test is blind";

  {
    // The killed transactions' records are in the log (in_open_tx), and read_committed
    // skipped them.
    size_t uncommitted = 0;
    for (const auto& [_, counts] :
         counts_by_key(client(), "eos-out", kafka::Isolation::read_uncommitted)) {
      uncommitted += counts.size();
    }
    EXPECT_GT(uncommitted, size_t(records));
  }
}

// A RocksDB store across runs: a clean restart reads nothing back (its checkpoint is the
// changelog's end); a store left behind at an older checkpoint (a crash after the changelog was
// written, before the local rows) reads only the tail; a lost state directory reads everything.
// The counts are those of one uninterrupted run every time.
TEST_P(StreamsTest, ARocksDbStoreRestoresFromItsCheckpointOnlyWhatItLacks) {
  const std::string state_dir = tmp_ / "state";
  const std::string store_dir = state_dir + "/rocks/counts";
  std::vector<kafka::RestoreProgress> restores;
  auto run = [&] {
    restores.clear();
    std::map<std::string, int64_t> last;
    client()
        .stream("events", kafka::StreamOptions{.application_id = "rocks",
                                               .until_caught_up = true,
                                               .commit_interval = 0ms,
                                               .state_dir = state_dir,
                                               .on_restore =
                                                   [&](const kafka::RestoreProgress& p) {
                                                     if (p.done) restores.push_back(p);
                                                   }})
        .group_by_key()
        .count({.name = "counts", .store = kafka::StoreType::rocksdb})
        .each([&](const Json& key, int64_t n) { last[key.get<std::string>()] = n; });
    return last;
  };
  auto expect_counts = [&](const std::map<std::string, int64_t>& last, int64_t each) {
    ASSERT_EQ(last.size(), static_cast<size_t>(kKeys));
    for (const auto& [key, n] : last) EXPECT_EQ(n, each) << key;
  };
  produce_events(client());
  expect_counts(run(), kRecords / kKeys);
  ASSERT_EQ(restores.size(), 1u);
  EXPECT_EQ(restores[0].total, 0);  // a new changelog
  std::filesystem::copy(store_dir, tmp_ / "older", std::filesystem::copy_options::recursive);

  produce_events(client());
  expect_counts(run(), 2 * kRecords / kKeys);
  ASSERT_EQ(restores.size(), 1u);
  EXPECT_TRUE(restores[0].from_checkpoint);
  EXPECT_EQ(restores[0].total, 0) << "a clean restart read the changelog back";

  // Back to the older checkpoint: the tail run 2 wrote is read back, and nothing before it.
  std::filesystem::remove_all(store_dir);
  std::filesystem::copy(tmp_ / "older", store_dir, std::filesystem::copy_options::recursive);
  const auto changelog = client().admin().describe_topic("rocks-counts-changelog");
  const int64_t end = changelog.partition_info.at(0).high_watermark;
  produce_events(client());
  expect_counts(run(), 3 * kRecords / kKeys);
  ASSERT_EQ(restores.size(), 1u);
  EXPECT_TRUE(restores[0].from_checkpoint);
  EXPECT_GT(restores[0].total, 0);
  EXPECT_LT(restores[0].total, end) << "the whole changelog was read back";
  EXPECT_GT(restores[0].restored, 0);
  EXPECT_LE(restores[0].restored, restores[0].total);  // compaction may have thinned the tail

  // No local state at all: everything is read back.
  std::filesystem::remove_all(state_dir);
  produce_events(client());
  expect_counts(run(), 4 * kRecords / kKeys);
  ASSERT_EQ(restores.size(), 1u);
  EXPECT_FALSE(restores[0].from_checkpoint);
  EXPECT_GE(restores[0].total, end);
  EXPECT_GT(restores[0].restored, 0);
  EXPECT_LE(restores[0].restored, restores[0].total);
}

// Windows on RocksDB through real topics: the same windows, emitted once each, as in memory.
TEST_P(StreamsTest, WindowedCountsOnRocksDbEqualThoseInMemory) {
  client().producer("orders", [&](kafka::Producer& p) {
    for (int i = 0; i < 2000; ++i) {
      p.send({{"customer_id", "c" + std::to_string(i % 37)}}, {.timestamp = at(i * 997 % 900'000)});
    }
  });
  auto run = [&](kafka::StoreType store) {
    std::vector<std::string> lines;
    kafka::Topology app;
    auto orders = app.stream("orders").window(kafka::tumbling(1min).grace(10min));
    orders.group_by([](const Json& o) { return o["customer_id"]; })
        .count()
        .each([&](const Json& key, const kafka::Window& w) {
          lines.push_back(key.get<std::string>() + " " + w.value().dump() + " " +
                          std::to_string(w.start().time_since_epoch() / 1ms - kBase));
        });
    app.stream("orders")
        .window(kafka::session(20s))
        .group_by([](const Json& o) { return o["customer_id"]; })
        .count()
        .each([&](const Json& key, const kafka::Window& w) {
          lines.push_back("session " + key.get<std::string>() + " " + w.value().dump() + " " +
                          std::to_string(w.start().time_since_epoch() / 1ms - kBase));
        });
    app.run(client(), {.application_id = std::string("w-") +
                                         (store == kafka::StoreType::memory ? "memory" : "rocksdb"),
                       .until_caught_up = true,
                       .commit_interval = 0ms,
                       .state_store = store,
                       .state_dir = tmp_ / "state",
                       .rocksdb_cached_rows = 10});
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  const auto memory = run(kafka::StoreType::memory);
  EXPECT_GT(memory.size(), 500u);
  EXPECT_EQ(run(kafka::StoreType::rocksdb), memory);
}

// Input written in transactions ends in markers the consumer never returns: the run still sees
// that it caught up, and reads committed records only.
TEST_P(StreamsTest, ATransactionalInputIsReadCommittedAndTheRunStillFinishes) {
  client().transaction("tx-in", [](kafka::Transaction& tx) {
    tx.send(1);
    tx.send(2);
  });
  EXPECT_THROW(client().transaction("tx-in",
                                    [](kafka::Transaction& tx) {
                                      tx.send(100);
                                      throw std::runtime_error("abort");
                                    }),
               std::runtime_error);
  client().transaction("tx-in", [](kafka::Transaction& tx) { tx.send(3); });
  int64_t sum = 0;
  client()
      .stream("tx-in", kafka::StreamOptions{.application_id = "tx", .until_caught_up = true})
      .each([&](const Json& v) { sum += v.get<int64_t>(); });
  EXPECT_EQ(sum, 6);
}

TEST_P(StreamsTest, BadRecordsGoToTheDeadLetterTopicAndTheRunGoesOn) {
  client().producer("payments", [&](kafka::Producer& p) {
    p.send({{"amount", 5}});
    p.send_raw("{oops", {.key = "bad"});
    p.send({{"amount", 7}});
  });
  client()
      .stream("payments", kafka::StreamOptions{.application_id = "pay",
                                               .until_caught_up = true,
                                               .on_error = kafka::OnError::log_and_continue,
                                               .dead_letter_topic = "payments-dlq"})
      .map([](const Json& p) { return p["amount"]; })
      .to("amounts");
  EXPECT_EQ(read("amounts", 2), (std::vector<Json>{5, 7}));
  auto consumer =
      client().consumer("payments-dlq", {.group = "dlq", .offset = kafka::Offset::earliest});
  const auto dead = consumer.first(20s);
  EXPECT_EQ(dead.raw_value(), "{oops");
  EXPECT_EQ(dead.headers().get("kafka-do.source"), "payments/0@1");
}

TEST_P(StreamsTest, ARunWithoutUntilCaughtUpEndsWhenItsStopTokenIsTriggered) {
  std::stop_source stop;
  std::atomic<int> seen{0};
  kafka::Client& kafka = client();  // made here: the runner thread and this one share it
  std::thread runner([&] {
    kafka.stream("live", kafka::StreamOptions{.application_id = "live", .stop = stop.get_token()})
        .each([&](const Json&) { ++seen; });
  });
  EXPECT_TRUE(eventually([&] {
    kafka.producer("live", [](kafka::Producer& p) { p.send(1); });
    return seen.load() > 0;
  }));
  stop.request_stop();
  runner.join();

  // A Topology's run ends on close() from another thread too.
  kafka::Topology app;
  std::atomic<int> more{0};
  app.stream("live").each([&](const Json&) { ++more; });
  std::thread second([&] { app.run(kafka, {.application_id = "live"}); });
  EXPECT_TRUE(eventually([&] {
    kafka.producer("live", [](kafka::Producer& p) { p.send(2); });
    return more.load() > 0;
  }));
  app.close();
  second.join();
}

// Interactive queries on a running Topology: counts read from another thread while records are
// processed (on a RocksDB store where the backend is durable, a memory store otherwise) only
// ever go up, reach the input's counts, and are unavailable before and after the run.
TEST_P(StreamsTest, InteractiveQueriesReadTheCountsOfARunningTopology) {
  constexpr int kUsers = 10, kWaves = 4, kPerWave = 250;
  kafka::Topology app;
  app.stream("clicks").group_by_key().count({.name = "clicks-per-user"}).to("clicks-out");
  const kafka::ReadOnlyStore store = app.store("clicks-per-user");
  EXPECT_THROW(store.get("u1"), kafka::StoreUnavailableError);

  kafka::Client& kafka = client();  // made here: the threads below share it
  std::thread runner([&] {
    app.run(kafka, kafka::StreamOptions{.application_id = "iq",
                                        .commit_interval = 50ms,
                                        .state_store = durable() ? kafka::StoreType::rocksdb
                                                                 : kafka::StoreType::memory,
                                        .state_dir = tmp_ / "state",
                                        .rocksdb_cached_rows = 2});
  });
  std::atomic<bool> done{false};
  std::atomic<int> queries{0};
  std::thread reader([&] {
    std::map<std::string, int64_t> seen;
    while (!done) {
      try {
        for (const auto& kv : store.all()) {
          const std::string key = kv.key.get<std::string>();
          EXPECT_GE(kv.value.get<int64_t>(), seen[key]) << key;
          seen[key] = kv.value.get<int64_t>();
        }
        ++queries;
      } catch (const kafka::StoreUnavailableError&) {  // not started yet
      }
      std::this_thread::yield();
    }
  });
  auto count_of = [&](const std::string& user) -> int64_t {
    try {
      const auto value = store.get(user);
      return value ? value->get<int64_t>() : 0;
    } catch (const kafka::StoreUnavailableError&) {
      return -1;
    }
  };
  if (std::getenv("IQ_DEBUG_SLEEP")) std::this_thread::sleep_for(2s);
  for (int wave = 1; wave <= kWaves; ++wave) {
    kafka.producer("clicks", [&](kafka::Producer& p) {
      for (int i = 0; i < kPerWave; ++i) p.send(1, {.key = "u" + std::to_string(i % kUsers)});
    });
    const int64_t expected = int64_t(wave) * kPerWave / kUsers;
    EXPECT_TRUE(eventually([&] { return count_of("u0") == expected; }, 30s))
        << "wave " << wave << ": u0 = " << count_of("u0");
  }
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = "u" + std::to_string(u);
    EXPECT_TRUE(eventually([&] { return count_of(user) == 100; }, 30s))
        << user << " = " << count_of(user);
  }
  const auto rows = store.range("u0", "u9");
  EXPECT_EQ(rows.size(), size_t(kUsers));
  if (!rows.empty()) {
    EXPECT_EQ(rows.front().key, "u0");
    EXPECT_EQ(rows.back().key, "u9");
  }
  app.close();
  runner.join();
  done = true;
  reader.join();
  EXPECT_GT(queries.load(), 0);
  EXPECT_THROW(store.get("u1"), kafka::StoreUnavailableError);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamsTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
