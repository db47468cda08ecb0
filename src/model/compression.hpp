#pragma once
// Compression codecs of Kafka record batches. The enumerator values are the batch attribute bits
// 0-2 and are part of the on-disk and wire format: never renumber them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace kafka_do::model {

enum class Compression : uint8_t {
  none = 0,
  gzip = 1,
  snappy = 2,
  lz4 = 3,
  zstd = 4,
};

const char* compression_name(Compression codec);
// Accepts Kafka's names ("none", "gzip", "snappy", "lz4", "zstd"); "uncompressed"/"producer"
// are topic-level names that mean "keep what the producer sent" and map to none here.
std::optional<Compression> compression_from_name(std::string_view name);

// Compresses `input` as one stream in the codec's Kafka framing (gzip stream, raw snappy block,
// LZ4 frame, zstd frame).
Result<std::string> compress(Compression codec, std::string_view input);

// Decompresses one stream. Accepts raw snappy and the xerial framing Java clients write.
// Refuses (Errc::too_large) output beyond max_output bytes, so a small hostile input cannot
// expand without bound.
Result<std::string> decompress(Compression codec, std::string_view input, size_t max_output);

}  // namespace kafka_do::model
