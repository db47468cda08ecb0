// Encodings written down by hand from the Kafka protocol guide, checked in both directions.

#include <gtest/gtest.h>

#include <string>

#include "protocol/gen/api_versions.hpp"
#include "protocol/gen/metadata.hpp"
#include "protocol/gen/request_header.hpp"
#include "protocol/gen/response_header.hpp"
#include "protocol/test_bytes.hpp"

namespace kafka_do::protocol {
namespace {

TEST(KnownBytesTest, ApiVersionsV0RequestIsAHeaderV1AndAnEmptyBody) {
  RequestHeader header;
  header.request_api_key = 18;
  header.request_api_version = 0;
  header.correlation_id = 1;
  header.client_id = "test";
  const std::string expected = bytes({0x00, 0x12,              // api key 18
                                      0x00, 0x00,              // api version 0
                                      0x00, 0x00, 0x00, 0x01,  // correlation id 1
                                      0x00, 0x04, 't', 'e', 's', 't'});
  EXPECT_EQ(encoded(header, 1), expected);
  EXPECT_EQ(encoded(ApiVersionsRequest{}, 0), "");

  RequestHeader decoded;
  ASSERT_TRUE(decode_all(expected, 1, decoded));
  EXPECT_EQ(decoded, header);
}

TEST(KnownBytesTest, ApiVersionsV0Response) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 3});
  response.throttle_time_ms = 0;
  const std::string expected = bytes({0x00, 0x00,                            // error code
                                      0x00, 0x00, 0x00, 0x01,                // int32 array length 1
                                      0x00, 0x12, 0x00, 0x00, 0x00, 0x03});  // 18: 0..3
  EXPECT_EQ(encoded(response, 0), expected);

  ApiVersionsResponse decoded;
  ASSERT_TRUE(decode_all(expected, 0, decoded));
  EXPECT_EQ(decoded, response);
  // v1 appends ThrottleTimeMs.
  EXPECT_EQ(encoded(response, 1), expected + bytes({0, 0, 0, 0}));
}

TEST(KnownBytesTest, FlexibleApiVersionsV3RequestKeepsAClassicClientId) {
  RequestHeader header;
  header.request_api_key = 18;
  header.request_api_version = 3;
  header.correlation_id = 7;
  header.client_id = "rdkafka";
  ApiVersionsRequest request;
  request.client_software_name = "librdkafka";
  request.client_software_version = "2.0.2";
  const std::string expected_header =
      bytes({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00,
             0x07,                                       // int16 length, even in header v2
             'r', 'd', 'k', 'a', 'f', 'k', 'a', 0x00});  // no tagged fields
  const std::string expected_body = bytes({0x0b,         // compact string: uvarint(10 + 1)
                                           'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a',  //
                                           0x06, '2', '.', '0', '.', '2',                     //
                                           0x00});  // no tagged fields
  EXPECT_EQ(encoded(header, 2), expected_header);
  EXPECT_EQ(encoded(request, 3), expected_body);

  ApiVersionsRequest decoded;
  ASSERT_TRUE(decode_all(expected_body, 3, decoded));
  EXPECT_EQ(decoded, request);
}

TEST(KnownBytesTest, ApiVersionsV3ResponseUsesCompactArraysAndTaggedFields) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 3, .min_version = 0, .max_version = 12});
  response.finalized_features_epoch = 5;
  const std::string expected =
      bytes({0x00, 0x00,                                     // error code
             0x02,                                           // compact array: 1 + 1
             0x00, 0x03, 0x00, 0x00, 0x00, 0x0c, 0x00,       // entry + tags
             0x00, 0x00, 0x00, 0x00,                         // throttle time
             0x01,                                           // one tagged field
             0x01, 0x08,                                     // tag 1, 8 bytes
             0,    0,    0,    0,    0,    0,    0,    5});  // FinalizedFeaturesEpoch
  EXPECT_EQ(encoded(response, 3), expected);
  ApiVersionsResponse decoded;
  ASSERT_TRUE(decode_all(expected, 3, decoded));
  EXPECT_EQ(decoded, response);
}

TEST(KnownBytesTest, UnknownTaggedFieldsAreSkipped) {
  const std::string with_unknown = bytes({0x00, 0x00, 0x01,  // error code, empty compact array
                                          0x00, 0x00, 0x00, 0x00,  // throttle time
                                          0x03,                    // three tagged fields
                                          0x01, 0x08, 0,    0,    0,    0, 0, 0, 0, 9,  // tag 1 = 9
                                          0x09, 0x03, 0xaa, 0xbb, 0xcc,  // tag 9: unknown
                                          0x03, 0x01, 0x01});            // tag 3 = true
  ApiVersionsResponse decoded;
  ASSERT_TRUE(decode_all(with_unknown, 3, decoded));
  EXPECT_EQ(decoded.finalized_features_epoch, 9);
  EXPECT_TRUE(decoded.zk_migration_ready);
  EXPECT_TRUE(decoded.api_keys.empty());
}

TEST(KnownBytesTest, TaggedFieldWithTheWrongSizeIsRejected) {
  // FinalizedFeaturesEpoch is an int64 but declared with 4 bytes.
  const std::string bad = bytes({0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
                                 0x01, 0x01, 0x04, 0, 0, 0, 9});
  ApiVersionsResponse decoded;
  EXPECT_FALSE(decode_all(bad, 3, decoded));
  // A tagged field claiming more bytes than are left.
  const std::string overlong = bytes({0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
                                      0x01, 0x09, 0x7f, 0x00});
  EXPECT_FALSE(decode_all(overlong, 3, decoded));
}

TEST(KnownBytesTest, MetadataV1RequestWithNullTopicsMeansAllTopics) {
  const std::string body = bytes({0xff, 0xff, 0xff, 0xff});  // int32 -1: null array
  MetadataRequest request;
  ASSERT_TRUE(decode_all(body, 1, request));
  EXPECT_FALSE(request.topics.has_value());
  EXPECT_EQ(encoded(request, 1), body);

  // v0 has no null: an empty array means all topics there, and null cannot be encoded.
  EXPECT_FALSE(request.can_encode(0));
  MetadataRequest v0;
  ASSERT_TRUE(decode_all(bytes({0, 0, 0, 0}), 0, v0));
  ASSERT_TRUE(v0.topics.has_value());
  EXPECT_TRUE(v0.topics->empty());
  EXPECT_FALSE(decode_all(body, 0, v0)) << "null topics are malformed in v0";
}

TEST(KnownBytesTest, MetadataV4RequestWithOneTopic) {
  MetadataRequest request;
  request.topics = std::vector<MetadataRequest::MetadataRequestTopic>(1);
  request.topics->front().name = "t";
  request.allow_auto_topic_creation = false;
  EXPECT_EQ(encoded(request, 4), bytes({0, 0, 0, 1, 0, 1, 't', 0}));
}

TEST(KnownBytesTest, ResponseHeaderV1EndsWithTaggedFields) {
  ResponseHeader header;
  header.correlation_id = 0x01020304;
  EXPECT_EQ(encoded(header, 0), bytes({1, 2, 3, 4}));
  EXPECT_EQ(encoded(header, 1), bytes({1, 2, 3, 4, 0}));
}

}  // namespace
}  // namespace kafka_do::protocol
