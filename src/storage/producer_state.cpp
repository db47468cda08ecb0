#include "storage/producer_state.hpp"

#include <algorithm>
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
  if (header.base_sequence < 0) return std::optional<ProducerBatch>();  // no sequence to check
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

ProducerStateTable::Producer& ProducerStateTable::producer(int64_t id) {
  if (producers_.size() >= kMaxProducers && producers_.count(id) == 0) {
    // Forget the producer that wrote longest ago; never one with a transaction open (its
    // first offset holds the last stable offset, which must stay known).
    auto age = [](const Producer& p) {
      return std::pair(p.last_timestamp, p.batches.empty() ? -1 : p.batches.back().last_offset);
    };
    auto oldest = producers_.end();
    for (auto it = producers_.begin(); it != producers_.end(); ++it) {
      if (it->second.txn_first_offset >= 0) continue;
      if (oldest == producers_.end() || age(it->second) < age(oldest->second)) oldest = it;
    }
    if (oldest != producers_.end()) producers_.erase(oldest);
  }
  return producers_[id];
}

bool ProducerStateTable::record(const model::BatchHeader& header) {
  Producer& producer = this->producer(header.producer_id);
  if (header.producer_epoch != producer.epoch) {
    producer.epoch = header.producer_epoch;
    producer.batches.clear();
  }
  if (header.base_sequence >= 0) {
    producer.batches.push_back({.first_sequence = header.base_sequence,
                                .last_sequence = last_sequence(header),
                                .base_offset = header.base_offset,
                                .last_offset = header.last_offset()});
    if (producer.batches.size() > kRetainedBatches) producer.batches.pop_front();
  }
  producer.last_timestamp = std::max(producer.last_timestamp, header.max_timestamp);
  if (header.transactional() && producer.txn_first_offset < 0) {
    producer.txn_first_offset = header.base_offset;
    return true;
  }
  return false;
}

Status ProducerStateTable::check_marker(int64_t producer_id, int16_t epoch) const {
  auto it = producers_.find(producer_id);
  if (it != producers_.end() && epoch < it->second.epoch) {
    return Error(Errc::fenced, "transaction marker of producer " + std::to_string(producer_id) +
                                   " has epoch " + std::to_string(epoch) + ", older than " +
                                   std::to_string(it->second.epoch));
  }
  return {};
}

CompletedTxn ProducerStateTable::complete(int64_t producer_id, int16_t epoch, int64_t marker_offset,
                                          int64_t timestamp_ms) {
  Producer& producer = this->producer(producer_id);
  if (epoch > producer.epoch) {
    // A bumped epoch (the coordinator fenced the producer or timed its transaction out): the
    // next epoch starts its sequences over.
    producer.epoch = epoch;
    producer.batches.clear();
  }
  CompletedTxn out{.producer_id = producer_id,
                   .first_offset = producer.txn_first_offset,
                   .marker_offset = marker_offset};
  producer.txn_first_offset = -1;
  producer.last_timestamp = std::max(producer.last_timestamp, timestamp_ms);
  return out;
}

size_t ProducerStateTable::expire(int64_t now_ms, int64_t max_age_ms) {
  size_t expired = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    const Producer& p = it->second;
    if (p.txn_first_offset < 0 && p.last_timestamp >= 0 && now_ms - p.last_timestamp > max_age_ms) {
      it = producers_.erase(it);
      ++expired;
    } else {
      ++it;
    }
  }
  return expired;
}

std::vector<int64_t> ProducerStateTable::open_transactions() const {
  std::vector<int64_t> out;
  for (const auto& [id, p] : producers_) {
    if (p.txn_first_offset >= 0) out.push_back(p.txn_first_offset);
  }
  return out;
}

namespace {
constexpr std::string_view kSnapshotMagic = "KDPS";
// Version 1 had no transaction fields; it is still read.
constexpr int8_t kSnapshotVersion = 2;
}  // namespace

// magic "KDPS", version i8 (2), producer count u32, then per producer: id i64, epoch i16, open
// transaction's first offset i64 (-1: none), last timestamp i64, batch count i8, per batch:
// first sequence i32, last sequence i32, base offset i64, last offset i64; finally the CRC-32C of
// everything before it (u32). Big-endian. Version 1 lacks the two transaction fields.
std::string ProducerStateTable::encode() const {
  std::string out;
  ByteWriter w(out);
  w.bytes(kSnapshotMagic);
  w.i8(kSnapshotVersion);
  w.u32(uint32_t(producers_.size()));
  for (const auto& [id, producer] : producers_) {
    w.i64(id);
    w.i16(producer.epoch);
    w.i64(producer.txn_first_offset);
    w.i64(producer.last_timestamp);
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
  const int8_t version = r.i8();
  if (body.substr(0, kSnapshotMagic.size()) != kSnapshotMagic || version < 1 ||
      version > kSnapshotVersion) {
    return corrupt("unknown format");
  }
  ProducerStateTable table;
  const uint32_t count = r.u32();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    const int64_t id = r.i64();
    Producer& producer = table.producers_[id];
    producer.epoch = r.i16();
    if (version >= 2) {
      producer.txn_first_offset = r.i64();
      producer.last_timestamp = r.i64();
    }
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
