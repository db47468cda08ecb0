#include "client/kafka/kafka_consumer.hpp"

#include <algorithm>

#include "client/consumer_commits.hpp"
#include "client/kafka/kafka_backend.hpp"
#include "client/kafka/records.hpp"

namespace kafka_do::client {
namespace {

std::string name(const kafka::TopicPartition& tp) {
  return tp.topic + "/" + std::to_string(tp.partition);
}

// Errors in consumer_poll() that the application must see; the rest (a broker connection lost,
// a coordinator moving) librdkafka recovers from by itself.
bool fatal(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
         err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
         err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
         err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR__FATAL;
}

}  // namespace

KafkaConsumer::KafkaConsumer(std::shared_ptr<KafkaBackend> backend,
                             kafka::detail::ConsumerSettings settings)
    : backend_(std::move(backend)), settings_(std::move(settings)) {}

KafkaConsumer::~KafkaConsumer() {
  try {
    close();
  } catch (...) {  // close() errors are for callers of close(); a destructor must not throw
  }
}

void KafkaConsumer::start() {
  auto conf = rdk::base_config(backend_->options(), &backend_->state());
  auto* c = conf.get();
  // librdkafka's assign() needs a group id even without a group: one that is never joined and
  // never committed to (commits without a group are refused before they reach librdkafka).
  rdk::set(c, "group.id", settings_.group.empty() ? "kafka-do-manual-assignment" : settings_.group);
  rdk::set(c, "client.id", settings_.client_id);
  rdk::set(c, "enable.auto.commit", "false");
  rdk::set(c, "enable.auto.offset.store", "false");
  rdk::set(c, "isolation.level",
           settings_.isolation == kafka::Isolation::read_committed ? "read_committed"
                                                                   : "read_uncommitted");
  rdk::set(c, "auto.offset.reset",
           settings_.offset.kind() == kafka::Offset::Kind::earliest ? "earliest" : "latest");
  rdk::set(c, "session.timeout.ms", std::to_string(rdk::to_int_ms(settings_.session_timeout)));
  // librdkafka heartbeats from a background thread, so a member that stops polling would stay in
  // the group; the SDK's contract (as the embedded backend's) is that it leaves after
  // session_timeout without a poll.
  rdk::set(c, "max.poll.interval.ms", std::to_string(rdk::to_int_ms(settings_.session_timeout)));
  rdk::set(c, "heartbeat.interval.ms",
           std::to_string(rdk::to_int_ms(settings_.heartbeat_interval)));
  rdk::set(c, "fetch.min.bytes", std::to_string(settings_.fetch_min_bytes));
  rdk::set(c, "fetch.wait.max.ms", std::to_string(rdk::to_int_ms(settings_.fetch_max_wait)));
  rdk::set(c, "max.partition.fetch.bytes", std::to_string(settings_.fetch_max_bytes));
  rdk::set(c, "partition.assignment.strategy", "range,roundrobin");
  // This object is the opaque of both callbacks (the error one forwards to the backend's state).
  rd_kafka_conf_set_rebalance_cb(c, on_rebalance);
  rd_kafka_conf_set_error_cb(c, on_error);
  rd_kafka_conf_set_opaque(c, this);
  rk_ = rdk::create(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(rk_.get());
  if (settings_.stop.stop_possible()) {
    stop_callback_.emplace(settings_.stop, std::function<void()>([this] { stop(); }));
  }
  if (!settings_.assign.empty()) {
    assign_manually();
    return;
  }
  auto topics = rdk::new_list(int(settings_.topics.size()));
  for (const auto& t : settings_.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  rdk::check(rd_kafka_subscribe(rk_.get(), topics.get()),
             "subscribing group '" + settings_.group + "'");
}

void KafkaConsumer::assign_manually() {
  for (const auto& t : settings_.topics) (void)backend_->ensure_topic(t);
  auto list = rdk::new_list(int(settings_.assign.size()));
  auto unset = rdk::new_list();  // partitions whose start the group or the policy decides
  for (const auto& p : settings_.assign) {
    const auto count = backend_->partition_count(p.topic);
    if (!count || p.partition >= *count) {
      throw kafka::PartitionNotFoundError("partition " + p.topic + "/" +
                                          std::to_string(p.partition) + " does not exist");
    }
    if (p.offset) {
      const auto [low, high] =
          backend_->watermarks(p.topic, p.partition, kafka::Isolation::read_uncommitted);
      rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset =
          std::clamp(*p.offset, low, high);
    } else {
      rd_kafka_topic_partition_list_add(unset.get(), p.topic.c_str(), p.partition);
    }
  }
  std::map<kafka::TopicPartition, int64_t> committed;
  if (unset->cnt > 0) committed = position(unset.get());
  for (int i = 0; i < unset->cnt; ++i) {
    const auto& p = unset->elems[i];
    rd_kafka_topic_partition_list_add(list.get(), p.topic, p.partition)->offset = p.offset;
  }
  rdk::check(rd_kafka_assign(rk_.get(), list.get()), "assigning partitions");
  std::lock_guard lock(mu_);
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    const kafka::TopicPartition tp{p.topic, p.partition};
    auto c = committed.find(tp);
    partitions_[tp].committed = c == committed.end() ? -1 : c->second;
    partitions_[tp].start = p.offset;
  }
}

void KafkaConsumer::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->backend_->state().record(rd_kafka_resp_err_t(err),
                                                                reason ? reason : "");
}

void KafkaConsumer::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  // Exceptions must not cross librdkafka's C frames: poll() rethrows them.
  try {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      self->assign(partitions);
    } else {
      self->revoke();
    }
  } catch (...) {
    if (!self->callback_error_) self->callback_error_ = std::current_exception();
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(self->rk_.get(), partitions);  // librdkafka waits for an assign either way
    } else {
      rd_kafka_assign(self->rk_.get(), nullptr);
    }
  }
}

std::map<kafka::TopicPartition, int64_t> KafkaConsumer::position(
    rd_kafka_topic_partition_list_t* partitions) {
  const int timeout = rdk::to_int_ms(backend_->timeout());
  std::map<kafka::TopicPartition, int64_t> committed;
  if (settings_.group.empty()) {
    for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
  } else {
    rdk::check(rd_kafka_committed(rk_.get(), partitions, timeout),
               "committed offsets of group '" + settings_.group + "'");
  }
  auto by_time = rdk::new_list();
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& p = partitions->elems[i];
    if (p.offset >= 0) {
      committed[{p.topic, p.partition}] = p.offset;
      continue;
    }
    switch (settings_.offset.kind()) {
      case kafka::Offset::Kind::earliest:
        p.offset = RD_KAFKA_OFFSET_BEGINNING;
        break;
      case kafka::Offset::Kind::latest:
        // Resolved now, not when the first fetch happens: records produced after the assignment
        // must be read.
        p.offset = backend_->watermarks(p.topic, p.partition, settings_.isolation).second;
        break;
      case kafka::Offset::Kind::timestamp:
        rd_kafka_topic_partition_list_add(by_time.get(), p.topic, p.partition)->offset =
            std::chrono::duration_cast<std::chrono::milliseconds>(
                settings_.offset.time().time_since_epoch())
                .count();
        break;
    }
  }
  if (by_time->cnt > 0) {
    rdk::check(rd_kafka_offsets_for_times(rk_.get(), by_time.get(), timeout), "offsets for time");
    for (int i = 0; i < by_time->cnt; ++i) {
      const auto& t = by_time->elems[i];
      int64_t offset = t.offset;
      if (t.err || offset < 0)
        offset = backend_->watermarks(t.topic, t.partition, settings_.isolation).second;
      rd_kafka_topic_partition_list_find(partitions, t.topic, t.partition)->offset = offset;
    }
  }
  return committed;
}

void KafkaConsumer::assign(rd_kafka_topic_partition_list_t* partitions) {
  const auto committed = position(partitions);
  rdk::check(rd_kafka_assign(rk_.get(), partitions),
             "assigning partitions of group '" + settings_.group + "'");
  std::lock_guard lock(mu_);
  partitions_.clear();
  ++epoch_;
  for (int i = 0; i < partitions->cnt; ++i) {
    const kafka::TopicPartition tp{partitions->elems[i].topic, partitions->elems[i].partition};
    auto c = committed.find(tp);
    partitions_[tp].committed = c == committed.end() ? -1 : c->second;
    partitions_[tp].start = partitions->elems[i].offset;
  }
}

void KafkaConsumer::revoke() {
  std::exception_ptr failure;
  {
    std::lock_guard lock(mu_);
    // Still a member of this generation: hand over what was consumed before partitions move.
    if (!closed_) {
      try {
        if (auto offsets = handover_offsets(); !offsets.empty()) commit_locked(offsets);
      } catch (const kafka::Error&) {  // the group moved on already; records will be redelivered
      }
    }
    partitions_.clear();
    ++epoch_;
  }
  rdk::check(rd_kafka_assign(rk_.get(), nullptr),
             "revoking partitions of group '" + settings_.group + "'");
}

std::vector<kafka::Record> KafkaConsumer::poll(std::chrono::milliseconds timeout,
                                               size_t max_records) {
  if (max_records == 0) max_records = size_t(settings_.max_poll_records);
  {
    std::lock_guard lock(mu_);
    (void)live();
  }
  const auto deadline = Clock::now() + timeout;
  auto self = std::static_pointer_cast<kafka::detail::CommitSink>(shared_from_this());
  // This call's messages, made into records (sharing one copy of their bytes) once collected.
  std::vector<rdk::Message> messages;
  uint64_t out_epoch = assignment_epoch();
  // The partition of the previous record (most records follow one of the same partition). Map
  // iterators stay valid until a revoke erases entries, which changes the epoch.
  const rd_kafka_topic_t* last_topic = nullptr;
  int32_t last_partition = -1;
  uint64_t last_epoch = 0;
  decltype(partitions_)::iterator last_state;
  maybe_auto_commit();  // once per call: a call returns at most max_poll_records records
  while (!stopped_ && messages.size() < max_records) {
    // The first record is waited for; the ones librdkafka already fetched are only collected
    // (and need no clock reading).
    int wait = 0;
    if (messages.empty()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      wait = int(std::max<int64_t>(0, left.count()));
    }
    rdk::Message m;
    std::optional<uint64_t> held_epoch;  // set for a record keep_alive() polled
    if (!held_.empty()) {
      m = std::move(held_.front().message);
      held_epoch = held_.front().epoch;
      held_.pop_front();
    } else {
      m.reset(rd_kafka_consumer_poll(rk_.get(), wait));
      last_poll_ = Clock::now();
    }
    if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
    backend_->state().check();
    if (!m) {
      if (!messages.empty() || Clock::now() >= deadline) break;
      if (woken_.exchange(false)) break;  // wake(): its rd_kafka_yield ended consumer_poll
      maybe_auto_commit();
      continue;
    }
    if (m->err) {
      if (fatal(m->err)) rdk::throw_error(m->err, "consumer of group '" + settings_.group + "'");
      continue;  // partition EOF, transient broker errors: librdkafka retries
    }
    std::lock_guard lock(mu_);
    if (held_epoch && *held_epoch != epoch_) continue;  // its partition was re-read since
    if (epoch_ != out_epoch) {  // a rebalance ran inside consumer_poll: those records are re-read
      messages.clear();
      out_epoch = epoch_;
    }
    if (m->rkt != last_topic || m->partition != last_partition || epoch_ != last_epoch) {
      last_state = partitions_.find({m->rkt ? rd_kafka_topic_name(m->rkt) : "", m->partition});
      last_topic = m->rkt;
      last_partition = m->partition;
      last_epoch = epoch_;
    }
    if (last_state == partitions_.end()) continue;  // fetched before its partition was revoked
    last_state->second.finished.handed_out(m->offset);
    messages.push_back(std::move(m));
  }
  std::vector<kafka::Record> out;
  rdk::append_records(messages, self, out);
  return out;
}

void KafkaConsumer::keep_alive() {
  // librdkafka heartbeats on its own thread, but it also counts the time between the
  // application's polls against max.poll.interval.ms (session_timeout) and leaves the group
  // when that passes: the parallel consumer with every slot busy on slow records. A poll now
  // and then resets that clock; a record it returns is held for the next poll(), so at most one
  // record per quarter interval waits here.
  if (Clock::now() - last_poll_ < settings_.session_timeout / 4) return;
  {
    std::lock_guard lock(mu_);
    (void)live();
  }
  rdk::Message m(rd_kafka_consumer_poll(rk_.get(), 0));
  last_poll_ = Clock::now();
  if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
  if (!m) return;
  std::lock_guard lock(mu_);
  held_.push_back({std::move(m), epoch_});
}

std::map<kafka::TopicPartition, int64_t> KafkaConsumer::lag() {
  std::lock_guard lock(mu_);
  std::map<kafka::TopicPartition, int64_t> out;
  if (partitions_.empty()) return out;
  auto list = rdk::new_list(int(partitions_.size()));
  for (const auto& [tp, st] : partitions_) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  // The application's position: past the last record returned (and past transaction markers,
  // which librdkafka consumes without returning).
  rd_kafka_position(live(), list.get());
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    const kafka::TopicPartition tp{p.topic, p.partition};
    int64_t low = -1, high = -1;
    // Cached from the last fetch response (under read_committed: the last stable offset).
    rd_kafka_get_watermark_offsets(rk_.get(), p.topic, p.partition, &low, &high);
    if (high < 0) {
      out[tp] = -1;
      continue;
    }
    int64_t next = p.offset;
    if (next < 0) {
      const auto& st = partitions_.at(tp);
      next = st.start >= 0                                              ? st.start
             : st.committed >= 0                                        ? st.committed
             : settings_.offset.kind() == kafka::Offset::Kind::earliest ? low
                                                                        : high;
    }
    out[tp] = std::max<int64_t>(0, high - next);
  }
  return out;
}

void KafkaConsumer::mark_consumed(std::span<const kafka::Record> records) {
  std::lock_guard lock(mu_);
  client::mark_consumed(partitions_, records);
}

std::map<kafka::TopicPartition, int64_t> KafkaConsumer::uncommitted() const {
  std::map<kafka::TopicPartition, int64_t> offsets;
  for (const auto& [tp, st] : partitions_) {
    if (st.consumed > st.committed) offsets[tp] = st.consumed;
  }
  return offsets;
}

void KafkaConsumer::maybe_auto_commit() {
  if (!settings_.auto_commit) return;
  const auto now = Clock::now();
  if (now - last_auto_commit_ < settings_.auto_commit_interval) return;
  last_auto_commit_ = now;
  std::lock_guard lock(mu_);
  try {
    if (auto offsets = uncommitted(); !offsets.empty()) commit_locked(offsets);
  } catch (const kafka::RebalanceInProgressError&) {  // retried after the rebalance, or redelivered
  }
}

rd_kafka_t* KafkaConsumer::live() const {
  if (closed_ || !rk_)
    throw kafka::Error(kafka::ErrorCode::unknown_server_error, "consumer is closed");
  return rk_.get();
}

void KafkaConsumer::commit_locked(const std::map<kafka::TopicPartition, int64_t>& offsets) {
  rd_kafka_t* rk = live();
  if (settings_.group.empty()) {
    throw kafka::ConfigError("a consumer without a group has nowhere to commit offsets");
  }
  auto list = rdk::new_list(int(offsets.size()));
  for (const auto& [tp, offset] : offsets) {
    if (!partitions_.count(tp)) {
      throw kafka::RebalanceInProgressError(
          "cannot commit " + name(tp) + ": the partition is no longer assigned to this consumer");
    }
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  const std::string what = "commit in group '" + settings_.group + "'";
  rdk::check(rd_kafka_commit(rk, list.get(), /*async=*/0), what);
  for (int i = 0; i < list->cnt; ++i)
    rdk::check(list->elems[i].err, what + " to " + list->elems[i].topic);
  for (const auto& [tp, offset] : offsets) {
    auto& st = partitions_.at(tp);
    st.committed = offset;
    st.finished.finished_below(offset);
  }
}

std::map<kafka::TopicPartition, int64_t> KafkaConsumer::consumed_offsets() const {
  std::lock_guard lock(mu_);
  std::map<kafka::TopicPartition, int64_t> out;
  for (const auto& [tp, st] : partitions_) {
    if (st.consumed >= 0) out[tp] = st.consumed;
  }
  return out;
}

rd_kafka_consumer_group_metadata_t* KafkaConsumer::group_metadata() const {
  std::lock_guard lock(mu_);
  return rd_kafka_consumer_group_metadata(live());
}

void KafkaConsumer::commit_consumed() {
  std::lock_guard lock(mu_);
  if (auto offsets = uncommitted(); !offsets.empty()) commit_locked(offsets);
}

void KafkaConsumer::commit_offsets(const std::map<kafka::TopicPartition, int64_t>& offsets) {
  std::lock_guard lock(mu_);
  commit_locked(offsets);
}

void KafkaConsumer::commit(const std::string& topic, int32_t partition, int64_t next_offset) {
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

uint64_t KafkaConsumer::assignment_epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

void KafkaConsumer::finish(const kafka::Record& record, uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return;
  finish_record(partitions_, record);
}

std::map<kafka::TopicPartition, int64_t> KafkaConsumer::commit_finished() {
  std::lock_guard lock(mu_);
  auto offsets = finished_to_commit(partitions_);
  if (!offsets.empty()) commit_locked(offsets);
  return offsets;
}

std::map<kafka::TopicPartition, int64_t> KafkaConsumer::handover_offsets() const {
  if (settings_.group.empty()) return {};
  return handover_to_commit(partitions_, settings_.auto_commit);
}

void KafkaConsumer::yield_poll() {
  std::lock_guard lock(yield_mu_);
  if (!rk_ || closing_) return;
  // Ends a consumer_poll() in progress, or else the next one: a queue's yield flag stays set
  // until a poll sees it. rd_kafka_queue_yield is the cross-thread call (rd_kafka_yield is only
  // for librdkafka's own callbacks); the queue reference must not outlive the consumer_close.
  rdk::Queue queue(rd_kafka_queue_get_consumer(rk_.get()));
  if (queue) rd_kafka_queue_yield(queue.get());
}

void KafkaConsumer::wake() {
  woken_ = true;
  yield_poll();
}

void KafkaConsumer::stop() {
  stopped_ = true;
  yield_poll();
}

void KafkaConsumer::close() {
  stopped_ = true;
  std::exception_ptr failure;
  {
    std::lock_guard lock(mu_);
    if (closed_ || !rk_) return;
    {
      try {
        if (auto offsets = handover_offsets(); !offsets.empty()) commit_locked(offsets);
      } catch (const kafka::Error&) {
        failure = std::current_exception();
      }
    }
    closed_ = true;  // commits from other threads fail from now on
  }
  {
    std::lock_guard yield(yield_mu_);
    closing_ = true;  // yield_poll() takes no queue reference from now on
  }
  // Leaves the group (its revoke callback runs here) so partitions move without a session timeout.
  rd_kafka_consumer_close(rk_.get());
  stop_callback_.reset();
  {
    std::lock_guard lock(mu_);
    std::lock_guard yield(yield_mu_);
    partitions_.clear();
    ++epoch_;
    rk_.reset();
  }
  if (failure) std::rethrow_exception(failure);
}

std::vector<kafka::TopicPartition> KafkaConsumer::assignment() const {
  std::lock_guard lock(mu_);
  std::vector<kafka::TopicPartition> out;
  for (const auto& [tp, st] : partitions_) out.push_back(tp);
  return out;
}

}  // namespace kafka_do::client
