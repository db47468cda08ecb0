#pragma once
// kafka-do: event streaming for C++. Include this one header.
//   kafka::Client kafka;                       // embedded engine in ./kafka-do-data
//   kafka.producer("orders", [](kafka::Producer& p) { p.send({{"order_id", "123"}}); });
//   for (kafka::Record& r : kafka.consumer("orders", {.group = "processor"})) { ... }
// Guide: docs/sdk.md.

#include "kafka_do/admin.hpp"
#include "kafka_do/client.hpp"
#include "kafka_do/consumer.hpp"
#include "kafka_do/duration.hpp"
#include "kafka_do/error.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/json_view.hpp"
#include "kafka_do/parallel_consumer.hpp"
#include "kafka_do/producer.hpp"
#include "kafka_do/record.hpp"
#include "kafka_do/streams.hpp"
#include "kafka_do/transaction.hpp"
