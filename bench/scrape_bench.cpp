// scrape_bench: what a Prometheus scrape of `kafkado serve` costs when the broker holds thousands
// of partitions and consumer groups have committed on all of them, next to the Kafka request that
// walks the same partitions (a Metadata request for every topic, through librdkafka) and the
// HTTP side's fixed cost (/healthz), measured in the same run.
//
//   1. starts `kafkado serve` (fresh data directory, free loopback ports for Kafka and HTTP);
//   2. creates T topics of P partitions through CreateTopics, produces R records to every
//      partition, and commits offset 1 of every partition for G groups (so /metrics carries a
//      kafka_consumergroup_lag series per group and partition, computed at scrape time);
//   3. times N requests of each kind, one after another: Metadata (all topics), GET /healthz,
//      GET /metrics and GET /api/overview (what the console's first page polls), with the
//      broker's CPU time per request and the response size;
//   4. checks the scrape holds every series it should (a bench that timed an empty page would
//      mean nothing).
//
// Printed: p50/max latency, broker CPU per request, bytes, the scrape's ratio to Metadata, and
// what one scrape every 15 s (Prometheus' default interval) costs as a share of one core.

#include <librdkafka/rdkafka.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bench_process.hpp"
#include "bench_rdkafka.hpp"
#include "bench_support.hpp"

namespace kafka_do::bench {
namespace {

struct Settings {
  bool quick = false;
  std::string dir;
  std::string kafkado;
  int topics = 1000;
  int partitions = 4;
  int groups = 2;
  int records = 2;  // per partition
  int requests = 20;
};

size_t count_lines_starting(std::string_view text, std::string_view prefix) {
  size_t n = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    if (text.substr(at, end - at).starts_with(prefix)) ++n;
    at = end + 1;
  }
  return n;
}

struct Timing {
  double p50_ms = 0;
  double max_ms = 0;
  double broker_cpu_ms = 0;  // per request
  size_t bytes = 0;          // of the last response
};

// Runs `once` n times against the broker, timing each call and the broker's CPU over all of them.
template <typename F>
Timing measure(pid_t broker, int n, F once) {
  std::vector<double> ms;
  const double cpu_start = proc_cpu_seconds(broker);
  Timing t;
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    t.bytes = once();
    ms.push_back(1e3 * seconds_since(start));
  }
  t.broker_cpu_ms = 1e3 * (proc_cpu_seconds(broker) - cpu_start) / n;
  std::sort(ms.begin(), ms.end());
  t.p50_ms = ms[ms.size() / 2];
  t.max_ms = ms.back();
  return t;
}

void print_row(const char* what, const Timing& t) {
  std::printf("  %-34s %9.2f %9.2f %12.2f %11zu\n", what, t.p50_ms, t.max_ms, t.broker_cpu_ms,
              t.bytes);
  std::fflush(stdout);
}

// Produces `records` small records to every partition of every topic and waits for all of them.
void fill_partitions(const std::string& bootstrap, const std::vector<std::string>& topics,
                     const Settings& s) {
  KafkaPtr producer = make_client(
      RD_KAFKA_PRODUCER, make_conf({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}}));
  for (const auto& topic : topics) {
    for (int p = 0; p < s.partitions; ++p) {
      for (int r = 0; r < s.records; ++r) {
        for (;;) {
          const rd_kafka_resp_err_t err = rd_kafka_producev(
              producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
              RD_KAFKA_V_VALUE(const_cast<char*>("metric"), 6), RD_KAFKA_V_END);
          if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
          if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            die(std::string("produce: ") + rd_kafka_err2str(err));
          rd_kafka_poll(producer.get(), 10);
        }
      }
    }
  }
  if (rd_kafka_flush(producer.get(), 60'000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    die("produce: not all records were delivered within 60 s");
}

// Commits offset 1 of every partition for each group, without joining (as a tool or a manually
// assigned consumer commits), so each group lags by records - 1 on every partition.
void commit_groups(const std::string& bootstrap, const std::vector<std::string>& topics,
                   const Settings& s) {
  for (int g = 0; g < s.groups; ++g) {
    KafkaPtr consumer =
        make_client(RD_KAFKA_CONSUMER, make_conf({{"bootstrap.servers", bootstrap},
                                                  {"group.id", "scrape-group-" + std::to_string(g)},
                                                  {"enable.auto.commit", "false"}}));
    PartitionListPtr offsets(rd_kafka_topic_partition_list_new(int(topics.size()) * s.partitions));
    for (const auto& topic : topics) {
      for (int p = 0; p < s.partitions; ++p)
        rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), p)->offset = 1;
    }
    const rd_kafka_resp_err_t err = rd_kafka_commit(consumer.get(), offsets.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) die(std::string("commit: ") + rd_kafka_err2str(err));
  }
}

int run(const Settings& s) {
  if (::access(s.kafkado.c_str(), X_OK) != 0)
    die("kafkado not found at " + s.kafkado + " (build it, or pass --kafkado PATH)");
  const std::string root = make_scratch_dir(s.dir, "scrape-bench");
  // The broker starts before any librdkafka thread exists, so fork() copies a single thread.
  ServerProcess broker("kafkado serve",
                       {s.kafkado, "serve", "--data", root + "/kafka", "--listen", "127.0.0.1:0",
                        "--http", "127.0.0.1:0"},
                       root + "/kafkado.log");
  const std::string bootstrap = wait_for_kafkado(broker);
  const std::string http = kafkado_http_address(broker);
  if (http.empty()) die("kafkado serve did not report its HTTP address:\n" + tail(broker.log()));
  const int http_port = std::stoi(http.substr(http.rfind(':') + 1));

  const int total_partitions = s.topics * s.partitions;
  std::printf(
      "scrape_bench: %d topics x %d partitions = %d partitions, %d records each, %d groups "
      "committed on all of them; %d requests of each kind\n",
      s.topics, s.partitions, total_partitions, s.records, s.groups, s.requests);
  std::printf("  broker: %s serve on %s, HTTP on %s (pid %d)\n", s.kafkado.c_str(),
              bootstrap.c_str(), http.c_str(), int(broker.pid()));
  std::fflush(stdout);

  const auto setup_start = Clock::now();
  KafkaPtr admin = make_client(RD_KAFKA_PRODUCER, make_conf({{"bootstrap.servers", bootstrap}}));
  std::vector<std::string> topics;
  for (int t = 0; t < s.topics; ++t) topics.push_back("scrape-" + std::to_string(t));
  constexpr size_t kTopicsPerRequest = 100;
  for (size_t at = 0; at < topics.size(); at += kTopicsPerRequest) {
    const auto end = topics.begin() + long(std::min(topics.size(), at + kTopicsPerRequest));
    create_topics(admin.get(), std::vector<std::string>(topics.begin() + long(at), end),
                  s.partitions);
  }
  fill_partitions(bootstrap, topics, s);
  commit_groups(bootstrap, topics, s);
  std::printf("  set-up (create, produce, commit): %.1f s\n\n", seconds_since(setup_start));

  std::printf("  %-34s %9s %9s %12s %11s\n", "request", "p50 ms", "max ms", "broker CPU ms",
              "bytes");
  const Timing metadata = measure(broker.pid(), s.requests, [&] {
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(admin.get(), 1, nullptr, &md, 30'000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) die(std::string("metadata: ") + rd_kafka_err2str(err));
    MetadataPtr owned(md);
    if (md->topic_cnt < s.topics) die("metadata: " + std::to_string(md->topic_cnt) + " topics");
    return size_t(0);
  });
  print_row("Kafka Metadata, all topics (ref.)", metadata);
  const Timing healthz =
      measure(broker.pid(), s.requests, [&] { return http_get(http_port, "/healthz").size(); });
  print_row("GET /healthz (ref.)", healthz);
  std::string page;
  const Timing scrape = measure(broker.pid(), s.requests, [&] {
    page = http_get(http_port, "/metrics");
    return page.size();
  });
  print_row("GET /metrics", scrape);
  const Timing overview = measure(broker.pid(), s.requests,
                                  [&] { return http_get(http_port, "/api/overview").size(); });
  print_row("GET /api/overview", overview);

  // What the scrape must hold: a lag series per group and partition, and the partition gauges.
  const size_t lag_series = count_lines_starting(page, "kafka_consumergroup_lag{");
  const size_t offset_series = count_lines_starting(page, "kafka_topic_partition_current_offset{");
  if (lag_series != size_t(s.groups) * size_t(total_partitions) ||
      offset_series < size_t(total_partitions)) {
    die("the scrape holds " + std::to_string(lag_series) + " kafka_consumergroup_lag and " +
        std::to_string(offset_series) + " kafka_topic_partition_current_offset series, expected " +
        std::to_string(s.groups * total_partitions) + " and " + std::to_string(total_partitions));
  }
  const size_t lines = size_t(std::count(page.begin(), page.end(), '\n'));
  const size_t series = lines - count_lines_starting(page, "#");
  std::printf("\n  the scrape: %zu series, %.1f KiB; %zu kafka_consumergroup_lag series\n", series,
              double(page.size()) / 1024, lag_series);
  std::printf("  /metrics vs Metadata (same partitions): %.2fx the latency, %.2fx the broker CPU\n",
              scrape.p50_ms / metadata.p50_ms,
              metadata.broker_cpu_ms > 0 ? scrape.broker_cpu_ms / metadata.broker_cpu_ms : 0.0);
  std::printf("  per 1,000 partitions: %.2f ms of broker CPU per scrape\n",
              scrape.broker_cpu_ms * 1000 / total_partitions);
  std::printf("  one scrape every 15 s costs %.3f%% of one core\n",
              100 * scrape.broker_cpu_ms / 15'000);
  if (!broker.stop()) die("kafkado serve did not stop cleanly: " + broker.exit_description());
  return 0;
}

}  // namespace
}  // namespace kafka_do::bench

int main(int argc, char** argv) {
  using namespace kafka_do::bench;
  Settings s;
  s.kafkado = default_kafkado();
  s.dir = std::filesystem::temp_directory_path().string();
  CLI::App app{
      "kafka-do scrape benchmark: /metrics with thousands of partitions, next to Metadata"};
  app.add_flag("--quick", s.quick, "A small run (the CTest smoke test)");
  app.add_option("--kafkado", s.kafkado, "The kafkado binary");
  app.add_option("--dir", s.dir, "Where to put the broker's data directory");
  app.add_option("--topics", s.topics, "Topics to create")->check(CLI::PositiveNumber);
  app.add_option("--partitions", s.partitions, "Partitions per topic")->check(CLI::PositiveNumber);
  app.add_option("--groups", s.groups, "Groups committing on every partition")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--requests", s.requests, "Requests of each kind")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    s.topics = std::min(s.topics, 50);
    s.requests = std::min(s.requests, 5);
  }
  return run(s);
}
