// The application the parallel consumer's crash test (parallel_consumer_test.cpp) SIGKILLs:
// processes `jobs` in group "pc" with a kafka::ParallelConsumer (key order, 4 workers, random
// handler delays) and appends "partition offset key" for every processed record to `log` (one
// write(2) per line, which outlives a SIGKILL). After `kill_after` records it SIGKILLs itself
// from a worker, with other handlers mid-flight; with kill_after 0 it stops once the group's
// committed offsets reached the end of every partition (and a run that gets there before its
// kill point exits with status 3, so the test says so instead of waiting for a kill).
//   parallel_crash_app <url> <log> <kill_after> <max_in_flight> <seed>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <mutex>
#include <random>
#include <string>
#include <thread>

int main(int argc, char** argv) try {
  if (argc != 6) {
    std::cerr << "usage: parallel_crash_app <url> <log> <kill_after> <max_in_flight> <seed>\n";
    return 2;
  }
  const int log = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0) {
    std::perror("open log");
    return 2;
  }
  const long kill_after = std::atol(argv[3]);
  const int max_in_flight = std::atoi(argv[4]);
  std::mutex rng_mu;
  std::mt19937 rng(unsigned(std::atol(argv[5])));

  kafka::Client kafka(kafka::ClientOptions{.url = argv[1]});
  auto consumer = kafka.parallel_consumer(
      "jobs",
      {.group = "pc",
       .offset = kafka::Offset::earliest,
       .session_timeout = std::chrono::seconds(2),
       .heartbeat_interval = std::chrono::milliseconds(300)},
      {.concurrency = 4, .ordering = kafka::Ordering::key, .max_in_flight = max_in_flight});

  std::atomic<long> processed{0};
  std::atomic<bool> done{false};
  // Stops once everything is committed (bounded: the test's own timeout ends a stuck run).
  std::atomic<bool> caught_up{false};
  std::thread watcher([&] {
    auto admin = kafka.admin();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (processed > 0 && admin.describe_group("pc").total_lag == 0) {
        caught_up = true;
        consumer.stop();
        return;
      }
    }
  });
  consumer.each([&](kafka::Record& r) {
    std::chrono::microseconds delay;
    {
      std::lock_guard lock(rng_mu);
      const unsigned roll = rng() % 100;
      delay = std::chrono::microseconds(roll == 0 ? 1000 + rng() % 2000 : rng() % 60);
    }
    std::this_thread::sleep_for(delay);  // the work
    const std::string line = std::to_string(r.partition()) + " " + std::to_string(r.offset()) +
                             " " + std::string(r.key()) + "\n";
    if (::write(log, line.data(), line.size()) != ssize_t(line.size())) std::abort();
    if (++processed == kill_after) ::kill(::getpid(), SIGKILL);
  });
  done = true;
  watcher.join();
  consumer.close();
  return kill_after != 0 && caught_up ? 3 : 0;
} catch (const std::exception& e) {
  std::cerr << "parallel_crash_app: " << e.what() << "\n";
  return 1;
}
