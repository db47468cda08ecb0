// kd_client (kafka::Client and kafka::MockClient) and the record lists the mock hands back.
#include "capi/capi.hpp"
#include "capi/options.hpp"

using namespace kafka_do::capi;

extern "C" {

kd_error* kd_client_new(const char* options_json, kd_client** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto handle = std::make_unique<kd_client>();
    handle->client = std::make_unique<kafka::Client>(client_options(options_json));
    *out = handle.release();
  });
}

kd_error* kd_mock_client_new(const char* options_json, kd_client** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto handle = std::make_unique<kd_client>();
    auto mock = std::make_unique<kafka::MockClient>(client_options(options_json));
    handle->mock = mock.get();
    handle->client = std::move(mock);
    *out = handle.release();
  });
}

const char* kd_client_url(const kd_client* client) {
  if (!client) return "";
  try {
    return client->client->url().c_str();
  } catch (...) {
    return "";
  }
}

kd_error* kd_client_close(kd_client* client) {
  return guard([&] { need(client, "client").client->close(); });
}

void kd_client_free(kd_client* client) {
  if (!client) return;
  try {
    client->client->close();
  } catch (...) {  // the caller chose not to hear about a failing close (kd_client_close)
  }
  delete client;
}

kd_error* kd_mock_client_records(kd_client* client, const char* topic, kd_records** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto& c = need(client, "client");
    if (!c.mock) throw kafka::ConfigError("kafka_do: records() needs a mock client");
    auto list = std::make_unique<kd_records>();
    for (auto& r : c.mock->records(text(topic, "topic")))
      list->records.push_back(kd_record{std::move(r)});
    *out = list.release();
  });
}

size_t kd_records_count(const kd_records* records) { return records ? records->records.size() : 0; }

const kd_record* kd_records_at(const kd_records* records, size_t i) {
  if (!records || i >= records->records.size()) return nullptr;
  return &records->records[i];
}

kd_record* kd_records_take(const kd_records* records, size_t i) {
  if (!records || i >= records->records.size()) return nullptr;
  try {
    return new kd_record{records->records[i]};
  } catch (...) {
    return nullptr;
  }
}

void kd_records_free(kd_records* records) { delete records; }

kd_error* kd_records_new(kd_records** out) {
  return guard([&] { need(out, "out") = new kd_records(); });
}

void kd_record_get(const kd_record* handle, kd_record_fields* out) {
  if (!handle || !out) return;
  const kafka::Record& r = handle->record;
  out->topic = r.topic().data();
  out->topic_len = r.topic().size();
  out->partition = r.partition();
  out->offset = r.offset();
  out->timestamp_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(r.timestamp().time_since_epoch())
          .count();
  out->key = r.has_key() ? r.key().data() : nullptr;
  out->key_len = r.key().size();
  // A present but empty value still needs a non-NULL pointer.
  out->value = r.has_value() ? (r.raw_value().empty() ? "" : r.raw_value().data()) : nullptr;
  out->value_len = r.raw_value().size();
  if (r.has_key() && r.key().empty()) out->key = "";
  out->header_count = r.headers().size();
}

void kd_record_header(const kd_record* handle, size_t i, kd_header* out) {
  if (!out) return;
  *out = kd_header{};
  if (!handle || i >= handle->record.headers().size()) return;
  const auto& h = handle->record.headers()[i];
  out->key = h.key.c_str();
  out->key_len = h.key.size();
  out->value = h.value ? h.value->c_str() : nullptr;
  out->value_len = h.value ? h.value->size() : 0;
}

kd_error* kd_record_commit(const kd_record* record) {
  return guard([&] { need(record, "record").record.commit(); });
}

void kd_record_free(kd_record* record) { delete record; }

}  // extern "C"
