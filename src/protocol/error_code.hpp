#pragma once
// Kafka error codes live in the model layer (the coordinator and storage map to them too); the
// protocol layer re-exports them under its own namespace for the handlers' convenience.

#include "model/error_code.hpp"

namespace kafka_do::protocol {

using model::error_name;
using model::ErrorCode;
using model::to_wire;

}  // namespace kafka_do::protocol
