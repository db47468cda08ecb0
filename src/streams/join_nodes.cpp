#include "streams/join_nodes.hpp"

namespace kafka::detail {
namespace {

StreamRecord pair_record(Json key, const Json& left, const Json& right, int64_t time) {
  return StreamRecord{std::move(key), Json{{"left", left}, {"right", right}}, time, {}};
}

}  // namespace

Json StreamJoinNode::join_key(int side, const StreamRecord& record) const {
  const auto& keys = options_.on.join_keys();
  if (options_.on.predicate() && !keys) return Json();  // one bucket: the predicate decides
  if (keys) {
    const auto& fn = side == 0 ? keys->left : keys->right;
    if (fn) return fn(record.value);
  }
  return record.key;
}

void StreamJoinNode::process(Context& ctx, StreamRecord record, int port) {
  const int side = port == 0 ? 0 : 1;
  const int64_t window = options_.window.count_ms();
  const int64_t t = record.timestamp;
  // Every partner it could have was dropped already.
  if (t + window + options_.grace.count_ms() < ctx.stream_time) {
    ctx.late();
    return;
  }
  std::string bucket_key = join_key(side, record).dump();
  Entry entry{side,  std::move(record.key), std::move(record.value), t,
              false, std::move(bucket_key)};
  auto bucket = buckets_[1 - side].find(entry.bucket);
  if (bucket != buckets_[1 - side].end()) {
    const auto& predicate = options_.on.predicate();
    for (auto it = bucket->second.lower_bound(t - window);
         it != bucket->second.end() && it->first <= t + window; ++it) {
      Entry& other = entries_.at(it->second);
      const Entry& left = side == 0 ? entry : other;
      const Entry& right = side == 0 ? other : entry;
      if (predicate && !predicate(left.value, right.value)) continue;
      emit(ctx, &left, &right);
      entry.matched = true;
      if (!other.matched) {
        other.matched = true;
        save(it->second, other);
      }
    }
  }
  const std::string row =
      std::to_string(side) + "|" + std::to_string(t) + "|" + std::to_string(next_seq_++);
  save(row, entry);
  index(row, std::move(entry));
}

void StreamJoinNode::save(const std::string& row, const Entry& entry) {
  store_->put(
      row, Json{{"k", entry.key}, {"v", entry.value}, {"m", entry.matched}, {"j", entry.bucket}});
}

void StreamJoinNode::index(const std::string& row, Entry entry) {
  buckets_[entry.side][entry.bucket].emplace(entry.timestamp, row);
  expiring_.emplace(entry.timestamp + options_.window.count_ms() + options_.grace.count_ms(), row);
  entries_.insert_or_assign(row, std::move(entry));
}

void StreamJoinNode::emit(Context& ctx, const Entry* left, const Entry* right) {
  const Json null;
  Json key = left ? left->key : right->key;
  const int64_t time =
      std::max(left ? left->timestamp : INT64_MIN, right ? right->timestamp : INT64_MIN);
  forward(ctx, pair_record(std::move(key), left ? left->value : null, right ? right->value : null,
                           time));
}

void StreamJoinNode::expire(Context& ctx, const std::string& row) {
  auto it = entries_.find(row);
  if (it == entries_.end()) return;
  Entry entry = std::move(it->second);
  entries_.erase(it);
  auto& bucket = buckets_[entry.side][entry.bucket];
  for (auto b = bucket.lower_bound(entry.timestamp);
       b != bucket.end() && b->first == entry.timestamp; ++b) {
    if (b->second == row) {
      bucket.erase(b);
      break;
    }
  }
  if (bucket.empty()) buckets_[entry.side].erase(entry.bucket);
  store_->erase(row);
  if (entry.matched) return;
  if (entry.side == 0 && type_ != JoinType::inner) emit(ctx, &entry, nullptr);
  if (entry.side == 1 && type_ == JoinType::outer) emit(ctx, nullptr, &entry);
}

void StreamJoinNode::advance(Context& ctx) {
  while (!expiring_.empty() && expiring_.begin()->first < ctx.stream_time) {
    const std::string row = expiring_.begin()->second;
    expiring_.erase(expiring_.begin());
    expire(ctx, row);
  }
}

void StreamJoinNode::flush(Context& ctx) {
  while (!expiring_.empty()) {
    const std::string row = expiring_.begin()->second;
    expiring_.erase(expiring_.begin());
    expire(ctx, row);
  }
}

void StreamJoinNode::restored() {
  entries_.clear();
  buckets_[0].clear();
  buckets_[1].clear();
  expiring_.clear();
  store_->for_each([&](const std::string& row, const Json& value) {
    const auto bar1 = row.find('|'), bar2 = row.find('|', bar1 + 1);
    Entry entry{std::stoi(row.substr(0, bar1)),
                value["k"],
                value["v"],
                std::stoll(row.substr(bar1 + 1, bar2 - bar1 - 1)),
                value["m"].get<bool>(),
                value["j"].get<std::string>()};
    next_seq_ = std::max<uint64_t>(next_seq_, std::stoull(row.substr(bar2 + 1)) + 1);
    index(row, std::move(entry));
  });
}

void TableJoinNode::process(Context& ctx, StreamRecord record, int port) {
  if (port != 0) return;  // a table update: the table node already applied it
  const auto* table = dynamic_cast<const TableView*>(parents.at(1).get());
  bool matched = false;
  const auto& keys = options_.on.join_keys();
  if (options_.on.predicate() && !keys) {
    table->for_each([&](const Json&, const Json& row) {
      if (!options_.on.predicate()(record.value, row)) return;
      matched = true;
      forward(ctx, pair_record(record.key, record.value, row, record.timestamp));
    });
  } else {
    const Json lookup = keys && keys->left ? keys->left(record.value) : record.key;
    if (const Json* row = table->find(lookup)) {
      matched = true;
      forward(ctx, pair_record(record.key, record.value, *row, record.timestamp));
    }
  }
  if (!matched && type_ == JoinType::left) {
    forward(ctx, pair_record(record.key, record.value, Json(), record.timestamp));
  }
}

}  // namespace kafka::detail
