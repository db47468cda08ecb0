// DeleteRecords (key 21): move a partition's log start offset forward; whole segments below it
// are removed at once, the rest become unreadable.
#include "protocol/gen/delete_records.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::DeleteRecordsResponse;

DeleteRecordsResponse::DeleteRecordsPartitionResult delete_before(
    Broker& broker, const std::string& topic,
    const protocol::DeleteRecordsRequest::DeleteRecordsPartition& partition) {
  DeleteRecordsResponse::DeleteRecordsPartitionResult out;
  out.partition_index = partition.partition_index;
  out.low_watermark = -1;
  if (is_internal_topic(broker, topic)) {
    out.error_code = model::to_wire(model::ErrorCode::invalid_topic_exception);
    return out;
  }
  auto log = broker.logs.partition(topic, partition.partition_index);
  if (!log) {
    out.error_code = model::to_wire(model::ErrorCode::unknown_topic_or_partition);
    return out;
  }
  // -1 means "up to the high watermark" (Kafka's DeleteRecordsRequest.HIGH_WATERMARK).
  const int64_t offset = partition.offset == -1 ? (*log)->high_watermark() : partition.offset;
  auto start = (*log)->delete_records_before(offset);
  if (!start) {
    out.error_code = partition_error(start.error());
    return out;
  }
  out.low_watermark = *start;
  return out;
}

void handle_delete_records(const RequestContext& ctx, Respond respond) {
  protocol::DeleteRecordsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  DeleteRecordsResponse response;
  for (const auto& topic : request.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult out;
    out.name = topic.name;
    const bool allowed = may_topic(ctx, security::AclOperation::remove, topic.name);
    for (const auto& partition : topic.partitions) {
      if (!allowed) {
        DeleteRecordsResponse::DeleteRecordsPartitionResult denied;
        denied.partition_index = partition.partition_index;
        denied.low_watermark = -1;
        denied.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
        out.partitions.push_back(std::move(denied));
        continue;
      }
      out.partitions.push_back(delete_before(ctx.broker, topic.name, partition));
    }
    response.topics.push_back(std::move(out));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v2 is flexible.
const Handler kDeleteRecordsHandler{protocol::ApiKey::delete_records, 0, 1, &handle_delete_records};

}  // namespace kafka_do::broker::handlers
