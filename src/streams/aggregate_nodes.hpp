#pragma once
// Tables: a non-windowed aggregation (count, reduce, aggregate per key) and a table read from a
// topic (kafka.table). Both keep one row per key in their store, forward every update, and can
// be looked up by a stream-table join.

#include <string>

#include "streams/node.hpp"

namespace kafka::detail {

class AggregateNode final : public StreamNode, public TableView {
 public:
  AggregateNode(std::string name, Aggregation aggregation)
      : store_(std::move(name)), aggregation_(std::move(aggregation)) {}
  void process(Context& ctx, StreamRecord record, int) override;
  StateStore* store() override { return &store_; }
  const Json* find(const Json& key) const override { return store_.get(key.dump()); }
  void for_each(const std::function<void(const Json&, const Json&)>& fn) const override;

 private:
  StateStore store_;
  Aggregation aggregation_;
};

// kafka.table(topic): the latest value per record key; a null value deletes the row.
class TableSourceNode final : public StreamNode, public TableView {
 public:
  TableSourceNode(std::string topic, std::string name)
      : topics_{std::move(topic)}, store_(std::move(name)) {}
  void process(Context& ctx, StreamRecord record, int) override;
  const std::vector<std::string>* topics() const override { return &topics_; }
  StateStore* store() override { return &store_; }
  const Json* find(const Json& key) const override { return store_.get(key.dump()); }
  void for_each(const std::function<void(const Json&, const Json&)>& fn) const override;

 private:
  std::vector<std::string> topics_;
  StateStore store_;
};

}  // namespace kafka::detail
