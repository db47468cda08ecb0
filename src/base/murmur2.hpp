#pragma once
// Kafka's default partitioner hash: 32-bit murmur2 with seed 0x9747b28c, exactly as the Java
// client's Utils.murmur2, so a key lands on the same partition whichever client wrote it.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kafka_do {

int32_t murmur2(const void* data, size_t size);

// The partition the Java client picks for a keyed record: toPositive(murmur2(key)) % partitions.
// REQUIRES: partitions > 0.
int32_t partition_for_key(std::string_view key, int32_t partitions);

}  // namespace kafka_do
