// kd_transaction: Client::transaction split into begin, sends and commit, since the binding's
// code runs between them (a Ruby block, for instance).
#include "capi/capi.hpp"
#include "capi/options.hpp"

using namespace kafka_do::capi;

namespace {

// The client's begin_transaction is protected (C++ callers use the lambda form, which cannot
// forget to commit or abort); this class is where the C ABI, which must keep a transaction open
// across calls, reaches it. kd_transaction makes up for the lambda: freeing it aborts.
struct TransactionAccess : kafka::Client {
  using Scope = kafka::Client::TransactionScope;
  static Scope begin(kafka::Client& client, const std::string& topic,
                     const kafka::TransactionOptions& options) {
    return (client.*&TransactionAccess::begin_transaction)(topic, options);
  }
};

}  // namespace

struct kd_transaction {
  TransactionAccess::Scope scope;
  std::optional<kafka::Transaction> tx;  // empty once committed or aborted
};

extern "C" {

kd_error* kd_client_begin_transaction(kd_client* client, const char* topic,
                                      const char* options_json, kd_transaction** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto& c = need(client, "client");
    const std::string name = text(topic, "topic");
    auto options = transaction_options(options_json);
    auto handle = std::make_unique<kd_transaction>();
    handle->scope = TransactionAccess::begin(*c.client, name, options);
    handle->tx.emplace(handle->scope.core, name);
    *out = handle.release();
  });
}

kd_error* kd_transaction_send(kd_transaction* tx, const char* topic, const char* value,
                              size_t value_len, const kd_send_options* options) {
  return guard([&] {
    auto& t = live(need(tx, "transaction").tx, "the transaction");
    const auto send = send_options(options);
    if (topic && t.topic() != topic) {
      if (!value)
        t.send_to(topic, kafka::Json(nullptr), send);
      else
        t.send_raw_to(topic, std::string_view(value, value_len), send);
      return;
    }
    if (!value)
      t.send(kafka::Json(nullptr), send);
    else
      t.send_raw(std::string_view(value, value_len), send);
  });
}

kd_error* kd_transaction_send_offsets(kd_transaction* tx, kd_consumer* consumer) {
  return guard([&] {
    auto& t = live(need(tx, "transaction").tx, "the transaction");
    t.send_offsets(live(need(consumer, "consumer").consumer, "the consumer"));
  });
}

kd_error* kd_transaction_commit(kd_transaction* tx) {
  return guard([&] {
    auto& t = need(tx, "transaction");
    live(t.tx, "the transaction");
    t.tx.reset();
    t.scope.commit();
  });
}

void kd_transaction_abort(kd_transaction* tx) {
  if (!tx || !tx->tx) return;
  tx->tx.reset();
  tx->scope.abort();
}

void kd_transaction_free(kd_transaction* tx) {
  kd_transaction_abort(tx);
  delete tx;
}

}  // extern "C"
