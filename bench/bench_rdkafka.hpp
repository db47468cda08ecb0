#pragma once
// librdkafka for the benchmarks that drive `kafkado serve` as a Kafka client would: owned handles,
// configuration that fails the run on a bad key, and topics created through the admin API.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_support.hpp"

namespace kafka_do::bench {

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Destroy(p);
  }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_destroy>>;
// rd_kafka_destroy also closes a consumer (leaves its assignment) before destroying it.
using KafkaPtr = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_destroy>>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, Deleter<rd_kafka_topic_destroy>>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_destroy>>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>>;
using AdminOptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                         Deleter<rd_kafka_topic_partition_list_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_destroy>>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, Deleter<rd_kafka_metadata_destroy>>;

using ConfList = std::vector<std::pair<const char*, std::string>>;

inline ConfPtr make_conf(const ConfList& settings) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK)
      die(std::string("librdkafka config ") + key + "=" + value + ": " + err);
  }
  return conf;
}

inline KafkaPtr make_client(rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  // rd_kafka_new takes the configuration only when it succeeds.
  KafkaPtr rk(rd_kafka_new(type, conf.get(), err, sizeof(err)));
  if (!rk) die(std::string("rd_kafka_new: ") + err);
  (void)conf.release();
  return rk;
}

// One CreateTopics request through the admin API (rather than metadata auto-creation, so that
// the partition count is explicit and a broker refusing a topic fails the run).
inline void create_topics(rd_kafka_t* rk, const std::vector<std::string>& names, int partitions) {
  char err[512];
  std::vector<NewTopicPtr> owned;
  std::vector<rd_kafka_NewTopic_t*> topics;
  for (const auto& name : names) {
    owned.emplace_back(rd_kafka_NewTopic_new(name.c_str(), partitions, 1, err, sizeof(err)));
    if (!owned.back()) die("NewTopic " + name + ": " + err);
    topics.push_back(owned.back().get());
  }
  const std::string what =
      "CreateTopics " + names.front() +
      (names.size() > 1 ? " and " + std::to_string(names.size() - 1) + " more" : std::string());
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), 10'000, err, sizeof(err));
  QueuePtr queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), 30'000));
  if (!event) die(what + ": no answer within 30 s");
  if (rd_kafka_event_error(event.get()))
    die(what + ": " + rd_kafka_event_error_string(event.get()));
  const auto* result = rd_kafka_event_CreateTopics_result(event.get());
  if (result == nullptr) die(what + ": unexpected event");
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  if (count != names.size()) die(what + ": " + std::to_string(count) + " results");
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* message = rd_kafka_topic_result_error_string(results[i]);
      die(std::string("CreateTopics ") + rd_kafka_topic_result_name(results[i]) + ": " +
          (message ? message : "error"));
    }
  }
}

}  // namespace kafka_do::bench
