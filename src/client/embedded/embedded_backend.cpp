#include "client/embedded/embedded_backend.hpp"

#include <filesystem>
#include <map>

#include "client/embedded/embedded_admin.hpp"
#include "client/embedded/embedded_consumer.hpp"
#include "client/embedded/embedded_producer.hpp"
#include "client/errors.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::client {

EmbeddedBackend::EmbeddedBackend(kafka::ClientOptions options, std::string url,
                                 std::unique_ptr<storage::LogManager> logs)
    : options_(std::move(options)), url_(std::move(url)), logs_(std::move(logs)) {
  groups_ = value_or_throw(coordinator::GroupCoordinator::open(*logs_));
}

EmbeddedBackend::~EmbeddedBackend() {
  groups_.reset();  // completes pending joins before the logs go away
  ignore_error(logs_->close());
}

std::shared_ptr<kafka::detail::ProducerCore> EmbeddedBackend::make_producer(const std::string& topic,
                                                                            const kafka::ProducerOptions& options,
                                                                            bool async) {
  ensure_topic(topic);
  auto self = std::static_pointer_cast<EmbeddedBackend>(shared_from_this());
  return std::make_shared<EmbeddedProducer>(std::move(self), topic, options, async);
}

std::shared_ptr<kafka::detail::ConsumerCore> EmbeddedBackend::make_consumer(kafka::detail::ConsumerSettings settings) {
  return std::make_shared<EmbeddedConsumer>(std::static_pointer_cast<EmbeddedBackend>(shared_from_this()),
                                            std::move(settings));
}

std::shared_ptr<kafka::detail::AdminCore> EmbeddedBackend::make_admin() {
  return std::make_shared<EmbeddedAdmin>(std::static_pointer_cast<EmbeddedBackend>(shared_from_this()));
}

std::vector<kafka::Record> EmbeddedBackend::read_topic(const std::string& topic) {
  const auto description = value_or_throw(logs_->describe_topic(topic), Subject::topic);
  std::vector<kafka::Record> out;
  for (int32_t p = 0; p < description.partitions; ++p) {
    auto log = partition(topic, p);
    int64_t offset = log->log_start_offset();
    const int64_t end = log->high_watermark();
    while (offset < end) {
      auto read = value_or_throw(log->read(offset, 1 << 20), Subject::partition);
      if (read.records.empty()) break;
      std::string_view bytes = read.records;
      while (bytes.size() >= model::batch_format::kHeaderSize) {
        const auto header = value_or_throw(model::parse_batch_header(bytes));
        const auto batch = bytes.substr(0, header.total_size());
        bytes.remove_prefix(header.total_size());
        offset = header.next_offset();
        if (header.control()) continue;
        for (auto& r : value_or_throw(model::decode_batch(batch))) {
          if (r.offset < log->log_start_offset()) continue;
          kafka::Headers headers;
          for (auto& h : r.headers) headers.push_back({std::move(h.key), std::move(h.value)});
          out.emplace_back(topic, p, r.offset, std::chrono::system_clock::time_point(std::chrono::milliseconds(r.timestamp)),
                           std::move(r.key), std::move(r.value), std::move(headers));
        }
      }
    }
  }
  return out;
}

void EmbeddedBackend::close() { check(logs_->flush_all()); }

int32_t EmbeddedBackend::ensure_topic(const std::string& topic) {
  if (auto d = logs_->describe_topic(topic)) return d->partitions;
  if (!options_.auto_create_topics) {
    throw kafka::TopicNotFoundError("topic '" + topic + "' does not exist (auto_create_topics is off)");
  }
  std::lock_guard lock(create_mu_);
  if (auto d = logs_->describe_topic(topic)) return d->partitions;
  check(logs_->create_topic(topic, options_.default_partitions), Subject::topic);
  return options_.default_partitions;
}

std::shared_ptr<storage::PartitionLog> EmbeddedBackend::partition(const std::string& topic, int32_t partition) {
  auto log = logs_->partition(topic, partition);
  if (!log) {
    if (logs_->has_topic(topic)) throw_error(log.error(), Subject::partition);
    throw_error(log.error(), Subject::topic);
  }
  return *log;
}

namespace {

storage::FlushPolicy flush_policy(kafka::Durability d) {
  switch (d) {
    case kafka::Durability::every_batch: return storage::FlushPolicy::every_batch;
    case kafka::Durability::interval: return storage::FlushPolicy::interval;
    case kafka::Durability::os: return storage::FlushPolicy::os;
  }
  return storage::FlushPolicy::interval;
}

// Every Client of this process that names the same data directory shares one engine: a data
// directory has one owner, and within a process that owner is this registry's backend.
std::mutex registry_mu;
std::map<std::string, std::weak_ptr<kafka::detail::Backend>> registry;

}  // namespace

std::shared_ptr<kafka::detail::Backend> make_embedded_backend(const kafka::ClientOptions& options,
                                                              const std::string& url, const std::string& dir,
                                                              bool in_memory) {
  storage::LogOptions log_options;
  log_options.flush_policy = flush_policy(options.durability);
  if (in_memory) {
    auto logs = storage::LogManager::open(fs::memory_file_system(), dir, log_options);
    if (!logs) throw_error(logs.error());
    return std::make_shared<EmbeddedBackend>(options, url, std::move(*logs));
  }
  std::error_code ec;
  const std::string key = std::filesystem::weakly_canonical(std::filesystem::absolute(dir), ec).string();
  std::lock_guard lock(registry_mu);
  if (auto it = registry.find(key); it != registry.end()) {
    if (auto existing = it->second.lock()) return existing;
  }
  auto logs = storage::LogManager::open(fs::posix_file_system(), dir, log_options);
  if (!logs) throw_error(logs.error());
  auto backend = std::make_shared<EmbeddedBackend>(options, url, std::move(*logs));
  registry[key] = backend;
  return backend;
}

}  // namespace kafka_do::client
