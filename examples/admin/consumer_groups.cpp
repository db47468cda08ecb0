// Seed README, "Consumer Groups": list groups, describe one (state, members, lag) and reset its
// committed offsets to the earliest record or to a point in time.

#include <chrono>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <ranges>
#include <string>

namespace {

void print_group(kafka::Admin& admin, const std::string& id) {
  const kafka::GroupDescription info = admin.describe_group(id);
  std::cout << "State: " << info.state << "\n";
  std::cout << "Members: " << info.members.size() << "\n";
  for (const kafka::GroupMember& member : info.members) {
    std::cout << "  " << member.id << " (" << member.client_id << "@" << member.host << "):";
    for (const kafka::TopicPartition& tp : member.assignment) {
      std::cout << " " << tp.topic << "/" << tp.partition;
    }
    std::cout << "\n";
  }
  for (const kafka::PartitionLag& p : info.partitions) {
    std::cout << "  " << p.topic << "/" << p.partition << ": committed " << p.committed << ", end "
              << p.end_offset << ", lag " << p.lag << "\n";
  }
  std::cout << "Total Lag: " << info.total_lag << "\n";
}

}  // namespace

int main() try {
  using namespace std::chrono_literals;
  kafka::Client kafka;
  auto admin = kafka.admin();

  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < 10; ++i) p.send({{"order_id", std::to_string(900 + i)}});
  });

  // A member of group order-processor that processed and committed four orders, and is still
  // running while the group is inspected.
  auto consumer =
      kafka.consumer("orders", {.group = "order-processor", .offset = kafka::Offset::earliest});
  for (kafka::Record& record : consumer | std::views::take(4)) record.commit();

  // List groups.
  for (const kafka::GroupInfo& group : admin.list_groups()) {
    std::cout << "Group: " << group.id << ", Members: " << group.member_count << "\n";
  }

  // Describe group.
  print_group(admin, "order-processor");

  // Reset offsets. Like Kafka, this is refused while the group has active members: they would
  // overwrite the reset with their next commit.
  try {
    admin.reset_offsets("order-processor", "orders", kafka::Offset::earliest);
  } catch (const kafka::GroupCoordinatorError& e) {
    std::cout << "Reset refused while the consumer runs: " << e.what() << "\n";
  }
  consumer.close();

  admin.reset_offsets("order-processor", "orders", kafka::Offset::earliest);
  std::cout << "Reset order-processor on orders to earliest\n";
  print_group(admin, "order-processor");

  // Reset to timestamp: the first record at or after it (the end when there is none).
  const auto yesterday = std::chrono::system_clock::now() - 24h;
  admin.reset_offsets("order-processor", "orders", kafka::Offset::at(yesterday));
  std::cout << "Reset order-processor on orders to 24 hours ago\n";
  print_group(admin, "order-processor");
  return 0;
} catch (const std::exception& e) {
  std::cerr << "consumer_groups failed: " << e.what() << "\n";
  return 1;
}
