#include "storage/producer_state.hpp"

#include <limits>
#include <string>

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

}  // namespace kafka_do::storage
