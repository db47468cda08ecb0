#pragma once
// Values are JSON by default: kafka::Json is nlohmann::json. Typed values convert through
// nlohmann's to_json/from_json (define them next to your type, as nlohmann documents).

#include <nlohmann/json.hpp>

namespace kafka {
using Json = nlohmann::json;
}  // namespace kafka
