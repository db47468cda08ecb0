#include "kafka_do/record.hpp"

#include "client/json_text.hpp"

namespace kafka {

const Json& Record::value() const {
  if (!parsed_) parsed_.emplace(parse_value());
  return *parsed_;
}

Json Record::parse_value() const {
  if (parsed_) return *parsed_;
  if (!value_) return nullptr;
  try {
    return detail::parse_json_text(*value_);
  } catch (const detail::JsonTextError& e) {
    throw SerializationError(describe() + ": value is not valid JSON (" + e.what() +
                             "); read it with raw_value()");
  }
}

void Record::commit() const {
  if (!sink_)
    throw Error(ErrorCode::unknown_server_error,
                describe() + ": this record does not belong to a consumer");
  sink_->commit(topic_, partition_, offset_ + 1);
}

void Record::commit_async(std::function<void(const Error*)> done) const {
  if (!sink_)
    throw Error(ErrorCode::unknown_server_error,
                describe() + ": this record does not belong to a consumer");
  // Every backend's commit is one local append or one round trip, so it completes here; librdkafka
  // would otherwise report an asynchronous result only from inside a later poll().
  try {
    sink_->commit(topic_, partition_, offset_ + 1);
  } catch (const Error& e) {
    if (done) done(&e);
    return;
  }
  if (done) done(nullptr);
}

}  // namespace kafka
