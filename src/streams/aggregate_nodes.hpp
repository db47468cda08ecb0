#pragma once
// Tables: a non-windowed aggregation (count, reduce, aggregate per key) and a table read from a
// topic (kafka.table). Both keep one row per key in their store, forward every update, and can
// be looked up by a stream-table join.

#include <string>

#include "streams/node.hpp"

namespace kafka::detail {

class AggregateNode final : public StreamNode, public TableView {
 public:
  AggregateNode(StoreSpec store, Aggregation aggregation) : aggregation_(std::move(aggregation)) {
    store_spec_ = std::move(store);
  }
  void process(Context& ctx, StreamRecord record, int) override;
  const Json* find(const Json& key) const override { return store_->get(key.dump()); }
  void for_each(const std::function<void(const Json&, const Json&)>& fn) const override;

 private:
  Aggregation aggregation_;
};

// kafka.table(topic): the latest value per record key; a null value deletes the row.
class TableSourceNode final : public StreamNode, public TableView {
 public:
  TableSourceNode(std::string topic, StoreSpec store) : topics_{std::move(topic)} {
    store_spec_ = std::move(store);
  }
  void process(Context& ctx, StreamRecord record, int) override;
  const std::vector<std::string>* topics() const override { return &topics_; }
  const Json* find(const Json& key) const override { return store_->get(key.dump()); }
  void for_each(const std::function<void(const Json&, const Json&)>& fn) const override;

 private:
  std::vector<std::string> topics_;
};

}  // namespace kafka::detail
