#pragma once
// What flows through kafka-do: Headers, Message (what a producer sends), SendOptions, Record (what
// a consumer receives, with commit()).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_do/error.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/json_view.hpp"

namespace kafka {

// One record header. Kafka allows repeated keys, so Headers keeps order and duplicates.
struct Header {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

class Headers : public std::vector<Header> {
 public:
  using std::vector<Header>::vector;
  // The value of the first header named `key`, if any (nullopt also for a null value).
  std::optional<std::string> get(std::string_view key) const {
    for (const auto& h : *this) {
      if (h.key == key) return h.value;
    }
    return std::nullopt;
  }
};

// Per-send options: `p.send(value, {.key = "customer-456", .headers = {{"k", "v"}}})`.
struct SendOptions {
  std::optional<std::string> key;  // partitions by murmur2(key) unless .partition is set
  Headers headers;
  std::optional<int32_t> partition;  // explicit partition; overrides the key
  std::optional<std::chrono::system_clock::time_point> timestamp;  // default: now
};

// A record key in a Message. Its own type (not std::string) so that a braced JSON object such as
// {{"order_id", "124"}} can never be mistaken for a Message: send_batch's two forms stay
// unambiguous.
class Key {
 public:
  Key(std::string key) : key_(std::move(key)) {}  // NOLINT: implicit by design
  Key(const char* key) : key_(key) {}             // NOLINT
  const std::string& str() const { return key_; }
  bool operator==(const Key&) const = default;

 private:
  std::string key_;
};

// A record to send in a batch: `kafka::Message{.key = "cust-1", .value = {{"order_id", "124"}}}`.
struct Message {
  std::optional<Key> key;
  Json value;
  Headers headers;
  std::optional<int32_t> partition;
};

namespace detail {
// Bytes that records view, freed with the last record (or other owner) that holds them.
using SharedBytes = std::shared_ptr<const void>;

// Where Record::commit goes: the consumer that produced the record. Implemented in src/client.
class CommitSink {
 public:
  virtual ~CommitSink() = default;
  // Commits `next_offset` (the record's offset + 1) for the partition; throws kafka::Error.
  virtual void commit(const std::string& topic, int32_t partition, int64_t next_offset) = 0;
};

// What the records of one fetch share: their bytes and the consumer they commit to, behind one
// reference count (a record copy costs one atomic increment, not two).
struct RecordSource {
  std::string bytes;
  std::shared_ptr<CommitSink> sink;
};
}  // namespace detail

// A consumed record. Cheap to move and to copy (copies share the immutable bytes, nothing
// mutable). commit() and commit_async()
// are safe to call from any thread, also after the loop that produced the record moved on.
class Record {
 public:
  Record() = default;
  // A record that owns its key and value (tests, MockClient, the C API).
  Record(std::string topic, int32_t partition, int64_t offset,
         std::chrono::system_clock::time_point timestamp, std::optional<std::string> key,
         std::optional<std::string> value, Headers headers,
         std::shared_ptr<detail::CommitSink> sink = nullptr);
  // A record whose key and value view `bytes`, which it keeps alive, and which keeps `sink`
  // alive (a detail::RecordSource): what consumers hand out, one buffer shared by the records of
  // a fetched batch (or of one poll), so that no record copies its bytes. Holding one record
  // holds that buffer.
  Record(detail::SharedBytes bytes, std::string topic, int32_t partition, int64_t offset,
         std::chrono::system_clock::time_point timestamp, std::optional<std::string_view> key,
         std::optional<std::string_view> value, Headers headers, detail::CommitSink* sink)
      : topic_(std::move(topic)),
        partition_(partition),
        offset_(offset),
        timestamp_(timestamp),
        bytes_(std::move(bytes)),
        key_(key.value_or(std::string_view())),
        value_(value.value_or(std::string_view())),
        has_key_(key.has_value()),
        has_value_(value.has_value()),
        headers_(std::move(headers)),
        sink_(sink) {}

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  int64_t offset() const { return offset_; }
  std::chrono::system_clock::time_point timestamp() const { return timestamp_; }
  const Headers& headers() const { return headers_; }

  // The key as text; empty for a null key (see has_key()).
  std::string_view key() const { return key_; }
  bool has_key() const { return has_key_; }

  // The value parsed as JSON (a null value gives a JSON null). Throws kafka::SerializationError,
  // naming topic, partition and offset, when the bytes are not JSON. Parsed once, on first use;
  // like any lazily filled cache, one Record object must not be read from two threads at once
  // (copies are independent).
  const Json& value() const;
  // The value parsed afresh, not cached (for a caller that keeps the result, so the record need
  // not hold a second copy); throws as value() does.
  Json parse_value() const;
  // The value converted to T through nlohmann's from_json; SerializationError on failure.
  template <typename T>
  T value() const {
    try {
      return value().get<T>();
    } catch (const Json::exception& e) {
      throw SerializationError(describe() + ": value does not convert: " + e.what());
    }
  }
  // The value read in place as JSON, without building a Json (kafka/json_view.hpp): the fast way
  // to read a few fields of each record. A null value gives a JSON null. Valid while this
  // record (or a copy) lives.
  JsonView json() const { return has_value_ ? JsonView(value_) : JsonView("null"); }
  // The value's bytes, untouched; empty for a null value (see has_value()).
  std::string_view raw_value() const { return value_; }
  bool has_value() const { return has_value_; }

  // "I am done with this record." The partition's committed offset advances to the contiguous
  // low watermark of finished records: past this record once every record the consumer handed
  // out before it is committed (or covered by a commit by position: Consumer::commit,
  // Batch::commit) too. Commits from any thread, in any order, are therefore safe: committing
  // offset 10 while offset 5 is still being processed commits nothing past 5, and a crash
  // redelivers 5, never skips it. Sequential code that commits every record sees Kafka's usual
  // behaviour. To commit up to a record without finishing each one before it, commit by
  // position (Consumer::commit({{partition, offset + 1}})). Throws kafka::Error
  // (RebalanceInProgressError when the partition moved to another member).
  void commit() const;
  // commit() reporting to a callback instead of throwing: `done` (optional) gets nullptr on
  // success or the error. Every backend completes the commit before this returns (one local
  // append, or one round trip on kafka://), so `done` runs on the calling thread.
  void commit_async(std::function<void(const Error*)> done = nullptr) const;

  // "topic/partition@offset", for messages.
  std::string describe() const {
    return topic_ + "/" + std::to_string(partition_) + "@" + std::to_string(offset_);
  }

 private:
  friend class Transaction;  // commit_consumed: the consumer that returned the record
  std::string topic_;
  int32_t partition_ = 0;
  int64_t offset_ = 0;
  std::chrono::system_clock::time_point timestamp_{};
  detail::SharedBytes bytes_;  // what key_ and value_ view
  std::string_view key_;
  std::string_view value_;
  bool has_key_ = false;
  bool has_value_ = false;
  Headers headers_;
  detail::CommitSink* sink_ = nullptr;  // kept alive by bytes_
  mutable std::optional<Json> parsed_;
};

}  // namespace kafka
