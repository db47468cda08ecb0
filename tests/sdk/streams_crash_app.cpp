// A stream application for the crash test (streams_test.cpp, KilledMidRun...): counts the
// records of `events` per key with a state store, committing every `commit_ms`, and SIGKILLs
// itself after it has processed `crash_after` records: no destructor, flush or commit runs.
// With a state directory, the store is on RocksDB there.
//   streams_crash_app <url> <crash_after> <commit_ms> [<rocksdb state_dir>]
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

int main(int argc, char** argv) try {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: streams_crash_app <url> <crash_after> <commit_ms> [<state_dir>]\n";
    return 2;
  }
  kafka::Client kafka(kafka::ClientOptions{.url = argv[1]});
  const long crash_after = std::atol(argv[2]);
  long seen = 0;
  kafka
      .stream("events",
              kafka::StreamOptions{
                  .application_id = "crash",
                  .commit_interval = std::chrono::milliseconds(std::atol(argv[3])),
                  .session_timeout = std::chrono::seconds(2),
                  .state_store = argc == 5 ? kafka::StoreType::rocksdb : kafka::StoreType::memory,
                  .state_dir = argc == 5 ? argv[4] : ""})
      .group_by_key()
      .count({.name = "counts"})
      .each([&](const kafka::Json&, int64_t) {
        if (++seen == crash_after) ::kill(::getpid(), SIGKILL);
      });
  return 0;
} catch (const std::exception& e) {
  std::cerr << "streams_crash_app: " << e.what() << "\n";
  return 1;
}
