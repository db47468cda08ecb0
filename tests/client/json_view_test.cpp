// kafka::JsonView, what Record::json() gives: members, elements and scalars read in place agree
// with nlohmann's parse() of the same text, random documents included; damaged texts are
// SerializationErrors where they are read, never a crash or a wrong value.
#include "kafka_do/json_view.hpp"

#include <gtest/gtest.h>

#include <random>

#include "kafka_do/error.hpp"
#include "support/json_documents.hpp"

namespace kafka {
namespace {

namespace test_support = kafka_do::test_support;

Json walk(const JsonView& v) {
  return test_support::walk_json_view(v, [](const std::string& what) { ADD_FAILURE() << what; });
}

Json random_value(std::mt19937& rng) { return test_support::random_json(rng); }

TEST(JsonViewTest, ReadsMembersElementsAndScalarsInPlace) {
  const std::string text =
      R"({"id": 1000042, "customer": "customer-0042", "total": 99.5, "paid": true,)"
      R"( "note": null, "items": [{"sku": "a", "n": 2}, {"sku": "b", "n": -1}], "empty": {}})";
  const JsonView order(text);
  ASSERT_TRUE(order.is_object());
  EXPECT_EQ(order["id"].get<int64_t>(), 1000042);
  EXPECT_EQ(order["id"].get<uint32_t>(), 1000042u);
  EXPECT_EQ(order["id"].get<double>(), 1000042.0);
  EXPECT_EQ(order["customer"].get<std::string_view>(), "customer-0042");
  // In place: the string_view points into the text.
  const std::string_view customer = order["customer"].get<std::string_view>();
  EXPECT_GE(customer.data(), text.data());
  EXPECT_LT(customer.data(), text.data() + text.size());
  EXPECT_EQ(order["total"].get<double>(), 99.5);
  EXPECT_TRUE(order["paid"].get<bool>());
  EXPECT_TRUE(order["note"].is_null());
  EXPECT_EQ(order["items"].size(), 2u);
  EXPECT_EQ(order["items"][1]["sku"].get<std::string>(), "b");
  EXPECT_EQ(order["items"][1]["n"].get<int>(), -1);
  EXPECT_FALSE(order["items"][2].exists());
  EXPECT_EQ(order["empty"].size(), 0u);
  EXPECT_EQ(order.size(), 7u);
  EXPECT_EQ(order["items"][0].raw(), R"({"sku": "a", "n": 2})");
  EXPECT_EQ(order["items"][0].to_json(), Json({{"sku", "a"}, {"n", 2}}));

  // Several members in one pass: each as operator[] finds it.
  const auto [id, total, nope, items] = order.members("id", "total", "nope", std::string("items"));
  EXPECT_EQ(id.get<int64_t>(), 1000042);
  EXPECT_EQ(total.get<double>(), 99.5);
  EXPECT_FALSE(nope.exists());
  EXPECT_EQ(items.size(), 2u);
  EXPECT_EQ(JsonView(R"({"k": 1, "j": 0, "k": 2})").members("k", "j")[0].get<int>(), 2);
  EXPECT_FALSE(JsonView().members("a")[0].exists());
  EXPECT_THROW(JsonView("[1]").members("a"), SerializationError);

  // Missing members: a missing view, which gives missing views, and value() its fallback.
  EXPECT_FALSE(order["nope"].exists());
  EXPECT_FALSE(order["nope"]["deeper"][3].exists());
  EXPECT_FALSE(order.contains("nope"));
  EXPECT_TRUE(order.contains("note"));
  EXPECT_EQ(order.value("nope", 7), 7);
  EXPECT_EQ(order.value("note", 7), 7) << "null takes the fallback, as nlohmann's value()";
  EXPECT_EQ(order.value("id", int64_t(0)), 1000042);
  EXPECT_EQ(order.value("customer", "none"), "customer-0042");
  EXPECT_EQ(order.value("nope", "none"), "none");
}

TEST(JsonViewTest, MismatchesAndMissingValuesAreSerializationErrors) {
  const JsonView v(R"({"s": "text", "n": 1.5, "big": 300, "neg": -1, "a": [1]})");
  EXPECT_THROW(v["s"].get<int64_t>(), SerializationError);
  EXPECT_THROW(v["n"].get<std::string>(), SerializationError);
  EXPECT_THROW(v["a"].get<bool>(), SerializationError);
  EXPECT_THROW(v["nope"].get<int>(), SerializationError);
  EXPECT_THROW(v["big"].get<int8_t>(), SerializationError) << "out of the type's range";
  EXPECT_THROW(v["a"]["key"], SerializationError) << "an array has no members";
  EXPECT_THROW(v["s"][size_t(0)], SerializationError) << "a string has no elements";
  EXPECT_THROW(v.elements().begin(), SerializationError);
  try {
    v["s"].get<int64_t>();
  } catch (const SerializationError& e) {
    EXPECT_NE(std::string(e.what()).find("a string at byte 6, expected a number"),
              std::string::npos)
        << e.what();
  }
  // As nlohmann's get<T>(): a fraction converts toward zero.
  EXPECT_EQ(v["n"].get<int>(), 1);
}

TEST(JsonViewTest, NumbersConvertAsNlohmannGetConvertsThem) {
  for (const char* text :
       {"0", "-0", "5", "-5", "1.5", "-2.75", "1e3", "2.5e-3", "4294967295", "9223372036854775807",
        "-9223372036854775808", "18446744073709551615", "123456789.125"}) {
    SCOPED_TRACE(text);
    const Json n = Json::parse(text);
    const JsonView v(text);
    EXPECT_EQ(v.get<double>(), n.get<double>());
    if (n.is_number_integer() && !n.is_number_unsigned()) {
      EXPECT_EQ(v.get<int64_t>(), n.get<int64_t>());
    }
    if (n.is_number_unsigned()) {
      EXPECT_EQ(v.get<uint64_t>(), n.get<uint64_t>());
    }
    if (n.is_number_float() && std::abs(n.get<double>()) < 1e9) {
      EXPECT_EQ(v.get<int64_t>(), n.get<int64_t>());
      EXPECT_EQ(v.get<int>(), n.get<int>());
    }
  }
  EXPECT_THROW(JsonView("1e400").get<double>(), SerializationError);
  EXPECT_THROW(JsonView("1e30").get<int64_t>(), SerializationError);
  EXPECT_THROW(JsonView("01").get<int>(), SerializationError) << "JSON has no leading zeros";
  EXPECT_THROW(JsonView("+1").get<int>(), SerializationError);
}

TEST(JsonViewTest, EscapesAreDecodedAndNamesCompareByValue) {
  const JsonView v(R"({"a\u0062": "x\ny", "plain": "caf\u00e9", "tab\t": 1, "k": 1, "k": 2})");
  EXPECT_EQ(v["ab"].get<std::string>(), "x\ny") << "an escaped name matches its value";
  EXPECT_EQ(v["plain"].get<std::string>(), "caf\xc3\xa9");
  EXPECT_THROW(v["plain"].get<std::string_view>(), SerializationError)
      << "escapes cannot be undone in place";
  EXPECT_EQ(v["tab\t"].get<int>(), 1);
  EXPECT_EQ(v["k"].get<int>(), 2) << "the last of duplicate names wins, as in value()";
  std::vector<std::string> names;
  for (const auto& member : v.items()) names.push_back(member.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ab", "plain", "tab\t", "k", "k"}));
}

TEST(JsonViewTest, RandomDocumentsReadAsNlohmannParsesThem) {
  std::mt19937 rng(11);
  for (int i = 0; i < 3000; ++i) {
    const Json v = random_value(rng);
    for (const std::string& text : {v.dump(), v.dump(2)}) {
      SCOPED_TRACE(text);
      EXPECT_EQ(walk(JsonView(text)), Json::parse(text));
      EXPECT_EQ(JsonView(text).to_json(), Json::parse(text));
    }
  }
}

TEST(JsonViewTest, DamagedTextsAreErrorsWhereTheyAreRead) {
  std::mt19937 rng(13);
  int refused = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = random_value(rng).dump();
    if (text.empty()) continue;
    if (i % 2 == 0) {
      text[rng() % text.size()] = char(rng() % 256);
    } else {
      text.resize(rng() % text.size());
    }
    if (text.find('\0') != std::string::npos) continue;  // nlohmann's parse() stops at a NUL
    SCOPED_TRACE(text);
    bool nlohmann_refuses = false;
    Json parsed;
    try {
      parsed = Json::parse(text);
    } catch (const Json::exception&) {
      nlohmann_refuses = true;
    }
    // to_json() of a whole text checks it all, as Record::value() does.
    if (nlohmann_refuses) {
      ++refused;
      EXPECT_THROW(JsonView(text).to_json(), SerializationError);
      // Reading every part of it reads the whole text: a SerializationError somewhere.
      EXPECT_THROW(walk(JsonView(text)), SerializationError);
    } else {
      EXPECT_EQ(JsonView(text).to_json(), parsed);
      EXPECT_EQ(walk(JsonView(text)), parsed);
    }
  }
  EXPECT_GT(refused, 1000) << "the damage must produce refused texts";
  EXPECT_THROW(JsonView("").type(), SerializationError);
  EXPECT_THROW(JsonView(std::string_view()).get<int>(), SerializationError);
  EXPECT_THROW(JsonView("[1]]").to_json(), SerializationError);
  EXPECT_THROW(JsonView("[1]]")[0].get<int>(), SerializationError);
  EXPECT_THROW(JsonView(R"({"a": 1, "b": tru})")["a"], SerializationError)
      << "a lookup reads the whole object";
  EXPECT_EQ(JsonView("[1, tru]")[0].get<int>(), 1) << "lazy: an element read stops there";
}

TEST(JsonViewTest, NestingIsBounded) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THROW(JsonView(deep).to_json(), SerializationError);
  EXPECT_THROW(JsonView(deep).size(), SerializationError);
}

}  // namespace
}  // namespace kafka
