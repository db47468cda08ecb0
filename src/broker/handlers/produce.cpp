// Produce (key 0): append each partition's record batch to its log.
#include "protocol/gen/produce.hpp"

#include <span>

#include "broker/handlers/handler.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::ProduceResponse;

ProduceResponse::PartitionProduceResponse append(
    Broker& broker, const std::optional<std::string>& transactional_id, const std::string& topic,
    protocol::ProduceRequest::PartitionProduceData& data, int16_t version) {
  ProduceResponse::PartitionProduceResponse out;
  out.index = data.index;
  out.base_offset = -1;
  if (is_internal_topic(broker, topic)) {
    out.error_code = model::to_wire(model::ErrorCode::invalid_topic_exception);
    out.error_message = "cannot write to internal topic " + topic;
    return out;
  }
  auto log = broker.logs.partition(topic, data.index);
  if (!log) {
    out.error_code = model::to_wire(model::ErrorCode::unknown_topic_or_partition);
    return out;
  }
  if (!data.records || data.records->empty()) {
    out.error_code = model::to_wire(model::ErrorCode::corrupt_message);
    return out;
  }
  // Kafka refuses zstd below v7: older clients could not read it back (KIP-110).
  auto header = model::parse_batch_header(*data.records);
  if (header && header->compression() == model::Compression::zstd && version < 7) {
    out.error_code = model::to_wire(model::ErrorCode::unsupported_compression_type);
    out.error_message = "zstd batches need Produce v7 or later";
    return out;
  }
  // A transactional batch must belong to its producer's ongoing transaction, which must include
  // this partition (AddPartitionsToTxn came first): a batch outside any transaction the
  // coordinator knows would hold the partition's last stable offset back forever.
  if (header && header->transactional() && !header->control() && broker.transactions != nullptr) {
    const model::ErrorCode verified =
        transactional_id
            ? broker.transactions->check_partition(*transactional_id, header->producer_id,
                                                   header->producer_epoch, {topic, data.index})
            : model::ErrorCode::invalid_txn_state;
    if (verified != model::ErrorCode::none) {
      out.error_code = txn_error(verified, /*knows_producer_fenced=*/false);
      out.error_message = "transactional batch of producer " + std::to_string(header->producer_id) +
                          " is not part of an ongoing transaction that includes " + topic + "-" +
                          std::to_string(data.index);
      return out;
    }
  }
  // The log validates the batch (magic 2, CRC, one batch, records well formed) and rewrites its
  // base offset in place, which is why the request's bytes are handed over mutable.
  const auto started = std::chrono::steady_clock::now();
  auto appended = (*log)->append(std::span<char>(data.records->data(), data.records->size()));
  if (appended && broker.metrics != nullptr) {
    broker.metrics->produced(topic, data.records->size(),
                             header ? uint64_t(header->record_count) : 0,
                             std::chrono::steady_clock::now() - started);
  }
  if (!appended) {
    out.error_code = partition_error(appended.error());
    out.error_message = appended.error().message();
    return out;
  }
  out.base_offset = appended->base_offset;
  out.log_append_time_ms = appended->log_append_time;
  out.log_start_offset = appended->log_start_offset;
  return out;
}

void append_all(Broker& broker, protocol::ProduceRequest& request, int16_t version,
                Respond& respond) {
  const bool valid_acks = request.acks == 0 || request.acks == 1 || request.acks == -1;
  ProduceResponse response;
  int16_t first_error = 0;
  for (auto& topic : request.topic_data) {
    ProduceResponse::TopicProduceResponse topic_response;
    topic_response.name = topic.name;
    for (auto& data : topic.partition_data) {
      if (!valid_acks) {
        ProduceResponse::PartitionProduceResponse rejected;
        rejected.index = data.index;
        rejected.base_offset = -1;
        rejected.error_code = model::to_wire(model::ErrorCode::invalid_required_acks);
        topic_response.partition_responses.push_back(std::move(rejected));
        continue;
      }
      topic_response.partition_responses.push_back(
          append(broker, request.transactional_id, topic.name, data, version));
      if (first_error == 0) first_error = topic_response.partition_responses.back().error_code;
    }
    response.responses.push_back(std::move(topic_response));
  }
  // acks=0: the client does not read a response, so writing one would desynchronise it. The
  // connection still waits for this (empty) answer before reading its next request, which keeps
  // an acks=0 producer from queueing appends faster than the disk takes them.
  if (request.acks == 0) return respond(Reply{Reply::Kind::none, {}, first_error});
  Reply reply = encode_reply(response, version);
  reply.error_code = first_error;
  respond(std::move(reply));
}

void handle_produce(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::ProduceRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  ctx.waiter.run_blocking(
      [&broker = ctx.broker, request, version = ctx.version(),
       respond = std::move(respond)]() mutable { append_all(broker, *request, version, respond); });
}

}  // namespace

// v3 is the first with magic-2 batches (librdkafka needs 3 for MsgVer2 and 7 for zstd);
// v8 adds per-record errors and v9 is flexible.
const Handler kProduceHandler{protocol::ApiKey::produce, 3, 7, &handle_produce};

}  // namespace kafka_do::broker::handlers
