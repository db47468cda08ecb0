#pragma once
// kafka::MockClient: an in-memory client for tests (the memory: backend) plus helpers to seed
// topics and read back what was produced, as the seed's RSpec examples do. Works with any test
// framework (GoogleTest in this repository).
//
//   kafka::MockClient kafka;
//   kafka.seed("orders", {{{"order_id", "123"}}, {{"order_id", "124"}}});
//   ... code under test consumes or produces through `kafka` (it is a kafka::Client) ...
//   EXPECT_EQ(kafka.messages("orders").size(), 2);

#include <string>
#include <vector>

#include "kafka_do/client.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/record.hpp"

namespace kafka {

class MockClient : public Client {
 public:
  MockClient();
  // Any url in `options` is replaced by "memory:".
  explicit MockClient(ClientOptions options);

  // Appends `values` (JSON) to `topic`, creating it if needed; waits until they are stored.
  void seed(const std::string& topic, const std::vector<Json>& values);
  void seed(const std::string& topic, const std::vector<Message>& messages);
  // The value of every record of `topic`, partition by partition, in offset order.
  std::vector<Json> messages(const std::string& topic);
  // The records themselves (key, headers, timestamp, partition, offset).
  std::vector<Record> records(const std::string& topic);
};

}  // namespace kafka
