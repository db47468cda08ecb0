#include "client/embedded/embedded_consumer.hpp"

#include <set>

#include "client/assignor.hpp"
#include "client/consumer_commits.hpp"
#include "client/embedded/embedded_backend.hpp"
#include "client/embedded/fetched_records.hpp"
#include "client/errors.hpp"
#include "coordinator/consumer_protocol.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::client {
namespace {

using model::ErrorCode;

int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool must_rejoin(ErrorCode e) {
  return e == ErrorCode::rebalance_in_progress || e == ErrorCode::unknown_member_id ||
         e == ErrorCode::illegal_generation || e == ErrorCode::fenced_instance_id;
}

}  // namespace

EmbeddedConsumer::EmbeddedConsumer(std::shared_ptr<EmbeddedBackend> backend,
                                   kafka::detail::ConsumerSettings settings)
    : backend_(std::move(backend)),
      settings_(std::move(settings)),
      coordinator_(backend_->groups()) {
  for (const auto& topic : settings_.topics) backend_->ensure_topic(topic);
  if (settings_.stop.stop_possible()) {
    stop_callback_.emplace(settings_.stop, std::function<void()>([this] { stop(); }));
  }
}

EmbeddedConsumer::~EmbeddedConsumer() {
  try {
    close();
  } catch (...) {  // close() errors are for callers of close(); a destructor must not throw
  }
}

std::vector<kafka::Record> EmbeddedConsumer::poll(std::chrono::milliseconds timeout,
                                                  size_t max_records) {
  if (max_records == 0) max_records = size_t(settings_.max_poll_records);
  const auto deadline = Clock::now() + timeout;
  std::vector<kafka::Record> out;
  out.reserve(std::min<size_t>(max_records, 4096));
  std::optional<Clock::time_point> first_record_at;
  std::optional<uint64_t> out_epoch;
  for (;;) {
    bool member = false;
    {
      std::unique_lock lock(mu_);
      if (closed_) throw kafka::Error(kafka::ErrorCode::unknown_server_error, "consumer is closed");
      if (stopped_) return out;
      heartbeat_if_due();
      {
        std::lock_guard wake(wake_mu_);
        data_arrived_ = false;  // anything appended (or a group reply) from here on wakes the wait
      }
      member = advance_membership();
      if (out_epoch && *out_epoch != epoch_) {  // reassigned: those records are re-read
        out.clear();
        first_record_at.reset();
      }
      out_epoch = epoch_;
      if (member) {
        maybe_auto_commit();
        fetch_available(out, max_records);
        // fetch_min_bytes: a small result waits (up to fetch_max_wait from the first record)
        // for more, trading latency for fewer, fuller polls.
        if (!out.empty()) {
          if (!first_record_at) first_record_at = Clock::now();
          size_t bytes = 0;
          for (const auto& r : out) bytes += r.raw_value().size() + r.key().size();
          if (bytes >= size_t(settings_.fetch_min_bytes) || out.size() >= max_records ||
              Clock::now() - *first_record_at >= settings_.fetch_max_wait) {
            return out;
          }
        }
      }
    }
    const auto now = Clock::now();
    if (now >= deadline) return out;
    {
      std::lock_guard wake(wake_mu_);
      if (std::exchange(woken_, false)) return out;
    }
    // Wait for data, a group reply, a stop, a wake(), or the next heartbeat, whichever is first.
    auto wake_at =
        member ? std::min(deadline, last_heartbeat_ + settings_.heartbeat_interval) : deadline;
    if (first_record_at) wake_at = std::min(wake_at, *first_record_at + settings_.fetch_max_wait);
    std::unique_lock wake(wake_mu_);
    wake_cv_.wait_until(wake, std::max(wake_at, now + std::chrono::milliseconds(1)), [&] {
      return data_arrived_ || woken_ || stopped_.load() || pending_join_.has_value() ||
             pending_sync_.has_value();
    });
  }
}

void EmbeddedConsumer::heartbeat_if_due() {
  if (member_id_.empty() || need_rejoin_) return;
  const auto now = Clock::now();
  if (now - last_heartbeat_ < settings_.heartbeat_interval) return;
  last_heartbeat_ = now;
  const ErrorCode e =
      coordinator_.heartbeat({settings_.group, generation_, member_id_, std::nullopt});
  if (e == ErrorCode::none) return;
  if (must_rejoin(e)) {
    if (e == ErrorCode::rebalance_in_progress) {
      // Still a member of this generation: hand over what was consumed before partitions move.
      try {
        if (auto offsets = handover_offsets_locked(); !offsets.empty()) commit_locked(offsets);
      } catch (const kafka::Error&) {  // the group moved on already; records will be redelivered
      }
    }
    if (e != ErrorCode::rebalance_in_progress) member_id_.clear();  // removed: join as a new member
    need_rejoin_ = true;
    return;
  }
  throw_if_error(e, "heartbeat of group '" + settings_.group + "'");
}

bool EmbeddedConsumer::advance_membership() {
  if (!need_rejoin_) return true;
  if (!settings_.assign.empty()) {  // manual assignment: no group to join
    std::vector<kafka::TopicPartition> partitions;
    for (const auto& p : settings_.assign) partitions.push_back({p.topic, p.partition});
    apply_assignment(partitions);
    need_rejoin_ = false;
    return true;
  }
  if (membership_ == Membership::idle) send_join();
  std::optional<coordinator::JoinResponse> joined;
  std::optional<coordinator::SyncResponse> synced;
  {
    std::lock_guard wake(wake_mu_);
    joined = std::exchange(pending_join_, std::nullopt);
    synced = std::exchange(pending_sync_, std::nullopt);
  }
  if (membership_ == Membership::joining && joined) on_joined(std::move(*joined));
  if (membership_ == Membership::syncing && synced) on_synced(std::move(*synced));
  return !need_rejoin_;
}

void EmbeddedConsumer::send_join() {
  coordinator::JoinRequest join;
  join.group_id = settings_.group;
  join.member_id = member_id_;
  join.client_id = settings_.client_id;
  join.client_host = "in-process";
  join.session_timeout = settings_.session_timeout;
  join.rebalance_timeout = settings_.session_timeout;
  join.protocol_type = "consumer";
  const std::string subscription = coordinator::encode_subscription(settings_.topics);
  join.protocols = {{std::string(kRangeAssignor), subscription},
                    {std::string(kRoundRobinAssignor), subscription}};
  membership_ = Membership::joining;
  const uint64_t id = ++request_id_;
  auto weak = std::weak_ptr<EmbeddedConsumer>(
      std::static_pointer_cast<EmbeddedConsumer>(shared_from_this()));
  // The callback may run on this thread before join_group returns, or later on another one.
  coordinator_.join_group(join, [weak, id](coordinator::JoinResponse r) {
    if (auto self = weak.lock()) {
      {
        std::lock_guard wake(self->wake_mu_);
        if (id != self->request_id_) return;  // superseded by a later request, or closed
        self->pending_join_ = std::move(r);
      }
      self->wake_cv_.notify_all();
    }
  });
}

void EmbeddedConsumer::on_joined(coordinator::JoinResponse response) {
  membership_ = Membership::idle;
  if (response.error == ErrorCode::unknown_member_id ||
      response.error == ErrorCode::fenced_instance_id) {
    member_id_.clear();
    return;  // the next poll joins again as a new member
  }
  if (response.error == ErrorCode::rebalance_in_progress) return;
  throw_if_error(response.error, "joining group '" + settings_.group + "'");
  member_id_ = response.member_id;
  generation_ = response.generation_id;

  coordinator::SyncRequest sync;
  sync.group_id = settings_.group;
  sync.generation_id = generation_;
  sync.member_id = member_id_;
  if (response.leader_id == member_id_ && !response.skip_assignment) {
    std::map<std::string, Subscription> subscriptions;
    std::set<std::string> topics;
    for (const auto& m : response.members) {
      auto sub = coordinator::decode_subscription_topics(m.metadata);
      subscriptions[m.member_id] = sub ? Subscription{*sub} : Subscription{};
      if (sub) topics.insert(sub->begin(), sub->end());
    }
    std::map<std::string, int32_t> counts;
    for (const auto& t : topics) {
      if (auto d = backend_->logs().describe_topic(t)) counts[t] = d->partitions;
    }
    const Assignment plan = response.protocol_name == kRoundRobinAssignor
                                ? assign_round_robin(subscriptions, counts)
                                : assign_range(subscriptions, counts);
    for (const auto& [member, partitions] : plan)
      sync.assignments.push_back({member, coordinator::encode_assignment(partitions)});
  }
  membership_ = Membership::syncing;
  const uint64_t id = ++request_id_;
  auto weak = std::weak_ptr<EmbeddedConsumer>(
      std::static_pointer_cast<EmbeddedConsumer>(shared_from_this()));
  coordinator_.sync_group(sync, [weak, id](coordinator::SyncResponse r) {
    if (auto self = weak.lock()) {
      {
        std::lock_guard wake(self->wake_mu_);
        if (id != self->request_id_) return;
        self->pending_sync_ = std::move(r);
      }
      self->wake_cv_.notify_all();
    }
  });
}

void EmbeddedConsumer::on_synced(coordinator::SyncResponse response) {
  membership_ = Membership::idle;
  if (must_rejoin(response.error)) {
    if (response.error != ErrorCode::rebalance_in_progress) member_id_.clear();
    return;
  }
  throw_if_error(response.error, "syncing group '" + settings_.group + "'");
  auto assigned = coordinator::decode_assignment(response.assignment);
  if (!assigned) {
    throw kafka::GroupCoordinatorError(
        kafka::ErrorCode::inconsistent_group_protocol,
        "group '" + settings_.group + "' sent an assignment this client cannot read");
  }
  apply_assignment(*assigned);
  need_rejoin_ = false;
  last_heartbeat_ = Clock::now();
}

void EmbeddedConsumer::apply_assignment(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<kafka::TopicPartition, PartitionState> next;
  for (const auto& tp : partitions) {
    PartitionState state;
    state.log = backend_->partition(tp.topic, tp.partition);
    // A partition kept across the rebalance resumes where it is; a new one starts from the
    // group's committed offset (another member may have moved it meanwhile).
    state.committed = -1;
    if (!settings_.group.empty()) {
      if (auto c = coordinator_.offset_store().get(settings_.group, {tp.topic, tp.partition}))
        state.committed = c->offset;
    }
    state.position = start_position(tp, *state.log);
    auto weak = std::weak_ptr<EmbeddedConsumer>(
        std::static_pointer_cast<EmbeddedConsumer>(shared_from_this()));
    state.subscription = state.log->on_append([weak](int64_t) {
      if (auto self = weak.lock()) {
        {
          std::lock_guard wake(self->wake_mu_);
          self->data_arrived_ = true;
        }
        self->wake_cv_.notify_all();
      }
    });
    next.emplace(tp, std::move(state));
  }
  partitions_ = std::move(next);
  next_partition_ = 0;
  ++epoch_;
}

int64_t EmbeddedConsumer::start_position(const kafka::TopicPartition& tp,
                                         storage::PartitionLog& log) {
  for (const auto& p : settings_.assign) {
    if (p.topic == tp.topic && p.partition == tp.partition && p.offset) {
      return std::clamp(*p.offset, log.log_start_offset(), log.high_watermark());
    }
  }
  if (!settings_.group.empty()) {
    if (auto c = coordinator_.offset_store().get(settings_.group, {tp.topic, tp.partition});
        c && c->offset >= 0) {
      return std::clamp(c->offset, log.log_start_offset(), log.high_watermark());
    }
  }
  switch (settings_.offset.kind()) {
    case kafka::Offset::Kind::earliest:
      return log.log_start_offset();
    case kafka::Offset::Kind::latest:
      return settings_.isolation == kafka::Isolation::read_committed ? log.last_stable_offset()
                                                                     : log.high_watermark();
    case kafka::Offset::Kind::timestamp: {
      auto found = value_or_throw(log.offset_for_timestamp(to_ms(settings_.offset.time())));
      return found ? *found : log.high_watermark();
    }
  }
  return log.high_watermark();
}

void EmbeddedConsumer::fetch_available(std::vector<kafka::Record>& out, size_t max_records) {
  if (partitions_.empty()) return;
  std::vector<kafka::TopicPartition> order;
  order.reserve(partitions_.size());
  for (const auto& [tp, st] : partitions_) order.push_back(tp);
  const size_t n = order.size();
  for (size_t i = 0; i < n && out.size() < max_records; ++i) {
    const auto& tp = order[(next_partition_ + i) % n];
    auto& st = partitions_.at(tp);
    if (st.nothing_fetched()) {
      st.fetched.clear();
      st.fetched_head = 0;
      fetch_partition(tp, st);
    }
    while (!st.nothing_fetched() && out.size() < max_records) {
      kafka::Record& next = st.fetched[st.fetched_head++];
      st.finished.handed_out(next.offset());
      out.push_back(std::move(next));
    }
  }
  next_partition_ = (next_partition_ + 1) % n;
}

void EmbeddedConsumer::fetch_partition(const kafka::TopicPartition& tp, PartitionState& st) {
  auto& log = *st.log;
  if (st.position < log.log_start_offset()) {
    // Retention removed records under us: restart where the offset policy says (Kafka's
    // auto.offset.reset).
    st.position = settings_.offset.kind() == kafka::Offset::Kind::latest ? log.high_watermark()
                                                                         : log.log_start_offset();
  }
  const bool committed = settings_.isolation == kafka::Isolation::read_committed;
  const int64_t end = committed ? log.last_stable_offset() : log.high_watermark();
  if (st.position >= end) return;
  auto read = log.read(
      st.position, size_t(settings_.fetch_max_bytes), true,
      committed ? storage::Isolation::read_committed : storage::Isolation::read_uncommitted);
  if (!read) {
    if (read.error().code() == Errc::out_of_range)
      return;  // raced with retention; next poll resets
    throw_error(read.error(), Subject::partition);
  }
  auto self = std::static_pointer_cast<kafka::detail::CommitSink>(shared_from_this());
  st.position = append_records(tp.topic, tp.partition, std::move(read->records), st.position, self,
                               st.fetched, committed ? &read->aborted : nullptr);
}

std::map<kafka::TopicPartition, int64_t> EmbeddedConsumer::lag() {
  std::lock_guard lock(mu_);
  const bool committed = settings_.isolation == kafka::Isolation::read_committed;
  std::map<kafka::TopicPartition, int64_t> out;
  for (const auto& [tp, st] : partitions_) {
    const int64_t end = committed ? st.log->last_stable_offset() : st.log->high_watermark();
    const int64_t next = st.nothing_fetched() ? st.position : st.fetched[st.fetched_head].offset();
    out[tp] = std::max<int64_t>(0, end - next);
  }
  return out;
}

void EmbeddedConsumer::mark_consumed(std::span<const kafka::Record> records) {
  std::lock_guard lock(mu_);
  client::mark_consumed(partitions_, records);
}

void EmbeddedConsumer::maybe_auto_commit() {
  if (!settings_.auto_commit || need_rejoin_) return;
  const auto now = Clock::now();
  if (now - last_auto_commit_ < settings_.auto_commit_interval) return;
  last_auto_commit_ = now;
  std::map<kafka::TopicPartition, int64_t> offsets;
  for (auto& [tp, st] : partitions_) {
    if (st.consumed > st.committed) offsets[tp] = st.consumed;
  }
  if (offsets.empty()) return;
  try {
    commit_locked(offsets);
  } catch (const kafka::RebalanceInProgressError&) {
    need_rejoin_ = true;  // retried after the rebalance, or redelivered to the new owner
  }
}

coordinator::OffsetCommitRequest EmbeddedConsumer::commit_request_locked(
    const std::map<kafka::TopicPartition, int64_t>& offsets) const {
  coordinator::OffsetCommitRequest request;
  request.group_id = settings_.group;
  request.generation_id = generation_;
  request.member_id = member_id_;
  for (const auto& [tp, offset] : offsets) {
    if (!partitions_.count(tp)) {
      throw kafka::RebalanceInProgressError(
          "cannot commit " + tp.topic + "/" + std::to_string(tp.partition) +
          ": the partition is no longer assigned to this consumer");
    }
    request.offsets.push_back({tp.topic, tp.partition, offset, -1, std::nullopt});
  }
  if (settings_.group.empty()) {
    throw kafka::ConfigError("a consumer without a group has nowhere to commit offsets");
  }
  // A manually assigned consumer commits as a simple consumer (no member, generation -1).
  if (settings_.assign.empty() && (member_id_.empty() || need_rejoin_)) {
    throw kafka::RebalanceInProgressError("cannot commit while the group '" + settings_.group +
                                          "' rebalances");
  }
  return request;
}

void EmbeddedConsumer::check_commit_locked(
    const std::vector<coordinator::PartitionResult>& results,
    const std::map<kafka::TopicPartition, int64_t>& offsets) {
  for (const auto& r : results) {
    if (r.error != ErrorCode::none) {
      if (must_rejoin(r.error)) need_rejoin_ = true;
      throw_if_error(r.error, "commit to " + r.topic + "/" + std::to_string(r.partition) +
                                  " in group '" + settings_.group + "'");
    }
  }
  for (const auto& [tp, offset] : offsets) {
    auto& st = partitions_.at(tp);
    st.committed = offset;  // the last commit, as the group now has it
    st.finished.finished_below(offset);
  }
}

void EmbeddedConsumer::commit_locked(const std::map<kafka::TopicPartition, int64_t>& offsets) {
  const auto request = commit_request_locked(offsets);
  check_commit_locked(coordinator_.commit_offsets(request), offsets);
}

void EmbeddedConsumer::commit_in_transaction(
    const std::map<kafka::TopicPartition, int64_t>& offsets,
    const std::function<std::vector<coordinator::PartitionResult>(
        const coordinator::OffsetCommitRequest&)>& commit) {
  std::lock_guard lock(mu_);
  const auto request = commit_request_locked(offsets);
  // Pending until the transaction commits; `committed` then matches what the group will have.
  check_commit_locked(commit(request), offsets);
}

std::map<kafka::TopicPartition, int64_t> EmbeddedConsumer::consumed_offsets() const {
  std::lock_guard lock(mu_);
  std::map<kafka::TopicPartition, int64_t> out;
  for (const auto& [tp, st] : partitions_) {
    if (st.consumed >= 0) out[tp] = st.consumed;
  }
  return out;
}

void EmbeddedConsumer::commit_consumed() {
  std::lock_guard lock(mu_);
  std::map<kafka::TopicPartition, int64_t> offsets;
  for (auto& [tp, st] : partitions_) {
    if (st.consumed > st.committed) offsets[tp] = st.consumed;
  }
  if (!offsets.empty()) commit_locked(offsets);
}

void EmbeddedConsumer::commit_offsets(const std::map<kafka::TopicPartition, int64_t>& offsets) {
  std::lock_guard lock(mu_);
  commit_locked(offsets);
}

void EmbeddedConsumer::commit(const std::string& topic, int32_t partition, int64_t next_offset) {
  std::lock_guard lock(mu_);
  const kafka::TopicPartition tp{topic, partition};
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) {
    commit_locked({{tp, next_offset}});  // throws: the partition moved to another member
    return;
  }
  // Only as far as every record handed out before this one is finished too.
  if (auto next = record_commit(it->second, next_offset)) commit_locked({{tp, *next}});
}

uint64_t EmbeddedConsumer::assignment_epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

void EmbeddedConsumer::finish(const kafka::Record& record, uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return;
  finish_record(partitions_, record);
}

std::map<kafka::TopicPartition, int64_t> EmbeddedConsumer::commit_finished() {
  std::lock_guard lock(mu_);
  auto offsets = finished_to_commit(partitions_);
  if (!offsets.empty()) commit_locked(offsets);
  return offsets;
}

void EmbeddedConsumer::keep_alive() {
  std::lock_guard lock(mu_);
  if (!closed_) heartbeat_if_due();
}

std::map<kafka::TopicPartition, int64_t> EmbeddedConsumer::handover_offsets_locked() const {
  if (settings_.group.empty()) return {};
  return handover_to_commit(partitions_, settings_.auto_commit);
}

void EmbeddedConsumer::wake() {
  {
    std::lock_guard wake(wake_mu_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

void EmbeddedConsumer::stop() {
  stopped_ = true;
  { std::lock_guard wake(wake_mu_); }
  wake_cv_.notify_all();
}

bool EmbeddedConsumer::stopped() const { return stopped_; }

void EmbeddedConsumer::close() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  closed_ = true;
  stopped_ = true;
  ++request_id_;  // late join/sync results are ignored from now on
  std::exception_ptr failure;
  if (!need_rejoin_) {
    try {
      if (auto offsets = handover_offsets_locked(); !offsets.empty()) commit_locked(offsets);
    } catch (const kafka::Error&) {
      failure = std::current_exception();
    }
  }
  leave();
  partitions_.clear();
  ++epoch_;
  lock.unlock();
  stop_callback_.reset();
  wake_cv_.notify_all();
  if (failure) std::rethrow_exception(failure);
}

void EmbeddedConsumer::leave() {
  if (member_id_.empty()) return;
  (void)coordinator_.leave_group(settings_.group,
                                 {{member_id_, std::nullopt}});  // best effort: it expires anyway
  member_id_.clear();
}

std::vector<kafka::TopicPartition> EmbeddedConsumer::assignment() const {
  std::lock_guard lock(mu_);
  std::vector<kafka::TopicPartition> out;
  for (const auto& [tp, st] : partitions_) out.push_back(tp);
  return out;
}

}  // namespace kafka_do::client
