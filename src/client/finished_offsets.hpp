#pragma once
// Where one partition's commit may go when the application finishes records in any order (worker
// threads, the parallel consumer): the offset after the longest run of finished records from the
// first one handed out, the contiguous low watermark. A commit of offset 10 while offset 5 is still
// being processed would lose 5 on a crash; the watermark stays at 5 until it is finished.
//
// Offsets the log does not hand out (transaction markers, compacted-away records, aborted
// records under read_committed) never get finished, so the gaps between handed-out offsets count
// as finished. Memory is one interval per run of finished records above the watermark, so it is
// bounded by the records in flight, not by how far the partition was read.
//
// Not thread-safe: the consumer that owns it locks around every call.

#include <cstdint>
#include <map>
#include <optional>

namespace kafka_do::client {

class FinishedOffsets {
 public:
  // A record handed to the application. Offsets increase; a lower one (the partition was
  // re-read from an earlier offset) starts over from it.
  void handed_out(int64_t offset);
  // The application finished `offset`. Returns the new watermark when it advanced; nullopt when
  // an earlier record is unfinished, or `offset` was not handed out since the last start.
  std::optional<int64_t> finish(int64_t offset);
  // Every offset below `offset` counts as finished (a commit by position: Consumer::commit, auto
  // commit, Batch::commit).
  void finished_below(int64_t offset);
  // The offset a commit may go to; -1 before the first record was handed out.
  int64_t watermark() const { return low_; }
  // The offset finish() moved the watermark to, or -1 when it never did (the application
  // commits some other way: by position, or in transactions the consumer does not see).
  int64_t finished_watermark() const { return finished_any_ ? low_ : -1; }

 private:
  void advance();  // folds an interval that starts at low_ into it

  int64_t low_ = -1;   // the first unfinished offset (== high_ when none is)
  int64_t high_ = -1;  // the offset after the last one handed out
  // Finished (or absent) offsets at or above low_: start -> end, disjoint, not adjacent.
  std::map<int64_t, int64_t> finished_;
  bool finished_any_ = false;  // finish() advanced the watermark since the last start
};

}  // namespace kafka_do::client
