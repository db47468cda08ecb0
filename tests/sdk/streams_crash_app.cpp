// A stream application for the crash tests (streams_test.cpp, KilledMidRun..., ExactlyOnce...):
// counts the records of `events` per key with a state store, committing every `commit_ms`, and
// SIGKILLs itself after it has processed `crash_after` records: no destructor, flush or commit
// runs. Options:
//   rocksdb=<dir>   the store is on RocksDB in <dir>
//   to=<topic>      every count update is also written to <topic>, as {"count": n, "pad": ...}
//                   (2 KB: the embedded backends write an open transaction's records 64 KiB at a
//                   time, so a transaction of a few dozen updates, 20 ms of even a slow run, is in
//                   the log); before the kill, so the killed record's own update is among what the
//                   crash leaves behind
//   app=<id>        the application id (default "crash")
//   eos             processing_guarantee = exactly_once
//   after_commit    the kill comes at the first update from the crash_after-th on after this
//                   process committed input offsets (the restart then starts from its commit)
//   wait_written    before the kill, waits (at most 30 s) until the killed record's update is in
//                   the log (read uncommitted): the crash then leaves it behind for certain
//   in_open_tx      the kill comes at the first update from the crash_after-th on at which the
//                   output holds records of an open transaction (exactly-once: the crash leaves an
//                   open transaction with records in the log; the embedded backends write them
//                   64 KiB at a time)
//   streams_crash_app <url> <crash_after> <commit_ms> [option...]
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <map>
#include <string>
#include <vector>

int main(int argc, char** argv) try {
  if (argc < 4) {
    std::cerr << "usage: streams_crash_app <url> <crash_after> <commit_ms> [rocksdb=<dir>] "
                 "[to=<topic>] [app=<id>] [eos] [after_commit] [wait_written] [in_open_tx]\n";
    return 2;
  }
  kafka::StreamOptions options{
      .application_id = "crash",
      .commit_interval = std::chrono::milliseconds(std::atol(argv[3])),
      .session_timeout = std::chrono::seconds(2),
  };
  std::string output;
  bool wait_written = false, in_open_tx = false, after_commit = false;
  for (int i = 4; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = arg.substr(arg.find('=') + 1);
    if (arg.starts_with("rocksdb=")) {
      options.state_store = kafka::StoreType::rocksdb;
      options.state_dir = value;
    } else if (arg.starts_with("to=")) {
      output = value;
    } else if (arg.starts_with("app=")) {
      options.application_id = value;
    } else if (arg == "eos") {
      options.processing_guarantee = kafka::ProcessingGuarantee::exactly_once;
    } else if (arg == "wait_written") {
      wait_written = true;
    } else if (arg == "in_open_tx") {
      in_open_tx = true;
    } else if (arg == "after_commit") {
      after_commit = true;
    } else {
      std::cerr << "streams_crash_app: unknown option " << arg << "\n";
      return 2;
    }
  }
  kafka::Client kafka(kafka::ClientOptions{.url = argv[1]});
  const long crash_after = std::atol(argv[2]);
  long seen = 0;
  // Where this process's writes to the output start: what was there before is older rounds'.
  std::map<int32_t, int64_t> start;
  if (wait_written) {
    try {
      for (const auto& p : kafka.admin().describe_topic(output).partition_info) {
        start[p.partition] = p.high_watermark;
      }
    } catch (const kafka::Error&) {  // not created yet: everything in it will be ours
    }
  }
  // The group's committed offsets when this process started.
  auto committed_offsets = [&] {
    std::map<int32_t, int64_t> offsets;
    try {
      for (const auto& p : kafka.admin().describe_group(options.application_id).partitions) {
        offsets[p.partition] = p.committed;
      }
    } catch (const kafka::Error&) {  // no such group yet
    }
    return offsets;
  };
  const std::map<int32_t, int64_t> committed_at_start = committed_offsets();
  auto committed_since_start = [&] {
    for (const auto& [partition, offset] : committed_offsets()) {
      auto before = committed_at_start.find(partition);
      if (offset > (before == committed_at_start.end() ? -1 : before->second)) return true;
    }
    return false;
  };
  auto written = [&](const kafka::Json& key, int64_t count) {
    std::vector<kafka::PartitionStart> from;
    for (const auto& p : kafka.admin().describe_topic(output).partition_info) {
      from.push_back({output, p.partition, start[p.partition]});
    }
    auto reader = kafka.consumer(
        std::vector<std::string>{},
        {.assign = from, .auto_commit = false, .isolation = kafka::Isolation::read_uncommitted});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& r : reader.poll(std::chrono::milliseconds(50))) {
        if (r.key() == key.get<std::string>() && r.value()["count"] == count) return;
      }
    }
    std::cerr << "streams_crash_app: the update " << key << "=" << count
              << " did not reach the log within 30 s\n";
  };
  auto open_transaction = [&] {
    for (const auto& p : kafka.admin().describe_topic(output).partition_info) {
      if (p.last_stable_offset < p.high_watermark) return true;
    }
    return false;
  };
  kafka::Topology app;
  auto counts = app.stream("events").group_by_key().count({.name = "counts"});
  if (!output.empty()) {
    counts.to_stream()
        .map([](const kafka::Json& n) {
          return kafka::Json{{"count", n}, {"pad", std::string(2000, '.')}};
        })
        .to(output);
  }
  counts.each([&](const kafka::Json& key, int64_t count) {
    if (++seen < crash_after) return;
    if (after_commit && !committed_since_start()) return;
    if (in_open_tx && !open_transaction()) return;
    if (wait_written) written(key, count);
    ::kill(::getpid(), SIGKILL);
  });
  app.run(kafka, options);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "streams_crash_app: " << e.what() << "\n";
  return 1;
}
