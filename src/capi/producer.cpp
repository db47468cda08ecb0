// kd_producer (kafka::Producer) and kd_async_producer (kafka::AsyncProducer, whose delivery
// reports are queued here until the caller takes them: no callback leaves the library).
#include "capi/capi.hpp"
#include "capi/options.hpp"

using namespace kafka_do::capi;

DeliveryQueue::~DeliveryQueue() {
  for (auto& r : reports) kd_error_free(r.error);
}

namespace {

std::string_view value_view(const char* value, size_t len) {
  return value ? std::string_view(value, len) : std::string_view();
}

}  // namespace

extern "C" {

kd_error* kd_client_producer(kd_client* client, const char* topic, const char* options_json,
                             kd_producer** out) {
  return guard([&] {
    create(out, [&](kd_producer& handle) {
      handle.producer.emplace(
          need(client, "client")
              .client->producer(text(topic, "topic"), producer_options(options_json)));
    });
  });
}

kd_error* kd_producer_send(kd_producer* producer, const char* value, size_t value_len,
                           const kd_send_options* options) {
  return guard([&] {
    auto& p = live(need(producer, "producer").producer, "the producer");
    // A null value (NULL) is a tombstone; the SDK sends an absent optional as such.
    if (!value) {
      p.send(kafka::Json(nullptr), send_options(options));
      return;
    }
    p.send_raw(value_view(value, value_len), send_options(options));
  });
}

kd_error* kd_producer_flush(kd_producer* producer) {
  return guard([&] { live(need(producer, "producer").producer, "the producer").flush(); });
}

kd_error* kd_producer_close(kd_producer* producer) {
  return guard([&] { close_once(need(producer, "producer").producer); });
}

void kd_producer_free(kd_producer* producer) { delete producer; }  // ~Producer flushes

kd_error* kd_client_async_producer(kd_client* client, const char* topic, const char* options_json,
                                   kd_async_producer** out) {
  return guard([&] {
    create(out, [&](kd_async_producer& handle) {
      handle.producer.emplace(
          need(client, "client")
              .client->async_producer(text(topic, "topic"), producer_options(options_json)));
    });
  });
}

kd_error* kd_async_producer_send(kd_async_producer* producer, const char* value, size_t value_len,
                                 const kd_send_options* options, uint64_t tag) {
  return guard([&] {
    auto& handle = need(producer, "producer");
    auto& p = live(handle.producer, "the producer");
    // Runs on the SDK's delivery thread: only queues.
    auto report = [queue = handle.queue, tag](const kafka::DeliveryReport& r) {
      kd_delivery_report out{tag, r.partition(), r.offset(),
                             r.error() ? make_error(*r.error()) : nullptr};
      std::lock_guard lock(queue->mutex);
      queue->reports.push_back(out);
      queue->arrived.notify_all();
    };
    if (!value)
      p.send(kafka::Json(nullptr), send_options(options), report);
    else
      p.send_raw(value_view(value, value_len), send_options(options), report);
  });
}

kd_error* kd_async_producer_poll_reports(kd_async_producer* producer, int timeout_ms,
                                         kd_delivery_report* reports, size_t capacity,
                                         size_t* count) {
  return guard([&] {
    need(count, "count");
    *count = 0;
    auto& queue = *need(producer, "producer").queue;
    if (capacity && !reports) throw kafka::ConfigError("kafka_do: reports is NULL");
    std::unique_lock lock(queue.mutex);
    queue.arrived.wait_for(lock, std::chrono::milliseconds(std::max(0, timeout_ms)),
                           [&] { return !queue.reports.empty(); });
    while (*count < capacity && !queue.reports.empty()) {
      reports[(*count)++] = queue.reports.front();
      queue.reports.pop_front();
    }
  });
}

size_t kd_async_producer_in_flight(const kd_async_producer* producer) {
  if (!producer || !producer->producer) return 0;
  return producer->producer->in_flight();
}

kd_error* kd_async_producer_deliver(kd_async_producer* producer) {
  return guard([&] { live(need(producer, "producer").producer, "the producer").deliver(); });
}

kd_error* kd_async_producer_close(kd_async_producer* producer) {
  return guard([&] { close_once(need(producer, "producer").producer); });
}

void kd_async_producer_free(kd_async_producer* producer) {
  if (!producer) return;
  try {
    if (producer->producer) producer->producer->close();
  } catch (...) {  // errors are in the reports, for a caller who asked
  }
  delete producer;
}

}  // extern "C"
