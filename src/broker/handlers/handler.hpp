#pragma once
// The shape every API handler follows, and the registry of all of them. Handlers know nothing
// about sockets: they get the decoded request header and the body bytes, and answer through a
// callback, so that a handler may answer later (Fetch long-polls) without blocking the network
// thread. The context is valid only during the handler call: a handler that answers later
// copies what it needs (the Broker and Waiter it refers to live as long as the server).
//
// A connection answers its requests in order, and starts the next one once the current one has
// responded or called `proceed` (see Proceed), so handlers see a connection's requests in order.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/coding.hpp"
#include "base/result.hpp"
#include "broker/broker.hpp"
#include "broker/security/sasl_session.hpp"
#include "model/error_code.hpp"
#include "protocol/gen/api_keys.hpp"
#include "protocol/gen/request_header.hpp"
#include "storage/partition_log.hpp"

namespace kafka_do::broker::handlers {

// What the connection should do with a request once it is handled.
struct Reply {
  enum class Kind {
    respond,  // write `body` (the response body, without header) back
    none,     // the request has no response (Produce with acks=0)
    close,    // the request was malformed: log `body` and close the connection
  };
  Kind kind = Kind::respond;
  std::string body;
  // The first error code the response carries (0 for none), for the request metrics: the
  // top-level one where the response has it (encode_reply), or what the handler sets.
  int16_t error_code = 0;
  // A quota's throttle: the connection reads nothing more for this long after the answer.
  int32_t throttle_ms = 0;
};

using Respond = std::function<void(Reply)>;
// Lets the connection read and start its next request before this one is answered (pipelining).
// Responding implies it; a handler that answers later calls it as soon as what it has done so
// far must come before anything a later request on the connection does (Produce: once its
// batches are written, before they are synced). Callable from any thread, at most once.
using Proceed = std::function<void()>;

// Lets a handler wait for new data without blocking. Implemented by the network layer.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // A log and the high watermark the waiter has already seen.
  struct Watch {
    std::shared_ptr<storage::PartitionLog> log;
    int64_t seen_high_watermark = 0;
  };
  // Calls `done` once, on the network thread, after any watched log's high watermark has moved
  // past what was seen (also if it moved before this call, so no append slips through between
  // a handler's read and its wait) or `timeout` has passed, whichever is first. May be called
  // from any thread.
  virtual void wait_for_append(std::vector<Watch> watches, std::chrono::milliseconds timeout,
                               std::function<void()> done) = 0;
  // Runs `work` on a worker thread, for work that may block on the disk (appends, which with
  // --flush every-batch wait for fdatasync; fetches, whose reads may miss the page cache): the
  // network thread keeps serving other connections meanwhile, and concurrent appends to one
  // partition share one sync.
  virtual void run_blocking(std::function<void()> work) = 0;
  // True once the server is shutting down: a long poll answers with what it has instead of
  // waiting again (its waits end at once from then on). Any thread.
  virtual bool shutting_down() const = 0;
};

// A connection's security state, kept by the network layer for the connection's lifetime.
struct ConnectionAuth {
  enum class Stage { start, handshaken, authenticated, failed };
  explicit ConnectionAuth(bool plain_allowed = true, bool tls = false)
      : sasl(plain_allowed), tls(tls) {}
  Stage stage = Stage::start;
  // SaslHandshake v0 (kafka-python): the SASL tokens follow as bare frames without a request
  // header, each answered by a bare (size-prefixed) token.
  bool raw_tokens = false;
  security::SaslSession sasl;
  std::string principal;      // the authenticated key
  std::string acl_principal;  // "User:" + principal, as ACL bindings name it
  bool superuser = false;
  bool tls = false;  // the connection came in on the TLS listener
  std::string host;  // the client's address, for ACLs' host field
};

// The connection's next SASL token -> the server's answer; moves `auth` to authenticated when
// the exchange completes, and to failed (counted in the metrics) when it fails.
Result<std::string> sasl_step(const Broker& broker, ConnectionAuth& auth, std::string_view token);

struct RequestContext {
  Broker& broker;
  Waiter& waiter;
  ConnectionAuth& auth;
  const protocol::RequestHeader& header;
  std::string_view body;
  Proceed proceed;

  int16_t version() const { return header.request_api_version; }
};

// Whether the connection may do `operation` on the resource: anyone when the broker has no keys,
// a superuser always, any other key only where an ACL allows it (security/acl.hpp).
bool authorized(const RequestContext& ctx, security::AclOperation operation,
                security::ResourceType type, std::string_view name);
// Shorthands for the common checks.
bool may_topic(const RequestContext& ctx, security::AclOperation operation, std::string_view topic);
bool may_group(const RequestContext& ctx, security::AclOperation operation, std::string_view group);
bool may_cluster(const RequestContext& ctx, security::AclOperation operation);
bool may_transactional_id(const RequestContext& ctx, security::AclOperation operation,
                          std::string_view id);
// Charges `bytes` to the connection's key (its own quota, else the broker's default) and returns
// the throttle its response must carry, in ms (0 without quotas or within them).
int32_t charge_quota(const RequestContext& ctx, security::QuotaDirection direction, int64_t bytes);
// The same, for a handler that answers on another thread: what charge_quota() needs from the
// context, taken while it is valid.
struct QuotaCharge {
  security::Quotas* quotas = nullptr;
  std::string principal;
  int64_t bytes_per_second = 0;
  int32_t charge(security::QuotaDirection direction, int64_t bytes) const;
};
QuotaCharge quota_charge(const RequestContext& ctx, security::QuotaDirection direction);
// WRITE on a transactional id, then READ on a group (AddOffsetsToTxn, TxnOffsetCommit): none,
// or the authorization error to answer.
model::ErrorCode transactional_group_refusal(const RequestContext& ctx,
                                             std::string_view transactional_id,
                                             std::string_view group);
// For a config resource (2 topic, 4 broker): none, or the authorization error to answer.
model::ErrorCode config_refusal(const RequestContext& ctx, security::AclOperation operation,
                                int8_t resource_type, std::string_view name);

// The address a client is told to connect to: that of the listener it came in on.
struct AdvertisedAddress {
  std::string host;
  int32_t port = 0;
};
inline AdvertisedAddress advertised_address(const RequestContext& ctx) {
  const BrokerConfig& c = ctx.broker.config;
  if (!ctx.auth.tls && c.plaintext_advertised_port != 0) {
    return {c.plaintext_advertised_host, c.plaintext_advertised_port};
  }
  return {c.advertised_host, c.advertised_port};
}

struct Handler {
  protocol::ApiKey key;
  // The versions advertised in ApiVersions; each one is implemented.
  int16_t min_version;
  int16_t max_version;
  void (*handle)(const RequestContext& ctx, Respond respond);
};

// Every implemented API, in api-key order. ApiVersions answers with exactly this list.
std::span<const Handler* const> registry();

// Runs the handler for `ctx.header`. An api key or version outside the registry closes the
// connection (as Kafka does), except ApiVersions, which answers UNSUPPORTED_VERSION in v0 format.
void dispatch(const RequestContext& ctx, Respond respond);

// ---- helpers for handler files ----

template <typename Request>
bool decode_request(const RequestContext& ctx, Request& request) {
  ByteReader reader(ctx.body);
  return request.decode(reader, ctx.version()) && reader.ok();
}

// A response encoded at `version`: also for handlers that answer from run_blocking, after the
// request context is gone.
template <typename Response>
Reply encode_reply(const Response& response, int16_t version) {
  Reply reply;
  ByteWriter writer(reply.body);
  response.encode(writer, version);
  if constexpr (requires { response.error_code; }) reply.error_code = response.error_code;
  if constexpr (requires { response.throttle_time_ms; }) {
    reply.throttle_ms = response.throttle_time_ms;
  }
  return reply;
}

template <typename Response>
Reply encode_response(const RequestContext& ctx, const Response& response) {
  return encode_reply(response, ctx.version());
}

inline Reply malformed(const RequestContext& ctx) {
  return Reply{Reply::Kind::close, "malformed request body (api key " +
                                       std::to_string(ctx.header.request_api_key) + " v" +
                                       std::to_string(ctx.version()) + ")"};
}

// The Kafka error code for an engine failure on a partition.
inline int16_t partition_error(const Error& error) {
  switch (error.code()) {
    case Errc::not_found:
      return model::to_wire(model::ErrorCode::unknown_topic_or_partition);
    case Errc::too_large:
      return model::to_wire(model::ErrorCode::message_too_large);
    case Errc::corruption:
    case Errc::invalid_record:  // Kafka answers CORRUPT_MESSAGE below Produce v8 (INVALID_RECORD
                                // from v8, which is not served)
      return model::to_wire(model::ErrorCode::corrupt_message);
    case Errc::out_of_range:
      return model::to_wire(model::ErrorCode::offset_out_of_range);
    case Errc::invalid_argument:
      return model::to_wire(model::ErrorCode::invalid_topic_exception);
    case Errc::out_of_sequence:
      return model::to_wire(model::ErrorCode::out_of_order_sequence_number);
    case Errc::fenced:
      return model::to_wire(model::ErrorCode::invalid_producer_epoch);
    default:
      return model::to_wire(model::ErrorCode::unknown_server_error);
  }
}

// The handlers, one per file.
extern const Handler kApiVersionsHandler;
extern const Handler kMetadataHandler;
extern const Handler kProduceHandler;
extern const Handler kFetchHandler;
extern const Handler kListOffsetsHandler;
extern const Handler kFindCoordinatorHandler;
extern const Handler kOffsetCommitHandler;
extern const Handler kOffsetFetchHandler;
extern const Handler kJoinGroupHandler;
extern const Handler kHeartbeatHandler;
extern const Handler kLeaveGroupHandler;
extern const Handler kSyncGroupHandler;
extern const Handler kCreateTopicsHandler;
extern const Handler kDeleteTopicsHandler;
extern const Handler kDescribeGroupsHandler;
extern const Handler kListGroupsHandler;
extern const Handler kDeleteRecordsHandler;
extern const Handler kDescribeConfigsHandler;
extern const Handler kAlterConfigsHandler;
extern const Handler kCreatePartitionsHandler;
extern const Handler kDeleteGroupsHandler;
extern const Handler kIncrementalAlterConfigsHandler;
extern const Handler kOffsetDeleteHandler;
extern const Handler kDescribeClusterHandler;
extern const Handler kInitProducerIdHandler;
extern const Handler kAddPartitionsToTxnHandler;
extern const Handler kAddOffsetsToTxnHandler;
extern const Handler kEndTxnHandler;
extern const Handler kTxnOffsetCommitHandler;
extern const Handler kDescribeAclsHandler;
extern const Handler kCreateAclsHandler;
extern const Handler kDeleteAclsHandler;
extern const Handler kDescribeTransactionsHandler;
extern const Handler kListTransactionsHandler;
extern const Handler kSaslHandshakeHandler;
extern const Handler kSaslAuthenticateHandler;

// Topics the broker writes itself (committed offsets): listed as internal; clients may read them
// but not write, delete, grow or truncate them.
inline bool is_internal_topic(const Broker& broker, std::string_view topic) {
  return (broker.groups != nullptr && topic == broker.groups->options().offsets.topic) ||
         (broker.transactions != nullptr && topic == broker.transactions->options().topic);
}

// PRODUCER_FENCED (KIP-588) exists from InitProducerId v4, AddPartitionsToTxn, AddOffsetsToTxn
// and EndTxn v2, TxnOffsetCommit v3; older versions (and Produce) say INVALID_PRODUCER_EPOCH.
inline int16_t txn_error(model::ErrorCode code, bool knows_producer_fenced) {
  if (code == model::ErrorCode::producer_fenced && !knows_producer_fenced) {
    code = model::ErrorCode::invalid_producer_epoch;
  }
  return model::to_wire(code);
}

// The answer of a group API when the broker runs without a coordinator.
inline constexpr int16_t kNoCoordinator =
    model::to_wire(model::ErrorCode::coordinator_not_available);

}  // namespace kafka_do::broker::handlers
