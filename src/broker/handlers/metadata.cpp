// Metadata (key 3): this broker, and every requested topic with this broker leading each
// partition. Unknown topics are created when both the request and the broker allow it.
#include "protocol/gen/metadata.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::MetadataResponse;

MetadataResponse::MetadataResponseTopic describe(const Broker& broker, const std::string& name) {
  MetadataResponse::MetadataResponseTopic topic;
  topic.name = name;
  auto description = broker.logs.describe_topic(name);
  if (!description) {
    topic.error_code = model::to_wire(model::ErrorCode::unknown_topic_or_partition);
    return topic;
  }
  topic.is_internal = is_internal_topic(broker, name);
  const int32_t self = broker.config.node_id;
  for (int32_t p = 0; p < description->partitions; ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.leader_id = self;
    partition.replica_nodes = {self};
    partition.isr_nodes = {self};
    topic.partitions.push_back(std::move(partition));
  }
  return topic;
}

void handle_metadata(const RequestContext& ctx, Respond respond) {
  protocol::MetadataRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  Broker& broker = ctx.broker;
  const BrokerConfig& config = broker.config;

  MetadataResponse response;
  const AdvertisedAddress address = advertised_address(ctx);
  response.brokers.push_back({.node_id = config.node_id,
                              .host = address.host,
                              .port = address.port,
                              .rack = std::nullopt});
  response.cluster_id = config.cluster_id;
  response.controller_id = config.node_id;

  // v0 has no null: an empty list means all topics there; from v1, null = all, empty = none.
  const bool all_topics = !request.topics || (ctx.version() == 0 && request.topics->empty());
  if (all_topics) {
    for (const std::string& name : broker.logs.topic_names()) {
      // Only the topics the key may describe: the others do not exist for it.
      if (may_topic(ctx, security::AclOperation::describe, name)) {
        response.topics.push_back(describe(broker, name));
      }
    }
    return respond(encode_response(ctx, response));
  }
  // Before v4 there is no flag and Kafka auto-creates whenever the broker allows it.
  const bool may_create =
      config.auto_create_topics && (ctx.version() < 4 || request.allow_auto_topic_creation);
  for (const auto& requested : *request.topics) {
    if (!requested.name) continue;  // lookups by topic id (v10+) are not advertised
    const std::string& name = *requested.name;
    if (!may_topic(ctx, security::AclOperation::describe, name)) {
      MetadataResponse::MetadataResponseTopic topic;
      topic.name = name;
      topic.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
      response.topics.push_back(std::move(topic));
      continue;
    }
    const bool may_create_this = may_cluster(ctx, security::AclOperation::create) ||
                                 may_topic(ctx, security::AclOperation::create, name);
    if (may_create && may_create_this && !broker.logs.has_topic(name)) {
      Status created = broker.logs.create_topic(name, config.default_partitions);
      if (!created && created.error().code() != Errc::already_exists) {
        MetadataResponse::MetadataResponseTopic topic;
        topic.name = name;
        topic.error_code = partition_error(created.error());
        response.topics.push_back(std::move(topic));
        continue;
      }
    }
    response.topics.push_back(describe(broker, name));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v9+ is flexible and v10+ adds topic ids; kcat, librdkafka, kafka-python and kafkajs use at most
// v6.
const Handler kMetadataHandler{protocol::ApiKey::metadata, 0, 8, &handle_metadata};

}  // namespace kafka_do::broker::handlers
