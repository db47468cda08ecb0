#include "client/kafka/rdkafka_util.hpp"

#include <cstdlib>

#include "client/errors.hpp"

namespace kafka_do::client::rdk {

void ClientState::record(rd_kafka_resp_err_t err, const std::string& reason) {
  // A failed TLS handshake is a certificate the other side refuses (an unknown CA, a client
  // certificate missing or not trusted): retrying will not fix it either.
  if (err != RD_KAFKA_RESP_ERR__AUTHENTICATION &&
      err != RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED && err != RD_KAFKA_RESP_ERR__SSL)
    return;
  std::lock_guard lock(mu_);
  reason_ = reason;
  failed_ = true;
}

void ClientState::check() const {
  if (!failed_) return;
  std::lock_guard lock(mu_);
  throw kafka::UnauthorizedError(kafka::ErrorCode::sasl_authentication_failed,
                                 "authentication failed: " + reason_);
}

void ClientState::throttled(int throttle_ms) {
  if (throttle_ms <= 0) return;
  std::lock_guard lock(mu_);
  last_throttle_ms_ = throttle_ms;
  last_throttle_ = std::chrono::steady_clock::now();
}

std::optional<int> ClientState::recent_throttle(std::chrono::steady_clock::duration recent) const {
  std::lock_guard lock(mu_);
  if (last_throttle_ms_ == 0 || std::chrono::steady_clock::now() - last_throttle_ > recent) {
    return std::nullopt;
  }
  return last_throttle_ms_;
}

namespace {
void on_throttle(rd_kafka_t*, const char*, int32_t, int throttle_ms, void* opaque) {
  if (opaque) static_cast<ClientState*>(opaque)->throttled(throttle_ms);
}

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  if (opaque)
    static_cast<ClientState*>(opaque)->record(rd_kafka_resp_err_t(err), reason ? reason : "");
}
}  // namespace

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    throw kafka::ConfigError("librdkafka rejects " + name + "=" + value + ": " + err);
  }
}

std::string bootstrap_servers(const std::string& url) {
  const auto at = url.find("://");
  std::string servers = at == std::string::npos ? url : url.substr(at + 3);
  while (!servers.empty() && servers.back() == '/') servers.pop_back();
  if (servers.empty() || servers.find('/') != std::string::npos) {
    throw kafka::ConfigError("url '" + url + "': expected kafka://host:port[,host:port...]");
  }
  return servers;
}

Conf base_config(const kafka::ClientOptions& options, ClientState* state) {
  Conf conf(rd_kafka_conf_new());
  const bool tls = options.url.rfind("kafka+ssl://", 0) == 0;
  set(conf.get(), "bootstrap.servers", bootstrap_servers(options.url));
  set(conf.get(), "client.id", "kafka-do");
  set(conf.get(), "socket.timeout.ms",
      std::to_string(std::max<int64_t>(10, options.timeout.ms().count())));
  // Topics are created by the SDK with the client's default_partitions (auto_create_topics), never
  // implicitly by a metadata request with the broker's own default.
  set(conf.get(), "allow.auto.create.topics", "false");
  // librdkafka reconnects with backoff on its own; keep the first retries quick on loopback.
  set(conf.get(), "reconnect.backoff.ms", "20");
  set(conf.get(), "reconnect.backoff.max.ms", "1000");
  if (!tls && (!options.tls.ca_file.empty() || !options.tls.cert_file.empty())) {
    throw kafka::ConfigError("url '" + options.url +
                             "': TLS options (tls.ca_file, tls.cert_file) need a kafka+ssl:// url");
  }
  if (!options.api_key.empty()) {
    const auto colon = options.api_key.find(':');
    if (colon == std::string::npos) {
      throw kafka::ConfigError("api_key must be 'username:secret' for kafka:// (sent with SASL " +
                               options.sasl_mechanism + ")");
    }
    set(conf.get(), "security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT");
    set(conf.get(), "sasl.mechanism", options.sasl_mechanism);
    set(conf.get(), "sasl.username", options.api_key.substr(0, colon));
    set(conf.get(), "sasl.password", options.api_key.substr(colon + 1));
  } else if (tls) {
    set(conf.get(), "security.protocol", "SSL");
  }
  if (tls) {
    if (!options.tls.ca_file.empty()) set(conf.get(), "ssl.ca.location", options.tls.ca_file);
    if (!options.tls.cert_file.empty()) {
      set(conf.get(), "ssl.certificate.location", options.tls.cert_file);
      set(conf.get(), "ssl.key.location", options.tls.key_file);
    }
  }
  // librdkafka's own tracing ("cgrp,fetch", "all"...), for diagnosing a cluster: logged to stderr.
  if (const char* debug = std::getenv("KAFKA_DO_RDKAFKA_DEBUG"); debug && *debug)
    set(conf.get(), "debug", debug);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_throttle_cb(conf.get(), on_throttle);
  rd_kafka_conf_set_opaque(conf.get(), state);
  return conf;
}

Handle create(rd_kafka_type_t type, Conf conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (!rk) throw kafka::ConfigError(std::string("librdkafka: ") + err);
  (void)conf.release();  // rd_kafka_new owns it now
  return Handle(rk);
}

std::shared_ptr<const kafka::Error> make_error(rd_kafka_resp_err_t err, const std::string& what) {
  const std::string m = what + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return std::make_shared<kafka::TimeoutError>(m);
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__DESTROY:
      return std::make_shared<kafka::DisconnectedError>(m);
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return std::make_shared<kafka::UnauthorizedError>(
          kafka::ErrorCode::sasl_authentication_failed, m);
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return std::make_shared<kafka::TopicNotFoundError>(m);
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return std::make_shared<kafka::PartitionNotFoundError>(m);
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return std::make_shared<kafka::QuotaExceededError>(m);
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:  // an invalid topic name
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return std::make_shared<kafka::ConfigError>(m);
    case RD_KAFKA_RESP_ERR__FATAL:  // the handle is unusable (rd_kafka_fatal_error() says why)
      return std::make_shared<kafka::Error>(kafka::ErrorCode::unknown_server_error, m,
                                            /*retriable=*/false, /*fatal=*/true);
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
      return std::make_shared<kafka::RebalanceInProgressError>(m);
    default:
      break;
  }
  if (err > 0) return client::make_error(model::ErrorCode(int16_t(err)), what);
  return std::make_shared<kafka::Error>(kafka::ErrorCode::unknown_server_error, m);
}

void throw_error(rd_kafka_resp_err_t err, const std::string& what) {
  throw_concrete(make_error(err, what));
}

rd_kafka_headers_t* make_headers(const kafka::Headers& headers) {
  if (headers.empty()) return nullptr;
  rd_kafka_headers_t* out = rd_kafka_headers_new(headers.size());
  for (const auto& h : headers) {
    rd_kafka_header_add(out, h.key.data(), ssize_t(h.key.size()),
                        h.value ? h.value->data() : nullptr,
                        h.value ? ssize_t(h.value->size()) : 0);
  }
  return out;
}

}  // namespace kafka_do::client::rdk
