#pragma once
// The aborted-transaction index of one segment (Kafka's .txnindex): one entry per transaction
// aborted by a marker in that segment, so that a read_committed fetch can tell its consumer which
// producers' batches to drop without scanning the log. Entries are appended as abort markers are
// written; the active segment's file is rebuilt from its batches at recovery (a crash may cut an
// entry short or lose the last ones); a sealed segment's file is synced when it seals.
//
// File: <partition dir>/<base offset, 20 digits>.txnindex, 34-byte entries, big-endian (Kafka's
// layout): version i16 (0), producer id i64, first offset i64, last offset (the marker's) i64,
// last stable offset i64. docs/format/log_format.md.

#include <memory>
#include <string>
#include <vector>

#include "base/file_system.hpp"
#include "base/result.hpp"
#include "storage/producer_state.hpp"

namespace kafka_do::storage::txn_index {

inline constexpr size_t kEntrySize = 34;

std::string encode(const std::vector<AbortedTxn>& entries);
// The whole entries of a file (a torn last entry is ignored); Errc::corruption for an entry of an
// unknown version.
Result<std::vector<AbortedTxn>> read(fs::FileSystem& fs, const std::string& path);
// Appends one entry (not synced: the segment's seal syncs it, recovery rebuilds the active one).
Status append(fs::FileSystem& fs, const std::string& path, const AbortedTxn& entry);

}  // namespace kafka_do::storage::txn_index
