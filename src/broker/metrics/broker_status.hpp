#pragma once
// The broker's vital signs as /metrics and the console's overview show them.

#include <cstdint>
#include <string>

#include "broker/broker.hpp"

namespace kafka_do::broker {

struct BrokerStatus {
  std::string version;  // kafka-do's version (CMake's PROJECT_VERSION)
  std::string data_dir;
  std::string address;  // the advertised Kafka address
  double uptime_seconds = 0;
  double started_unix_seconds = 0;
  // Of the file system holding the data directory; -1 when statvfs fails.
  int64_t disk_free_bytes = -1;
  int64_t disk_total_bytes = -1;
  int64_t open_connections = 0;
};

BrokerStatus broker_status(const Broker& broker);

}  // namespace kafka_do::broker
