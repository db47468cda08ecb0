#pragma once
// Joins. StreamJoinNode: stream-stream, windowed; each side buffers its records for
// window + grace and every arriving record is matched against the other side's buffer (by
// hashed join key, or by the predicate over every buffered record). TableJoinNode: each stream
// record looks up the table's current row; table updates only change the table.
// Joined pairs flow on as {"left": l, "right": r}, keyed like the left record.

#include <map>
#include <string>
#include <unordered_map>

#include "streams/node.hpp"

namespace kafka::detail {

class StreamJoinNode final : public StreamNode {
 public:
  // Its store is always in memory: entries_ below indexes every row anyway.
  StreamJoinNode(std::string name, JoinType type, JoinOptions options)
      : type_(type), options_(std::move(options)) {
    store_spec_ = StoreSpec{std::move(name), StoreType::memory, true};
  }
  void process(Context& ctx, StreamRecord record, int port) override;
  void advance(Context& ctx) override;
  void flush(Context& ctx) override;
  void restored() override;

 private:
  struct Entry {
    int side = 0;
    Json key;
    Json value;
    int64_t timestamp = 0;
    bool matched = false;
    std::string bucket;
  };
  Json join_key(int side, const StreamRecord& record) const;
  void index(const std::string& row, Entry entry);
  void expire(Context& ctx, const std::string& row);
  void emit(Context& ctx, const Entry* left, const Entry* right);
  void save(const std::string& row, const Entry& entry);

  // Rows of store_: "<side>|<t>|<seq>" -> {"k": key, "v": value, "m": matched, "j": bucket}.
  JoinType type_;
  JoinOptions options_;
  std::map<std::string, Entry> entries_;
  // Per side: join key -> event time -> row.
  std::unordered_map<std::string, std::multimap<int64_t, std::string>> buckets_[2];
  std::multimap<int64_t, std::string> expiring_;  // t + window + grace -> row
  uint64_t next_seq_ = 0;
};

class TableJoinNode final : public StreamNode {
 public:
  TableJoinNode(JoinType type, JoinOptions options) : type_(type), options_(std::move(options)) {}
  void process(Context& ctx, StreamRecord record, int port) override;

 private:
  JoinType type_;
  JoinOptions options_;
};

}  // namespace kafka::detail
