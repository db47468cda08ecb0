// Fuzz target: one request frame as the broker's network layer receives it (the bytes after the
// int32 size prefix, exactly what Server hands to protocol::decode_request_header).
//
//  1. The request header decodes, or is rejected; a decoded header re-encodes to a frame that
//     decodes to the same header and the same body bytes.
//  2. The body decodes with the generated codec of the header's api key at the header's version,
//     for every API and every version the codec knows (not only what the broker advertises: the
//     fuzzer controls the header), and a decoded body passes the round-trip check
//     (fuzz_check.hpp).
//  3. Produce bodies: every partition's `records` goes through the record-batch checks the log's
//     append path runs (record_batch_check.hpp). JoinGroup protocol metadata and SyncGroup
//     assignments go through the ConsumerProtocol codecs (int16 version prefix, then the body), as
//     the group coordinator reads them.
// Any failed check aborts; sanitizers catch memory errors, leaks and undefined behaviour.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/coding.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/record_batch_check.hpp"
#include "protocol/gen/messages.hpp"
#include "protocol/headers.hpp"

namespace kafka_do::fuzz {
namespace {

using namespace protocol;

// A ConsumerProtocol payload: int16 version, then the struct at that version.
template <typename T>
void check_consumer_protocol(std::string_view payload, const char* what) {
  ByteReader r(payload);
  const int16_t version = r.i16();
  if (!r.ok()) return;
  T message;
  decode_and_check_round_trip(payload.substr(2), version, message, what);
}

template <typename Request>
void check_body(const Request& request) {
  if constexpr (std::is_same_v<Request, ProduceRequest>) {
    for (const auto& topic : request.topic_data) {
      for (const auto& partition : topic.partition_data) {
        if (partition.records) check_record_batch(*partition.records);
      }
    }
  } else if constexpr (std::is_same_v<Request, JoinGroupRequest>) {
    for (const auto& protocol : request.protocols) {
      check_consumer_protocol<ConsumerProtocolSubscription>(protocol.metadata,
                                                            "ConsumerProtocolSubscription");
    }
  } else if constexpr (std::is_same_v<Request, SyncGroupRequest>) {
    for (const auto& assignment : request.assignments) {
      check_consumer_protocol<ConsumerProtocolAssignment>(assignment.assignment,
                                                          "ConsumerProtocolAssignment");
    }
  }
}

void check_frame(std::string_view frame) {
  auto split = decode_request_header(frame);
  if (!split) return;
  const RequestHeader& header = split->header;
  const ApiInfo* api = find_api(header.request_api_key);
  FUZZ_CHECK(api != nullptr, "decode_request_header accepted an unknown api key");
  FUZZ_CHECK(split->header_version ==
                 request_header_version(header.request_api_key, header.request_api_version),
             "header version");
  FUZZ_CHECK(split->body.data() >= frame.data() &&
                 split->body.data() + split->body.size() == frame.data() + frame.size(),
             "body is not the tail of the frame");

  // Header round trip.
  std::string again;
  ByteWriter w(again);
  encode_request_header(w, header);
  w.bytes(split->body);
  auto resplit = decode_request_header(again);
  FUZZ_CHECK(resplit, "re-encoded header does not decode");
  FUZZ_CHECK(resplit->header == header, "header round trip");
  FUZZ_CHECK(resplit->body == split->body, "body after the re-encoded header");

  // Body: the codec of this api key, at this version.
  bool found = false;
  for_each_api([&](auto messages) {
    using Request = typename decltype(messages)::Request;
    if (Request::api_key != header.request_api_key) return;
    found = true;
    Request request;
    if (decode_and_check_round_trip(split->body, header.request_api_version, request,
                                    api->name)) {
      check_body(request);
    }
  });
  FUZZ_CHECK(found, "no codec for a known api key");
}

}  // namespace
}  // namespace kafka_do::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kafka_do::fuzz::check_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
