#pragma once
// Windowed aggregations: time windows (tumbling, hopping), sliding windows and sessions. Each
// keeps its open windows in its store and emits a window's final value once, when stream time
// reaches its close (updates(): every change instead), then drops it, so the store holds only
// open windows. Rows (docs/format/state_format.md#streams):
//   time windows  "<start>|<key json>" -> [aggregate, max event time]
//   sliding       "<key json>"         -> {"r": [[t, value], ...], "e": last emitted end}
//   sessions      "<key json>"         -> {"s": [[start, end, [[t, value], ...]], ...]}
// Sliding windows and sessions keep their records (an aggregate of arbitrary user code cannot
// be split or merged), so their state grows with the records inside difference + grace.

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "streams/node.hpp"

namespace kafka::detail {

class WindowNode : public StreamNode {
 public:
  WindowNode(StoreSpec store, const WindowSpec& spec, Aggregation aggregation)
      : size_(spec.size().count_ms()),
        advance_(spec.advance().count_ms()),
        grace_(spec.grace_period().count_ms()),
        aggregation_(std::move(aggregation)) {
    store_spec_ = std::move(store);
  }
  void set_emit_updates() { updates_ = true; }

 protected:
  // Forwards one window's value: keyed by the group key, {"start", "end", "value"}.
  void emit(Context& ctx, const Json& key, int64_t start, int64_t end, Json value, int64_t time);
  // The aggregate of `records` ([[t, value], ...]) with start <= t <= end.
  Json fold(const Json& key, const Json& records, int64_t start, int64_t end) const;

  const int64_t size_;
  const int64_t advance_;
  const int64_t grace_;
  Aggregation aggregation_;
  bool updates_ = false;
};

class TimeWindowNode final : public WindowNode {
 public:
  using WindowNode::WindowNode;
  void process(Context& ctx, StreamRecord record, int) override;
  void advance(Context& ctx) override;
  void flush(Context& ctx) override;
  void restored_row(const std::string& row) override;
  // The open windows of `key` starting in [from, to], oldest first (interactive queries).
  std::vector<Window> open_windows(const Json& key, int64_t from, int64_t to) const;

 private:
  // Adds the record to the window starting at `start`; false when that window has closed.
  bool add(Context& ctx, const StreamRecord& record, int64_t start);
  // Emits and drops the window of a row that is due (its end + grace, the store's schedule).
  void close(Context& ctx, const std::string& row);
};

// Windows kept per key (one row per key) that close on a per-key schedule: sliding windows and
// sessions. Advancing stream time closes only the keys that are due.
class KeyedWindowNode : public WindowNode {
 public:
  using WindowNode::WindowNode;
  void advance(Context& ctx) override;
  void flush(Context& ctx) override;
  void restored_row(const std::string& row) override { schedule(row); }

 protected:
  // Emits and drops the row's windows closed at stream time `now` (all of them when nullopt),
  // then schedules the row's next close.
  virtual void close(Context& ctx, const std::string& row, std::optional<int64_t> now) = 0;
  // Sets when the row's next window closes.
  virtual void schedule(const std::string& row) = 0;
};

class SlidingWindowNode final : public KeyedWindowNode {
 public:
  using KeyedWindowNode::KeyedWindowNode;
  void process(Context& ctx, StreamRecord record, int) override;

 private:
  void close(Context& ctx, const std::string& row, std::optional<int64_t> now) override;
  void schedule(const std::string& row) override;
};

class SessionWindowNode final : public KeyedWindowNode {
 public:
  using KeyedWindowNode::KeyedWindowNode;
  void process(Context& ctx, StreamRecord record, int) override;

 private:
  void close(Context& ctx, const std::string& row, std::optional<int64_t> now) override;
  void schedule(const std::string& row) override;
};

}  // namespace kafka::detail
