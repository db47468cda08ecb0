#include "client/kafka/records.hpp"

namespace kafka_do::client::rdk {

kafka::Record to_record(const rd_kafka_message_t* m,
                        std::shared_ptr<kafka::detail::CommitSink> sink) {
  std::optional<std::string> key;
  if (m->key) key.emplace(static_cast<const char*>(m->key), m->key_len);
  std::optional<std::string> value;
  if (m->payload) value.emplace(static_cast<const char*>(m->payload), m->len);
  kafka::Headers headers;
  rd_kafka_headers_t* hdrs = nullptr;
  // rd_kafka_message_headers takes a non-const message: it parses the headers lazily, once.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(m), &hdrs) ==
          RD_KAFKA_RESP_ERR_NO_ERROR &&
      hdrs) {
    const char* name = nullptr;
    const void* v = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &v, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      kafka::Header h{name, std::nullopt};
      if (v) h.value.emplace(static_cast<const char*>(v), size);
      headers.push_back(std::move(h));
    }
  }
  rd_kafka_timestamp_type_t type;
  const int64_t ts = rd_kafka_message_timestamp(m, &type);
  return kafka::Record(
      rd_kafka_topic_name(m->rkt), m->partition, m->offset,
      std::chrono::system_clock::time_point(std::chrono::milliseconds(ts < 0 ? 0 : ts)),
      std::move(key), std::move(value), std::move(headers), std::move(sink));
}

}  // namespace kafka_do::client::rdk
