#pragma once
// kafka::Client: the entry point. One API, chosen backend by URL:
//   unset / "file:PATH"  embedded durable engine in this process (default ./kafka-do-data)
//   "memory:"            embedded engine in memory, nothing on disk (tests)
//   "kafka://host:port"  a Kafka-protocol cluster (kafkado serve, Apache Kafka, ...) through
//                        librdkafka; api_key "user:secret" is sent with SASL (sasl_mechanism)
//   "kafka+ssl://..."    the same over TLS (ClientOptions::tls)
// Configuration: options first, then KAFKA_DO_URL, KAFKA_DO_API_KEY, KAFKA_DO_SASL_MECHANISM,
// KAFKA_DO_TLS_CA_FILE, KAFKA_DO_DATA and KAFKA_DO_DEFAULT_OFFSET.
//
// Copies of a Client share one backend; producers, consumers and admins keep it alive, so they
// may outlive the Client they came from. Thread-safe.

#include <concepts>
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka_do/admin.hpp"
#include "kafka_do/consumer.hpp"
#include "kafka_do/duration.hpp"
#include "kafka_do/parallel_consumer.hpp"
#include "kafka_do/producer.hpp"
#include "kafka_do/streams.hpp"
#include "kafka_do/transaction.hpp"

namespace kafka {

// When the embedded engine makes a write durable (see docs/sdk.md#durability).
enum class Durability {
  every_batch,  // fdatasync before acknowledging (group commit); survives power loss
  interval,     // acknowledge after write; sync every second; survives kill -9
  os,           // acknowledge after write; the OS writes back; survives kill -9
};

// PEM files for kafka+ssl:// (see docs/security.md).
struct TlsOptions {
  std::string ca_file;    // CA certificates that verify the broker; "" = KAFKA_DO_TLS_CA_FILE,
                          // else the system's
  std::string cert_file;  // this client's certificate, for brokers that require mutual TLS
  std::string key_file;   // its private key
};

struct ClientOptions {
  std::string url;      // "" = KAFKA_DO_URL, else the embedded file: backend
  std::string api_key;  // "" = KAFKA_DO_API_KEY ("user:secret", sent with SASL on kafka://)
  Duration timeout = std::chrono::seconds(30);
  int retries = 3;
  // Producing to (or consuming from) a topic that does not exist creates it with
  // default_partitions partitions; with false it is a TopicNotFoundError.
  bool auto_create_topics = true;
  int default_partitions = 1;
  // Where consumers without a committed offset start when their options do not say; unset:
  // KAFKA_DO_DEFAULT_OFFSET ("earliest" or "latest"), else latest (Kafka's auto.offset.reset).
  std::optional<Offset> default_offset;
  Durability durability = Durability::interval;
  // How kafka:// sends api_key: "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"; "" =
  // KAFKA_DO_SASL_MECHANISM, else PLAIN. SCRAM never sends the secret itself.
  std::string sasl_mechanism;
  TlsOptions tls;  // kafka+ssl:// only
};

namespace detail {
class Backend;
}

class Client {
 public:
  Client();
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&);
  Client& operator=(const Client&);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Lambda form: calls fn(producer), then flushes and closes. If fn throws, what was sent is
  // flushed and the exception propagates.
  template <std::invocable<Producer&> Fn>
  void producer(const std::string& topic, Fn&& fn) {
    producer(topic, ProducerOptions{}, std::forward<Fn>(fn));
  }
  template <std::invocable<Producer&> Fn>
  void producer(const std::string& topic, const ProducerOptions& options, Fn&& fn) {
    Producer p = producer(topic, options);
    try {
      fn(p);
    } catch (...) {
      try {
        p.flush();
      } catch (...) {  // the application's exception is the one that matters
      }
      throw;
    }
    p.close();
  }
  // One transaction (see transaction.hpp): calls fn(tx) and commits when it returns; when fn
  // throws, aborts and rethrows. Throws ProducerFencedError when another producer took the
  // transactional id over, TransactionAbortedError when the commit failed (nothing is visible).
  // Transactions with the same id run one at a time; the producer behind them is kept by the
  // client for the next transaction with that id.
  template <std::invocable<Transaction&> Fn>
  void transaction(const std::string& topic, Fn&& fn) {
    transaction(topic, TransactionOptions{}, std::forward<Fn>(fn));
  }
  template <std::invocable<Transaction&> Fn>
  void transaction(const std::string& topic, const TransactionOptions& options, Fn&& fn) {
    auto scope = begin_transaction(topic, options);
    Transaction tx(scope.core, topic);
    try {
      fn(tx);
    } catch (...) {
      scope.abort();  // never throws: the application's exception is the one that matters
      throw;
    }
    scope.commit();
  }

  // Object form: flushed on destruction (or close()).
  Producer producer(const std::string& topic, const ProducerOptions& options = {});
  AsyncProducer async_producer(const std::string& topic, const ProducerOptions& options = {});

  Consumer consumer(const std::string& topic, const ConsumerOptions& options);
  Consumer consumer(const std::vector<std::string>& topics, const ConsumerOptions& options);
  // A consumer that hands over records in batches (`batch`: size and timeout); `options` are
  // those of consumer(), auto_commit included (a batch counts as processed once the next one is
  // asked for, as a record does once iteration moves past it).
  BatchConsumer batch_consumer(const std::string& topic, const ConsumerOptions& options,
                               const BatchOptions& batch = {});

  // Records processed on `parallel.concurrency` threads, committed only up to the contiguous
  // low watermark of finished records (parallel_consumer.hpp). `options` are those of
  // consumer(); auto_commit does not apply (finished records are committed as they finish).
  ParallelConsumer parallel_consumer(const std::string& topic, const ConsumerOptions& options,
                                     const ParallelOptions& parallel = {});

  Admin admin();

  // Stream processing (streams.hpp): a chain from here runs when it reaches its terminal
  // operation (to, each, branch), with `options` (application id, until_caught_up, stop, ...).
  Stream stream(const std::string& topic, const StreamOptions& options = {});
  Stream stream(const std::vector<std::string>& topics, const StreamOptions& options = {});
  Stream stream(std::initializer_list<std::string> topics, const StreamOptions& options = {}) {
    return stream(std::vector<std::string>(topics), options);  // kafka.stream({"a", "b"})
  }
  // The latest value per key of a (compacted) topic, to join streams with.
  Table table(const std::string& topic);

  // Flushes and releases the backend once every producer/consumer made from it is gone.
  void close();
  // The URL the client resolved ("file:./kafka-do-data", "memory:", ...).
  const std::string& url() const;

 protected:
  explicit Client(std::shared_ptr<detail::Backend> backend);

  // A begun transaction, holding its producer for the duration (one transaction per id at a time).
  struct TransactionScope {
    std::shared_ptr<detail::TransactionCore> core;
    std::shared_ptr<void> lock;  // released when the scope ends
    void commit();
    void abort() noexcept;
  };
  TransactionScope begin_transaction(const std::string& topic, const TransactionOptions& options);
  // The backend; throws kafka::Error once the client was closed or moved from.
  detail::Backend& backend() const;

 private:
  std::shared_ptr<detail::Backend> backend_;
};

}  // namespace kafka
