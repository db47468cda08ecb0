#pragma once
// The model layer speaks the SDK's own list of Kafka error codes (include/kafka_do/error_code.hpp),
// so a code keeps one name from the log engine to the broker's responses to the SDK's exceptions.

#include <cstdint>

#include "kafka_do/error_code.hpp"

namespace kafka_do::model {

using kafka::error_name;
using kafka::ErrorCode;

// The code as it goes into a response's int16 ErrorCode field.
constexpr int16_t to_wire(ErrorCode code) { return static_cast<int16_t>(code); }

}  // namespace kafka_do::model
