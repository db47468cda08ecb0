#pragma once
// kafka::MockClient: an in-memory client for tests (the memory: backend) plus helpers to seed
// topics and read back what was produced, as the seed's RSpec examples do. Works with any test
// framework (GoogleTest in this repository).
//
//   kafka::MockClient kafka;
//   kafka.seed("orders", {{{"order_id", "123"}}, {{"order_id", "124"}}});
//   ... code under test consumes or produces through `kafka` (it is a kafka::Client) ...
//   EXPECT_EQ(kafka.messages("orders").size(), 2);

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka_do/client.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/record.hpp"
#include "kafka_do/streams.hpp"

namespace kafka {

class MockClient : public Client {
 public:
  MockClient();
  // Any url in `options` is replaced by "memory:".
  explicit MockClient(ClientOptions options);

  // Appends `values` (JSON) to `topic`, creating it if needed; waits until they are stored.
  void seed(const std::string& topic, const std::vector<Json>& values);
  void seed(const std::string& topic, const std::vector<Message>& messages);
  // The value of every record of `topic`, partition by partition, in offset order.
  std::vector<Json> messages(const std::string& topic);
  // The records themselves (key, headers, timestamp, partition, offset).
  std::vector<Record> records(const std::string& topic);
};

// Runs a Topology deterministically, without threads, topics or sleeps (Kafka Streams'
// TopologyTestDriver, with several partitions): pipe records with explicit keys, timestamps and
// partitions into input topics, move wall-clock time, read output topics and operator state.
//
//   kafka::Topology app;
//   app.stream("orders").window(kafka::tumbling(5min)).group_by_key().count().to("counts");
//   kafka::TopologyTestDriver driver(app);
//   driver.pipe("orders", {{"id", 1}}, {.key = "c-1", .timestamp = t0});
//   driver.pipe("orders", {{"id", 2}}, {.key = "c-1", .timestamp = t0 + 5min});  // closes [t0,
//   +5m) driver.messages("counts");  // [{"start": ..., "end": ..., "value": 1}]
//
// Each piped record is processed at once, in pipe order (so the order is the test's to choose),
// exactly as a run processes a consumed record; stream time is the largest timestamp piped.
struct PipeOptions {
  std::optional<std::string> key;
  std::optional<std::chrono::system_clock::time_point> timestamp;  // default: wall_clock()
  int32_t partition = 0;
  Headers headers;
};

class TopologyTestDriver {
 public:
  explicit TopologyTestDriver(Topology& topology, StreamOptions options = {},
                              std::chrono::system_clock::time_point wall_clock = {});
  ~TopologyTestDriver();
  TopologyTestDriver(const TopologyTestDriver&) = delete;
  TopologyTestDriver& operator=(const TopologyTestDriver&) = delete;

  // A JSON value (kafka::Json, or anything that converts to it).
  void pipe(const std::string& topic, const Json& value, const PipeOptions& options = {});
  // A value's bytes as they are (nullopt: a null value, a table's delete).
  void pipe_raw(const std::string& topic, std::optional<std::string> value,
                const PipeOptions& options = {});

  // Moves the wall clock (default timestamps; StreamOptions::idle_timeout fires on it).
  void advance_time(Duration by);
  std::chrono::system_clock::time_point wall_clock() const;
  // The largest event time processed (epoch when nothing was).
  std::chrono::system_clock::time_point stream_time() const;
  // Moves stream time forward (never back) as a record with that timestamp would, closing the
  // windows and join buffers whose time has come.
  void advance_stream_time(std::chrono::system_clock::time_point to);
  // Emits every open window, as a run with until_caught_up does when it ends.
  void flush();

  // Output topics have one partition unless given here; records go to murmur2(key) % partitions.
  void create_topic(const std::string& topic, int partitions);
  // The records written to `topic` since the last read of it, in write order.
  std::vector<Record> read(const std::string& topic);
  // Their values.
  std::vector<Json> messages(const std::string& topic);

  // An operator's state by its name (explicit, or derived: see docs/streams.md), row by row as
  // its store keeps it (docs/format/state_format.md#streams).
  std::map<std::string, Json> state(const std::string& name) const;
  // One row of a table's state (count, reduce, aggregate, kafka.table) by key.
  std::optional<Json> state(const std::string& name, const Json& key) const;
  // The operator's store as interactive queries read it on a running Topology.
  ReadOnlyStore store(const std::string& name) const;
  const StreamMetrics& metrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka
