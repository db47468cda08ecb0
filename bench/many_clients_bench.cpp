// many_clients_bench: `kafkado serve` with many clients at once, the way a busy single node is
// used: P producers and C consumers (one group) over N partitions (in T topics), all librdkafka
// clients in this process, each on its own thread.
//
//   1. starts `kafkado serve` (fresh data directory, free loopback port) and creates the topics;
//   2. subscribes the C consumers and waits until the group has assigned every partition;
//   3. every producer sends `rate` records/s (acks=all, linger.ms=5, keyless: librdkafka spreads
//      them over the partitions) for `seconds`; each value starts with its send time;
//   4. waits until the consumers have read every acknowledged record, then stops them.
//
// Printed: aggregate produce and consume rates, acknowledgement and end-to-end latency (send ->
// a consumer's poll returning the record), records per producer and per consumer (min / max:
// was a client starved?), partitions per consumer, the broker's CPU and peak RSS, and the broker
// round trip as librdkafka measures it (what of the ack latency is the broker's).
//
// The clients get the CPU time the broker leaves (--client-scheduling idle, SCHED_IDLE, by
// default). On a 2-core machine, hundreds of librdkafka instances (1,000+ threads) otherwise take
// nearly all the CPU time the scheduler hands out per thread, and the broker's few threads wait
// to be scheduled: with 50 producers and 10 consumers scheduled like the broker, its sockets held
// ~145 KB of unread requests each, librdkafka's own broker round trip (statistics "rtt") grew to
// 1 s and the acks to seconds, while the broker used half a core. With the broker at a higher
// priority the same run acks in 7 ms p50. A broker on its own machine does not compete with its
// clients; --client-scheduling equal shows the shared-machine case.
//
// librdkafka's producer also costs CPU per partition of a topic it writes (its broker thread
// scans them all; librdkafka issue #2270): 200 producers each writing a 1,000-partition topic
// are limited by the client here, so --topics splits the partitions over several topics (10 by
// default) and producer i writes topic i mod T (the consumers subscribe to all). With one topic
// of 1,000 partitions (--topics 1) on 2 cores the producers fall behind for good: requests time
// out after 30 s and the bench process grows to gigabytes of queued messages.

#include <librdkafka/rdkafka.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_process.hpp"
#include "bench_rdkafka.hpp"
#include "bench_support.hpp"

namespace kafka_do::bench {
namespace {

using namespace std::chrono_literals;

struct Settings {
  bool quick = false;
  std::string dir;
  std::string kafkado;
  int producers = 200;
  int consumers = 200;
  int partitions = 1000;
  int topics = 10;  // the partitions are split evenly over this many topics
  int rate = 1000;  // records/s per producer
  double seconds = 10;
  size_t value_size = 100;
  int linger_ms = 5;
  // How the client threads are scheduled beside the broker: "idle" (SCHED_IDLE: they get
  // the CPU the broker leaves), "nice" (nice 10) or "equal" (the broker's own priority).
  std::string client_scheduling = "idle";
};

constexpr double kRssBudgetMiB = 256;

// What one producer's delivery reports add up to; the callback runs on its own thread (inside
// rd_kafka_poll/flush there), so nothing here is shared.
struct ProducerStats {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;
  std::vector<int64_t> ack_ns;
  // librdkafka's own broker round trip (request written -> response read), the p50 and p99 of
  // each 1 s statistics window, in microseconds: the broker's share of ack_ns.
  std::vector<int64_t> rtt_p50_us, rtt_p99_us;
};

// A statistics callback (statistics.interval.ms): keeps the window's rtt of the broker (not
// the bootstrap entry, whose nodeid is -1).
int on_statistics(rd_kafka_t*, char* json, size_t size, void* opaque) {
  auto& stats = *static_cast<ProducerStats*>(opaque);
  const auto doc = nlohmann::json::parse(std::string_view(json, size), nullptr, false);
  if (doc.is_discarded() || !doc.contains("brokers")) return 0;
  for (const auto& [name, broker] : doc["brokers"].items()) {
    if (broker.value("nodeid", -1) < 0 || !broker.contains("rtt")) continue;
    const auto& rtt = broker["rtt"];
    if (rtt.value("cnt", 0) == 0) continue;
    stats.rtt_p50_us.push_back(rtt.value("p50", int64_t(0)));
    stats.rtt_p99_us.push_back(rtt.value("p99", int64_t(0)));
  }
  return 0;  // librdkafka frees the JSON
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto& stats = *static_cast<ProducerStats*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (stats.failed++ == 0) stats.first_error = rd_kafka_err2str(m->err);
    return;
  }
  ++stats.delivered;
  stats.ack_ns.push_back(now_ns() - int64_t(reinterpret_cast<uintptr_t>(m->_private)));
}

struct ConsumerStats {
  std::atomic<uint64_t> records{0};
  std::atomic<int> partitions{0};  // assigned, as last seen by its thread
  std::vector<int64_t> end_to_end_ns;
  std::string error;
};

void produce(const Settings& s, const std::string& bootstrap, const std::string& topic, int index,
             ProducerStats& stats) {
  ConfPtr conf = make_conf({{"bootstrap.servers", bootstrap},
                            {"client.id", "many-producer-" + std::to_string(index)},
                            {"acks", "all"},
                            {"linger.ms", std::to_string(s.linger_ms)},
                            {"socket.nagle.disable", "true"},
                            {"statistics.interval.ms", "1000"},
                            {"message.timeout.ms", "60000"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_stats_cb(conf.get(), on_statistics);
  rd_kafka_conf_set_opaque(conf.get(), &stats);
  KafkaPtr rk = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  TopicPtr handle(rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr));
  std::string value(std::max(s.value_size, sizeof(int64_t)), 'v');
  const uint64_t n = uint64_t(s.seconds * s.rate);
  stats.ack_ns.reserve(n);
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::nanoseconds(int64_t(1e9 * double(i) / double(s.rate))));
    const int64_t sent = now_ns();
    std::memcpy(value.data(), &sent, sizeof(sent));
    if (rd_kafka_produce(handle.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(),
                         value.size(), nullptr, 0, reinterpret_cast<void*>(uintptr_t(sent))) != 0) {
      if (stats.failed++ == 0) stats.first_error = rd_kafka_err2str(rd_kafka_last_error());
      continue;
    }
    ++stats.sent;
    rd_kafka_poll(rk.get(), 0);
  }
  const auto deadline = Clock::now() + 60s;
  while (rd_kafka_outq_len(rk.get()) > 0 && Clock::now() < deadline) rd_kafka_flush(rk.get(), 100);
}

void consume(const std::string& bootstrap, const std::vector<std::string>& topics, int index,
             const std::atomic<bool>& stop, ConsumerStats& stats) {
  KafkaPtr rk = make_client(RD_KAFKA_CONSUMER,
                            make_conf({{"bootstrap.servers", bootstrap},
                                       {"client.id", "many-consumer-" + std::to_string(index)},
                                       {"group.id", "many-clients"},
                                       {"auto.offset.reset", "earliest"},
                                       {"enable.auto.commit", "true"},
                                       // range would leave consumers idle when there are more
                                       // consumers than one topic's partitions (--topics)
                                       {"partition.assignment.strategy", "roundrobin"},
                                       // 200 consumers must not each buffer librdkafka's
                                       // default 64 MiB.
                                       {"queued.max.messages.kbytes", "2048"},
                                       {"socket.nagle.disable", "true"}}));
  rd_kafka_poll_set_consumer(rk.get());
  PartitionListPtr subscription(rd_kafka_topic_partition_list_new(int(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (const auto err = rd_kafka_subscribe(rk.get(), subscription.get())) {
    stats.error = std::string("subscribe: ") + rd_kafka_err2str(err);
    return;
  }
  auto last_assignment_check = Clock::time_point{};
  while (!stop.load()) {
    MessagePtr m(rd_kafka_consumer_poll(rk.get(), 50));
    if (Clock::now() - last_assignment_check > 100ms) {
      rd_kafka_topic_partition_list_t* raw = nullptr;
      if (rd_kafka_assignment(rk.get(), &raw) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        PartitionListPtr assigned(raw);
        stats.partitions = assigned->cnt;
      }
      last_assignment_check = Clock::now();
    }
    if (!m || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (stats.error.empty()) stats.error = rd_kafka_message_errstr(m.get());
      continue;
    }
    if (m->len >= sizeof(int64_t)) {
      int64_t sent = 0;
      std::memcpy(&sent, m->payload, sizeof(sent));
      stats.end_to_end_ns.push_back(now_ns() - sent);
    }
    stats.records.fetch_add(1, std::memory_order_relaxed);
  }
  rd_kafka_consumer_close(rk.get());
}

// The broker's own time for one API's requests (decoded -> answered), from its Prometheus
// histogram: the upper bounds of the buckets that hold the p50 and the p99.
struct BrokerTime {
  uint64_t requests = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

BrokerTime broker_request_time(const std::string& metrics, const std::string& api) {
  const std::string prefix = "kafka_do_request_duration_seconds_bucket{api=\"" + api + "\",le=\"";
  std::vector<std::pair<double, uint64_t>> buckets;  // (le, cumulative count)
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix)) continue;
    const size_t le_end = line.find('"', prefix.size());
    const std::string le = line.substr(prefix.size(), le_end - prefix.size());
    const double bound = le == "+Inf" ? double(INFINITY) : std::stod(le);
    buckets.emplace_back(bound, std::stoull(line.substr(line.rfind(' ') + 1)));
  }
  BrokerTime t;
  if (buckets.empty()) return t;
  t.requests = buckets.back().second;
  auto quantile = [&](double q) {
    for (const auto& [bound, count] : buckets) {
      if (double(count) >= q * double(t.requests)) return 1e3 * bound;
    }
    return double(INFINITY);
  };
  t.p50_ms = quantile(0.5);
  t.p99_ms = quantile(0.99);
  return t;
}

template <typename T, typename F>
std::pair<uint64_t, uint64_t> min_max(const std::vector<T>& items, F value) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& item : items) {
    lo = std::min<uint64_t>(lo, value(item));
    hi = std::max<uint64_t>(hi, value(item));
  }
  return {items.empty() ? 0 : lo, hi};
}

int run(Settings s) {
  if (::access(s.kafkado.c_str(), X_OK) != 0)
    die("kafkado not found at " + s.kafkado + " (build it, or pass --kafkado PATH)");
  const std::string root = make_scratch_dir(s.dir, "many-clients-bench");
  // The broker starts before any librdkafka thread exists, so fork() copies a single thread.
  // The group's first rebalance waits for members as Kafka's does (3 s by default), so the
  // consumers starting together join one generation; the quick run waits less.
  ServerProcess broker(
      "kafkado serve",
      {s.kafkado, "serve", "--data", root + "/kafka", "--listen", "127.0.0.1:0", "--http",
       "127.0.0.1:0", "--group-initial-rebalance-delay-ms", s.quick ? "300" : "3000"},
      root + "/kafkado.log");
  const std::string bootstrap = wait_for_kafkado(broker);
  const std::string http = kafkado_http_address(broker);
  if (http.empty()) die("kafkado serve did not report its HTTP address:\n" + tail(broker.log()));
  const int http_port = std::stoi(http.substr(http.rfind(':') + 1));
  // After the fork, before any client thread: every client thread inherits this thread's
  // scheduling (Linux keeps it per thread); the broker keeps its own.
  const pid_t self = pid_t(::syscall(SYS_gettid));
  const sched_param param{};
  if ((s.client_scheduling == "idle" && ::sched_setscheduler(self, SCHED_IDLE, &param) != 0) ||
      (s.client_scheduling == "nice" && ::setpriority(PRIO_PROCESS, id_t(self), 10) != 0)) {
    std::fprintf(stderr, "many_clients_bench: the clients keep the broker's scheduling (%s)\n",
                 std::strerror(errno));
    s.client_scheduling = "equal";
  }
  std::vector<std::string> topics;
  for (int t = 0; t < s.topics; ++t) {
    topics.push_back(s.topics == 1 ? "many-clients" : "many-clients-" + std::to_string(t));
  }
  {
    KafkaPtr admin = make_client(RD_KAFKA_PRODUCER, make_conf({{"bootstrap.servers", bootstrap}}));
    create_topics(admin.get(), topics, s.partitions / s.topics);
  }
  std::printf(
      "many_clients_bench: %d producers x %d records/s of %zu B (acks=all, linger.ms=%d) for "
      "%.0f s, %d consumers in one group, %d partitions over %d topic(s)\n"
      "  broker: %s serve on %s (pid %d); librdkafka %s; every client on its own thread, "
      "scheduled %s\n",
      s.producers, s.rate, s.value_size, s.linger_ms, s.seconds, s.consumers, s.partitions,
      s.topics, s.kafkado.c_str(), bootstrap.c_str(), int(broker.pid()), rd_kafka_version_str(),
      s.client_scheduling == "idle"   ? "SCHED_IDLE (the CPU the broker leaves)"
      : s.client_scheduling == "nice" ? "at nice 10"
                                      : "like the broker");
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<ConsumerStats>> consumer_stats;
  std::vector<std::thread> consumers;
  for (int i = 0; i < s.consumers; ++i) {
    consumer_stats.push_back(std::make_unique<ConsumerStats>());
    consumers.emplace_back(consume, bootstrap, std::cref(topics), i, std::cref(stop),
                           std::ref(*consumer_stats.back()));
  }
  const auto joining = Clock::now();
  for (;;) {
    int assigned = 0;
    for (const auto& c : consumer_stats) assigned += c->partitions.load();
    if (assigned == s.partitions) break;
    if (Clock::now() - joining > 120s) {
      stop = true;
      for (auto& t : consumers) t.join();
      die("the group assigned " + std::to_string(assigned) + " of " + std::to_string(s.partitions) +
          " partitions within 120 s");
    }
    std::this_thread::sleep_for(50ms);
  }
  const double join_seconds = seconds_since(joining);

  const PhaseMeter meter(broker.pid());
  const auto start = Clock::now();
  std::vector<ProducerStats> producer_stats(size_t(s.producers));
  std::vector<std::thread> producers;
  for (int i = 0; i < s.producers; ++i) {
    producers.emplace_back(produce, std::cref(s), bootstrap, topics[size_t(i % s.topics)], i,
                           std::ref(producer_stats[size_t(i)]));
  }
  for (auto& t : producers) t.join();
  const double produce_seconds = seconds_since(start);
  uint64_t delivered = 0, failed = 0;
  std::string first_error;
  for (const auto& p : producer_stats) {
    delivered += p.delivered;
    failed += p.failed;
    if (first_error.empty()) first_error = p.first_error;
  }
  if (failed > 0) die(std::to_string(failed) + " records failed: " + first_error);

  // Every acknowledged record must reach a consumer.
  const auto draining = Clock::now();
  uint64_t consumed = 0;
  for (;;) {
    consumed = 0;
    for (const auto& c : consumer_stats) consumed += c->records.load();
    if (consumed >= delivered || Clock::now() - draining > 60s) break;
    std::this_thread::sleep_for(20ms);
  }
  const double total_seconds = seconds_since(start);
  const PhaseUse use = meter.finish(total_seconds);
  const BrokerTime produce_time = broker_request_time(http_get(http_port, "/metrics"), "Produce");
  const size_t broker_peak = proc_status_bytes(broker.pid(), "VmHWM:");
  stop = true;
  for (auto& t : consumers) t.join();
  for (const auto& c : consumer_stats) {
    if (!c->error.empty()) die("a consumer failed: " + c->error);
  }
  if (!broker.stop()) die("kafkado serve did not stop cleanly: " + broker.exit_description());

  std::vector<int64_t> acks, end_to_end;
  for (auto& p : producer_stats) acks.insert(acks.end(), p.ack_ns.begin(), p.ack_ns.end());
  for (auto& c : consumer_stats) {
    end_to_end.insert(end_to_end.end(), c->end_to_end_ns.begin(), c->end_to_end_ns.end());
  }
  std::vector<int64_t> rtt_p50_ns, rtt_p99_ns;
  for (const auto& p : producer_stats) {
    for (int64_t us : p.rtt_p50_us) rtt_p50_ns.push_back(us * 1000);
    for (int64_t us : p.rtt_p99_us) rtt_p99_ns.push_back(us * 1000);
  }
  const Latency ack = percentiles(std::move(acks));
  const double rtt_p50_ms = percentiles(std::move(rtt_p50_ns)).p50_ms;
  const double rtt_p99_ms = percentiles(std::move(rtt_p99_ns)).p99_ms;
  const Latency e2e = percentiles(std::move(end_to_end));
  const auto [produced_min, produced_max] =
      min_max(producer_stats, [](const ProducerStats& p) { return p.delivered; });
  const auto [consumed_min, consumed_max] = min_max(
      consumer_stats, [](const std::unique_ptr<ConsumerStats>& c) { return c->records.load(); });
  const auto [parts_min, parts_max] =
      min_max(consumer_stats, [](const auto& c) { return uint64_t(c->partitions.load()); });
  const uint64_t expected_each = uint64_t(s.seconds * s.rate);

  std::printf("  the group assigned all %d partitions %.2f s after the consumers started\n",
              s.partitions, join_seconds);
  std::printf(
      "  produce: %llu records acknowledged in %.2f s = %.0f records/s (%.1f MB/s); ack latency "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      static_cast<unsigned long long>(delivered), produce_seconds,
      double(delivered) / produce_seconds,
      double(delivered) * double(s.value_size) / 1e6 / produce_seconds, ack.p50_ms, ack.p99_ms,
      ack.max_ms);
  std::printf(
      "  of which the broker round trip (librdkafka's rtt: request written -> response read, per "
      "1 s window): p50 %.2f ms (median window), p99 %.2f ms (99th percentile of the windows' "
      "p99)\n",
      rtt_p50_ms, rtt_p99_ms);
  std::printf(
      "  and the broker's own time per Produce request (decoded -> answered, its histogram "
      "/metrics, %llu requests): p50 <= %g ms, p99 <= %g ms\n",
      static_cast<unsigned long long>(produce_time.requests), produce_time.p50_ms,
      produce_time.p99_ms);
  std::printf(
      "  consume: %llu of %llu records read (%.2f s after the first send); end to end p50 %.2f "
      "ms, p99 %.2f ms, max %.2f ms\n",
      static_cast<unsigned long long>(consumed), static_cast<unsigned long long>(delivered),
      total_seconds, e2e.p50_ms, e2e.p99_ms, e2e.max_ms);
  std::printf(
      "  per producer: %llu .. %llu records acknowledged (%llu sent each); per consumer: %llu .. "
      "%llu records, %llu .. %llu partitions\n",
      static_cast<unsigned long long>(produced_min), static_cast<unsigned long long>(produced_max),
      static_cast<unsigned long long>(expected_each), static_cast<unsigned long long>(consumed_min),
      static_cast<unsigned long long>(consumed_max), static_cast<unsigned long long>(parts_min),
      static_cast<unsigned long long>(parts_max));
  std::printf("  broker: %.0f%% of a core, peak RSS %s (budget %.0f MiB -> %s); client %.0f%%\n",
              100 * use.server_cpu, mib(broker_peak).c_str(), kRssBudgetMiB,
              double(broker_peak) / double(kMiB) <= kRssBudgetMiB ? "MET" : "MISSED",
              100 * use.client_cpu);
  const bool none_lost = consumed == delivered;
  const bool none_starved = produced_min == expected_each && consumed_min > 0;
  std::printf("  every acknowledged record read once: %s; no client starved: %s\n",
              none_lost ? "yes" : "NO", none_starved ? "yes" : "NO");
  if (s.quick) std::printf("  (quick run: sizes too small for the figures to mean anything)\n");
  return none_lost && none_starved ? 0 : 1;
}

}  // namespace
}  // namespace kafka_do::bench

int main(int argc, char** argv) {
  using namespace kafka_do::bench;
  Settings s;
  s.kafkado = default_kafkado();
  s.dir = std::filesystem::temp_directory_path().string();
  CLI::App app{"kafka-do many-clients benchmark: hundreds of producers and consumers at once"};
  app.add_flag("--quick", s.quick, "A small run (the CTest smoke test)");
  app.add_option("--kafkado", s.kafkado, "The kafkado binary");
  app.add_option("--dir", s.dir, "Where to put the broker's data directory");
  app.add_option("--producers", s.producers, "Producers")->check(CLI::PositiveNumber);
  app.add_option("--consumers", s.consumers, "Consumers, in one group")->check(CLI::PositiveNumber);
  app.add_option("--partitions", s.partitions, "Partitions of the topic")
      ->check(CLI::PositiveNumber);
  app.add_option("--topics", s.topics,
                 "Topics the partitions are split over; producer i writes topic i mod T")
      ->check(CLI::PositiveNumber);
  app.add_option("--rate", s.rate, "Records/s per producer")->check(CLI::PositiveNumber);
  app.add_option("--linger-ms", s.linger_ms, "The producers' linger.ms");
  app.add_option("--client-scheduling", s.client_scheduling,
                 "The client threads' scheduling beside the broker: idle (SCHED_IDLE), nice "
                 "(nice 10), equal (the broker's)")
      ->check(CLI::IsMember({"idle", "nice", "equal"}));
  app.add_option("--seconds", s.seconds, "How long the producers send")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    s.producers = std::min(s.producers, 8);
    s.consumers = std::min(s.consumers, 8);
    s.partitions = std::min(s.partitions, 40);
    s.seconds = std::min(s.seconds, 1.0);
    s.topics = std::min(s.topics, 4);
  }
  if (s.partitions % s.topics != 0) {
    std::fprintf(stderr, "--partitions must be a multiple of --topics\n");
    return 2;
  }
  return run(s);
}
