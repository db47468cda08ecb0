// kafka::ParallelConsumer on every backend: all records processed on several threads and
// committed, key and partition order kept, a failing handler commits nothing past its record,
// and (durable backends) a process SIGKILLed at random points loses nothing and redelivers at
// most max_in_flight records per kill.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

class ParallelConsumerTest : public SdkTest {
 protected:
  // `count` records over the topic's partitions, keyed k0..k(keys-1).
  void produce_keyed(const std::string& topic, int partitions, int count, int keys) {
    client().admin().create_topic(topic, {.partitions = partitions, .if_not_exists = true});
    client().producer(topic, [&](kafka::Producer& p) {
      for (int i = 0; i < count; ++i) p.send(i, {.key = "k" + std::to_string(i % keys)});
    });
  }
  int64_t lag(const std::string& group) { return client().admin().describe_group(group).total_lag; }
};

// A small, random amount of work.
void work(std::mt19937& rng, std::mutex& mu) {
  std::chrono::microseconds delay;
  {
    std::lock_guard lock(mu);
    delay = std::chrono::microseconds(rng() % 200);
  }
  std::this_thread::sleep_for(delay);
}

TEST_P(ParallelConsumerTest, ProcessesEveryRecordOnSeveralThreadsAndCommitsThemAll) {
  constexpr int kRecords = 2000;
  produce_keyed("jobs", 4, kRecords, 50);
  auto pc = client().parallel_consumer("jobs", {.group = "pc", .offset = kafka::Offset::earliest},
                                       {.concurrency = 4, .ordering = kafka::Ordering::none});
  std::mutex mu;
  std::mt19937 rng(1);
  std::set<std::pair<int32_t, int64_t>> seen;
  std::set<std::thread::id> threads;
  int duplicates = 0;
  pc.each([&](kafka::Record& r) {
    work(rng, mu);
    std::lock_guard lock(mu);
    if (!seen.insert({r.partition(), r.offset()}).second) ++duplicates;
    threads.insert(std::this_thread::get_id());
    if (seen.size() == kRecords) pc.stop();
  });
  EXPECT_EQ(seen.size(), size_t(kRecords));
  EXPECT_EQ(duplicates, 0);
  EXPECT_GT(threads.size(), 1u);
  EXPECT_EQ(lag("pc"), 0);  // each() returns after what finished was committed
}

TEST_P(ParallelConsumerTest, KeyOrderingRunsEachKeyInOffsetOrderAndKeysInParallel) {
  constexpr int kRecords = 1500;
  produce_keyed("jobs", 3, kRecords, 12);
  auto pc = client().parallel_consumer("jobs", {.group = "pc", .offset = kafka::Offset::earliest},
                                       {.concurrency = 4, .ordering = kafka::Ordering::key});
  std::mutex mu;
  std::mt19937 rng(2);
  std::map<std::string, std::vector<int64_t>> by_key;
  std::map<std::string, int> running_per_key;
  int running = 0, most_running = 0, same_key_overlap = 0, total = 0;
  pc.each([&](kafka::Record& r) {
    const std::string key(r.key());
    {
      std::lock_guard lock(mu);
      by_key[key].push_back(r.offset());
      if (++running_per_key[key] > 1) ++same_key_overlap;
      most_running = std::max(most_running, ++running);
    }
    work(rng, mu);
    std::lock_guard lock(mu);
    --running_per_key[key];
    --running;
    if (++total == kRecords) pc.stop();
  });
  EXPECT_EQ(total, kRecords);
  EXPECT_EQ(same_key_overlap, 0);
  EXPECT_GT(most_running, 1);  // different keys did run at once
  for (const auto& [key, offsets] : by_key) {
    EXPECT_TRUE(std::is_sorted(offsets.begin(), offsets.end())) << key;
  }
  EXPECT_EQ(lag("pc"), 0);
}

TEST_P(ParallelConsumerTest, AFailingHandlerStopsItAndNothingPastItsRecordIsCommitted) {
  produce_keyed("jobs", 1, 200, 1);
  {
    auto pc =
        client().parallel_consumer("jobs", {.group = "pc", .offset = kafka::Offset::earliest},
                                   {.concurrency = 4, .ordering = kafka::Ordering::partition});
    EXPECT_THROW(pc.each([&](kafka::Record& r) {
      if (r.offset() == 50) throw std::runtime_error("cannot process 50");
    }),
                 std::runtime_error);
  }
  EXPECT_EQ(lag("pc"), 150);  // 0-49 committed; 50 is redelivered
  auto again = client().consumer("jobs", {.group = "pc"});
  EXPECT_EQ(again.first(10s).offset(), 50);
}

TEST_P(ParallelConsumerTest, ABlockedRecordHoldsTheCommitBackButNotTheOtherWorkers) {
  produce_keyed("jobs", 1, 100, 100);
  auto pc = client().parallel_consumer("jobs", {.group = "pc", .offset = kafka::Offset::earliest},
                                       {.concurrency = 2, .ordering = kafka::Ordering::none});
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int others = 0;
  std::thread observer;
  pc.each([&](kafka::Record& r) {
    if (r.offset() == 10) {  // blocks until the 99 others are done and their commit is checked
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return release; }));
      pc.stop();
      return;
    }
    std::lock_guard lock(mu);
    if (++others == 99) {
      observer = std::thread([&] {
        // Everything but offset 10 finished: the group may hold at most 0-9 committed.
        EXPECT_TRUE(eventually([&] { return lag("pc") == 90; }, 5s));
        EXPECT_FALSE(eventually([&] { return lag("pc") < 90; }, 300ms));
        std::lock_guard release_lock(mu);
        release = true;
        cv.notify_all();
      });
    }
  });
  if (observer.joinable()) observer.join();
  EXPECT_EQ(others, 99);
  EXPECT_EQ(lag("pc"), 0);
}

// Every slot busy for longer than the session timeout (on kafka://, librdkafka's
// max.poll.interval.ms) must not cost the membership: the consumer keeps itself alive while it
// does not poll for new records, so nothing is revoked, redelivered or left uncommitted.
TEST_P(ParallelConsumerTest, SlotsBusyLongerThanTheSessionTimeoutKeepTheMembership) {
  constexpr int kRecords = 4;
  constexpr auto kSession = std::chrono::milliseconds(1000);
  produce_keyed("slow", 1, kRecords, kRecords);
  auto pc = client().parallel_consumer(
      "slow",
      {.group = "slow-pc",
       .offset = kafka::Offset::earliest,
       .session_timeout = kSession,
       .heartbeat_interval = std::chrono::milliseconds(200)},
      {.concurrency = 2, .ordering = kafka::Ordering::none, .max_in_flight = 2});
  std::mutex mu;
  std::map<int64_t, int> processed;  // offset -> times
  pc.each([&](kafka::Record& r) {
    std::this_thread::sleep_for(kSession * 2);  // both slots stay busy past the session timeout
    std::lock_guard lock(mu);
    ++processed[r.offset()];
    if (processed.size() == kRecords) pc.stop();
  });
  ASSERT_EQ(processed.size(), size_t(kRecords));
  for (const auto& [offset, times] : processed) EXPECT_EQ(times, 1) << "offset " << offset;
  EXPECT_EQ(lag("slow-pc"), 0);
}

TEST_P(ParallelConsumerTest, RejectsNonsenseOptions) {
  EXPECT_THROW(client().parallel_consumer("jobs", {.group = "pc"}, {.concurrency = 0}),
               kafka::ConfigError);
  EXPECT_THROW(client().parallel_consumer("jobs", {.group = "pc"}, {.max_in_flight = -1}),
               kafka::ConfigError);
}

// Reads a crash app's log: (partition, offset, key) per processed record, in processing order.
struct Processed {
  int32_t partition;
  int64_t offset;
  std::string key;
};
std::vector<Processed> read_log(const std::string& path) {
  std::vector<Processed> out;
  std::ifstream in(path);
  Processed p;
  while (in >> p.partition >> p.offset >> p.key) out.push_back(p);
  return out;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

// The proof, scaled for `make test`: KAFKA_DO_SOAK_ROUNDS (3 here) SIGKILLs at random
// points, KAFKA_DO_PARALLEL_RECORDS records (24,000 here) over 12 partitions; `make soak` runs
// 1 M records and 25 rounds.
TEST_P(ParallelConsumerTest,
       KilledAtRandomPointsItLosesNothingRedeliversBoundedlyAndKeepsKeyOrder) {
  if (!durable()) GTEST_SKIP() << "memory: does not outlive the process";
  const int rounds = env_int("KAFKA_DO_SOAK_ROUNDS", 3);
  const int records = env_int("KAFKA_DO_PARALLEL_RECORDS", 24'000);
  constexpr int kPartitions = 12;
  constexpr int kMaxInFlight = 64;
  produce_keyed("jobs", kPartitions, records, 240);
  const std::string url = options().url;
  client_.reset();  // file: one process owns the data directory

  std::mt19937 rng(unsigned(::getpid()));
  const int per_round = std::max(1, records / (rounds + 1));
  std::vector<std::string> logs;
  for (int round = 0; round <= rounds; ++round) {
    const bool last = round == rounds;
    // Killed somewhere in the second half of its share of the input, which the run always
    // reaches (the rounds before it processed fewer than `rounds` shares); the last run finishes.
    const long kill_after = last ? 0 : long(per_round / 2 + int(rng() % unsigned(per_round / 2)));
    logs.push_back(tmp_.path() + "/processed." + std::to_string(round));
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(KAFKA_DO_PARALLEL_CRASH_APP, KAFKA_DO_PARALLEL_CRASH_APP, url.c_str(),
              logs.back().c_str(), std::to_string(kill_after).c_str(),
              std::to_string(kMaxInFlight).c_str(), std::to_string(rng()).c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (last) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    } else {
      ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 3)
          << "round " << round << " caught up before its kill point " << kill_after;
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << "round " << round << " status " << status;
    }
  }

  std::set<std::pair<int32_t, int64_t>> seen;
  size_t lines = 0;
  for (const auto& path : logs) {
    std::map<std::pair<int32_t, std::string>, int64_t> last_of_key;
    for (const auto& p : read_log(path)) {
      ++lines;
      seen.insert({p.partition, p.offset});
      auto [it, fresh] = last_of_key.try_emplace({p.partition, p.key}, p.offset);
      if (!fresh) {
        EXPECT_LT(it->second, p.offset) << path << ": key " << p.key << " out of order";
        it->second = p.offset;
      }
    }
  }
  EXPECT_EQ(seen.size(), size_t(records)) << "records never processed";
  const size_t redelivered = lines - seen.size();
  EXPECT_LE(redelivered, size_t(rounds) * kMaxInFlight) << "redelivered beyond the in-flight bound";
  std::cerr << "[parallel crash] " << rounds << " kills, " << records << " records, " << redelivered
            << " redelivered (bound " << rounds * kMaxInFlight << ")\n";
  EXPECT_EQ(client().admin().describe_group("pc").total_lag, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ParallelConsumerTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
