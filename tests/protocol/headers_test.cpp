#include "protocol/headers.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/gen/api_keys.hpp"
#include "protocol/test_bytes.hpp"

namespace kafka_do::protocol {
namespace {

TEST(HeadersTest, RequestHeaderIsV2ExactlyForFlexibleVersions) {
  EXPECT_EQ(request_header_version(18, 0), 1);  // ApiVersions
  EXPECT_EQ(request_header_version(18, 2), 1);
  EXPECT_EQ(request_header_version(18, 3), 2);
  EXPECT_EQ(request_header_version(18, 9), 2) << "too-new versions still parse the header";
  EXPECT_EQ(request_header_version(3, 8), 1);  // Metadata, flexible from 9
  EXPECT_EQ(request_header_version(3, 9), 2);
  EXPECT_EQ(request_header_version(47, 0), 1);  // OffsetDelete: never flexible
  EXPECT_EQ(request_header_version(60, 0), 2);  // DescribeCluster: always flexible
  EXPECT_EQ(request_header_version(7, 0), -1);  // ControlledShutdown: not implemented
  EXPECT_EQ(request_header_version(-1, 0), -1);
}

TEST(HeadersTest, ApiVersionsResponsesAlwaysUseHeaderV0) {
  EXPECT_EQ(response_header_version(18, 0), 0);
  EXPECT_EQ(response_header_version(18, 3), 0);
  EXPECT_EQ(response_header_version(18, 4), 0);
  EXPECT_EQ(response_header_version(3, 8), 0);
  EXPECT_EQ(response_header_version(3, 9), 1);
  EXPECT_EQ(response_header_version(22, 2), 1);  // InitProducerId, flexible from 2
  EXPECT_EQ(response_header_version(1000, 0), -1);
}

TEST(HeadersTest, DecodeRequestHeaderSplitsHeaderAndBody) {
  const std::string frame = bytes({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a,  //
                                   0x00, 0x01, 'c',                                 //
                                   0x00,                                            // tags
                                   0x01, 0x01, 0x00});                              // body
  auto decoded = decode_request_header(frame);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(decoded->header_version, 2);
  EXPECT_EQ(decoded->header.request_api_key, 18);
  EXPECT_EQ(decoded->header.request_api_version, 3);
  EXPECT_EQ(decoded->header.correlation_id, 42);
  EXPECT_EQ(decoded->header.client_id, "c");
  EXPECT_EQ(decoded->body, bytes({0x01, 0x01, 0x00}));
}

TEST(HeadersTest, DecodeRequestHeaderAcceptsANullClientId) {
  const std::string frame = bytes({0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05,  //
                                   0xff, 0xff,                                      // null
                                   0xff, 0xff, 0xff, 0xff});
  auto decoded = decode_request_header(frame);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(decoded->header.client_id.has_value());
  EXPECT_EQ(decoded->body.size(), 4u);
}

TEST(HeadersTest, DecodeRequestHeaderRejectsUnknownKeysAndTruncation) {
  auto unknown = decode_request_header(bytes({0x03, 0xe8, 0, 0, 0, 0, 0, 1, 0, 0}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Errc::unsupported);

  auto short_frame = decode_request_header(bytes({0x00, 0x12, 0x00}));
  ASSERT_FALSE(short_frame);
  EXPECT_EQ(short_frame.error().code(), Errc::corruption);

  // The client id claims 16 bytes but only 1 follows.
  auto truncated = decode_request_header(bytes({0x00, 0x12, 0, 0, 0, 0, 0, 1, 0x00, 0x10, 'x'}));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code(), Errc::corruption);
}

TEST(HeadersTest, EncodedHeadersDecodeBack) {
  RequestHeader header;
  header.request_api_key = 9;  // OffsetFetch: flexible from 6
  header.request_api_version = 7;
  header.correlation_id = 3;
  header.client_id = "me";
  std::string frame;
  ByteWriter w(frame);
  encode_request_header(w, header);
  w.bytes("body");
  auto decoded = decode_request_header(frame);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->header_version, 2);
  EXPECT_EQ(decoded->header, header);
  EXPECT_EQ(decoded->body, "body");

  std::string response;
  ByteWriter rw(response);
  encode_response_header(rw, 18, 3, 0x0a0b0c0d);
  EXPECT_EQ(response, bytes({0x0a, 0x0b, 0x0c, 0x0d})) << "ApiVersions: header v0";
  response.clear();
  encode_response_header(rw, 9, 7, 1);
  EXPECT_EQ(response, bytes({0, 0, 0, 1, 0})) << "flexible: header v1";
}

}  // namespace
}  // namespace kafka_do::protocol
