#include "client/embedded/embedded_backend.hpp"

#include <filesystem>
#include <map>

#include "client/embedded/embedded_admin.hpp"
#include "client/embedded/embedded_consumer.hpp"
#include "client/embedded/embedded_producer.hpp"
#include "client/embedded/embedded_transaction.hpp"
#include "client/embedded/fetched_records.hpp"
#include "client/errors.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::client {

EmbeddedEngine::EmbeddedEngine(std::unique_ptr<storage::LogManager> logs_in)
    : logs(std::move(logs_in)) {
  groups = value_or_throw(coordinator::GroupCoordinator::open(*logs));
  producer_ids = value_or_throw(
      coordinator::ProducerIdAllocator::open(logs->file_system(), logs->directory()));
  transactions = value_or_throw(
      coordinator::TransactionCoordinator::open(*logs, *producer_ids, &groups->offset_store()));
}

EmbeddedEngine::~EmbeddedEngine() {
  transactions.reset();  // writes through the groups' offsets and the logs
  groups.reset();        // completes pending joins before the logs go away
  ignore_error(logs->close());
}

EmbeddedBackend::EmbeddedBackend(kafka::ClientOptions options, std::string url,
                                 std::shared_ptr<EmbeddedEngine> engine)
    : options_(std::move(options)), url_(std::move(url)), engine_(std::move(engine)) {}

std::shared_ptr<kafka::detail::ProducerCore> EmbeddedBackend::make_producer(
    const std::string& topic, const kafka::ProducerOptions& options, bool async) {
  ensure_topic(topic);
  auto self = std::static_pointer_cast<EmbeddedBackend>(shared_from_this());
  return std::make_shared<EmbeddedProducer>(std::move(self), topic, options, async);
}

std::shared_ptr<kafka::detail::ConsumerCore> EmbeddedBackend::make_consumer(
    kafka::detail::ConsumerSettings settings) {
  return std::make_shared<EmbeddedConsumer>(
      std::static_pointer_cast<EmbeddedBackend>(shared_from_this()), std::move(settings));
}

std::shared_ptr<kafka::detail::TransactionCore> EmbeddedBackend::transaction_core(
    const kafka::TransactionOptions& options) {
  std::lock_guard lock(transactions_mu_);
  auto& core = transactions_[options.transactional_id];
  if (!core) core = std::make_shared<EmbeddedTransaction>(*this, options);
  return core;
}

std::shared_ptr<kafka::detail::AdminCore> EmbeddedBackend::make_admin() {
  return std::make_shared<EmbeddedAdmin>(
      std::static_pointer_cast<EmbeddedBackend>(shared_from_this()));
}

std::vector<kafka::Record> EmbeddedBackend::read_topic(const std::string& topic) {
  const auto description = value_or_throw(logs().describe_topic(topic), Subject::topic);
  std::vector<kafka::Record> out;
  for (int32_t p = 0; p < description.partitions; ++p) {
    auto log = partition(topic, p);
    int64_t offset = log->log_start_offset();
    // Committed records only, as a read_committed consumer sees them.
    const int64_t end = log->last_stable_offset();
    while (offset < end) {
      auto read = value_or_throw(
          log->read(offset, 1 << 20, true, storage::Isolation::read_committed), Subject::partition);
      if (read.records.empty()) break;
      offset =
          append_records(topic, p, std::move(read.records), offset, nullptr, out, &read.aborted);
    }
  }
  return out;
}

void EmbeddedBackend::close() { check(logs().flush_all()); }

int32_t EmbeddedBackend::ensure_topic(const std::string& topic) {
  if (auto d = logs().describe_topic(topic)) return d->partitions;
  if (!options_.auto_create_topics) {
    throw kafka::TopicNotFoundError("topic '" + topic +
                                    "' does not exist (auto_create_topics is off)");
  }
  std::lock_guard lock(create_mu_);
  if (auto d = logs().describe_topic(topic)) return d->partitions;
  auto created = logs().create_topic(topic, options_.default_partitions);
  if (!created) {
    // Another client of the same engine (create_mu_ is this client's) created it meanwhile.
    if (auto d = logs().describe_topic(topic)) return d->partitions;
    check(created, Subject::topic);
  }
  return options_.default_partitions;
}

std::shared_ptr<storage::PartitionLog> EmbeddedBackend::partition(const std::string& topic,
                                                                  int32_t partition) {
  auto log = logs().partition(topic, partition);
  if (!log) {
    if (logs().has_topic(topic)) throw_error(log.error(), Subject::partition);
    throw_error(log.error(), Subject::topic);
  }
  return *log;
}

namespace {

storage::FlushPolicy flush_policy(kafka::Durability d) {
  switch (d) {
    case kafka::Durability::every_batch:
      return storage::FlushPolicy::every_batch;
    case kafka::Durability::interval:
      return storage::FlushPolicy::interval;
    case kafka::Durability::os:
      return storage::FlushPolicy::os;
  }
  return storage::FlushPolicy::interval;
}

// Every Client of this process that names the same data directory shares one engine: a data
// directory has one owner, and within a process that owner is this registry's backend.
std::mutex registry_mu;
std::map<std::string, std::weak_ptr<EmbeddedEngine>> registry;

}  // namespace

std::shared_ptr<kafka::detail::Backend> make_embedded_backend(const kafka::ClientOptions& options,
                                                              const std::string& url,
                                                              const std::string& dir,
                                                              bool in_memory) {
  storage::LogOptions log_options;
  log_options.flush_policy = flush_policy(options.durability);
  if (in_memory) {
    auto logs = storage::LogManager::open(fs::memory_file_system(), dir, log_options);
    if (!logs) throw_error(logs.error());
    return std::make_shared<EmbeddedBackend>(options, url,
                                             std::make_shared<EmbeddedEngine>(std::move(*logs)));
  }
  std::error_code ec;
  const std::string key =
      std::filesystem::weakly_canonical(std::filesystem::absolute(dir), ec).string();
  std::lock_guard lock(registry_mu);
  std::shared_ptr<EmbeddedEngine> engine;
  if (auto it = registry.find(key); it != registry.end()) engine = it->second.lock();
  if (!engine) {
    // The first client to open the directory sets its durability; later ones share the engine.
    auto logs = storage::LogManager::open(fs::posix_file_system(), dir, log_options);
    if (!logs) throw_error(logs.error());
    engine = std::make_shared<EmbeddedEngine>(std::move(*logs));
    registry[key] = engine;
  }
  return std::make_shared<EmbeddedBackend>(options, url, std::move(engine));
}

}  // namespace kafka_do::client
