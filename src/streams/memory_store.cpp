#include "streams/state_store.hpp"

namespace kafka::detail {

void DueRows::set(const std::string& row, std::optional<int64_t> due) {
  if (auto it = by_row_.find(row); it != by_row_.end()) {
    if (due && *due == it->second) return;
    by_time_.erase({it->second, row});
    by_row_.erase(it);
  }
  if (due) {
    by_time_.emplace(*due, row);
    by_row_.emplace(row, *due);
  }
}

std::vector<std::string> DueRows::take(int64_t now, size_t limit) {
  std::vector<std::string> rows;
  while (!by_time_.empty() && by_time_.begin()->first <= now && rows.size() < limit) {
    rows.push_back(by_time_.begin()->second);
    by_row_.erase(rows.back());
    by_time_.erase(by_time_.begin());
  }
  return rows;
}

const Json* MemoryStore::get(const std::string& row) const {
  auto it = rows_.find(row);
  return it == rows_.end() ? nullptr : &it->second;
}

Json* MemoryStore::update(const std::string& row) {
  auto it = rows_.find(row);
  if (it == rows_.end()) return nullptr;
  dirty_.insert(row);
  return &it->second;
}

Json& MemoryStore::put(const std::string& row, Json value) {
  dirty_.insert(row);
  return rows_.insert_or_assign(row, std::move(value)).first->second;
}

void MemoryStore::erase(const std::string& row) {
  if (rows_.erase(row) > 0) dirty_.insert(row);
  due_.set(row, std::nullopt);
}

void MemoryStore::set_due(const std::string& row, std::optional<int64_t> due) {
  if (due && !rows_.contains(row)) return;
  due_.set(row, due);
}

void MemoryStore::for_each(const std::function<void(const std::string&, const Json&)>& fn) const {
  for (const auto& [row, value] : rows_) fn(row, value);
}

void MemoryStore::restore(const std::string& row, std::optional<Json> value) {
  if (value) {
    rows_.insert_or_assign(row, std::move(*value));
  } else {
    rows_.erase(row);
    due_.set(row, std::nullopt);
  }
}

std::vector<StateStore::Change> MemoryStore::take_changes() {
  std::vector<Change> out;
  out.reserve(dirty_.size());
  for (const auto& row : dirty_) {
    const Json* value = get(row);
    out.emplace_back(row, value ? std::optional<Json>(*value) : std::nullopt);
  }
  // A fresh set, not clear(): clear() zeroes every bucket, and after a burst (a window close
  // deleting many rows) the bucket array stays large while most calls find one or two rows.
  dirty_ = std::unordered_set<std::string>();
  return out;
}

}  // namespace kafka::detail
