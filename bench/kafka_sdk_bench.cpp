// kafka_sdk_bench: what the SDK's kafka:// backend costs over librdkafka's C API driven directly,
// for the same workload against the same `kafkado serve`, in the same run.
//
//   produce: N raw values through kafka::AsyncProducer::send_raw + deliver(), and through
//            rd_kafka_producev + delivery-report polling + rd_kafka_flush, with the properties the
//            SDK sets (acks=all, idempotence, linger 5 ms, batch.size 16384, no compression);
//   consume: the same N records read by a group consumer (subscribe, earliest, manual commits
//            off), through kafka::Consumer::poll and through rd_kafka_consumer_poll, timed from
//            the first record to the last (the group join is the broker's, not the client's);
//   JSON:    the SDK's send(Json) and value() on the same path, for what serialization adds.
//
// Each case runs `--rounds` times, alternating which side goes first; the table shows the best
// round of each side and the ratio SDK / librdkafka (1.00 = no cost; the target is >= 0.90).

#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <kafka_do/kafka.hpp>
#include <string>
#include <vector>

#include "bench_process.hpp"
#include "bench_rdkafka.hpp"
#include "bench_support.hpp"

namespace kafka_do::bench {
namespace {

struct Settings {
  bool quick = false;
  std::string kafkado;
  std::string dir = "/tmp";
  size_t records = 500'000;
  size_t value_bytes = 100;
  int rounds = 3;
  bool json_only = false;  // only the SDK's JSON cases (for a profiler)
};

std::string payload(size_t size) {
  std::string s(size, 'x');
  for (size_t i = 0; i < size; ++i) s[i] = char('a' + (i * 7) % 26);
  return s;
}

// A JSON order of about `size` bytes once serialized.
kafka::Json order_of(size_t size, size_t i) {
  kafka::Json j = {{"order_id", std::to_string(100000 + i)}, {"amount", 99.5}, {"note", ""}};
  const size_t base = j.dump().size();
  j["note"] = std::string(size > base ? size - base : 0, 'n');
  return j;
}

double rate(size_t n, double seconds) { return seconds > 0 ? double(n) / seconds : 0; }

// ---- librdkafka directly ----------------------------------------------------------------------

struct Delivered {
  size_t ok = 0;
  size_t failed = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto& d = *static_cast<Delivered*>(opaque);
  if (m->err) {
    ++d.failed;
  } else {
    ++d.ok;
  }
}

double rdkafka_produce(const std::string& bootstrap, const std::string& topic, size_t n,
                       const std::string& value) {
  Delivered d;
  ConfPtr conf = make_conf({{"bootstrap.servers", bootstrap},
                            {"acks", "all"},
                            {"enable.idempotence", "true"},
                            {"linger.ms", "5"},
                            {"batch.size", "16384"},
                            {"compression.type", "none"},
                            {"queue.buffering.max.kbytes", std::to_string(32 << 10)},
                            {"allow.auto.create.topics", "false"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), &d);
  KafkaPtr rk = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  create_topics(rk.get(), {topic}, 1);
  // As the SDK's producer does when it is made: the topic's metadata before the first record.
  TopicPtr rkt(rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk.get(), 0, rkt.get(), &md, 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR)
    rd_kafka_metadata_destroy(md);
  const auto start = Clock::now();
  for (size_t i = 0; i < n;) {
    const auto err =
        rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk.get(), 1);
      continue;
    }
    if (err) die(std::string("rd_kafka_producev: ") + rd_kafka_err2str(err));
    ++i;
    if ((i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
  }
  if (rd_kafka_flush(rk.get(), 120'000)) die("rd_kafka_flush timed out");
  const double seconds = seconds_since(start);
  if (d.ok != n) die("librdkafka delivered " + std::to_string(d.ok) + " of " + std::to_string(n));
  return seconds;
}

// With `parse`, each value is parsed as JSON (nlohmann, as the SDK's value() does).
double rdkafka_consume(const std::string& bootstrap, const std::string& topic,
                       const std::string& group, size_t n, bool parse = false) {
  KafkaPtr rk = make_client(RD_KAFKA_CONSUMER,
                            make_conf({{"bootstrap.servers", bootstrap},
                                       {"group.id", group},
                                       {"enable.auto.commit", "false"},
                                       {"enable.auto.offset.store", "false"},
                                       {"auto.offset.reset", "earliest"},
                                       {"isolation.level", "read_committed"},
                                       {"fetch.wait.max.ms", "500"},
                                       {"max.partition.fetch.bytes", std::to_string(1 << 20)}}));
  rd_kafka_poll_set_consumer(rk.get());
  PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(rk.get(), topics.get()))
    die(std::string("subscribe: ") + rd_kafka_err2str(err));
  size_t got = 0, bytes = 0;
  Clock::time_point first{};
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (got < n && Clock::now() < deadline) {
    MessagePtr m(rd_kafka_consumer_poll(rk.get(), 100));
    if (!m || m->err) continue;
    if (got == 0) first = Clock::now();
    if (parse) {
      bytes += kafka::Json::parse(static_cast<const char*>(m->payload),
                                  static_cast<const char*>(m->payload) + m->len)
                   .size();
    } else {
      bytes += m->len;
    }
    ++got;
  }
  const double seconds = seconds_since(first);
  keep(&bytes);
  if (got != n) die("librdkafka consumed " + std::to_string(got) + " of " + std::to_string(n));
  rd_kafka_consumer_close(rk.get());
  return seconds;
}

// ---- the SDK ----------------------------------------------------------------------------------

template <class Send>
double sdk_produce(kafka::Client& kafka, const std::string& topic, size_t n, Send send) {
  kafka.admin().create_topic(topic, {.partitions = 1});
  auto producer = kafka.async_producer(topic);
  const auto start = Clock::now();
  for (size_t i = 0; i < n; ++i) send(producer, i);
  producer.deliver();
  return seconds_since(start);
}

template <class Touch>
double sdk_consume(kafka::Client& kafka, const std::string& topic, const std::string& group,
                   size_t n, Touch touch) {
  auto consumer = kafka.consumer(
      topic, {.group = group, .offset = kafka::Offset::earliest, .auto_commit = false});
  size_t got = 0, bytes = 0;
  Clock::time_point first{};
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (got < n && Clock::now() < deadline) {
    for (auto& r : consumer.poll(std::chrono::milliseconds(100))) {
      if (got == 0) first = Clock::now();
      bytes += touch(r);
      ++got;
    }
  }
  const double seconds = seconds_since(first);
  keep(&bytes);
  if (got != n) die("the SDK consumed " + std::to_string(got) + " of " + std::to_string(n));
  return seconds;
}

struct Best {
  double sdk = 0, direct = 0;  // best seconds
  void add(double& best, double s) { best = best == 0 ? s : std::min(best, s); }
};

void print_row(const char* what, size_t n, const Best& b) {
  std::printf("%-26s %12.0f %12.0f %8.2f\n", what, rate(n, b.direct), rate(n, b.sdk),
              b.sdk > 0 ? b.direct / b.sdk : 0);
}

int run(const Settings& s) {
  const std::string root = make_scratch_dir(s.dir, "kafka-sdk-bench");
  ServerProcess broker("kafkado serve",
                       {s.kafkado, "serve", "--data", root + "/data", "--listen", "127.0.0.1:0"},
                       root + "/kafkado.log");
  const std::string bootstrap = wait_for_kafkado(broker);
  kafka::ClientOptions options;
  options.url = "kafka://" + bootstrap;
  kafka::Client kafka(options);

  const size_t n = s.records;
  const std::string value = payload(s.value_bytes);
  std::vector<kafka::Json> orders;
  orders.reserve(1024);
  for (size_t i = 0; i < 1024; ++i) orders.push_back(order_of(s.value_bytes, i));

  Best produce, consume, json_produce, json_consume;
  for (int round = 0; round < s.rounds; ++round) {
    const std::string tag = std::to_string(round);
    auto direct = [&] {
      produce.add(produce.direct, rdkafka_produce(bootstrap, "direct-" + tag, n, value));
      consume.add(consume.direct,
                  rdkafka_consume(bootstrap, "direct-" + tag, "direct-group-" + tag, n));
    };
    auto sdk = [&] {
      produce.add(produce.sdk,
                  sdk_produce(kafka, "sdk-" + tag, n, [&](kafka::AsyncProducer& p, size_t) {
                    p.send_raw(value, {.partition = 0});
                  }));
      consume.add(consume.sdk, sdk_consume(kafka, "sdk-" + tag, "sdk-group-" + tag, n,
                                           [](kafka::Record& r) { return r.raw_value().size(); }));
    };
    if (s.json_only) {
    } else if (round % 2 == 0) {
      direct();
      sdk();
    } else {
      sdk();
      direct();
    }
    json_produce.add(json_produce.sdk,
                     sdk_produce(kafka, "json-" + tag, n, [&](kafka::AsyncProducer& p, size_t i) {
                       p.send(orders[i & 1023], {.partition = 0});
                     }));
    json_consume.add(json_consume.sdk,
                     sdk_consume(kafka, "json-" + tag, "json-group-" + tag, n,
                                 [](kafka::Record& r) { return r.value().size(); }));
    json_consume.add(json_consume.direct, rdkafka_consume(bootstrap, "json-" + tag,
                                                          "direct-json-group-" + tag, n, true));
  }
  json_produce.direct = produce.direct;  // the same records' bytes through librdkafka

  std::printf("kafka_sdk_bench: %zu records of %zu B, best of %d rounds, kafkado serve at %s\n", n,
              s.value_bytes, s.rounds, bootstrap.c_str());
  std::printf("%-26s %12s %12s %8s\n", "case", "librdkafka/s", "SDK/s", "SDK/rdk");
  print_row("produce raw", n, produce);
  print_row("consume raw", n, consume);
  // Produce JSON: the SDK's send(Json) against librdkafka moving the same bytes raw (what
  // serializing adds). Consume JSON: value() against librdkafka + nlohmann's parse per record.
  print_row("produce JSON (rdk raw)", n, json_produce);
  print_row("consume JSON (rdk+parse)", n, json_consume);
  return 0;
}

}  // namespace
}  // namespace kafka_do::bench

int main(int argc, char** argv) {
  kafka_do::bench::Settings s;
  s.kafkado = kafka_do::bench::default_kafkado();
  CLI::App app{"kafka:// SDK against librdkafka's C API, same broker, same run"};
  app.add_flag("--quick", s.quick, "Tiny sizes: a smoke run, not a measurement");
  app.add_option("--kafkado", s.kafkado, "The kafkado binary")->capture_default_str();
  app.add_option("--dir", s.dir, "Scratch directory parent")->capture_default_str();
  auto* records = app.add_option("--records", s.records, "Records per case")->capture_default_str();
  app.add_option("--value-bytes", s.value_bytes, "Value size")->capture_default_str();
  app.add_option("--rounds", s.rounds, "Rounds per case (best is shown)")->capture_default_str();
  app.add_flag("--json-only", s.json_only, "Only the SDK's JSON cases (to profile them)");
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    if (records->count() == 0) s.records = 5'000;
    s.rounds = 1;
  }
  return kafka_do::bench::run(s);
}
