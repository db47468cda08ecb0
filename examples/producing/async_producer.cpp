// Seed README, "Producing Messages / Async Producer": non-blocking sends, deliver() to force
// out what is buffered, and delivery reports through a handler and a per-send callback.

#include <atomic>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <mutex>

int main() try {
  kafka::Client kafka;
  auto producer = kafka.async_producer("orders");

  // Reports arrive on the producer's delivery thread; the mutex keeps lines from interleaving
  // with each other.
  std::mutex out;
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};

  // Registered before the first send so that it sees every report (the seed registers it last;
  // reports of records delivered before that would not reach it).
  producer.on_delivery([&](const kafka::DeliveryReport& report) {
    std::lock_guard lock(out);
    if (const kafka::Error* error = report.error()) {
      std::cout << "Delivery failed: " << error->what() << "\n";
      ++failed;
    } else {
      std::cout << "Delivered to partition " << report.partition() << " offset " << report.offset()
                << "\n";
      ++delivered;
    }
  });

  // Non-blocking send: queued, batched and written by a background thread.
  producer.send({{"order_id", "123"}, {"amount", 99.99}});
  producer.send({{"order_id", "124"}, {"amount", 49.99}});

  // Force delivery of buffered messages: returns once every report was handed out.
  producer.deliver();

  // With a delivery callback for this one record (the seed's `&:delivery_report`); the
  // on_delivery handler still sees it too.
  const kafka::Json order = {{"order_id", "125"}, {"amount", 19.99}};
  producer.send(order, {}, [&](const kafka::DeliveryReport& report) {
    std::lock_guard lock(out);
    std::cout << "Callback for order 125: " << (report.ok() ? "ok" : report.error()->what())
              << "\n";
  });
  producer.deliver();

  std::cout << delivered << " delivered, " << failed << " failed, " << producer.in_flight()
            << " still in flight\n";
  return failed == 0 && delivered == 3 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "async_producer failed: " << e.what() << "\n";
  return 1;
}
