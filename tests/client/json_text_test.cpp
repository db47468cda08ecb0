// detail::json_text, what Producer::send(Json) writes: dump()'s text for every kind of value
// (numbers aside: any double parses back to itself), UTF-8 checked as strictly as dump() does.
#include "client/json_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kafka_do/error.hpp"

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
  switch (rng() % (depth > 3 ? 5 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return int64_t(rng()) - int64_t(rng());
    case 3:
      return double(int32_t(rng())) / 1024.0;
    case 4: {
      std::string s;
      for (size_t n = rng() % 12; n > 0; --n) s.push_back(char(rng() % 0x7F));
      return s;
    }
    case 5: {
      Json a = Json::array();
      for (size_t n = rng() % 4; n > 0; --n) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      for (size_t n = rng() % 4; n > 0; --n)
        o["k" + std::to_string(rng() % 10)] = random_value(rng, depth + 1);
      return o;
    }
  }
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

}  // namespace
}  // namespace kafka::detail
