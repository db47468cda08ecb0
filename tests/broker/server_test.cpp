// The broker's framing, driven through raw sockets: a frame over the size limit is refused
// from its prefix alone, a malformed frame costs only its own connection, and pipelined
// requests are answered in order. Wire compatibility with real clients is tests/compat/.
#include "broker/net/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "base/coding.hpp"
#include "base/file_system.hpp"
#include "broker/security/scram_client.hpp"
#include "model/control_record.hpp"
#include "protocol/gen/add_partitions_to_txn.hpp"
#include "protocol/gen/api_versions.hpp"
#include "protocol/gen/describe_transactions.hpp"
#include "protocol/gen/end_txn.hpp"
#include "protocol/gen/fetch.hpp"
#include "protocol/gen/init_producer_id.hpp"
#include "protocol/gen/list_transactions.hpp"
#include "protocol/gen/metadata.hpp"
#include "protocol/gen/produce.hpp"
#include "protocol/gen/sasl_authenticate.hpp"
#include "protocol/gen/sasl_handshake.hpp"
#include "protocol/headers.hpp"
#include "support/batches.hpp"
#include "support/forwarding_file_system.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::broker {
namespace {

constexpr size_t kFrameLimit = 1024;

// A blocking loopback client whose reads give up after 5 s, so a server that wrongly waits for
// more bytes fails the test instead of hanging it.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send_all(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += size_t(n);
    }
    return true;
  }

  // Reads exactly n bytes; false on close, error or timeout.
  bool recv_exact(std::string& out, size_t n) {
    out.assign(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::recv(fd_, out.data() + got, n - got, 0);
      if (r <= 0) return false;
      got += size_t(r);
    }
    return true;
  }

  // True when the server closed the connection (as opposed to the read timing out).
  bool closed_by_peer() {
    char byte;
    const ssize_t r = ::recv(fd_, &byte, 1, 0);
    return r == 0 || (r < 0 && errno == ECONNRESET);
  }

  // Reads one response frame (header and body); empty on close or timeout.
  std::string read_response() {
    std::string prefix;
    if (!recv_exact(prefix, 4)) return {};
    std::string frame;
    if (!recv_exact(frame, get_be32(prefix.data()))) return {};
    return frame;
  }

  // Reads one response frame and returns its correlation id, or -1.
  int32_t read_response_correlation_id() {
    const std::string frame = read_response();
    return frame.size() < 4 ? -1 : int32_t(get_be32(frame.data()));
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string api_versions_request(int32_t correlation_id, int16_t version = 0) {
  protocol::RequestHeader header;
  header.request_api_key = protocol::ApiVersionsRequest::api_key;
  header.request_api_version = version;
  header.correlation_id = correlation_id;
  header.client_id = "server-test";
  std::string frame(4, '\0');
  ByteWriter writer(frame);
  protocol::encode_request_header(writer, header);
  put_be32(frame.data(), uint32_t(frame.size() - 4));
  return frame;
}

// A Fetch v11 (non-flexible: response header v0) of topic `t` partition 0 from `offset`.
std::string fetch_request(int32_t correlation_id, int64_t offset, int32_t max_wait_ms) {
  constexpr int16_t kVersion = 11;
  protocol::RequestHeader header;
  header.request_api_key = protocol::FetchRequest::api_key;
  header.request_api_version = kVersion;
  header.correlation_id = correlation_id;
  header.client_id = "server-test";
  protocol::FetchRequest request;
  request.max_wait_ms = max_wait_ms;
  request.min_bytes = 1;
  request.topics.push_back({.topic = "t", .topic_id = {}, .partitions = {}});
  request.topics.back().partitions.push_back(
      {.partition = 0, .fetch_offset = offset, .partition_max_bytes = 1 << 20});
  std::string frame(4, '\0');
  ByteWriter writer(frame);
  protocol::encode_request_header(writer, header);
  request.encode(writer, kVersion);
  put_be32(frame.data(), uint32_t(frame.size() - 4));
  return frame;
}

// A request frame of any non-flexible version (request header v1).
template <typename Request>
std::string request_frame(int32_t correlation_id, int16_t version, const Request& request) {
  protocol::RequestHeader header;
  header.request_api_key = Request::api_key;
  header.request_api_version = version;
  header.correlation_id = correlation_id;
  header.client_id = "server-test";
  std::string frame(4, '\0');
  ByteWriter writer(frame);
  protocol::encode_request_header(writer, header);
  request.encode(writer, version);
  put_be32(frame.data(), uint32_t(frame.size() - 4));
  return frame;
}

// Sends `request` and decodes the (non-flexible, header v0) response.
template <typename Response, typename Request>
Response round_trip(RawClient& client, int16_t version, const Request& request) {
  Response response;
  EXPECT_TRUE(client.send_all(request_frame(77, version, request)));
  const std::string frame = client.read_response();
  EXPECT_GE(frame.size(), 4u);
  if (frame.size() < 4) return response;
  ByteReader reader(std::string_view(frame).substr(4));
  // Response header v1 (flexible versions) ends with a tagged-field section; ours is empty.
  if (protocol::response_header_version(Request::api_key, version) >= 1) {
    EXPECT_EQ(reader.uvarint(), 0u);
  }
  EXPECT_TRUE(response.decode(reader, version));
  return response;
}

// Decodes a Fetch v11 response frame (correlation id, then the body).
protocol::FetchResponse decode_fetch_response(const std::string& frame) {
  protocol::FetchResponse response;
  ByteReader reader(std::string_view(frame).substr(4));
  EXPECT_TRUE(response.decode(reader, 11));
  return response;
}

std::string size_prefix(int32_t size) {
  std::string prefix(4, '\0');
  put_be32(prefix.data(), uint32_t(size));
  return prefix;
}

class ServerTest : public ::testing::Test {
 protected:
  // What the broker's logs are opened on and with; fixtures override them.
  virtual std::shared_ptr<fs::FileSystem> file_system() { return fs::posix_file_system(); }
  virtual storage::LogOptions log_options() { return {}; }
  virtual ServerOptions server_options() {
    return {.listen_host = "127.0.0.1", .listen_port = 0, .max_frame_bytes = kFrameLimit};
  }

  void SetUp() override {
    auto logs = storage::LogManager::open(file_system(), dir_ / "data", log_options());
    ASSERT_TRUE(logs) << logs.error().to_string();
    logs_ = std::move(*logs);
    broker_ = std::make_unique<Broker>(Broker{*logs_, {}});
    auto server = Server::create(*broker_, server_options());
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    if (server_) server_->request_stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    if (logs_) ignore_error(logs_->close());
  }

  uint16_t port() const { return server_->port(); }

  testing::TempDir dir_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, AnswersApiVersions) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(api_versions_request(42)));
  EXPECT_EQ(client.read_response_correlation_id(), 42);
}

TEST_F(ServerTest, TooNewApiVersionsGetsUnsupportedVersionInV0Format) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  // v9 does not exist; the body is empty because Kafka does not parse it either.
  ASSERT_TRUE(client.send_all(api_versions_request(11, 9)));
  const std::string frame = client.read_response();
  ASSERT_GE(frame.size(), 4u);
  EXPECT_EQ(int32_t(get_be32(frame.data())), 11);
  // Response header v0 (no tagged fields) and a v0 body the client can read at any version.
  protocol::ApiVersionsResponse response;
  ByteReader reader(std::string_view(frame).substr(4));
  ASSERT_TRUE(response.decode(reader, 0));
  EXPECT_TRUE(reader.empty());
  EXPECT_EQ(response.error_code, model::to_wire(model::ErrorCode::unsupported_version));
  bool lists_api_versions = false;
  for (const auto& api : response.api_keys) {
    if (api.api_key == protocol::ApiVersionsRequest::api_key) {
      lists_api_versions = api.min_version == 0 && api.max_version == 3;
    }
  }
  EXPECT_TRUE(lists_api_versions);
  // The connection stays usable for the retry at a supported version.
  ASSERT_TRUE(client.send_all(api_versions_request(12, 3)));
  EXPECT_EQ(client.read_response_correlation_id(), 12);
}

TEST_F(ServerTest, OversizedFrameIsRefusedFromItsPrefixAlone) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  // Only the prefix is sent: a server that tried to read the body would wait, and the client's
  // read would time out instead of seeing the close.
  ASSERT_TRUE(client.send_all(size_prefix(int32_t(kFrameLimit) + 1)));
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, NegativeFrameSizeClosesTheConnection) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(size_prefix(-5)));
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, MalformedFrameClosesOnlyItsConnection) {
  RawClient bad(port());
  RawClient good(port());
  ASSERT_TRUE(bad.connected());
  ASSERT_TRUE(good.connected());
  ASSERT_TRUE(good.send_all(api_versions_request(1)));
  ASSERT_EQ(good.read_response_correlation_id(), 1);

  // A header cut short after the api key.
  ASSERT_TRUE(bad.send_all(size_prefix(3) + std::string("\x00\x12\x00", 3)));
  EXPECT_TRUE(bad.closed_by_peer());

  ASSERT_TRUE(good.send_all(api_versions_request(2)));
  EXPECT_EQ(good.read_response_correlation_id(), 2);
  RawClient later(port());
  ASSERT_TRUE(later.connected());
  ASSERT_TRUE(later.send_all(api_versions_request(3)));
  EXPECT_EQ(later.read_response_correlation_id(), 3);
}

TEST_F(ServerTest, UnknownApiKeyClosesTheConnection) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  std::string frame = api_versions_request(9);
  put_be16(frame.data() + 4, uint16_t(int16_t(30000)));
  ASSERT_TRUE(client.send_all(frame));
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send_all(api_versions_request(7) + api_versions_request(8) + api_versions_request(9)));
  EXPECT_EQ(client.read_response_correlation_id(), 7);
  EXPECT_EQ(client.read_response_correlation_id(), 8);
  EXPECT_EQ(client.read_response_correlation_id(), 9);
}

TEST_F(ServerTest, LongPollFetchWakesUpOnAppend) {
  ASSERT_TRUE(logs_->create_topic("t", 1));
  RawClient consumer(port());
  RawClient other(port());
  ASSERT_TRUE(consumer.connected());
  ASSERT_TRUE(other.connected());
  // max_wait far beyond the client's 5 s read timeout: only the append can end this wait.
  ASSERT_TRUE(consumer.send_all(fetch_request(21, 0, 60'000)));
  // A round trip on another connection of the single io thread lets the fetch start waiting
  // first (and proves the waiting fetch does not block other connections).
  ASSERT_TRUE(other.send_all(api_versions_request(22)));
  ASSERT_EQ(other.read_response_correlation_id(), 22);

  auto log = logs_->partition("t", 0);
  ASSERT_TRUE(log);
  std::string batch = testing::make_batch({"hello"});
  ASSERT_TRUE((*log)->append(std::span<char>(batch.data(), batch.size())));

  const std::string frame = consumer.read_response();
  ASSERT_FALSE(frame.empty()) << "the fetch was not woken by the append";
  const protocol::FetchResponse response = decode_fetch_response(frame);
  ASSERT_EQ(response.responses.size(), 1u);
  const auto& partition = response.responses[0].partitions.at(0);
  EXPECT_EQ(partition.error_code, 0);
  EXPECT_EQ(partition.high_watermark, 1);
  ASSERT_TRUE(partition.records);
  const auto records = testing::decode_all(*partition.records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "hello");
}

TEST_F(ServerTest, StopAnswersALongPollFetchAtOnce) {
  ASSERT_TRUE(logs_->create_topic("t", 1));
  RawClient consumer(port());
  RawClient other(port());
  ASSERT_TRUE(consumer.connected());
  ASSERT_TRUE(other.connected());
  // Nothing to read and max_wait far beyond the client's 5 s read timeout: only the stop can
  // end this wait in time.
  ASSERT_TRUE(consumer.send_all(fetch_request(41, 0, 60'000)));
  ASSERT_TRUE(other.send_all(api_versions_request(42)));
  ASSERT_EQ(other.read_response_correlation_id(), 42);  // the fetch waits by now
  server_->request_stop();
  const std::string frame = consumer.read_response();
  ASSERT_FALSE(frame.empty()) << "the long poll kept waiting after the stop";
  EXPECT_EQ(decode_fetch_response(frame).responses.at(0).partitions.at(0).error_code, 0);
  thread_.join();
}

TEST_F(ServerTest, FetchOutsideTheLogIsOffsetOutOfRange) {
  ASSERT_TRUE(logs_->create_topic("t", 1));
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(fetch_request(31, 5, 0)));
  const std::string frame = client.read_response();
  ASSERT_FALSE(frame.empty());
  const protocol::FetchResponse response = decode_fetch_response(frame);
  ASSERT_EQ(response.responses.size(), 1u);
  EXPECT_EQ(response.responses[0].partitions.at(0).error_code,
            model::to_wire(model::ErrorCode::offset_out_of_range));
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndRunReturns) {
  RawClient idle(port());
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send_all(api_versions_request(5)));
  ASSERT_EQ(idle.read_response_correlation_id(), 5);
  server_->request_stop();
  thread_.join();  // run() returns although a client still holds a connection open
  EXPECT_TRUE(idle.closed_by_peer());
}

// An acks=all Produce of one batch to `t` partition 0.
protocol::ProduceRequest produce_request(std::string batch) {
  protocol::ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 5000;
  request.topic_data.push_back({.name = "t", .partition_data = {}});
  request.topic_data.back().partition_data.push_back({.index = 0, .records = std::move(batch)});
  return request;
}

// Produce v7 of one batch to `t` partition 0; returns (error code, base offset).
std::pair<int16_t, int64_t> produce(RawClient& client, std::string batch) {
  auto response =
      round_trip<protocol::ProduceResponse>(client, 7, produce_request(std::move(batch)));
  if (response.responses.size() != 1 || response.responses[0].partition_responses.size() != 1) {
    ADD_FAILURE() << "malformed produce response";
    return {-1, -1};
  }
  const auto& partition = response.responses[0].partition_responses[0];
  return {partition.error_code, partition.base_offset};
}

std::string idempotent_batch(int64_t producer_id, int16_t epoch, int32_t sequence) {
  model::BatchBuilder builder(
      {.producer_id = producer_id, .producer_epoch = epoch, .base_sequence = sequence});
  builder.add(1000, "k", "v" + std::to_string(sequence));
  builder.add(1001, "k", "w" + std::to_string(sequence));
  auto built = builder.build();
  EXPECT_TRUE(built);
  return built ? *built : std::string();
}

class IdempotenceTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    auto ids = coordinator::ProducerIdAllocator::open(fs::posix_file_system(), logs_->directory());
    ASSERT_TRUE(ids) << ids.error().to_string();
    producer_ids_ = std::move(*ids);
    broker_->producer_ids = producer_ids_.get();  // before the first request reads it
  }
  // InitProducerId without a transactional id: a new idempotent producer.
  static protocol::InitProducerIdResponse init_producer(RawClient& client) {
    protocol::InitProducerIdRequest init;
    init.transactional_id = std::nullopt;
    return round_trip<protocol::InitProducerIdResponse>(client, 1, init);
  }
  std::unique_ptr<coordinator::ProducerIdAllocator> producer_ids_;
};

TEST_F(IdempotenceTest, RetriedBatchIsAcknowledgedOnceAndGapsAreRefused) {
  ASSERT_TRUE(logs_->create_topic("t", 1));
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  const auto first = init_producer(client);
  const auto second = init_producer(client);
  ASSERT_EQ(first.error_code, 0);
  EXPECT_GE(first.producer_id, 0);
  EXPECT_EQ(first.producer_epoch, 0);
  EXPECT_NE(first.producer_id, second.producer_id);
  const int64_t id = first.producer_id;

  EXPECT_EQ(produce(client, idempotent_batch(id, 0, 0)), std::make_pair(int16_t(0), int64_t(0)));
  EXPECT_EQ(produce(client, idempotent_batch(id, 0, 2)), std::make_pair(int16_t(0), int64_t(2)));
  // A retry of the first batch: success with its original offset, nothing written.
  EXPECT_EQ(produce(client, idempotent_batch(id, 0, 0)), std::make_pair(int16_t(0), int64_t(0)));
  EXPECT_EQ((*logs_->partition("t", 0))->high_watermark(), 4);
  // Sequence 6 skips 4..5.
  EXPECT_EQ(produce(client, idempotent_batch(id, 0, 6)).first,
            model::to_wire(model::ErrorCode::out_of_order_sequence_number));
  EXPECT_EQ((*logs_->partition("t", 0))->high_watermark(), 4);
}

// A disk whose fdatasync of a segment takes 20 ms and is counted: long enough that, when requests
// are pipelined, the ones behind a sync are read and written before it ends and share the next.
class SlowSyncFileSystem : public testing::ForwardingFileSystem {
 public:
  static constexpr std::chrono::milliseconds kSyncTime{20};

  class SlowSyncFile : public fs::File {
   public:
    SlowSyncFile(std::unique_ptr<fs::File> inner, std::atomic<int>& syncs)
        : inner_(std::move(inner)), syncs_(syncs) {}
    Status append(std::string_view data) override { return inner_->append(data); }
    Result<size_t> read_at(uint64_t pos, char* dst, size_t n) const override {
      return inner_->read_at(pos, dst, n);
    }
    uint64_t size() const override { return inner_->size(); }
    Status truncate(uint64_t size) override { return inner_->truncate(size); }
    Status sync() override {
      if (path().ends_with(".log")) {
        syncs_.fetch_add(1);
        std::this_thread::sleep_for(kSyncTime);  // the simulated disk, not a wait on the test
      }
      return inner_->sync();
    }
    Result<std::unique_ptr<fs::MappedRegion>> map() const override { return inner_->map(); }
    const std::string& path() const override { return inner_->path(); }

   private:
    std::unique_ptr<fs::File> inner_;
    std::atomic<int>& syncs_;
  };

  SlowSyncFileSystem() : ForwardingFileSystem(fs::posix_file_system()) {}
  int segment_syncs() const { return syncs_.load(); }

  Result<std::unique_ptr<fs::File>> open(const std::string& path, fs::OpenMode mode) override {
    KD_ASSIGN(auto file, inner().open(path, mode));
    return std::unique_ptr<fs::File>(std::make_unique<SlowSyncFile>(std::move(file), syncs_));
  }

 private:
  std::atomic<int> syncs_{0};
};

// Produce on a broker whose logs sync every batch (--flush every-batch), on the slow disk.
class GroupCommitTest : public IdempotenceTest {
 protected:
  std::shared_ptr<fs::FileSystem> file_system() override { return disk_; }
  storage::LogOptions log_options() override {
    storage::LogOptions options;
    options.flush_policy = storage::FlushPolicy::every_batch;
    return options;
  }
  std::shared_ptr<SlowSyncFileSystem> disk_ = std::make_shared<SlowSyncFileSystem>();
};

TEST_F(GroupCommitTest, PipelinedProducesKeepTheirOrderAndShareSyncs) {
  ASSERT_TRUE(logs_->create_topic("t", 1));
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  const auto producer = init_producer(client);
  ASSERT_EQ(producer.error_code, 0);

  // 40 idempotent batches of 2 records, sent at once as a client with that many in flight
  // would: a request appended out of order would be refused as out of sequence.
  constexpr int kRequests = 40;
  const int syncs_before = disk_->segment_syncs();
  std::string requests;
  for (int i = 0; i < kRequests; ++i) {
    requests += request_frame(1000 + i, 7,
                              produce_request(idempotent_batch(producer.producer_id, 0, 2 * i)));
  }
  ASSERT_TRUE(client.send_all(requests));
  for (int i = 0; i < kRequests; ++i) {
    const std::string frame = client.read_response();
    ASSERT_GE(frame.size(), 4u) << "no response " << i;
    EXPECT_EQ(int32_t(get_be32(frame.data())), 1000 + i);
    protocol::ProduceResponse response;
    ByteReader reader(std::string_view(frame).substr(4));
    ASSERT_TRUE(response.decode(reader, 7));
    const auto& partition = response.responses.at(0).partition_responses.at(0);
    EXPECT_EQ(partition.error_code, 0) << "request " << i;
    EXPECT_EQ(partition.base_offset, 2 * i);
  }
  // Acknowledged means durable: every batch is visible once its answer is out.
  EXPECT_EQ((*logs_->partition("t", 0))->high_watermark(), 2 * kRequests);
  // Answered one at a time, each request would wait for a sync of its own (40). Pipelined, the
  // requests read while a sync runs share the next one.
  const int syncs = disk_->segment_syncs() - syncs_before;
  EXPECT_GE(syncs, 1);
  EXPECT_LE(syncs, kRequests / 4) << syncs << " syncs for " << kRequests << " requests";
}

TEST_F(ServerTest, AnswersBeforeAMalformedRequestAreWrittenThenTheConnectionCloses) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  // Two good requests, then a header cut short after the api key.
  ASSERT_TRUE(client.send_all(api_versions_request(1) + api_versions_request(2) + size_prefix(3) +
                              std::string("\x00\x12\x00", 3)));
  EXPECT_EQ(client.read_response_correlation_id(), 1);
  EXPECT_EQ(client.read_response_correlation_id(), 2);
  EXPECT_TRUE(client.closed_by_peer());
}

// The transaction APIs over the wire, with the coordinator's rules a client relies on.
class TransactionTest : public IdempotenceTest {
 protected:
  void SetUp() override {
    IdempotenceTest::SetUp();
    auto txns = coordinator::TransactionCoordinator::open(*logs_, *producer_ids_, nullptr, {});
    ASSERT_TRUE(txns) << txns.error().to_string();
    transactions_ = std::move(*txns);
    broker_->transactions = transactions_.get();
    ASSERT_TRUE(logs_->create_topic("t", 1));
  }
  void TearDown() override {
    IdempotenceTest::TearDown();
    transactions_.reset();
  }

  int16_t add_partition(RawClient& client, int64_t id, int16_t epoch) {
    protocol::AddPartitionsToTxnRequest add;
    add.v3_and_below_transactional_id = "txn-1";
    add.v3_and_below_producer_id = id;
    add.v3_and_below_producer_epoch = epoch;
    add.v3_and_below_topics.push_back({.name = "t", .partitions = {0}});
    const auto added = round_trip<protocol::AddPartitionsToTxnResponse>(client, 1, add);
    if (added.results_by_topic_v3_and_below.size() != 1) return -1;
    return added.results_by_topic_v3_and_below[0].results_by_partition.at(0).partition_error_code;
  }
  int16_t end_txn(RawClient& client, int16_t version, int64_t id, int16_t epoch, bool commit) {
    protocol::EndTxnRequest end;
    end.transactional_id = "txn-1";
    end.producer_id = id;
    end.producer_epoch = epoch;
    end.committed = commit;
    return round_trip<protocol::EndTxnResponse>(client, version, end).error_code;
  }
  // Produce v7 with the request's transactional id set.
  int16_t produce_transactional(RawClient& client, const std::string& batch) {
    protocol::ProduceRequest request = produce_request(batch);
    request.transactional_id = "txn-1";
    auto response = round_trip<protocol::ProduceResponse>(client, 7, request);
    return response.responses.at(0).partition_responses.at(0).error_code;
  }
  std::unique_ptr<coordinator::TransactionCoordinator> transactions_;
};

std::string transactional_batch(int64_t producer_id, int16_t epoch, int32_t sequence) {
  model::BatchBuilder builder({.producer_id = producer_id,
                               .producer_epoch = epoch,
                               .base_sequence = sequence,
                               .transactional = true});
  builder.add(1000, "k", "v" + std::to_string(sequence));
  auto built = builder.build();
  EXPECT_TRUE(built);
  return built ? *built : std::string();
}

TEST_F(TransactionTest, AbortedTransactionIsListedForReadCommittedFetches) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  protocol::InitProducerIdRequest init;
  init.transactional_id = "txn-1";
  init.transaction_timeout_ms = 60000;
  const auto id = round_trip<protocol::InitProducerIdResponse>(client, 1, init);
  ASSERT_EQ(id.error_code, 0);
  const int64_t pid = id.producer_id;
  const int16_t epoch = id.producer_epoch;

  // Not yet part of a transaction: refused, nothing written.
  EXPECT_EQ(produce_transactional(client, transactional_batch(pid, epoch, 0)),
            model::to_wire(model::ErrorCode::invalid_txn_state));
  ASSERT_EQ(add_partition(client, pid, epoch), 0);
  ASSERT_EQ(produce_transactional(client, transactional_batch(pid, epoch, 0)), 0);
  auto log = *logs_->partition("t", 0);
  EXPECT_EQ(log->high_watermark(), 1);
  EXPECT_EQ(log->last_stable_offset(), 0);  // the open transaction holds it back

  // A client cannot write a marker itself.
  auto marker = model::build_marker_batch(
      {.producer_id = pid, .producer_epoch = epoch, .type = model::ControlType::commit}, 1000);
  ASSERT_TRUE(marker);
  EXPECT_EQ(produce(client, *marker).first, model::to_wire(model::ErrorCode::corrupt_message));

  // read_committed sees nothing yet and learns the LSO.
  protocol::FetchRequest fetch;
  fetch.max_wait_ms = 0;
  fetch.max_bytes = 1 << 20;
  fetch.isolation_level = 1;
  fetch.topics.push_back({.topic = "t", .partitions = {}});
  fetch.topics[0].partitions.push_back(
      {.partition = 0, .fetch_offset = 0, .partition_max_bytes = 1 << 20});
  auto before = round_trip<protocol::FetchResponse>(client, 11, fetch);
  ASSERT_EQ(before.responses.at(0).partitions.size(), 1u);
  EXPECT_EQ(before.responses[0].partitions[0].last_stable_offset, 0);
  EXPECT_TRUE(before.responses[0].partitions[0].records->empty());

  ASSERT_EQ(end_txn(client, 1, pid, epoch, /*commit=*/false), 0);
  // A retry of the same EndTxn succeeds; the other outcome is refused.
  EXPECT_EQ(end_txn(client, 1, pid, epoch, false), 0);
  EXPECT_EQ(end_txn(client, 1, pid, epoch, true),
            model::to_wire(model::ErrorCode::invalid_txn_state));
  EXPECT_EQ(log->high_watermark(), 2);  // the abort marker took offset 1
  EXPECT_EQ(log->last_stable_offset(), 2);

  auto after = round_trip<protocol::FetchResponse>(client, 11, fetch);
  const auto& data = after.responses.at(0).partitions.at(0);
  EXPECT_EQ(data.last_stable_offset, 2);
  ASSERT_TRUE(data.aborted_transactions);
  ASSERT_EQ(data.aborted_transactions->size(), 1u);
  EXPECT_EQ((*data.aborted_transactions)[0].producer_id, pid);
  EXPECT_EQ((*data.aborted_transactions)[0].first_offset, 0);
  EXPECT_FALSE(data.records->empty());  // the client drops them using the list

  // Operators see the id.
  protocol::DescribeTransactionsRequest describe;
  describe.transactional_ids = {"txn-1", "nobody"};
  auto described = round_trip<protocol::DescribeTransactionsResponse>(client, 0, describe);
  ASSERT_EQ(described.transaction_states.size(), 2u);
  EXPECT_EQ(described.transaction_states[0].transaction_state, "CompleteAbort");
  EXPECT_EQ(described.transaction_states[0].producer_id, pid);
  EXPECT_EQ(described.transaction_states[1].error_code,
            model::to_wire(model::ErrorCode::transactional_id_not_found));
  protocol::ListTransactionsRequest list;
  list.state_filters = {"CompleteAbort", "NoSuchState"};
  auto listed = round_trip<protocol::ListTransactionsResponse>(client, 0, list);
  ASSERT_EQ(listed.transaction_states.size(), 1u);
  EXPECT_EQ(listed.transaction_states[0].transactional_id, "txn-1");
  EXPECT_EQ(listed.unknown_state_filters, std::vector<std::string>{"NoSuchState"});
}

TEST_F(TransactionTest, ASecondInstanceFencesTheFirst) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  protocol::InitProducerIdRequest init;
  init.transactional_id = "txn-1";
  init.transaction_timeout_ms = 60000;
  const auto first = round_trip<protocol::InitProducerIdResponse>(client, 1, init);
  ASSERT_EQ(first.error_code, 0);
  ASSERT_EQ(add_partition(client, first.producer_id, first.producer_epoch), 0);
  ASSERT_EQ(produce_transactional(client,
                                  transactional_batch(first.producer_id, first.producer_epoch, 0)),
            0);
  // The second instance: same producer id, a higher epoch; the open transaction is aborted.
  const auto second = round_trip<protocol::InitProducerIdResponse>(client, 1, init);
  ASSERT_EQ(second.error_code, 0);
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_GT(second.producer_epoch, first.producer_epoch);
  auto log = *logs_->partition("t", 0);
  EXPECT_EQ(log->last_stable_offset(), log->high_watermark());
  // The first instance: fenced at the coordinator (v1: INVALID_PRODUCER_EPOCH, v2+:
  // PRODUCER_FENCED) and at the partition.
  EXPECT_EQ(end_txn(client, 1, first.producer_id, first.producer_epoch, true),
            model::to_wire(model::ErrorCode::invalid_producer_epoch));
  EXPECT_EQ(end_txn(client, 2, first.producer_id, first.producer_epoch, true),
            model::to_wire(model::ErrorCode::producer_fenced));
  EXPECT_EQ(produce(client, idempotent_batch(first.producer_id, first.producer_epoch, 1)).first,
            model::to_wire(model::ErrorCode::invalid_producer_epoch));
  // A timeout above the broker's maximum is refused.
  init.transaction_timeout_ms = 16 * 60 * 1000;
  EXPECT_EQ(round_trip<protocol::InitProducerIdResponse>(client, 1, init).error_code,
            model::to_wire(model::ErrorCode::invalid_transaction_timeout));
}

class SaslTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    { std::ofstream(keys_dir_ / "keys") << "# comment\n\nalice:s3cret:with-colon\n"; }
    auto keys = security::KeyFile::open(keys_dir_ / "keys", [](const std::string&) {});
    ASSERT_TRUE(keys) << keys.error().to_string();
    keys_ = std::move(*keys);
    broker_->keys = keys_.get();
  }

  // SaslHandshake v1 for `mechanism`; returns its error code.
  int16_t handshake(RawClient& client, const std::string& mechanism) {
    protocol::SaslHandshakeRequest handshake;
    handshake.mechanism = mechanism;
    auto response = round_trip<protocol::SaslHandshakeResponse>(client, 1, handshake);
    // On loopback PLAIN is offered beside SCRAM.
    EXPECT_EQ(response.mechanisms,
              (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
    return response.error_code;
  }

  protocol::SaslAuthenticateResponse send_token(RawClient& client, const std::string& token) {
    protocol::SaslAuthenticateRequest auth;
    auth.auth_bytes = token;
    return round_trip<protocol::SaslAuthenticateResponse>(client, 1, auth);
  }

  // SaslHandshake v1 + SaslAuthenticate v1 with a PLAIN token; returns the authenticate error.
  int16_t authenticate(RawClient& client, const std::string& user, const std::string& secret) {
    EXPECT_EQ(handshake(client, "PLAIN"), 0);
    return send_token(client, std::string("\0", 1) + user + std::string("\0", 1) + secret)
        .error_code;
  }

  testing::TempDir keys_dir_;
  std::unique_ptr<security::KeyFile> keys_;
};

TEST_F(SaslTest, RequestsBeforeAuthenticationCloseTheConnection) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(api_versions_request(1)));  // allowed: clients ask it first
  ASSERT_EQ(client.read_response_correlation_id(), 1);
  protocol::MetadataRequest metadata;
  ASSERT_TRUE(client.send_all(request_frame(2, 1, metadata)));
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(SaslTest, WrongSecretFailsAndTheConnectionIsClosed) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(authenticate(client, "alice", "s3cret"),
            model::to_wire(model::ErrorCode::sasl_authentication_failed));
  protocol::MetadataRequest metadata;
  ASSERT_TRUE(client.send_all(request_frame(2, 1, metadata)));
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(SaslTest, RightSecretOpensEveryApi) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(authenticate(client, "alice", "s3cret:with-colon"), 0);
  protocol::MetadataRequest metadata;
  auto response = round_trip<protocol::MetadataResponse>(client, 1, metadata);
  ASSERT_EQ(response.brokers.size(), 1u);
}

TEST_F(SaslTest, ScramInTwoSaslAuthenticateRounds) {
  for (const auto hash : {security::Hash::sha256, security::Hash::sha512}) {
    RawClient client(port());
    ASSERT_TRUE(client.connected());
    ASSERT_EQ(handshake(client, hash == security::Hash::sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512"),
              0);
    security::testing::ScramClient scram(hash, "alice", "s3cret:with-colon");
    auto first = send_token(client, scram.first());
    ASSERT_EQ(first.error_code, 0) << first.error_message.value_or("");
    auto final = send_token(client, scram.final(first.auth_bytes));
    ASSERT_EQ(final.error_code, 0) << final.error_message.value_or("");
    EXPECT_TRUE(scram.verify(final.auth_bytes));
    protocol::MetadataRequest metadata;
    EXPECT_EQ(round_trip<protocol::MetadataResponse>(client, 1, metadata).brokers.size(), 1u);
  }
  RawClient wrong(port());
  ASSERT_EQ(handshake(wrong, "SCRAM-SHA-512"), 0);
  security::testing::ScramClient scram(security::Hash::sha512, "alice", "guess");
  auto final = send_token(wrong, scram.final(send_token(wrong, scram.first()).auth_bytes));
  EXPECT_EQ(final.error_code, model::to_wire(model::ErrorCode::sasl_authentication_failed));
  EXPECT_EQ(final.error_message.value_or(""),
            "authentication failed for user 'alice': invalid username or API key");
}

TEST_F(SaslTest, UnknownMechanismIsRefusedWithTheOfferedOnes) {
  RawClient client(port());
  EXPECT_EQ(handshake(client, "GSSAPI"),
            model::to_wire(model::ErrorCode::unsupported_sasl_mechanism));
}

// Connection limits with short times, so that each is seen within the client's 5 s read timeout.
class LimitsTest : public ServerTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions options = ServerTest::server_options();
    options.max_connections_per_address = 3;
    options.idle_timeout = std::chrono::milliseconds(300);
    options.request_read_timeout = std::chrono::milliseconds(300);
    return options;
  }
};

TEST_F(LimitsTest, ConnectionsOverThePerAddressLimitAreClosedAtOnce) {
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(clients.back()->send_all(api_versions_request(i)));
    ASSERT_EQ(clients.back()->read_response_correlation_id(), i);
  }
  RawClient fourth(port());
  EXPECT_TRUE(fourth.closed_by_peer());
  // The limit counts open connections: one closed makes room (the broker sees the close soon).
  clients.pop_back();
  bool served = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!served && std::chrono::steady_clock::now() < deadline) {
    RawClient again(port());
    served = again.send_all(api_versions_request(7)) && again.read_response_correlation_id() == 7;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST_F(LimitsTest, IdleConnectionsAndSlowRequestsAreClosed) {
  RawClient idle(port());
  ASSERT_TRUE(idle.send_all(api_versions_request(1)));
  ASSERT_EQ(idle.read_response_correlation_id(), 1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_by_peer()) << "an idle connection outlived the idle timeout";
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));

  // A frame whose size arrived but whose body trickles in (slowloris).
  RawClient slow(port());
  std::string partial = size_prefix(100);
  partial += "0123456789";
  ASSERT_TRUE(slow.send_all(partial));
  EXPECT_TRUE(slow.closed_by_peer()) << "a request that never arrives whole held its connection";
}

class AuthenticationTimeoutTest : public SaslTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions options = ServerTest::server_options();
    options.authentication_timeout = std::chrono::milliseconds(300);
    return options;
  }
};

TEST_F(AuthenticationTimeoutTest, ConnectionsThatDoNotAuthenticateInTimeAreClosed) {
  RawClient stalled(port());  // SaslHandshake, then nothing
  protocol::SaslHandshakeRequest handshake;
  handshake.mechanism = "SCRAM-SHA-512";
  EXPECT_EQ(round_trip<protocol::SaslHandshakeResponse>(stalled, 1, handshake).error_code, 0);
  RawClient silent(port());
  EXPECT_TRUE(stalled.closed_by_peer());
  EXPECT_TRUE(silent.closed_by_peer());
  // One that authenticates in time stays, past the timeout.
  RawClient good(port());
  ASSERT_EQ(authenticate(good, "alice", "s3cret:with-colon"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  protocol::MetadataRequest metadata;
  EXPECT_EQ(round_trip<protocol::MetadataResponse>(good, 1, metadata).brokers.size(), 1u);
}

}  // namespace
}  // namespace kafka_do::broker
