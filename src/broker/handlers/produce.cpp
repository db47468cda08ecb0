// Produce (key 0): append each partition's record batch to its log.
#include "protocol/gen/produce.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "broker/handlers/handler.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::ProduceResponse;
using Clock = std::chrono::steady_clock;

// A partition's append that is written but not yet acknowledged: it is once its log says the
// batch is durable.
struct PendingDurability {
  std::shared_ptr<storage::PartitionLog> log;
  int64_t next_offset = 0;
  size_t bytes = 0;
  uint64_t records = 0;
};

// `pending` is set when the batch was written.
ProduceResponse::PartitionProduceResponse append(
    Broker& broker, const std::optional<std::string>& transactional_id, const std::string& topic,
    protocol::ProduceRequest::PartitionProduceData& data, int16_t version,
    std::optional<PendingDurability>& pending) {
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
  // Written but not yet synced (defer_durability): make_durable() waits for that once every
  // partition of the request is written, so that the connection's next request can start.
  storage::AppendOptions options;
  options.defer_durability = true;
  auto appended =
      (*log)->append(std::span<char>(data.records->data(), data.records->size()), options);
  if (!appended) {
    out.error_code = partition_error(appended.error());
    out.error_message = appended.error().message();
    return out;
  }
  pending = PendingDurability{*log, appended->last_offset + 1, data.records->size(),
                              header ? uint64_t(header->record_count) : 0};
  out.base_offset = appended->base_offset;
  out.log_append_time_ms = appended->log_append_time;
  out.log_start_offset = appended->log_start_offset;
  return out;
}

// What the key may not do, and its quota's throttle, decided on the network thread (the context
// does not outlive it).
struct ProduceRefusals {
  bool transactional_id = false;  // no WRITE on the request's transactional id
  std::set<std::string> topics;   // no WRITE on these topics
  int32_t throttle_ms = 0;        // the key's produce quota says wait this long
};

void append_all(Broker& broker, protocol::ProduceRequest& request, int16_t version,
                const ProduceRefusals& refusals, Proceed& proceed, Respond& respond) {
  const bool valid_acks = request.acks == 0 || request.acks == 1 || request.acks == -1;
  const auto started = Clock::now();
  ProduceResponse response;
  response.throttle_time_ms = refusals.throttle_ms;
  // Each written batch, with where its answer is (topic, partition index in the response), to
  // set its error if its sync fails.
  struct Written {
    size_t topic;
    size_t partition;
    PendingDurability pending;
  };
  std::vector<Written> written;
  for (auto& topic : request.topic_data) {
    ProduceResponse::TopicProduceResponse topic_response;
    topic_response.name = topic.name;
    const model::ErrorCode refused =
        !valid_acks                 ? model::ErrorCode::invalid_required_acks
        : refusals.transactional_id ? model::ErrorCode::transactional_id_authorization_failed
        : refusals.topics.contains(topic.name) ? model::ErrorCode::topic_authorization_failed
                                               : model::ErrorCode::none;
    for (auto& data : topic.partition_data) {
      if (refused != model::ErrorCode::none) {
        ProduceResponse::PartitionProduceResponse rejected;
        rejected.index = data.index;
        rejected.base_offset = -1;
        rejected.error_code = model::to_wire(refused);
        topic_response.partition_responses.push_back(std::move(rejected));
        continue;
      }
      std::optional<PendingDurability> pending;
      topic_response.partition_responses.push_back(
          append(broker, request.transactional_id, topic.name, data, version, pending));
      if (pending) {
        written.push_back({response.responses.size(), topic_response.partition_responses.size() - 1,
                           std::move(*pending)});
      }
    }
    response.responses.push_back(std::move(topic_response));
  }
  // Every batch is in its log in request order: the connection's next request may start (and
  // its appends join the syncs below) while these become durable.
  proceed();
  for (const Written& w : written) {
    const PendingDurability& pending = w.pending;
    Status durable = pending.log->make_durable(pending.next_offset);
    if (!durable) {
      auto& partition = response.responses[w.topic].partition_responses[w.partition];
      partition.error_code = partition_error(durable.error());
      partition.error_message = durable.error().message();
      partition.base_offset = -1;
    } else if (broker.metrics != nullptr) {
      broker.metrics->produced(pending.log->topic(), pending.bytes, pending.records,
                               Clock::now() - started);
    }
  }
  int16_t first_error = 0;
  for (const auto& topic : response.responses) {
    for (const auto& partition : topic.partition_responses) {
      if (first_error == 0) first_error = partition.error_code;
    }
  }
  // acks=0: the client does not read a response, so writing one would desynchronise it. The
  // answer still counts against the connection's in-flight requests until it is durable, which
  // keeps an acks=0 producer from queueing appends faster than the disk takes them.
  if (request.acks == 0) return respond(Reply{Reply::Kind::none, {}, first_error});
  Reply reply = encode_reply(response, version);
  reply.error_code = first_error;
  respond(std::move(reply));
}

void handle_produce(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::ProduceRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  ProduceRefusals refusals;
  refusals.throttle_ms =
      charge_quota(ctx, security::QuotaDirection::produce, int64_t(ctx.body.size()));
  refusals.transactional_id =
      request->transactional_id &&
      !may_transactional_id(ctx, security::AclOperation::write, *request->transactional_id);
  for (const auto& topic : request->topic_data) {
    if (!may_topic(ctx, security::AclOperation::write, topic.name)) {
      refusals.topics.insert(topic.name);
    }
  }
  ctx.waiter.run_blocking([&broker = ctx.broker, request, version = ctx.version(),
                           refusals = std::move(refusals), proceed = ctx.proceed,
                           respond = std::move(respond)]() mutable {
    append_all(broker, *request, version, refusals, proceed, respond);
  });
}

}  // namespace

// v3 is the first with magic-2 batches (librdkafka needs 3 for MsgVer2 and 7 for zstd);
// v8 adds per-record errors and v9 is flexible.
const Handler kProduceHandler{protocol::ApiKey::produce, 3, 7, &handle_produce};

}  // namespace kafka_do::broker::handlers
