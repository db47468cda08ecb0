// Seed README, "Configuration": the environment variables and kafka::ClientOptions.
//
//   KAFKA_DO_URL      where the client connects: unset or file:PATH = the embedded engine in this
//                     process; memory: = in memory; kafka://host:port = a Kafka-protocol cluster
//   KAFKA_DO_DATA     the embedded engine's data directory when the URL names none
//                     (default ./kafka-do-data)
//   KAFKA_DO_API_KEY  credentials for kafka:// (SASL/PLAIN)
// Options passed in code win over the environment.

#include <cstdlib>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "(unset)";
}

}  // namespace

int main() try {
  using namespace std::chrono_literals;
  std::cout << "KAFKA_DO_URL=" << env("KAFKA_DO_URL") << "\n"
            << "KAFKA_DO_DATA=" << env("KAFKA_DO_DATA") << "\n"
            << "KAFKA_DO_API_KEY=" << (std::getenv("KAFKA_DO_API_KEY") ? "(set)" : "(unset)")
            << "\n";

  // No options: everything from the environment, else the embedded engine.
  kafka::Client kafka;
  std::cout << "Default client uses " << kafka.url() << "\n";

  // Every option, as the seed lists them (timeouts also take "30s"-style strings).
  kafka::Client configured({
      .url = "memory:",
      .api_key = "your-api-key",  // only sent on kafka://
      .timeout = 30s,
      .retries = 3,
  });
  std::cout << "Configured client uses " << configured.url() << "\n";

  // Options beyond the seed: what happens on first use of an unknown topic, and when the
  // embedded engine makes writes durable.
  kafka::Client strict({.url = "memory:",
                        .timeout = "10s",
                        .auto_create_topics = false,
                        .default_partitions = 3,
                        .durability = kafka::Durability::every_batch});
  try {
    strict.producer("orders");
  } catch (const kafka::TopicNotFoundError& e) {
    std::cout << "Strict client: " << e.what() << "\n";
  }

  // A remote cluster. The seed's hosted https://kafka.do has no equivalent here; kafka:// is the
  // remote backend's scheme.
  try {
    kafka::Client remote({.url = "kafka://localhost:9092", .api_key = "your-api-key"});
    std::cout << "Remote client uses " << remote.url() << "\n";
  } catch (const kafka::ConfigError& e) {
    std::cout << "Remote client not available: " << e.what() << "\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "client_configuration failed: " << e.what() << "\n";
  return 1;
}
