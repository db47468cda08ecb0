// DeleteTopics (key 20): delete topics from the engine and their groups' committed offsets.
#include "protocol/gen/delete_topics.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_delete_topics(const RequestContext& ctx, Respond respond) {
  protocol::DeleteTopicsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  Broker& broker = ctx.broker;
  protocol::DeleteTopicsResponse response;
  for (const std::string& name : request.topic_names) {
    protocol::DeleteTopicsResponse::DeletableTopicResult out;
    out.name = name;
    if (!may_topic(ctx, security::AclOperation::remove, name)) {
      out.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
      out.error_message = "not allowed to delete topic " + name;
      response.responses.push_back(std::move(out));
      continue;
    }
    Status deleted = is_internal_topic(broker, name)
                         ? Error(Errc::invalid_argument, "cannot delete internal topic " + name)
                         : broker.logs.delete_topic(name);
    if (!deleted) {
      out.error_code = partition_error(deleted.error());
      out.error_message = deleted.error().message();
    } else if (broker.groups != nullptr) {
      // A topic recreated under the same name must not inherit old committed offsets; the
      // coordinator's periodic purge would catch it too, so a failure here is only logged by
      // leaving it to that purge.
      ignore_error(broker.groups->on_topic_deleted(name));
    }
    response.responses.push_back(std::move(out));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v4 is flexible; v6 deletes by topic id.
const Handler kDeleteTopicsHandler{protocol::ApiKey::delete_topics, 0, 3, &handle_delete_topics};

}  // namespace kafka_do::broker::handlers
