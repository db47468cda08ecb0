// Writes synthetic seeds next to the captured client frames (not built by default:
// `cmake --build build/fuzz --target fuzz_seed_gen && build/fuzz/tests/fuzz/fuzz_seed_gen
// tests/fuzz/corpus`). Request frames: every API at its lowest, first flexible and highest version
// (default bodies), Produce carrying a batch in every codec, JoinGroup/SyncGroup carrying
// ConsumerProtocol payloads at each version. Record batches: one per codec, plus transactional,
// control and LogAppendTime variants (first byte: record_batch_fuzzer's flags).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "model/record_batch.hpp"
#include "protocol/gen/messages.hpp"
#include "protocol/headers.hpp"

namespace {

using namespace kafka_do;
using namespace kafka_do::protocol;
namespace fs = std::filesystem;

fs::path g_root;
int g_written = 0;

void write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_root / dir);
  std::ofstream(g_root / dir / name, std::ios::binary) << bytes;
  ++g_written;
}

template <typename Request>
void write_request(const Request& request, int16_t version, const std::string& name) {
  if (!request.can_encode(version)) {
    std::fprintf(stderr, "seed_gen: %s cannot be encoded\n", name.c_str());
    return;
  }
  RequestHeader header;
  header.request_api_key = Request::api_key;
  header.request_api_version = version;
  header.correlation_id = 7;
  header.client_id = "fuzz-seed";
  std::string frame;
  ByteWriter w(frame);
  encode_request_header(w, header);
  request.encode(w, version);
  write_file("request", "seed-" + name + "-v" + std::to_string(version) + ".bin", frame);
}

std::string snake(const char* camel) {
  std::string out;
  for (const char* p = camel; *p; ++p) {
    if (*p >= 'A' && *p <= 'Z') {
      if (p != camel) out += '_';
      out += char(*p - 'A' + 'a');
    } else {
      out += *p;
    }
  }
  return out;
}

std::string batch(model::BatchOptions options) {
  model::BatchBuilder builder(options);
  const model::RecordHeader headers[] = {{"h1", "v1"}, {"h2", std::nullopt}};
  builder.add(1'700'000'000'000, "key-1", "value-1");
  builder.add(1'700'000'000'005, std::nullopt, "value-2", headers);
  builder.add(1'700'000'000'003, "key-3", std::nullopt);
  return *builder.build();
}

template <typename T>
std::string consumer_payload(const T& message, int16_t version) {
  std::string out;
  ByteWriter w(out);
  w.i16(version);
  message.encode(w, version);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s tests/fuzz/corpus\n", argv[0]);
    return 2;
  }
  g_root = argv[1];

  for_each_api([](auto messages) {
    using Request = typename decltype(messages)::Request;
    const ApiInfo* api = find_api(Request::api_key);
    std::set<int16_t> versions = {Request::lowest_version, Request::highest_version};
    if (api->first_flexible_version >= 0) versions.insert(api->first_flexible_version);
    for (const int16_t v : versions) write_request(Request{}, v, snake(api->name));
  });

  const struct {
    const char* name;
    model::BatchOptions options;
    uint8_t flags;
  } batches[] = {
      {"none", {}, 0},
      {"gzip", {.compression = model::Compression::gzip}, 0},
      {"snappy", {.compression = model::Compression::snappy}, 0},
      {"lz4", {.compression = model::Compression::lz4}, 0},
      {"zstd", {.compression = model::Compression::zstd}, 0},
      {"transactional",
       {.producer_id = 1000, .producer_epoch = 2, .base_sequence = 0, .transactional = true},
       0},
      {"control", {.transactional = true, .control = true}, 0},
      {"log_append_time", {}, 4},
  };
  for (const auto& b : batches) {
    const std::string bytes = batch(b.options);
    write_file("record_batch", std::string("seed-") + b.name + ".bin",
               std::string(1, char(b.flags)) + bytes);
    if (b.flags != 0) continue;
    for (const int16_t version : {int16_t(3), int16_t(9), int16_t(11)}) {
      ProduceRequest produce;
      produce.acks = -1;
      produce.timeout_ms = 30000;
      auto& topic = produce.topic_data.emplace_back();
      topic.name = "fuzz-topic";
      auto& partition = topic.partition_data.emplace_back();
      partition.index = 0;
      partition.records = bytes;
      write_request(produce, version, std::string("produce-") + b.name);
    }
  }

  for (int16_t cv = ConsumerProtocolSubscription::lowest_version;
       cv <= ConsumerProtocolSubscription::highest_version; ++cv) {
    ConsumerProtocolSubscription subscription;
    subscription.topics = {"fuzz-topic", "other"};
    if (cv >= 1) subscription.owned_partitions.push_back({.topic = "fuzz-topic", .partitions = {0, 1}});
    if (cv >= 3) subscription.rack_id = "rack-a";
    subscription.user_data = "ud";
    JoinGroupRequest join;
    join.group_id = "fuzz-group";
    join.session_timeout_ms = 10000;
    join.protocol_type = "consumer";
    join.protocols.push_back({.name = "range", .metadata = consumer_payload(subscription, cv)});
    for (const int16_t version : {int16_t(0), int16_t(6), int16_t(9)}) {
      write_request(join, version, "join_group-subscription" + std::to_string(cv));
    }

    ConsumerProtocolAssignment assignment;
    assignment.assigned_partitions.push_back({.topic = "fuzz-topic", .partitions = {0, 2}});
    assignment.user_data = "ud";
    SyncGroupRequest sync;
    sync.group_id = "fuzz-group";
    sync.generation_id = 1;
    sync.member_id = "m-1";
    sync.assignments.push_back({.member_id = "m-1", .assignment = consumer_payload(assignment, cv)});
    for (const int16_t version : {int16_t(0), int16_t(4), int16_t(5)}) {
      write_request(sync, version, "sync_group-assignment" + std::to_string(cv));
    }
  }
  std::printf("seed_gen: wrote %d files under %s\n", g_written, argv[1]);
  return 0;
}
