#include "streams/aggregate_nodes.hpp"

namespace kafka::detail {

Aggregation counting() {
  return {Json(0),
          [](const Json&, const Json&, const Json& n) { return Json(n.get<int64_t>() + 1); },
          "count"};
}

void AggregateNode::process(Context& ctx, StreamRecord record, int) {
  const std::string row = record.key.dump();
  const Json* current = store_->get(row);
  Json next = aggregation_.add(record.key, record.value, current ? *current : aggregation_.initial);
  store_->put(row, next);
  forward(ctx, StreamRecord{std::move(record.key), std::move(next), record.timestamp, {}});
}

void AggregateNode::for_each(const std::function<void(const Json&, const Json&)>& fn) const {
  store_->for_each([&](const std::string& row, const Json& value) { fn(Json::parse(row), value); });
}

void TableSourceNode::process(Context& ctx, StreamRecord record, int) {
  const std::string row = record.key.dump();
  if (record.value.is_null()) {
    store_->erase(row);
  } else {
    store_->put(row, record.value);
  }
  forward(ctx, std::move(record));
}

void TableSourceNode::for_each(const std::function<void(const Json&, const Json&)>& fn) const {
  store_->for_each([&](const std::string& row, const Json& value) { fn(Json::parse(row), value); });
}

}  // namespace kafka::detail
