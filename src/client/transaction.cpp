// Transaction and Client::transaction: serialization, the consumer's offsets and the one
// transaction at a time rule, over a backend's TransactionCore.
#include "kafka_do/transaction.hpp"

#include <algorithm>

#include "client/backend.hpp"
#include "kafka_do/client.hpp"
#include "kafka_do/consumer.hpp"

namespace kafka {

Transaction::Transaction(std::shared_ptr<detail::TransactionCore> core, std::string topic)
    : core_(std::move(core)), topic_(std::move(topic)) {}

void Transaction::send(const Json& value, const SendOptions& options) {
  const detail::JsonBytes bytes(value);
  core_->send(topic_, detail::make_outgoing(bytes.view(), options));
}

void Transaction::send_raw(std::string_view value, const SendOptions& options) {
  core_->send(topic_, detail::make_outgoing(value, options));
}

void Transaction::send_batch(const std::vector<Json>& values) {
  for (const auto& v : values) send(v);
}

void Transaction::send_batch(const std::vector<Message>& messages) {
  for (const auto& m : messages) send(m.value, detail::send_options(m));
}

void Transaction::send_to(const std::string& topic, const Json& value, const SendOptions& options) {
  const detail::JsonBytes bytes(value);
  core_->send(topic, detail::make_outgoing(bytes.view(), options));
}

void Transaction::send_raw_to(const std::string& topic, std::string_view value,
                              const SendOptions& options) {
  core_->send(topic, detail::make_outgoing(value, options));
}

void Transaction::send_offsets(Consumer& consumer) {
  if (!consumer.core_) throw Error(ErrorCode::unknown_server_error, "consumer was moved from");
  detail::ConsumerCore& core = *consumer.core_;
  if (core.settings().auto_commit) {
    // Auto-commit would commit positions outside any transaction: the input would be skipped
    // when the transaction that processed it aborts.
    throw ConfigError("send_offsets needs a consumer with auto_commit = false (group '" +
                      core.settings().group + "')");
  }
  // The record the application is processing now is part of this transaction.
  if (consumer.current_) core.mark_consumed(*consumer.current_);
  auto offsets = core.consumed_offsets();
  if (!offsets.empty()) core_->send_offsets(core, offsets);
}

void Transaction::commit_consumed(const std::vector<Record>& records) {
  std::map<detail::ConsumerCore*, std::map<TopicPartition, int64_t>> by_consumer;
  for (const auto& r : records) {
    auto* core = dynamic_cast<detail::ConsumerCore*>(r.sink_);
    if (core == nullptr) throw ConfigError(r.describe() + " was not returned by a consumer");
    int64_t& next = by_consumer[core][{r.topic(), r.partition()}];
    next = std::max(next, r.offset() + 1);
  }
  for (auto& [core, offsets] : by_consumer) core_->send_offsets(*core, offsets);
}

void Client::TransactionScope::commit() {
  core->commit();
  lock.reset();
}

void Client::TransactionScope::abort() noexcept {
  try {
    core->abort();
  } catch (...) {  // the coordinator aborts it on timeout anyway; the caller's error matters
  }
  lock.reset();
}

Client::TransactionScope Client::begin_transaction(const std::string& topic,
                                                   const TransactionOptions& options) {
  if (!backend_) throw Error(ErrorCode::unknown_server_error, "client was closed or moved from");
  if (options.timeout.count_ms() <= 0) throw ConfigError("transaction timeout must be positive");
  TransactionOptions resolved = options;
  if (resolved.transactional_id.empty()) resolved.transactional_id = "kafka-do-" + topic;
  TransactionScope scope;
  scope.core = backend_->transaction_core(resolved);
  auto held = std::make_shared<std::unique_lock<std::mutex>>(scope.core->mutex());
  scope.lock = held;
  scope.core->begin();
  return scope;
}

}  // namespace kafka
