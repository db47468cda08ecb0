// Crash safety of compaction: a child process updates and deletes keys of a compacted topic and
// cleans it continuously; the test kills it with SIGKILL at random points, reopens, and checks
// that the log validates, offsets strictly increase, every record is one the child wrote at that
// offset, and the latest acknowledged value of every key is there (a deleted key may be gone).
// Rounds: 5 in `make test`, KAFKA_DO_SOAK_ROUNDS (50 in `make soak`) otherwise.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "storage/log_manager.hpp"
#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

struct Written {
  std::string key;
  std::string value;  // "-" for a tombstone
};

int rounds() {
  const char* soak = std::getenv("KAFKA_DO_SOAK_ROUNDS");
  return soak && std::atoi(soak) > 0 ? std::atoi(soak) : 5;
}

// Parses complete lines; keeps a trailing partial one (never acknowledged in full) pending.
// `cleaning` tracks whether the child was inside a cleaning pass at its last line.
void take_lines(std::string& pending, std::map<int64_t, Written>& acked, bool& cleaning) {
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    const std::string text = pending.substr(0, nl);
    if (text == "cleaning" || text == "cleaned") {
      cleaning = text == "cleaning";
      pending.erase(0, nl + 1);
      continue;
    }
    std::istringstream line(text);
    int64_t offset;
    Written w;
    line >> offset >> w.key >> w.value;
    acked[offset] = w;
    pending.erase(0, nl + 1);
  }
}

void check(const std::string& dir, const std::map<int64_t, Written>& acked, int round) {
  LogOptions options;
  options.cleaner_enabled = false;
  auto manager = LogManager::open(fs::posix_file_system(), dir, options);
  ASSERT_TRUE(manager) << manager.error().to_string();
  for (const auto& line : (*manager)->recovery_report()) {
    // Only the active segment's tail may be cut (a write the kill interrupted).
    EXPECT_EQ(line.find("starts at"), std::string::npos) << "round " << round << ": " << line;
  }
  auto log = *(*manager)->partition("table", 0);
  std::map<std::string, std::pair<int64_t, std::string>> latest;  // in the log
  int64_t offset = log->log_start_offset();
  int64_t previous = -1;
  while (offset < log->high_watermark()) {
    auto r = log->read(offset, 1 << 20);
    ASSERT_TRUE(r) << "round " << round << ": " << r.error().to_string();
    ASSERT_FALSE(r->records.empty()) << "round " << round << ": no records at " << offset;
    std::string_view bytes = r->records;
    while (!bytes.empty()) {
      auto h = model::parse_batch_header(bytes);
      ASSERT_TRUE(h);
      offset = std::max(offset, h->next_offset());
      bytes.remove_prefix(h->total_size());
    }
    for (const auto& rec : testing::decode_all(r->records)) {
      if (rec.offset <= previous) {
        ASSERT_GT(rec.offset, previous) << "round " << round << ": offsets do not increase";
      }
      previous = rec.offset;
      const std::string value =
          rec.value ? rec.value->substr(0, rec.value->find('p')) : std::string("-");
      auto it = acked.find(rec.offset);
      if (it != acked.end()) {
        ASSERT_EQ(it->second.key, *rec.key) << "round " << round << " offset " << rec.offset;
        ASSERT_EQ(it->second.value, value) << "round " << round << " offset " << rec.offset;
      }
      latest[*rec.key] = {rec.offset, value};
    }
  }
  std::map<std::string, std::pair<int64_t, std::string>> want;  // latest acknowledged
  for (const auto& [o, w] : acked) want[w.key] = {o, w.value};
  for (const auto& [key, w] : want) {
    auto it = latest.find(key);
    if (it == latest.end()) {
      EXPECT_EQ(w.second, "-") << "round " << round << ": " << key << " lost its value "
                               << w.second;
      continue;
    }
    EXPECT_GE(it->second.first, w.first) << "round " << round << ": " << key << " went back to "
                                         << it->second.second << " from " << w.second;
  }
  ASSERT_TRUE((*manager)->close());
}

TEST(CompactionCrashTest, LatestValuesSurviveSigkillDuringCleaning) {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  std::mt19937 rng(20261201);
  std::map<int64_t, Written> acked;
  const int total = rounds();
  int killed_while_cleaning = 0;
  for (int round = 0; round < total; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const std::string seed = std::to_string(rng());
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(COMPACTION_WRITER_PATH, COMPACTION_WRITER_PATH, dir.c_str(), seed.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    std::string pending;
    bool cleaning = false;
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(100 + rng() % 700);
    char buf[1 << 16];
    while (std::chrono::steady_clock::now() < kill_at) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 5) <= 0) continue;
      const ssize_t n = ::read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;
      pending.append(buf, size_t(n));
      take_lines(pending, acked, cleaning);
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) pending.append(buf, size_t(n));
    take_lines(pending, acked, cleaning);
    ::close(fds[0]);
    killed_while_cleaning += cleaning ? 1 : 0;
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited on its own (status " << status << ")";
    check(dir, acked, round);
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(acked.size(), 1000u);
  std::printf("%d of %d kills landed during a cleaning pass\n", killed_while_cleaning, total);
  // The child spends most of its time cleaning: a soak that never killed a pass proves nothing.
  if (total >= 20) {
    EXPECT_GE(killed_while_cleaning, total / 4);
  }
}

}  // namespace
}  // namespace kafka_do::storage
