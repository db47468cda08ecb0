#include "cli/output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "kafka_do/error.hpp"

namespace kafka_do::cli {

void Table::print(int indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string line;
  for (const auto& row : rows_) {
    line.assign(size_t(indent), ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    line += '\n';
    std::fputs(line.c_str(), stdout);
  }
}

void print_json(const kafka::Json& value) {
  const std::string text = value.dump(-1, ' ', false, kafka::Json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

Output::Output() { std::setvbuf(stdout, nullptr, _IOFBF, 1 << 20); }

void Output::write(std::string_view s) {
  if (!closed_ && std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) failed();
}

void Output::flush() {
  if (!closed_ && std::fflush(stdout) != 0) failed();
  if (!error_.empty()) throw kafka::Error(kafka::ErrorCode::unknown_server_error, error_);
}

void Output::failed() {
  closed_ = true;
  if (errno != EPIPE) error_ = std::string("writing to stdout: ") + std::strerror(errno);
}

}  // namespace kafka_do::cli
