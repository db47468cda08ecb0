#pragma once
// Reads lines from a file descriptor in large chunks: std::getline on std::cin costs several
// times more per line, which shows when producing millions of short records. Waits with poll()
// on the input and a stop descriptor, so a stop request interrupts a blocked read.

#include <functional>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kafka_do::cli {

class LineReader {
 public:
  enum class Event { line, end, stopped };

  // `stop_fd` (or -1) becomes readable when reading should stop.
  LineReader(int fd, int stop_fd);

  // Sets *line to the next line without its terminator ("\n" or "\r\n"); the view is valid until
  // the next call. A final line without a newline still counts. Before blocking for more input,
  // calls `before_wait` (the producer flushes its pending batches there, so interactive input
  // is appended promptly while piped input is still batched); its error is returned. After a
  // stop request, complete lines already read are still returned, then Event::stopped.
  Result<Event> next(std::string_view* line, const std::function<Status()>& before_wait);

  // 1-based number of the line returned last.
  uint64_t line_number() const { return line_number_; }

 private:
  // Reads more input into the buffer; returns false at end of input or on a stop request.
  Result<bool> fill(const std::function<Status()>& before_wait);

  int fd_;
  int stop_fd_;
  std::vector<char> buffer_;
  size_t begin_ = 0;    // first unread byte
  size_t end_ = 0;      // one past the last byte read
  size_t scanned_ = 0;  // bytes from begin_ already known to hold no newline
  bool eof_ = false;
  bool stopped_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace kafka_do::cli
