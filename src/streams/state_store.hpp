#pragma once
// A state store: the in-memory rows of one stateful operator, backed by a changelog topic
// (`<application_id>-<store name>-changelog`, compacted). Writes are collected and go to the
// changelog at each commit, before the input offsets that caused them (at-least-once): a row
// written many times between commits costs one changelog record. A restarted run replays the
// changelog into the store before it processes input (docs/format/state_format.md#streams).

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kafka_do/json.hpp"

namespace kafka::detail {

class StateStore {
 public:
  explicit StateStore(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  const Json* get(const std::string& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : &it->second;
  }
  // The row to change in place (marked written), or null when there is none.
  Json* update(const std::string& key) {
    auto it = rows_.find(key);
    if (it == rows_.end()) return nullptr;
    dirty_.insert(key);
    return &it->second;
  }
  Json& put(const std::string& key, Json value) {
    dirty_.insert(key);
    return rows_.insert_or_assign(key, std::move(value)).first->second;
  }
  void erase(const std::string& key) {
    if (rows_.erase(key) > 0) dirty_.insert(key);
  }
  // A changelog record: a value, or nullopt for a tombstone.
  void restore(const std::string& key, std::optional<Json> value) {
    if (value) {
      rows_.insert_or_assign(key, std::move(*value));
    } else {
      rows_.erase(key);
    }
  }
  const std::unordered_map<std::string, Json>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }

  // The rows written since the last call, with their current value (nullopt: deleted).
  std::vector<std::pair<std::string, std::optional<Json>>> take_changes() {
    std::vector<std::pair<std::string, std::optional<Json>>> out;
    out.reserve(dirty_.size());
    for (const auto& key : dirty_) {
      const Json* row = get(key);
      out.emplace_back(key, row ? std::optional<Json>(*row) : std::nullopt);
    }
    // A fresh set, not clear(): clear() zeroes every bucket, and after a burst (a window close
    // deleting many rows) the bucket array stays large while most calls find one or two rows.
    dirty_ = std::unordered_set<std::string>();
    return out;
  }

 private:
  std::string name_;
  std::unordered_map<std::string, Json> rows_;
  std::unordered_set<std::string> dirty_;
};

}  // namespace kafka::detail
