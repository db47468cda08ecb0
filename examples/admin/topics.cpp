// Seed README, "Topic Administration": create a topic with a retention time, list, describe,
// alter and delete topics.

#include <chrono>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

namespace {

std::string retention_text(const kafka::TopicInfo& info) {
  if (!info.retention) return "forever";
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(info.retention->ms());
  return std::to_string(info.retention->count_ms()) + "ms (" + std::to_string(hours.count() / 24) +
         " days)";
}

}  // namespace

int main() try {
  using namespace std::chrono_literals;
  kafka::Client kafka;
  auto admin = kafka.admin();

  // Create topic. if_not_exists makes a second run of this example succeed quietly instead of
  // throwing kafka::TopicAlreadyExistsError.
  admin.create_topic("orders", {.partitions = 3, .retention = 7 * 24h, .if_not_exists = true});
  std::cout << "Created topic orders\n";
  admin.create_topic("old-events", {.if_not_exists = true});  // something to delete below

  // List topics.
  for (const kafka::TopicInfo& topic : admin.list_topics()) {
    std::cout << topic.name << ": " << topic.partitions << " partitions\n";
  }

  // Describe topic.
  kafka::TopicInfo info = admin.describe_topic("orders");
  std::cout << "Partitions: " << info.partitions << "\n";
  std::cout << "Retention: " << retention_text(info) << "\n";

  // Alter topic: only the fields set change.
  admin.alter_topic("orders", {.retention = 30 * 24h});
  info = admin.describe_topic("orders");
  std::cout << "Retention after alter: " << retention_text(info) << "\n";

  // Delete topic.
  admin.delete_topic("old-events");
  bool still_there = false;
  for (const kafka::TopicInfo& topic : admin.list_topics())
    still_there |= topic.name == "old-events";
  std::cout << "Deleted topic old-events" << (still_there ? " (but it is still listed!)" : "")
            << "\n";
  return still_there ? 1 : 0;
} catch (const std::exception& e) {
  std::cerr << "topics failed: " << e.what() << "\n";
  return 1;
}
