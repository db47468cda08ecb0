#pragma once
// Records of the internal `__transaction_state` topic: one per change of a transactional id's
// state, keyed by the id, so the compacted partition keeps the latest state of each id and a
// tombstone forgets an expired one. Layout: docs/format/state_format.md. These bytes are
// persisted: never reorder a field or reuse a state number.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "coordinator/offset_record.hpp"

namespace kafka_do::coordinator {

// Kafka's TransactionState, with its numbering.
enum class TxnState : int8_t {
  empty = 0,
  ongoing = 1,
  prepare_commit = 2,
  prepare_abort = 3,
  complete_commit = 4,
  complete_abort = 5,
  dead = 6,
  prepare_epoch_fence = 7,
};
// Kafka's name of a state ("Empty", "Ongoing", "PrepareCommit", ...), as DescribeTransactions and
// ListTransactions report it.
std::string_view txn_state_name(TxnState state);
std::optional<TxnState> txn_state_from_name(std::string_view name);

struct TxnMetadata {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  // The epoch before the coordinator itself bumped it to abort a timed-out transaction (-1:
  // not bumped): the producer may still come back with it to get a new epoch (KIP-360).
  int16_t last_producer_epoch = -1;
  int32_t timeout_ms = 60000;
  TxnState state = TxnState::empty;
  std::set<TopicPartition> partitions;  // of the current (or last) transaction
  int64_t start_ms = -1;                // when the current transaction began
  int64_t last_update_ms = -1;
  bool operator==(const TxnMetadata&) const = default;
};

namespace transaction_record {

std::string encode_key(std::string_view transactional_id);
std::string encode_value(const TxnMetadata& metadata);
// Errors: corruption (short, trailing bytes), unsupported (an unknown version).
Result<std::string> decode_key(std::string_view key);
Result<TxnMetadata> decode_value(std::string transactional_id, std::string_view value);

}  // namespace transaction_record
}  // namespace kafka_do::coordinator
