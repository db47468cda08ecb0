#pragma once
// Constants of a partition's on-disk files. Prose spec: docs/format/log_format.md (segments) and
// docs/format/index_format.md (indexes). Persisted: never change a value without a format bump.
//
//   <partition dir>/<base offset, 20 digits>.log        record batches v2, back to back
//   <partition dir>/<base offset, 20 digits>.index      sparse offset index, 8-byte entries:
//                                                         u32 relative offset, u32 file position
//   <partition dir>/<base offset, 20 digits>.timeindex  time index, 12-byte entries:
//                                                         i64 max timestamp of every batch before
//                                                         this one, u32 relative offset
//   <partition dir>/<base offset, 20 digits>.txnindex   aborted transactions whose abort marker
//                                                         is in that segment, 34-byte entries
//                                                         (txn_index.hpp)
//   <partition dir>/log-start-offset                    decimal text; absent = first segment base
//   <partition dir>/<base offset, 20 digits>.producers  idempotent producers' state as of the
//                                                         start of that segment (latest only)
//   <partition dir>/cleaner-checkpoint                  decimal text: first offset the cleaner
//                                                         has not indexed (compacted topics)
//   <partition dir>/<base>.cleaned                      a cleaned log being written (discarded
//                                                         by recovery)
//   <partition dir>/<base>.<end>.swap                   a cleaned log replacing the segments
//                                                         with bases in [base, end); recovery
//                                                         completes the swap
// The cleaning protocol: docs/format/compaction.md.
// All integers big-endian.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kafka_do::storage::segment_format {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
inline constexpr std::string_view kTxnIndexSuffix = ".txnindex";
inline constexpr std::string_view kLogStartOffsetFile = "log-start-offset";
inline constexpr std::string_view kProducerSnapshotSuffix = ".producers";
inline constexpr std::string_view kCleanerCheckpointFile = "cleaner-checkpoint";
inline constexpr std::string_view kCleanedSuffix = ".cleaned";
inline constexpr std::string_view kSwapSuffix = ".swap";
inline constexpr int kOffsetDigits = 20;

inline constexpr size_t kOffsetEntrySize = 8;
inline constexpr size_t kTimeEntrySize = 12;

// "00000000000000000042" for 42.
std::string file_stem(int64_t base_offset);
// Parses a "<20 digits><suffix>" name; returns -1 when the name is not one.
int64_t parse_file_name(std::string_view name, std::string_view suffix);
// "<base>.<end>.swap" and back; parse returns false when the name is not one.
std::string swap_file_name(int64_t base, int64_t end);
bool parse_swap_file_name(std::string_view name, int64_t* base, int64_t* end);

}  // namespace kafka_do::storage::segment_format
