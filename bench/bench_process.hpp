#pragma once
// Child processes and loopback sockets for the benchmarks that start servers (broker_bench,
// scrape_bench): a server run as a child with its output in a log file and stopped however the
// bench ends, waiting for `kafkado serve` to listen, and the CPU and memory a process has used.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_support.hpp"

namespace kafka_do::bench {

// A stalled server or client fails the run instead of hanging it (and the smoke test's timeout).
inline constexpr std::chrono::seconds kStallLimit{30};

inline size_t proc_status_bytes(pid_t pid, const char* field) {
  return proc_status_bytes("/proc/" + std::to_string(pid) + "/status", field);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// CPU seconds (user + system) the process has used so far; 0 when it is gone.
inline double proc_cpu_seconds(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  // The command name, in parentheses, may hold spaces: fields are counted after its ')'.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // state is field 3; utime 14, stime 15
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

// What one phase cost: the CPU time of the client (this process, librdkafka's threads included)
// and of the server, each as a share of one core over the phase's timed seconds, which tells
// who was the bottleneck on a small machine; and the server's RSS after the phase.
struct PhaseUse {
  double client_cpu = 0;
  double server_cpu = 0;
  size_t server_rss = 0;
};

class PhaseMeter {
 public:
  explicit PhaseMeter(pid_t server)
      : server_(server),
        client_start_(proc_cpu_seconds(::getpid())),
        server_start_(proc_cpu_seconds(server)) {}
  PhaseUse finish(double phase_seconds) const {
    PhaseUse use;
    if (phase_seconds > 0) {
      use.client_cpu = (proc_cpu_seconds(::getpid()) - client_start_) / phase_seconds;
      use.server_cpu = (proc_cpu_seconds(server_) - server_start_) / phase_seconds;
    }
    use.server_rss = proc_status_bytes(server_, "VmRSS:");
    return use;
  }

 private:
  pid_t server_;
  double client_start_;
  double server_start_;
};

inline std::string tail(const std::string& text, size_t max_chars = 2000) {
  return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

// ---------------------------------------------------------------------------------------------
// Sockets and child processes.

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A socket bound to 127.0.0.1 on a port the kernel picks (stored in `port`), listening with
// `backlog` when that is above 0.
inline Fd bind_loopback(int& port, int backlog = 0) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (backlog > 0 && ::listen(fd.get(), backlog) != 0) ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    die(std::string("binding a loopback port: ") + std::strerror(errno));
  }
  port = ntohs(addr.sin_port);
  return fd;
}

// A loopback port nobody listens on right now. Redis has no "port 0" mode that reports the
// port it picked, so the port is chosen here; the gap until redis binds it is a few ms.
inline int free_port() {
  int port = 0;
  bind_loopback(port);
  return port;
}

inline Fd connect_loopback(int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(uint16_t(port));
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// One HTTP/1.1 GET over a fresh loopback connection; the body of a 200 answer, or the run dies.
inline std::string http_get(int port, const std::string& path) {
  Fd fd = connect_loopback(port);
  if (!fd) die("connect to the HTTP side on port " + std::to_string(port) + " failed");
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size()))
    die("GET " + path + ": send failed");
  std::string response;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("GET " + path + ": recv: " + std::strerror(errno));
    if (n == 0) break;  // Connection: close ends the body
    response.append(buf, size_t(n));
  }
  const size_t head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200", 0) != 0 || head_end == std::string::npos)
    die("GET " + path + ": " + response.substr(0, response.find("\r\n")));
  return response.substr(head_end + 4);
}

class ServerProcess;
// Servers still running; die() exits without unwinding, so an atexit handler stops these.
inline std::vector<ServerProcess*> g_running;

// A server run as a child process with stdout and stderr going to a log file. Stopped with
// SIGTERM (then SIGKILL if it does not exit in time) when stop() is called or it goes out of
// scope; it also gets SIGTERM if this process dies, so a crashed bench leaves no server behind.
class ServerProcess {
 public:
  ServerProcess(std::string name, const std::vector<std::string>& args, std::string log_path)
      : name_(std::move(name)), log_path_(std::move(log_path)) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) die("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
      // Only async-signal-safe calls from here on: the child of a fork.
      const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (log < 0 || null < 0 || ::dup2(null, 0) < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0)
        ::_exit(126);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(126);  // the bench died before prctl took effect
      ::execv(argv[0], argv.data());
      const char msg[] = "exec failed\n";
      [[maybe_unused]] auto ignored = ::write(2, msg, sizeof(msg) - 1);
      ::_exit(127);
    }
    g_running.push_back(this);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() { stop(); }

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  std::string log() const { return read_text(log_path_); }

  // True while the process has not exited; reaps it if it has.
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) finish(status);
    return !exited_;
  }

  // SIGTERM, then waits; returns false unless the server exited with status 0 by itself.
  bool stop() {
    if (!exited_ && running()) {
      ::kill(pid_, SIGTERM);
      const auto deadline = Clock::now() + kStallLimit;
      while (running() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!exited_) {
        std::fprintf(stderr, "%s (pid %d) did not stop within %llds of SIGTERM; killing it\n",
                     name_.c_str(), int(pid_),
                     static_cast<long long>(std::chrono::seconds(kStallLimit).count()));
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        finish(status);
        clean_ = false;
      }
    }
    return clean_;
  }

  std::string exit_description() const {
    if (WIFEXITED(status_)) return "exit status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return std::string("signal ") + strsignal(WTERMSIG(status_));
    return "unknown status";
  }

 private:
  void finish(int status) {
    exited_ = true;
    status_ = status;
    clean_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::erase(g_running, this);
  }

  std::string name_;
  std::string log_path_;
  pid_t pid_ = -1;
  bool exited_ = false;
  bool clean_ = false;
  int status_ = 0;
};
// Waits for `kafkado serve` to print "listening on HOST:PORT" and returns that address.
inline std::string wait_for_kafkado(ServerProcess& broker) {
  const auto deadline = Clock::now() + kStallLimit;
  while (Clock::now() < deadline) {
    const std::string log = broker.log();
    const size_t at = log.find("listening on ");
    if (at != std::string::npos) {
      const size_t start = at + std::strlen("listening on ");
      const size_t end = log.find_first_of(" \n,", start);
      if (end != std::string::npos) return log.substr(start, end - start);
    }
    if (!broker.running()) {
      die("kafkado serve exited (" + broker.exit_description() + ") before listening:\n" +
          tail(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  die("kafkado serve did not report listening within 30 s:\n" + tail(broker.log()));
}

// The console's address from the same start line ("console and /metrics on http://H:P/"), or
// "" when the broker runs without its HTTP side.
inline std::string kafkado_http_address(const ServerProcess& broker) {
  const std::string log = broker.log();
  const std::string marker = "on http://";
  const size_t at = log.find(marker);
  if (at == std::string::npos) return {};
  const size_t start = at + marker.size();
  const size_t end = log.find('/', start);
  return end == std::string::npos ? std::string() : log.substr(start, end - start);
}

inline std::string mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", double(bytes) / double(kMiB));
  return buf;
}

inline std::string default_kafkado() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "kafkado";
  return (self.parent_path() / ".." / "src" / "cli" / "kafkado").lexically_normal().string();
}

// A fresh directory under `parent` for one run's data. It is removed, after every server still
// running has been stopped, however the run ends (die() exits without unwinding).
inline std::string make_scratch_dir(const std::string& parent, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string pattern = parent + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    die("mkdtemp in " + parent + ": " + std::strerror(errno));
  static std::string cleanup_root;
  cleanup_root = pattern;
  std::atexit([] {
    while (!g_running.empty()) g_running.back()->stop();
    std::error_code e;
    std::filesystem::remove_all(cleanup_root, e);
  });
  return pattern;
}

}  // namespace kafka_do::bench
