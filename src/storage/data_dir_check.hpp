#pragma once
// Offline verification of a data directory (`kafkado check`): reads every segment of every
// partition without changing anything and reports damage — a batch whose CRC or framing is bad,
// offsets that go backwards or overlap, a gap in a topic that is not compacted, a segment whose
// first batch does not start at its base offset, an offset index entry that does not point at the
// start of the batch it names. The formats are in docs/format/log_format.md and index_format.md.
//
// A torn tail of the newest segment (what a crash leaves, and what the next open truncates) is
// reported as such, not as damage.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/file_system.hpp"
#include "base/result.hpp"

namespace kafka_do::storage {

struct DataDirCheck {
  uint64_t topics = 0;
  uint64_t partitions = 0;
  uint64_t segments = 0;
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  // "topics/orders/0/00000000000000000000.log at byte 4096: CRC mismatch", one per problem.
  std::vector<std::string> damage;
  // Torn tails the next open will truncate (not damage: what kill -9 or power loss leaves).
  std::vector<std::string> torn_tails;
};

// Takes the directory's lock for the duration (Errc::locked when a broker or another process
// holds it), then checks everything under it.
Result<DataDirCheck> check_data_dir(fs::FileSystem& fs, const std::string& dir);

}  // namespace kafka_do::storage
