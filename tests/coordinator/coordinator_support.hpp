#pragma once
// Shared helpers of the coordinator tests: a slot that a callback fills (counting calls, so a
// test can check "exactly once"), request builders, and an engine fixture over either backend.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/consumer_protocol.hpp"
#include "coordinator/group_coordinator.hpp"
#include "storage/log_manager.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::coordinator::testing {

using namespace std::chrono_literals;

// Bound for every wait on something the coordinator must do promptly.
inline constexpr auto kWait = 10s;

// The callback owns the state with the slot, so a coordinator may still answer (e.g. from its
// destructor) after the test dropped the slot.
template <typename T>
class Slot {
 public:
  std::function<void(T)> callback() {
    return [state = state_](T value) {
      std::lock_guard lock(state->mu);
      ++state->calls;
      if (!state->value) state->value = std::move(value);
      state->cv.notify_all();
    };
  }
  // The value, once set (bounded wait); nullopt on timeout.
  std::optional<T> wait(std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(state_->mu);
    state_->cv.wait_for(lock, timeout, [&] { return state_->value.has_value(); });
    return state_->value;
  }
  bool ready() {
    std::lock_guard lock(state_->mu);
    return state_->value.has_value();
  }
  int calls() {
    std::lock_guard lock(state_->mu);
    return state_->calls;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<T> value;
    int calls = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

using JoinSlot = Slot<JoinResponse>;
using SyncSlot = Slot<SyncResponse>;

inline std::vector<GroupProtocol> protocols(std::initializer_list<std::string> names,
                                            const std::vector<std::string>& topics = {"t"}) {
  std::vector<GroupProtocol> out;
  for (const auto& n : names) out.push_back({n, encode_subscription(topics)});
  return out;
}

inline JoinRequest join_request(const std::string& group, const std::string& member_id = {},
                                std::vector<GroupProtocol> protos = protocols({"range"}),
                                std::chrono::milliseconds session = 10s,
                                std::chrono::milliseconds rebalance = 10s) {
  JoinRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.client_id = "client";
  r.client_host = "/127.0.0.1";
  r.session_timeout = session;
  r.rebalance_timeout = rebalance;
  r.protocol_type = "consumer";
  r.protocols = std::move(protos);
  return r;
}

// Joins and waits for the answer (for joins expected to complete at once).
inline JoinResponse join_now(GroupCoordinator& c, JoinRequest r) {
  JoinSlot slot;
  c.join_group(std::move(r), slot.callback());
  auto got = slot.wait();
  EXPECT_TRUE(got.has_value()) << "join did not complete";
  EXPECT_EQ(slot.calls(), 1);
  return got.value_or(JoinResponse{ErrorCode::request_timed_out});
}

inline SyncResponse sync_now(GroupCoordinator& c, const std::string& group, int32_t generation,
                             const std::string& member,
                             std::vector<MemberAssignment> assignments = {}) {
  SyncSlot slot;
  SyncRequest r;
  r.group_id = group;
  r.generation_id = generation;
  r.member_id = member;
  r.assignments = std::move(assignments);
  c.sync_group(std::move(r), slot.callback());
  auto got = slot.wait();
  EXPECT_TRUE(got.has_value()) << "sync did not complete";
  return got.value_or(SyncResponse{ErrorCode::request_timed_out});
}

inline ErrorCode heartbeat(GroupCoordinator& c, const std::string& group, const std::string& member,
                           int32_t generation, std::optional<std::string> instance = std::nullopt) {
  return c.heartbeat({group, generation, member, std::move(instance)});
}

enum class Backend { posix, memory };

// An engine (LogManager) on either backend that can be closed and reopened on the same files.
class Engine {
 public:
  explicit Engine(Backend backend)
      : fs_(backend == Backend::posix ? fs::posix_file_system() : fs::memory_file_system()),
        dir_(backend == Backend::posix ? tmp_.path() + "/data" : "/data") {
    open();
  }
  storage::LogManager& logs() { return *logs_; }
  void open() {
    logs_.reset();
    auto m = storage::LogManager::open(fs_, dir_);
    ASSERT_TRUE(m) << m.error().to_string();
    logs_ = std::move(*m);
  }
  void close() {
    ASSERT_TRUE(logs_->close());
    logs_.reset();
  }
  void reopen() {
    close();
    open();
  }

 private:
  kafka_do::testing::TempDir tmp_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
  std::unique_ptr<storage::LogManager> logs_;
};

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::posix ? "posix" : "memory";
}

}  // namespace kafka_do::coordinator::testing
