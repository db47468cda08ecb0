// Fuzz target: one JSON text, read by both of the SDK's readers — the DOM parser behind
// Record::value() (detail::parse_json_text) and the in-place kafka::JsonView behind
// Record::json() — which share one tokenizer (src/client/json_scanner.hpp).
//
//  1. No input crashes, leaks or trips a sanitizer.
//  2. Both readers refuse the same texts: to_json() of the whole text throws exactly when
//     parse_json_text() does, and otherwise gives the same value.
//  3. Reading every part of an accepted text through the view's accessors (members by iteration
//     and by name, elements, scalars with get<T>()) rebuilds that value; reading every part of a
//     refused text throws SerializationError somewhere, and nothing else.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/json_text.hpp"
#include "fuzz/fuzz_check.hpp"
#include "kafka_do/error.hpp"
#include "kafka_do/json_view.hpp"
#include "support/json_documents.hpp"

namespace {

using kafka::Json;
using kafka::JsonView;

Json walk(const JsonView& v) {
  return kafka_do::test_support::walk_json_view(
      v, [](const std::string& what) { FUZZ_CHECK(false, what); }, 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bool refused = false;
  Json parsed;
  try {
    parsed = kafka::detail::parse_json_text(text);
  } catch (const kafka::detail::JsonTextError&) {
    refused = true;
  }
  bool view_refused = false;
  try {
    const Json viewed = JsonView(text).to_json();
    FUZZ_CHECK(!refused && viewed == parsed, "to_json() differs from parse_json_text()");
  } catch (const kafka::SerializationError&) {
    view_refused = true;
  }
  FUZZ_CHECK(view_refused == refused, "the readers disagree on whether the text is JSON");
  try {
    const Json walked = walk(JsonView(text));
    FUZZ_CHECK(!refused, "a refused text was read whole without an error");
    FUZZ_CHECK(walked == parsed, "reading every part gives another value");
  } catch (const kafka::SerializationError&) {
    FUZZ_CHECK(refused, "an accepted text threw while read");
  }
  return 0;
}
