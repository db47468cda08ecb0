#pragma once
// Transactions: records to any topics and a consumer's offsets, committed together or not at all
// (Kafka's exactly-once, KIP-98).
//
//   kafka.transaction("orders", [&](kafka::Transaction& tx) {
//     tx.send({{"order_id", "1"}});                 // to "orders"
//     tx.send_to("audit", {{"event", "ordered"}});  // to another topic, same transaction
//   });                                             // commits here; a throw aborts and rethrows
//
// Consume-transform-produce, exactly once: the output records and the input position commit
// atomically, so after a crash the input is neither skipped nor processed twice:
//
//   auto in = kafka.consumer("orders", {.group = "enricher", .auto_commit = false});
//   for (kafka::Record& r : in) {
//     kafka.transaction("enriched", [&](kafka::Transaction& tx) {
//       tx.send(enrich(r.value()));
//       tx.send_offsets(in);  // the consumer's position, this record included
//     });
//   }
//
// Consumers read committed data by default (ConsumerOptions::isolation): records of an aborted
// or still open transaction are never delivered.
//
// The transactional id names the logical producer. A new producer with the same id fences the
// old one: its next send or commit throws ProducerFencedError, and whatever its open transaction
// wrote is aborted. That is what makes a restarted process safe against its own zombie, so the id
// must be stable across restarts, and distinct for instances that run in parallel (e.g. suffix
// the instance's number). Default: "kafka-do-" + the transaction's topic.

#include <string>
#include <string_view>
#include <vector>

#include "kafka_do/duration.hpp"
#include "kafka_do/error.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/record.hpp"

namespace kafka {

struct TransactionOptions {
  std::string transactional_id;  // "" = "kafka-do-" + topic
  // A transaction open longer than this is aborted by the coordinator (transaction.timeout.ms;
  // the broker caps it, 15 min by default).
  Duration timeout = std::chrono::seconds(60);
};

class Consumer;
namespace detail {
class TransactionCore;
}

// One open transaction, handed to the lambda of Client::transaction. Not thread-safe; valid only
// inside that lambda.
class Transaction {
 public:
  Transaction(std::shared_ptr<detail::TransactionCore> core, std::string topic);

  // Sends to the transaction's topic (JSON value, or raw bytes), like Producer::send.
  void send(const Json& value, const SendOptions& options = {});
  void send_raw(std::string_view value, const SendOptions& options = {});
  void send_batch(const std::vector<Json>& values);
  void send_batch(const std::vector<Message>& messages);
  // Sends to another topic in the same transaction.
  void send_to(const std::string& topic, const Json& value, const SendOptions& options = {});
  void send_raw_to(const std::string& topic, std::string_view value,
                   const SendOptions& options = {});
  // Commits the consumer's position (every record it returned, the current one included) in
  // this transaction. The consumer needs auto_commit = false (ConfigError otherwise).
  void send_offsets(Consumer& consumer);
  // Commits, for each partition of `records`, the offset after its last one, in the group of the
  // consumer that returned them.
  void commit_consumed(const std::vector<Record>& records);
  const std::string& topic() const { return topic_; }

 private:
  std::shared_ptr<detail::TransactionCore> core_;
  std::string topic_;
};

}  // namespace kafka
