// ListOffsets (key 2): earliest (-2), latest (-1; the last stable offset for read_committed) or
// the first offset at or after a timestamp.
#include "protocol/gen/list_offsets.hpp"

#include "broker/handlers/handler.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::broker::handlers {
namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;

using protocol::ListOffsetsResponse;

// The timestamp of the record at `offset`, which Kafka returns with a lookup by time. Costs one
// batch read and decode; -1 if the record cannot be read (e.g. removed by retention meanwhile).
int64_t record_timestamp(const storage::PartitionLog& log, int64_t offset) {
  auto read = log.read(offset, 1);  // the first batch comes back whole whatever the limit
  if (!read || read->records.empty()) return -1;
  auto header = model::parse_batch_header(read->records);
  if (!header || header->total_size() > read->records.size()) return -1;
  auto records =
      model::decode_batch(std::string_view(read->records).substr(0, header->total_size()));
  if (!records) return -1;
  for (const model::Record& record : *records) {
    if (record.offset == offset) return record.timestamp;
  }
  return -1;
}

ListOffsetsResponse::ListOffsetsPartitionResponse lookup(
    const Broker& broker, const std::string& topic,
    const protocol::ListOffsetsRequest::ListOffsetsPartition& request, bool read_committed) {
  ListOffsetsResponse::ListOffsetsPartitionResponse out;
  out.partition_index = request.partition_index;
  auto log = broker.logs.partition(topic, request.partition_index);
  if (!log) {
    out.error_code = model::to_wire(model::ErrorCode::unknown_topic_or_partition);
    return out;
  }
  if (request.timestamp == kLatest) {
    // A read_committed consumer's end of the log is the last stable offset.
    out.offset = read_committed ? (*log)->last_stable_offset() : (*log)->high_watermark();
  } else if (request.timestamp == kEarliest) {
    out.offset = (*log)->log_start_offset();
  } else {
    auto found = (*log)->offset_for_timestamp(request.timestamp);
    if (!found) {
      out.error_code = partition_error(found.error());
      return out;
    }
    // No record at or after the timestamp: Kafka answers offset -1, timestamp -1.
    if (*found) {
      out.offset = **found;
      out.timestamp = record_timestamp(**log, out.offset);
    }
  }
  return out;
}

void handle_list_offsets(const RequestContext& ctx, Respond respond) {
  protocol::ListOffsetsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  ListOffsetsResponse response;
  for (const auto& topic : request.topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse topic_response;
    topic_response.name = topic.name;
    const bool may_describe = may_topic(ctx, security::AclOperation::describe, topic.name);
    for (const auto& partition : topic.partitions) {
      if (!may_describe) {
        ListOffsetsResponse::ListOffsetsPartitionResponse denied;
        denied.partition_index = partition.partition_index;
        denied.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
        topic_response.partitions.push_back(std::move(denied));
        continue;
      }
      topic_response.partitions.push_back(
          lookup(ctx.broker, topic.name, partition, request.isolation_level == 1));
    }
    response.topics.push_back(std::move(topic_response));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v0 returns a list of old-style offsets with different semantics and is not implemented;
// librdkafka's OffsetTime feature needs v1. v2+ carry the isolation level: read_committed's
// latest offset is the last stable offset.
const Handler kListOffsetsHandler{protocol::ApiKey::list_offsets, 1, 4, &handle_list_offsets};

}  // namespace kafka_do::broker::handlers
