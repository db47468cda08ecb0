// broker_bench: kafka-do as a network broker, driven by a real Kafka client (librdkafka), next to
// Redis Streams measured in the same run on the same machine, so that the ratio means something
// on a noisy machine.
//
//   1. starts `kafkado serve` (fresh data directory, free loopback port) and redis-server
//      (persistence off; with --flush every-batch, AOF with appendfsync always) as child
//      processes; with --flush every-batch, first measures the disk doing what that policy asks
//      (write + fdatasync per producer batch), the bound for acks=all produce;
//   2. Kafka: produces N x 100 B and M x 1 KiB records with acks=all to a 1-partition topic each
//      (records/s, MB/s, enqueue -> delivery latency), then reads each topic back from the
//      beginning with a plain assign() consumer, checking every offset and value;
//   3. 1 KiB records from several producers at once (--parallel-producers, each on its own
//      thread, connection and topic), beside one loopback TCP connection's bandwidth measured
//      over the same bytes: what clients could send the broker at most;
//   4. acks=all round trips, one record in flight at a time (the broker's latency without load),
//      and end to end: a producer at a fixed rate (50k records/s) to a consumer, p50/p99;
//   5. Redis: XADD of the same 100 B values, pipelined, over one connection speaking RESP;
//   6. the broker's peak RSS (VmHWM of the server process, read just before it is stopped).
//
// A plain program rather than Google Benchmark, like storage_bench: each figure is one long,
// fixed-work run and the interesting output is the comparison with Redis and the targets.

#include <librdkafka/rdkafka.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
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
  std::string kafkado;  // default: ../src/cli/kafkado next to this binary in the build tree
  std::string redis_server = "/usr/bin/redis-server";
  std::string flush = "interval";  // kafkado's --flush policy (its default)
  uint64_t small_records = 1'000'000;
  uint64_t large_records = 200'000;
  uint64_t round_trips = 2'000;
  uint64_t txn_records = 1'000'000;     // records of the idempotent and 100/1000-record runs
  uint64_t single_record_txns = 5'000;  // transactions of one record
  // End to end: records per second from one producer (linger.ms=0) to one consumer, and how many.
  uint64_t e2e_rate = 50'000;
  uint64_t e2e_records = 250'000;
  size_t pipeline = 1000;
  // Client batching: linger.ms and batch.size as a throughput-minded application sets them.
  int linger_ms = 5;
  int batch_bytes = 1'000'000;  // librdkafka's message.max.bytes default, under the broker's 1 MiB
  // librdkafka's default queue.buffering.max.messages: the client-side backlog while producing
  // flat out, which the latency under load includes.
  int queue_messages = 100'000;
  std::string rdkafka_debug;  // librdkafka "debug" contexts, for looking into a slow phase
  // The parallel phase: this many producers at once, each on its own thread and topic, each
  // sending large_records 1 KiB records, against one TCP connection's loopback bandwidth.
  int parallel_producers = 4;
};

constexpr double kMiBd = double(kMiB);
constexpr double kRssBudgetMiB = 256;
constexpr double kLargeTargetMBps = 300;

std::string fill_pattern(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  std::minstd_rand rng(seed);
  for (auto& c : s) c = char('a' + rng() % 26);
  return s;
}

// Record i's value: a slice of a random pattern, so values differ and can be checked on the way
// back without storing them.
std::string_view value_of(const std::string& pattern, size_t value_size, uint64_t i) {
  return std::string_view(pattern).substr((i * 131) % 4096, value_size);
}

std::string value_label(size_t value_size) {
  if (value_size >= 1'000'000) return std::to_string(value_size / 1'000'000) + " MB";
  return value_size >= 1024 ? "1 KiB" : std::to_string(value_size) + " B";
}

// The broker under test: waits on the client check that it is still alive, so that a crashed
// broker fails the run at once with its log rather than after the client's timeouts.
ServerProcess* g_broker = nullptr;

void check_broker_alive(const std::string& during) {
  if (g_broker != nullptr && !g_broker->running()) {
    die("kafkado serve exited (" + g_broker->exit_description() + ") during " + during + ":\n" +
        tail(g_broker->log()));
  }
}

// ---------------------------------------------------------------------------------------------
// Redis: RESP over one TCP connection (no client library needed for a handful of commands).

struct Reply {
  char type = 0;  // '+' simple string, '-' error, ':' integer, '$' bulk string
  std::string text;
};

class RespConnection {
 public:
  explicit RespConnection(Fd fd) : fd_(std::move(fd)) {}

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("redis: send: " + std::string(std::strerror(errno)));
      bytes.remove_prefix(size_t(n));
    }
  }

  Reply read_reply() {
    Reply reply;
    while (!parse(reply)) fill();
    return reply;
  }

  // A command from its arguments, as a RESP array of bulk strings.
  static std::string command(std::initializer_list<std::string_view> args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (std::string_view a : args) {
      out += "$" + std::to_string(a.size()) + "\r\n";
      out += a;
      out += "\r\n";
    }
    return out;
  }

  Reply call(std::initializer_list<std::string_view> args) {
    send(command(args));
    return read_reply();
  }

 private:
  // Parses one reply at pos_; false when the buffer does not hold all of it yet.
  bool parse(Reply& reply) {
    const size_t eol = in_.find("\r\n", pos_);
    if (eol == std::string::npos) return false;
    const char type = in_[pos_];
    std::string_view line(in_.data() + pos_ + 1, eol - pos_ - 1);
    if (type == '+' || type == '-' || type == ':') {
      reply = {type, std::string(line)};
      pos_ = eol + 2;
      return true;
    }
    if (type != '$') die("redis: unexpected reply type '" + std::string(1, type) + "'");
    const long long len = std::strtoll(std::string(line).c_str(), nullptr, 10);
    if (len < 0) {  // null bulk string
      reply = {type, {}};
      pos_ = eol + 2;
      return true;
    }
    if (in_.size() < eol + 2 + size_t(len) + 2) return false;
    reply = {type, in_.substr(eol + 2, size_t(len))};
    pos_ = eol + 2 + size_t(len) + 2;
    return true;
  }

  void fill() {
    if (pos_ > 0) {  // drop what was parsed, so the buffer stays the size of one read
      in_.erase(0, pos_);
      pos_ = 0;
    }
    char buf[64 * 1024];
    ssize_t n;
    do {
      n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0) die("redis: connection closed");
    if (n < 0) die("redis: recv: " + std::string(std::strerror(errno)));
    in_.append(buf, size_t(n));
  }

  Fd fd_;
  std::string in_;
  size_t pos_ = 0;
};

// Connects once redis-server accepts connections and answers PING.
RespConnection wait_for_redis(ServerProcess& redis, int port) {
  const auto deadline = Clock::now() + kStallLimit;
  while (Clock::now() < deadline) {
    Fd fd = connect_loopback(port);
    if (fd) {
      RespConnection conn(std::move(fd));
      const Reply pong = conn.call({"PING"});
      if (pong.type == '+' && pong.text == "PONG") return conn;
    }
    if (!redis.running()) {
      die("redis-server exited (" + redis.exit_description() + ") before accepting connections:\n" +
          tail(redis.log()));
    }
    std::this_thread::sleep_for(20ms);
  }
  die("redis-server did not accept connections within 30 s:\n" + tail(redis.log()));
}

std::string redis_version(RespConnection& conn) {
  const Reply info = conn.call({"INFO", "server"});
  const size_t at = info.text.find("redis_version:");
  if (at == std::string::npos) return "unknown version";
  const size_t start = at + std::strlen("redis_version:");
  return info.text.substr(start, info.text.find_first_of("\r\n", start) - start);
}

struct Figures {
  uint64_t records = 0;
  uint64_t payload_bytes = 0;
  double seconds = 0;
  double records_per_s() const { return seconds > 0 ? double(records) / seconds : 0; }
  double payload_mbps() const { return seconds > 0 ? double(payload_bytes) / kMB / seconds : 0; }
};

// XADD stream * v <value> for n values, `pipeline` commands per write; every reply is read
// before the next write, as redis-benchmark -P does. Checks XLEN at the end.
Figures measure_redis(RespConnection& conn, const std::string& stream, size_t value_size,
                      uint64_t n, size_t pipeline) {
  const std::string pattern = fill_pattern(value_size + 4096, 23);
  // Everything up to the value's length: the same for every command.
  const std::string prefix = "*5\r\n$4\r\nXADD\r\n$" + std::to_string(stream.size()) + "\r\n" +
                             stream + "\r\n$1\r\n*\r\n$1\r\nv\r\n$" + std::to_string(value_size) +
                             "\r\n";
  std::string out;
  out.reserve(pipeline * (prefix.size() + value_size + 2));
  Figures f;
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n;) {
    const uint64_t end = std::min<uint64_t>(n, i + pipeline);
    out.clear();
    for (uint64_t j = i; j < end; ++j) {
      out += prefix;
      out += value_of(pattern, value_size, j);
      out += "\r\n";
    }
    conn.send(out);
    for (; i < end; ++i) {
      const Reply r = conn.read_reply();
      if (r.type != '$') die("redis: XADD " + std::to_string(i) + " failed: " + r.text);
    }
  }
  f.seconds = seconds_since(start);
  f.records = n;
  f.payload_bytes = n * value_size;
  const Reply len = conn.call({"XLEN", stream});
  if (len.type != ':' || std::strtoull(len.text.c_str(), nullptr, 10) != n)
    die("redis: XLEN " + stream + " is " + len.text + ", expected " + std::to_string(n));
  return f;
}

// ---------------------------------------------------------------------------------------------
// librdkafka configuration, with the run's debug contexts.

ConfPtr make_conf(const Settings& s,
                  std::initializer_list<std::pair<const char*, std::string>> settings,
                  const ConfList& extra = {}) {
  ConfList all(settings);
  all.insert(all.end(), extra.begin(), extra.end());
  if (!s.rdkafka_debug.empty()) all.emplace_back("debug", s.rdkafka_debug);
  return kafka_do::bench::make_conf(all);
}

void create_topic(rd_kafka_t* rk, const std::string& topic) { create_topics(rk, {topic}, 1); }

// ---------------------------------------------------------------------------------------------
// Kafka produce.

// What the delivery report callback fills in; the callback runs inside rd_kafka_poll/flush on
// this thread, so nothing here needs to be atomic.
struct Deliveries {
  // Per record: the steady-clock time it was enqueued, replaced by its latency once delivered.
  std::vector<int64_t> ns;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto& d = *static_cast<Deliveries*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (d.failed++ == 0) d.first_error = rd_kafka_err2str(m->err);
    return;
  }
  const auto i = reinterpret_cast<uintptr_t>(m->_private);
  d.ns[i] = now_ns() - d.ns[i];
  ++d.delivered;
}

struct ProduceFigures {
  Figures figures;
  Latency latency;
};

struct Producer {
  Deliveries deliveries;  // outlives rk, whose callbacks point to it
  KafkaPtr rk;
  TopicPtr topic;
};

// A producer with acks=all and the settings' batching, with `topic` created and its metadata
// known (so the clock starts with a connected client). linger_ms overrides the settings'.
std::unique_ptr<Producer> make_producer(const Settings& s, const std::string& bootstrap,
                                        const std::string& topic, int linger_ms,
                                        const ConfList& extra = {}) {
  auto p = std::make_unique<Producer>();
  ConfPtr conf = make_conf(s,
                           {{"bootstrap.servers", bootstrap},
                            {"client.id", "broker-bench"},
                            {"acks", "all"},
                            {"linger.ms", std::to_string(linger_ms)},
                            {"batch.size", std::to_string(s.batch_bytes)},
                            {"batch.num.messages", "1000000"},  // batch.size decides
                            {"compression.type", "none"},
                            {"queue.buffering.max.messages", std::to_string(s.queue_messages)},
                            {"socket.nagle.disable", "true"},
                            {"message.timeout.ms", "120000"}},
                           extra);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), &p->deliveries);
  p->rk = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  create_topic(p->rk.get(), topic);
  p->topic.reset(rd_kafka_topic_new(p->rk.get(), topic.c_str(), nullptr));
  if (!p->topic)
    die("rd_kafka_topic_new " + topic + ": " + rd_kafka_err2str(rd_kafka_last_error()));
  const rd_kafka_metadata_t* raw = nullptr;
  const auto err = rd_kafka_metadata(p->rk.get(), 0, p->topic.get(), &raw, 10'000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    die("metadata for " + topic + ": " + rd_kafka_err2str(err));
  MetadataPtr metadata(raw);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
      metadata->topics[0].partition_cnt != 1) {
    die("metadata for " + topic + ": expected one topic with one partition");
  }
  return p;
}

// Enqueues record i, waiting for room in the client's queue when it is full.
void enqueue(Producer& p, const std::string& pattern, size_t value_size, uint64_t i) {
  const std::string_view value = value_of(pattern, value_size, i);
  Clock::time_point full_since{};
  for (;;) {
    p.deliveries.ns[i] = now_ns();
    // RD_KAFKA_MSG_F_COPY: librdkafka copies the value (the API is not const-correct).
    if (rd_kafka_produce(p.topic.get(), 0, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                         value.size(), nullptr, 0, reinterpret_cast<void*>(uintptr_t(i))) == 0) {
      return;
    }
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(err));
    rd_kafka_poll(p.rk.get(), 1);  // serves delivery reports, which frees room
    if (full_since == Clock::time_point{}) {
      full_since = Clock::now();
    } else if (Clock::now() - full_since > 1s) {  // not the usual brief wait: is it stuck?
      check_broker_alive("produce to " + std::string(rd_kafka_topic_name(p.topic.get())));
      if (Clock::now() - full_since > kStallLimit) {
        die("produce: the client's queue stayed full for 30 s at record " + std::to_string(i));
      }
    }
  }
}

// Waits until the first n records are acknowledged; dies on a failed record, or when nothing
// was acknowledged for kStallLimit.
void wait_delivered(Producer& p, uint64_t n, const std::string& topic) {
  const Deliveries& d = p.deliveries;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  auto last_progress = Clock::now();
  for (uint64_t seen = d.delivered;;) {
    err = rd_kafka_flush(p.rk.get(), 100);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || d.failed > 0) break;
    check_broker_alive("produce to " + topic);
    if (d.delivered != seen) {
      seen = d.delivered;
      last_progress = Clock::now();
    } else if (Clock::now() - last_progress > kStallLimit) {
      break;
    }
  }
  if (d.failed > 0) {
    die(topic + ": " + std::to_string(d.failed) + " of " + std::to_string(n) +
        " records failed: " + d.first_error);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || d.delivered != n) {
    die(topic + ": " + std::to_string(d.delivered) + " of " + std::to_string(n) +
        " records delivered (" + rd_kafka_err2str(err) + ", " +
        std::to_string(rd_kafka_outq_len(p.rk.get())) + " still queued)");
  }
}

// n records flat out: the clock runs from the first enqueue until every record is acknowledged.
ProduceFigures measure_produce(const Settings& s, const std::string& bootstrap,
                               const std::string& topic, size_t value_size, uint64_t n,
                               const ConfList& extra = {}) {
  auto p = make_producer(s, bootstrap, topic, s.linger_ms, extra);
  p->deliveries.ns.assign(n, 0);
  const std::string pattern = fill_pattern(value_size + 4096, 23);
  ProduceFigures f;
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    enqueue(*p, pattern, value_size, i);
    // Delivery reports are timed when served: serve them often, not only when the queue fills.
    if ((i & 63) == 0) rd_kafka_poll(p->rk.get(), 0);
  }
  wait_delivered(*p, n, topic);
  f.figures.seconds = seconds_since(start);
  f.figures.records = n;
  f.figures.payload_bytes = n * value_size;
  f.latency = percentiles(std::move(p->deliveries.ns));
  return f;
}

// `producers` producers at once, each on its own thread, connection and topic
// (`topic_prefix`-i), each sending n records flat out: the clock runs from the first enqueue
// to the last acknowledgement; the latency is over every record of every producer.
ProduceFigures measure_parallel_produce(const Settings& s, const std::string& bootstrap,
                                        const std::string& topic_prefix, size_t value_size,
                                        uint64_t n, int producers) {
  std::vector<std::unique_ptr<Producer>> clients;
  for (int i = 0; i < producers; ++i) {
    clients.push_back(
        make_producer(s, bootstrap, topic_prefix + "-" + std::to_string(i), s.linger_ms));
    clients.back()->deliveries.ns.assign(n, 0);
  }
  const std::string pattern = fill_pattern(value_size + 4096, 37);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < producers; ++i) {
    threads.emplace_back([&, i] {
      Producer& p = *clients[size_t(i)];
      for (uint64_t r = 0; r < n; ++r) {
        enqueue(p, pattern, value_size, r);
        if ((r & 63) == 0) rd_kafka_poll(p.rk.get(), 0);
      }
      wait_delivered(p, n, rd_kafka_topic_name(p.topic.get()));
    });
  }
  for (auto& t : threads) t.join();
  ProduceFigures f;
  f.figures.seconds = seconds_since(start);
  f.figures.records = n * uint64_t(producers);
  f.figures.payload_bytes = f.figures.records * value_size;
  std::vector<int64_t> all;
  for (auto& p : clients) all.insert(all.end(), p->deliveries.ns.begin(), p->deliveries.ns.end());
  f.latency = percentiles(std::move(all));
  return f;
}

void check_txn(rd_kafka_error_t* error, const char* what) {
  if (error == nullptr) return;
  const std::string message = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  check_broker_alive(what);
  die(std::string(what) + ": " + message);
}

// n records in transactions of `per_txn` records (begin, produce, commit: commit_transaction
// flushes and waits for EndTxn, whose markers the broker writes before answering).
ProduceFigures measure_transactions(const Settings& s, const std::string& bootstrap,
                                    const std::string& topic, size_t value_size, uint64_t n,
                                    uint64_t per_txn) {
  auto p = make_producer(s, bootstrap, topic, s.linger_ms,
                         {{"transactional.id", "bench-" + topic},
                          {"enable.idempotence", "true"},
                          {"transaction.timeout.ms", "120000"}});
  check_txn(rd_kafka_init_transactions(p->rk.get(), 30'000), "init_transactions");
  p->deliveries.ns.assign(n, 0);
  const std::string pattern = fill_pattern(value_size + 4096, 29);
  ProduceFigures f;
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n;) {
    check_txn(rd_kafka_begin_transaction(p->rk.get()), "begin_transaction");
    for (uint64_t j = 0; j < per_txn && i < n; ++j, ++i) {
      enqueue(*p, pattern, value_size, i);
      if ((i & 63) == 0) rd_kafka_poll(p->rk.get(), 0);
    }
    check_txn(rd_kafka_commit_transaction(p->rk.get(), 30'000), "commit_transaction");
  }
  wait_delivered(*p, n, topic);
  f.figures.seconds = seconds_since(start);
  f.figures.records = n;
  f.figures.payload_bytes = n * value_size;
  f.latency = percentiles(std::move(p->deliveries.ns));
  return f;
}

// One record at a time, each waited for (linger.ms=0): the broker's acks=all round trip
// without load.
ProduceFigures measure_round_trips(const Settings& s, const std::string& bootstrap,
                                   const std::string& topic, size_t value_size, uint64_t n) {
  auto p = make_producer(s, bootstrap, topic, 0);
  p->deliveries.ns.assign(n, 0);
  const std::string pattern = fill_pattern(value_size + 4096, 23);
  ProduceFigures f;
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    enqueue(*p, pattern, value_size, i);
    wait_delivered(*p, i + 1, topic);
  }
  f.figures.seconds = seconds_since(start);
  f.figures.records = n;
  f.figures.payload_bytes = n * value_size;
  f.latency = percentiles(std::move(p->deliveries.ns));
  return f;
}

// ---------------------------------------------------------------------------------------------
// Kafka consume.

struct ConsumeFigures {
  Figures figures;             // from assign() until the last record arrived
  double startup_seconds = 0;  // assign() -> first record
};

// Reads partition 0 of `topic` from the beginning with assign() (no group membership), until
// n records arrived; checks that offsets are dense and each value is the one produced.
ConsumeFigures measure_consume(const Settings& s, const std::string& bootstrap,
                               const std::string& topic, size_t value_size, uint64_t n) {
  // assign() needs a group.id in librdkafka, but joins no group; nothing is committed.
  // queued.min.messages raised as a consumer tuned for throughput would: at the default
  // (100,000) the fetcher outruns this loop, fills the queue and pauses the partition, and
  // librdkafka 2.0.2 looks at a paused partition again only on its 1 s broker-thread tick
  // (seen in its fetch debug log: "not fetchable: queued.min.messages exceeded", then nothing
  // for ~0.76 s), which made 100 B consume swing between 0.9 and 2.5 M records/s run to run.
  KafkaPtr rk = make_client(RD_KAFKA_CONSUMER, make_conf(s, {{"bootstrap.servers", bootstrap},
                                                             {"client.id", "broker-bench"},
                                                             {"group.id", "broker-bench"},
                                                             {"enable.auto.commit", "false"},
                                                             {"enable.auto.offset.store", "false"},
                                                             {"socket.nagle.disable", "true"},
                                                             {"queued.min.messages", "1000000"}}));
  // Offset 0 (the topic is new) rather than RD_KAFKA_OFFSET_BEGINNING: librdkafka resolves
  // BEGINNING with a ListOffsets that, when assign() runs before its broker thread has taken the
  // partition, waits for a 0.5 s retry timer (seen in about a third of runs in its debug log).
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), 0)->offset = 0;
  const std::string pattern = fill_pattern(value_size + 4096, 23);
  ConsumeFigures f;
  const auto assigned = Clock::now();
  if (const auto err = rd_kafka_assign(rk.get(), assignment.get()))
    die("assign " + topic + ": " + rd_kafka_err2str(err));
  auto last_progress = Clock::now();
  uint64_t next = 0;
  while (next < n) {
    MessagePtr m(rd_kafka_consumer_poll(rk.get(), 100));
    if (!m) {
      check_broker_alive("consume from " + topic);
      if (Clock::now() - last_progress > kStallLimit) {
        die("consume " + topic + ": stalled at " + std::to_string(next) + " of " +
            std::to_string(n) + " records");
      }
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      die("consume " + topic + ": " + rd_kafka_message_errstr(m.get()));
    if (m->offset != int64_t(next)) {
      die("consume " + topic + ": got offset " + std::to_string(m->offset) + ", expected " +
          std::to_string(next));
    }
    const std::string_view value(static_cast<const char*>(m->payload), m->len);
    if (value != value_of(pattern, value_size, next))
      die("consume " + topic + ": record " + std::to_string(next) + " has the wrong value");
    if (next == 0) f.startup_seconds = seconds_since(assigned);
    f.figures.payload_bytes += m->len;
    ++next;
    last_progress = Clock::now();
  }
  f.figures.seconds = seconds_since(assigned);
  f.figures.records = next;
  // Exactly n records in the partition: none lost (above) and none duplicated by a retry.
  int64_t low = 0, high = 0;
  if (const auto err =
          rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), 0, &low, &high, 10'000)) {
    die("watermarks of " + topic + ": " + rd_kafka_err2str(err));
  }
  if (low != 0 || high != int64_t(n)) {
    die(topic + " holds offsets [" + std::to_string(low) + ", " + std::to_string(high) +
        "), expected [0, " + std::to_string(n) + ")");
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

// ---------------------------------------------------------------------------------------------
// Cold reads.

// Drops the page cache of every file under `dir`, so that the next reads of them go to the
// disk. Each file is synced first: only clean pages can be dropped without privileges.
void drop_page_cache(const std::string& dir) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// End to end.

// One producer (acks=all, linger.ms=0) sends `n` records of `value_size` bytes at `rate` per
// second while one consumer reads the partition; a record's latency runs from just before its
// rd_kafka_produce() to the consumer's poll returning it (both in this process: one clock, the
// send time carried in the value's first 8 bytes). Record 0 is a warm-up, sent and received
// before the clock starts, so the consumer's startup is not counted.
ProduceFigures measure_end_to_end(const Settings& s, const std::string& bootstrap,
                                  const std::string& topic, size_t value_size, uint64_t rate,
                                  uint64_t n) {
  auto p = make_producer(s, bootstrap, topic, /*linger_ms=*/0);
  KafkaPtr consumer =
      make_client(RD_KAFKA_CONSUMER, make_conf(s, {{"bootstrap.servers", bootstrap},
                                                   {"client.id", "broker-bench-e2e"},
                                                   {"group.id", "broker-bench-e2e"},
                                                   {"enable.auto.commit", "false"},
                                                   {"socket.nagle.disable", "true"}}));
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), 0)->offset = 0;
  if (const auto err = rd_kafka_assign(consumer.get(), assignment.get()))
    die("assign " + topic + ": " + rd_kafka_err2str(err));

  std::string value(std::max<size_t>(value_size, sizeof(int64_t)), 'v');
  auto send = [&](uint64_t i) {
    const int64_t sent = now_ns();
    std::memcpy(value.data(), &sent, sizeof(sent));
    if (rd_kafka_produce(p->topic.get(), 0, RD_KAFKA_MSG_F_COPY, value.data(), value.size(),
                         nullptr, 0, reinterpret_cast<void*>(uintptr_t(i))) != 0) {
      die(std::string("produce: ") + rd_kafka_err2str(rd_kafka_last_error()));
    }
  };
  std::vector<int64_t> latency_ns;
  latency_ns.reserve(n);
  uint64_t next = 0;  // the offset expected next
  auto receive = [&](int timeout_ms) {
    MessagePtr m(rd_kafka_consumer_poll(consumer.get(), timeout_ms));
    if (!m || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      die("consume " + topic + ": " + rd_kafka_message_errstr(m.get()));
    if (m->offset != int64_t(next) || m->len < sizeof(int64_t)) {
      die("consume " + topic + ": got offset " + std::to_string(m->offset) + ", expected " +
          std::to_string(next));
    }
    int64_t sent = 0;
    std::memcpy(&sent, m->payload, sizeof(sent));
    if (next > 0) latency_ns.push_back(now_ns() - sent);
    ++next;
  };
  p->deliveries.ns.assign(n + 1, 0);
  send(0);
  const auto warm_up = Clock::now();
  while (next == 0) {
    rd_kafka_poll(p->rk.get(), 0);
    receive(10);
    if (Clock::now() - warm_up > kStallLimit) die("end to end: the warm-up record never arrived");
  }
  // The consumer polls on its own thread so that it waits for records, not for the pacing.
  std::atomic<bool> failed{false};
  std::thread reader([&] {
    auto last_progress = Clock::now();
    while (next <= n) {
      const uint64_t before = next;
      receive(100);
      if (next != before) {
        last_progress = Clock::now();
      } else if (Clock::now() - last_progress > kStallLimit) {
        failed = true;
        return;
      }
    }
  });
  const auto start = Clock::now();
  for (uint64_t i = 1; i <= n; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::nanoseconds(int64_t(1e9 * double(i - 1) / double(rate))));
    send(i);
    rd_kafka_poll(p->rk.get(), 0);
  }
  wait_delivered(*p, n + 1, topic);
  reader.join();
  if (failed) {
    die("end to end: the consumer stalled at " + std::to_string(next) + " of " +
        std::to_string(n + 1));
  }
  ProduceFigures f;
  f.figures.seconds = seconds_since(start);
  f.figures.records = n;
  f.figures.payload_bytes = n * value.size();
  f.latency = percentiles(std::move(latency_ns));
  return f;
}

// ---------------------------------------------------------------------------------------------
// The disk, for --flush every-batch: what that policy asks of it with nothing else in the way.

// write() of `bytes` in chunks of `chunk_bytes` (what a producer's batch is, about 1 MB here),
// each followed by fdatasync, to a new file in `dir`: the bound on acks=all produce when every
// batch is synced on its own. Latency is that of each fdatasync.
ProduceFigures measure_disk_sync(const std::string& dir, uint64_t bytes, size_t chunk_bytes) {
  const std::string path = dir + "/disk-reference.bin";
  const std::string chunk = fill_pattern(chunk_bytes, 31);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + path + ": " + std::strerror(errno));
  std::vector<int64_t> sync_ns;
  ProduceFigures f;
  const auto start = Clock::now();
  for (uint64_t at = 0; at < bytes; at += chunk_bytes) {
    if (::write(fd, chunk.data(), chunk_bytes) != ssize_t(chunk_bytes))
      die("write " + path + ": " + std::strerror(errno));
    const auto before = Clock::now();
    if (::fdatasync(fd) != 0) die("fdatasync " + path + ": " + std::strerror(errno));
    sync_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - before).count());
    f.figures.payload_bytes += chunk_bytes;
  }
  f.figures.seconds = seconds_since(start);
  f.figures.records = sync_ns.size();
  ::close(fd);
  std::filesystem::remove(path);
  f.latency = percentiles(std::move(sync_ns));
  return f;
}

// ---------------------------------------------------------------------------------------------
// Loopback TCP: the bound on what clients can send the broker over 127.0.0.1.

// `bytes` through one TCP connection over 127.0.0.1, written in 1 MiB writes by this thread and
// read by another, as a client's requests would be by the broker.
Figures measure_loopback(uint64_t bytes) {
  constexpr size_t kChunk = 1 << 20;
  int port = 0;
  const Fd listener = bind_loopback(port, 1);
  uint64_t received = 0;
  std::thread reader([&] {
    Fd in(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    std::string buffer(kChunk, '\0');
    while (in && received < bytes) {
      const ssize_t got = ::read(in.get(), buffer.data(), buffer.size());
      if (got <= 0) break;
      received += uint64_t(got);
    }
  });
  Fd out = connect_loopback(port);
  if (!out) die(std::string("loopback reference: connect: ") + std::strerror(errno));
  const std::string chunk = fill_pattern(kChunk, 41);
  Figures f;
  const auto start = Clock::now();
  for (uint64_t sent = 0; sent < bytes;) {
    const ssize_t put =
        ::write(out.get(), chunk.data(), size_t(std::min<uint64_t>(kChunk, bytes - sent)));
    if (put <= 0) die(std::string("loopback reference: write: ") + std::strerror(errno));
    sent += uint64_t(put);
  }
  reader.join();
  f.seconds = seconds_since(start);
  if (received != bytes)
    die("loopback reference: the reader got " + std::to_string(received) + " of " +
        std::to_string(bytes) + " bytes");
  f.payload_bytes = bytes;
  f.records = bytes / kChunk;
  return f;
}

void print_header() {
  std::printf("  %-6s %-8s %8s %6s %9s %7s %8s %8s %8s %8s %8s %10s\n", "value", "phase", "records",
              "secs", "records/s", "MB/s", "p50 ms", "p99 ms", "max ms", "cli CPU", "srv CPU",
              "srv RSS");
}

void print_row(size_t value_size, const char* phase, const Figures& f, const Latency* l,
               const PhaseUse& use) {
  std::printf("  %-6s %-8s %8llu %6.2f %9.0f %7.1f", value_label(value_size).c_str(), phase,
              static_cast<unsigned long long>(f.records), f.seconds, f.records_per_s(),
              f.payload_mbps());
  if (l != nullptr) {
    std::printf(" %8.2f %8.2f %8.2f", l->p50_ms, l->p99_ms, l->max_ms);
  } else {
    std::printf(" %8s %8s %8s", "-", "-", "-");
  }
  std::printf(" %7.0f%% %7.0f%% %10s\n", 100 * use.client_cpu, 100 * use.server_cpu,
              mib(use.server_rss).c_str());
  std::fflush(stdout);
}

int run(const Settings& s) {
  if (::access(s.kafkado.c_str(), X_OK) != 0)
    die("kafkado not found at " + s.kafkado + " (build it, or pass --kafkado PATH)");
  if (::access(s.redis_server.c_str(), X_OK) != 0) {
    die("redis-server not found at " + s.redis_server +
        " (scripts/install-deps installs it, or pass --redis-server PATH)");
  }
  const std::string root = make_scratch_dir(s.dir, "broker-bench");
  std::filesystem::create_directories(root + "/redis");

  // Both servers start before any librdkafka thread exists, so fork() copies a single thread.
  ServerProcess broker("kafkado serve",
                       {s.kafkado, "serve", "--data", root + "/kafka", "--flush", s.flush,
                        "--listen", "127.0.0.1:0"},
                       root + "/kafkado.log");
  const int redis_port = free_port();
  // Like for like: with --flush every-batch Redis logs every command and fsyncs before it
  // answers (appendfsync always); otherwise it keeps nothing on disk.
  const bool synced = s.flush == "every-batch";
  std::vector<std::string> redis_args = {s.redis_server,
                                         "--port",
                                         std::to_string(redis_port),
                                         "--bind",
                                         "127.0.0.1",
                                         "--save",
                                         "",
                                         "--dir",
                                         root + "/redis",
                                         "--daemonize",
                                         "no",
                                         "--logfile",
                                         ""};
  if (synced) {
    redis_args.insert(redis_args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    redis_args.insert(redis_args.end(), {"--appendonly", "no"});
  }
  ServerProcess redis("redis-server", redis_args, root + "/redis.log");
  const std::string bootstrap = wait_for_kafkado(broker);
  g_broker = &broker;
  RespConnection redis_conn = wait_for_redis(redis, redis_port);

  struct statvfs vfs {};
  ::statvfs(root.c_str(), &vfs);
  char when[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  std::printf("kafka-do broker_bench (%s run) %s\n", s.quick ? "quick" : "full", when);
  std::printf("  scratch dir %s (%.1f GiB free), %u hardware threads\n", root.c_str(),
              double(vfs.f_bavail) * double(vfs.f_frsize) / double(1ull << 30),
              std::thread::hardware_concurrency());
  std::printf("  broker: %s serve --flush %s, on %s (pid %d)\n", s.kafkado.c_str(), s.flush.c_str(),
              bootstrap.c_str(), int(broker.pid()));
  std::printf("  reference: redis-server %s on 127.0.0.1:%d (pid %d), %s\n",
              redis_version(redis_conn).c_str(), redis_port, int(redis.pid()),
              synced ? "AOF with appendfsync always" : "persistence off");
  std::printf(
      "  client: librdkafka %s, acks=all, linger.ms=%d, batch.size=%d, compression none,\n"
      "  1 partition per topic; consumer: assign() at offset 0, default fetch sizes,\n"
      "  queued.min.messages=1000000.\n"
      "  Latency = enqueue -> delivery report; while producing flat out it includes the wait in\n"
      "  the client's queue (up to %d records). Client and servers share the machine's cores:\n"
      "  cli/srv CPU = CPU time of this process (librdkafka included) and of the server over\n"
      "  the phase (100%% = one core); srv RSS = the server's RSS after the phase.\n"
      "  MB = 10^6 bytes of values. Every figure is a single run.\n\n",
      rd_kafka_version_str(), s.linger_ms, s.batch_bytes, s.queue_messages);
  std::fflush(stdout);

  const size_t value_sizes[2] = {100, 1024};
  const uint64_t counts[2] = {s.small_records, s.large_records};
  ProduceFigures disk;
  if (synced) {
    std::printf(
        "Disk reference (--flush every-batch): write() + fdatasync per %d-byte chunk,\n"
        "  as many bytes as the 1 KiB phase, in the scratch dir (latency: each fdatasync)\n",
        s.batch_bytes);
    print_header();
    disk = measure_disk_sync(root, counts[1] * value_sizes[1], size_t(s.batch_bytes));
    print_row(size_t(s.batch_bytes), "sync", disk.figures, &disk.latency, PhaseUse{});
    std::printf("\n");
  }
  ProduceFigures produced[2];
  ConsumeFigures consumed[2];
  std::printf("Kafka protocol: librdkafka -> kafkado serve\n");
  print_header();
  for (int v = 0; v < 2; ++v) {
    const std::string topic = "bench-" + std::to_string(value_sizes[v]);
    const PhaseMeter producing(broker.pid());
    produced[v] = measure_produce(s, bootstrap, topic, value_sizes[v], counts[v]);
    print_row(value_sizes[v], "produce", produced[v].figures, &produced[v].latency,
              producing.finish(produced[v].figures.seconds));
    const PhaseMeter consuming(broker.pid());
    consumed[v] = measure_consume(s, bootstrap, topic, value_sizes[v], counts[v]);
    print_row(value_sizes[v], "consume", consumed[v].figures, nullptr,
              consuming.finish(consumed[v].figures.seconds));
  }
  const PhaseMeter round_trips(broker.pid());
  const ProduceFigures sync =
      measure_round_trips(s, bootstrap, "bench-round-trip", value_sizes[0], s.round_trips);
  print_row(value_sizes[0], "1-by-1", sync.figures, &sync.latency,
            round_trips.finish(sync.figures.seconds));
  // The same round trips while a consumer reads the 1 KiB topic from disk (its pages dropped
  // from the cache): the broker reads on worker threads, so a cold read must not slow others.
  drop_page_cache(root + "/kafka");
  const PhaseMeter cold_phase(broker.pid());
  ConsumeFigures cold;
  std::thread cold_reader(
      [&] { cold = measure_consume(s, bootstrap, "bench-1024", value_sizes[1], counts[1]); });
  const ProduceFigures beside_cold =
      measure_round_trips(s, bootstrap, "bench-round-trip-cold", value_sizes[0], s.round_trips);
  cold_reader.join();
  const PhaseUse cold_use =
      cold_phase.finish(std::max(beside_cold.figures.seconds, cold.figures.seconds));
  print_row(value_sizes[0], "1-by-1*", beside_cold.figures, &beside_cold.latency, cold_use);
  print_row(value_sizes[1], "cold", cold.figures, nullptr, cold_use);
  const PhaseMeter end_to_end_phase(broker.pid());
  const ProduceFigures end_to_end = measure_end_to_end(s, bootstrap, "bench-end-to-end",
                                                       value_sizes[0], s.e2e_rate, s.e2e_records);
  print_row(value_sizes[0], "e2e", end_to_end.figures, &end_to_end.latency,
            end_to_end_phase.finish(end_to_end.figures.seconds));
  // Several producers of 1 KiB at once, so that one client is not the limit, and the loopback
  // TCP bandwidth they share. Last of these phases: the writeback of its ~800 MB would
  // otherwise fall into the latency phases.
  const PhaseMeter loopback_phase(broker.pid());
  const Figures loopback =
      measure_loopback(counts[1] * value_sizes[1] * uint64_t(s.parallel_producers));
  print_row(1 << 20, "loopback", loopback, nullptr, loopback_phase.finish(loopback.seconds));
  const PhaseMeter parallel_phase(broker.pid());
  const ProduceFigures parallel = measure_parallel_produce(
      s, bootstrap, "bench-parallel", value_sizes[1], counts[1], s.parallel_producers);
  const std::string parallel_label = "produce" + std::to_string(s.parallel_producers);
  print_row(value_sizes[1], parallel_label.c_str(), parallel.figures, &parallel.latency,
            parallel_phase.finish(parallel.figures.seconds));
  std::printf(
      "  (consume: timed from assign() to the last record; the first record came after\n"
      "  %.0f ms and %.0f ms)\n"
      "  (produce%d: %d producers at once, each on its own thread, connection and topic;\n"
      "  loopback: the same bytes through one TCP connection over 127.0.0.1 in 1 MiB writes,\n"
      "  written and read by this process (its cli CPU is both ends): %.0f MB/s)\n"
      "  (1-by-1: one record in flight, linger.ms=0, each acknowledged before the next;\n"
      "  1-by-1*: the same while another consumer reads the 1 KiB topic from disk (cold),\n"
      "  its pages dropped from the page cache first; the two rows share their CPU columns)\n"
      "  (e2e: %llu records/s from a producer with linger.ms=0 to a consumer on the same\n"
      "  partition; latency from before rd_kafka_produce() to the consumer's poll returning it)\n",
      1e3 * consumed[0].startup_seconds, 1e3 * consumed[1].startup_seconds, s.parallel_producers,
      s.parallel_producers, loopback.payload_mbps(), static_cast<unsigned long long>(s.e2e_rate));

  // Transactions: the idempotent producer transactions are built on, then transactions of 1,
  // 100 and 1000 records of 100 B, all against the same broker in this run.
  std::printf("\nTransactions (100 B, acks=all, idempotent; per row: records per transaction)\n");
  print_header();
  const PhaseMeter idempotent_phase(broker.pid());
  const ProduceFigures idempotent =
      measure_produce(s, bootstrap, "bench-idempotent", value_sizes[0], s.txn_records,
                      {{"enable.idempotence", "true"}});
  print_row(value_sizes[0], "idempot", idempotent.figures, &idempotent.latency,
            idempotent_phase.finish(idempotent.figures.seconds));
  const uint64_t txn_sizes[3] = {1, 100, 1000};
  ProduceFigures txns[3];
  for (int t = 0; t < 3; ++t) {
    const uint64_t n = txn_sizes[t] == 1 ? s.single_record_txns : s.txn_records;
    const PhaseMeter phase(broker.pid());
    txns[t] = measure_transactions(s, bootstrap, "bench-txn-" + std::to_string(txn_sizes[t]),
                                   value_sizes[0], n, txn_sizes[t]);
    const std::string label = "txn-" + std::to_string(txn_sizes[t]);
    print_row(value_sizes[0], label.c_str(), txns[t].figures, &txns[t].latency,
              phase.finish(txns[t].figures.seconds));
  }
  std::printf(
      "  (latency: enqueue to acknowledgement of each record; a transaction commits after)\n");

  std::printf(
      "\nRedis Streams reference: XADD bench-100 * v <value>, %zu commands per pipeline write,\n"
      "  one connection, RESP over TCP\n",
      s.pipeline);
  print_header();
  const PhaseMeter adding(redis.pid());
  const Figures xadd =
      measure_redis(redis_conn, "bench-100", value_sizes[0], counts[0], s.pipeline);
  print_row(value_sizes[0], "XADD", xadd, nullptr, adding.finish(xadd.seconds));

  // Peak RSS of both servers, just before they are stopped.
  const size_t broker_peak = proc_status_bytes(broker.pid(), "VmHWM:");
  const size_t redis_peak = proc_status_bytes(redis.pid(), "VmHWM:");
  g_broker = nullptr;
  if (!broker.stop()) die("kafkado serve did not stop cleanly: " + broker.exit_description());
  if (!redis.stop()) die("redis-server did not stop cleanly: " + redis.exit_description());

  const double ratio = produced[0].figures.records_per_s() / xadd.records_per_s();
  const double large_mbps = produced[1].figures.payload_mbps();
  const double peak_mib = double(broker_peak) / kMiBd;
  std::printf("\nComparison and targets\n");
  std::printf("  100 B produce vs Redis XADD%s (records/s): %.0f / %.0f = %.2fx%s\n",
              synced ? " with appendfsync always" : "", produced[0].figures.records_per_s(),
              xadd.records_per_s(), ratio,
              synced ? (ratio >= 2 ? " -> MET (target >= 2x)" : " -> MISSED (target >= 2x)") : "");
  std::printf("  1 KiB produce: %.1f MB/s against the %.0f MB/s target -> %s\n", large_mbps,
              kLargeTargetMBps, large_mbps >= kLargeTargetMBps ? "MET" : "MISSED");
  const double parallel_ratio = parallel.figures.payload_mbps() / loopback.payload_mbps();
  std::printf(
      "  1 KiB produce, %d producers at once, vs loopback TCP (MB/s): %.1f / %.1f = %.2fx%s\n",
      s.parallel_producers, parallel.figures.payload_mbps(), loopback.payload_mbps(),
      parallel_ratio,
      synced                  ? " (--flush every-batch: the disk is the bound)"
      : parallel_ratio >= 0.5 ? " -> MET (target >= 0.50x)"
                              : " -> MISSED (target >= 0.50x)");
  if (synced) {
    std::printf(
        "  1 KiB produce vs the disk's write + fdatasync per batch (MB/s): %.1f / %.1f = %.2fx"
        " -> %s (target >= 0.80x)\n"
        "  produce p99 %.2f ms beside the disk's fdatasync p99 %.2f ms\n",
        large_mbps, disk.figures.payload_mbps(), large_mbps / disk.figures.payload_mbps(),
        large_mbps >= 0.8 * disk.figures.payload_mbps() ? "MET" : "MISSED",
        produced[1].latency.p99_ms, disk.latency.p99_ms);
  }
  std::printf(
      "  acks=all round trip p99 beside a cold read: %.2f ms, alone: %.2f ms (cold read %.0f MB/s "
      "over %.2f s, round trips over %.2f s)\n",
      beside_cold.latency.p99_ms, sync.latency.p99_ms, cold.figures.payload_mbps(),
      cold.figures.seconds, beside_cold.figures.seconds);
  std::printf("  end to end at %llu records/s: p99 %.2f ms against the 1 ms target -> %s%s\n",
              static_cast<unsigned long long>(s.e2e_rate), end_to_end.latency.p99_ms,
              end_to_end.latency.p99_ms <= 1.0 ? "MET" : "MISSED",
              synced ? " (--flush every-batch: each record waits for a sync)" : "");
  std::printf("  broker peak RSS (VmHWM): %.1f MiB against the %.0f MiB budget -> %s\n", peak_mib,
              kRssBudgetMiB, peak_mib <= kRssBudgetMiB ? "MET" : "MISSED");
  std::printf("  (redis-server peak RSS %s, holding the %llu-entry stream in memory)\n",
              mib(redis_peak).c_str(), static_cast<unsigned long long>(counts[0]));
  for (int t = 0; t < 3; ++t) {
    const double cost = idempotent.figures.records_per_s() / txns[t].figures.records_per_s() - 1.0;
    std::printf(
        "  transactions of %llu vs idempotent (records/s): %.0f / %.0f = %.2fx (%+.0f %% cost)%s\n",
        static_cast<unsigned long long>(txn_sizes[t]), txns[t].figures.records_per_s(),
        idempotent.figures.records_per_s(),
        txns[t].figures.records_per_s() / idempotent.figures.records_per_s(), 100 * cost,
        txn_sizes[t] == 1000
            ? (cost <= 0.20 ? " -> MET (target <= 20 %)" : " -> MISSED (target <= 20 %)")
            : "");
  }
  if (s.quick) std::printf("  (quick run: sizes too small for the figures to mean anything)\n");
  return 0;
}

}  // namespace
}  // namespace kafka_do::bench

int main(int argc, char** argv) {
  kafka_do::bench::Settings s;
  const char* tmp = std::getenv("TMPDIR");
  s.dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  s.kafkado = kafka_do::bench::default_kafkado();
  CLI::App app{"kafka-do broker benchmark: librdkafka against kafkado serve, next to Redis"};
  // scripts/run-bench passes defaults first; a user's own value later on the line wins.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--quick", s.quick, "Tiny sizes (a few seconds): a smoke run, not a measurement");
  app.add_option("--dir", s.dir, "Scratch directory parent (use the data directory's filesystem)")
      ->capture_default_str();
  app.add_option("--kafkado", s.kafkado, "The kafkado binary")->capture_default_str();
  app.add_option("--redis-server", s.redis_server, "The redis-server binary")
      ->capture_default_str();
  app.add_option("--flush", s.flush, "The broker's --flush policy")
      ->check(CLI::IsMember({"every-batch", "interval", "os"}))
      ->capture_default_str();
  auto* small = app.add_option("--records-100", s.small_records, "100 B records produced")
                    ->check(CLI::PositiveNumber)
                    ->capture_default_str();
  auto* large = app.add_option("--records-1k", s.large_records, "1 KiB records produced")
                    ->check(CLI::PositiveNumber)
                    ->capture_default_str();
  auto* trips = app.add_option("--round-trips", s.round_trips, "Records sent one at a time")
                    ->check(CLI::PositiveNumber)
                    ->capture_default_str();
  app.add_option("--pipeline", s.pipeline, "Redis commands per pipeline write")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--linger-ms", s.linger_ms, "Producer linger.ms")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  app.add_option("--batch-bytes", s.batch_bytes, "Producer batch.size")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  app.add_option("--e2e-rate", s.e2e_rate, "Records/s of the end-to-end phase")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--e2e-records", s.e2e_records, "Records of the end-to-end phase")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--parallel-producers", s.parallel_producers,
                 "Producers at once in the parallel 1 KiB phase (each sends --records-1k)")
      ->check(CLI::Range(1, 64));
  app.add_option("--rdkafka-debug", s.rdkafka_debug,
                 "librdkafka debug contexts (e.g. fetch,protocol), logged to stderr");
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    if (small->count() == 0) s.small_records = 20'000;
    if (large->count() == 0) s.large_records = 5'000;
    if (trips->count() == 0) s.round_trips = 200;
    s.txn_records = 20'000;
    s.single_record_txns = 200;
    s.e2e_records = 10'000;
  }
  return kafka_do::bench::run(s);
}
