#include "cli/stop_signal.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace kafka_do::cli {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

StopSignal::StopSignal() {
  if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::perror("kafkado: pipe");
    std::exit(1);
  }
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::thread([this] { watch(); });
}

StopSignal::~StopSignal() {
  exiting_.store(true, std::memory_order_release);
  // The watcher sits in sigwait(); a signal aimed at it alone is the way to wake it.
  pthread_kill(watcher_.native_handle(), SIGTERM);
  watcher_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void StopSignal::on_stop(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (requested()) {
    fn();
    return;
  }
  callback_ = std::move(fn);
}

void StopSignal::on_reload(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  reload_ = std::move(fn);
}

void StopSignal::watch() {
  const sigset_t set = stop_signals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (exiting_.load(std::memory_order_acquire)) return;
    if (sig == SIGHUP) {
      std::function<void()> reload;
      {
        std::lock_guard lock(mu_);
        reload = reload_;
      }
      if (reload) {
        reload();
        continue;
      }
    }
    if (requested()) {
      // The user insists; whatever was appended is already safe in the log.
      static constexpr char kMessage[] = "kafkado: interrupted again, exiting now\n";
      [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
      std::_Exit(130);
    }
    std::function<void()> callback;
    {
      std::lock_guard lock(mu_);
      requested_.store(true, std::memory_order_release);
      callback = callback_;
    }
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(pipe_[1], &byte, 1);
    if (callback) callback();
  }
}

}  // namespace kafka_do::cli
