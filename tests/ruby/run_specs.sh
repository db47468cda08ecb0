#!/usr/bin/env bash
# Runs the Ruby gem's specs (ruby/spec) on the library just built: first everything on the
# embedded engine (the Rails app's in a process of its own), then the brief's integration spec against a `kafkado serve` started here on a
# free loopback port. Usage: run_specs.sh LIBKAFKA_DO_C KAFKADO
set -euo pipefail
export KAFKA_DO_LIB=$(realpath "$1")
KAFKADO=$(realpath "$2")
cd "$(dirname "$0")/../../ruby"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafka-do-ruby-XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

rspec --format progress --exclude-pattern 'spec/rails/**/*_spec.rb' spec
# Rails changes core classes: its spec runs in a process of its own.
rspec --format progress spec/rails

: >"$WORK/server.log"
"$KAFKADO" serve --data "$WORK/data" --listen 127.0.0.1:0 --default-partitions 1 \
  --group-initial-rebalance-delay-ms 0 2>"$WORK/server.log" &
SERVER_PID=$!
PORT=
deadline=$((SECONDS + 10))
while [[ -z $PORT ]]; do
  PORT=$(sed -n 's/^kafkado serve: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/server.log")
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  ((SECONDS < deadline)) || { echo "kafkado serve did not start"; exit 1; }
  sleep 0.05
done
TEST_KAFKA_URL="kafka://127.0.0.1:$PORT" rspec --format progress --tag integration spec
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=

# The gem as users get it: built with `gem build`, installed with `gem install` into a GEM_HOME
# of its own, required through Bundler and used from outside the source tree (the library
# through KAFKA_DO_LIB).
GEM_WORK="$WORK/gem"
mkdir -p "$GEM_WORK/home"
(cd "$(pwd)" && gem build --silent kafka-do.gemspec --output "$GEM_WORK/kafka-do.gem" >/dev/null)
GEM_HOME="$GEM_WORK/home" gem install --local --no-document --silent "$GEM_WORK/kafka-do.gem"
# The brief's "Installation": its Gemfile line, resolved by Bundler from the installed gems.
mkdir -p "$GEM_WORK/app"
printf "# Gemfile\ngem 'kafka-do'\n" >"$GEM_WORK/app/Gemfile"
export BUNDLE_SILENCE_ROOT_WARNING=1 GEM_HOME="$GEM_WORK/home" GEM_PATH="$GEM_WORK/home:$(gem env gempath)"
(cd "$GEM_WORK/app" && bundle install --local --quiet)
(cd "$GEM_WORK/app" && KAFKA_DO_URL=memory: bundle exec ruby -e '
    require "kafka-do"
    abort "loaded from the source tree" if $LOADED_FEATURES.grep(%r{/ruby/lib/}).any?
    kafka = Kafka::Client.new
    kafka.producer("orders") { |p| p.send(order_id: "1") }
    r = kafka.consumer("orders", group: "g", offset: :earliest).first
    abort "got #{r.value.inspect}" unless r.value == { order_id: "1" }
    puts "installed gem: ok (#{Gem.loaded_specs["kafka-do"].full_gem_path})"')
