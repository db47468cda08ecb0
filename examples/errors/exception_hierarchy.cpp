// Seed README, "Error Handling / Exception Hierarchy": every error the SDK throws is a
// kafka::Error (itself a std::runtime_error), so one catch clause can handle them all, and a
// specific subclass can be caught first when it needs its own handling.

#include <functional>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// Checked by the compiler: the hierarchy is part of the API, not a runtime accident.
template <typename... Errors>
constexpr bool all_are_kafka_errors = (std::is_base_of_v<kafka::Error, Errors> && ...);
static_assert(all_are_kafka_errors<
              kafka::TopicNotFoundError, kafka::PartitionNotFoundError, kafka::MessageTooLargeError,
              kafka::NotLeaderError, kafka::OffsetOutOfRangeError, kafka::GroupCoordinatorError,
              kafka::RebalanceInProgressError, kafka::UnauthorizedError, kafka::QuotaExceededError,
              kafka::TimeoutError, kafka::DisconnectedError, kafka::SerializationError,
              kafka::ConfigError, kafka::TopicAlreadyExistsError>);
static_assert(std::is_base_of_v<std::runtime_error, kafka::Error>);

using kafka::ErrorCode;

// One example of each class, thrown as the SDK would throw it.
std::vector<std::pair<const char*, std::function<void()>>> examples_of_each_error() {
  return {
      {"TopicNotFoundError", [] { throw kafka::TopicNotFoundError("topic 'x' does not exist"); }},
      {"PartitionNotFoundError", [] { throw kafka::PartitionNotFoundError("no partition 7"); }},
      {"MessageTooLargeError", [] { throw kafka::MessageTooLargeError("record over 1 MiB"); }},
      {"NotLeaderError", [] { throw kafka::NotLeaderError("leadership moved"); }},
      {"OffsetOutOfRangeError", [] { throw kafka::OffsetOutOfRangeError("offset 99 > end 10"); }},
      {"GroupCoordinatorError",
       [] { throw kafka::GroupCoordinatorError(ErrorCode::non_empty_group, "group has members"); }},
      {"RebalanceInProgressError", [] { throw kafka::RebalanceInProgressError("rebalancing"); }},
      {"UnauthorizedError",
       [] { throw kafka::UnauthorizedError(ErrorCode::topic_authorization_failed, "denied"); }},
      {"QuotaExceededError", [] { throw kafka::QuotaExceededError("buffer full"); }},
      {"TimeoutError", [] { throw kafka::TimeoutError("no answer within 30 s"); }},
      {"DisconnectedError", [] { throw kafka::DisconnectedError("connection reset"); }},
      {"SerializationError", [] { throw kafka::SerializationError("orders/0@5: not JSON"); }},
      // Not in the seed's list, thrown by the C++ SDK too:
      {"ConfigError", [] { throw kafka::ConfigError("batch_size must be positive"); }},
      {"TopicAlreadyExistsError", [] { throw kafka::TopicAlreadyExistsError("orders exists"); }},
  };
}

}  // namespace

int main() {
  std::cout << "kafka::Error  (base class, a std::runtime_error)\n";
  const auto errors = examples_of_each_error();
  int caught = 0;
  for (const auto& [name, raise] : errors) {
    try {
      raise();
    } catch (const kafka::Error& e) {  // every one of them lands here
      std::cout << "  kafka::" << name << "  code " << e.code_value()
                << (e.retriable() ? ", retriable" : "") << "  (\"" << e.what() << "\")\n";
      ++caught;
    }
  }
  std::cout << caught << " of " << errors.size() << " error classes caught as kafka::Error\n";
  return caught == int(errors.size()) ? 0 : 1;
}
