#include "streams/window_nodes.hpp"

#include <algorithm>

#include "streams/windows.hpp"

namespace kafka::detail {
namespace {

constexpr int64_t kNothingEmitted = INT64_MIN;
// Windows are closed this many at a time, so a store larger than memory never lists all it holds.
constexpr size_t kCloseBatch = 4096;

std::string time_row(const Json& key, int64_t start) {
  return std::to_string(start) + "|" + key.dump();
}

// Inserts [t, value] after the records with timestamps <= t (arrival order among equals).
void insert_sorted(Json& records, int64_t t, Json value) {
  auto& arr = records.get_ref<Json::array_t&>();
  auto at = std::upper_bound(arr.begin(), arr.end(), t,
                             [](int64_t x, const Json& r) { return x < r[0].get<int64_t>(); });
  arr.insert(at, Json::array({t, std::move(value)}));
}

std::vector<int64_t> timestamps_of(const Json& records) {
  std::vector<int64_t> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(r[0].get<int64_t>());
  return out;
}

int64_t max_time_in(const Json& records, int64_t start, int64_t end) {
  int64_t t = start;
  for (const auto& r : records) {
    const int64_t x = r[0].get<int64_t>();
    if (x >= start && x <= end) t = std::max(t, x);
  }
  return t;
}

}  // namespace

void WindowNode::emit(Context& ctx, const Json& key, int64_t start, int64_t end, Json value,
                      int64_t time) {
  Json result = {{"start", start}, {"end", end}, {"value", std::move(value)}};
  forward(ctx, StreamRecord{key, std::move(result), time, {}});
}

Json WindowNode::fold(const Json& key, const Json& records, int64_t start, int64_t end) const {
  Json acc = aggregation_.initial;
  for (const auto& r : records) {
    const int64_t t = r[0].get<int64_t>();
    if (t >= start && t <= end) acc = aggregation_.add(key, r[1], acc);
  }
  return acc;
}

// ---- tumbling and hopping ----

void TimeWindowNode::process(Context& ctx, StreamRecord record, int) {
  bool accepted = false;
  if (advance_ == size_) {  // tumbling: the one window holding the record
    accepted = add(ctx, record, record.timestamp - record.timestamp % size_);
  } else {
    for (const int64_t start : time_window_starts(record.timestamp, size_, advance_)) {
      accepted = add(ctx, record, start) || accepted;
    }
  }
  if (!accepted) ctx.late();
}

bool TimeWindowNode::add(Context& ctx, const StreamRecord& record, int64_t start) {
  const int64_t end = start + size_;
  if (end + grace_ <= ctx.stream_time) return false;  // closed: Kafka's `end > stream_time - grace`
  const std::string row = time_row(record.key, start);
  Json* stored = store_->update(row);
  if (stored) {
    (*stored)[0] = aggregation_.add(record.key, record.value, (*stored)[0]);
    if (record.timestamp > (*stored)[1].get<int64_t>()) (*stored)[1] = record.timestamp;
  } else {
    stored = &store_->put(
        row, Json::array({aggregation_.add(record.key, record.value, aggregation_.initial),
                          record.timestamp}));
    store_->set_due(row, end + grace_);
  }
  if (updates_) emit(ctx, record.key, start, end, (*stored)[0], (*stored)[1].get<int64_t>());
  return true;
}

std::vector<Window> TimeWindowNode::open_windows(const Json& key, int64_t from, int64_t to) const {
  std::vector<Window> out;
  from = std::max<int64_t>(from, 0);
  if (to < from) return out;
  auto time = [](int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); };
  if ((to - from) / advance_ <= int64_t(kCloseBatch)) {
    // Window starts are multiples of the advance: one lookup per start in the range.
    for (int64_t start = (from + advance_ - 1) / advance_ * advance_; start <= to;
         start += advance_) {
      if (const Json* value = store_->get(time_row(key, start))) {
        out.emplace_back(key, (*value)[0], time(start), time(start + size_));
      }
    }
    return out;
  }
  // A range of more possible starts than the store may hold windows: one scan.
  const std::string suffix = "|" + key.dump();
  std::vector<std::pair<int64_t, Json>> found;
  store_->for_each([&](const std::string& row, const Json& value) {
    if (!row.ends_with(suffix) || row.size() - suffix.size() != row.find('|')) return;
    const int64_t start = std::stoll(row.substr(0, row.find('|')));
    if (start >= from && start <= to) found.emplace_back(start, value[0]);
  });
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [start, value] : found) {
    out.emplace_back(key, std::move(value), time(start), time(start + size_));
  }
  return out;
}

void TimeWindowNode::close(Context& ctx, const std::string& row) {
  const Json* value = store_->get(row);
  if (!value) return;
  if (!updates_) {
    const auto bar = row.find('|');
    const int64_t start = std::stoll(row.substr(0, bar));
    emit(ctx, Json::parse(row.substr(bar + 1)), start, start + size_, (*value)[0],
         (*value)[1].get<int64_t>());
  }
  store_->erase(row);
}

void TimeWindowNode::advance(Context& ctx) {
  while (true) {
    const auto due = store_->take_due(ctx.stream_time, kCloseBatch);
    for (const auto& row : due) close(ctx, row);
    if (due.size() < kCloseBatch) break;
  }
}

void TimeWindowNode::flush(Context& ctx) {
  while (true) {
    const auto due = store_->take_due(INT64_MAX, kCloseBatch);
    for (const auto& row : due) close(ctx, row);
    if (due.size() < kCloseBatch) break;
  }
}

void TimeWindowNode::restored_row(const std::string& row) {
  std::optional<int64_t> due;
  if (store_->get(row)) due = std::stoll(row.substr(0, row.find('|'))) + size_ + grace_;
  store_->set_due(row, due);
}

// ---- windows closed per key ----

void KeyedWindowNode::advance(Context& ctx) {
  while (true) {
    const auto due = store_->take_due(ctx.stream_time, kCloseBatch);
    for (const auto& row : due) close(ctx, row, ctx.stream_time);
    if (due.size() < kCloseBatch) break;
  }
}

void KeyedWindowNode::flush(Context& ctx) {
  std::vector<std::string> rows;
  store_->for_each([&](const std::string& row, const Json&) { rows.push_back(row); });
  for (const auto& row : rows) close(ctx, row, std::nullopt);
}

// ---- sliding ----
// size_ is the time difference. A window [s, e] closes when stream time > e + grace.

void SlidingWindowNode::process(Context& ctx, StreamRecord record, int) {
  const std::string row = record.key.dump();
  const Json* current = store_->get(row);
  const int64_t emitted =
      current && !(*current)["e"].is_null() ? (*current)["e"].get<int64_t>() : kNothingEmitted;
  const int64_t t = record.timestamp;
  // Every window holding t ends by t + difference; late when all of those are closed.
  if (t + size_ <= emitted || t + size_ + grace_ < ctx.stream_time) {
    ctx.late();
    return;
  }
  Json state = current ? *current : Json{{"r", Json::array()}, {"e", nullptr}};
  insert_sorted(state["r"], t, std::move(record.value));
  const Json& stored = store_->put(row, std::move(state));
  if (updates_) {
    for (const auto& w : sliding_windows(timestamps_of(stored["r"]), size_)) {
      if (w.end <= emitted || w.start > t || w.end < t) continue;
      emit(ctx, record.key, w.start, w.end, fold(record.key, stored["r"], w.start, w.end),
           max_time_in(stored["r"], w.start, w.end));
    }
  }
  schedule(row);
}

void SlidingWindowNode::schedule(const std::string& row) {
  const Json* state = store_->get(row);
  if (!state) return store_->set_due(row, std::nullopt);
  const int64_t emitted = (*state)["e"].is_null() ? kNothingEmitted : (*state)["e"].get<int64_t>();
  std::optional<int64_t> due;
  for (const auto& w : sliding_windows(timestamps_of((*state)["r"]), size_)) {
    if (w.end > emitted) {
      due = w.end + grace_ + 1;  // windows come ordered by end: the first open one closes first
      break;
    }
  }
  store_->set_due(row, due);
}

void SlidingWindowNode::close(Context& ctx, const std::string& row, std::optional<int64_t> now) {
  // A window [s, e] has closed once stream time > e + grace.
  const int64_t up_to = now ? *now - grace_ - 1 : INT64_MAX;
  const Json* current = store_->get(row);
  if (!current) return;
  Json state = *current;
  const Json key = Json::parse(row);
  int64_t emitted = state["e"].is_null() ? kNothingEmitted : state["e"].get<int64_t>();
  for (const auto& w : sliding_windows(timestamps_of(state["r"]), size_)) {
    if (w.end <= emitted || w.end > up_to) continue;
    if (!updates_) {
      emit(ctx, key, w.start, w.end, fold(key, state["r"], w.start, w.end),
           max_time_in(state["r"], w.start, w.end));
    }
    emitted = w.end;
  }
  // A record at t is needed by windows ending up to t + 1 + difference (its right window).
  auto& records = state["r"].get_ref<Json::array_t&>();
  std::erase_if(records, [&](const Json& r) { return r[0].get<int64_t>() + 1 + size_ <= emitted; });
  if (records.empty()) {
    store_->erase(row);
    store_->set_due(row, std::nullopt);
    return;
  }
  state["e"] = emitted;
  store_->put(row, std::move(state));
  schedule(row);
}

// ---- sessions ----
// size_ is the gap. A session [start, end] takes records within gap of it (inclusive) and
// closes when stream time > end + gap + grace.

void SessionWindowNode::process(Context& ctx, StreamRecord record, int) {
  const std::string row = record.key.dump();
  const Json* current = store_->get(row);
  const int64_t t = record.timestamp;
  int64_t start = t, end = t;
  Json records = Json::array();
  Json kept = Json::array();
  if (current) {
    for (const auto& s : (*current)["s"]) {
      const int64_t s_start = s[0].get<int64_t>(), s_end = s[1].get<int64_t>();
      if (s_end >= t - size_ && s_start <= t + size_) {
        start = std::min(start, s_start);
        end = std::max(end, s_end);
        for (const auto& r : s[2]) insert_sorted(records, r[0].get<int64_t>(), r[1]);
      } else {
        kept.push_back(s);
      }
    }
  }
  if (end + grace_ < ctx.stream_time) {  // Kafka: the merged session ends before close time
    ctx.late();
    return;
  }
  insert_sorted(records, t, std::move(record.value));  // after earlier records of its time
  Json& ordered = records;
  Json value = updates_ ? fold(record.key, ordered, start, end) : Json();
  Json session = Json::array({start, end, std::move(ordered)});
  auto& list = kept.get_ref<Json::array_t&>();
  auto at = std::upper_bound(list.begin(), list.end(), start,
                             [](int64_t x, const Json& s) { return x < s[0].get<int64_t>(); });
  list.insert(at, std::move(session));
  store_->put(row, Json{{"s", std::move(kept)}});
  if (updates_) emit(ctx, record.key, start, end, std::move(value), end);
  schedule(row);
}

void SessionWindowNode::schedule(const std::string& row) {
  const Json* state = store_->get(row);
  std::optional<int64_t> due;
  if (state) {
    for (const auto& s : (*state)["s"]) {
      const int64_t close = s[1].get<int64_t>() + size_ + grace_ + 1;
      due = due ? std::min(*due, close) : close;
    }
  }
  store_->set_due(row, due);
}

void SessionWindowNode::close(Context& ctx, const std::string& row, std::optional<int64_t> now) {
  const Json* current = store_->get(row);
  if (!current) return;
  const Json key = Json::parse(row);
  Json kept = Json::array();
  for (const auto& s : (*current)["s"]) {
    const int64_t start = s[0].get<int64_t>(), end = s[1].get<int64_t>();
    if (now && end + size_ + grace_ >= *now) {
      kept.push_back(s);
      continue;
    }
    if (!updates_) emit(ctx, key, start, end, fold(key, s[2], start, end), end);
  }
  if (kept.empty()) {
    store_->erase(row);
  } else {
    store_->put(row, Json{{"s", std::move(kept)}});
  }
  schedule(row);
}

}  // namespace kafka::detail
