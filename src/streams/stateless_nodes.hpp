#pragma once
// Record-at-a-time operators: sources, filter/map/key_by/peek (TransformNode), flat_map, merge,
// and the terminal ones (to, each, branch).

#include <functional>
#include <string>
#include <vector>

#include "streams/node.hpp"

namespace kafka::detail {

// Where a topic's records enter the topology.
class SourceNode final : public StreamNode {
 public:
  explicit SourceNode(std::vector<std::string> topics) : topics_(std::move(topics)) {}
  void process(Context& ctx, StreamRecord record, int) override { forward(ctx, std::move(record)); }
  const std::vector<std::string>* topics() const override { return &topics_; }

 private:
  std::vector<std::string> topics_;
};

// Changes a record in place; returning false drops it (filter, map, key_by, peek, merge).
class TransformNode final : public StreamNode {
 public:
  using Fn = std::function<bool(StreamRecord&)>;
  explicit TransformNode(Fn fn) : fn_(std::move(fn)) {}
  void process(Context& ctx, StreamRecord record, int) override {
    if (fn_(record)) forward(ctx, std::move(record));
  }

 private:
  Fn fn_;
};

class FlatMapNode final : public StreamNode {
 public:
  using Fn = std::function<std::vector<Json>(const Json&)>;
  explicit FlatMapNode(Fn fn) : fn_(std::move(fn)) {}
  void process(Context& ctx, StreamRecord record, int) override {
    for (auto& value : fn_(record.value)) {
      forward(ctx, StreamRecord{record.key, std::move(value), record.timestamp, record.headers});
    }
  }

 private:
  Fn fn_;
};

class SinkNode final : public StreamNode {
 public:
  explicit SinkNode(std::string topic) : topic_(std::move(topic)) {}
  void process(Context& ctx, StreamRecord record, int) override {
    ctx.output->send(topic_, record);
  }

 private:
  std::string topic_;
};

class EachNode final : public StreamNode {
 public:
  using Fn = std::function<void(const StreamRecord&)>;
  explicit EachNode(Fn fn) : fn_(std::move(fn)) {}
  void process(Context&, StreamRecord record, int) override { fn_(record); }

 private:
  Fn fn_;
};

class BranchNode final : public StreamNode {
 public:
  explicit BranchNode(std::vector<Branch> branches) : branches_(std::move(branches)) {}
  void process(Context& ctx, StreamRecord record, int) override {
    for (const auto& b : branches_) {
      if (b.predicate(record.value)) {
        ctx.output->send(b.topic, record);
        return;
      }
    }
    ++ctx.metrics->unmatched_branch_dropped;
  }

 private:
  std::vector<Branch> branches_;
};

}  // namespace kafka::detail
