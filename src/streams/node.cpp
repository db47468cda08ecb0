#include "streams/node.hpp"

#include "streams/engine.hpp"

namespace kafka::detail {

void Context::late() {
  ++metrics->late_records_dropped;
  if (options->on_late && source) options->on_late(*source);
}

void StreamNode::connect(const std::shared_ptr<StreamNode>& parent,
                         const std::shared_ptr<StreamNode>& child, int port) {
  child->parents.push_back(parent);
  parent->children.push_back({child, port});
  if (!child->topology) child->topology = parent->topology;
}

void StreamNode::forward(Context& ctx, StreamRecord record) {
  // Copies for all children but the last, which gets the record itself (the common chain of
  // single children never copies).
  size_t last = children.size();
  auto live = [](const Edge& e) {
    auto n = e.node.lock();
    return n && n->active;
  };
  while (last > 0 && !live(children[last - 1])) --last;
  for (size_t i = 0; i < last; ++i) {
    auto child = children[i].node.lock();
    if (!child || !child->active) continue;
    if (i + 1 == last) {
      child->process(ctx, std::move(record), children[i].port);
    } else {
      child->process(ctx, record, children[i].port);
    }
  }
}

void TopologyState::terminal(const std::shared_ptr<StreamNode>& sink) {
  if (!client) {
    sinks.push_back(sink);
    return;
  }
  run_topology({sink}, *client, options, *queryable);
}

std::optional<std::string> key_bytes(const Json& key) {
  if (key.is_null()) return std::nullopt;
  if (key.is_string()) return key.get<std::string>();
  return key.dump();
}

}  // namespace kafka::detail
