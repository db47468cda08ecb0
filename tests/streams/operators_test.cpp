// Every DSL operator through the TopologyTestDriver: what a user of the operator would check,
// with docs/streams.md's worked examples as known answers (windows, grace, late records,
// emission once per window, joins at their boundaries, branch, errors).
#include <gtest/gtest.h>

#include <stdexcept>

#include "base/murmur2.hpp"
#include "kafka_do/kafka.hpp"
#include "kafka_do/testing.hpp"

namespace kafka {
namespace {

using namespace std::chrono_literals;

Timestamp at(int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }
int64_t ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// One emitted window as the tests compare it.
struct Emitted {
  Json key;
  int64_t start;
  int64_t end;
  Json value;
  bool operator==(const Emitted&) const = default;
};
void PrintTo(const Emitted& e, std::ostream* os) {
  *os << e.key.dump() << "[" << e.start << "," << e.end << "]=" << e.value.dump();
}

std::function<void(const Json&, const Window&)> collect(std::vector<Emitted>& out) {
  return [&out](const Json& key, const Window& w) {
    out.push_back({key, ms(w.start()), ms(w.end()), w.value()});
  };
}

TEST(Stateless, FilterMapToCarriesKeyHeadersAndTimestamp) {
  Topology app;
  app.stream("orders")
      .filter([](const Json& o) { return o["amount"].get<double>() > 100; })
      .map([](Json o) {
        o["tier"] = "premium";
        return o;
      })
      .to("high-value-orders");
  TopologyTestDriver driver(app);
  driver.pipe("orders", {{"id", 1}, {"amount", 50}}, {.key = "c1"});
  driver.pipe("orders", {{"id", 2}, {"amount", 150}},
              {.key = "c2", .timestamp = at(7000), .headers = {{"trace", "t-2"}}});
  const auto out = driver.read("high-value-orders");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value(), (Json{{"id", 2}, {"amount", 150}, {"tier", "premium"}}));
  EXPECT_EQ(out[0].key(), "c2");
  EXPECT_EQ(out[0].headers().get("trace"), "t-2");
  EXPECT_EQ(ms(out[0].timestamp()), 7000);
  EXPECT_TRUE(driver.read("high-value-orders").empty());  // read() takes what it returns
}

TEST(Stateless, FlatMapKeyByPeekMapKeyValueAndMerge) {
  Topology app;
  std::vector<Json> peeked;
  auto words = app.stream("lines")
                   .flat_map([](const Json& line) {
                     std::vector<std::string> out;
                     std::string w;
                     for (char c : line.get<std::string>() + " ") {
                       if (c == ' ') {
                         if (!w.empty()) out.push_back(w);
                         w.clear();
                       } else {
                         w += c;
                       }
                     }
                     return out;
                   })
                   .key_by([](const Json& w) { return w; })
                   .peek([&](const Json& w) { peeked.push_back(w); });
  words.merge(app.stream("extra"))
      .map([](const Json& k, const Json& v) {
        return KeyValue{v, Json{{"word", v}, {"was", k}}};
      })
      .to("words");
  TopologyTestDriver driver(app);
  driver.pipe("lines", "to be or", {.key = "l1"});
  driver.pipe("extra", "not", {.key = "e1"});
  const auto out = driver.read("words");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].key(), "to");  // a JSON string key is written as its text
  EXPECT_EQ(out[0].value(), (Json{{"word", "to"}, {"was", "to"}}));
  EXPECT_EQ(out[3].value(), (Json{{"word", "not"}, {"was", "e1"}}));
  EXPECT_EQ(peeked, (std::vector<Json>{"to", "be", "or"}));
}

struct Order {
  std::string customer;
  double amount = 0;
};
void to_json(Json& j, const Order& o) { j = Json{{"customer", o.customer}, {"amount", o.amount}}; }
void from_json(const Json& j, Order& o) {
  j.at("customer").get_to(o.customer);
  j.at("amount").get_to(o.amount);
}

TEST(Stateless, FunctionsTakeAndReturnTypedValues) {
  Topology app;
  app.stream("orders")
      .filter([](const Order& o) { return o.amount > 10; })
      .map([](Order o) {
        o.amount *= 2;
        return o;
      })
      .group_by([](const Order& o) { return o.customer; })
      .reduce(0.0, [](double total, const Order& o) { return total + o.amount; })
      .to("totals");
  TopologyTestDriver driver(app);
  driver.pipe("orders", Order{"ada", 20});
  driver.pipe("orders", Order{"ada", 5});
  driver.pipe("orders", Order{"ada", 11});
  EXPECT_EQ(driver.messages("totals"), (std::vector<Json>{40.0, 62.0}));
}

TEST(Stateless, BranchFirstMatchWinsOtherwiseTakesTheRest) {
  Topology app;
  app.stream("orders").branch({{[](const Json& o) { return o["region"] == "us"; }, "us-orders"},
                               {[](const Json& o) { return o["amount"] > 10; }, "big-orders"},
                               {kafka::otherwise, "other-orders"}});
  Topology strict;
  strict.stream("orders").branch(
      {{[](const Json& o) { return o["region"] == "us"; }, "us-orders"}});
  TopologyTestDriver driver(app), strict_driver(strict);
  for (auto* d : {&driver, &strict_driver}) {
    d->pipe("orders", {{"region", "us"}, {"amount", 50}});
    d->pipe("orders", {{"region", "eu"}, {"amount", 50}});
    d->pipe("orders", {{"region", "eu"}, {"amount", 5}});
  }
  EXPECT_EQ(driver.messages("us-orders").size(), 1u);  // also > 10, but the first match wins
  EXPECT_EQ(driver.messages("big-orders"), (std::vector<Json>{{{"region", "eu"}, {"amount", 50}}}));
  EXPECT_EQ(driver.messages("other-orders"),
            (std::vector<Json>{{{"region", "eu"}, {"amount", 5}}}));
  EXPECT_EQ(driver.metrics().unmatched_branch_dropped, 0);
  EXPECT_EQ(strict_driver.messages("us-orders").size(), 1u);
  EXPECT_EQ(strict_driver.metrics().unmatched_branch_dropped, 2);
}

TEST(Aggregation, ReduceSumsPerKeyAndEachSeesEveryUpdate) {
  Topology app;
  std::vector<std::pair<Json, double>> totals;
  app.stream("orders")
      .group_by([](const Json& o) { return o["customer_id"]; })
      .reduce(0.0, [](double total, const Json& o) { return total + o["amount"].get<double>(); })
      .each([&](const Json& key, double total) { totals.emplace_back(key, total); });
  TopologyTestDriver driver(app);
  driver.pipe("orders", {{"customer_id", "c1"}, {"amount", 10.5}});
  driver.pipe("orders", {{"customer_id", "c2"}, {"amount", 1}});
  driver.pipe("orders", {{"customer_id", "c1"}, {"amount", 2}});
  const std::vector<std::pair<Json, double>> expected = {{"c1", 10.5}, {"c2", 1.0}, {"c1", 12.5}};
  EXPECT_EQ(totals, expected);
  EXPECT_EQ(driver.state("orders-reduce", "c1"), Json(12.5));
}

TEST(Aggregation, CountAndAggregateWriteKeyedUpdatesAndNamesAreStable) {
  Topology app;
  auto orders = app.stream("orders");
  orders.group_by_key().count({.name = "order-count"}).to("counts");
  orders.group_by_key()
      .aggregate(Json::array(),
                 [](const Json& key, const Json& o, Json ids) {
                   ids.push_back(key.get<std::string>() + ":" + o["id"].get<std::string>());
                   return ids;
                 })
      .to("ids");
  TopologyTestDriver driver(app);
  driver.pipe("orders", {{"id", "1"}}, {.key = "c1"});
  driver.pipe("orders", {{"id", "2"}}, {.key = "c1"});
  const auto counts = driver.read("counts");
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[1].key(), "c1");
  EXPECT_EQ(counts[1].value(), Json(2));
  EXPECT_EQ(driver.messages("ids").back(), (Json{"c1:1", "c1:2"}));
  EXPECT_EQ(driver.state("order-count", "c1"), Json(2));
  EXPECT_EQ(driver.state("orders-aggregate", "c1"), (Json{"c1:1", "c1:2"}));
}

TEST(Aggregation, TwoUnnamedOperatorsWithOneDerivedNameAreRefused) {
  Topology app;
  auto orders = app.stream("orders");
  orders.group_by([](const Json& o) { return o["a"]; }).count().to("by-a");
  orders.group_by([](const Json& o) { return o["b"]; }).count().to("by-b");
  EXPECT_THROW(TopologyTestDriver driver(app), ConfigError);
}

TEST(TumblingWindows, EachWindowIsEmittedOnceFinalWhenStreamTimeReachesItsEnd) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("orders")
      .window(kafka::tumbling(5s))
      .group_by([](const Json& o) { return o["customer_id"]; })
      .count()
      .each(collect(out));
  TopologyTestDriver driver(app);
  driver.pipe("orders", {{"customer_id", "c1"}}, {.timestamp = at(1000)});
  driver.pipe("orders", {{"customer_id", "c1"}}, {.timestamp = at(2000)});
  driver.pipe("orders", {{"customer_id", "c2"}}, {.timestamp = at(4999)});
  EXPECT_TRUE(out.empty());  // nothing closed yet: no partial results
  driver.pipe("orders", {{"customer_id", "c1"}}, {.timestamp = at(5000)});  // [0, 5000) closes
  ASSERT_EQ(out.size(), 2u);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
  EXPECT_EQ(out[0], (Emitted{"c1", 0, 5000, 2}));
  EXPECT_EQ(out[1], (Emitted{"c2", 0, 5000, 1}));
  driver.pipe("orders", {{"customer_id", "c1"}}, {.timestamp = at(9999)});
  EXPECT_EQ(out.size(), 2u);
  driver.flush();  // what a run that stops when caught up does at its end
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2], (Emitted{"c1", 5000, 10000, 2}));
  driver.flush();
  EXPECT_EQ(out.size(), 3u);  // never twice
}

TEST(TumblingWindows, OneHourWithTenMinutesGraceAcceptsUntilTenPastAndDropsLateRecords) {
  const int64_t h9 = 9 * 3600'000, min = 60'000;
  Topology app;
  std::vector<Emitted> out;
  std::vector<int64_t> late;
  app.stream("orders")
      .window(kafka::tumbling(1h).grace(10min))
      .group_by_key()
      .count()
      .each(collect(out));
  TopologyTestDriver driver(
      app, {.on_late = [&](const Record& r) { late.push_back(ms(r.timestamp())); }});
  driver.pipe("orders", 1, {.key = "k", .timestamp = at(h9 + 30 * min)});
  driver.pipe("orders", 2, {.key = "k", .timestamp = at(h9 + 65 * min)});  // 10:05
  driver.pipe("orders", 3, {.key = "k", .timestamp = at(h9 + 59 * min)});  // 09:59: in grace
  EXPECT_TRUE(out.empty());
  driver.pipe("orders", 4, {.key = "k", .timestamp = at(h9 + 70 * min)});  // 10:10 closes 09-10
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Emitted{"k", h9, h9 + 60 * min, 2}));
  driver.pipe("orders", 5, {.key = "k", .timestamp = at(h9 + 45 * min)});  // late
  EXPECT_EQ(driver.metrics().late_records_dropped, 1);
  EXPECT_EQ(late, (std::vector<int64_t>{h9 + 45 * min}));
  driver.flush();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (Emitted{"k", h9 + 60 * min, h9 + 120 * min, 2}));  // 10:05 and 10:10
}

TEST(HoppingWindows, ARecordCountsInEveryWindowHoldingIt) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("clicks")
      .window({.hopping = "5s", .advance = "3s"})
      .group_by_key()
      .count()
      .each(collect(out));
  TopologyTestDriver driver(app);
  driver.pipe("clicks", 1, {.key = "u", .timestamp = at(4000)});  // [0,5000) and [3000,8000)
  driver.pipe("clicks", 1, {.key = "u", .timestamp = at(6500)});  // [3000,8000) and [6000,11000)
  driver.flush();
  const std::vector<Emitted> expected = {
      {"u", 0, 5000, 1}, {"u", 3000, 8000, 2}, {"u", 6000, 11000, 1}};
  EXPECT_EQ(out, expected);
}

TEST(SlidingWindows, JavadocVectorEmitsEachWindowOnceInEndOrder) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("events").window(kafka::sliding(5s)).group_by_key().count().each(collect(out));
  TopologyTestDriver driver(app);
  for (int64_t t : {8000, 9200, 12400}) driver.pipe("events", t, {.key = "A", .timestamp = at(t)});
  // At stream time 12400 the windows ending at 8000 and 9200 have closed.
  EXPECT_EQ(out.size(), 2u);
  // Stream time 14202 closes every window of A (a window [s, e] closes once stream time > e).
  driver.pipe("events", 0, {.key = "B", .timestamp = at(14202)});
  const std::vector<Emitted> expected = {{"A", 3000, 8000, 1},
                                         {"A", 4200, 9200, 2},
                                         {"A", 7400, 12400, 3},
                                         {"A", 8001, 13001, 2},
                                         {"A", 9201, 14201, 1}};
  EXPECT_EQ(out, expected);
  // Only the record a later one could still pair with (12400's right window) is kept.
  EXPECT_EQ(driver.state("events-count-sliding-5000ms").at("\"A\"")["r"],
            Json::parse("[[12400, 12400]]"));
}

TEST(SlidingWindows, ARecordOutsideEveryOpenWindowIsLate) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("events").window(kafka::sliding(5s)).group_by_key().count().each(collect(out));
  TopologyTestDriver driver(app);
  driver.pipe("events", 0, {.key = "A", .timestamp = at(20000)});
  driver.pipe("events", 0, {.key = "A", .timestamp = at(14999)});  // its windows end by 19999
  driver.pipe("events", 0, {.key = "A", .timestamp = at(15000)});  // [15000, 20000] is open
  EXPECT_EQ(driver.metrics().late_records_dropped, 1);
  driver.flush();
  EXPECT_EQ(out.front(), (Emitted{"A", 10000, 15000, 1}));
}

TEST(SessionWindows, JavadocVectorAndARecordBridgingTwoSessionsMergesThem) {
  std::vector<Emitted> apart, merged;
  for (auto* out : {&apart, &merged}) {
    Topology app;
    app.stream("events")
        .window(kafka::session(5ms).grace(10ms))
        .group_by_key()
        .count()
        .each(collect(*out));
    TopologyTestDriver driver(app);
    for (int64_t t : {10, 12, 20}) driver.pipe("events", t, {.key = "A", .timestamp = at(t)});
    if (out == &merged) driver.pipe("events", 16, {.key = "A", .timestamp = at(16)});
    driver.flush();
  }
  EXPECT_EQ(apart, (std::vector<Emitted>{{"A", 10, 12, 2}, {"A", 20, 20, 1}}));
  EXPECT_EQ(merged, (std::vector<Emitted>{{"A", 10, 20, 4}}));
}

TEST(SessionWindows, MergeAtExactlyTheGapAndCloseAfterGapPlusGrace) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("events").window(kafka::session(5ms)).group_by_key().count().each(collect(out));
  TopologyTestDriver driver(app);
  driver.pipe("events", 0, {.key = "A", .timestamp = at(10)});
  driver.pipe("events", 0, {.key = "A", .timestamp = at(15)});  // exactly the gap: same session
  driver.pipe("events", 0, {.key = "B", .timestamp = at(20)});  // A could still grow (20 - 15 = 5)
  EXPECT_TRUE(out.empty());
  driver.pipe("events", 0, {.key = "B", .timestamp = at(21)});  // 21 > 15 + 5: A is closed
  EXPECT_EQ(out, (std::vector<Emitted>{{"A", 10, 15, 2}}));
  driver.pipe("events", 0, {.key = "A", .timestamp = at(12)});  // A's session is gone: late
  EXPECT_EQ(driver.metrics().late_records_dropped, 1);
}

TEST(Windows, UpdatesEmitsEveryChangeAndTheSeedSpellingWorks) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("orders")
      .window({.tumbling = "5m"})
      .group_by_key()
      .count()
      .updates()
      .each(collect(out));
  TopologyTestDriver driver(app);
  driver.pipe("orders", 1, {.key = "k", .timestamp = at(1000)});
  driver.pipe("orders", 2, {.key = "k", .timestamp = at(2000)});
  driver.pipe("orders", 3, {.key = "k", .timestamp = at(300'000)});
  const std::vector<Emitted> expected = {
      {"k", 0, 300'000, 1}, {"k", 0, 300'000, 2}, {"k", 300'000, 600'000, 1}};
  EXPECT_EQ(out, expected);
  driver.flush();
  EXPECT_EQ(out.size(), 3u);  // the last update was the final value
}

TEST(Windows, WindowedResultsGoToATopicKeyedByTheGroupKey) {
  Topology app;
  app.stream("orders")
      .window(kafka::tumbling(10s))
      .group_by_key()
      .reduce(0, [](int sum, const Json& v) { return sum + v.get<int>(); })
      .to("sums");
  TopologyTestDriver driver(app);
  driver.pipe("orders", 4, {.key = "k", .timestamp = at(1000)});
  driver.pipe("orders", 5, {.key = "k", .timestamp = at(3000)});
  driver.flush();
  const auto out = driver.read("sums");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key(), "k");
  EXPECT_EQ(out[0].value(), (Json{{"start", 0}, {"end", 10000}, {"value", 9}}));
  EXPECT_EQ(ms(out[0].timestamp()), 3000);  // the window's latest record
}

TEST(Windows, IdleTimeoutEmitsOpenWindowsOnAQuietInput) {
  Topology app;
  std::vector<Emitted> out;
  app.stream("orders").window(kafka::tumbling(1h)).group_by_key().count().each(collect(out));
  TopologyTestDriver driver(app, {.idle_timeout = 30s});
  driver.pipe("orders", 1, {.key = "k", .timestamp = at(1000)});
  driver.advance_time(29s);
  EXPECT_TRUE(out.empty());
  driver.advance_time(1s);
  EXPECT_EQ(out, (std::vector<Emitted>{{"k", 0, 3600'000, 1}}));
}

// The seed's join: a predicate over both values, a 1 h window, both sides trigger.
TEST(StreamJoins, MatchesInsideAndAtTheWindowBoundaryNotOutside) {
  const int64_t hour = 3600'000;
  for (bool by_key : {false, true}) {
    Topology app;
    std::vector<std::pair<Json, Json>> pairs;
    auto orders = app.stream("orders");
    auto customers = app.stream("customers");
    JoinOptions options{.window = 1h};
    if (by_key) {
      options.on = kafka::keys([](const Json& o) { return o["customer_id"]; },
                               [](const Json& c) { return c["id"]; });
    } else {
      options.on = [](const Json& o, const Json& c) { return o["customer_id"] == c["id"]; };
    }
    orders.join(customers, options).each([&](const Json& order, const Json& customer) {
      pairs.emplace_back(order["n"], customer["name"]);
    });
    TopologyTestDriver driver(app);
    driver.pipe("customers", {{"id", "c1"}, {"name", "Ada"}}, {.timestamp = at(hour)});
    driver.pipe("customers", {{"id", "c2"}, {"name", "Bob"}}, {.timestamp = at(hour)});
    driver.pipe("orders", {{"customer_id", "c1"}, {"n", 1}}, {.timestamp = at(hour + 30 * 60'000)});
    driver.pipe("orders", {{"customer_id", "c1"}, {"n", 2}}, {.timestamp = at(2 * hour)});  // at
    driver.pipe("orders", {{"customer_id", "c1"}, {"n", 3}},
                {.timestamp = at(2 * hour + 1)});  // out
    driver.pipe("orders", {{"customer_id", "c9"}, {"n", 4}}, {.timestamp = at(2 * hour + 2)});
    // The other side triggers too: a customer arriving after the order.
    driver.pipe("customers", {{"id", "c9"}, {"name", "Cy"}}, {.timestamp = at(2 * hour + 3)});
    const std::vector<std::pair<Json, Json>> expected = {{1, "Ada"}, {2, "Ada"}, {4, "Cy"}};
    EXPECT_EQ(pairs, expected) << (by_key ? "keys" : "predicate");
  }
}

TEST(StreamJoins, LeftAndOuterEmitUnmatchedRecordsWhenTheWindowCloses) {
  for (JoinType type : {JoinType::left, JoinType::outer}) {
    Topology app;
    std::vector<std::pair<Json, Json>> pairs;
    auto left = app.stream("left");
    auto right = app.stream("right");
    auto joined = type == JoinType::left ? left.left_join(right, {.window = 10s})
                                         : left.outer_join(right, {.window = 10s});
    joined.each([&](const Json& l, const Json& r) { pairs.emplace_back(l, r); });
    TopologyTestDriver driver(app);
    driver.pipe("left", "l1", {.key = "a", .timestamp = at(0)});
    driver.pipe("right", "r1", {.key = "b", .timestamp = at(1000)});
    driver.pipe("left", "l2", {.key = "b", .timestamp = at(2000)});  // matches r1
    EXPECT_EQ(pairs.size(), 1u);
    driver.pipe("left", "l3", {.key = "z", .timestamp = at(10'001)});  // l1's window closed
    std::vector<std::pair<Json, Json>> expected = {{"l2", "r1"}, {"l1", nullptr}};
    EXPECT_EQ(pairs, expected);
    driver.flush();
    expected.push_back({"l3", nullptr});
    EXPECT_EQ(pairs, expected) << "r1 matched, so even an outer join emits it no more";
  }
}

TEST(StreamJoins, OuterJoinEmitsUnmatchedRightRecords) {
  Topology app;
  std::vector<std::pair<Json, Json>> pairs;
  app.stream("left")
      .outer_join(app.stream("right"), {.window = 1s})
      .each([&](const Json& l, const Json& r) { pairs.emplace_back(l, r); });
  TopologyTestDriver driver(app);
  driver.pipe("right", "r1", {.key = "x", .timestamp = at(0)});
  driver.pipe("left", "l1", {.key = "y", .timestamp = at(5000)});
  const std::vector<std::pair<Json, Json>> expected = {{nullptr, "r1"}};
  EXPECT_EQ(pairs, expected);
}

TEST(TableJoins, EachRecordSeesTheTablesCurrentRow) {
  Topology app;
  std::vector<std::pair<Json, Json>> pairs;
  auto customers = app.table("customers");
  app.stream("orders")
      .left_join(customers, {.on = kafka::keys([](const Json& o) { return o["customer_id"]; })})
      .each([&](const Json& order, const Json& customer) {
        pairs.emplace_back(order["n"], customer);
      });
  TopologyTestDriver driver(app);
  driver.pipe("orders", {{"customer_id", "c1"}, {"n", 1}});  // no row yet
  driver.pipe("customers", {{"name", "Ada"}}, {.key = "c1"});
  driver.pipe("orders", {{"customer_id", "c1"}, {"n", 2}});
  driver.pipe("customers", {{"name", "Ada L."}}, {.key = "c1"});
  driver.pipe("orders", {{"customer_id", "c1"}, {"n", 3}});
  driver.pipe_raw("customers", std::nullopt, {.key = "c1"});  // a tombstone deletes the row
  driver.pipe("orders", {{"customer_id", "c1"}, {"n", 4}});
  const std::vector<std::pair<Json, Json>> expected = {
      {1, nullptr}, {2, {{"name", "Ada"}}}, {3, {{"name", "Ada L."}}}, {4, nullptr}};
  EXPECT_EQ(pairs, expected);
}

TEST(TableJoins, AnAggregationIsATableToo) {
  Topology app;
  auto counts = app.stream("orders").group_by_key().count();
  std::vector<Json> seen;
  app.stream("visits")
      .join(counts)
      .map([](const Json& visit, const Json& n) {
        return Json{{"visit", visit}, {"orders", n}};
      })
      .each([&](const Json& v) { seen.push_back(v); });
  TopologyTestDriver driver(app);
  driver.pipe("orders", 1, {.key = "c1"});
  driver.pipe("orders", 2, {.key = "c1"});
  driver.pipe("visits", "home", {.key = "c1"});
  driver.pipe("visits", "cart", {.key = "c2"});  // no orders: an inner join drops it
  EXPECT_EQ(seen, (std::vector<Json>{{{"visit", "home"}, {"orders", 2}}}));
}

TEST(Errors, BadJsonOrAThrowingFunctionFailsTheRunNamingTheRecord) {
  Topology app;
  app.stream("orders")
      .filter([](const Json& o) {
        if (o.contains("boom")) throw std::runtime_error("boom");
        return true;
      })
      .to("out");
  TopologyTestDriver driver(app);
  driver.pipe("orders", {{"ok", 1}}, {.partition = 2});
  try {
    driver.pipe_raw("orders", "{not json", {.partition = 2});
    FAIL() << "no error";
  } catch (const StreamProcessingError& e) {
    EXPECT_EQ(e.topic(), "orders");
    EXPECT_EQ(e.partition(), 2);
    EXPECT_EQ(e.offset(), 1);
    EXPECT_NE(std::string(e.what()).find("orders/2@1"), std::string::npos) << e.what();
  }
  try {
    driver.pipe("orders", {{"boom", true}});
    FAIL() << "no error";
  } catch (const StreamProcessingError& e) {
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
  }
}

TEST(Errors, LogAndContinueSendsTheRecordToTheDeadLetterTopic) {
  Topology app;
  app.stream("orders").map([](const Json& o) { return o.at("amount"); }).to("amounts");
  TopologyTestDriver driver(
      app, {.on_error = OnError::log_and_continue, .dead_letter_topic = "orders-dlq"});
  driver.pipe("orders", {{"amount", 1}});
  driver.pipe_raw("orders", "{not json", {.key = "k"});
  driver.pipe("orders", {{"no_amount", 1}});
  driver.pipe("orders", {{"amount", 3}});
  EXPECT_EQ(driver.messages("amounts"), (std::vector<Json>{1, 3}));
  const auto dead = driver.read("orders-dlq");
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].raw_value(), "{not json");
  EXPECT_EQ(dead[0].key(), "k");
  EXPECT_EQ(dead[0].headers().get("kafka-do.source"), "orders/0@1");
  EXPECT_TRUE(dead[1].headers().get("kafka-do.error").has_value());
  EXPECT_EQ(driver.metrics().errors_skipped, 2);
}

TEST(Driver, SeveralInputTopicsAndStreamTimeAdvancedWithoutARecord) {
  Topology app;
  std::vector<Emitted> out;
  app.stream({"web", "mobile"})
      .window(kafka::tumbling(10s))
      .group_by_key()
      .count()
      .each(collect(out));
  TopologyTestDriver driver(app);
  driver.pipe("web", 1, {.key = "u", .timestamp = at(1000)});
  driver.pipe("mobile", 1, {.key = "u", .timestamp = at(2000)});
  driver.advance_stream_time(at(9999));
  EXPECT_TRUE(out.empty());
  driver.advance_stream_time(at(10000));
  EXPECT_EQ(out, (std::vector<Emitted>{{"u", 0, 10000, 2}}));
  driver.advance_stream_time(at(5000));
  EXPECT_EQ(ms(driver.stream_time()), 10000);  // never backwards
}

TEST(Driver, OutputPartitionsFollowTheKeyHashAndStateIsWrittenToTheChangelog) {
  Topology app;
  app.stream("orders").group_by_key().count({.name = "counts"}).to("counts");
  TopologyTestDriver driver(app, {.application_id = "shop"});
  driver.create_topic("counts", 3);
  for (const char* key : {"a", "b", "c", "d"})
    driver.pipe("orders", 1, {.key = key, .partition = 1});
  for (const auto& r : driver.read("counts")) {
    EXPECT_EQ(r.partition(), kafka_do::partition_for_key(r.key(), 3)) << r.key();
  }
  const auto changelog = driver.read("shop-counts-changelog");
  ASSERT_EQ(changelog.size(), 4u);
  EXPECT_EQ(changelog[0].key(), "\"a\"");
  EXPECT_EQ(changelog[0].value(), Json(1));
  EXPECT_THROW(driver.pipe("payments", 1), ConfigError);  // not an input
}

// Interactive queries (ReadOnlyStore) on the driver's stores, as on a running Topology.
TEST(Queries, ATableAnswersGetRangeAndAllAWindowStoreFetchesItsOpenWindows) {
  Topology app;
  std::vector<Emitted> emitted;
  auto orders = app.stream("orders");
  orders.group_by_key().count({.name = "counts"}).to("counts-out");
  orders.window(kafka::tumbling(10s))
      .group_by_key()
      .count({.name = "per-10s"})
      .each(collect(emitted));
  TopologyTestDriver driver(app);
  for (const auto& [key, t] : std::vector<std::pair<std::string, int64_t>>{
           {"a", 1000}, {"b", 2000}, {"a", 12000}, {"c", 13000}, {"a", 14000}}) {
    driver.pipe("orders", 1, {.key = key, .timestamp = at(t)});
  }
  const ReadOnlyStore counts = driver.store("counts");
  EXPECT_EQ(counts.name(), "counts");
  EXPECT_EQ(counts.get("a"), Json(3));
  EXPECT_EQ(counts.get("c"), Json(1));
  EXPECT_EQ(counts.get("z"), std::nullopt);
  auto pairs = [](const std::vector<KeyValue>& rows) {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& kv : rows)
      out.emplace_back(kv.key.get<std::string>(), kv.value.get<int64_t>());
    return out;
  };
  using Pairs = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(pairs(counts.range("a", "b")), (Pairs{{"a", 3}, {"b", 1}}));
  EXPECT_EQ(pairs(counts.range("b", "zz")), (Pairs{{"b", 1}, {"c", 1}}));
  EXPECT_EQ(pairs(counts.all()), (Pairs{{"a", 3}, {"b", 1}, {"c", 1}}));

  // Stream time is 14 s: [0, 10 s) was emitted final and is gone; [10 s, 20 s) is open.
  EXPECT_EQ(emitted.size(), 2u);
  const ReadOnlyStore windows = driver.store("per-10s");
  auto starts = [](const std::vector<Window>& ws) {
    std::vector<std::pair<int64_t, int64_t>> out;
    for (const auto& w : ws) out.emplace_back(ms(w.start()), w.value<int64_t>());
    return out;
  };
  using Starts = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(starts(windows.fetch("a", at(0), at(20000))), (Starts{{10000, 2}}));
  EXPECT_EQ(starts(windows.fetch("a", at(10000), at(10000))), (Starts{{10000, 2}}));
  EXPECT_TRUE(windows.fetch("a", at(0), at(9999)).empty());
  EXPECT_TRUE(windows.fetch("b", at(0), at(20000)).empty());  // closed
  const auto found = windows.fetch("c", at(0), at(20000));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key(), "c");
  EXPECT_EQ(ms(found[0].end()), 20000);
  // A range of more window starts than the store could hold: one scan, the same answer.
  EXPECT_EQ(starts(windows.fetch("a", at(0), at(10'000'000'000))), (Starts{{10000, 2}}));
  driver.pipe("orders", 1, {.key = "a", .timestamp = at(15000)});
  EXPECT_EQ(starts(windows.fetch("a", at(0), at(20000))), (Starts{{10000, 3}}));

  EXPECT_THROW(counts.fetch("a", at(0), at(1)), ConfigError);
  EXPECT_THROW(windows.get("a"), ConfigError);
  EXPECT_THROW(driver.store("no-such-store").get("a"), ConfigError);
}

TEST(Queries, HoppingWindowsAreFetchedByStartAndAStoreOutlivingItsDriverIsUnavailable) {
  Topology app;
  app.stream("clicks")
      .window({.hopping = "5s", .advance = "3s"})
      .group_by_key()
      .count({.name = "hops"})
      .each([](const Json&, const Window&) {});
  std::optional<ReadOnlyStore> kept;
  {
    TopologyTestDriver driver(app);
    driver.pipe("clicks", 1, {.key = "u", .timestamp = at(4000)});  // [0,5000) and [3000,8000)
    driver.pipe("clicks", 1, {.key = "u", .timestamp = at(6500)});  // [0,5000) closes
    kept = driver.store("hops");
    std::vector<std::pair<int64_t, int64_t>> got;
    for (const auto& w : kept->fetch("u", at(1), at(6000))) {
      got.emplace_back(ms(w.start()), w.value<int64_t>());
    }
    EXPECT_EQ(got, (std::vector<std::pair<int64_t, int64_t>>{{3000, 2}, {6000, 1}}));
  }
  EXPECT_THROW(kept->fetch("u", at(0), at(6000)), StoreUnavailableError);
}

}  // namespace
}  // namespace kafka
