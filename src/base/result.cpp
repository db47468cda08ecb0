#include "base/result.hpp"

namespace kafka_do {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::ok:
      return "ok";
    case Errc::io_error:
      return "io error";
    case Errc::corruption:
      return "corruption";
    case Errc::not_found:
      return "not found";
    case Errc::already_exists:
      return "already exists";
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::locked:
      return "locked";
    case Errc::too_large:
      return "too large";
    case Errc::out_of_range:
      return "out of range";
    case Errc::closed:
      return "closed";
    case Errc::timeout:
      return "timeout";
    case Errc::unsupported:
      return "unsupported";
    case Errc::busy:
      return "busy";
    case Errc::out_of_sequence:
      return "out of sequence";
    case Errc::fenced:
      return "fenced";
    case Errc::invalid_record:
      return "invalid record";
  }
  return "unknown";
}

std::string Error::to_string() const { return std::string(errc_name(code_)) + ": " + message_; }

}  // namespace kafka_do
