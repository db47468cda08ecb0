// A user's program built against the installed kafka-do (find_package + kafka_do::kafka_do).
#include <iostream>
#include <kafka_do/kafka.hpp>

int main() {
  kafka::Client kafka({.url = "memory:"});
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"order_id", "123"}, {"amount", 99.99}});
  });
  auto consumer = kafka.consumer("orders", {.group = "app", .offset = kafka::Offset::earliest});
  const kafka::Record r = consumer.first(std::chrono::seconds(10));
  std::cout << "consumed order " << r.value()["order_id"].get<std::string>() << "\n";
  return 0;
}
