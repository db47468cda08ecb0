#pragma once
// The SDK suite's fixture: one kafka::Client per test on the backend under test (memory:, a fresh
// file: directory, or kafka:// to a `kafkado serve` started for the test), and helpers that wait
// on conditions with deadlines (never fixed sleeps).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka_do/kafka.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::sdk_test {

using namespace std::chrono_literals;

enum class Backend { memory, file, kafka };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::memory:
      return "memory";
    case Backend::file:
      return "file";
    case Backend::kafka:
      return "kafka";
  }
  return "unknown";
}

// The kafkado binary: KAFKA_DO_KAFKADO, else the one CMake built along (tests/sdk/CMakeLists.txt).
inline std::string kafkado_binary() {
  if (const char* env = std::getenv("KAFKA_DO_KAFKADO")) return env;
#ifdef KAFKA_DO_KAFKADO_PATH
  return KAFKA_DO_KAFKADO_PATH;
#else
  return "kafkado";
#endif
}

// `kafkado serve` on a free loopback port with its own data directory; its output goes to
// `<dir>/broker.log` (printed when a test fails). Stopped with SIGTERM when destroyed.
class BrokerProcess {
 public:
  explicit BrokerProcess(const std::string& dir, const std::vector<std::string>& extra = {})
      : log_(dir + "/broker.log") {
    // Groups form at once (not after the broker's 3 s initial rebalance delay).
    std::vector<std::string> args = {kafkado_binary(),
                                     "serve",
                                     "--data",
                                     dir + "/broker-data",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--group-initial-rebalance-delay-ms",
                                     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;  // built before fork: the child only calls async-signal-safe functions
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    // The start line names the port: "kafkado serve: listening on 127.0.0.1:PORT (advertised ...".
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = log();
      if (auto at = text.find("listening on "); at != std::string::npos) {
        const auto end = text.find_first_of(" \n", at + 13);
        if (end != std::string::npos) {
          address_ = text.substr(at + 13, end - at - 13);
          return;
        }
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "kafkado serve did not start (" << kafkado_binary() << "):\n" << log();
  }
  ~BrokerProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "kafkado serve ignored SIGTERM for 10 s";
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // "127.0.0.1:PORT" (empty when the broker did not start).
  const std::string& address() const { return address_; }
  std::string url() const { return "kafka://" + address_; }
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  std::string address_;
};

class SdkTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kafka) {
      broker_ = std::make_unique<BrokerProcess>(tmp_.path());
      ASSERT_FALSE(broker_->address().empty());
    }
  }
  void TearDown() override {
    client_.reset();  // clients go before the broker they talk to
    if (broker_ && HasFailure()) std::cerr << "--- broker log:\n" << broker_->log();
    broker_.reset();
  }

  kafka::ClientOptions options() const {
    kafka::ClientOptions o;
    switch (GetParam()) {
      case Backend::memory:
        o.url = "memory:";
        break;
      case Backend::file:
        o.url = "file:" + tmp_.path() + "/data";
        break;
      case Backend::kafka:
        o.url = broker_->url();
        break;
    }
    return o;
  }
  kafka::Client& client() {
    if (!client_) client_ = std::make_unique<kafka::Client>(options());
    return *client_;
  }
  // Drops the client (and the engine, once nothing else holds it) and opens a new one on the
  // same data: a process restart, for the file backend; a new client of the same broker, for kafka.
  kafka::Client& reopen() {
    client_.reset();
    return client();
  }
  // Whether what a client wrote outlives it (file: the data directory; kafka: the broker).
  bool durable() const { return GetParam() != Backend::memory; }
  bool remote() const { return GetParam() == Backend::kafka; }

  testing::TempDir tmp_;
  std::unique_ptr<BrokerProcess> broker_;
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
