#pragma once
// librdkafka messages as kafka::Records (what consumers and read_topic hand to applications).

#include <librdkafka/rdkafka.h>

#include <memory>
#include <span>
#include <vector>

#include "client/kafka/rdkafka_util.hpp"
#include "kafka_do/record.hpp"

namespace kafka_do::client::rdk {

// Appends records made of `messages` (which the caller still owns and may destroy at once) to
// `out`. Keys and values are copied into one buffer that the records share: one allocation per
// poll instead of two per record. Records must not hold librdkafka's messages themselves, since
// rd_kafka_destroy() waits until every message is destroyed, and records may outlive the
// consumer.
void append_records(std::span<const Message> messages,
                    const std::shared_ptr<kafka::detail::CommitSink>& sink,
                    std::vector<kafka::Record>& out);

}  // namespace kafka_do::client::rdk
