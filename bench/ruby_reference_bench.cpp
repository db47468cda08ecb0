// The C++ half of bench/ruby_bench.sh: the workload bench/ruby_bench.rb runs through the Ruby
// gem, here through the C++ SDK, in the same run: N JSON orders produced with one Producer,
// then consumed by a group consumer that reads each value's amount. Prints one line per phase:
// "<phase> <records> <seconds>". Usage: ruby_reference_bench N URL
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <kafka_do/kafka.hpp>
#include <string>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  kafka::Client kafka({.url = argc > 2 ? argv[2] : "memory:"});
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  {
    kafka::Producer p = kafka.producer("bench-orders");
    for (int i = 0; i < n; ++i)
      p.send({{"order_id", "o-" + std::to_string(i)},
              {"amount", i * 1.5},
              {"customer_id", "c-" + std::to_string(i % 100)}});
    p.close();
  }
  std::printf("produce %d %.6f\n", n, std::chrono::duration<double>(Clock::now() - start).count());
  start = Clock::now();
  auto c = kafka.consumer("bench-orders", {.group = "bench", .offset = kafka::Offset::earliest});
  double sum = 0;
  int seen = 0;
  for (kafka::Record& r : c) {
    sum += r.value()["amount"].get<double>();
    if (++seen == n) break;
  }
  std::printf("consume %d %.6f\n", n, std::chrono::duration<double>(Clock::now() - start).count());
  return sum > 0 ? 0 : 1;
}
