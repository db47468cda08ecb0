#pragma once
// Error codes inside kafka-do: every fallible internal call returns Result<T> (or Status), never
// throws. The SDK converts failures into kafka::Error at its surface (src/client).
// Member names follow std::expected so the type can be swapped for it once C++23 is available.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace kafka_do {

// Generic failure kinds. Layers with Kafka knowledge map these to Kafka error codes.
enum class Errc {
  ok = 0,
  io_error,          // the OS refused a read/write/sync; message has errno text
  corruption,        // bytes on disk or on the wire fail a length or checksum check
  not_found,         // topic, partition, group, file… does not exist
  already_exists,    // create of something that exists
  invalid_argument,  // caller passed something malformed (bad topic name, bad config)
  locked,            // resource held by another process (data dir lock)
  too_large,         // record/batch/frame over a configured limit
  out_of_range,      // offset outside [log start, high watermark]
  closed,            // object was closed or is shutting down
  timeout,           // a bounded wait expired; the effect may or may not have happened
  unsupported,       // valid request for a feature or codec we do not implement
  busy,              // refused because of current state (e.g. group has active members)
  out_of_sequence,   // an idempotent producer's batch is not the next one in its sequence
  fenced,            // a producer with a newer epoch has taken over this producer id
  invalid_record,    // a well-formed record the log refuses (no key for a compacted topic)
};

const char* errc_name(Errc code);

// A failure: a code plus a human-readable message naming what failed.
class Error {
 public:
  Error(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Errc code_;
  std::string message_;
};

// Tag wrapper that makes `return unexpected(Errc::x, "...")` read like std::unexpected.
inline Error unexpected(Errc code, std::string message) { return Error(code, std::move(message)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose, like std::expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{Errc::ok, {}};
  bool ok_ = true;
};

using Status = Result<void>;

// Where an error is dropped on purpose, say so: makes silent swallowing searchable.
template <typename T>
void ignore_error(const Result<T>&) {}

}  // namespace kafka_do

// Propagates a failed Result/Status out of the enclosing function.
#define KD_TRY(expr)                                    \
  do {                                                  \
    auto kd_try_status_ = (expr);                       \
    if (!kd_try_status_) return kd_try_status_.error(); \
  } while (0)

// KD_ASSIGN(auto x, expr): binds the value of a Result or returns its error.
#define KD_CONCAT_INNER(a, b) a##b
#define KD_CONCAT(a, b) KD_CONCAT_INNER(a, b)
#define KD_ASSIGN(decl, expr) KD_ASSIGN_IMPL(KD_CONCAT(kd_result_, __LINE__), decl, expr)
#define KD_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                    \
  if (!tmp) return tmp.error();         \
  decl = std::move(tmp).value()
