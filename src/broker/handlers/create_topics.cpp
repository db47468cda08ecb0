// CreateTopics (key 19): create topics in the engine.
#include "protocol/gen/create_topics.hpp"

#include <map>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::CreateTopicsResponse;

CreateTopicsResponse::CreatableTopicResult create(
    Broker& broker, const protocol::CreateTopicsRequest::CreatableTopic& topic,
    bool validate_only) {
  CreateTopicsResponse::CreatableTopicResult out;
  out.name = topic.name;
  out.error_message = std::nullopt;
  auto fail = [&](model::ErrorCode code, std::string message) {
    out.error_code = model::to_wire(code);
    out.error_message = std::move(message);
    return out;
  };
  // -1 (v4+) asks for the broker default; explicit assignments fix the count themselves.
  int32_t partitions = topic.num_partitions;
  if (!topic.assignments.empty()) partitions = int32_t(topic.assignments.size());
  if (partitions == -1) partitions = broker.config.default_partitions;
  if (partitions <= 0) {
    return fail(model::ErrorCode::invalid_partitions, "number of partitions must be positive");
  }
  // Any replication factor is accepted: there is one copy, and clients (and librdkafka's test
  // suite) that ask for 3 should still get a working topic on a single node.
  std::map<std::string, std::string> config;
  for (const auto& entry : topic.configs) {
    if (entry.value) config[entry.name] = *entry.value;
  }
  if (broker.logs.has_topic(topic.name)) {
    return fail(model::ErrorCode::topic_already_exists,
                "topic '" + topic.name + "' already exists");
  }
  // validate_only cannot run the engine's checks without creating; existence and counts are
  // what it checks here.
  if (validate_only) return out;
  Status created = broker.logs.create_topic(topic.name, partitions, config);
  if (!created) {
    const Error& error = created.error();
    if (error.code() == Errc::already_exists) {
      return fail(model::ErrorCode::topic_already_exists, error.message());
    }
    if (error.code() == Errc::invalid_argument) {
      // The engine reports names and configs alike as invalid arguments.
      const bool about_config =
          !config.empty() && error.message().find("config") != std::string::npos;
      return fail(about_config ? model::ErrorCode::invalid_config
                               : model::ErrorCode::invalid_topic_exception,
                  error.message());
    }
    return fail(model::ErrorCode::unknown_server_error, error.message());
  }
  out.num_partitions = partitions;
  out.replication_factor = 1;
  return out;
}

void handle_create_topics(const RequestContext& ctx, Respond respond) {
  protocol::CreateTopicsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  CreateTopicsResponse response;
  const bool may_create_any = may_cluster(ctx, security::AclOperation::create);
  for (const auto& topic : request.topics) {
    if (!may_create_any && !may_topic(ctx, security::AclOperation::create, topic.name)) {
      CreateTopicsResponse::CreatableTopicResult denied;
      denied.name = topic.name;
      denied.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
      denied.error_message = "not allowed to create topic " + topic.name;
      response.topics.push_back(std::move(denied));
      continue;
    }
    response.topics.push_back(create(ctx.broker, topic, request.validate_only));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v5 is flexible and returns configs; librdkafka, kafka-python and kafkajs use at most v4.
const Handler kCreateTopicsHandler{protocol::ApiKey::create_topics, 0, 4, &handle_create_topics};

}  // namespace kafka_do::broker::handlers
