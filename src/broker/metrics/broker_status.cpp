#include "broker/metrics/broker_status.hpp"

#include <sys/statvfs.h>

#include <chrono>

#ifndef KAFKA_DO_VERSION
#define KAFKA_DO_VERSION "unknown"
#endif

namespace kafka_do::broker {

BrokerStatus broker_status(const Broker& broker) {
  BrokerStatus out;
  out.version = KAFKA_DO_VERSION;
  out.data_dir = broker.logs.directory();
  out.address = broker.config.advertised_host + ":" + std::to_string(broker.config.advertised_port);
  if (broker.metrics != nullptr) {
    const auto started = broker.metrics->started();
    out.uptime_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now() - started).count();
    out.started_unix_seconds = std::chrono::duration<double>(started.time_since_epoch()).count();
    out.open_connections = broker.metrics->open_connections();
  }
  struct statvfs fs {};
  if (::statvfs(out.data_dir.c_str(), &fs) == 0) {
    out.disk_free_bytes = int64_t(fs.f_bavail) * int64_t(fs.f_frsize);
    out.disk_total_bytes = int64_t(fs.f_blocks) * int64_t(fs.f_frsize);
  }
  return out;
}

}  // namespace kafka_do::broker
