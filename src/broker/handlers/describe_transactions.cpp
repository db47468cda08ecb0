// DescribeTransactions (key 65): the state of transactional ids, for operators
// (kafka-transactions.sh describe).
#include "protocol/gen/describe_transactions.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::DescribeTransactionsResponse;

void handle_describe_transactions(const RequestContext& ctx, Respond respond) {
  protocol::DescribeTransactionsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  DescribeTransactionsResponse response;
  if (ctx.broker.transactions == nullptr) {
    for (const auto& id : request.transactional_ids) {
      DescribeTransactionsResponse::TransactionState out;
      out.error_code = kNoCoordinator;
      out.transactional_id = id;
      response.transaction_states.push_back(std::move(out));
    }
    return respond(encode_response(ctx, response));
  }
  for (const auto& d : ctx.broker.transactions->describe(request.transactional_ids)) {
    DescribeTransactionsResponse::TransactionState out;
    if (!may_transactional_id(ctx, security::AclOperation::describe, d.metadata.transactional_id)) {
      out.error_code = model::to_wire(model::ErrorCode::transactional_id_authorization_failed);
      out.transactional_id = d.metadata.transactional_id;
      response.transaction_states.push_back(std::move(out));
      continue;
    }
    out.error_code = model::to_wire(d.error);
    out.transactional_id = d.metadata.transactional_id;
    if (d.error == model::ErrorCode::none) {
      const auto& m = d.metadata;
      out.transaction_state = std::string(coordinator::txn_state_name(m.state));
      out.transaction_timeout_ms = m.timeout_ms;
      out.transaction_start_time_ms = m.start_ms;
      out.producer_id = m.producer_id;
      out.producer_epoch = m.producer_epoch;
      for (const auto& tp : m.partitions) {
        if (out.topics.empty() || out.topics.back().topic != tp.topic) {
          out.topics.push_back({.topic = tp.topic, .partitions = {}});
        }
        out.topics.back().partitions.push_back(tp.partition);
      }
    }
    response.transaction_states.push_back(std::move(out));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

const Handler kDescribeTransactionsHandler{protocol::ApiKey::describe_transactions, 0, 0,
                                           &handle_describe_transactions};

}  // namespace kafka_do::broker::handlers
