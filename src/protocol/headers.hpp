#pragma once
// Request and response headers: which header version goes with which API version, and decoding
// the header at the front of a request frame.
//
// Request header v1 = api key, api version, correlation id, client id (nullable int16-length
// string); v2 adds a tagged-field section and is used iff the request version is flexible. Response
// header v0 = correlation id; v1 adds tagged fields and is used iff the response version is
// flexible, except for ApiVersions, whose response always uses v0 (KIP-511: a client that sent a
// too-new version must still be able to read the error). Header v0 of requests (no client id)
// belongs to ControlledShutdown v0 only, which kafka-do does not implement.

#include <cstdint>
#include <string_view>

#include "base/coding.hpp"
#include "base/result.hpp"
#include "protocol/gen/api_keys.hpp"
#include "protocol/gen/request_header.hpp"
#include "protocol/gen/response_header.hpp"

namespace kafka_do::protocol {

// True when `api_version` of `api` uses the flexible encoding. Versions above the highest known
// one count as flexible when the API has flexible versions (as Kafka computes header versions).
constexpr bool is_flexible_version(const ApiInfo& api, int16_t api_version) {
  return api.first_flexible_version >= 0 && api_version >= api.first_flexible_version;
}

// The RequestHeader version of a request, or -1 when kafka-do does not know `api_key`.
int16_t request_header_version(int16_t api_key, int16_t api_version);
// The ResponseHeader version of a response, or -1 when kafka-do does not know `api_key`.
int16_t response_header_version(int16_t api_key, int16_t api_version);

// A request frame split into its header and its body.
struct RequestFrame {
  RequestHeader header;
  int16_t header_version = 1;
  // The bytes after the header: the request body, a view into the frame passed in.
  std::string_view body;
};

// Decodes the header of one request frame (the bytes after the int32 size prefix). Fails with
// Errc::unsupported for an api key kafka-do does not implement (Kafka closes the connection then)
// and Errc::corruption for a truncated or malformed header. The API version is not checked
// against the supported range: the caller answers UNSUPPORTED_VERSION itself.
Result<RequestFrame> decode_request_header(std::string_view frame);

// Writes `header` in the header version its api key and version call for.
// REQUIRES: request_header_version(header.request_api_key, header.request_api_version) >= 0.
void encode_request_header(ByteWriter& w, const RequestHeader& header);

// Writes the response header for a response to `api_key` at `api_version`.
// REQUIRES: response_header_version(api_key, api_version) >= 0.
void encode_response_header(ByteWriter& w, int16_t api_key, int16_t api_version,
                            int32_t correlation_id);

}  // namespace kafka_do::protocol
