// streams_bench: what stream processing costs, in records/s on one core, beside the SDK
// consumer reading the same records in the same run (the floor a run cannot beat: it consumes
// with that consumer). Backends: memory: and file: (in process).
//
//   reference  a group consumer's poll loop over the input: raw bytes, and value() (JSON parse)
//   stateless  kafka.stream(...).filter(...).map(...).to(topic), until caught up
//   windowed   .window(tumbling(1 h)).group_by(customer).count() over 100k customers, each()
//   operators  the same two topologies under TopologyTestDriver: the operators alone, no I/O
//   rocksdb    file: only: the windowed count with its store on RocksDB (ratio: the memory store's
//              rate); restore of a count over --keys keys: the memory store from its changelog,
//              a RocksDB store from its checkpoint after a clean stop, and from its changelog once
//              its directory is gone
//   guarantees the count per customer written to a topic (every update), at-least-once and
//              exactly-once at the default commit interval (ratio: exactly-once over
//              at-least-once), on memory:, file: and kafka:// to a `kafkado serve` the bench starts
//              (--kafkado)
//   --rss-keys N --store memory|rocksdb   alone: a count in one 1-day window over N distinct keys
//              (all open until the end), printing the process's RSS before and its peak after
//
// The input: N JSON orders {"customer_id": "c<k>", "amount": a} with increasing timestamps.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <kafka_do/kafka.hpp>
#include <kafka_do/testing.hpp>
#include <string>

#include "bench_process.hpp"
#include "bench_support.hpp"

namespace kafka_do::bench {
namespace {

using namespace std::chrono_literals;
using kafka::Json;

constexpr int64_t kStart = 1'700'000'000'000;

Json order(uint64_t i, uint64_t keys) {
  return Json{{"customer_id", "c" + std::to_string((i * 7919) % keys)},
              {"amount", double(i % 200)}};
}

kafka::Timestamp time_of(uint64_t i) {
  return kafka::Timestamp(std::chrono::milliseconds(kStart + int64_t(i) * 10));
}

void seed(kafka::Client& client, const std::string& topic, uint64_t n, uint64_t keys) {
  auto p = client.async_producer(topic);
  for (uint64_t i = 0; i < n; ++i) p.send(order(i, keys), {.timestamp = time_of(i)});
  p.deliver();
}

double consume(kafka::Client& client, const std::string& topic, uint64_t n, bool parse) {
  auto c = client.consumer(topic, {.group = std::string(parse ? "json" : "raw") + "-reader",
                                   .offset = kafka::Offset::earliest,
                                   .auto_commit = false,
                                   .max_poll_records = 5000});
  const auto start = Clock::now();
  uint64_t seen = 0;
  while (seen < n) {
    for (auto& r : c.poll(1s)) {
      keep(parse ? static_cast<const void*>(&r.value()) : r.raw_value().data());
      ++seen;
    }
  }
  return double(n) / seconds_since(start);
}

void stateless(kafka::Stream s) {
  s.filter([](const Json& o) { return o["amount"].get<double>() >= 20; })
      .map([](Json o) {
        o["tier"] = "premium";
        return o;
      })
      .to("premium-orders");
}

uint64_t windowed(kafka::Stream s) {
  uint64_t windows = 0;
  s.window(kafka::tumbling(1h))
      .group_by([](const Json& o) { return o["customer_id"]; })
      .count()
      .each([&](const Json&, const kafka::Window&) { ++windows; });
  return windows;
}

double run_stateless(kafka::Client& client, const std::string& topic, uint64_t n) {
  const auto start = Clock::now();
  stateless(client.stream(topic, kafka::StreamOptions{.application_id = "bench-stateless-" + topic,
                                                      .until_caught_up = true}));
  return double(n) / seconds_since(start);
}

double run_windowed(kafka::Client& client, const std::string& topic, uint64_t n,
                    uint64_t& windows) {
  const auto start = Clock::now();
  windows = windowed(client.stream(
      topic,
      kafka::StreamOptions{.application_id = "bench-windowed-" + topic, .until_caught_up = true}));
  return double(n) / seconds_since(start);
}

// The operators alone: records piped into the TopologyTestDriver (values already bytes).
double run_driver(bool window, uint64_t n, uint64_t keys) {
  kafka::Topology app;
  uint64_t windows = 0;
  if (window) {
    app.stream("orders")
        .window(kafka::tumbling(1h))
        .group_by([](const Json& o) { return o["customer_id"]; })
        .count()
        .each([&](const Json&, const kafka::Window&) { ++windows; });
  } else {
    stateless(app.stream("orders"));
  }
  std::vector<std::string> values;
  values.reserve(n);
  for (uint64_t i = 0; i < n; ++i) values.push_back(order(i, keys).dump());
  kafka::TopologyTestDriver driver(app);
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    driver.pipe_raw("orders", std::move(values[i]), {.timestamp = time_of(i)});
    if (!window && (i & 4095) == 0) driver.read("premium-orders");  // keep memory flat
  }
  driver.flush();
  const double rate = double(n) / seconds_since(start);
  keep(&windows);
  return rate;
}

double run_windowed_on(kafka::Client& client, const std::string& topic, uint64_t n,
                       kafka::StoreType store, const std::string& state_dir, uint64_t& windows) {
  const auto start = Clock::now();
  windows = windowed(
      client.stream(topic, kafka::StreamOptions{.application_id = "bench-windowed-rocksdb-" + topic,
                                                .until_caught_up = true,
                                                .state_store = store,
                                                .state_dir = state_dir}));
  return double(n) / seconds_since(start);
}

// One run of a count over every key of the input; returns the seconds its restore took.
double run_count(kafka::Client& client, kafka::StoreType store, const std::string& state_dir,
                 int64_t& restored) {
  const auto start = Clock::now();
  double restore_seconds = 0;
  client
      .stream("orders", kafka::StreamOptions{.application_id = store == kafka::StoreType::memory
                                                                   ? "bench-count-memory"
                                                                   : "bench-count-rocksdb",
                                             .until_caught_up = true,
                                             .state_store = store,
                                             .state_dir = state_dir,
                                             .on_restore =
                                                 [&](const kafka::RestoreProgress& p) {
                                                   if (!p.done) return;
                                                   restore_seconds = seconds_since(start);
                                                   restored = p.restored;
                                                 }})
      .group_by([](const Json& o) { return o["customer_id"]; })
      .count()
      .each([](const Json&, int64_t) {});
  return restore_seconds;
}

void report_rocksdb(kafka::Client& client, uint64_t n, uint64_t keys, const std::string& dir,
                    double memory_windowed) {
  const std::string state_dir = dir + "-state";
  std::filesystem::remove_all(state_dir);
  uint64_t windows = 0;
  const double w =
      run_windowed_on(client, "orders", n, kafka::StoreType::rocksdb, state_dir, windows);
  std::printf("file     windowed on RocksDB %10.0f rec/s  (%.2fx the memory store; %llu windows)\n",
              w, w / memory_windowed, static_cast<unsigned long long>(windows));
  int64_t restored = 0;
  run_count(client, kafka::StoreType::memory, state_dir, restored);  // builds the changelog
  const double memory = run_count(client, kafka::StoreType::memory, state_dir, restored);
  std::printf(
      "file     restore %llu keys, memory store from the changelog: %.3f s (%lld records)\n",
      static_cast<unsigned long long>(keys), memory, static_cast<long long>(restored));
  run_count(client, kafka::StoreType::rocksdb, state_dir, restored);
  const double checkpoint = run_count(client, kafka::StoreType::rocksdb, state_dir, restored);
  std::printf("file     restore %llu keys, RocksDB from its checkpoint:    %.3f s (%lld records)\n",
              static_cast<unsigned long long>(keys), checkpoint, static_cast<long long>(restored));
  std::filesystem::remove_all(state_dir);
  const double changelog = run_count(client, kafka::StoreType::rocksdb, state_dir, restored);
  std::printf("file     restore %llu keys, RocksDB from the changelog:     %.3f s (%lld records)\n",
              static_cast<unsigned long long>(keys), changelog, static_cast<long long>(restored));
  std::filesystem::remove_all(state_dir);
}

// --rss-keys: N records with N distinct keys, 1 ms apart, all in one 1-day window.
int run_rss(uint64_t n, const std::string& store_name, const std::string& dir) {
  const kafka::StoreType store =
      store_name == "rocksdb" ? kafka::StoreType::rocksdb : kafka::StoreType::memory;
  std::filesystem::remove_all(dir);
  kafka::Client client(kafka::ClientOptions{.url = "file:" + dir + "/data"});
  {
    auto p = client.async_producer("orders");
    for (uint64_t i = 0; i < n; ++i) {
      p.send(Json{{"customer_id", "c" + std::to_string(i)}, {"amount", double(i % 200)}},
             {.timestamp = kafka::Timestamp(std::chrono::milliseconds(kStart + int64_t(i)))});
    }
    p.deliver();
  }
  const size_t before = proc_status_bytes("/proc/self/status", "VmRSS:");
  const auto start = Clock::now();
  uint64_t windows = 0;
  client
      .stream("orders", kafka::StreamOptions{.application_id = "bench-rss",
                                             .until_caught_up = true,
                                             .state_store = store,
                                             .state_dir = dir + "/state"})
      .window(kafka::tumbling(24h))
      .group_by([](const Json& o) { return o["customer_id"]; })
      .count()
      .each([&](const Json&, const kafka::Window&) { ++windows; });
  const double rate = double(n) / seconds_since(start);
  std::printf(
      "rss      %s store, %llu keys in one window: %.0f rec/s, %llu windows; RSS %.0f MiB "
      "before the run, peak %.0f MiB\n",
      store_name.c_str(), static_cast<unsigned long long>(n), rate,
      static_cast<unsigned long long>(windows), double(before) / (1 << 20),
      double(proc_status_bytes("/proc/self/status", "VmHWM:")) / (1 << 20));
  std::filesystem::remove_all(dir);
  return windows == n ? 0 : 1;
}

// A count per customer with every update written to a topic, under `guarantee`; records/s.
double run_counts_to(kafka::Client& client, const std::string& topic, uint64_t n,
                     kafka::ProcessingGuarantee guarantee) {
  const bool eos = guarantee == kafka::ProcessingGuarantee::exactly_once;
  const std::string app = eos ? "bench-eos" : "bench-alos";
  const auto start = Clock::now();
  client
      .stream(topic, kafka::StreamOptions{.application_id = app,
                                          .until_caught_up = true,
                                          .processing_guarantee = guarantee})
      .group_by([](const Json& o) { return o["customer_id"]; })
      .count()
      .to(app + "-out");
  return double(n) / seconds_since(start);
}

void report_guarantees(const char* backend, kafka::Client& client, const std::string& topic,
                       uint64_t n) {
  const double alos = run_counts_to(client, topic, n, kafka::ProcessingGuarantee::at_least_once);
  const double eos = run_counts_to(client, topic, n, kafka::ProcessingGuarantee::exactly_once);
  std::printf("%-8s count.to at-least-once %10.0f rec/s | exactly-once %10.0f rec/s (%.2fx)\n",
              backend, alos, eos, eos / alos);
}

void report(const char* backend, double raw, double json, double stateless_rate,
            double windowed_rate, uint64_t windows) {
  std::printf("%-8s consumer raw %10.0f rec/s | consumer JSON %10.0f rec/s\n", backend, raw, json);
  std::printf("%-8s stateless   %10.0f rec/s  (%.2fx the JSON consumer)\n", backend, stateless_rate,
              stateless_rate / json);
  std::printf("%-8s windowed    %10.0f rec/s  (%.2fx the JSON consumer; %llu windows emitted)\n",
              backend, windowed_rate, windowed_rate / json,
              static_cast<unsigned long long>(windows));
}

}  // namespace
}  // namespace kafka_do::bench

int main(int argc, char** argv) {
  using namespace kafka_do::bench;
  CLI::App app{"stream processing throughput beside the SDK consumer's"};
  bool quick = false;
  uint64_t n = 1'000'000, keys = 100'000;
  std::string dir = "bench-tmp/streams";
  app.add_flag("--quick", quick, "a small run (the CTest smoke test)");
  app.add_option("--records", n, "input records");
  app.add_option("--keys", keys, "distinct customers (window keys)");
  app.add_option("--dir", dir, "directory for the file: backend");
  std::string kafkado = default_kafkado();
  app.add_option("--kafkado", kafkado, "the kafkado binary (kafka:// guarantees)");
  uint64_t rss_keys = 0;
  std::string store = "rocksdb";
  app.add_option("--rss-keys", rss_keys, "only the memory-bound run, over this many keys");
  app.add_option("--store", store, "the store of the --rss-keys run: memory or rocksdb");
  CLI11_PARSE(app, argc, argv);
  if (rss_keys > 0) return run_rss(rss_keys, store, dir);
  if (quick) {
    n = 20'000;
    keys = 2'000;
  }
  std::printf("streams_bench: %llu records, %llu keys, 1-hour windows, records 10 ms apart\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(keys));
  std::filesystem::remove_all(dir);
  for (const char* backend : {"memory", "file"}) {
    kafka::ClientOptions options;
    options.url = std::string(backend) == "memory" ? "memory:" : "file:" + dir;
    kafka::Client client(options);
    seed(client, "orders", n, keys);
    const double raw = consume(client, "orders", n, false);
    const double json = consume(client, "orders", n, true);
    const double s = run_stateless(client, "orders", n);
    uint64_t windows = 0;
    const double w = run_windowed(client, "orders", n, windows);
    report(backend, raw, json, s, w, windows);
    report_guarantees(backend, client, "orders", n);
    if (std::string(backend) == "file") report_rocksdb(client, n, keys, dir, w);
  }
  {
    // kafka://: transactions go over the wire (AddPartitions, EndTxn, markers on every partition).
    const std::string root = make_scratch_dir(dir + "-kafka", "streams-bench");
    ServerProcess broker("kafkado serve",
                         {kafkado, "serve", "--data", root + "/data", "--listen", "127.0.0.1:0",
                          "--group-initial-rebalance-delay-ms", "0"},
                         root + "/kafkado.log");
    kafka::Client client(kafka::ClientOptions{.url = "kafka://" + wait_for_kafkado(broker)});
    seed(client, "orders", n, keys);
    report_guarantees("kafka", client, "orders", n);
  }
  const double ds = run_driver(false, n, keys), dw = run_driver(true, n, keys);
  std::printf(
      "operators stateless %10.0f rec/s | windowed %10.0f rec/s (TopologyTestDriver, no I/O)\n", ds,
      dw);
  std::filesystem::remove_all(dir);
  return 0;
}
