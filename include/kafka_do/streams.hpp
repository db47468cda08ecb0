#pragma once
// Stream processing: a Kafka-Streams-like DSL that runs inside the application.
//
//   kafka.stream("orders")
//       .filter([](const kafka::Json& o) { return o["amount"].get<double>() > 100; })
//       .map([](kafka::Json o) { o["tier"] = "premium"; return o; })
//       .to("high-value-orders");
//
// A chain starts at Client::stream (or Topology::stream) and ends in a terminal operation
// (to, each, branch). On a Client the terminal operation runs the topology: it consumes the
// input as the consumer group `application_id`, processes every record, writes outputs, and
// returns when stopped (StreamOptions::stop, close()) or, with until_caught_up, once the input
// present at the start has been processed. A Topology collects several terminal operations and
// runs them together (Topology::run), or under the deterministic TopologyTestDriver (testing.hpp).
//
// Values are kafka::Json; functions may take and return typed values that convert through
// nlohmann's to_json / from_json. Keys are Json too: a record key "c-1" is the Json string "c-1".
// Semantics (event time, windows, grace, emission, joins, state, errors): docs/streams.md.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kafka_do/duration.hpp"
#include "kafka_do/error.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/record.hpp"

namespace kafka {

class Client;
using Timestamp = std::chrono::system_clock::time_point;

// What happens to a record whose value is not JSON, or for which user code throws.
enum class OnError {
  fail,              // the run ends with a StreamProcessingError naming topic/partition/offset
  log_and_continue,  // logged to stderr, sent to dead_letter_topic if set, and skipped
};

// Where a stateful operator keeps its rows (docs/streams.md#state-stores).
enum class StoreType {
  memory,   // a hash map; restored from the whole changelog at every start
  rocksdb,  // RocksDB under state_dir: larger than memory, and restored from a local checkpoint
};

// What a crash may do to a run's results (Kafka Streams' processing.guarantee;
// docs/streams.md#processing-guarantees).
enum class ProcessingGuarantee {
  // Outputs and state are acknowledged before the input offsets that caused them are committed:
  // after a crash the records since the last commit are processed again, so an output record
  // may appear twice, but none is ever missing.
  at_least_once,
  // Each commit interval's output records, changelog writes and input offsets commit in one
  // transaction (transactional id: the application id), or not at all: a crash aborts the open
  // one, and consumers reading read_committed (the default) see every result exactly once. A
  // second run with the same application id fences the first: nothing the first writes from
  // then on commits, and its run ends with ProducerFencedError at its next write.
  exactly_once,
};

// How far the restore of one store has come (StreamOptions::on_restore).
struct RestoreProgress {
  std::string store;
  int64_t restored = 0;  // changelog records read back so far
  int64_t total = 0;     // changelog records to read (from the checkpoint, or the log start)
  // The store started from its local checkpoint (only the changelog tail past it is read).
  bool from_checkpoint = false;
  bool done = false;
};

struct StreamOptions {
  // Names the consumer group, the internal topics (`<application_id>-<operator>-changelog`)
  // and so the state. Default: "kafka-do-streams-<first input topic>".
  std::string application_id;
  // Return once every record present in the input when the run started has been processed
  // (every open window is then emitted: batch jobs and tests). Otherwise run until stopped.
  bool until_caught_up = false;
  std::stop_token stop;
  // Where the group starts in a partition it has not committed yet.
  bool from_beginning = true;
  // Input offsets are committed (after the outputs and state they caused are acknowledged)
  // this often; a crash recounts at most the records processed since the last commit.
  Duration commit_interval = std::chrono::seconds(1);
  ProcessingGuarantee processing_guarantee = ProcessingGuarantee::at_least_once;
  // How long the group waits for a run that stopped polling (a crashed process) before its
  // partitions go to a new run (the consumer's session_timeout).
  Duration session_timeout = std::chrono::seconds(30);
  // With no input for this long (wall clock), every open window is emitted. Off when unset.
  std::optional<Duration> idle_timeout;
  // How long to wait for data on an input partition that is behind before processing the
  // others out of timestamp order.
  Duration max_task_idle = std::chrono::milliseconds(500);
  // Event time of a record; default: its timestamp.
  std::function<Timestamp(const Record&)> timestamp;
  OnError on_error = OnError::fail;
  std::string dead_letter_topic;  // with OnError::log_and_continue: where failed records go
  // Called for each record dropped because its window had closed (after it is counted).
  std::function<void(const Record&)> on_late;
  // The store of every stateful operator that does not name its own (AggregateOptions::store).
  StoreType state_store = StoreType::memory;
  // Where RocksDB stores live: <state_dir>/<application_id>/<operator name>. Default:
  // $TMPDIR/kafka-do-streams (as Kafka Streams' /tmp/kafka-streams): set it to a directory that
  // survives reboots, or every reboot restores from the changelogs.
  std::string state_dir;
  // RocksDB's block cache, shared by every RocksDB store of a run (bounds its memory with the
  // write buffers: docs/streams.md#state-stores).
  int64_t rocksdb_cache_bytes = 64 << 20;
  // Rows a RocksDB store keeps parsed in memory between commits beyond those written since the
  // last one (Kafka Streams' record cache): more saves parsing of hot rows, fewer saves memory.
  int64_t rocksdb_cached_rows = 100'000;
  // Called while stores are restored: every 10,000 records and once done, per store.
  std::function<void(const RestoreProgress&)> on_restore;
};

// How a run failed on one input record (OnError::fail): the record's coordinates and the cause.
class StreamProcessingError : public Error {
 public:
  StreamProcessingError(const std::string& topic, int32_t partition, int64_t offset,
                        const std::string& cause)
      : Error(ErrorCode::unknown_server_error, "stream processing failed at " + topic + "/" +
                                                   std::to_string(partition) + "@" +
                                                   std::to_string(offset) + ": " + cause),
        topic_(topic),
        partition_(partition),
        offset_(offset) {}
  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  int64_t offset() const { return offset_; }

 private:
  std::string topic_;
  int32_t partition_;
  int64_t offset_;
};

// A window spec: kafka::tumbling(5min), kafka::hopping(5min, 1min), kafka::sliding(10s),
// kafka::session(30s); each with .grace(d) (default 0).
class WindowSpec {
 public:
  enum class Kind { tumbling, hopping, sliding, session };
  WindowSpec(Kind kind, Duration size, Duration advance)
      : kind_(kind), size_(size), advance_(advance) {}
  WindowSpec grace(Duration grace) const {
    WindowSpec w = *this;
    w.grace_ = grace;
    return w;
  }
  Kind kind() const { return kind_; }
  // tumbling/hopping: the window size; sliding: the time difference; session: the gap.
  Duration size() const { return size_; }
  Duration advance() const { return advance_; }  // hopping only (tumbling: = size)
  Duration grace_period() const { return grace_; }

 private:
  Kind kind_;
  Duration size_;
  Duration advance_;
  Duration grace_{};
};
inline WindowSpec tumbling(Duration size) { return {WindowSpec::Kind::tumbling, size, size}; }
inline WindowSpec hopping(Duration size, Duration advance) {
  return {WindowSpec::Kind::hopping, size, advance};
}
inline WindowSpec sliding(Duration difference) {
  return {WindowSpec::Kind::sliding, difference, difference};
}
inline WindowSpec session(Duration gap) { return {WindowSpec::Kind::session, gap, gap}; }

// The seed's spelling: window({.tumbling = "5m"}), window({.hopping = "5m", .advance = "1m"}).
struct WindowOptions {
  std::optional<Duration> tumbling;
  std::optional<Duration> hopping;
  std::optional<Duration> advance;
  std::optional<Duration> sliding;
  std::optional<Duration> session;
  Duration grace{};
};

// One window's result, as windowed .each sees it.
class Window {
 public:
  Window(Json key, Json value, Timestamp start, Timestamp end)
      : key_(std::move(key)), value_(std::move(value)), start_(start), end_(end) {}
  const Json& key() const { return key_; }
  const Json& value() const { return value_; }
  template <typename T>
  T value() const {
    return value_.get<T>();
  }
  // tumbling/hopping: [start, end); sliding and session: [start, end], both inclusive.
  Timestamp start() const { return start_; }
  Timestamp end() const { return end_; }

 private:
  Json key_;
  Json value_;
  Timestamp start_;
  Timestamp end_;
};

// Names a stateful operator; the name (not its position in the topology) names its state and
// changelog topic. Default: derived from the input topics, the operation and the window.
struct AggregateOptions {
  std::string name;
  // This operator's store; unset: StreamOptions::state_store.
  std::optional<StoreType> store;
};

struct KeyValue {
  Json key;
  Json value;
};

// branch(): `{pred, "topic"}`; kafka::otherwise matches every record.
struct Otherwise {
  bool operator()(const Json&) const { return true; }
};
inline constexpr Otherwise otherwise{};
struct Branch {
  std::function<bool(const Json&)> predicate;
  std::string topic;
};

// A join condition: a predicate over both values (the seed's form; compares the record with
// every buffered record of the other side in the window), or kafka::keys(left, right): values
// whose keys are equal (hashed: no pairwise comparison).
struct JoinKeys {
  std::function<Json(const Json&)> left;   // unset: the record key
  std::function<Json(const Json&)> right;  // unset: the record key
};
template <typename L, typename R>
JoinKeys keys(L left, R right) {
  return {[left](const Json& v) { return Json(left(v)); },
          [right](const Json& v) { return Json(right(v)); }};
}
template <typename L>
JoinKeys keys(L left) {
  return {[left](const Json& v) { return Json(left(v)); }, nullptr};
}
inline JoinKeys keys() { return {}; }

class JoinCondition {
 public:
  JoinCondition() = default;
  JoinCondition(JoinKeys keys) : keys_(std::move(keys)) {}  // NOLINT: implicit by design
  template <typename Fn>
  requires std::is_invocable_r_v<bool, Fn, const Json&, const Json&> JoinCondition(
      Fn predicate)  // NOLINT: implicit by design
      : predicate_([predicate](const Json& l, const Json& r) { return bool(predicate(l, r)); }) {}
  const std::function<bool(const Json&, const Json&)>& predicate() const { return predicate_; }
  const std::optional<JoinKeys>& join_keys() const { return keys_; }

 private:
  std::function<bool(const Json&, const Json&)> predicate_;
  std::optional<JoinKeys> keys_;
};

struct JoinOptions {
  JoinCondition on;  // unset: equal record keys
  // Records match when their timestamps differ by at most `window` (both ends inclusive).
  Duration window{};
  // Unmatched records of a left/outer join are emitted once stream time passes
  // their timestamp + window + grace.
  Duration grace{};
  std::string name;
};

enum class JoinType { inner, left, outer };

namespace detail {
class StreamNode;
class TopologyState;
class StreamsRunner;
}  // namespace detail

class Stream;
class Table;
class WindowedTable;
class JoinedStream;
class GroupedStream;
class WindowedStream;
class WindowedGroupedStream;

// A record stream.
class Stream {
 public:
  // Keeps the records for which fn(value) is true.
  template <typename Fn>
  Stream filter(Fn fn) const {
    return filter_json([fn](const Json& v) { return bool(fn(v)); });
  }
  // Replaces each value by fn(value).
  template <typename Fn>
  Stream map(Fn fn) const {
    if constexpr (std::is_invocable_v<Fn, const Json&, const Json&>) {
      // fn(key, value) -> kafka::KeyValue: replaces key and value.
      return map_key_value([fn](const Json& k, const Json& v) { return KeyValue(fn(k, v)); });
    } else {
      return map_json([fn](Json&& v) { return Json(fn(std::move(v))); });
    }
  }
  template <typename Fn>
  Stream map_values(Fn fn) const {
    return map_json([fn](Json&& v) { return Json(fn(std::move(v))); });
  }
  // Replaces each record by the records of fn(value) (any range of values).
  template <typename Fn>
  Stream flat_map(Fn fn) const {
    return flat_map_json([fn](const Json& v) {
      std::vector<Json> out;
      for (auto&& x : fn(v)) out.emplace_back(x);
      return out;
    });
  }
  // Re-keys: the key becomes fn(value).
  template <typename Fn>
  Stream key_by(Fn fn) const {
    return key_by_json([fn](const Json& v) { return Json(fn(v)); });
  }
  // Calls fn(value) for each record and passes it on.
  template <typename Fn>
  Stream peek(Fn fn) const {
    return peek_json([fn](const Json& v) { fn(v); });
  }
  // This stream's records and other's, processed in timestamp order across both.
  Stream merge(const Stream& other) const;

  // Terminal: writes each record (key, value, headers, timestamp) to `topic`.
  void to(const std::string& topic) const;
  // Terminal: calls fn(value) (or fn(key, value)) for each record.
  template <typename Fn>
  void each(Fn fn) const {
    if constexpr (std::is_invocable_v<Fn, const Json&, const Json&>) {
      each_json([fn](const Json& k, const Json& v) { fn(k, v); });
    } else {
      each_json([fn](const Json&, const Json& v) { fn(v); });
    }
  }
  // Terminal: each record goes to the topic of the first branch whose predicate holds; records
  // no branch takes are dropped (and counted).
  void branch(const std::vector<Branch>& branches) const;

  // Grouping for aggregations: by fn(value), or by the record key.
  template <typename Fn>
  GroupedStream group_by(Fn fn) const;
  GroupedStream group_by_key() const;
  // Windowing before grouping (the seed's order): .window(...).group_by(...).count().
  WindowedStream window(const WindowSpec& spec) const;
  WindowedStream window(const WindowOptions& options) const;

  // Stream-stream joins: both sides trigger; pairs within `window` of each other match.
  JoinedStream join(const Stream& other, const JoinOptions& options) const;
  JoinedStream left_join(const Stream& other, const JoinOptions& options) const;
  JoinedStream outer_join(const Stream& other, const JoinOptions& options) const;
  // Stream-table joins: each record is joined with the table's current row (by key:
  // .on = kafka::keys(fn) picks the lookup key from the record; a predicate scans the table).
  JoinedStream join(const Table& table, const JoinOptions& options = {}) const;
  JoinedStream left_join(const Table& table, const JoinOptions& options = {}) const;

  explicit Stream(std::shared_ptr<detail::StreamNode> node) : node_(std::move(node)) {}
  const std::shared_ptr<detail::StreamNode>& node() const { return node_; }

 private:
  Stream filter_json(std::function<bool(const Json&)> fn) const;
  // fn gets the value to keep or change (moved out of the record).
  Stream map_json(std::function<Json(Json&&)> fn) const;
  Stream map_key_value(std::function<KeyValue(const Json&, const Json&)> fn) const;
  Stream flat_map_json(std::function<std::vector<Json>(const Json&)> fn) const;
  Stream key_by_json(std::function<Json(const Json&)> fn) const;
  Stream peek_json(std::function<void(const Json&)> fn) const;
  void each_json(std::function<void(const Json&, const Json&)> fn) const;
  GroupedStream group_by_json(std::function<Json(const Json&)> fn) const;
  JoinedStream join_stream(const Stream& other, const JoinOptions& options, JoinType type) const;
  JoinedStream join_table(const Table& table, const JoinOptions& options, JoinType type) const;

  std::shared_ptr<detail::StreamNode> node_;
};

namespace detail {
// Aggregation functions on Json: init and fn(key, value, aggregate) -> aggregate.
struct Aggregation {
  Json initial;
  std::function<Json(const Json& key, const Json& value, const Json& aggregate)> add;
  std::string operation;  // "count", "reduce", "aggregate": part of the derived operator name
};
template <typename T, typename Fn>
Aggregation reduction(T initial, Fn fn) {
  return {Json(initial),
          [fn](const Json&, const Json& v, const Json& acc) { return Json(fn(acc.get<T>(), v)); },
          "reduce"};
}
template <typename T, typename Fn>
Aggregation aggregation(T initial, Fn fn) {
  return {
      Json(initial),
      [fn](const Json& k, const Json& v, const Json& acc) { return Json(fn(k, v, acc.get<T>())); },
      "aggregate"};
}
Aggregation counting();
}  // namespace detail

// A stream grouped by key, ready to aggregate. Results are a Table (one row per key).
class GroupedStream {
 public:
  Table count(const AggregateOptions& options = {}) const;
  // fn(total, value) -> new total, starting from `initial` per key.
  template <typename T, typename Fn>
  Table reduce(T initial, Fn fn, const AggregateOptions& options = {}) const;
  // fn(key, value, aggregate) -> new aggregate (Kafka's Aggregator order).
  template <typename T, typename Fn>
  Table aggregate(T initial, Fn fn, const AggregateOptions& options = {}) const;
  WindowedGroupedStream window(const WindowSpec& spec) const;
  WindowedGroupedStream window(const WindowOptions& options) const;

  explicit GroupedStream(std::shared_ptr<detail::StreamNode> node) : node_(std::move(node)) {}

 private:
  Table aggregate_json(detail::Aggregation aggregation, const AggregateOptions& options) const;
  std::shared_ptr<detail::StreamNode> node_;
};

// A windowed stream not grouped yet.
class WindowedStream {
 public:
  template <typename Fn>
  WindowedGroupedStream group_by(Fn fn) const;
  WindowedGroupedStream group_by_key() const;

  WindowedStream(std::shared_ptr<detail::StreamNode> node, WindowSpec spec)
      : node_(std::move(node)), spec_(spec) {}

 private:
  WindowedGroupedStream group_by_json(std::function<Json(const Json&)> fn) const;
  std::shared_ptr<detail::StreamNode> node_;
  WindowSpec spec_;
};

class WindowedGroupedStream {
 public:
  WindowedTable count(const AggregateOptions& options = {}) const;
  template <typename T, typename Fn>
  WindowedTable reduce(T initial, Fn fn, const AggregateOptions& options = {}) const;
  template <typename T, typename Fn>
  WindowedTable aggregate(T initial, Fn fn, const AggregateOptions& options = {}) const;

  WindowedGroupedStream(std::shared_ptr<detail::StreamNode> node, WindowSpec spec)
      : node_(std::move(node)), spec_(spec) {}

 private:
  WindowedTable aggregate_json(detail::Aggregation aggregation,
                               const AggregateOptions& options) const;
  std::shared_ptr<detail::StreamNode> node_;
  WindowSpec spec_;
};

// A table: the latest value per key (an aggregation's result, or kafka.table(topic)).
class Table {
 public:
  // Terminal: fn(key, value) for every update of a row.
  template <typename Fn>
  void each(Fn fn) const {
    each_json([fn](const Json& k, const Json& v) { fn(k, v); });
  }
  // Terminal: writes every update to `topic`, keyed by the row's key.
  void to(const std::string& topic) const;
  // Every update as a record stream (key = row key, value = new value).
  Stream to_stream() const;

  explicit Table(std::shared_ptr<detail::StreamNode> node) : node_(std::move(node)) {}
  const std::shared_ptr<detail::StreamNode>& node() const { return node_; }

 private:
  void each_json(std::function<void(const Json&, const Json&)> fn) const;
  std::shared_ptr<detail::StreamNode> node_;
};

// A windowed aggregation's result. By default each window is emitted once, final, when stream
// time passes its end + grace; updates() emits every change instead.
class WindowedTable {
 public:
  WindowedTable updates() const;
  // Terminal: fn(key, window).
  template <typename Fn>
  void each(Fn fn) const {
    each_window([fn](const Window& w) { fn(w.key(), w); });
  }
  // Terminal: writes {"start": ms, "end": ms, "value": v} keyed by the group key.
  void to(const std::string& topic) const;
  Stream to_stream() const;

  explicit WindowedTable(std::shared_ptr<detail::StreamNode> node) : node_(std::move(node)) {}

 private:
  void each_window(std::function<void(const Window&)> fn) const;
  std::shared_ptr<detail::StreamNode> node_;
};

// A join's pairs; the right side is a JSON null where a left/outer join found no match (and the
// left side, for an outer join's unmatched right records).
class JoinedStream {
 public:
  template <typename Fn>
  void each(Fn fn) const {
    each_pair([fn](const Json& l, const Json& r) { fn(l, r); });
  }
  // One record per pair: fn(left, right) -> value (keyed like the left record).
  template <typename Fn>
  Stream map(Fn fn) const {
    return map_pair([fn](const Json& l, const Json& r) { return Json(fn(l, r)); });
  }
  // Terminal: writes {"left": l, "right": r}.
  void to(const std::string& topic) const;

  explicit JoinedStream(std::shared_ptr<detail::StreamNode> node) : node_(std::move(node)) {}

 private:
  void each_pair(std::function<void(const Json&, const Json&)> fn) const;
  Stream map_pair(std::function<Json(const Json&, const Json&)> fn) const;
  std::shared_ptr<detail::StreamNode> node_;
};

namespace detail {
struct Queryable;
}

// A store cannot be read now: its Topology is not running, or is still restoring its state.
// Retriable: the store is there once the run has restored it.
class StoreUnavailableError : public Error {
 public:
  explicit StoreUnavailableError(const std::string& m)
      : Error(ErrorCode::unknown_server_error, m, /*retriable=*/true) {}
};

// Interactive queries (Topology::store): one stateful operator's local state, read from any
// thread while its topology runs — what a web handler answers "the current count of customer X"
// from. Each call sees the state between two records (the run pauses while a call reads). Throws
// StoreUnavailableError while the run is not processing, ConfigError for a call that does not fit
// the store (get on a windowed store, fetch on a table).
class ReadOnlyStore {
 public:
  ReadOnlyStore(std::shared_ptr<detail::Queryable> source, std::string name);
  const std::string& name() const { return name_; }

  // Tables (count, reduce, aggregate, Topology::table): the row of `key`, nullopt when none.
  std::optional<Json> get(const Json& key) const;
  // Tables: the rows with from <= key <= to (Json's order: strings byte-wise), sorted by key. A
  // scan of the whole store: for a few keys, call get().
  std::vector<KeyValue> range(const Json& from, const Json& to) const;
  // Tables: every row, sorted by key.
  std::vector<KeyValue> all() const;
  // Tumbling and hopping windows: the windows of `key` still open (not yet emitted as final)
  // that start in [from, to], oldest first. Window::value() is the aggregate so far.
  std::vector<Window> fetch(const Json& key, Timestamp from, Timestamp to) const;

 private:
  std::shared_ptr<detail::Queryable> source_;
  std::string name_;
};

// Several terminal operations run together: build with stream()/table(), then run().
//   kafka::Topology app;
//   auto orders = app.stream("orders");
//   orders.filter(is_big).to("big-orders");
//   orders.group_by(customer).count().to("order-counts");
//   app.run(kafka, {.application_id = "orders-app"});
class Topology {
 public:
  Topology();
  // Releases the terminal operations (their nodes refer back to the topology).
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  Topology(Topology&&) noexcept = default;
  Topology& operator=(Topology&& other) noexcept;
  Stream stream(const std::string& topic);
  Stream stream(const std::vector<std::string>& topics);
  Stream stream(std::initializer_list<std::string> topics) {  // app.stream({"a", "b"})
    return stream(std::vector<std::string>(topics));
  }
  // The latest value per key of a (compacted) topic; a null value deletes the key.
  Table table(const std::string& topic);
  // Runs every terminal operation added so far (see StreamOptions for when it returns).
  void run(Client& client, const StreamOptions& options = {});
  // Ends a run in progress (from any thread; run() returns after its final commit). A closed
  // topology does not run again.
  void close();
  // The local state of the stateful operator named `name` ({.name = ...}, or its derived name),
  // readable while run() runs (see ReadOnlyStore). Cheap: take it once, query it often.
  ReadOnlyStore store(const std::string& name) const;
  const std::shared_ptr<detail::TopologyState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::TopologyState> state_;
};

// Counters of a run (also what TopologyTestDriver reports).
struct StreamMetrics {
  int64_t records_processed = 0;
  int64_t late_records_dropped = 0;
  int64_t unmatched_branch_dropped = 0;
  int64_t errors_skipped = 0;
  int64_t commits = 0;
  int64_t records_restored = 0;
};

// ---- template definitions ----

template <typename Fn>
GroupedStream Stream::group_by(Fn fn) const {
  return group_by_json([fn](const Json& v) { return Json(fn(v)); });
}
template <typename Fn>
WindowedGroupedStream WindowedStream::group_by(Fn fn) const {
  return group_by_json([fn](const Json& v) { return Json(fn(v)); });
}
template <typename T, typename Fn>
Table GroupedStream::reduce(T initial, Fn fn, const AggregateOptions& options) const {
  return aggregate_json(detail::reduction(std::move(initial), std::move(fn)), options);
}
template <typename T, typename Fn>
Table GroupedStream::aggregate(T initial, Fn fn, const AggregateOptions& options) const {
  return aggregate_json(detail::aggregation(std::move(initial), std::move(fn)), options);
}
template <typename T, typename Fn>
WindowedTable WindowedGroupedStream::reduce(T initial, Fn fn,
                                            const AggregateOptions& options) const {
  return aggregate_json(detail::reduction(std::move(initial), std::move(fn)), options);
}
template <typename T, typename Fn>
WindowedTable WindowedGroupedStream::aggregate(T initial, Fn fn,
                                               const AggregateOptions& options) const {
  return aggregate_json(detail::aggregation(std::move(initial), std::move(fn)), options);
}

}  // namespace kafka
