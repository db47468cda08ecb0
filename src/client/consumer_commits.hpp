#pragma once
// What a consumer commits, computed once for both consumers (embedded and kafka://) from their
// per-partition state: any map TopicPartition -> State where State has `committed` (the group's
// offset as this member last set it), `consumed` (the offset after what the application moved
// past) and `finished` (FinishedOffsets).

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>

#include "client/finished_offsets.hpp"
#include "kafka_do/record.hpp"

namespace kafka_do::client {

using CommitOffsets = std::map<kafka::TopicPartition, int64_t>;

// Record::commit of the record before `next_offset`: the offset to commit when the partition's
// finished watermark moved past the committed offset.
template <typename State>
std::optional<int64_t> record_commit(State& state, int64_t next_offset) {
  auto watermark = state.finished.finish(next_offset - 1);
  if (watermark && *watermark > state.committed) return watermark;
  return std::nullopt;
}

// The application moved past `records`: each one's partition's consumed position goes past it
// (what commit() and auto-commit commit). Records of one partition usually come together, so
// the lookup is made once per run of them.
template <typename States>
void mark_consumed(States& states, std::span<const kafka::Record> records) {
  const kafka::Record* previous = nullptr;
  auto it = states.end();
  for (const auto& record : records) {
    if (previous == nullptr || record.partition() != previous->partition() ||
        record.topic() != previous->topic()) {
      it = states.find({record.topic(), record.partition()});
    }
    previous = &record;
    if (it == states.end()) continue;  // from an earlier assignment: nothing to track
    it->second.consumed = std::max(it->second.consumed, record.offset() + 1);
  }
}

// Marks `record` finished without committing (the parallel consumer).
template <typename States>
void finish_record(States& states, const kafka::Record& record) {
  auto it = states.find({record.topic(), record.partition()});
  if (it != states.end()) (void)it->second.finished.finish(record.offset());
}

// The finished watermarks past the committed offsets.
template <typename States>
CommitOffsets finished_to_commit(const States& states) {
  CommitOffsets out;
  for (const auto& [tp, state] : states) {
    if (state.finished.finished_watermark() > state.committed)
      out[tp] = state.finished.finished_watermark();
  }
  return out;
}

// What to commit before partitions move or the consumer closes: the finished watermarks, and
// with auto_commit what the application moved past.
template <typename States>
CommitOffsets handover_to_commit(const States& states, bool auto_commit) {
  CommitOffsets out;
  for (const auto& [tp, state] : states) {
    const int64_t next =
        std::max(auto_commit ? state.consumed : -1, state.finished.finished_watermark());
    if (next > state.committed) out[tp] = next;
  }
  return out;
}

}  // namespace kafka_do::client
