// The DSL's public classes (include/kafka_do/streams.hpp): each call adds a node to the graph
// (node.hpp); terminal operations hand their sink to the chain's TopologyState.

#include "kafka_do/client.hpp"
#include "kafka_do/streams.hpp"
#include "streams/aggregate_nodes.hpp"
#include "streams/engine.hpp"
#include "streams/join_nodes.hpp"
#include "streams/stateless_nodes.hpp"
#include "streams/window_nodes.hpp"

namespace kafka {
namespace {

using detail::StreamNode;
using detail::StreamRecord;
using detail::TransformNode;

template <typename N, typename... Args>
std::shared_ptr<StreamNode> attach(const std::shared_ptr<StreamNode>& parent, Args&&... args) {
  auto node = std::make_shared<N>(std::forward<Args>(args)...);
  StreamNode::connect(parent, node, 0);
  node->lineage = parent->lineage;
  return node;
}

void terminal(const std::shared_ptr<StreamNode>& sink) {
  auto topology = sink->topology;
  topology->terminal(sink);
}

std::shared_ptr<StreamNode> source(const std::vector<std::string>& topics,
                                   std::shared_ptr<detail::TopologyState> topology) {
  if (topics.empty()) throw ConfigError("stream(): no input topic");
  auto node = std::make_shared<detail::SourceNode>(topics);
  node->topology = std::move(topology);
  for (const auto& t : topics) node->lineage += (node->lineage.empty() ? "" : "+") + t;
  return node;
}

std::shared_ptr<StreamNode> table_source(const std::string& topic,
                                         std::shared_ptr<detail::TopologyState> topology) {
  auto node = std::make_shared<detail::TableSourceNode>(topic, detail::StoreSpec{topic + "-table"});
  node->topology = std::move(topology);
  node->lineage = topic;
  return node;
}

std::string window_name(const WindowSpec& spec) {
  static const char* kinds[] = {"tumbling", "hopping", "sliding", "session"};
  std::string name =
      std::string(kinds[int(spec.kind())]) + "-" + std::to_string(spec.size().count_ms()) + "ms";
  if (spec.kind() == WindowSpec::Kind::hopping) {
    name += "-" + std::to_string(spec.advance().count_ms()) + "ms";
  }
  return name;
}

WindowSpec to_spec(const WindowOptions& o) {
  const int set = int(o.tumbling.has_value()) + int(o.hopping.has_value()) +
                  int(o.sliding.has_value()) + int(o.session.has_value());
  if (set != 1) {
    throw ConfigError("window(): set exactly one of tumbling, hopping, sliding and session");
  }
  WindowSpec spec = o.tumbling  ? tumbling(*o.tumbling)
                    : o.hopping ? hopping(*o.hopping, o.advance.value_or(*o.hopping))
                    : o.sliding ? sliding(*o.sliding)
                                : session(*o.session);
  return spec.grace(o.grace);
}

void check_spec(const WindowSpec& spec) {
  if (spec.size().count_ms() <= 0) throw ConfigError("window(): the size must be positive");
  if (spec.kind() == WindowSpec::Kind::hopping &&
      (spec.advance().count_ms() <= 0 || spec.advance().count_ms() > spec.size().count_ms())) {
    throw ConfigError("window(): a hopping window's advance must be in (0, size]");
  }
  if (spec.grace_period().count_ms() < 0) throw ConfigError("window(): grace must be >= 0");
}

Timestamp time_of(const Json& ms) {
  return Timestamp(std::chrono::milliseconds(ms.get<int64_t>()));
}

}  // namespace

namespace detail {
Aggregation counting();
}

// ---- Stream ----

Stream Stream::filter_json(std::function<bool(const Json&)> fn) const {
  return Stream(
      attach<TransformNode>(node_, [fn = std::move(fn)](StreamRecord& r) { return fn(r.value); }));
}
Stream Stream::map_json(std::function<Json(Json&&)> fn) const {
  return Stream(attach<TransformNode>(node_, [fn = std::move(fn)](StreamRecord& r) {
    r.value = fn(std::move(r.value));
    return true;
  }));
}
Stream Stream::map_key_value(std::function<KeyValue(const Json&, const Json&)> fn) const {
  return Stream(attach<TransformNode>(node_, [fn = std::move(fn)](StreamRecord& r) {
    KeyValue kv = fn(r.key, r.value);
    r.key = std::move(kv.key);
    r.value = std::move(kv.value);
    return true;
  }));
}
Stream Stream::flat_map_json(std::function<std::vector<Json>(const Json&)> fn) const {
  return Stream(attach<detail::FlatMapNode>(node_, std::move(fn)));
}
Stream Stream::key_by_json(std::function<Json(const Json&)> fn) const {
  return Stream(attach<TransformNode>(node_, [fn = std::move(fn)](StreamRecord& r) {
    r.key = fn(r.value);
    return true;
  }));
}
Stream Stream::peek_json(std::function<void(const Json&)> fn) const {
  return Stream(attach<TransformNode>(node_, [fn = std::move(fn)](StreamRecord& r) {
    fn(r.value);
    return true;
  }));
}
Stream Stream::merge(const Stream& other) const {
  auto node = std::make_shared<TransformNode>([](StreamRecord&) { return true; });
  StreamNode::connect(node_, node, 0);
  StreamNode::connect(other.node_, node, 0);
  node->lineage = node_->lineage + "+" + other.node_->lineage;
  return Stream(node);
}
void Stream::to(const std::string& topic) const {
  terminal(attach<detail::SinkNode>(node_, topic));
}
void Stream::each_json(std::function<void(const Json&, const Json&)> fn) const {
  terminal(attach<detail::EachNode>(
      node_, [fn = std::move(fn)](const StreamRecord& r) { fn(r.key, r.value); }));
}
void Stream::branch(const std::vector<Branch>& branches) const {
  for (const auto& b : branches) {
    if (!b.predicate || b.topic.empty())
      throw ConfigError("branch(): every branch needs a predicate and a topic");
  }
  terminal(attach<detail::BranchNode>(node_, branches));
}
GroupedStream Stream::group_by_json(std::function<Json(const Json&)> fn) const {
  return GroupedStream(key_by_json(std::move(fn)).node());
}
GroupedStream Stream::group_by_key() const { return GroupedStream(node_); }
WindowedStream Stream::window(const WindowSpec& spec) const {
  check_spec(spec);
  return WindowedStream(node_, spec);
}
WindowedStream Stream::window(const WindowOptions& options) const {
  return window(to_spec(options));
}

JoinedStream Stream::join_stream(const Stream& other, const JoinOptions& options,
                                 JoinType type) const {
  if (options.window.count_ms() < 0) throw ConfigError("join(): the window must be >= 0");
  static const char* types[] = {"join", "left-join", "outer-join"};
  const std::string lineage = node_->lineage + "+" + other.node_->lineage;
  std::string name = options.name.empty() ? lineage + "-" + types[int(type)] + "-" +
                                                std::to_string(options.window.count_ms()) + "ms"
                                          : options.name;
  auto node = std::make_shared<detail::StreamJoinNode>(std::move(name), type, options);
  StreamNode::connect(node_, node, 0);
  StreamNode::connect(other.node_, node, 1);
  node->lineage = lineage;
  return JoinedStream(node);
}
JoinedStream Stream::join(const Stream& other, const JoinOptions& options) const {
  return join_stream(other, options, JoinType::inner);
}
JoinedStream Stream::left_join(const Stream& other, const JoinOptions& options) const {
  return join_stream(other, options, JoinType::left);
}
JoinedStream Stream::outer_join(const Stream& other, const JoinOptions& options) const {
  return join_stream(other, options, JoinType::outer);
}
JoinedStream Stream::join_table(const Table& table, const JoinOptions& options,
                                JoinType type) const {
  if (!dynamic_cast<detail::TableView*>(table.node().get())) {
    throw ConfigError("join(): the table side is not a table");
  }
  auto node = std::make_shared<detail::TableJoinNode>(type, options);
  StreamNode::connect(node_, node, 0);
  StreamNode::connect(table.node(), node, 1);
  node->lineage = node_->lineage + "+" + table.node()->lineage;
  return JoinedStream(node);
}
JoinedStream Stream::join(const Table& table, const JoinOptions& options) const {
  return join_table(table, options, JoinType::inner);
}
JoinedStream Stream::left_join(const Table& table, const JoinOptions& options) const {
  return join_table(table, options, JoinType::left);
}

// ---- grouping and aggregation ----

Table GroupedStream::count(const AggregateOptions& options) const {
  return aggregate_json(detail::counting(), options);
}
Table GroupedStream::aggregate_json(detail::Aggregation aggregation,
                                    const AggregateOptions& options) const {
  std::string name =
      options.name.empty() ? node_->lineage + "-" + aggregation.operation : options.name;
  return Table(attach<detail::AggregateNode>(
      node_, detail::StoreSpec{std::move(name), options.store}, std::move(aggregation)));
}
WindowedGroupedStream GroupedStream::window(const WindowSpec& spec) const {
  check_spec(spec);
  return WindowedGroupedStream(node_, spec);
}
WindowedGroupedStream GroupedStream::window(const WindowOptions& options) const {
  return window(to_spec(options));
}

WindowedGroupedStream WindowedStream::group_by_json(std::function<Json(const Json&)> fn) const {
  return WindowedGroupedStream(Stream(node_).key_by(std::move(fn)).node(), spec_);
}
WindowedGroupedStream WindowedStream::group_by_key() const {
  return WindowedGroupedStream(node_, spec_);
}

WindowedTable WindowedGroupedStream::count(const AggregateOptions& options) const {
  return aggregate_json(detail::counting(), options);
}
WindowedTable WindowedGroupedStream::aggregate_json(detail::Aggregation aggregation,
                                                    const AggregateOptions& options) const {
  std::string name = options.name.empty()
                         ? node_->lineage + "-" + aggregation.operation + "-" + window_name(spec_)
                         : options.name;
  switch (spec_.kind()) {
    case WindowSpec::Kind::tumbling:
    case WindowSpec::Kind::hopping:
      return WindowedTable(attach<detail::TimeWindowNode>(
          node_, detail::StoreSpec{name, options.store}, spec_, std::move(aggregation)));
    case WindowSpec::Kind::sliding:
      return WindowedTable(attach<detail::SlidingWindowNode>(
          node_, detail::StoreSpec{name, options.store}, spec_, std::move(aggregation)));
    case WindowSpec::Kind::session:
      break;
  }
  return WindowedTable(attach<detail::SessionWindowNode>(
      node_, detail::StoreSpec{name, options.store}, spec_, std::move(aggregation)));
}

// ---- tables ----

void Table::to(const std::string& topic) const { terminal(attach<detail::SinkNode>(node_, topic)); }
void Table::each_json(std::function<void(const Json&, const Json&)> fn) const {
  terminal(attach<detail::EachNode>(
      node_, [fn = std::move(fn)](const StreamRecord& r) { fn(r.key, r.value); }));
}
Stream Table::to_stream() const {
  return Stream(attach<TransformNode>(node_, [](StreamRecord&) { return true; }));
}

WindowedTable WindowedTable::updates() const {
  dynamic_cast<detail::WindowNode&>(*node_).set_emit_updates();
  return *this;
}
void WindowedTable::to(const std::string& topic) const {
  terminal(attach<detail::SinkNode>(node_, topic));
}
void WindowedTable::each_window(std::function<void(const Window&)> fn) const {
  terminal(attach<detail::EachNode>(node_, [fn = std::move(fn)](const StreamRecord& r) {
    fn(Window(r.key, r.value["value"], time_of(r.value["start"]), time_of(r.value["end"])));
  }));
}
Stream WindowedTable::to_stream() const {
  return Stream(attach<TransformNode>(node_, [](StreamRecord&) { return true; }));
}

void JoinedStream::each_pair(std::function<void(const Json&, const Json&)> fn) const {
  terminal(attach<detail::EachNode>(node_, [fn = std::move(fn)](const StreamRecord& r) {
    fn(r.value["left"], r.value["right"]);
  }));
}
Stream JoinedStream::map_pair(std::function<Json(const Json&, const Json&)> fn) const {
  return Stream(attach<TransformNode>(node_, [fn = std::move(fn)](StreamRecord& r) {
    r.value = fn(r.value["left"], r.value["right"]);
    return true;
  }));
}
void JoinedStream::to(const std::string& topic) const {
  terminal(attach<detail::SinkNode>(node_, topic));
}

// ---- Topology and Client ----

Topology::Topology() : state_(std::make_shared<detail::TopologyState>()) {}
// Nodes keep their TopologyState and the state keeps the sinks: the cycle ends here.
Topology::~Topology() {
  if (state_) state_->sinks.clear();
}
Topology& Topology::operator=(Topology&& other) noexcept {
  if (this != &other) {
    if (state_) state_->sinks.clear();
    state_ = std::move(other.state_);
  }
  return *this;
}
Stream Topology::stream(const std::string& topic) { return Stream(source({topic}, state_)); }
Stream Topology::stream(const std::vector<std::string>& topics) {
  return Stream(source(topics, state_));
}
Table Topology::table(const std::string& topic) { return Table(table_source(topic, state_)); }
void Topology::run(Client& client, const StreamOptions& options) {
  if (state_->sinks.empty())
    throw ConfigError("Topology::run: no terminal operation (to, each, branch)");
  // The run stops on the caller's token or on close(), whichever comes first.
  StreamOptions run_options = options;
  std::stop_callback forward(options.stop, [state = state_] { state->closing.request_stop(); });
  run_options.stop = state_->closing.get_token();
  detail::run_topology(state_->sinks, client, run_options, *state_->queryable);
}
void Topology::close() { state_->closing.request_stop(); }

Stream Client::stream(const std::string& topic, const StreamOptions& options) {
  return stream(std::vector<std::string>{topic}, options);
}
Stream Client::stream(const std::vector<std::string>& topics, const StreamOptions& options) {
  auto state = std::make_shared<detail::TopologyState>();
  state->client = *this;
  state->options = options;
  return Stream(source(topics, std::move(state)));
}
Table Client::table(const std::string& topic) {
  auto state = std::make_shared<detail::TopologyState>();
  state->client = *this;
  return Table(table_source(topic, std::move(state)));
}

}  // namespace kafka
