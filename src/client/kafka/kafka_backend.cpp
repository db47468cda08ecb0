#include "client/kafka/kafka_backend.hpp"

#include <thread>

#include "client/kafka/kafka_admin.hpp"
#include "client/kafka/kafka_consumer.hpp"
#include "client/kafka/kafka_producer.hpp"
#include "client/kafka/kafka_transaction.hpp"
#include "client/kafka/records.hpp"

namespace kafka_do::client {

using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;
// How often a blocking call checks for a refused key.
constexpr std::chrono::milliseconds kSlice{200};

struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct ResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};

int slice_ms(Clock::time_point deadline, std::chrono::milliseconds slice) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return int(std::max<int64_t>(1, std::min(left, slice).count()));
}

}  // namespace

KafkaBackend::KafkaBackend(kafka::ClientOptions options) : options_(std::move(options)) {
  // A bad URL or api_key is a ConfigError now, not at the first request.
  (void)rdk::base_config(options_, nullptr);
}

KafkaBackend::~KafkaBackend() = default;

rd_kafka_t* KafkaBackend::handle() {
  std::lock_guard lock(mu_);
  if (!handle_) handle_ = rdk::create(RD_KAFKA_PRODUCER, rdk::base_config(options_, &state_));
  return handle_.get();
}

rd_kafka_t* KafkaBackend::uncommitted_handle() {
  std::lock_guard lock(mu_);
  if (!uncommitted_handle_) {
    // ListOffsets carries the handle's isolation.level; this one asks for the high watermark.
    auto conf = rdk::base_config(options_, &state_);
    rdk::set(conf.get(), "isolation.level", "read_uncommitted");
    rdk::set(conf.get(), "enable.auto.commit", "false");
    uncommitted_handle_ = rdk::create(RD_KAFKA_CONSUMER, std::move(conf));
  }
  return uncommitted_handle_.get();
}

void KafkaBackend::check_state() {
  rd_kafka_poll(handle(), 0);  // runs the error callback of the shared handle
  state_.check();
}

std::shared_ptr<kafka::detail::ProducerCore> KafkaBackend::make_producer(
    const std::string& topic, const kafka::ProducerOptions& options, bool async) {
  const int32_t partitions = ensure_topic(topic);
  auto self = std::static_pointer_cast<KafkaBackend>(shared_from_this());
  return std::make_shared<KafkaProducer>(std::move(self), topic, partitions, options, async);
}

std::shared_ptr<kafka::detail::ConsumerCore> KafkaBackend::make_consumer(
    kafka::detail::ConsumerSettings settings) {
  for (const auto& topic : settings.topics) ensure_topic(topic);
  auto consumer = std::make_shared<KafkaConsumer>(
      std::static_pointer_cast<KafkaBackend>(shared_from_this()), std::move(settings));
  consumer->start();
  return consumer;
}

std::shared_ptr<kafka::detail::TransactionCore> KafkaBackend::transaction_core(
    const kafka::TransactionOptions& options) {
  std::lock_guard lock(transactions_mu_);
  auto& core = transactions_[options.transactional_id];
  if (!core) core = std::make_shared<KafkaTransaction>(*this, options);
  return core;
}

std::shared_ptr<kafka::detail::AdminCore> KafkaBackend::make_admin() {
  return std::make_shared<KafkaAdmin>(std::static_pointer_cast<KafkaBackend>(shared_from_this()));
}

std::map<std::string, int32_t> KafkaBackend::topics() {
  rd_kafka_t* rk = handle();
  const auto deadline = Clock::now() + timeout();
  for (;;) {
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk, 1, nullptr, &md, slice_ms(deadline, 1000ms));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::map<std::string, int32_t> out;
      for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& t = md->topics[i];
        if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR) out[t.topic] = t.partition_cnt;
      }
      rd_kafka_metadata_destroy(md);
      return out;
    }
    check_state();
    const bool transient =
        err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT;
    if (!transient || Clock::now() >= deadline)
      rdk::throw_error(err, "fetching metadata from " + options_.url);
  }
}

std::optional<int32_t> KafkaBackend::partition_count(const std::string& topic) {
  const auto all = topics();
  if (auto it = all.find(topic); it != all.end()) return it->second;
  return std::nullopt;
}

int32_t KafkaBackend::ensure_topic(const std::string& topic) {
  if (auto n = partition_count(topic)) return *n;
  if (!options_.auto_create_topics) {
    throw kafka::TopicNotFoundError("topic '" + topic +
                                    "' does not exist (auto_create_topics is off)");
  }
  create_topic(topic, options_.default_partitions, {}, /*if_not_exists=*/true);
  // A cluster may need a moment until every broker's metadata has the new topic.
  const auto deadline = Clock::now() + timeout();
  for (;;) {
    if (auto n = partition_count(topic)) return *n;
    if (Clock::now() >= deadline)
      throw kafka::TimeoutError("topic '" + topic + "' was created but is not visible");
    std::this_thread::sleep_for(50ms);
  }
}

void KafkaBackend::create_topic(const std::string& name, int partitions,
                                const std::map<std::string, std::string>& config,
                                bool if_not_exists) {
  char err[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> nt(
      rd_kafka_NewTopic_new(name.c_str(), partitions, -1, err, sizeof err));
  if (!nt) throw kafka::ConfigError("creating topic '" + name + "': " + err);
  for (const auto& [k, v] : config) {
    rdk::check(rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str()),
               "config " + k + " of topic '" + name + "'");
  }
  const std::string what = "creating topic '" + name + "'";
  auto ev = admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_NewTopic_t* one = nt.get();
        rd_kafka_CreateTopics(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    const auto e = rd_kafka_topic_result_error(results[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && if_not_exists) continue;
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    rdk::throw_error(e, what + (msg ? std::string(" (") + msg + ")" : std::string()));
  }
}

std::pair<int64_t, int64_t> KafkaBackend::watermarks(const std::string& topic, int32_t partition,
                                                     kafka::Isolation isolation) {
  int64_t low = 0, high = 0;
  rd_kafka_t* rk = isolation == kafka::Isolation::read_committed ? handle() : uncommitted_handle();
  auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high,
                                              rdk::to_int_ms(timeout()));
  if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    // The handle's metadata predates the partition (the topic just grew): refresh it, once.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 1, nullptr, &md, rdk::to_int_ms(timeout())) == 0) {
      rd_kafka_metadata_destroy(md);
    }
    err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high,
                                           rdk::to_int_ms(timeout()));
  }
  if (err) {
    check_state();
    rdk::throw_error(err, "offsets of " + topic + "/" + std::to_string(partition));
  }
  return {low, high};
}

int64_t KafkaBackend::offset_for_time(const std::string& topic, int32_t partition, int64_t ms) {
  auto list = rdk::new_list(1);
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = ms;
  const auto err = rd_kafka_offsets_for_times(handle(), list.get(), rdk::to_int_ms(timeout()));
  const std::string what = "offset for time in " + topic + "/" + std::to_string(partition);
  if (err) {
    check_state();
    rdk::throw_error(err, what);
  }
  rdk::check(list->elems[0].err, what);
  return list->elems[0].offset < 0 ? -1 : list->elems[0].offset;
}

std::map<std::string, KafkaBackend::TopicConfig> KafkaBackend::topic_configs(
    const std::vector<std::string>& topics) {
  std::map<std::string, TopicConfig> out;
  if (topics.empty()) return out;
  std::vector<std::unique_ptr<rd_kafka_ConfigResource_t, ResourceDeleter>> owned;
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const auto& t : topics) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    resources.push_back(owned.back().get());
  }
  auto ev = admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DescribeConfigs(rk, resources.data(), resources.size(), o, q);
      },
      "describing topic configs");
  size_t n = 0;
  const rd_kafka_ConfigResource_t** result = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(result[i]);
    if (const auto e = rd_kafka_ConfigResource_error(result[i])) {
      if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        throw kafka::TopicNotFoundError("topic '" + name + "' does not exist");
      rdk::throw_error(e, "describing config of topic '" + name + "'");
    }
    size_t count = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(result[i], &count);
    TopicConfig& config = out[name];
    for (size_t j = 0; j < count; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      if (!value || rd_kafka_ConfigEntry_is_sensitive(entries[j])) continue;
      const std::string key = rd_kafka_ConfigEntry_name(entries[j]);
      config.values[key] = value;
      if (rd_kafka_ConfigEntry_source(entries[j]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) {
        config.overrides[key] = value;
      }
    }
  }
  return out;
}

rdk::Event KafkaBackend::admin(
    const std::function<void(rd_kafka_t*, rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start,
    const std::string& what) {
  rd_kafka_t* rk = handle();
  rdk::Queue queue(rd_kafka_queue_new(rk));
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> opts(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY));
  char err[256];
  (void)rd_kafka_AdminOptions_set_request_timeout(opts.get(), rdk::to_int_ms(timeout()), err,
                                                  sizeof err);
  start(rk, opts.get(), queue.get());
  const auto deadline = Clock::now() + timeout() + 1s;  // the request's own timeout answers first
  rdk::Event ev;
  while (!ev) {
    ev.reset(rd_kafka_queue_poll(queue.get(), slice_ms(deadline, kSlice)));
    if (ev) break;
    check_state();
    if (Clock::now() >= deadline)
      throw kafka::TimeoutError(what + ": no answer from " + options_.url);
  }
  if (const auto e = rd_kafka_event_error(ev.get())) {
    check_state();
    const char* msg = rd_kafka_event_error_string(ev.get());
    rdk::throw_error(e, what + (msg ? std::string(" (") + msg + ")" : std::string()));
  }
  return ev;
}

std::vector<kafka::Record> KafkaBackend::read_topic(const std::string& topic) {
  const auto count = partition_count(topic);
  if (!count) throw kafka::TopicNotFoundError("topic '" + topic + "' does not exist");
  // A consumer that assigns every partition from its log start to its current end. Its group id
  // is never joined (assign() only) and nothing is committed.
  auto conf = rdk::base_config(options_, &state_);
  rdk::set(conf.get(), "enable.auto.commit", "false");
  rdk::set(conf.get(), "group.id", "kafka-do-read-topic");
  auto rk = rdk::create(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(rk.get());
  auto list = rdk::new_list(*count);
  std::map<int32_t, int64_t> end;
  for (int32_t p = 0; p < *count; ++p) {
    const auto [low, high] = watermarks(topic, p);
    if (high > low) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = low;
      end[p] = high;
    }
  }
  std::map<int32_t, std::vector<kafka::Record>> by_partition;
  if (!end.empty()) {
    rdk::check(rd_kafka_assign(rk.get(), list.get()), "reading topic '" + topic + "'");
    const auto deadline = Clock::now() + timeout();
    while (!end.empty()) {
      if (Clock::now() >= deadline)
        throw kafka::TimeoutError("reading topic '" + topic + "' timed out");
      rdk::Message m(rd_kafka_consumer_poll(rk.get(), 100));
      state_.check();
      if (!m || m->err) continue;
      rdk::append_records(std::span<const rdk::Message>(&m, 1), nullptr,
                          by_partition[m->partition]);
      if (auto it = end.find(m->partition); it != end.end() && m->offset + 1 >= it->second)
        end.erase(it);
    }
  }
  rd_kafka_consumer_close(rk.get());
  std::vector<kafka::Record> out;
  for (auto& [p, records] : by_partition) {
    for (auto& r : records) out.push_back(std::move(r));
  }
  return out;
}

std::shared_ptr<kafka::detail::Backend> make_kafka_backend(const kafka::ClientOptions& options) {
  return std::make_shared<KafkaBackend>(options);
}

}  // namespace kafka_do::client
