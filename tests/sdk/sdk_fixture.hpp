#pragma once
// The SDK suite's fixture: one kafka::Client per test on the backend under test (memory: or a
// fresh file: directory), and helpers that wait on conditions with deadlines (never fixed sleeps).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kafka_do/kafka.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::sdk_test {

using namespace std::chrono_literals;

enum class Backend { memory, file };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::memory ? "memory" : "file";
}

class SdkTest : public ::testing::TestWithParam<Backend> {
 protected:
  kafka::ClientOptions options() const {
    kafka::ClientOptions o;
    o.url = GetParam() == Backend::memory ? "memory:" : "file:" + tmp_.path() + "/data";
    return o;
  }
  kafka::Client& client() {
    if (!client_) client_ = std::make_unique<kafka::Client>(options());
    return *client_;
  }
  // Drops the client (and the engine, once nothing else holds it) and opens a new one on the
  // same data: a process restart, for the file backend.
  kafka::Client& reopen() {
    client_.reset();
    return client();
  }
  bool durable() const { return GetParam() == Backend::file; }

  testing::TempDir tmp_;
  std::unique_ptr<kafka::Client> client_;
};

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

}  // namespace kafka_do::sdk_test
