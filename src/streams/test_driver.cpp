// TopologyTestDriver (include/kafka_do/testing.hpp): the Engine with in-memory topics.

#include <algorithm>
#include <map>

#include "base/murmur2.hpp"
#include "kafka_do/testing.hpp"
#include "streams/engine.hpp"

namespace kafka {
namespace {

// Output topics in memory: every record with its partition and offset.
class MemoryOutput final : public detail::Output {
 public:
  void send(const std::string& topic, const detail::StreamRecord& record) override {
    send_raw(
        topic, detail::key_bytes(record.key),
        record.value.is_null() ? std::nullopt : std::optional<std::string>(record.value.dump()),
        record.headers, record.timestamp);
  }
  void send_raw(const std::string& topic, std::optional<std::string> key,
                std::optional<std::string> value, Headers headers, int64_t timestamp) override {
    const auto p = partitions.find(topic);
    const int32_t n = p == partitions.end() ? 1 : p->second;
    const int32_t partition = key && n > 1 ? kafka_do::partition_for_key(*key, n) : 0;
    int64_t& offset = offsets[{topic, partition}];
    unread[topic].emplace_back(topic, partition, offset++,
                               Timestamp(std::chrono::milliseconds(timestamp)), std::move(key),
                               std::move(value), std::move(headers));
  }
  std::map<std::string, int32_t> partitions;
  std::map<TopicPartition, int64_t> offsets;
  std::map<std::string, std::vector<Record>> unread;
};

}  // namespace

struct TopologyTestDriver::Impl {
  Impl(Topology& topology, StreamOptions options)
      : engine(topology.state()->sinks, std::move(options)) {
    queryable->engine = &engine;
  }
  ~Impl() { queryable->engine = nullptr; }  // a ReadOnlyStore kept longer reads nothing
  detail::Engine engine;
  std::shared_ptr<detail::Queryable> queryable = std::make_shared<detail::Queryable>();
  MemoryOutput output;
  std::map<TopicPartition, int64_t> input_offsets;
  Timestamp wall_clock;
  Timestamp last_input;
  bool idle_flushed = false;

  // What a run does at each commit, here after every step: state changes go to the changelogs,
  // and stores with a local checkpoint write their rows.
  void commit() {
    engine.write_changelogs(output);
    engine.persist([&](const std::string& topic) { return output.offsets[{topic, 0}]; });
  }
};

TopologyTestDriver::TopologyTestDriver(Topology& topology, StreamOptions options,
                                       Timestamp wall_clock) {
  if (topology.state()->sinks.empty()) {
    throw ConfigError("TopologyTestDriver: the topology has no terminal operation");
  }
  impl_ = std::make_unique<Impl>(topology, std::move(options));
  impl_->wall_clock = impl_->last_input = wall_clock;
}

TopologyTestDriver::~TopologyTestDriver() = default;

void TopologyTestDriver::pipe(const std::string& topic, const Json& value,
                              const PipeOptions& options) {
  pipe_raw(topic, value.is_null() ? std::nullopt : std::optional<std::string>(value.dump()),
           options);
}

void TopologyTestDriver::pipe_raw(const std::string& topic, std::optional<std::string> value,
                                  const PipeOptions& options) {
  const auto& inputs = impl_->engine.input_topics();
  if (std::find(inputs.begin(), inputs.end(), topic) == inputs.end()) {
    throw ConfigError("TopologyTestDriver: '" + topic + "' is not an input of the topology");
  }
  int64_t& offset = impl_->input_offsets[{topic, options.partition}];
  Record record(topic, options.partition, offset++, options.timestamp.value_or(impl_->wall_clock),
                options.key, std::move(value), options.headers);
  impl_->last_input = impl_->wall_clock;
  impl_->idle_flushed = false;
  impl_->engine.process(record, impl_->output);
  // A run commits every commit_interval; here after every record.
  impl_->commit();
}

void TopologyTestDriver::advance_time(Duration by) {
  impl_->wall_clock += by.ms();
  const auto& idle = impl_->engine.options().idle_timeout;
  if (idle && !impl_->idle_flushed && impl_->wall_clock - impl_->last_input >= idle->ms()) {
    flush();
    impl_->idle_flushed = true;
  }
}

Timestamp TopologyTestDriver::wall_clock() const { return impl_->wall_clock; }

Timestamp TopologyTestDriver::stream_time() const {
  const int64_t t = impl_->engine.stream_time();
  return t == INT64_MIN ? Timestamp{} : Timestamp(std::chrono::milliseconds(t));
}

void TopologyTestDriver::advance_stream_time(Timestamp to) {
  impl_->engine.advance_to(
      std::chrono::duration_cast<std::chrono::milliseconds>(to.time_since_epoch()).count(),
      impl_->output);
  impl_->commit();
}

void TopologyTestDriver::flush() {
  impl_->engine.flush(impl_->output);
  impl_->commit();
}

void TopologyTestDriver::create_topic(const std::string& topic, int partitions) {
  if (partitions < 1) throw ConfigError("create_topic: partitions must be >= 1");
  impl_->output.partitions[topic] = partitions;
}

std::vector<Record> TopologyTestDriver::read(const std::string& topic) {
  return std::exchange(impl_->output.unread[topic], {});
}

std::vector<Json> TopologyTestDriver::messages(const std::string& topic) {
  std::vector<Json> out;
  for (const auto& r : read(topic)) out.push_back(r.value());
  return out;
}

std::map<std::string, Json> TopologyTestDriver::state(const std::string& name) const {
  const auto* store = impl_->engine.store(name);
  if (!store) throw ConfigError("TopologyTestDriver: no operator named '" + name + "'");
  std::map<std::string, Json> rows;
  store->for_each([&](const std::string& row, const Json& value) { rows.emplace(row, value); });
  return rows;
}

std::optional<Json> TopologyTestDriver::state(const std::string& name, const Json& key) const {
  const auto* store = impl_->engine.store(name);
  if (!store) throw ConfigError("TopologyTestDriver: no operator named '" + name + "'");
  const Json* row = store->get(key.dump());
  return row ? std::optional<Json>(*row) : std::nullopt;
}

ReadOnlyStore TopologyTestDriver::store(const std::string& name) const {
  return ReadOnlyStore(impl_->queryable, name);
}

const StreamMetrics& TopologyTestDriver::metrics() const { return impl_->engine.metrics(); }

}  // namespace kafka
