#pragma once
// JSON values as text for the wire: what Producer::send(Json) writes and Record::value() reads. The
// same text as nlohmann's dump() for everything but some numbers (doubles in their shortest
// round-trip form, e.g. 1234567890123456.0 where dump() writes 1.234567890123456e+15; both parse
// back to the same value), written straight into one string: dump() appends character by character,
// which was a third of the SDK's cost for 100-byte JSON records.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "kafka_do/json.hpp"

namespace kafka::detail {

// Appends `value` to `out`. Throws SerializationError for a string that is not UTF-8.
void append_json_text(std::string& out, const Json& value);
std::string json_text(const Json& value);

// Why a text is not JSON (what failed and at which byte).
class JsonTextError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The value of a JSON text (RFC 8259; a UTF-8 byte order mark is skipped), typed as nlohmann's
// parse() types it: unsigned integers number_unsigned, negative ones number_integer, either
// number_float when it does not fit; the last of duplicate keys wins. Nesting deeper than 512
// levels is refused, and so is a NUL byte anywhere (parse() stops reading at one). Throws
// JsonTextError. It reads the text in place, where parse() goes through an input adapter character
// by character (half of what reading a 100-byte JSON record cost).
Json parse_json_text(std::string_view text);
// A number's text (JSON's grammar, already checked) as a double, as parse() reads it: underflow is
// zero; nullopt when it is too large for a double.
std::optional<double> json_number_as_double(std::string_view text);

}  // namespace kafka::detail
