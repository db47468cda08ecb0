#pragma once
// Runs a program as a child process with bounded waits: the CLI tests must never hang on a
// misbehaving binary, and must never sleep a fixed time to wait for a condition.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kafka_do::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or the deadline
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct RunOptions {
  std::string input;                          // written to the child's stdin, then closed
  std::map<std::string, std::string> env;     // added to (or replacing in) the environment
  std::vector<std::string> unset_env;         // removed from the environment
  std::chrono::milliseconds timeout{60'000};  // the child is killed after this
};

// Runs `argv` (argv[0] is the program path) to completion.
RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// A child left running in the background; its stdout and stderr go to files. Killed (SIGKILL)
// and reaped on destruction if still running.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                    const std::string& stderr_path, const RunOptions& options = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits up to `timeout` for the child to exit; returns its exit code, -1 if killed by a signal
  // or -2 if it is still running at the deadline.
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace kafka_do::testing
