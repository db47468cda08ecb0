#pragma once
// kafka::Error and the seed's exception hierarchy. Every SDK call that fails throws one of these;
// nothing else escapes the SDK (standard exceptions from user callbacks pass through untouched).
//
//   code()      Kafka's numeric error code (e.g. 3 for UNKNOWN_TOPIC_OR_PARTITION), or -1 when
//               the failure has no Kafka code (kafka::ErrorCode::unknown).
//   retriable() true when repeating the same call may succeed (timeouts, rebalances, ...).

#include <cstdint>
#include <stdexcept>
#include <string>

namespace kafka {

// The Kafka error codes the SDK raises (values are Kafka's, see Errors.java).
enum class ErrorCode : int16_t {
  unknown = -1,
  none = 0,
  offset_out_of_range = 1,
  corrupt_message = 2,
  unknown_topic_or_partition = 3,
  not_leader_or_follower = 6,
  request_timed_out = 7,
  message_too_large = 10,
  network_exception = 13,
  coordinator_not_available = 15,
  not_coordinator = 16,
  invalid_topic = 17,
  record_list_too_large = 18,
  illegal_generation = 22,
  inconsistent_group_protocol = 23,
  invalid_group_id = 24,
  unknown_member_id = 25,
  invalid_session_timeout = 26,
  rebalance_in_progress = 27,
  topic_authorization_failed = 29,
  group_authorization_failed = 30,
  unsupported_version = 35,
  topic_already_exists = 36,
  invalid_partitions = 37,
  invalid_config = 40,
  invalid_request = 42,
  out_of_order_sequence_number = 45,
  invalid_producer_epoch = 47,
  invalid_txn_state = 48,
  concurrent_transactions = 51,
  kafka_storage_error = 56,
  sasl_authentication_failed = 58,
  non_empty_group = 68,
  group_id_not_found = 69,
  invalid_record = 87,
  throttling_quota_exceeded = 89,
  producer_fenced = 90,
};

// Kafka's name of a code ("UNKNOWN_TOPIC_OR_PARTITION"), as its documentation and tools spell it.
const char* error_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, bool retriable = false)
      : std::runtime_error(message), code_(code), retriable_(retriable) {}
  ErrorCode code() const noexcept { return code_; }
  int16_t code_value() const noexcept { return static_cast<int16_t>(code_); }
  bool retriable() const noexcept { return retriable_; }

 private:
  ErrorCode code_;
  bool retriable_;
};

// The topic does not exist (and auto-creation is off, or the call never creates).
class TopicNotFoundError : public Error {
 public:
  explicit TopicNotFoundError(const std::string& m)
      : Error(ErrorCode::unknown_topic_or_partition, m) {}
};
class PartitionNotFoundError : public Error {
 public:
  explicit PartitionNotFoundError(const std::string& m)
      : Error(ErrorCode::unknown_topic_or_partition, m) {}
};
// A record (or batch) is larger than the topic's max.message.bytes.
class MessageTooLargeError : public Error {
 public:
  explicit MessageTooLargeError(const std::string& m) : Error(ErrorCode::message_too_large, m) {}
};
class NotLeaderError : public Error {
 public:
  explicit NotLeaderError(const std::string& m)
      : Error(ErrorCode::not_leader_or_follower, m, true) {}
};
// An offset outside [log start, high watermark].
class OffsetOutOfRangeError : public Error {
 public:
  explicit OffsetOutOfRangeError(const std::string& m) : Error(ErrorCode::offset_out_of_range, m) {}
};
class GroupCoordinatorError : public Error {
 public:
  GroupCoordinatorError(ErrorCode code, const std::string& m, bool retriable = false)
      : Error(code, m, retriable) {}
};
// The consumer's group rebalanced under it (e.g. a commit for partitions it no longer owns).
class RebalanceInProgressError : public Error {
 public:
  explicit RebalanceInProgressError(const std::string& m)
      : Error(ErrorCode::rebalance_in_progress, m, true) {}
};
class UnauthorizedError : public Error {
 public:
  UnauthorizedError(ErrorCode code, const std::string& m) : Error(code, m) {}
};
// A bounded buffer is full (the async producer with buffer_full = fail).
class QuotaExceededError : public Error {
 public:
  explicit QuotaExceededError(const std::string& m)
      : Error(ErrorCode::throttling_quota_exceeded, m, true) {}
};
class TimeoutError : public Error {
 public:
  explicit TimeoutError(const std::string& m) : Error(ErrorCode::request_timed_out, m, true) {}
};
class DisconnectedError : public Error {
 public:
  explicit DisconnectedError(const std::string& m) : Error(ErrorCode::network_exception, m, true) {}
};
// A value that cannot be (de)serialized, e.g. a record whose bytes are not JSON when read as
// kafka::Json. The message names topic, partition and offset.
class SerializationError : public Error {
 public:
  explicit SerializationError(const std::string& m) : Error(ErrorCode::unknown, m) {}
};
// Bad options or arguments (unknown URL scheme, negative batch size, malformed duration...).
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& m) : Error(ErrorCode::invalid_config, m) {}
};
class TopicAlreadyExistsError : public Error {
 public:
  explicit TopicAlreadyExistsError(const std::string& m)
      : Error(ErrorCode::topic_already_exists, m) {}
};
// The log refused a well-formed record: a record without a key sent to a compacted topic
// (cleanup.policy=compact), which keeps only the latest record of each key.
class InvalidRecordError : public Error {
 public:
  explicit InvalidRecordError(const std::string& m) : Error(ErrorCode::invalid_record, m) {}
};

// Another producer with the same transactional id took over (or the coordinator aborted this
// producer's transaction after its timeout): this producer can no longer commit anything.
// Recreate the client to take the id back.
class ProducerFencedError : public Error {
 public:
  explicit ProducerFencedError(const std::string& m) : Error(ErrorCode::producer_fenced, m) {}
};

// A transaction could not commit (a record failed, or the coordinator refused it): it was
// aborted; nothing of it is visible to read_committed consumers. Retriable: run it again.
class TransactionAbortedError : public Error {
 public:
  explicit TransactionAbortedError(const std::string& m)
      : Error(ErrorCode::invalid_txn_state, m, /*retriable=*/true) {}
};

}  // namespace kafka
