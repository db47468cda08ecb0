#pragma once
// The C ABI's options: JSON objects whose keys are the C++ options' names (durations in
// milliseconds, with an _ms suffix), read strictly: an unknown key or a value of the wrong type
// is a kafka::ConfigError naming it.

#include <nlohmann/json.hpp>

#include "kafka_do/kafka.hpp"

namespace kafka_do::capi {

nlohmann::json parse_options(const char* json_text, const char* what);

kafka::ClientOptions client_options(const char* json_text);
kafka::ProducerOptions producer_options(const char* json_text);
kafka::ConsumerOptions consumer_options(const char* json_text);
// A batch consumer's: the consumer's options and {"batch_size", "batch_timeout_ms"}.
std::pair<kafka::ConsumerOptions, kafka::BatchOptions> batch_consumer_options(
    const char* json_text);
kafka::TransactionOptions transaction_options(const char* json_text);
kafka::TopicOptions topic_options(const char* json_text);
kafka::TopicAlteration topic_alteration(const char* json_text);
kafka::StreamOptions stream_options(const char* json_text);
// {"offset": "earliest" | "latest"} | {"timestamp_ms": N} | {"to_offset": N} | {"shift_by": N},
// and whether "dry_run" was set.
std::pair<kafka::OffsetReset, bool> offset_reset(const char* json_text);

}  // namespace kafka_do::capi
