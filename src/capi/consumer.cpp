// kd_consumer (kafka::Consumer, pulled one record at a time with a bounded wait) and
// kd_batch_consumer (kafka::BatchConsumer).
#include <nlohmann/json.hpp>

#include "capi/capi.hpp"
#include "capi/options.hpp"

using namespace kafka_do::capi;

namespace {

std::chrono::milliseconds wait_of(int timeout_ms) {
  return std::chrono::milliseconds(std::max(0, timeout_ms));
}

}  // namespace

extern "C" {

kd_error* kd_client_consumer(kd_client* client, const char* const* topics, size_t topic_count,
                             const char* options_json, kd_consumer** out) {
  return guard([&] {
    std::vector<std::string> names;
    if (topic_count && !topics) throw kafka::ConfigError("kafka_do: topics is NULL");
    for (size_t i = 0; i < topic_count; ++i) names.push_back(text(topics[i], "a topic"));
    create(out, [&](kd_consumer& handle) {
      handle.consumer.emplace(
          need(client, "client").client->consumer(names, consumer_options(options_json)));
    });
  });
}

kd_error* kd_consumer_next(kd_consumer* consumer, int timeout_ms, kd_record** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto& c = live(need(consumer, "consumer").consumer, "the consumer");
    if (auto r = c.next(wait_of(timeout_ms))) *out = new kd_record{std::move(*r)};
  });
}

kd_error* kd_consumer_next_into(kd_consumer* consumer, int timeout_ms, kd_records* into,
                                const kd_record** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto& list = need(into, "into");
    auto& c = live(need(consumer, "consumer").consumer, "the consumer");
    if (auto r = c.next(wait_of(timeout_ms))) {
      list.records.push_back(kd_record{std::move(*r)});
      *out = &list.records.back();
    }
  });
}

int kd_consumer_stopped(const kd_consumer* consumer) {
  return !consumer || !consumer->consumer || consumer->consumer->stopped();
}

kd_error* kd_consumer_commit(kd_consumer* consumer) {
  return guard([&] { live(need(consumer, "consumer").consumer, "the consumer").commit(); });
}

kd_error* kd_consumer_wait_for_assignment(kd_consumer* consumer, int timeout_ms, int* assigned) {
  return guard([&] {
    need(assigned, "assigned");
    *assigned = live(need(consumer, "consumer").consumer, "the consumer")
                    .wait_for_assignment(wait_of(timeout_ms));
  });
}

kd_error* kd_consumer_lag(kd_consumer* consumer, char** json_out) {
  return guard([&] {
    need(json_out, "json_out");
    *json_out = nullptr;
    auto& c = live(need(consumer, "consumer").consumer, "the consumer");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [tp, lag] : c.lag())
      out.push_back({{"topic", tp.topic}, {"partition", tp.partition}, {"lag", lag}});
    *json_out = hand_over(out.dump());
  });
}

void kd_consumer_stop(kd_consumer* consumer) {
  if (consumer && consumer->consumer) consumer->consumer->stop();
}

kd_error* kd_consumer_close(kd_consumer* consumer) {
  return guard([&] { close_once(need(consumer, "consumer").consumer); });
}

void kd_consumer_free(kd_consumer* consumer) { delete consumer; }  // ~Consumer closes

kd_error* kd_client_batch_consumer(kd_client* client, const char* topic, const char* options_json,
                                   kd_batch_consumer** out) {
  return guard([&] {
    auto [options, batch] = batch_consumer_options(options_json);
    create(out, [&](kd_batch_consumer& handle) {
      handle.consumer.emplace(
          need(client, "client").client->batch_consumer(text(topic, "topic"), options, batch));
    });
  });
}

kd_error* kd_batch_consumer_next(kd_batch_consumer* consumer, int timeout_ms, kd_batch** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto& c = live(need(consumer, "consumer").consumer, "the batch consumer");
    auto batch = c.next_batch(kafka::Duration(wait_of(timeout_ms)));
    if (!batch) return;
    auto handle = std::make_unique<kd_batch>();
    for (const auto& r : *batch) handle->records.records.push_back(kd_record{r});
    handle->batch = std::move(batch);
    *out = handle.release();
  });
}

void kd_batch_consumer_stop(kd_batch_consumer* consumer) {
  if (consumer && consumer->consumer) consumer->consumer->stop();
}

kd_error* kd_batch_consumer_close(kd_batch_consumer* consumer) {
  return guard([&] { close_once(need(consumer, "consumer").consumer); });
}

void kd_batch_consumer_free(kd_batch_consumer* consumer) { delete consumer; }

const kd_records* kd_batch_records(const kd_batch* batch) {
  return batch ? &batch->records : nullptr;
}

kd_error* kd_batch_commit(kd_batch* batch) {
  return guard([&] { live(need(batch, "batch").batch, "the batch").commit(); });
}

void kd_batch_free(kd_batch* batch) { delete batch; }

}  // extern "C"
