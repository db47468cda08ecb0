// ParallelConsumer: one thread polls the consumer core and hands records to worker threads
// through lanes (one lane per key, per partition, or per record, as the ordering asks); a lane
// runs one record at a time, in offset order. Workers mark records finished in the core, and the
// polling thread commits each partition's finished watermark and frees the slots of what it
// committed, so at most max_in_flight records are ever handed out and uncommitted.
#include "kafka_do/parallel_consumer.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "client/backend.hpp"

namespace kafka {
namespace {

using namespace std::chrono_literals;

// max_in_flight when ParallelOptions leaves it 0.
constexpr size_t kDefaultInFlightPerWorker = 64;

detail::ConsumerCore& live(const std::shared_ptr<detail::ConsumerCore>& core) {
  if (!core) throw Error(ErrorCode::unknown_server_error, "consumer was moved from or closed");
  return *core;
}

struct Item {
  Record record;
  uint64_t epoch = 0;  // the assignment it was polled under
  std::string lane;
};

// What the polling thread and the workers share. Every field is guarded by `mu`.
class Dispatch {
 public:
  Dispatch(detail::ConsumerCore& core, const ParallelOptions& options,
           const std::function<void(Record&)>& handler)
      : core_(core), ordering_(options.ordering), handler_(handler) {
    epoch_ = core.assignment_epoch();
    for (int i = 0; i < options.concurrency; ++i) workers_.emplace_back([this] { work(); });
  }
  Dispatch(const Dispatch&) = delete;
  Dispatch& operator=(const Dispatch&) = delete;
  ~Dispatch() { shut_down(); }

  // Stops handing out records (running handlers finish) and joins the workers.
  void shut_down() {
    {
      std::lock_guard lock(mu_);
      shutting_down_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return shutting_down_;
  }
  std::exception_ptr failure() {
    std::lock_guard lock(mu_);
    return failure_;
  }
  size_t in_flight() {
    std::lock_guard lock(mu_);
    return in_flight_;
  }

  // Frees the slots of records below each committed offset.
  void committed(const std::map<TopicPartition, int64_t>& offsets) {
    std::lock_guard lock(mu_);
    for (const auto& [tp, next] : offsets) {
      auto it = outstanding_.find(tp);
      if (it == outstanding_.end()) continue;
      auto& offsets_out = it->second;
      while (!offsets_out.empty() && offsets_out.front() < next) {
        offsets_out.pop_front();
        --in_flight_;
      }
    }
    progress_cv_.notify_all();
  }

  // Hands out one poll's records, all of assignment `epoch`. A new epoch means a rebalance:
  // every record of the earlier one that has not started is dropped (its partition is read
  // again from the last commit, here or by another member) and frees its slot; running ones free
  // theirs when they end.
  void hand_out(std::vector<Record> records, uint64_t epoch) {
    {
      std::lock_guard lock(mu_);
      if (epoch != epoch_) {
        lanes_.clear();
        ready_.clear();
        outstanding_.clear();
        in_flight_ = size_t(running_);
        epoch_ = epoch;
      }
      for (auto& r : records) {
        outstanding_[{r.topic(), r.partition()}].push_back(r.offset());
        ++in_flight_;
        std::string lane = lane_of(r);
        auto& queue = lanes_[lane];
        queue.push_back(Item{std::move(r), epoch, lane});
        if (queue.size() == 1 && !busy_.count(lane)) ready_.push_back(std::move(lane));
      }
    }
    work_cv_.notify_all();
  }

  // Waits until a worker finished something since the last call, or `timeout`.
  void wait_for_progress(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    progress_cv_.wait_for(lock, timeout, [&] { return finished_ > 0 || shutting_down_; });
    finished_ = 0;
  }

 private:
  std::string lane_of(const Record& r) {
    switch (ordering_) {
      case Ordering::none:
        return std::to_string(next_lane_++);
      case Ordering::partition:
        return r.topic() + '\0' + std::to_string(r.partition());
      case Ordering::key:
        break;
    }
    // Records without a key keep partition order.
    return r.topic() + '\0' + std::to_string(r.partition()) + '\0' +
           (r.has_key() ? "k" + std::string(r.key()) : std::string("n"));
  }

  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [&] { return shutting_down_ || !ready_.empty(); });
      if (shutting_down_) return;
      std::string lane = std::move(ready_.front());
      ready_.pop_front();
      auto& queue = lanes_.at(lane);
      Item item = std::move(queue.front());
      queue.pop_front();
      busy_.insert(lane);
      ++running_;
      lock.unlock();

      bool ok = true;
      try {
        handler_(item.record);
      } catch (...) {
        ok = false;
        lock.lock();
        if (!failure_) failure_ = std::current_exception();
        shutting_down_ = true;  // later records of this lane must not run before it
        lock.unlock();
        work_cv_.notify_all();
      }
      if (ok) core_.finish(item.record, item.epoch);  // ignored when a rebalance came between

      lock.lock();
      --running_;
      ++finished_;
      if (item.epoch != epoch_) --in_flight_;  // dropped from outstanding_ at the rebalance
      busy_.erase(lane);
      if (auto it = lanes_.find(lane); it != lanes_.end()) {
        if (it->second.empty()) {
          lanes_.erase(it);
        } else {
          ready_.push_back(lane);
          work_cv_.notify_one();
        }
      }
      progress_cv_.notify_all();
    }
  }

  detail::ConsumerCore& core_;
  const Ordering ordering_;
  const std::function<void(Record&)>& handler_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable progress_cv_;
  std::unordered_map<std::string, std::deque<Item>> lanes_;
  std::unordered_set<std::string> busy_;  // lanes with a running record
  std::deque<std::string> ready_;         // lanes with records and none running
  std::map<TopicPartition, std::deque<int64_t>> outstanding_;  // handed out, not committed
  size_t in_flight_ = 0;
  int running_ = 0;
  uint64_t finished_ = 0;  // handlers ended since the last wait_for_progress
  uint64_t epoch_ = 0;
  uint64_t next_lane_ = 0;
  bool shutting_down_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

// Commits the finished watermarks; a partition that moved away is redelivered to its new owner.
void commit_finished(detail::ConsumerCore& core, Dispatch& dispatch) {
  try {
    dispatch.committed(core.commit_finished());
  } catch (const RebalanceInProgressError&) {
  }
}

}  // namespace

ParallelConsumer::ParallelConsumer(std::shared_ptr<detail::ConsumerCore> core,
                                   ParallelOptions options)
    : core_(std::move(core)), options_(options) {}
ParallelConsumer::ParallelConsumer(ParallelConsumer&&) noexcept = default;
ParallelConsumer& ParallelConsumer::operator=(ParallelConsumer&&) noexcept = default;

ParallelConsumer::~ParallelConsumer() {
  if (!core_) return;
  try {
    close();
  } catch (...) {  // a failing final commit must not escape a destructor
  }
}

void ParallelConsumer::each(const std::function<void(Record&)>& handler) {
  auto& core = live(core_);
  const size_t limit = options_.max_in_flight > 0
                           ? size_t(options_.max_in_flight)
                           : kDefaultInFlightPerWorker * size_t(options_.concurrency);
  const size_t per_poll = size_t(std::max(1, core.settings().max_poll_records));
  Dispatch dispatch(core, options_, handler);
  std::exception_ptr failure;
  try {
    while (!core.stopped() && !dispatch.stopping()) {
      commit_finished(core, dispatch);
      const size_t in_flight = dispatch.in_flight();
      if (in_flight >= limit) {
        core.keep_alive();  // the group must not think this member died while workers are busy
        dispatch.wait_for_progress(50ms);
        continue;
      }
      // Short polls while records are in flight, so what finishes is committed promptly.
      auto records = core.poll(in_flight > 0 ? 10ms : 200ms, std::min(limit - in_flight, per_poll));
      dispatch.hand_out(std::move(records), core.assignment_epoch());
    }
  } catch (...) {
    failure = std::current_exception();
  }
  dispatch.shut_down();
  try {
    commit_finished(core, dispatch);
  } catch (...) {
    if (!failure) failure = std::current_exception();
  }
  if (auto handler_failure = dispatch.failure()) std::rethrow_exception(handler_failure);
  if (failure) std::rethrow_exception(failure);
}

void ParallelConsumer::stop() {
  if (core_) core_->stop();
}

void ParallelConsumer::close() {
  if (!core_) return;
  auto core = std::move(core_);
  core->close();
}

std::vector<TopicPartition> ParallelConsumer::assignment() const {
  return live(core_).assignment();
}

}  // namespace kafka
