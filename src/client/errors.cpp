#include "client/errors.hpp"

namespace kafka_do::client {
namespace {

// Returns the exception for an internal error, as a pointer to the most specific subclass.
std::shared_ptr<const kafka::Error> convert(const Error& error, Subject subject) {
  const std::string& m = error.message();
  switch (error.code()) {
    case Errc::not_found:
      if (subject == Subject::partition) return std::make_shared<kafka::PartitionNotFoundError>(m);
      if (subject == Subject::group) {
        return std::make_shared<kafka::GroupCoordinatorError>(kafka::ErrorCode::group_id_not_found,
                                                              m);
      }
      return std::make_shared<kafka::TopicNotFoundError>(m);
    case Errc::already_exists:
      return std::make_shared<kafka::TopicAlreadyExistsError>(m);
    case Errc::invalid_argument:
      return std::make_shared<kafka::ConfigError>(m);
    case Errc::too_large:
      return std::make_shared<kafka::MessageTooLargeError>(m);
    case Errc::out_of_range:
      return std::make_shared<kafka::OffsetOutOfRangeError>(m);
    case Errc::timeout:
      return std::make_shared<kafka::TimeoutError>(m);
    case Errc::busy:
      return std::make_shared<kafka::GroupCoordinatorError>(kafka::ErrorCode::non_empty_group, m);
    case Errc::corruption:
      return std::make_shared<kafka::Error>(kafka::ErrorCode::corrupt_message, m);
    case Errc::unsupported:
      return std::make_shared<kafka::Error>(kafka::ErrorCode::unsupported_version, m);
    case Errc::locked:
    case Errc::io_error:
      return std::make_shared<kafka::Error>(kafka::ErrorCode::kafka_storage_error, m);
    case Errc::closed:
      return std::make_shared<kafka::Error>(kafka::ErrorCode::unknown_server_error, m);
    case Errc::out_of_sequence:
      return std::make_shared<kafka::Error>(kafka::ErrorCode::out_of_order_sequence_number, m);
    case Errc::fenced:
      return std::make_shared<kafka::ProducerFencedError>(m);
    case Errc::invalid_record:
      return std::make_shared<kafka::InvalidRecordError>(m);
    case Errc::ok:
      break;
  }
  return std::make_shared<kafka::Error>(kafka::ErrorCode::unknown_server_error, m);
}

}  // namespace

namespace {
// Calls fn with `e` cast to its most specific kafka::Error subclass.
template <typename Fn>
decltype(auto) visit_error(const kafka::Error& e, Fn&& fn) {
  if (auto p = dynamic_cast<const kafka::TopicNotFoundError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::PartitionNotFoundError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::MessageTooLargeError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::NotLeaderError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::OffsetOutOfRangeError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::GroupCoordinatorError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::RebalanceInProgressError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::UnauthorizedError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::QuotaExceededError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::TimeoutError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::DisconnectedError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::SerializationError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::ConfigError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::TopicAlreadyExistsError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::InvalidRecordError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::ProducerFencedError*>(&e)) return fn(*p);
  if (auto p = dynamic_cast<const kafka::TransactionAbortedError*>(&e)) return fn(*p);
  return fn(e);
}
}  // namespace

std::shared_ptr<const kafka::Error> clone_error(const kafka::Error& e) {
  return visit_error(e, [](const auto& typed) -> std::shared_ptr<const kafka::Error> {
    return std::make_shared<std::decay_t<decltype(typed)>>(typed);
  });
}

}  // namespace kafka_do::client

namespace kafka::detail {
class ErrorFlags {
 public:
  static void set_fatal(Error& e) { e.fatal_ = true; }
};
}  // namespace kafka::detail

namespace kafka_do::client {

std::shared_ptr<const kafka::Error> as_fatal(const kafka::Error& e) {
  return visit_error(e, [](const auto& typed) -> std::shared_ptr<const kafka::Error> {
    auto copy = std::make_shared<std::decay_t<decltype(typed)>>(typed);
    kafka::detail::ErrorFlags::set_fatal(*copy);
    return copy;
  });
}

[[noreturn]] void throw_concrete(const std::shared_ptr<const kafka::Error>& e) {
  visit_error(*e, [](const auto& typed) { throw typed; });
  std::abort();  // unreachable: the visitor always throws
}

std::shared_ptr<const kafka::Error> make_error(const Error& error, Subject subject) {
  return convert(error, subject);
}

std::shared_ptr<const kafka::Error> make_error(model::ErrorCode code, const std::string& what) {
  const std::string m = what + " (" + model::error_name(code) + ")";
  using C = model::ErrorCode;
  switch (code) {
    case C::unknown_topic_or_partition:
      return std::make_shared<kafka::TopicNotFoundError>(m);
    case C::producer_fenced:
    case C::invalid_producer_epoch:
      return std::make_shared<kafka::ProducerFencedError>(m);
    case C::corrupt_message:  // what a broker answers for a keyless record to a compacted topic
    case C::invalid_record:
      return std::make_shared<kafka::InvalidRecordError>(m);
    case C::message_too_large:
    case C::record_list_too_large:
      return std::make_shared<kafka::MessageTooLargeError>(m);
    case C::offset_out_of_range:
      return std::make_shared<kafka::OffsetOutOfRangeError>(m);
    case C::not_leader_or_follower:
      return std::make_shared<kafka::NotLeaderError>(m);
    case C::rebalance_in_progress:
    case C::illegal_generation:
    case C::unknown_member_id:
      return std::make_shared<kafka::RebalanceInProgressError>(m);
    case C::coordinator_not_available:
    case C::coordinator_load_in_progress:
    case C::not_coordinator:
      return std::make_shared<kafka::GroupCoordinatorError>(code, m, true);
    case C::non_empty_group:
    case C::group_id_not_found:
    case C::invalid_group_id:
    case C::inconsistent_group_protocol:
    case C::invalid_session_timeout:
      return std::make_shared<kafka::GroupCoordinatorError>(code, m);
    case C::topic_authorization_failed:
    case C::group_authorization_failed:
    case C::sasl_authentication_failed:
      return std::make_shared<kafka::UnauthorizedError>(code, m);
    case C::request_timed_out:
      return std::make_shared<kafka::TimeoutError>(m);
    case C::topic_already_exists:
      return std::make_shared<kafka::TopicAlreadyExistsError>(m);
    case C::invalid_config:
    case C::invalid_partitions:
      return std::make_shared<kafka::ConfigError>(m);
    default:
      return std::make_shared<kafka::Error>(code, m);
  }
}

void throw_error(const Error& error, Subject subject) { throw_concrete(convert(error, subject)); }

void throw_if_error(model::ErrorCode code, const std::string& what) {
  if (code != model::ErrorCode::none) throw_concrete(make_error(code, what));
}

}  // namespace kafka_do::client
