#include "kafka_do/testing.hpp"

#include "client/backend.hpp"

namespace kafka {
namespace {
ClientOptions in_memory(ClientOptions options) {
  options.url = "memory:";
  options.default_offset = Offset::earliest;  // seeded records are what tests read
  return options;
}
}  // namespace

MockClient::MockClient() : MockClient(ClientOptions{}) {}
MockClient::MockClient(ClientOptions options) : Client(in_memory(std::move(options))) {}

void MockClient::seed(const std::string& topic, const std::vector<Json>& values) {
  producer(topic, [&](Producer& p) { p.send_batch(values); });
}

void MockClient::seed(const std::string& topic, const std::vector<Message>& messages) {
  producer(topic, [&](Producer& p) { p.send_batch(messages); });
}

std::vector<Json> MockClient::messages(const std::string& topic) {
  std::vector<Json> out;
  for (const auto& r : records(topic)) out.push_back(r.value());
  return out;
}

std::vector<Record> MockClient::records(const std::string& topic) {
  return backend().read_topic(topic);
}

}  // namespace kafka
