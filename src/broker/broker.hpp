#pragma once
// What every request handler needs besides the request: the engine and this node's identity.

#include <cstdint>
#include <string>

#include "broker/metrics/broker_metrics.hpp"
#include "broker/security/acl.hpp"
#include "broker/security/key_file.hpp"
#include "broker/security/quota.hpp"
#include "coordinator/group_coordinator.hpp"
#include "coordinator/producer_ids.hpp"
#include "coordinator/transaction_coordinator.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::broker {

struct BrokerConfig {
  // This node's id in Metadata and FindCoordinator; also the controller id (single node).
  int32_t node_id = 0;
  // The address clients are told to connect to. Must be reachable by them: librdkafka may
  // resolve "localhost" to ::1 first, so the default is the IPv4 loopback.
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  // The plaintext listener beside a TLS one, told to clients that came in on it (port 0: none).
  std::string plaintext_advertised_host;
  int32_t plaintext_advertised_port = 0;
  std::string cluster_id = "kafka-do";
  // Metadata requests for unknown topics create them (Kafka's auto.create.topics.enable).
  bool auto_create_topics = true;
  // Partitions of an auto-created topic (Kafka's num.partitions).
  int32_t default_partitions = 1;
  // Byte-rate quotas (bytes per second) of keys that have none of their own, and of every client
  // when the broker has no keys; 0: none.
  int64_t default_produce_quota = 0;
  int64_t default_fetch_quota = 0;
};

struct Broker {
  storage::LogManager& logs;
  BrokerConfig config;
  // Consumer groups and committed offsets; null answers the group APIs with
  // COORDINATOR_NOT_AVAILABLE (tests of the network layer need no coordinator).
  coordinator::GroupCoordinator* groups = nullptr;
  // Producer ids for InitProducerId; null answers it with COORDINATOR_NOT_AVAILABLE.
  coordinator::ProducerIdAllocator* producer_ids = nullptr;
  // Transactional ids (FindCoordinator key type 1 and the transaction APIs); null answers them
  // with COORDINATOR_NOT_AVAILABLE and refuses a transactional InitProducerId.
  coordinator::TransactionCoordinator* transactions = nullptr;
  // With keys, every connection must authenticate with SASL (PLAIN or SCRAM) before anything
  // but ApiVersions and the SASL requests; null accepts everyone.
  security::KeyFile* keys = nullptr;
  // What keys that are not superusers may do (only consulted with keys); null: nothing.
  security::AclStore* acls = nullptr;
  // Produce and fetch byte rates per key; null: no quotas.
  security::Quotas* quotas = nullptr;
  // Request, traffic and connection counters for /metrics; null counts nothing.
  BrokerMetrics* metrics = nullptr;
};

}  // namespace kafka_do::broker
