#pragma once
// kafka::Error and the seed's exception hierarchy. Every SDK call that fails throws one of these;
// nothing else escapes the SDK (standard exceptions from user callbacks pass through untouched).
//
//   code()      Kafka's numeric error code (e.g. 3 for UNKNOWN_TOPIC_OR_PARTITION), or -1 when
//               the failure has no better code (kafka::ErrorCode::unknown_server_error, Kafka's
//               catch-all).
//   retriable() true when repeating the same call may succeed (timeouts, rebalances, ...).
//   fatal()     true when the object that failed (a producer, a transaction, a consumer) can do
//               nothing more and must be recreated: a fenced transactional producer, or an error
//               librdkafka flags fatal (an idempotent producer that lost its sequence).
//               Neither flag set: the call failed for a reason that repeating it will not change
//               (a bad argument, a missing topic), but the object stays usable.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kafka_do/error_code.hpp"

namespace kafka {

namespace detail {
class ErrorFlags;  // sets fatal() on errors the SDK maps from librdkafka
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, bool retriable = false, bool fatal = false)
      : std::runtime_error(message), code_(code), retriable_(retriable), fatal_(fatal) {}
  ErrorCode code() const noexcept { return code_; }
  int16_t code_value() const noexcept { return static_cast<int16_t>(code_); }
  bool retriable() const noexcept { return retriable_; }
  bool fatal() const noexcept { return fatal_; }

 private:
  friend class detail::ErrorFlags;
  ErrorCode code_;
  bool retriable_;
  bool fatal_;
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
  explicit SerializationError(const std::string& m) : Error(ErrorCode::unknown_server_error, m) {}
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
  explicit ProducerFencedError(const std::string& m)
      : Error(ErrorCode::producer_fenced, m, /*retriable=*/false, /*fatal=*/true) {}
};

// A transaction could not commit (a record failed, or the coordinator refused it): it was
// aborted; nothing of it is visible to read_committed consumers. Retriable: run it again.
class TransactionAbortedError : public Error {
 public:
  explicit TransactionAbortedError(const std::string& m)
      : Error(ErrorCode::invalid_txn_state, m, /*retriable=*/true) {}
};

}  // namespace kafka
