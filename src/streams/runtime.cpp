// Runs a topology on a Client: restores state from the changelogs, consumes the inputs as the
// group `application_id`, feeds the Engine in event-time order across partitions, and commits
// at-least-once (changelog and output records are acknowledged before the input offsets that
// caused them are committed) or exactly once (all three in one transaction per commit interval).

#include <deque>
#include <iostream>
#include <map>
#include <mutex>

#include "kafka_do/admin.hpp"
#include "kafka_do/client.hpp"
#include "streams/engine.hpp"

using namespace std::chrono_literals;

namespace kafka::detail {
namespace {

using Clock = std::chrono::steady_clock;
// How long a partition whose end the consumer does not know yet holds the others back.
constexpr std::chrono::milliseconds kUnknownEndPatience{30'000};

// Output topics through one Producer each.
class ProducerOutput final : public Output {
 public:
  explicit ProducerOutput(Client& client) : client_(client) {}

  void send(const std::string& topic, const StreamRecord& record) override {
    producer(topic).send(record.value, SendOptions{.key = key_bytes(record.key),
                                                   .headers = record.headers,
                                                   .timestamp = time(record.timestamp)});
  }
  void send_raw(const std::string& topic, std::optional<std::string> key,
                std::optional<std::string> value, Headers headers, int64_t timestamp) override {
    SendOptions options{
        .key = std::move(key), .headers = std::move(headers), .timestamp = time(timestamp)};
    if (value) {
      producer(topic).send_raw(*value, options);
    } else {
      producer(topic).send(Json(nullptr), options);  // a tombstone
    }
  }
  // Waits until everything sent is acknowledged; throws the first failure.
  void flush() {
    for (auto& [_, p] : producers_) p.flush();
  }
  void close() {
    for (auto& [_, p] : producers_) p.close();
  }

 private:
  static Timestamp time(int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }
  Producer& producer(const std::string& topic) {
    auto it = producers_.find(topic);
    if (it == producers_.end()) it = producers_.emplace(topic, client_.producer(topic)).first;
    return it->second;
  }
  Client& client_;
  std::map<std::string, Producer> producers_;
};

// Output records inside one open transaction (exactly-once): visible to read_committed
// consumers only once it commits with the input offsets that caused them.
class TransactionOutput final : public Output {
 public:
  explicit TransactionOutput(Transaction& tx) : tx_(tx) {}

  void send(const std::string& topic, const StreamRecord& record) override {
    tx_.send_to(topic, record.value,
                SendOptions{.key = key_bytes(record.key),
                            .headers = record.headers,
                            .timestamp = Timestamp(std::chrono::milliseconds(record.timestamp))});
  }
  void send_raw(const std::string& topic, std::optional<std::string> key,
                std::optional<std::string> value, Headers headers, int64_t timestamp) override {
    SendOptions options{.key = std::move(key),
                        .headers = std::move(headers),
                        .timestamp = Timestamp(std::chrono::milliseconds(timestamp))};
    if (value) {
      tx_.send_raw_to(topic, *value, options);
    } else {
      tx_.send_to(topic, Json(nullptr), options);  // a tombstone
    }
  }

 private:
  Transaction& tx_;
};

bool caught_up(const std::map<TopicPartition, int64_t>& lag) {
  if (lag.empty()) return false;
  for (const auto& [_, n] : lag) {
    if (n != 0) return false;
  }
  return true;
}

void create_changelogs(Client& client, const Engine& engine) {
  if (engine.changelogs().empty()) return;
  Admin admin = client.admin();
  for (const auto& [topic, _] : engine.changelogs()) {
    admin.create_topic(topic, TopicOptions{.partitions = 1,
                                           .config = {{"cleanup.policy", "compact"}},
                                           .if_not_exists = true});
  }
}

// The changelog's offsets: where it starts and its high watermark.
PartitionInfo changelog_offsets(Admin& admin, const std::string& topic) {
  return admin.describe_topic(topic).partition_info.at(0);
}

// Reads every changelog back into its store: from the store's local checkpoint when it has one
// that fits the changelog, else from the start. A checkpoint past the changelog's end (the topic
// was recreated) or before its start (records the store never saw are gone) is dropped with
// the local rows: the changelog is the truth.
void restore(Client& client, Admin& admin, Engine& engine, std::stop_token stop) {
  if (engine.changelogs().empty()) return;
  const auto& options = engine.options();
  std::vector<PartitionStart> starts;
  std::map<std::string, RestoreProgress> progress;
  auto report = [&](const RestoreProgress& p) {
    if (options.on_restore) options.on_restore(p);
  };
  for (const auto& [topic, node] : engine.changelogs()) {
    StateStore* store = node->store();
    const PartitionInfo log = changelog_offsets(admin, topic);
    std::optional<int64_t> checkpoint = store->checkpoint();
    if (checkpoint && (*checkpoint > log.high_watermark || *checkpoint < log.log_start_offset)) {
      std::cerr << "kafka-do streams: store '" << store->name() << "' has checkpoint "
                << *checkpoint << " outside its changelog [" << log.log_start_offset << ", "
                << log.high_watermark << "]: restoring it whole\n";
      store->wipe();
      checkpoint.reset();
    }
    const int64_t from = checkpoint.value_or(log.log_start_offset);
    RestoreProgress p{.store = store->name(),
                      .total = log.high_watermark - from,
                      .from_checkpoint = checkpoint.has_value()};
    if (p.total > 0) {
      starts.push_back({topic, 0, from});
      progress.emplace(topic, std::move(p));
    } else {
      p.done = true;
      report(p);
    }
  }
  if (starts.empty()) return;
  Consumer consumer =
      client.consumer(std::vector<std::string>{}, ConsumerOptions{.assign = starts,
                                                                  .offset = Offset::earliest,
                                                                  .auto_commit = false,
                                                                  .max_poll_records = 5000,
                                                                  .stop = stop});
  while (!stop.stop_requested()) {
    for (const Record& r : consumer.poll(100ms)) {
      engine.restore(r);
      auto& p = progress.at(r.topic());
      if (++p.restored % 10'000 == 0) report(p);
    }
    if (caught_up(consumer.lag())) break;
  }
  consumer.close();
  if (stop.stop_requested()) return;
  for (auto& [topic, p] : progress) {
    p.done = true;
    report(p);
    // What was restored is local now: a clean restart starts from here.
    StateStore* store = engine.changelogs().at(topic)->store();
    if (store->keeps_checkpoint()) store->persist(changelog_offsets(admin, topic).high_watermark);
  }
}

}  // namespace

void run_topology(const std::vector<std::shared_ptr<StreamNode>>& sinks, Client& client,
                  const StreamOptions& run_options, Queryable& queryable) {
  Engine engine(sinks, run_options);
  const StreamOptions& options = engine.options();
  const bool exactly_once = options.processing_guarantee == ProcessingGuarantee::exactly_once;
  const TransactionOptions tx_options{.transactional_id = options.application_id};
  // Names only the transactions' default topic: every send names its own.
  const std::string& tx_topic = engine.input_topics().front();
  create_changelogs(client, engine);
  if (exactly_once) {
    // Fences a previous run with this id (a crashed process, or one still running) and aborts
    // its open transaction before the changelogs are read: restoring while a zombie can still
    // commit would miss what it commits.
    client.transaction(tx_topic, tx_options, [](Transaction&) {});
  }
  Admin admin = client.admin();
  restore(client, admin, engine, options.stop);
  engine.restored();
  // Interactive queries read the engine from here on, between batches of records.
  struct Published {
    Queryable& queryable;
    Published(Queryable& q, Engine& engine) : queryable(q) {
      std::lock_guard lock(queryable.mutex);
      queryable.engine = &engine;
    }
    ~Published() {
      std::lock_guard lock(queryable.mutex);
      queryable.engine = nullptr;
    }
  } published(queryable, engine);

  Consumer consumer = client.consumer(
      engine.input_topics(),
      ConsumerOptions{.group = options.application_id,
                      .offset = options.from_beginning ? Offset::earliest : Offset::latest,
                      .auto_commit = false,
                      .session_timeout = options.session_timeout,
                      .heartbeat_interval = std::min(options.session_timeout.ms() / 3, 3000ms),
                      .stop = options.stop,
                      .client_id = options.application_id,
                      .isolation = Isolation::read_committed});

  std::map<TopicPartition, std::deque<Record>> queues;
  std::map<TopicPartition, Record> processed;  // the last record processed, per partition
  std::map<TopicPartition, Clock::time_point> starving_since;
  auto last_commit = Clock::now();
  auto last_input = Clock::now();
  bool idle_flushed = false;
  bool held = false;  // the last drain stopped for a starving partition: poll waits a little
  bool finished = false;

  auto event_time = [&](const Record& r) {
    return options.timestamp ? options.timestamp(r) : r.timestamp();
  };
  // Polls once and processes what may be processed now; sets `finished` once the run is to end
  // (stopped, or caught up under until_caught_up: then every open window was emitted).
  auto step = [&](Output& output) {
    if (options.stop.stop_requested()) {
      finished = true;
      return;
    }
    bool buffered = false;
    for (const auto& [_, q] : queues) buffered = buffered || !q.empty();
    std::vector<Record> batch = consumer.poll(held ? 10ms : buffered ? 0ms : 100ms);
    const auto now = Clock::now();
    if (!batch.empty()) {
      last_input = now;
      idle_flushed = false;
    }
    for (auto& r : batch) queues[{r.topic(), r.partition()}].push_back(std::move(r));
    const auto lag = consumer.lag();
    std::lock_guard lock(queryable.mutex);  // queries wait for the batch

    // Event-time order across partitions (and so across a join's or merge's inputs): always the
    // oldest buffered record, but only while no partition that has more to read sits empty;
    // such a partition holds the others back for at most max_task_idle. One whose end is not
    // known yet (the kafka:// backend before its first fetch) is waited for longer: it may well
    // hold the oldest records.
    held = false;
    while (true) {
      bool hold = false;
      for (const auto& [tp, behind] : lag) {
        auto q = queues.find(tp);
        if ((q != queues.end() && !q->second.empty()) || behind == 0) {
          starving_since.erase(tp);
          continue;
        }
        auto since = starving_since.try_emplace(tp, now).first->second;
        const auto patience = behind < 0 ? kUnknownEndPatience : options.max_task_idle.ms();
        if (now - since < patience) hold = true;
      }
      if (hold) {
        held = true;
        break;
      }
      std::deque<Record>* oldest = nullptr;
      for (auto& [tp, q] : queues) {
        if (!q.empty() && (!oldest || event_time(q.front()) < event_time(oldest->front()))) {
          oldest = &q;
        }
      }
      if (!oldest) break;
      Record record = std::move(oldest->front());
      oldest->pop_front();
      engine.process(record, output);
      processed.insert_or_assign({record.topic(), record.partition()}, std::move(record));
    }

    bool drained = true;
    for (const auto& [_, q] : queues) drained = drained && q.empty();
    if (options.until_caught_up && drained && caught_up(lag)) {
      engine.flush(output);
      finished = true;
    }
    if (options.idle_timeout && !idle_flushed && now - last_input >= options.idle_timeout->ms()) {
      engine.flush(output);
      idle_flushed = true;
    }
  };
  auto commit_due = [&] { return Clock::now() - last_commit >= options.commit_interval.ms(); };
  // After the changelog records up to now are acknowledged (and, exactly once, committed):
  // local stores checkpoint what the changelogs hold (this run is their only writer).
  auto committed = [&] {
    std::lock_guard lock(queryable.mutex);
    engine.persist(
        [&](const std::string& topic) { return changelog_offsets(admin, topic).high_watermark; });
    processed.clear();
    ++engine.metrics().commits;
    last_commit = Clock::now();
  };

  if (exactly_once) {
    while (!finished) {
      client.transaction(tx_topic, tx_options, [&](Transaction& tx) {
        TransactionOutput output(tx);
        do {
          step(output);
        } while (!finished && !commit_due());
        {
          std::lock_guard lock(queryable.mutex);
          engine.write_changelogs(output);
        }
        std::vector<Record> last;
        for (const auto& [_, record] : processed) last.push_back(record);
        if (!last.empty()) tx.commit_consumed(last);
      });
      committed();
    }
  } else {
    ProducerOutput output(client);
    while (!finished) {
      step(output);
      if (!finished && !commit_due()) continue;
      {
        std::lock_guard lock(queryable.mutex);
        engine.write_changelogs(output);
      }
      output.flush();  // outputs and state are acknowledged before the offsets that caused them
      for (auto& [tp, record] : processed) {
        try {
          consumer.commit(
              {{tp, record.offset() + 1}});  // by position: every record before it is done
        } catch (const RebalanceInProgressError&) {
          // The partition moved to another instance, which reprocesses from the last commit.
        }
      }
      committed();
    }
    output.close();
  }
  consumer.close();
}

}  // namespace kafka::detail
