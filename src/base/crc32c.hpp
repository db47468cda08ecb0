#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka record batches v2.
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise.

#include <cstddef>
#include <cstdint>

namespace kafka_do {

// Returns the CRC-32C of data, continuing from `crc` (pass the previous result to chain calls).
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

}  // namespace kafka_do
