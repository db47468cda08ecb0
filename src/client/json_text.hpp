#pragma once
// JSON values as text for the wire: what Producer::send(Json) writes. The same text as
// nlohmann's dump() for everything but some numbers (doubles in their shortest round-trip form,
// e.g. 1234567890123456.0 where dump() writes 1.234567890123456e+15; both parse back to the
// same value), written straight into one string: dump() appends character by character, which
// was a third of the SDK's cost for 100-byte JSON records.

#include <string>

#include "kafka_do/json.hpp"

namespace kafka::detail {

// Appends `value` to `out`. Throws SerializationError for a string that is not UTF-8.
void append_json_text(std::string& out, const Json& value);
std::string json_text(const Json& value);

}  // namespace kafka::detail
