// Fetch (key 1): stored batches as they are, long-polling until min_bytes or max_wait.
//
// Batches go out exactly as stored: a fetch offset inside a batch returns that whole batch and
// the client skips the records before its offset. The first batch of the first partition with
// data is returned whole even when it is larger than max_bytes, so a large batch can never stall
// a consumer; no other partition makes the response exceed max_bytes (KIP-74). A read_committed
// fetch (isolation level 1) reads up to the last stable offset and gets the aborted transactions
// its batches overlap, which the client uses to drop their records.
#include "protocol/gen/fetch.hpp"

#include <algorithm>
#include <set>

#include "broker/handlers/handler.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::broker::handlers {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::FetchResponse;

// A fetch waiting for data. Shared because each wait round hands it to the waiter's callback.
struct PendingFetch {
  Broker& broker;
  Waiter& waiter;
  int16_t version;
  protocol::FetchRequest request;
  Clock::time_point deadline;
  Respond respond;
  // Topics of the request the key may not read: answered TOPIC_AUTHORIZATION_FAILED.
  std::set<std::string> denied;
  // The key's fetch quota, charged with the response's bytes.
  QuotaCharge quota;
};

// `first`: no partition before this one returned records, so its first batch may exceed the
// budget (KIP-74); a later partition whose next batch does not fit returns none this time.
FetchResponse::PartitionData read_partition(const Broker& broker, const std::string& topic,
                                            const protocol::FetchRequest::FetchPartition& partition,
                                            size_t budget, bool first, bool read_committed,
                                            std::vector<Waiter::Watch>& watches) {
  FetchResponse::PartitionData out;
  out.partition_index = partition.partition;
  out.records = std::string();
  auto log = broker.logs.partition(topic, partition.partition);
  if (!log) {
    out.error_code = model::to_wire(model::ErrorCode::unknown_topic_or_partition);
    out.high_watermark = -1;
    return out;
  }
  out.high_watermark = (*log)->high_watermark();
  watches.push_back({*log, out.high_watermark});
  out.log_start_offset = (*log)->log_start_offset();
  out.last_stable_offset = std::min((*log)->last_stable_offset(), out.high_watermark);
  if (!read_committed) out.aborted_transactions = std::nullopt;
  if (budget == 0) return out;  // the response is full; the client comes back for the rest
  auto read = (*log)->read(
      partition.fetch_offset, budget, /*first_may_exceed=*/first,
      read_committed ? storage::Isolation::read_committed : storage::Isolation::read_uncommitted);
  if (!read) {
    out.error_code = partition_error(read.error());
    return out;
  }
  out.high_watermark = read->high_watermark;
  out.last_stable_offset = read->last_stable_offset;
  out.log_start_offset = read->log_start_offset;
  out.records = std::move(read->records);
  if (broker.metrics != nullptr && !out.records->empty()) {
    uint64_t records = 0;
    ignore_error(model::for_each_batch(
        *out.records, [&](const model::BatchHeader& h, std::string_view) -> Status {
          if (!h.control()) records += uint64_t(h.record_count);
          return {};
        }));
    broker.metrics->fetched(topic, out.records->size(), records);
  }
  if (read_committed) {
    out.aborted_transactions.emplace();
    for (const auto& a : read->aborted) {
      out.aborted_transactions->push_back(
          {.producer_id = a.producer_id, .first_offset = a.first_offset});
    }
  }
  return out;
}

void read_later(const std::shared_ptr<PendingFetch>& fetch);

// Reads every partition; answers when there is enough (or an error, or the deadline passed),
// else waits for an append to one of them and tries again.
void attempt(const std::shared_ptr<PendingFetch>& fetch) {
  const protocol::FetchRequest& request = fetch->request;
  FetchResponse response;
  std::vector<Waiter::Watch> watches;
  size_t total = 0;
  bool has_error = false;
  int16_t first_error = 0;
  const size_t max_bytes = size_t(std::max(request.max_bytes, 0));
  for (const auto& topic : request.topics) {
    FetchResponse::FetchableTopicResponse topic_response;
    topic_response.topic = topic.topic;
    for (const auto& partition : topic.partitions) {
      // Only the first non-empty partition may exceed the limits, by its first batch (KIP-74):
      // pass it at least 1 byte; later ones get what is left and return nothing that overflows.
      const size_t left = total >= max_bytes ? 0 : max_bytes - total;
      size_t budget = std::min(left, size_t(std::max(partition.partition_max_bytes, 0)));
      if (total == 0) budget = std::max<size_t>(budget, 1);
      FetchResponse::PartitionData data;
      if (fetch->denied.contains(topic.topic)) {
        data.partition_index = partition.partition;
        data.high_watermark = -1;
        data.records = std::string();
        data.error_code = model::to_wire(model::ErrorCode::topic_authorization_failed);
      } else {
        data = read_partition(fetch->broker, topic.topic, partition, budget, total == 0,
                              request.isolation_level == 1, watches);
      }
      has_error = has_error || data.error_code != 0;
      if (first_error == 0) first_error = data.error_code;
      total += data.records ? data.records->size() : 0;
      topic_response.partitions.push_back(std::move(data));
    }
    response.responses.push_back(std::move(topic_response));
  }
  const auto now = Clock::now();
  const bool enough = total >= size_t(std::max(request.min_bytes, 0));
  if (enough || has_error || watches.empty() || now >= fetch->deadline ||
      fetch->waiter.shutting_down()) {
    response.throttle_time_ms =
        fetch->quota.charge(security::QuotaDirection::fetch, int64_t(total));
    Reply reply = encode_reply(response, fetch->version);
    if (reply.error_code == 0) reply.error_code = first_error;
    fetch->respond(std::move(reply));
    return;
  }
  const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(fetch->deadline - now);
  fetch->waiter.wait_for_append(std::move(watches), remaining, [fetch] { read_later(fetch); });
}

// Reads on a worker thread: a read that misses the page cache blocks there, not on the network
// thread that serves every other client.
void read_later(const std::shared_ptr<PendingFetch>& fetch) {
  fetch->waiter.run_blocking([fetch] { attempt(fetch); });
}

void handle_fetch(const RequestContext& ctx, Respond respond) {
  protocol::FetchRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  // A fetch only reads: the connection's next request need not wait for its long poll.
  ctx.proceed();
  const auto wait = std::chrono::milliseconds(std::max(request.max_wait_ms, 0));
  std::set<std::string> denied;
  for (const auto& topic : request.topics) {
    if (!may_topic(ctx, security::AclOperation::read, topic.topic)) denied.insert(topic.topic);
  }
  auto fetch = std::make_shared<PendingFetch>(PendingFetch{
      ctx.broker, ctx.waiter, ctx.version(), std::move(request), Clock::now() + wait,
      std::move(respond), std::move(denied), quota_charge(ctx, security::QuotaDirection::fetch)});
  read_later(fetch);
}

}  // namespace

// v4 is the first with magic-2 batches and LastStableOffset (librdkafka's MsgVer2 needs it);
// v7+ requests are answered without fetch sessions (SessionId 0), which every target client
// accepts; v12 is flexible, v13 uses topic ids.
const Handler kFetchHandler{protocol::ApiKey::fetch, 4, 11, &handle_fetch};

}  // namespace kafka_do::broker::handlers
