// Interactive queries: ReadOnlyStore reads one operator's store of a running Topology (or of a
// TopologyTestDriver) under the lock the run holds while it changes state.

#include <algorithm>

#include "streams/aggregate_nodes.hpp"
#include "streams/engine.hpp"
#include "streams/window_nodes.hpp"

namespace kafka {
namespace {

using detail::Queryable;
using detail::StreamNode;

// Calls fn(node) for the operator `name` of the engine in `source`, under its lock.
template <typename Fn>
auto with_node(Queryable& source, const std::string& name, Fn fn) {
  std::lock_guard lock(source.mutex);
  if (!source.engine) {
    throw StoreUnavailableError("store '" + name +
                                "' is not available: its topology is not running, or is still "
                                "restoring its state");
  }
  const StreamNode* node = source.engine->stateful(name);
  if (!node) throw ConfigError("the topology has no stateful operator named '" + name + "'");
  return fn(*node);
}

const detail::TableView& table_of(const StreamNode& node, const std::string& name) {
  const auto* table = dynamic_cast<const detail::TableView*>(&node);
  if (!table) {
    throw ConfigError(
        "store '" + name + "' is not a table (count, reduce, aggregate or table()): " +
        (dynamic_cast<const detail::WindowNode*>(&node) ? "use fetch()" : "it cannot be queried"));
  }
  return *table;
}

// The rows of table `name` whose key passes `keep`, sorted by key (after the lock is released:
// the run waits only for the copy).
template <typename Keep>
std::vector<KeyValue> sorted_rows(Queryable& source, const std::string& name, Keep keep) {
  std::vector<KeyValue> rows = with_node(source, name, [&](const StreamNode& node) {
    std::vector<KeyValue> out;
    table_of(node, name).for_each([&](const Json& key, const Json& value) {
      if (keep(key)) out.push_back({key, value});
    });
    return out;
  });
  std::sort(rows.begin(), rows.end(),
            [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  return rows;
}

int64_t ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

ReadOnlyStore::ReadOnlyStore(std::shared_ptr<detail::Queryable> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)) {}

std::optional<Json> ReadOnlyStore::get(const Json& key) const {
  return with_node(*source_, name_, [&](const StreamNode& node) -> std::optional<Json> {
    const Json* value = table_of(node, name_).find(key);
    return value ? std::optional<Json>(*value) : std::nullopt;
  });
}

std::vector<KeyValue> ReadOnlyStore::range(const Json& from, const Json& to) const {
  return sorted_rows(*source_, name_,
                     [&](const Json& key) { return !(key < from) && !(to < key); });
}

std::vector<KeyValue> ReadOnlyStore::all() const {
  return sorted_rows(*source_, name_, [](const Json&) { return true; });
}

std::vector<Window> ReadOnlyStore::fetch(const Json& key, Timestamp from, Timestamp to) const {
  return with_node(*source_, name_, [&](const StreamNode& node) {
    const auto* windows = dynamic_cast<const detail::TimeWindowNode*>(&node);
    if (!windows) {
      throw ConfigError("store '" + name_ +
                        "' is not a tumbling or hopping window store: fetch() reads only those");
    }
    return windows->open_windows(key, ms(from), ms(to));
  });
}

ReadOnlyStore Topology::store(const std::string& name) const {
  return ReadOnlyStore(state_->queryable, name);
}

}  // namespace kafka
