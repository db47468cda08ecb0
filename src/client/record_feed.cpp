// kafka::detail::RecordFeed (include/kafka_do/record_feed.hpp): one thread per coroutine
// consumer polls, buffers, hands out records and runs commits. Deliveries are made under the
// feed's mutex — they only post to an executor — so cancel() and a delivery never cross: a wait
// is either still waiting or already answered.
#include "kafka_do/record_feed.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "client/backend.hpp"
#include "kafka_do/error.hpp"

namespace kafka::detail {
namespace {
// How long one poll waits at most. A commit or a stop wakes the poll at once
// (ConsumerCore::wake), so this only bounds how stale assignment() can be while the topic is
// idle, and how often a full buffer keeps the group membership alive.
constexpr auto kPollSlice = std::chrono::milliseconds(500);
}  // namespace

struct RecordFeed::State {
  explicit State(Consumer c, std::stop_token s, size_t b)
      : consumer(std::move(c)),
        core(consumer.core_),
        stop_token(std::move(s)),
        buffer_limit(std::max<size_t>(b, 1)) {}

  Consumer consumer;  // used by the feed's thread only (Consumer is not thread-safe)
  // The consumer's core, for its thread-safe wake() from other threads.
  const std::shared_ptr<ConsumerCore> core;
  std::stop_token stop_token;
  const size_t buffer_limit;

  mutable std::mutex mu;
  std::condition_variable wake;  // room in the buffer, a commit to run, or stop
  std::deque<Record> buffer;
  std::map<uint64_t, Delivery> waiting;  // by id: ids grow, so this is arrival order
  uint64_t next_id = 1;
  std::vector<std::pair<Record, Done>> commits;
  std::vector<TopicPartition> assignment;
  bool stopping = false;
  bool ended = false;         // the thread left its loop: no more records
  std::exception_ptr failed;  // why, when the consumer threw

  bool over() const { return stopping || stop_token.stop_requested(); }

  // Pairs buffered records with waiters, in order.
  void hand_out_locked() {
    while (!buffer.empty() && !waiting.empty()) {
      auto waiter = std::move(waiting.begin()->second);
      waiting.erase(waiting.begin());
      Record record = std::move(buffer.front());
      buffer.pop_front();
      waiter(nullptr, std::move(record));
    }
    if (ended || over()) {
      for (auto& [id, waiter] : waiting) waiter(failed, std::nullopt);
      waiting.clear();
    }
  }
};

RecordFeed::RecordFeed(Consumer consumer, std::stop_token stop, size_t buffer)
    : state_(std::make_shared<State>(std::move(consumer), std::move(stop), buffer)),
      thread_([this] { run(); }) {}

RecordFeed::~RecordFeed() {
  stop();
  thread_.join();
}

namespace {
void run_commits(std::vector<std::pair<Record, RecordFeed::Done>>& commits) {
  for (auto& [record, done] : commits) {
    std::exception_ptr error;
    try {
      record.commit();
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
  }
  commits.clear();
}
}  // namespace

void RecordFeed::run() {
  auto& s = *state_;
  std::vector<std::pair<Record, Done>> commits;
  std::unique_lock lock(s.mu);
  while (!s.over()) {
    if (!s.wake.wait_for(lock, kPollSlice, [&] {
          return s.over() || !s.commits.empty() || s.buffer.size() < s.buffer_limit;
        })) {
      // The buffer stayed full (the coroutines are slow): no poll, so keep the membership alive.
      lock.unlock();
      try {
        s.core->keep_alive();
      } catch (...) {
        lock.lock();
        s.failed = std::current_exception();
        break;
      }
      lock.lock();
      continue;
    }
    commits.swap(s.commits);
    lock.unlock();
    run_commits(commits);
    lock.lock();
    if (s.over() || s.buffer.size() >= s.buffer_limit) continue;
    lock.unlock();
    std::vector<Record> records;
    std::vector<TopicPartition> assignment;
    try {
      records = s.consumer.poll(kPollSlice);
      assignment = s.consumer.assignment();
    } catch (...) {
      lock.lock();
      s.failed = std::current_exception();
      break;
    }
    lock.lock();
    s.assignment = std::move(assignment);
    for (auto& r : records) s.buffer.push_back(std::move(r));
    s.hand_out_locked();
  }
  // The end: waiting next()s learn it, commits asked for before it still run, and the consumer
  // leaves its group (what was buffered and not handed out is read again by the next owner).
  s.ended = true;
  s.hand_out_locked();
  s.buffer.clear();
  commits.swap(s.commits);
  lock.unlock();
  run_commits(commits);
  try {
    s.consumer.close();
  } catch (...) {
    // Best effort: what was not committed is read again.
  }
}

uint64_t RecordFeed::next(Delivery deliver) {
  auto& s = *state_;
  std::lock_guard lock(s.mu);
  const uint64_t id = s.next_id++;
  s.waiting.emplace(id, std::move(deliver));
  const size_t before = s.buffer.size();
  s.hand_out_locked();
  if (s.buffer.size() < before) s.wake.notify_all();  // room to read ahead again
  return id;
}

bool RecordFeed::cancel(uint64_t id) {
  std::lock_guard lock(state_->mu);
  return state_->waiting.erase(id) > 0;
}

void RecordFeed::give_back(Record record) {
  auto& s = *state_;
  std::lock_guard lock(s.mu);
  if (s.ended || s.over()) return;  // read again by whoever consumes next
  s.buffer.push_front(std::move(record));
  s.hand_out_locked();
}

void RecordFeed::commit(Record record, Done done) {
  auto& s = *state_;
  bool queued = false;
  {
    std::lock_guard lock(s.mu);
    if (!s.ended) {
      s.commits.emplace_back(std::move(record), std::move(done));
      queued = true;
      s.wake.notify_all();
    }
  }
  if (queued) {
    s.core->wake();  // the thread may be in a poll of an idle topic
    return;
  }
  done(std::make_exception_ptr(
      Error(ErrorCode::unknown_server_error, "the coroutine consumer was closed")));
}

void RecordFeed::stop() {
  auto& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (s.stopping) return;
    s.stopping = true;
    s.hand_out_locked();
  }
  s.wake.notify_all();
  s.core->wake();
}

std::vector<TopicPartition> RecordFeed::assignment() const {
  std::lock_guard lock(state_->mu);
  return state_->assignment;
}

}  // namespace kafka::detail
