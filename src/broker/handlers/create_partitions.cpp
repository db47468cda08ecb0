// CreatePartitions (key 37): grow a topic to a new partition count.
#include "protocol/gen/create_partitions.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::CreatePartitionsResponse;

CreatePartitionsResponse::CreatePartitionsTopicResult grow(
    Broker& broker, const protocol::CreatePartitionsRequest::CreatePartitionsTopic& topic,
    bool validate_only) {
  CreatePartitionsResponse::CreatePartitionsTopicResult out;
  out.name = topic.name;
  auto fail = [&](model::ErrorCode code, std::string message) {
    out.error_code = model::to_wire(code);
    out.error_message = std::move(message);
    return out;
  };
  if (is_internal_topic(broker, topic.name)) {
    return fail(model::ErrorCode::invalid_topic_exception,
                "cannot add partitions to internal topic " + topic.name);
  }
  auto described = broker.logs.describe_topic(topic.name);
  if (!described) {
    return fail(model::ErrorCode::unknown_topic_or_partition, described.error().message());
  }
  if (topic.count <= described->partitions) {
    return fail(model::ErrorCode::invalid_partitions,
                "topic '" + topic.name + "' has " + std::to_string(described->partitions) +
                    " partitions; the new count " + std::to_string(topic.count) +
                    " must be larger");
  }
  // Explicit replica assignments can only name this node.
  if (topic.assignments) {
    for (const auto& assignment : *topic.assignments) {
      for (int32_t id : assignment.broker_ids) {
        if (id != broker.config.node_id) {
          return fail(model::ErrorCode::invalid_replica_assignment,
                      "broker " + std::to_string(id) + " does not exist (single node " +
                          std::to_string(broker.config.node_id) + ")");
        }
      }
    }
  }
  if (validate_only) return out;
  Status grown = broker.logs.create_partitions(topic.name, topic.count);
  if (!grown) {
    out.error_code = grown.error().code() == Errc::invalid_argument
                         ? model::to_wire(model::ErrorCode::invalid_partitions)
                         : partition_error(grown.error());
    out.error_message = grown.error().message();
  }
  return out;
}

void handle_create_partitions(const RequestContext& ctx, Respond respond) {
  protocol::CreatePartitionsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  CreatePartitionsResponse response;
  for (const auto& topic : request.topics) {
    if (!may_topic(ctx, security::AclOperation::alter, topic.name)) {
      CreatePartitionsResponse::CreatePartitionsTopicResult denied;
      denied.name = topic.name;
      denied.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
      denied.error_message = "not allowed to alter topic " + topic.name;
      response.results.push_back(std::move(denied));
      continue;
    }
    response.results.push_back(grow(ctx.broker, topic, request.validate_only));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v2 is flexible.
const Handler kCreatePartitionsHandler{protocol::ApiKey::create_partitions, 0, 1,
                                       &handle_create_partitions};

}  // namespace kafka_do::broker::handlers
