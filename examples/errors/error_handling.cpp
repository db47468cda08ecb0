// Seed README, "Error Handling": the begin/rescue chain becomes try/catch on the specific
// kafka::Error subclasses, most specific first; kafka::Error itself catches the rest and tells
// whether trying again may help (retriable()).
//
// Each scenario below provokes one of the errors for real against the embedded engine.

#include <chrono>
#include <functional>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;

// The seed's rescue chain around one attempt; returns which clause handled the failure ("ok"
// when there was none). The seed's `retry` re-runs the block at once; this pauses briefly
// first (retry_backoff.cpp shows exponential backoff with jitter).
std::string with_rescue(const std::function<void()>& attempt) {
  constexpr int kMaxAttempts = 5;
  for (int attempts = 1;; ++attempts) {
    try {
      attempt();
      return "ok";
    } catch (const kafka::TopicNotFoundError&) {
      std::cout << "Topic not found\n";
      return "topic-not-found";
    } catch (const kafka::MessageTooLargeError&) {
      std::cout << "Message too large\n";
      return "message-too-large";
    } catch (const kafka::TimeoutError&) {
      std::cout << "Request timed out\n";
      return "timeout";
    } catch (const kafka::Error& e) {
      std::cout << "Kafka error: " << e.code_value() << " - " << e.what() << "\n";
      if (e.retriable() && attempts < kMaxAttempts) {
        std::cout << "  retriable: retrying (attempt " << attempts + 1 << ")\n";
        std::this_thread::sleep_for(100ms);
        continue;
      }
      return "error";
    }
  }
}

}  // namespace

int main() try {
  // Topics are not created on first use here, so that a misspelt name is an error rather than a
  // new, empty topic.
  kafka::Client kafka({.auto_create_topics = false});
  kafka.admin().create_topic("orders", {.if_not_exists = true});
  const kafka::Json order = {{"order_id", "123"}, {"amount", 99.99}};
  int unexpected = 0;
  auto expect = [&](const std::string& got, const std::string& wanted) {
    if (got != wanted) {
      std::cout << "  (expected " << wanted << ", got " << got << ")\n";
      ++unexpected;
    }
  };

  std::cout << "1. Producing to a topic that does not exist:\n";
  expect(with_rescue([&] {
           kafka.producer("ordres", [&](kafka::Producer& producer) { producer.send(order); });
         }),
         "topic-not-found");

  std::cout << "2. Sending a 2 MB order (the topic's max.message.bytes is 1 MiB):\n";
  expect(with_rescue([&] {
           kafka.producer("orders", [&](kafka::Producer& producer) {
             producer.send({{"order_id", "124"}, {"notes", std::string(2'000'000, 'x')}});
           });
         }),
         "message-too-large");

  std::cout << "3. An async producer whose buffer stays full for longer than max_block:\n";
  {
    auto producer =
        kafka.async_producer("orders", {.linger = 1h, .buffer_memory = 1000, .max_block = 100ms});
    expect(with_rescue([&] {
             for (int i = 0; i < 100; ++i) producer.send(order);
           }),
           "timeout");
  }  // destruction sends what was buffered

  std::cout << "4. Invalid producer options:\n";
  expect(with_rescue([&] { kafka.producer("orders", {.batch_size = 0}); }), "error");

  std::cout << "5. A full buffer with buffer_full = fail is retriable: retry until it drained:\n";
  {
    auto producer = kafka.async_producer(
        "orders", {.linger = 20ms, .buffer_memory = 4096, .buffer_full = kafka::BufferFull::fail});
    // About 250 bytes per order: the buffer holds some 16 of them until the batch leaves.
    const std::string notes(200, 'n');
    int sent = 0;
    expect(with_rescue([&] {
             for (; sent < 30; ++sent) {
               producer.send({{"order_id", std::to_string(sent)}, {"notes", notes}});
             }
           }),
           "ok");
    producer.deliver();
    std::cout << "Sent " << sent << " orders in the end\n";
  }

  std::cout << (unexpected == 0 ? "Every error was caught by the expected clause\n"
                                : "Some errors were caught by an unexpected clause\n");
  return unexpected == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "error_handling failed: " << e.what() << "\n";
  return 1;
}
