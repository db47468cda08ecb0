// Malformed, truncated and hostile inputs: decoders must fail cleanly, never read out of bounds
// and never allocate according to a length the input cannot back.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "protocol/gen/messages.hpp"
#include "protocol/test_bytes.hpp"

namespace kafka_do::protocol {
namespace {

TEST(HostileInputTest, ArrayLengthsBeyondTheInputAreRejected) {
  MetadataRequest request;
  // int32 count 0x7fffffff followed by a single topic.
  EXPECT_FALSE(decode_all(bytes({0x7f, 0xff, 0xff, 0xff, 0x00, 0x01, 't'}), 1, request));
  // Compact count 2^31 - 1 in a flexible version.
  EXPECT_FALSE(decode_all(bytes({0xff, 0xff, 0xff, 0xff, 0x07, 0x00}), 9, request));
  // A uvarint longer than 10 bytes.
  EXPECT_FALSE(decode_all(std::string(11, char(0x80)), 9, request));
  // Negative lengths other than -1.
  EXPECT_FALSE(decode_all(bytes({0xff, 0xff, 0xff, 0xfe}), 1, request));
}

TEST(HostileInputTest, StringLengthsBeyondTheInputAreRejected) {
  ApiVersionsRequest request;
  EXPECT_FALSE(decode_all(bytes({0x7f, 'a', 'b', 0x01, 0x00}), 3, request));
  EXPECT_FALSE(decode_all(bytes({0x00}), 3, request)) << "null where not nullable";
}

TEST(HostileInputTest, VersionsOutsideTheSchemaAreRejected) {
  ApiVersionsRequest request;
  EXPECT_FALSE(decode_all("", ApiVersionsRequest::highest_version + 1, request));
  EXPECT_FALSE(decode_all("", -1, request));
}

TEST(HostileInputTest, RandomBytesNeverCrashAnyDecoder) {
  std::mt19937 rng(12345);
  std::string data;
  for_each_api([&](auto api) {
    using Api = decltype(api);
    for (int16_t v = Api::Request::lowest_version; v <= Api::Request::highest_version; ++v) {
      for (int i = 0; i < 50; ++i) {
        data.resize(rng() % 64);
        for (char& c : data) {
          // Mostly small bytes, so lengths and counts are often plausible.
          c = char(rng() % 4 == 0 ? rng() : rng() % 3);
        }
        typename Api::Request request;
        ByteReader r1(data);
        (void)request.decode(r1, v);
        typename Api::Response response;
        ByteReader r2(data);
        (void)response.decode(r2, v);
      }
    }
  });
}

TEST(HostileInputTest, CanEncodeRefusesToDropNonIgnorableFields) {
  ProduceRequest request;
  request.transactional_id = "txn";  // Produce v3+ only, not ignorable
  EXPECT_FALSE(request.can_encode(2));
  EXPECT_TRUE(request.can_encode(3));
  request.transactional_id.reset();
  EXPECT_TRUE(request.can_encode(2));

  FetchResponse response;  // ThrottleTimeMs (v1+) is ignorable: dropping it is allowed
  response.throttle_time_ms = 100;
  EXPECT_TRUE(response.can_encode(0));
}

}  // namespace
}  // namespace kafka_do::protocol
