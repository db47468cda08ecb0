// ListTransactions (key 66): the transactional ids the coordinator knows, filtered by state,
// producer id and (v1) how long their transaction has been open.
#include "protocol/gen/list_transactions.hpp"

#include <chrono>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_list_transactions(const RequestContext& ctx, Respond respond) {
  protocol::ListTransactionsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::ListTransactionsResponse response;
  if (ctx.broker.transactions == nullptr) {
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  std::vector<coordinator::TxnState> states;
  for (const auto& name : request.state_filters) {
    auto state = coordinator::txn_state_from_name(name);
    if (state) {
      states.push_back(*state);
    } else {
      response.unknown_state_filters.push_back(name);
    }
  }
  // Only unknown filters: nothing can match (Kafka answers an empty list).
  if (states.empty() && !request.state_filters.empty()) {
    return respond(encode_response(ctx, response));
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const auto& m : ctx.broker.transactions->list(states, request.producer_id_filters)) {
    if (request.duration_filter >= 0 &&
        (m.state != coordinator::TxnState::ongoing || now - m.start_ms < request.duration_filter))
      continue;
    if (!may_transactional_id(ctx, security::AclOperation::describe, m.transactional_id)) continue;
    response.transaction_states.push_back(
        {.transactional_id = m.transactional_id,
         .producer_id = m.producer_id,
         .transaction_state = std::string(coordinator::txn_state_name(m.state))});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v1 adds the duration filter (KIP-994).
const Handler kListTransactionsHandler{protocol::ApiKey::list_transactions, 0, 1,
                                       &handle_list_transactions};

}  // namespace kafka_do::broker::handlers
