// kafka::Client: resolves its URL to a backend and hands out producers, consumers and admins.
#include "kafka_do/client.hpp"

#include <algorithm>
#include <cstdlib>

#include "client/backend.hpp"
#include "client/embedded/embedded_backend.hpp"
#include "client/kafka/kafka_backend.hpp"
#include "client/retrying_admin.hpp"

namespace kafka {
namespace detail {

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}
}  // namespace

std::shared_ptr<Backend> make_backend(const ClientOptions& options) {
  ClientOptions resolved = options;
  if (resolved.url.empty()) resolved.url = env("KAFKA_DO_URL");
  if (resolved.api_key.empty()) resolved.api_key = env("KAFKA_DO_API_KEY");
  if (resolved.sasl_mechanism.empty()) resolved.sasl_mechanism = env("KAFKA_DO_SASL_MECHANISM");
  if (resolved.sasl_mechanism.empty()) resolved.sasl_mechanism = "PLAIN";
  if (resolved.sasl_mechanism != "PLAIN" && resolved.sasl_mechanism != "SCRAM-SHA-256" &&
      resolved.sasl_mechanism != "SCRAM-SHA-512") {
    throw ConfigError("sasl_mechanism '" + resolved.sasl_mechanism +
                      "': use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
  }
  if (resolved.tls.ca_file.empty() && resolved.url.rfind("kafka+ssl://", 0) == 0) {
    resolved.tls.ca_file = env("KAFKA_DO_TLS_CA_FILE");
  }
  if (resolved.tls.cert_file.empty() != resolved.tls.key_file.empty()) {
    throw ConfigError("tls.cert_file and tls.key_file go together (mutual TLS)");
  }
  if (!resolved.default_offset) {
    const std::string offset = env("KAFKA_DO_DEFAULT_OFFSET");
    if (offset.empty() || offset == "latest")
      resolved.default_offset = Offset::latest;
    else if (offset == "earliest")
      resolved.default_offset = Offset::earliest;
    else
      throw ConfigError("KAFKA_DO_DEFAULT_OFFSET='" + offset + "': use earliest or latest");
  }
  if (resolved.default_partitions < 1) throw ConfigError("default_partitions must be at least 1");
  if (resolved.timeout.count_ms() <= 0) throw ConfigError("timeout must be positive");
  if (resolved.retries < 0) throw ConfigError("retries must not be negative");
  const std::string& url = resolved.url;
  if (url.empty() || url == "file:" || url.rfind("file:", 0) == 0) {
    std::string dir = url.size() > 5 ? url.substr(5) : env("KAFKA_DO_DATA");
    if (dir.empty()) dir = "./kafka-do-data";
    return kafka_do::client::make_embedded_backend(resolved, "file:" + dir, dir,
                                                   /*in_memory=*/false);
  }
  if (url == "memory:" || url.rfind("memory:", 0) == 0) {
    return kafka_do::client::make_embedded_backend(resolved, "memory:", "/kafka-do",
                                                   /*in_memory=*/true);
  }
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? url : url.substr(0, scheme_end);
  if (scheme == "kafka" || scheme == "kafka+ssl") {
    return kafka_do::client::make_kafka_backend(resolved);
  }
  throw ConfigError("url '" + url +
                    "': unknown scheme (use file:PATH, memory: or kafka://host:port)");
}

}  // namespace detail

Client::Client() : Client(ClientOptions{}) {}
Client::Client(ClientOptions options) : backend_(detail::make_backend(options)) {}
Client::Client(std::shared_ptr<detail::Backend> backend) : backend_(std::move(backend)) {}
Client::~Client() = default;
Client::Client(const Client&) = default;
Client& Client::operator=(const Client&) = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

namespace {
detail::Backend& live(const std::shared_ptr<detail::Backend>& b) {
  if (!b) throw Error(ErrorCode::unknown_server_error, "client is closed");
  return *b;
}

void validate(const ProducerOptions& o) {
  if (o.batch_size <= 0) throw ConfigError("batch_size must be positive");
  if (o.linger.count_ms() < 0) throw ConfigError("linger must not be negative");
  if (o.retries < 0) throw ConfigError("retries must not be negative");
  if (o.retry_backoff.count_ms() < 0) throw ConfigError("retry_backoff must not be negative");
  if (o.buffer_memory == 0) throw ConfigError("buffer_memory must be positive");
}

detail::ConsumerSettings settings(std::vector<std::string> topics, const ConsumerOptions& o,
                                  const detail::Backend& backend) {
  const Offset& default_offset = backend.default_offset();
  if (!o.assign.empty()) {
    topics.clear();  // the assigned partitions' topics, each once
    for (const auto& p : o.assign) {
      if (p.partition < 0) throw ConfigError("assigned partition numbers must not be negative");
      if (std::find(topics.begin(), topics.end(), p.topic) == topics.end())
        topics.push_back(p.topic);
    }
  } else if (o.group.empty()) {
    throw ConfigError("consumer needs a group (.group = \"...\") or partitions (.assign)");
  }
  if (topics.empty()) throw ConfigError("consumer needs at least one topic");
  if (o.max_poll_records <= 0) throw ConfigError("max_poll_records must be positive");
  if (o.session_timeout.count_ms() <= 0) throw ConfigError("session_timeout must be positive");
  if (o.heartbeat_interval.count_ms() <= 0 || o.heartbeat_interval.ms() >= o.session_timeout.ms()) {
    throw ConfigError("heartbeat_interval must be positive and shorter than session_timeout");
  }
  if (o.fetch_max_bytes <= 0) throw ConfigError("fetch_max_bytes must be positive");
  if (o.fetch_min_bytes < 1) throw ConfigError("fetch_min_bytes must be at least 1");
  if (o.fetch_max_wait.count_ms() < 0) throw ConfigError("fetch_max_wait must not be negative");
  detail::ConsumerSettings s;
  s.topics = std::move(topics);
  s.group = o.group;
  s.assign = o.assign;
  s.offset = o.offset.value_or(default_offset);
  s.auto_commit = o.auto_commit && !o.group.empty();
  s.commit_retry = detail::RetryPolicy::of(backend.options());
  s.auto_commit_interval = o.auto_commit_interval.ms();
  s.max_poll_records = o.max_poll_records;
  s.session_timeout = o.session_timeout.ms();
  s.heartbeat_interval = o.heartbeat_interval.ms();
  s.fetch_min_bytes = o.fetch_min_bytes;
  s.fetch_max_wait = o.fetch_max_wait.ms();
  s.fetch_max_bytes = o.fetch_max_bytes;
  s.stop = o.stop;
  s.client_id = o.client_id;
  s.isolation = o.isolation;
  return s;
}
}  // namespace

Producer Client::producer(const std::string& topic, const ProducerOptions& options) {
  validate(options);
  return Producer(live(backend_).make_producer(topic, options, /*async=*/false));
}

AsyncProducer Client::async_producer(const std::string& topic, const ProducerOptions& options) {
  validate(options);
  return AsyncProducer(live(backend_).make_producer(topic, options, /*async=*/true));
}

Consumer Client::consumer(const std::string& topic, const ConsumerOptions& options) {
  return consumer(std::vector<std::string>{topic}, options);
}

Consumer Client::consumer(const std::vector<std::string>& topics, const ConsumerOptions& options) {
  return Consumer(live(backend_).make_consumer(settings(topics, options, live(backend_))));
}

BatchConsumer Client::batch_consumer(const std::string& topic, const ConsumerOptions& options,
                                     const BatchOptions& batch) {
  if (batch.size <= 0) throw ConfigError("batch size must be positive");
  if (batch.timeout.count_ms() < 0) throw ConfigError("batch timeout must not be negative");
  return BatchConsumer(live(backend_).make_consumer(settings({topic}, options, live(backend_))),
                       batch);
}

ParallelConsumer Client::parallel_consumer(const std::string& topic, const ConsumerOptions& options,
                                           const ParallelOptions& parallel) {
  if (parallel.concurrency <= 0) throw ConfigError("concurrency must be positive");
  if (parallel.max_in_flight < 0) throw ConfigError("max_in_flight must not be negative");
  ConsumerOptions o = options;
  o.auto_commit = false;  // moving past a record is not finishing it; the consumer commits itself
  return ParallelConsumer(live(backend_).make_consumer(settings({topic}, o, live(backend_))),
                          parallel);
}

Admin Client::admin() {
  auto& backend = live(backend_);
  return Admin(std::make_shared<detail::RetryingAdmin>(backend.make_admin(),
                                                       detail::RetryPolicy::of(backend.options())));
}

detail::Backend& Client::backend() const { return live(backend_); }

void Client::close() {
  if (backend_) backend_->close();
}

const std::string& Client::url() const { return live(backend_).url(); }

}  // namespace kafka
