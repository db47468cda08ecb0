#pragma once
// A state store: the rows of one stateful operator, backed by a changelog topic
// (`<application_id>-<store name>-changelog`, compacted). Writes are collected and go to the
// changelog at each commit, before the input offsets that caused them (at-least-once): a row
// written many times between commits costs one changelog record. A restarted run replays the
// changelog into the store before it processes input (docs/format/state_format.md#streams):
// all of it into a MemoryStore, only the tail past its local checkpoint into a RocksDbStore.
//
// A store also keeps its operator's schedule: when each row is next due (a window closes), so
// advancing stream time visits only the rows that are due. The schedule is derived from the
// rows, never written to the changelog; operators set it again for every restored row.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kafka_do/json.hpp"
#include "kafka_do/streams.hpp"

namespace kafka::detail {

// What a stateful operator asks of its store (the Engine opens it when the run starts).
struct StoreSpec {
  std::string name;
  std::optional<StoreType> type;  // unset: the run's StreamOptions::state_store
  bool memory_only = false;       // the operator keeps an in-memory index of every row anyway
};

class StateStore {
 public:
  using Change = std::pair<std::string, std::optional<Json>>;  // nullopt: deleted
  explicit StateStore(std::string name) : name_(std::move(name)) {}
  virtual ~StateStore() = default;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;
  const std::string& name() const { return name_; }

  // The row, or null. The pointer stays valid until the next commit (persist).
  virtual const Json* get(const std::string& row) const = 0;
  // The row to change in place (marked written), or null when there is none.
  virtual Json* update(const std::string& row) = 0;
  virtual Json& put(const std::string& row, Json value) = 0;
  virtual void erase(const std::string& row) = 0;
  // Every row, in no particular order; `fn` must not change the store.
  virtual void for_each(const std::function<void(const std::string&, const Json&)>& fn) const = 0;
  // A changelog record read back at start: a value, or nullopt for a tombstone.
  virtual void restore(const std::string& row, std::optional<Json> value) = 0;
  // The rows written since the last call, with their current value.
  virtual std::vector<Change> take_changes() = 0;

  // When `row` is next due (nullopt: never). Only rows that exist are scheduled; erasing a row
  // (or restoring its tombstone) unschedules it.
  virtual void set_due(const std::string& row, std::optional<int64_t> due) = 0;
  // Up to `limit` rows due at `now`, earliest first, removed from the schedule.
  virtual std::vector<std::string> take_due(int64_t now, size_t limit) = 0;

  // The store keeps rows locally across runs, with a checkpoint (persist() writes them).
  virtual bool keeps_checkpoint() const { return false; }
  // The changelog offset up to which the local rows reflect the changelog (nullopt: none, the
  // whole changelog is replayed).
  virtual std::optional<int64_t> checkpoint() const { return std::nullopt; }
  // Writes what changed locally, as reflecting the changelog up to `changelog_end`.
  virtual void persist(int64_t /*changelog_end*/) {}
  // Restore should persist now (its unwritten rows reached the store's memory bound).
  virtual bool wants_persist() const { return false; }
  // Drops every local row (a checkpoint that does not match the changelog).
  virtual void wipe() {}

 private:
  std::string name_;
};

// The schedule of a store held in memory.
class DueRows {
 public:
  void set(const std::string& row, std::optional<int64_t> due);
  std::vector<std::string> take(int64_t now, size_t limit);

 private:
  std::set<std::pair<int64_t, std::string>> by_time_;
  std::unordered_map<std::string, int64_t> by_row_;
};

// Rows in a hash map; nothing local survives the process.
class MemoryStore final : public StateStore {
 public:
  using StateStore::StateStore;
  const Json* get(const std::string& row) const override;
  Json* update(const std::string& row) override;
  Json& put(const std::string& row, Json value) override;
  void erase(const std::string& row) override;
  void for_each(const std::function<void(const std::string&, const Json&)>& fn) const override;
  void restore(const std::string& row, std::optional<Json> value) override;
  std::vector<Change> take_changes() override;
  void set_due(const std::string& row, std::optional<int64_t> due) override;
  std::vector<std::string> take_due(int64_t now, size_t limit) override {
    return due_.take(now, limit);
  }

 private:
  std::unordered_map<std::string, Json> rows_;
  std::unordered_set<std::string> dirty_;
  DueRows due_;
};

}  // namespace kafka::detail
