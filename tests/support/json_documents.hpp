#pragma once
// What the JSON tests share (tests/client/json_*_test.cpp, tests/fuzz/json_fuzzer.cpp): random
// documents, and the value a kafka::JsonView describes as read through its own accessors.

#include <random>
#include <string>

#include "kafka_do/json.hpp"
#include "kafka_do/json_view.hpp"

namespace kafka_do::test_support {

// A random document: nulls, booleans, integers, fractions, short ASCII strings (some with a
// multi-byte tail), and arrays and objects of them up to five levels deep.
inline kafka::Json random_json(std::mt19937& rng, int depth = 0) {
  switch (rng() % (depth > 3 ? 5 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return int64_t(rng()) - int64_t(rng());
    case 3:
      return double(int32_t(rng())) / 1024.0;
    case 4: {
      std::string s;
      for (size_t n = rng() % 12; n > 0; --n) s.push_back(char(rng() % 0x7F));
      if (rng() % 4 == 0) s += "\xc3\xa9\xf0\x9f\x98\x80";
      return s;
    }
    case 5: {
      kafka::Json a = kafka::Json::array();
      for (size_t n = rng() % 4; n > 0; --n) a.push_back(random_json(rng, depth + 1));
      return a;
    }
    default: {
      kafka::Json o = kafka::Json::object();
      for (size_t n = rng() % 4; n > 0; --n)
        o["k" + std::to_string(rng() % 10)] = random_json(rng, depth + 1);
      return o;
    }
  }
}

// The Json `v` describes, read through the view's accessors only: members by iteration (and,
// down to `lookup_depth`, again by name: the last duplicate wins), elements, scalars with
// get<T>(). `mismatch(what)` is called where two ways of reading disagree. Throws what the view
// throws (SerializationError for text that is not JSON).
template <class Mismatch>
kafka::Json walk_json_view(const kafka::JsonView& v, Mismatch&& mismatch, int lookup_depth = 8) {
  using Type = kafka::JsonView::Type;
  switch (v.type()) {
    case Type::missing:
      mismatch("a present value read as missing");
      return nullptr;
    case Type::null:
      return nullptr;
    case Type::boolean:
      return v.get<bool>();
    case Type::number: {
      const kafka::Json n = v.to_json();
      if (n.is_number_unsigned()) return v.get<uint64_t>();
      if (n.is_number_integer()) return v.get<int64_t>();
      if (v.get<double>() != n.get<double>()) mismatch("get<double>() of " + std::string(v.raw()));
      return n;
    }
    case Type::string:
      return v.get<std::string>();
    case Type::array: {
      kafka::Json a = kafka::Json::array();
      for (const kafka::JsonView& e : v.elements())
        a.push_back(walk_json_view(e, mismatch, lookup_depth - 1));
      if (v.size() != a.size()) mismatch("size() of an array");
      return a;
    }
    case Type::object: {
      kafka::Json o = kafka::Json::object();
      for (const auto& [name, value] : v.items())
        o[name] = walk_json_view(value, mismatch, lookup_depth - 1);
      if (lookup_depth > 0) {
        for (const auto& [name, value] : o.items()) {
          if (walk_json_view(v[name], mismatch, lookup_depth - 1) != value)
            mismatch("member '" + name + "' by name");
        }
      }
      return o;
    }
  }
  return nullptr;
}

}  // namespace kafka_do::test_support
