// Seed README, "Stream Processing / Branching": each order goes to the topic of the first branch
// that takes it; kafka::otherwise takes the rest.

#include <iostream>
#include <kafka_do/kafka.hpp>

using namespace std::chrono_literals;

int main() try {
  kafka::Client kafka;
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"order_id", "1"}, {"region", "us"}});
    p.send({{"order_id", "2"}, {"region", "eu"}});
    p.send({{"order_id", "3"}, {"region", "apac"}});
    p.send({{"order_id", "4"}, {"region", "us"}});
  });

  kafka.stream("orders", kafka::StreamOptions{.application_id = "router", .until_caught_up = true})
      .branch({{[](const kafka::Json& o) { return o["region"] == "us"; }, "us-orders"},
               {[](const kafka::Json& o) { return o["region"] == "eu"; }, "eu-orders"},
               {kafka::otherwise, "other-orders"}});

  for (const char* topic : {"us-orders", "eu-orders", "other-orders"}) {
    auto consumer = kafka.consumer(topic, {.group = "report", .offset = kafka::Offset::earliest});
    std::cout << topic << ":";
    for (auto& r : consumer.poll(5s)) std::cout << " " << r.value()["order_id"].get<std::string>();
    std::cout << "\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "branching failed: " << e.what() << "\n";
  return 1;
}
