// DescribeCluster (key 60): the cluster id and its one broker, which is also the controller.
#include "protocol/gen/describe_cluster.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_describe_cluster(const RequestContext& ctx, Respond respond) {
  protocol::DescribeClusterRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  const BrokerConfig& config = ctx.broker.config;
  protocol::DescribeClusterResponse response;
  response.cluster_id = config.cluster_id;
  response.controller_id = config.node_id;
  const AdvertisedAddress address = advertised_address(ctx);
  response.brokers.push_back({.broker_id = config.node_id,
                              .host = address.host,
                              .port = address.port,
                              .rack = std::nullopt});
  respond(encode_response(ctx, response));
}

}  // namespace

// v0 is flexible already; v1 (KIP-919 controller endpoints) is not needed by a single node.
const Handler kDescribeClusterHandler{protocol::ApiKey::describe_cluster, 0, 0,
                                      &handle_describe_cluster};

}  // namespace kafka_do::broker::handlers
