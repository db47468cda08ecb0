// Consumer, BatchConsumer and Batch over a backend's ConsumerCore: the range interface, each(),
// first(), and batching by size and time.
#include "kafka_do/consumer.hpp"

#include "client/backend.hpp"

namespace kafka {
namespace {

// How long one wait inside iteration lasts before the stop flags are checked again. The core
// wakes earlier on new data or stop(); this only bounds the reaction to a stop_token.
constexpr std::chrono::milliseconds kPollSlice{200};

detail::ConsumerCore& live(const std::shared_ptr<detail::ConsumerCore>& core) {
  if (!core) throw Error(ErrorCode::unknown_server_error, "consumer was moved from or closed");
  return *core;
}

}  // namespace

Record& Consumer::iterator::operator*() const {
  if (!consumer_ || !consumer_->advance())
    throw Error(ErrorCode::unknown_server_error, "dereferencing the end of a consumer");
  return *consumer_->current_;
}

Consumer::iterator& Consumer::iterator::operator++() {
  if (consumer_) consumer_->consume_current();
  return *this;
}

bool Consumer::iterator::at_end() const { return !consumer_ || !consumer_->advance(); }

Consumer::Consumer(std::shared_ptr<detail::ConsumerCore> core) : core_(std::move(core)) {}
Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&&) noexcept = default;

Consumer::~Consumer() {
  if (!core_) return;
  try {
    close();
  } catch (...) {  // a failing final commit must not escape a destructor
  }
}

bool Consumer::advance(std::chrono::steady_clock::time_point deadline) {
  if (current_) return true;
  auto& core = live(core_);
  if (core.stopped()) return false;  // records already fetched are not handed out after stop()
  while (buffer_.empty()) {
    if (core.stopped()) return false;
    auto slice = std::chrono::milliseconds(kPollSlice);
    bool last = false;  // a deadline that passed still gets one poll that does not wait
    if (deadline != std::chrono::steady_clock::time_point::max()) {
      const auto now = std::chrono::steady_clock::now();
      last = now >= deadline;
      slice = last ? std::chrono::milliseconds(0)
                   : std::min(slice, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
    }
    auto records = core.poll(slice, 0);
    for (auto& r : records) buffer_.push_back(std::move(r));
    if (last && buffer_.empty()) return false;
  }
  current_ = std::move(buffer_.front());
  buffer_.pop_front();
  return true;
}

void Consumer::consume_current() {
  if (!current_) return;
  core_->mark_consumed(*current_);
  current_.reset();
}

std::optional<Record> Consumer::next(Duration timeout) {
  consume_current();
  if (!advance(std::chrono::steady_clock::now() + timeout.ms())) return std::nullopt;
  return *current_;  // current_ stays, to be marked consumed on the next call
}

bool Consumer::stopped() const { return !core_ || core_->stopped(); }

void Consumer::each(const std::function<void(Record&)>& fn) {
  for (Record& r : *this) fn(r);
}

Record Consumer::first(std::optional<Duration> timeout) {
  const auto deadline = timeout ? std::chrono::steady_clock::now() + timeout->ms()
                                : std::chrono::steady_clock::time_point::max();
  auto& core = live(core_);
  while (!current_ && buffer_.empty()) {
    if (core.stopped())
      throw Error(ErrorCode::unknown_server_error, "consumer stopped before a record arrived");
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) throw TimeoutError("no record arrived within the timeout");
    const auto slice = std::min<std::chrono::steady_clock::duration>(kPollSlice, deadline - now);
    for (auto& r : core.poll(std::chrono::duration_cast<std::chrono::milliseconds>(slice), 0))
      buffer_.push_back(std::move(r));
  }
  if (!current_) {
    current_ = std::move(buffer_.front());
    buffer_.pop_front();
  }
  Record r = std::move(*current_);
  current_.reset();
  core.mark_consumed(r);
  return r;
}

std::vector<Record> Consumer::poll(Duration timeout) {
  auto& core = live(core_);
  std::vector<Record> out;
  if (current_) {
    out.push_back(std::move(*current_));
    current_.reset();
  }
  while (!buffer_.empty()) {
    out.push_back(std::move(buffer_.front()));
    buffer_.pop_front();
  }
  if (out.empty()) out = core.poll(timeout.ms(), 0);
  core.mark_consumed(std::span<const Record>(out));
  return out;
}

// Both commits are idempotent (the same offsets again), so retriable failures are retried;
// not a rebalance, though: the partitions may have moved, and the caller must learn it at once.
namespace {
bool worth_retrying_commit(const Error& e) { return e.code() != ErrorCode::rebalance_in_progress; }
}  // namespace

void Consumer::commit() {
  auto& core = live(core_);
  detail::with_retries(
      core.settings().commit_retry, [&] { core.commit_consumed(); }, worth_retrying_commit);
}

void Consumer::commit(const std::map<TopicPartition, int64_t>& next_offsets) {
  auto& core = live(core_);
  detail::with_retries(
      core.settings().commit_retry, [&] { core.commit_offsets(next_offsets); },
      worth_retrying_commit);
}

bool Consumer::wait_for_assignment(Duration timeout) {
  auto& core = live(core_);
  const auto deadline = std::chrono::steady_clock::now() + timeout.ms();
  while (core.assignment().empty()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || core.stopped()) return false;
    const auto slice = std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20),
                                                                     deadline - now);
    for (auto& r : core.poll(std::chrono::duration_cast<std::chrono::milliseconds>(slice), 0))
      buffer_.push_back(std::move(r));
  }
  return true;
}

void Consumer::stop() {
  if (core_) core_->stop();
}

void Consumer::close() {
  if (!core_) return;
  auto core = std::move(core_);
  buffer_.clear();
  current_.reset();
  core->close();
}

std::vector<TopicPartition> Consumer::assignment() const { return live(core_).assignment(); }

std::map<TopicPartition, int64_t> Consumer::lag() const {
  auto lag = live(core_).lag();
  // Records polled into this object's buffer are not returned to the application yet either.
  auto add = [&](const Record& r) {
    auto it = lag.find({r.topic(), r.partition()});
    if (it != lag.end() && it->second >= 0) ++it->second;
  };
  for (const auto& r : buffer_) add(r);
  return lag;
}

void Batch::commit() {
  std::map<TopicPartition, int64_t> next;
  for (const auto& r : records_) {
    auto& n = next[TopicPartition{r.topic(), r.partition()}];
    n = std::max(n, r.offset() + 1);
  }
  live(core_).commit_offsets(next);
}

BatchConsumer::BatchConsumer(std::shared_ptr<detail::ConsumerCore> core, BatchOptions batch)
    : core_(std::move(core)), batch_(batch) {}
BatchConsumer::BatchConsumer(BatchConsumer&&) noexcept = default;
BatchConsumer& BatchConsumer::operator=(BatchConsumer&&) noexcept = default;

BatchConsumer::~BatchConsumer() {
  if (!core_) return;
  try {
    close();
  } catch (...) {  // see Consumer::~Consumer
  }
}

void BatchConsumer::settle_handed_over() {
  for (const auto& [tp, last] : handed_over_) core_->mark_consumed(last);
  handed_over_.clear();
}

std::optional<Batch> BatchConsumer::next_batch(std::optional<Duration> wait) {
  auto& core = live(core_);
  settle_handed_over();
  std::vector<Record> records;
  // Until the first record: `wait`, if any; from the first record on: the batch timeout.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (wait) deadline = std::chrono::steady_clock::now() + wait->ms();
  // Each poll returns at most max_poll_records; a batch may take several.
  const int per_poll = std::max(1, core.settings().max_poll_records);
  while (int(records.size()) < batch_.size) {
    if (core.stopped()) break;
    if (buffer_.empty()) {
      auto wait = kPollSlice;
      if (deadline) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= *deadline) break;
        wait =
            std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now) +
                               std::chrono::milliseconds(1));
      }
      const int want = std::min(per_poll, batch_.size - int(records.size()));
      for (auto& r : core.poll(wait, size_t(want))) buffer_.push_back(std::move(r));
      continue;
    }
    if (records.empty()) deadline = std::chrono::steady_clock::now() + batch_.timeout.ms();
    records.push_back(std::move(buffer_.front()));
    buffer_.pop_front();
  }
  if (records.empty()) return std::nullopt;
  for (const auto& r : records) handed_over_.insert_or_assign({r.topic(), r.partition()}, r);
  return Batch(std::move(records), core_);
}

void BatchConsumer::each_batch(const std::function<void(Batch&)>& fn) {
  while (auto batch = next_batch()) {
    fn(*batch);
    settle_handed_over();  // returned normally: processed, even when fn stopped the consumer
  }
}

void BatchConsumer::stop() {
  if (core_) core_->stop();
}

void BatchConsumer::close() {
  if (!core_) return;
  auto core = std::move(core_);
  buffer_.clear();
  handed_over_.clear();  // a batch from next_batch() not followed by another: redelivered
  core->close();
}

}  // namespace kafka
