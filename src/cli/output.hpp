#pragma once
// How kafkado prints: aligned tables for people, JSON for scripts (--json), and a buffered
// stdout that ends quietly when the reader goes away (`kafkado consume ... | head`).

#include <string>
#include <string_view>
#include <vector>

#include "kafka_do/json.hpp"

namespace kafka_do::cli {

// Columns separated by two spaces, each as wide as its widest cell; the header row first.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : rows_{std::move(headers)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Writes the table to stdout, `indent` spaces in.
  void print(int indent = 0) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// One JSON document on a line of stdout. Strings that are not UTF-8 (binary keys and values)
// print with U+FFFD in place of the bad bytes.
void print_json(const kafka::Json& value);

// Buffered stdout. A closed pipe ends output quietly: closed() turns true and writes are dropped.
class Output {
 public:
  Output();
  bool closed() const { return closed_; }
  void write(std::string_view s);
  // Throws kafka::Error when stdout failed for another reason than a closed pipe.
  void flush();

 private:
  void failed();
  bool closed_ = false;
  std::string error_;
};

}  // namespace kafka_do::cli
