#pragma once
// librdkafka messages as kafka::Records (what consumers and read_topic hand to applications).

#include <librdkafka/rdkafka.h>

#include <memory>

#include "kafka_do/record.hpp"

namespace kafka_do::client::rdk {

// Copies key, value, headers and timestamp out of `m` (which the caller still owns).
kafka::Record to_record(const rd_kafka_message_t* m,
                        std::shared_ptr<kafka::detail::CommitSink> sink);

}  // namespace kafka_do::client::rdk
