#pragma once
// The Engine executes one topology, record by record, without threads or I/O of its own: the
// runtime (runtime.cpp) feeds it consumed records and carries its output to topics; the
// TopologyTestDriver feeds it piped records and keeps the output in memory. Both therefore run
// the very same operators.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "streams/node.hpp"

namespace kafka::detail {

class RocksDbShared;

class Engine {
 public:
  // The topology: every node upstream of `sinks`. Throws ConfigError for a topology that
  // cannot run (two stateful operators with one name).
  Engine(std::vector<std::shared_ptr<StreamNode>> sinks, StreamOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const StreamOptions& options() const { return options_; }
  // Every topic a source reads, once each, in topology order.
  const std::vector<std::string>& input_topics() const { return inputs_; }
  // Changelog topic -> the operator whose store it backs.
  const std::map<std::string, StreamNode*>& changelogs() const { return changelogs_; }

  // A changelog record read back at start (before any input).
  void restore(const Record& record);
  void restored();
  // After the changelog records written so far are acknowledged: stores that keep a local
  // checkpoint write their rows, as reflecting each changelog up to `changelog_end(topic)`.
  void persist(const std::function<int64_t(const std::string& topic)>& changelog_end);

  // Processes one input record. A failure (a value that is not JSON, an exception from user
  // code) ends the run with StreamProcessingError, or under OnError::log_and_continue is logged,
  // sent to the dead-letter topic and skipped.
  void process(const Record& record, Output& output);
  // Moves stream time to `time` (never back) as a record of that time would, closing windows.
  void advance_to(int64_t time, Output& output);
  // Emits every open window (and unmatched join records) as if their time had come.
  void flush(Output& output);
  // The store rows written since the last call go to their changelogs.
  void write_changelogs(Output& output);

  StreamMetrics& metrics() { return metrics_; }
  int64_t stream_time() const { return ctx_.stream_time; }
  // A store by operator name (TopologyTestDriver::state); null when there is none.
  const StateStore* store(const std::string& name) const;
  // The stateful operator named `name`; null when there is none.
  const StreamNode* stateful(const std::string& name) const;

 private:
  std::vector<std::shared_ptr<StreamNode>> sinks_;
  std::vector<std::shared_ptr<StreamNode>> nodes_;  // parents before children
  std::map<std::string, std::vector<StreamNode*>> sources_;
  std::vector<StreamNode*> stateful_;
  std::vector<std::string> inputs_;
  std::map<std::string, StreamNode*> changelogs_;
  std::unique_ptr<StateStore> open_store(const StoreSpec& spec);

  StreamOptions options_;
  std::shared_ptr<RocksDbShared> rocksdb_;  // the block cache of this run's RocksDB stores
  StreamMetrics metrics_;
  Context ctx_;
};

// Runs the topology upstream of `sinks` on `client` (runtime.cpp).
// `queryable` gets the Engine while the run processes (interactive queries).
void run_topology(const std::vector<std::shared_ptr<StreamNode>>& sinks, Client& client,
                  const StreamOptions& options, Queryable& queryable);

// A name usable inside a topic name: characters Kafka does not allow become '_'.
std::string topic_safe(const std::string& name);

}  // namespace kafka::detail
