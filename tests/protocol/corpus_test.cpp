// Request frames captured from real clients (kcat 1.7.1 and confluent-kafka-python 1.7.0 on
// librdkafka 2.0.2, kafka-python 2.0.2) by tests/protocol/capture/capture_frames.py. Each file is
// one frame without its size prefix, named <client>-<api>-v<version>.bin.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocol/gen/messages.hpp"
#include "protocol/headers.hpp"
#include "protocol/test_bytes.hpp"

namespace kafka_do::protocol {
namespace {

namespace fs = std::filesystem;

std::string read_corpus_file(const std::string& name) {
  std::ifstream in(fs::path(KAFKA_DO_PROTOCOL_CORPUS_DIR) / name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing corpus file " << name;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Decodes the request body of `frame` as the message type T, requiring every byte to be used.
template <typename T>
T decode_frame(const std::string& name, int16_t expected_version) {
  const std::string frame = read_corpus_file(name);
  auto split = decode_request_header(frame);
  EXPECT_TRUE(split) << name;
  T message;
  if (!split) return message;
  EXPECT_EQ(split->header.request_api_key, T::api_key) << name;
  EXPECT_EQ(split->header.request_api_version, expected_version) << name;
  EXPECT_TRUE(decode_all(split->body, expected_version, message)) << name;
  return message;
}

std::string client_id_of(const std::string& name) {
  const std::string frame = read_corpus_file(name);
  auto split = decode_request_header(frame);
  return split && split->header.client_id ? *split->header.client_id : "<none>";
}

// Every frame: the header and body decode with no byte left over, the version in the file name
// matches the header, and re-encoding reproduces the frame byte for byte.
TEST(CorpusTest, EveryFrameDecodesFullyAndReencodesIdentically) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(KAFKA_DO_PROTOCOL_CORPUS_DIR)) {
    if (entry.path().extension() == ".bin") files.push_back(entry.path());
  }
  ASSERT_GE(files.size(), 9u);
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string frame = read_corpus_file(path.filename().string());
    auto split = decode_request_header(frame);
    ASSERT_TRUE(split) << split.error().to_string();
    const RequestHeader& header = split->header;
    const std::string stem = path.stem().string();
    EXPECT_EQ(stem.substr(stem.rfind("-v") + 2), std::to_string(header.request_api_version));

    bool found = false;
    for_each_api([&](auto api) {
      using Request = typename decltype(api)::Request;
      if (Request::api_key != header.request_api_key) return;
      found = true;
      Request request;
      ASSERT_TRUE(decode_all(split->body, header.request_api_version, request));
      std::string again;
      ByteWriter w(again);
      encode_request_header(w, header);
      request.encode(w, header.request_api_version);
      EXPECT_EQ(again, frame);
    });
    EXPECT_TRUE(found) << "no codec for api key " << header.request_api_key;
  }
}

TEST(CorpusTest, LibrdkafkaStartsWithFlexibleApiVersionsV3) {
  auto kcat = decode_frame<ApiVersionsRequest>("kcat-api_versions-v3.bin", 3);
  EXPECT_EQ(kcat.client_software_name, "librdkafka");
  EXPECT_EQ(kcat.client_software_version, "2.0.2");
  EXPECT_EQ(client_id_of("kcat-api_versions-v3.bin"), "rdkafka");

  auto confluent =
      decode_frame<ApiVersionsRequest>("confluent-kafka-python-api_versions-v3.bin", 3);
  EXPECT_EQ(confluent.client_software_name, "confluent-kafka-python");
  EXPECT_EQ(confluent.client_software_version, "1.7.0-rdkafka-2.0.2");
}

TEST(CorpusTest, LibrdkafkaMetadataV4) {
  auto request = decode_frame<MetadataRequest>("kcat-metadata-v4.bin", 4);
  ASSERT_TRUE(request.topics.has_value()) << "the first, brokers-only request lists no topics";
  EXPECT_TRUE(request.topics->empty());
  EXPECT_FALSE(request.allow_auto_topic_creation);
  auto confluent = decode_frame<MetadataRequest>("confluent-kafka-python-metadata-v4.bin", 4);
  EXPECT_EQ(confluent, request);
}

TEST(CorpusTest, KafkaPythonPipelinesApiVersionsV0AndMetadataV0) {
  decode_frame<ApiVersionsRequest>("kafka-python-api_versions-v0.bin", 0);
  EXPECT_EQ(client_id_of("kafka-python-api_versions-v0.bin"), "kafka-python-producer-1");
  auto v0 = decode_frame<MetadataRequest>("kafka-python-metadata-v0.bin", 0);
  ASSERT_TRUE(v0.topics.has_value());
  EXPECT_TRUE(v0.topics->empty()) << "v0: an empty list means all topics";
  auto v1 = decode_frame<MetadataRequest>("kafka-python-metadata-v1.bin", 1);
  EXPECT_FALSE(v1.topics.has_value()) << "v1+: null means all topics";
}

TEST(CorpusTest, ProduceV7CarriesOneMagic2Batch) {
  for (const char* name : {"kcat-produce-v7.bin", "kafka-python-produce-v7.bin",
                           "confluent-kafka-python-produce-v7.bin"}) {
    SCOPED_TRACE(name);
    auto request = decode_frame<ProduceRequest>(name, 7);
    EXPECT_FALSE(request.transactional_id.has_value());
    ASSERT_EQ(request.topic_data.size(), 1u);
    EXPECT_EQ(request.topic_data[0].name, "capture-topic");
    ASSERT_EQ(request.topic_data[0].partition_data.size(), 1u);
    const auto& partition = request.topic_data[0].partition_data[0];
    EXPECT_EQ(partition.index, 0);
    ASSERT_TRUE(partition.records.has_value());
    ASSERT_GT(partition.records->size(), 61u) << "a batch header is 61 bytes";
    EXPECT_EQ((*partition.records)[16], 2) << "magic byte";
  }
}

TEST(CorpusTest, ConsumersFindTheCoordinatorAndJoinWithASubscription) {
  auto find_v0 = decode_frame<FindCoordinatorRequest>("kafka-python-find_coordinator-v0.bin", 0);
  EXPECT_EQ(find_v0.key, "capture-group");
  auto find_v2 =
      decode_frame<FindCoordinatorRequest>("confluent-kafka-python-find_coordinator-v2.bin", 2);
  EXPECT_EQ(find_v2.key, "capture-group");
  EXPECT_EQ(find_v2.key_type, 0);

  struct Join {
    const char* file;
    int16_t version;
    std::vector<std::string> protocols;
  };
  for (const Join& join :
       {Join{"kafka-python-join_group-v2.bin", 2, {"range", "roundrobin"}},
        Join{"confluent-kafka-python-join_group-v5.bin", 5, {"range", "roundrobin"}}}) {
    SCOPED_TRACE(join.file);
    auto request = decode_frame<JoinGroupRequest>(join.file, join.version);
    EXPECT_EQ(request.group_id, "capture-group");
    EXPECT_EQ(request.member_id, "");
    EXPECT_EQ(request.protocol_type, "consumer");
    ASSERT_EQ(request.protocols.size(), join.protocols.size());
    for (size_t i = 0; i < join.protocols.size(); ++i) {
      EXPECT_EQ(request.protocols[i].name, join.protocols[i]);
      // The metadata is a ConsumerProtocolSubscription prefixed with its int16 version.
      ByteReader r(request.protocols[i].metadata);
      const int16_t version = r.i16();
      ConsumerProtocolSubscription subscription;
      ASSERT_TRUE(subscription.decode(r, version));
      EXPECT_TRUE(r.empty());
      EXPECT_EQ(subscription.topics, std::vector<std::string>{"capture-topic"});
    }
  }
}

}  // namespace
}  // namespace kafka_do::protocol
