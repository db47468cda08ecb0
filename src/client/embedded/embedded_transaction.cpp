#include "client/embedded/embedded_transaction.hpp"

#include "client/embedded/embedded_backend.hpp"
#include "client/embedded/embedded_consumer.hpp"
#include "client/errors.hpp"

namespace kafka_do::client {
namespace {

using model::ErrorCode;

// A batch is written once it holds this much; commit writes the rest.
constexpr size_t kBatchBytes = 64 * 1024;

bool fencing(ErrorCode code) {
  return code == ErrorCode::producer_fenced || code == ErrorCode::invalid_producer_epoch ||
         code == ErrorCode::invalid_producer_id_mapping;
}

}  // namespace

EmbeddedTransaction::EmbeddedTransaction(EmbeddedBackend& backend,
                                         kafka::TransactionOptions options)
    : backend_(backend), options_(std::move(options)) {
  const auto result = backend_.transactions().init_producer_id(
      options_.transactional_id, int32_t(options_.timeout.ms().count()), -1, -1);
  throw_if_error(result.error, "transactional id '" + options_.transactional_id + "'");
  producer_id_ = result.producer_id;
  epoch_ = result.producer_epoch;
}

void EmbeddedTransaction::fail(ErrorCode code, const std::string& what) {
  if (fencing(code)) {
    fenced_ = true;
    throw kafka::ProducerFencedError(what + ": another producer with transactional id '" +
                                     options_.transactional_id + "' took over, or the " +
                                     "transaction timed out (" + model::error_name(code) + ")");
  }
  throw_concrete(make_error(code, what));
}

void EmbeddedTransaction::reset() {
  open_.clear();
  added_.clear();
  offsets_added_ = false;
  topics_.clear();
}

void EmbeddedTransaction::begin() {
  if (fenced_) fail(ErrorCode::producer_fenced, "transaction");
  reset();
}

EmbeddedTransaction::TopicState& EmbeddedTransaction::topic_state(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second;
  TopicState st;
  st.partitions = backend_.ensure_topic(topic);
  if (auto d = backend_.logs().describe_topic(topic))
    st.max_message_bytes = d->config.max_message_bytes;
  st.partitioner.set_partitions(st.partitions);
  return topics_.emplace(topic, st).first->second;
}

void EmbeddedTransaction::send(const std::string& topic, kafka::detail::OutgoingRecord record) {
  if (fenced_) fail(ErrorCode::producer_fenced, "send to '" + topic + "'");
  TopicState& st = topic_state(topic);
  const size_t bytes = record.approximate_bytes();
  if (bytes + model::batch_format::kHeaderSize > size_t(st.max_message_bytes)) {
    throw kafka::MessageTooLargeError(
        "record of about " + std::to_string(bytes) + " bytes is over max.message.bytes (" +
        std::to_string(st.max_message_bytes) + ") of topic '" + topic + "'");
  }
  if (record.partition && (*record.partition < 0 || *record.partition >= st.partitions)) {
    throw kafka::PartitionNotFoundError("topic '" + topic + "' has no partition " +
                                        std::to_string(*record.partition));
  }
  const int32_t partition = st.partitioner.choose(record.partition, record.key);
  const kafka::TopicPartition tp{topic, partition};
  auto& slot = open_[tp];
  if (slot && slot->uncompressed_size() + bytes >
                  std::min<size_t>(kBatchBytes, size_t(st.max_message_bytes))) {
    write(tp);
  }
  if (!slot) {
    slot =
        std::make_unique<model::BatchBuilder>(model::BatchOptions{.producer_id = producer_id_,
                                                                  .producer_epoch = epoch_,
                                                                  .base_sequence = sequences_[tp],
                                                                  .transactional = true});
  }
  std::vector<model::RecordHeader> headers;
  headers.reserve(record.headers->size());
  for (const auto& h : *record.headers) headers.push_back({h.key, h.value});
  slot->add(record.timestamp_ms, record.key, record.value, headers);
}

void EmbeddedTransaction::write(const kafka::TopicPartition& tp) {
  auto it = open_.find(tp);
  if (it == open_.end() || !it->second || it->second->empty()) return;
  if (!added_.count(tp)) {
    const ErrorCode added = backend_.transactions().add_partitions(
        options_.transactional_id, producer_id_, epoch_, {{tp.topic, tp.partition}});
    if (added != ErrorCode::none)
      fail(added, "add " + tp.topic + "/" + std::to_string(tp.partition));
    added_.insert(tp);
  }
  std::string batch = value_or_throw(it->second->build());
  const int32_t count = it->second->record_count();
  it->second.reset();
  auto log = backend_.partition(tp.topic, tp.partition);
  auto appended = log->append(batch, {.validate_records = false});
  if (!appended) {
    if (appended.error().code() == Errc::fenced) fail(ErrorCode::invalid_producer_epoch, "write");
    throw_error(appended.error(), Subject::partition);
  }
  sequences_[tp] += count;
  if (auto t = topics_.find(tp.topic); t != topics_.end())
    t->second.partitioner.batch_done(tp.partition);
}

void EmbeddedTransaction::send_offsets(kafka::detail::ConsumerCore& consumer,
                                       const std::map<kafka::TopicPartition, int64_t>& offsets) {
  if (fenced_) fail(ErrorCode::producer_fenced, "send_offsets");
  auto* embedded = dynamic_cast<EmbeddedConsumer*>(&consumer);
  if (embedded == nullptr || &embedded->backend().transactions() != &backend_.transactions()) {
    throw kafka::ConfigError("send_offsets needs a consumer of the same data directory");
  }
  const std::string& group = consumer.settings().group;
  if (!offsets_added_) {
    const ErrorCode added =
        backend_.transactions().add_offsets(options_.transactional_id, producer_id_, epoch_, group);
    if (added != ErrorCode::none) fail(added, "add the offsets of group '" + group + "'");
    offsets_added_ = true;
  }
  const coordinator::TransactionalCommit producer{producer_id_, epoch_};
  embedded->commit_in_transaction(offsets, [&](const coordinator::OffsetCommitRequest& request) {
    std::vector<coordinator::PartitionResult> results;
    const ErrorCode checked = backend_.transactions().commit_offsets(
        options_.transactional_id, producer_id_, epoch_,
        [&] { results = backend_.groups().commit_offsets(request, &producer); });
    if (checked != ErrorCode::none) fail(checked, "commit the offsets of group '" + group + "'");
    return results;
  });
}

void EmbeddedTransaction::commit() {
  if (fenced_) fail(ErrorCode::producer_fenced, "commit");
  try {
    for (const auto& [tp, batch] : open_) write(tp);
  } catch (const kafka::ProducerFencedError&) {
    throw;
  } catch (const kafka::Error& e) {
    abort();
    throw kafka::TransactionAbortedError(std::string("transaction aborted: ") + e.what());
  }
  if (added_.empty() && !offsets_added_) return reset();  // nothing was written
  const ErrorCode ended = backend_.transactions().end_transaction(options_.transactional_id,
                                                                  producer_id_, epoch_, true);
  reset();
  if (ended != ErrorCode::none) {
    if (fencing(ended)) fail(ended, "commit");
    throw kafka::TransactionAbortedError(std::string("commit refused (") +
                                         model::error_name(ended) + ")");
  }
}

void EmbeddedTransaction::abort() {
  const bool wrote = !added_.empty() || offsets_added_;
  open_.clear();
  if (wrote && !fenced_) {
    const ErrorCode ended = backend_.transactions().end_transaction(options_.transactional_id,
                                                                    producer_id_, epoch_, false);
    if (ended != ErrorCode::none && fencing(ended)) fenced_ = true;
  }
  reset();
}

}  // namespace kafka_do::client
