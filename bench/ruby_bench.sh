#!/usr/bin/env bash
# The Ruby gem against the C++ SDK it binds, same workload, same run (`make bench` runs it):
# N JSON orders produced, then consumed and read, on memory: (no disk in either, so the figures
# are the bindings' cost). Prints records/s for both and the gem's share of the C++ rate.
# Usage: bench/ruby_bench.sh BUILD_DIR [N]
set -euo pipefail
build=$(realpath "${1:-build/release}")
n=${2:-100000}
here=$(dirname "$(realpath "$0")")
export KAFKA_DO_LIB="$build/src/capi/libkafka_do_c.so"
cxx=$("$build/bench/ruby_reference_bench" "$n" memory:)
rb=$(ruby "$here/ruby_bench.rb" "$n" memory:)
echo "ruby gem vs C++ SDK, $n JSON orders on memory: (records/s)"
for phase in produce consume; do
  c=$(awk -v p=$phase '$1 == p {print $2 / $3}' <<<"$cxx")
  r=$(awk -v p=$phase '$1 == p {print $2 / $3}' <<<"$rb")
  awk -v p=$phase -v c="$c" -v r="$r" \
    'BEGIN {printf "  %-8s C++ %10.0f   Ruby %10.0f   Ruby/C++ %.2f\n", p, c, r, r / c}'
done
