// Crash safety: a child process appends numbered records and reports what was acknowledged;
// the test kills it with SIGKILL at random points, reopens, and checks that every acknowledged
// record is present, offsets are dense, order is kept and nothing unacknowledged is garbage.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>

#include "storage/log_manager.hpp"
#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child spawn_writer(const std::string& dir, const std::string& policy, uint32_t seed) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string s = std::to_string(seed);
    ::execl(CRASH_WRITER_PATH, CRASH_WRITER_PATH, dir.c_str(), policy.c_str(), s.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads complete lines from fd until `want` acknowledgements arrived or the deadline passed.
// Returns the largest acknowledged offset seen (or `last` if none).
int64_t read_acks(int fd, std::string& pending, int64_t last, int want,
                  std::chrono::steady_clock::time_point deadline, int* got) {
  while (*got < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    pending.append(buf, size_t(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      last = std::stoll(pending.substr(0, nl));
      pending.erase(0, nl + 1);
      ++*got;
    }
  }
  return last;
}

int64_t drain_acks(int fd, std::string& pending, int64_t last) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) pending.append(buf, size_t(n));
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    last = std::stoll(pending.substr(0, nl));
    pending.erase(0, nl + 1);
  }
  return last;  // a trailing partial line was never acknowledged in full: ignore it
}

void check_log(const std::string& dir, int64_t acknowledged, int round) {
  auto manager = LogManager::open(fs::posix_file_system(), dir);
  ASSERT_TRUE(manager) << manager.error().to_string();
  auto log = *(*manager)->partition("crash", 0);
  const int64_t hwm = log->high_watermark();
  ASSERT_GT(hwm, acknowledged) << "round " << round << ": acknowledged offset " << acknowledged
                               << " lost";
  int64_t expected = 0;
  while (expected < hwm) {
    auto r = log->read(expected, 1 << 20);
    ASSERT_TRUE(r) << r.error().to_string();
    ASSERT_FALSE(r->records.empty());
    for (const auto& rec : testing::decode_all(r->records)) {
      if (rec.offset < expected) continue;
      ASSERT_EQ(rec.offset, expected) << "round " << round << ": offsets not dense";
      ASSERT_TRUE(rec.value.has_value());
      const std::string& v = *rec.value;
      ASSERT_EQ(v.substr(0, v.find(':')), std::to_string(expected))
          << "round " << round << ": wrong record";
      ++expected;
    }
  }
  ASSERT_TRUE((*manager)->close());
}

class CrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CrashTest, AcknowledgedRecordsSurviveSigkillAtRandomPoints) {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  std::mt19937 rng(20261128);
  int64_t acknowledged = -1;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    Child child = spawn_writer(dir, GetParam(), rng());
    ASSERT_GT(child.pid, 0);
    std::string pending;
    int got = 0;
    const int want = 1 + int(rng() % 400);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    acknowledged = read_acks(child.out, pending, acknowledged, want, deadline, &got);
    // Let it run a little further so the kill lands mid-append some of the time.
    const auto extra = std::chrono::microseconds(rng() % 3000);
    const auto until = std::chrono::steady_clock::now() + extra;
    while (std::chrono::steady_clock::now() < until) {
    }
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    acknowledged = drain_acks(child.out, pending, acknowledged);
    ::close(child.out);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited on its own (status " << status << ")";
    ASSERT_GT(got, 0) << "round " << round << ": writer acknowledged nothing";
    check_log(dir, acknowledged, round);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(FlushPolicies, CrashTest,
                         ::testing::Values("os", "interval", "every_batch"));

}  // namespace
}  // namespace kafka_do::storage
