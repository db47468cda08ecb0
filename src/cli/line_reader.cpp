#include "cli/line_reader.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kafka_do::cli {
namespace {
constexpr size_t kChunk = 1 << 20;
}  // namespace

LineReader::LineReader(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd), buffer_(kChunk) {}

Result<LineReader::Event> LineReader::next(std::string_view* line,
                                           const std::function<Status()>& before_wait) {
  while (true) {
    const char* base = buffer_.data() + begin_;
    const size_t available = end_ - begin_;
    const void* nl = std::memchr(base + scanned_, '\n', available - scanned_);
    if (nl != nullptr || (eof_ && available > 0)) {
      size_t length = nl != nullptr ? size_t(static_cast<const char*>(nl) - base) : available;
      begin_ += nl != nullptr ? length + 1 : length;
      scanned_ = 0;
      if (length > 0 && base[length - 1] == '\r') --length;
      *line = std::string_view(base, length);
      ++line_number_;
      return Event::line;
    }
    scanned_ = available;
    if (eof_) return Event::end;
    KD_ASSIGN(bool more, fill(before_wait));
    if (!more) return stopped_ ? Event::stopped : Event::end;
  }
}

Result<bool> LineReader::fill(const std::function<Status()>& before_wait) {
  if (stopped_) return false;
  // Make room: move the partial line to the front, grow when one line fills the whole buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);

  bool waited = false;
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, waited ? -1 : 0);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Error(Errc::io_error, std::string("poll on input: ") + std::strerror(errno));
    }
    if (fds[1].revents != 0) {
      stopped_ = true;
      return false;
    }
    if (ready == 0) {
      // Nothing to read right now: a good moment for the caller to act on what it holds.
      if (before_wait) KD_TRY(before_wait());
      waited = true;
      continue;
    }
    const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Error(Errc::io_error, std::string("read from input: ") + std::strerror(errno));
    }
    if (n == 0) {
      eof_ = true;
      return end_ > begin_;
    }
    end_ += size_t(n);
    return true;
  }
}

}  // namespace kafka_do::cli
