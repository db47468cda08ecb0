#pragma once
// The topology graph behind the DSL. Every DSL call adds a StreamNode; a node owns its parents
// (shared) and sees its children weakly, so a chain nobody ends in a terminal operation simply
// disappears. A terminal operation walks up to the sources and down to every live node, which is
// the topology a run (runtime.cpp) or the TopologyTestDriver executes.
//
// Records flow between nodes as StreamRecords: key and value already JSON, event time in ms.
// Windowed results flow as {"start": ms, "end": ms, "value": v} keyed by the group key; joined
// pairs as {"left": l, "right": r} (docs/streams.md names both shapes).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kafka_do/client.hpp"
#include "kafka_do/streams.hpp"
#include "streams/state_store.hpp"

namespace kafka::detail {

struct StreamRecord {
  Json key;
  Json value;
  int64_t timestamp = 0;  // event time, ms since the epoch
  Headers headers;
};

// Where records leave the topology: output topics (to, branch, dead letters) and changelogs.
class Output {
 public:
  virtual ~Output() = default;
  virtual void send(const std::string& topic, const StreamRecord& record) = 0;
  virtual void send_raw(const std::string& topic, std::optional<std::string> key,
                        std::optional<std::string> value, Headers headers, int64_t timestamp) = 0;
};

// What a node sees of the run while it processes a record or stream time moves.
struct Context {
  Output* output = nullptr;
  StreamMetrics* metrics = nullptr;
  const StreamOptions* options = nullptr;
  const Record* source = nullptr;   // the input record being processed (null while flushing)
  int64_t stream_time = INT64_MIN;  // the largest event time seen (never goes backwards)

  // A record dropped because every window it belongs to has closed.
  void late();
};

class StreamNode : public std::enable_shared_from_this<StreamNode> {
 public:
  virtual ~StreamNode() = default;
  // A record from parent number `port` (a join's left side is 0, its right side 1).
  virtual void process(Context& ctx, StreamRecord record, int port) = 0;
  // Stream time moved: emit and drop what closed.
  virtual void advance(Context&) {}
  // Emit everything still open (the end of a run that stops when caught up, or an idle timeout).
  virtual void flush(Context&) {}
  // The state this node keeps: null for stateless nodes, and until the Engine opens it.
  StateStore* store() const { return store_.get(); }
  // Stateful nodes: what their store is (set by the constructor).
  const std::optional<StoreSpec>& store_spec() const { return store_spec_; }
  void open_store(std::unique_ptr<StateStore> store) { store_ = std::move(store); }
  // A changelog record restored `row`: schedule it again.
  virtual void restored_row(const std::string& /*row*/) {}
  // Every row was restored: rebuild what else is derived from them.
  virtual void restored() {}
  // Input topics a source node reads (empty for other nodes).
  virtual const std::vector<std::string>* topics() const { return nullptr; }

  // Adds `child` as a consumer of this node's output, arriving on the child's `port`.
  static void connect(const std::shared_ptr<StreamNode>& parent,
                      const std::shared_ptr<StreamNode>& child, int port);
  // Passes a record to every live child.
  void forward(Context& ctx, StreamRecord record);

  std::vector<std::shared_ptr<StreamNode>> parents;
  struct Edge {
    std::weak_ptr<StreamNode> node;
    int port = 0;
  };
  std::vector<Edge> children;
  // Part of the topology being run (set by the Engine): forward() skips other children, such as
  // chains the application built but never ended in a terminal operation.
  bool active = false;
  // What the stream is, for derived operator names ("orders", "orders+payments").
  std::string lineage;
  // The Topology (or Client) the chain was started from: decides what a terminal operation does.
  std::shared_ptr<TopologyState> topology;

 protected:
  std::optional<StoreSpec> store_spec_;
  std::unique_ptr<StateStore> store_;
};

class Engine;

// What interactive queries (ReadOnlyStore) read: the Engine of a run while it processes, and the
// lock the run holds while it changes state (a batch of records, a commit).
struct Queryable {
  std::mutex mutex;
  Engine* engine = nullptr;  // null before the run has restored its state, and after it ended
};

// What a terminal operation does: a Topology collects it; a Client runs it at once.
class TopologyState {
 public:
  std::shared_ptr<Queryable> queryable = std::make_shared<Queryable>();
  // Kept alive for Topology::run; cleared by ~Topology (the nodes refer back to this state).
  std::vector<std::shared_ptr<StreamNode>> sinks;
  std::optional<Client> client;  // set: terminal operations run immediately
  StreamOptions options;
  std::stop_source closing;  // Topology::close
  // Called by every terminal operation with its sink node.
  void terminal(const std::shared_ptr<StreamNode>& sink);
};

// A node whose rows can be looked up: the table side of a stream-table join.
class TableView {
 public:
  virtual ~TableView() = default;
  virtual const Json* find(const Json& key) const = 0;
  virtual void for_each(
      const std::function<void(const Json& key, const Json& value)>& fn) const = 0;
};

// The key of a record as bytes on the wire: a JSON string as its text, null as no key, anything
// else as its JSON text. And back: a record key is always a JSON string.
std::optional<std::string> key_bytes(const Json& key);

}  // namespace kafka::detail
