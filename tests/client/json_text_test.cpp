// detail::json_text, what Producer::send(Json) writes: dump()'s text for every kind of value
// (numbers aside: any double parses back to itself), UTF-8 checked as strictly as dump() does.
#include "client/json_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kafka_do/error.hpp"
#include "support/json_documents.hpp"

namespace kafka::detail {
namespace {

TEST(JsonTextTest, WritesWhatDumpWrites) {
  const std::vector<Json> values = {
      nullptr,
      true,
      false,
      0,
      -42,
      std::numeric_limits<int64_t>::min(),
      std::numeric_limits<uint64_t>::max(),
      99.5,
      100.0,
      -0.25,
      0.001,
      1e-5,
      1e20,
      "",
      "plain",
      "quote\" back\\slash / slash",
      "\n\t\b\f\r \x01\x1f\x7f",
      "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80",
      Json::array(),
      Json::object(),
      {{"order_id", "123"}, {"amount", 99.99}, {"items", {1, 2, {{"sku", "a"}}}}, {"ok", true}},
      Json::array({nullptr, Json::array({Json::object()}), "x"}),
  };
  for (const Json& v : values) EXPECT_EQ(json_text(v), v.dump()) << v.dump();
}

TEST(JsonTextTest, EveryDoubleParsesBackToItself) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    double d;
    const uint64_t bits = rng();
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    const std::string text = json_text(d);
    EXPECT_EQ(Json::parse(text).get<double>(), d) << text;
    EXPECT_TRUE(Json::parse(text).is_number_float()) << text;
  }
}

// Random documents: what json_text writes is valid JSON with the same value.
Json random_value(std::mt19937& rng, int depth) {
  return kafka_do::test_support::random_json(rng, depth);
}

TEST(JsonTextTest, RandomDocumentsRoundTrip) {
  std::mt19937 rng(5);
  for (int i = 0; i < 5000; ++i) {
    const Json v = random_value(rng, 0);
    const std::string text = json_text(v);
    EXPECT_EQ(Json::parse(text), v) << text;
  }
}

TEST(JsonTextTest, RefusesStringsThatAreNotUtf8AsDumpDoes) {
  for (const char* bad : {"\xff", "a\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
                          "\x80", "\xf0\x9f\x98"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(json_text(Json(bad)), SerializationError);
    EXPECT_THROW(json_text(Json{{"k", bad}}), SerializationError);
    EXPECT_THROW((void)Json(bad).dump(), Json::exception);
  }
}

TEST(JsonTextTest, NonFiniteNumbersAreNullAsInDump) {
  for (double d : {std::nan(""), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(json_text(d), "null");
    EXPECT_EQ(Json(d).dump(), "null");
  }
}

// parse_json_text against nlohmann's parse(): the same value and the same number types for
// valid texts, an error for every text parse() refuses.
void expect_same_as_nlohmann(const std::string& text) {
  SCOPED_TRACE(text);
  if (text.find('\0') != std::string::npos) {
    // The one difference: parse() stops reading at a NUL byte ("[1]\0zz" is [1]); here any NUL
    // is an error (JSON allows none outside strings, and none unescaped inside them).
    EXPECT_THROW(parse_json_text(text), JsonTextError);
    return;
  }
  Json expected;
  bool valid = true;
  try {
    expected = Json::parse(text);
  } catch (const Json::exception&) {
    valid = false;
  }
  if (!valid) {
    EXPECT_THROW(parse_json_text(text), JsonTextError);
    return;
  }
  const Json got = parse_json_text(text);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.dump(), expected.dump());  // also the number types (5 vs 5.0, unsigned vs not)
  EXPECT_EQ(got.type(), expected.type());
}

TEST(JsonTextTest, ParsesWhatNlohmannParses) {
  for (const char* text :
       {"null",
        "true",
        "false",
        "0",
        "-0",
        "5",
        "-5",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "-0.0",
        "1e3",
        "1E+3",
        "1e-3",
        "2.5e-400",
        "0.1",
        "123456789.123456789e5",
        "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"",
        "\"h\xc3\xa9llo \xf0\x9f\x98\x80\"",
        " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\":{}} \n",
        "{\"k\":1,\"k\":2}",
        "[[],[[]],{}]",
        "\xEF\xBB\xBF{\"bom\":true}",
        "{\"order_id\":\"123\",\"amount\":99.99,\"items\":[{\"sku\":\"a\",\"n\":2}]}"}) {
    expect_same_as_nlohmann(text);
  }
}

TEST(JsonTextTest, RefusesWhatNlohmannRefuses) {
  for (const char* text : {"",
                           " ",
                           "nul",
                           "tru",
                           "True",
                           "01",
                           "-",
                           "-a",
                           "1.",
                           ".5",
                           "1e",
                           "1e+",
                           "+1",
                           "0x10",
                           "1e400",
                           "-1e400",
                           "\"",
                           "\"abc",
                           "\"\\x\"",
                           "\"\\u12\"",
                           "\"\\ud800\"",
                           "\"\\udc00\"",
                           "\"\\ud800\\u0041\"",
                           "\"\t\"",
                           "\"\xff\"",
                           "\"\xc0\xaf\"",
                           "[1,]",
                           "[1 2]",
                           "{\"a\"}",
                           "{\"a\":}",
                           "{\"a\":1,}",
                           "{a:1}",
                           "{\"a\":1",
                           "[",
                           "]",
                           "1 2",
                           "null x",
                           "[1]]",
                           "{}{}",
                           "'a'",
                           "NaN",
                           "Infinity"}) {
    expect_same_as_nlohmann(text);
  }
}

TEST(JsonTextTest, RandomDocumentsParseAsNlohmannParsesThem) {
  std::mt19937 rng(9);
  for (int i = 0; i < 5000; ++i) {
    const Json v = random_value(rng, 0);
    expect_same_as_nlohmann(v.dump());
    expect_same_as_nlohmann(v.dump(2));  // with whitespace
  }
  // Damaged texts: a byte flipped, or cut short.
  for (int i = 0; i < 5000; ++i) {
    std::string text = random_value(rng, 0).dump();
    if (text.empty()) continue;
    if (i % 2 == 0) {
      text[rng() % text.size()] = char(rng() % 256);
    } else {
      text.resize(rng() % text.size());
    }
    expect_same_as_nlohmann(text);
  }
}

TEST(JsonTextTest, ANulByteIsAnError) {
  EXPECT_THROW(parse_json_text(std::string("[1]\0zz", 6)), JsonTextError);
  EXPECT_THROW(parse_json_text(std::string("\"a\0b\"", 5)), JsonTextError);
}

TEST(JsonTextTest, NestingIsBounded) {
  EXPECT_NO_THROW(parse_json_text(std::string(500, '[') + std::string(500, ']')));
  EXPECT_THROW(parse_json_text(std::string(100000, '[') + std::string(100000, ']')), JsonTextError);
}

}  // namespace
}  // namespace kafka::detail
