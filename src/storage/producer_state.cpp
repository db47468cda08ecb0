#include "storage/producer_state.hpp"

#include <limits>
#include <string>

#include "base/coding.hpp"
#include "base/crc32c.hpp"

namespace kafka_do::storage {
namespace {

// Sequences wrap to 0 after INT32_MAX (Kafka's DefaultRecordBatch.incrementSequence).
int32_t add_sequence(int32_t sequence, int64_t increment) {
  const int64_t modulus = int64_t(std::numeric_limits<int32_t>::max()) + 1;
  return int32_t((int64_t(sequence) + increment) % modulus);
}

std::string producer_name(const model::BatchHeader& h) {
  return "producer " + std::to_string(h.producer_id) + " (epoch " +
         std::to_string(h.producer_epoch) + ")";
}

}  // namespace

int32_t ProducerStateTable::last_sequence(const model::BatchHeader& header) {
  return add_sequence(header.base_sequence, header.last_offset_delta);
}

Result<std::optional<ProducerBatch>> ProducerStateTable::check(
    const model::BatchHeader& header) const {
  auto it = producers_.find(header.producer_id);
  if (it == producers_.end()) return std::optional<ProducerBatch>();
  const Producer& producer = it->second;
  if (header.producer_epoch < producer.epoch) {
    return Error(Errc::fenced, producer_name(header) + " is fenced: epoch " +
                                   std::to_string(producer.epoch) + " has taken over");
  }
  if (header.producer_epoch > producer.epoch) {
    if (header.base_sequence != 0) {
      return Error(Errc::out_of_sequence,
                   producer_name(header) + " starts a new epoch at sequence " +
                       std::to_string(header.base_sequence) + " instead of 0");
    }
    return std::optional<ProducerBatch>();
  }
  const int32_t last = last_sequence(header);
  for (const ProducerBatch& batch : producer.batches) {
    if (batch.first_sequence == header.base_sequence && batch.last_sequence == last) {
      return std::optional<ProducerBatch>(batch);
    }
  }
  if (producer.batches.empty()) return std::optional<ProducerBatch>();
  const int32_t expected = add_sequence(producer.batches.back().last_sequence, 1);
  if (header.base_sequence != expected) {
    return Error(Errc::out_of_sequence, producer_name(header) + " sent sequence " +
                                            std::to_string(header.base_sequence) + ", expected " +
                                            std::to_string(expected));
  }
  return std::optional<ProducerBatch>();
}

void ProducerStateTable::record(const model::BatchHeader& header) {
  if (producers_.size() >= kMaxProducers && producers_.count(header.producer_id) == 0) {
    auto oldest = producers_.begin();
    for (auto it = producers_.begin(); it != producers_.end(); ++it) {
      if (it->second.batches.empty() ||
          (!oldest->second.batches.empty() &&
           it->second.batches.back().last_offset < oldest->second.batches.back().last_offset)) {
        oldest = it;
      }
      if (oldest->second.batches.empty()) break;
    }
    producers_.erase(oldest);
  }
  Producer& producer = producers_[header.producer_id];
  if (header.producer_epoch != producer.epoch) {
    producer.epoch = header.producer_epoch;
    producer.batches.clear();
  }
  producer.batches.push_back({.first_sequence = header.base_sequence,
                              .last_sequence = last_sequence(header),
                              .base_offset = header.base_offset,
                              .last_offset = header.last_offset()});
  if (producer.batches.size() > kRetainedBatches) producer.batches.pop_front();
}

namespace {
constexpr std::string_view kSnapshotMagic = "KDPS";
constexpr int8_t kSnapshotVersion = 1;
}  // namespace

// magic "KDPS", version i8, producer count u32, then per producer: id i64, epoch i16, batch
// count i8, per batch: first sequence i32, last sequence i32, base offset i64, last offset i64;
// finally the CRC-32C of everything before it (u32). Big-endian.
std::string ProducerStateTable::encode() const {
  std::string out;
  ByteWriter w(out);
  w.bytes(kSnapshotMagic);
  w.i8(kSnapshotVersion);
  w.u32(uint32_t(producers_.size()));
  for (const auto& [id, producer] : producers_) {
    w.i64(id);
    w.i16(producer.epoch);
    w.i8(int8_t(producer.batches.size()));
    for (const ProducerBatch& b : producer.batches) {
      w.i32(b.first_sequence);
      w.i32(b.last_sequence);
      w.i64(b.base_offset);
      w.i64(b.last_offset);
    }
  }
  w.u32(crc32c(out.data(), out.size()));
  return out;
}

Result<ProducerStateTable> ProducerStateTable::decode(std::string_view bytes) {
  auto corrupt = [](const std::string& why) {
    return Error(Errc::corruption, "producer state snapshot: " + why);
  };
  if (bytes.size() < kSnapshotMagic.size() + 1 + 4 + 4) return corrupt("truncated");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  ByteReader crc_reader(bytes.substr(bytes.size() - 4));
  if (crc_reader.u32() != crc32c(body.data(), body.size())) return corrupt("checksum mismatch");
  ByteReader r(body);
  r.skip(kSnapshotMagic.size());
  if (body.substr(0, kSnapshotMagic.size()) != kSnapshotMagic || r.i8() != kSnapshotVersion) {
    return corrupt("unknown format");
  }
  ProducerStateTable table;
  const uint32_t count = r.u32();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    const int64_t id = r.i64();
    Producer& producer = table.producers_[id];
    producer.epoch = r.i16();
    const int8_t batches = r.i8();
    if (batches < 0 || size_t(batches) > kRetainedBatches) return corrupt("bad batch count");
    for (int8_t b = 0; b < batches && r.ok(); ++b) {
      ProducerBatch batch;
      batch.first_sequence = r.i32();
      batch.last_sequence = r.i32();
      batch.base_offset = r.i64();
      batch.last_offset = r.i64();
      producer.batches.push_back(batch);
    }
  }
  if (!r.ok() || !r.empty()) return corrupt("malformed");
  return table;
}

}  // namespace kafka_do::storage
