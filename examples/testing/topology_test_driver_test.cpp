// Testing a stream topology without topics, threads or sleeps: kafka::TopologyTestDriver runs
// the same operators a real run does, on records piped with explicit keys and timestamps.

#include <gtest/gtest.h>

#include <kafka_do/kafka.hpp>
#include <kafka_do/testing.hpp>

namespace {

using namespace std::chrono_literals;

// The application's topology, built the same way for production (Topology::run) and tests.
void order_counts(kafka::Topology& app) {
  app.stream("orders")
      .filter([](const kafka::Json& o) { return o["amount"].get<double>() > 0; })
      .window(kafka::tumbling(5min))
      .group_by([](const kafka::Json& o) { return o["customer_id"]; })
      .count({.name = "orders-per-customer"})
      .to("order-counts");
}

TEST(OrderCounts, CountsEachCustomersOrdersPerFiveMinutes) {
  kafka::Topology app;
  order_counts(app);
  kafka::TopologyTestDriver driver(app);
  const auto t0 = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1} + 10h;

  driver.pipe("orders", {{"customer_id", "alice"}, {"amount", 10}}, {.timestamp = t0});
  driver.pipe("orders", {{"customer_id", "alice"}, {"amount", 0}}, {.timestamp = t0 + 1min});
  driver.pipe("orders", {{"customer_id", "alice"}, {"amount", 5}}, {.timestamp = t0 + 2min});
  EXPECT_TRUE(driver.read("order-counts").empty());  // the window is still open

  driver.pipe("orders", {{"customer_id", "bob"}, {"amount", 1}}, {.timestamp = t0 + 5min});
  const auto counts = driver.read("order-counts");
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].key(), "alice");
  EXPECT_EQ(counts[0].value()["value"], 2);
}

}  // namespace
