#pragma once
// Where internal error codes become kafka::Error exceptions (the SDK surface).

#include <memory>
#include <string>

#include "base/result.hpp"
#include "kafka_do/error.hpp"
#include "model/error_code.hpp"

namespace kafka_do::client {

// What a not_found error is about, so it maps to the right exception.
enum class Subject { topic, partition, group, other };

[[noreturn]] void throw_error(const Error& error, Subject subject = Subject::other);
// Throws unless `code` is none; the message gets Kafka's name of the code appended.
void throw_if_error(model::ErrorCode code, const std::string& what);
// The kafka::Error for a Kafka error code (for delivery reports and async callbacks).
std::shared_ptr<const kafka::Error> make_error(model::ErrorCode code, const std::string& what);
std::shared_ptr<const kafka::Error> make_error(const Error& error,
                                               Subject subject = Subject::other);
// A copy of `e` that keeps its most specific type.
std::shared_ptr<const kafka::Error> clone_error(const kafka::Error& e);
// The same, with fatal() set (librdkafka said the producer or consumer is unusable).
std::shared_ptr<const kafka::Error> as_fatal(const kafka::Error& e);
// Throws a copy of `e` as its most specific type, so `catch (kafka::TopicNotFoundError&)` works.
[[noreturn]] void throw_concrete(const std::shared_ptr<const kafka::Error>& e);

template <typename T>
T value_or_throw(Result<T> result, Subject subject = Subject::other) {
  if (!result) throw_error(result.error(), subject);
  return std::move(result).value();
}
inline void check(const Status& status, Subject subject = Subject::other) {
  if (!status) throw_error(status.error(), subject);
}

}  // namespace kafka_do::client
