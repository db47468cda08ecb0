// Fuzz target: one record batch (v2) as a Produce request carries it in `records`.
//
// Input: one flags byte, then the batch. A fuzzer rarely guesses a CRC-32C, so the flags let it
// repair what would otherwise stop every input at the first check and reach the record parser:
//   bit 0: recompute the CRC        bit 1: set batch_length to the bytes given
//   bit 2: store as a LogAppendTime topic would (rewrites max_timestamp and the CRC)
// Then record_batch_check.hpp: validate_batch (header, length, CRC, records), and for a valid
// batch what the log and the read path do with it, with the properties tying them together.

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/coding.hpp"
#include "base/crc32c.hpp"
#include "fuzz/record_batch_check.hpp"
#include "model/record_batch_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kafka_do;
  using namespace kafka_do::model::batch_format;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string batch(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((flags & 2) && batch.size() >= kLengthPos + 4) {
    put_be32(batch.data() + kLengthPos, uint32_t(batch.size() - kLogOverhead));
  }
  if ((flags & 1) && batch.size() >= kHeaderSize) {
    put_be32(batch.data() + kCrcPos,
             crc32c(batch.data() + kCrcCoveredFrom, batch.size() - kCrcCoveredFrom));
  }
  fuzz::check_record_batch(batch, {.log_append_time = (flags & 4) != 0});
  return 0;
}
