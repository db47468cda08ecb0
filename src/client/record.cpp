#include "kafka_do/record.hpp"

#include "client/json_text.hpp"

namespace kafka {

Record::Record(std::string topic, int32_t partition, int64_t offset,
               std::chrono::system_clock::time_point timestamp, std::optional<std::string> key,
               std::optional<std::string> value, Headers headers,
               std::shared_ptr<detail::CommitSink> sink)
    : Record(nullptr, std::move(topic), partition, offset, timestamp, std::nullopt, std::nullopt,
             std::move(headers), sink.get()) {
  has_key_ = key.has_value();
  has_value_ = value.has_value();
  if (!has_key_ && !has_value_ && !sink) return;
  // One allocation holds key, value and the sink; the views point into it, which never moves.
  struct Owned {
    std::string key;
    std::string value;
    std::shared_ptr<detail::CommitSink> sink;
  };
  auto owned =
      std::make_shared<Owned>(Owned{std::move(key).value_or(std::string()),
                                    std::move(value).value_or(std::string()), std::move(sink)});
  key_ = owned->key;
  value_ = owned->value;
  bytes_ = std::move(owned);
}

const Json& Record::value() const {
  if (!parsed_) parsed_.emplace(parse_value());
  return *parsed_;
}

Json Record::parse_value() const {
  if (parsed_) return *parsed_;
  if (!has_value_) return nullptr;
  try {
    return detail::parse_json_text(value_);
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
