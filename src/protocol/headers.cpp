#include "protocol/headers.hpp"

#include <cassert>
#include <string>

namespace kafka_do::protocol {

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = find_api(api_key);
  if (api == nullptr) return -1;
  return is_flexible_version(*api, api_version) ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = find_api(api_key);
  if (api == nullptr) return -1;
  if (api->key == ApiKey::api_versions) return 0;
  return is_flexible_version(*api, api_version) ? 1 : 0;
}

Result<RequestFrame> decode_request_header(std::string_view frame) {
  if (frame.size() < 8) {
    return unexpected(Errc::corruption,
                      "request frame of " + std::to_string(frame.size()) + " bytes has no header");
  }
  ByteReader peek(frame);
  const int16_t api_key = peek.i16();
  const int16_t api_version = peek.i16();
  const int16_t header_version = request_header_version(api_key, api_version);
  if (header_version < 0) {
    return unexpected(Errc::unsupported, "unknown api key " + std::to_string(api_key));
  }
  RequestFrame out;
  out.header_version = header_version;
  ByteReader r(frame);
  if (!out.header.decode(r, header_version)) {
    return unexpected(Errc::corruption, "malformed request header v" +
                                            std::to_string(header_version) + " (api key " +
                                            std::to_string(api_key) + ")");
  }
  out.body = frame.substr(frame.size() - r.remaining());
  return out;
}

void encode_request_header(ByteWriter& w, const RequestHeader& header) {
  const int16_t version =
      request_header_version(header.request_api_key, header.request_api_version);
  assert(version >= 0);
  header.encode(w, version);
}

void encode_response_header(ByteWriter& w, int16_t api_key, int16_t api_version,
                            int32_t correlation_id) {
  const int16_t version = response_header_version(api_key, api_version);
  assert(version >= 0);
  ResponseHeader header;
  header.correlation_id = correlation_id;
  header.encode(w, version);
}

}  // namespace kafka_do::protocol
