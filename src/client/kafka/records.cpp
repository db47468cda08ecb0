#include "client/kafka/records.hpp"

#include <cstring>

namespace kafka_do::client::rdk {
namespace {

kafka::Headers headers_of(const rd_kafka_message_t* m) {
  kafka::Headers headers;
  rd_kafka_headers_t* hdrs = nullptr;
  // rd_kafka_message_headers takes a non-const message: it parses the headers lazily, once.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(m), &hdrs) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      hdrs == nullptr) {
    return headers;
  }
  const char* name = nullptr;
  const void* v = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &v, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    kafka::Header h{name, std::nullopt};
    if (v) h.value.emplace(static_cast<const char*>(v), size);
    headers.push_back(std::move(h));
  }
  return headers;
}

}  // namespace

void append_records(std::span<const Message> messages,
                    const std::shared_ptr<kafka::detail::CommitSink>& sink,
                    std::vector<kafka::Record>& out) {
  size_t total = 0;
  for (const auto& m : messages) total += m->key_len + (m->payload ? m->len : 0);
  auto arena = std::make_shared<kafka::detail::RecordSource>();
  arena->bytes.resize(total);  // never resized again: the records view it
  arena->sink = sink;
  char* at = arena->bytes.data();
  out.reserve(out.size() + messages.size());
  for (const auto& m : messages) {
    std::optional<std::string_view> key;
    if (m->key) {
      std::memcpy(at, m->key, m->key_len);
      key.emplace(at, m->key_len);
      at += m->key_len;
    }
    std::optional<std::string_view> value;
    if (m->payload) {
      std::memcpy(at, m->payload, m->len);
      value.emplace(at, m->len);
      at += m->len;
    }
    rd_kafka_timestamp_type_t type;
    const int64_t ts = rd_kafka_message_timestamp(m.get(), &type);
    out.emplace_back(
        arena, rd_kafka_topic_name(m->rkt), m->partition, m->offset,
        std::chrono::system_clock::time_point(std::chrono::milliseconds(ts < 0 ? 0 : ts)), key,
        value, headers_of(m.get()), sink.get());
  }
}

}  // namespace kafka_do::client::rdk
