#include "model/record_batch.hpp"

#include <gtest/gtest.h>
#include <snappy.h>

#include "base/coding.hpp"
#include "base/crc32c.hpp"

namespace kafka_do::model {
namespace {

// A single-record batch written out field by field from the published v2 layout
// (DefaultRecordBatch / DefaultRecord), independent of BatchBuilder.
std::string hand_encoded_batch() {
  std::string records;
  ByteWriter rw(records);
  auto record = [&](int64_t ts_delta, int64_t offset_delta, const char* key) {
    std::string rec;
    ByteWriter r(rec);
    r.i8(0);  // attributes
    r.varint(ts_delta);
    r.varint(offset_delta);
    if (key) {
      r.varint(1);
      r.bytes(key);
    } else {
      r.varint(-1);  // null key
    }
    r.varint(2);  // value length
    r.bytes("vv");
    r.varint(1);  // header count
    r.varint(2);
    r.bytes("hk");
    r.varint(-1);  // null header value
    rw.varint(int64_t(rec.size()));
    rw.bytes(rec);
  };
  record(0, 0, "k");
  record(5, 1, nullptr);

  std::string b;
  ByteWriter w(b);
  w.i64(42);                            // base offset
  w.i32(int32_t(49 + records.size()));  // batch length = 61 - 12 + records
  w.i32(0);                             // partition leader epoch
  w.i8(2);                              // magic
  w.u32(0);                             // crc, filled below
  w.i16(0);                             // attributes
  w.i32(1);                             // last offset delta
  w.i64(1000);                          // base timestamp
  w.i64(1005);                          // max timestamp
  w.i64(-1);                            // producer id
  w.i16(-1);                            // producer epoch
  w.i32(-1);                            // base sequence
  w.i32(2);                             // record count
  w.bytes(records);
  put_be32(b.data() + 17, crc32c(b.data() + 21, b.size() - 21));
  return b;
}

TEST(RecordBatchTest, BuilderMatchesPublishedFieldLayoutByteForByte) {
  BatchBuilder builder;
  const std::vector<RecordHeader> headers{{"hk", std::nullopt}};
  builder.add(1000, "k", "vv", headers);
  builder.add(1005, std::nullopt, "vv", headers);
  auto built = builder.build(42);
  ASSERT_TRUE(built);
  EXPECT_EQ(*built, hand_encoded_batch());
  // The worked example in docs/format/log_format.md.
  EXPECT_EQ(built->size(), 88u);
  EXPECT_EQ(built->substr(8, 4), std::string("\x00\x00\x00\x4c", 4));
  EXPECT_EQ(built->substr(61),
            std::string("\x1a\x00\x00\x00\x02\x6b\x04\x76\x76\x02\x04\x68\x6b\x01"
                        "\x18\x00\x0a\x02\x01\x04\x76\x76\x02\x04\x68\x6b\x01",
                        27));
}

TEST(RecordBatchTest, DecodesTheHandEncodedBatch) {
  auto decoded = decode_batch(hand_encoded_batch());
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  ASSERT_EQ(decoded->size(), 2u);
  const Record& r = (*decoded)[0];
  EXPECT_EQ(r.offset, 42);
  EXPECT_EQ(r.timestamp, 1000);
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.value, "vv");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].key, "hk");
  EXPECT_FALSE(r.headers[0].value.has_value());
  const Record& second = (*decoded)[1];
  EXPECT_EQ(second.offset, 43);
  EXPECT_EQ(second.timestamp, 1005);
  EXPECT_FALSE(second.key.has_value());

  auto header = parse_batch_header(hand_encoded_batch());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->base_offset, 42);
  EXPECT_EQ(header->record_count, 2);
  EXPECT_EQ(header->last_offset_delta, 1);
  EXPECT_EQ(header->base_timestamp, 1000);
  EXPECT_EQ(header->max_timestamp, 1005);
  EXPECT_EQ(header->next_offset(), 44);
  EXPECT_EQ(header->compression(), Compression::none);
}

TEST(RecordBatchTest, ExactBytesOfAMinimalRecord) {
  BatchBuilder builder;
  builder.add(7, std::nullopt, "a");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  // Record: length 7 (zigzag 0x0e), attributes 0, timestamp delta 0, offset delta 0,
  // key length -1 (zigzag 0x01), value length 1 (zigzag 0x02), 'a', header count 0.
  const std::string expected(
      "\x0e\x00\x00\x00\x01\x02"
      "a"
      "\x00",
      8);
  EXPECT_EQ(built->substr(61), expected);
  EXPECT_EQ(built->size(), 61u + 8u);
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsKeysValuesHeadersAndNulls) {
  BatchBuilder builder({.compression = GetParam()});
  std::vector<Record> expected;
  for (int i = 0; i < 500; ++i) {
    Record r;
    r.offset = 100 + i;
    r.timestamp = 1'700'000'000'000 + i * 3 - (i % 7);
    if (i % 5 != 0) r.key = "key-" + std::to_string(i % 17);
    if (i % 11 != 0) r.value = std::string(size_t(i % 300), char('a' + i % 26));
    if (i % 3 == 0)
      r.headers = {{"trace", "id-" + std::to_string(i)},
                   {"empty", std::nullopt},
                   {"dup", "1"},
                   {"dup", "2"}};
    builder.add(r.timestamp, r.key, r.value, r.headers);
    expected.push_back(r);
  }
  auto built = builder.build(100);
  ASSERT_TRUE(built) << built.error().to_string();
  auto h = parse_batch_header(*built);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->compression(), GetParam());
  EXPECT_EQ(h->record_count, 500);
  EXPECT_EQ(h->last_offset_delta, 499);
  EXPECT_TRUE(validate_batch(*built, true, 64u << 20));
  auto decoded = decode_batch(*built);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(*decoded, expected);
  auto positions = record_positions(*built);
  ASSERT_TRUE(positions);
  ASSERT_EQ(positions->size(), 500u);
  EXPECT_EQ((*positions)[499].offset, 599);
  EXPECT_EQ((*positions)[499].timestamp, expected[499].timestamp);

  // The same records viewed in place: inside the batch when it is uncompressed, inside the
  // decompressed bytes otherwise.
  std::string decompressed;
  size_t seen = 0;
  const bool compressed = GetParam() != Compression::none;
  ASSERT_TRUE(for_each_record_ref(*built, decompressed, [&](const RecordRef& ref) {
    const Record& want = expected[seen++];
    EXPECT_EQ(ref.offset, want.offset);
    EXPECT_EQ(ref.timestamp, want.timestamp);
    EXPECT_EQ(ref.key.has_value(), want.key.has_value());
    if (ref.key) {
      EXPECT_EQ(*ref.key, *want.key);
    }
    EXPECT_EQ(ref.value.has_value(), want.value.has_value());
    if (ref.value) {
      EXPECT_EQ(*ref.value, *want.value);
    }
    ASSERT_EQ(ref.headers.size(), want.headers.size());
    for (size_t i = 0; i < ref.headers.size(); ++i) {
      EXPECT_EQ(ref.headers[i].key, want.headers[i].key);
      EXPECT_EQ(ref.headers[i].value.has_value(), want.headers[i].value.has_value());
      if (ref.headers[i].value) {
        EXPECT_EQ(*ref.headers[i].value, *want.headers[i].value);
      }
    }
    if (ref.value && !ref.value->empty()) {
      const std::string_view holder = compressed ? decompressed : *built;
      EXPECT_GE(ref.value->data(), holder.data());
      EXPECT_LE(ref.value->data() + ref.value->size(), holder.data() + holder.size());
    }
  }));
  EXPECT_EQ(seen, expected.size());
  EXPECT_EQ(decompressed.empty(), !compressed);

  // take() is build() that leaves the builder empty (an uncompressed batch finished in place).
  auto taken = builder.take(100);
  ASSERT_TRUE(taken) << taken.error().to_string();
  EXPECT_EQ(*taken, *built);
  EXPECT_TRUE(builder.empty());
  builder.add(5, std::nullopt, "again");
  auto again = builder.take();
  ASSERT_TRUE(again);
  auto one = decode_batch(*again);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].value, "again");
  EXPECT_EQ((*one)[0].timestamp, 5);
}

TEST_P(CodecTest, CorruptCompressedBodyIsAnErrorNotACrash) {
  BatchBuilder builder({.compression = GetParam()});
  for (int i = 0; i < 50; ++i) builder.add(i, "k", std::string(100, 'x'));
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  std::string bad = *built;
  for (size_t i = 61; i < bad.size(); i += 7) bad[i] = char(bad[i] ^ 0x5a);
  // Recompute the CRC so only the body is wrong.
  put_be32(bad.data() + 17, crc32c(bad.data() + 21, bad.size() - 21));
  auto decoded = decode_batch(bad);
  EXPECT_FALSE(decoded);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Compression::none, Compression::gzip,
                                           Compression::snappy, Compression::lz4,
                                           Compression::zstd),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(RecordBatchTest, CrcMismatchIsDetected) {
  BatchBuilder builder;
  builder.add(1, "k", "v");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  std::string bad = *built;
  bad.back() = char(bad.back() ^ 1);
  EXPECT_FALSE(crc_matches(bad));
  auto decoded = decode_batch(bad);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code(), Errc::corruption);
  EXPECT_FALSE(validate_batch(bad, false, 1 << 20));
}

TEST(RecordBatchTest, BaseOffsetRewriteKeepsCrcValid) {
  BatchBuilder builder;
  builder.add(1, "k", "v");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  set_base_offset(built->data(), 123456789);
  EXPECT_TRUE(crc_matches(*built));
  EXPECT_EQ(parse_batch_header(*built)->base_offset, 123456789);
  EXPECT_EQ((*decode_batch(*built))[0].offset, 123456789);
}

TEST(RecordBatchTest, LogAppendTimeAppliesToEveryRecord) {
  BatchBuilder builder;
  builder.add(1, "a", "1");
  builder.add(2, "b", "2");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  set_log_append_time(built->data(), built->size(), 99999);
  auto decoded = decode_batch(*built);
  ASSERT_TRUE(decoded);
  EXPECT_EQ((*decoded)[0].timestamp, 99999);
  EXPECT_EQ((*decoded)[1].timestamp, 99999);
}

TEST(RecordBatchTest, TruncatedBatchIsRejected) {
  BatchBuilder builder;
  builder.add(1, "k", "value");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  for (size_t n : {size_t(0), size_t(10), size_t(60), built->size() - 1}) {
    EXPECT_FALSE(decode_batch(built->substr(0, n))) << n;
    EXPECT_FALSE(validate_batch(built->substr(0, n), true, 1 << 20)) << n;
  }
}

TEST(RecordBatchTest, RecordCountDisagreeingWithRecordsIsRejected) {
  BatchBuilder builder;
  builder.add(1, "k", "v");
  builder.add(2, "k", "v");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  std::string bad = *built;
  put_be32(bad.data() + 57, 3);  // claims 3 records
  put_be32(bad.data() + 23, 2);
  put_be32(bad.data() + 17, crc32c(bad.data() + 21, bad.size() - 21));
  auto status = validate_batch(bad, true, 1 << 20);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Errc::corruption);
}

TEST(RecordBatchTest, WrongMagicIsRejected) {
  BatchBuilder builder;
  builder.add(1, "k", "v");
  auto built = builder.build(0);
  ASSERT_TRUE(built);
  (*built)[16] = 1;
  EXPECT_FALSE(parse_batch_header(*built));
}

TEST(CompressionTest, XerialFramedSnappyFromJavaClientsDecodes) {
  const std::string payload(10000, 'q');
  std::string block;
  snappy::Compress(payload.data(), 4000, &block);
  std::string block2;
  snappy::Compress(payload.data() + 4000, 6000, &block2);
  std::string framed("\x82SNAPPY\0", 8);
  ByteWriter w(framed);
  w.i32(1);
  w.i32(1);
  w.i32(int32_t(block.size()));
  w.bytes(block);
  w.i32(int32_t(block2.size()));
  w.bytes(block2);
  auto out = decompress(Compression::snappy, framed, 1 << 20);
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, payload);
}

TEST(CompressionTest, DecompressionIsBoundedByMaxOutput) {
  const std::string zeros(4 << 20, '\0');
  for (auto codec : {Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd}) {
    auto packed = compress(codec, zeros);
    ASSERT_TRUE(packed);
    auto out = decompress(codec, *packed, 1 << 20);
    ASSERT_FALSE(out) << compression_name(codec);
    EXPECT_EQ(out.error().code(), Errc::too_large) << compression_name(codec);
    auto ok = decompress(codec, *packed, 8 << 20);
    ASSERT_TRUE(ok) << compression_name(codec);
    EXPECT_EQ(*ok, zeros);
  }
}

TEST(TopicNameTest, FollowsKafkaRules) {
  EXPECT_TRUE(validate_topic_name("orders"));
  EXPECT_TRUE(validate_topic_name("a.b_c-D9"));
  EXPECT_TRUE(validate_topic_name(std::string(249, 'x')));
  EXPECT_FALSE(validate_topic_name(std::string(250, 'x')));
  EXPECT_FALSE(validate_topic_name(""));
  EXPECT_FALSE(validate_topic_name("."));
  EXPECT_FALSE(validate_topic_name(".."));
  EXPECT_FALSE(validate_topic_name("with space"));
  EXPECT_FALSE(validate_topic_name("slash/"));
  EXPECT_FALSE(validate_topic_name("ünï"));
}

}  // namespace
}  // namespace kafka_do::model
