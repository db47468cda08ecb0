# The README's two commands: `make run` and `make test`. Everything else is a helper.
# Each target installs what is missing (scripts/install-deps is idempotent), configures once,
# and reuses one build directory per preset.
SHELL := /bin/bash
JOBS ?= 2
BUILD := build/release
KAFKADO := $(BUILD)/src/cli/kafkado
DATA ?= ./kafka-do-data

.PHONY: all deps test-deps configure build kafkado test test-asan fuzz soak run demo bench format clean

all: build

deps:
	@bash scripts/install-deps

# What only the tests need besides (Prometheus, Chromium).
test-deps:
	@bash scripts/install-deps --test

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake --preset release

build: configure
	cmake --build --preset release -j $(JOBS)

# Only the kafkado binary and the libraries it links: what `make run` and `make demo` need (the
# tests, benchmarks and examples take most of a full build).
kafkado: configure
	cmake --build --preset release -j $(JOBS) --target kafkado

test: test-deps build
	ctest --preset release -j $(JOBS)

test-asan: test-deps
	@test -f build/asan/CMakeCache.txt || cmake --preset asan-ubsan
	cmake --build --preset asan-ubsan -j $(JOBS)
	ctest --preset asan-ubsan -j $(JOBS)

# libFuzzer over the request decoder, the record-batch validator and the SASL exchange
# (tests/fuzz/README.md). Builds
# only the fuzz targets (clang, ASan+UBSan, build/fuzz), then runs each for FUZZ_SECONDS over a
# scratch copy of its seed corpus; a crash, leak, sanitizer report or failed check fails the target
# and leaves the input in build/fuzz/work/<fuzzer>/artifacts.
FUZZ_SECONDS ?= 60
FUZZERS := request_fuzzer record_batch_fuzzer sasl_fuzzer json_fuzzer
fuzz: deps
	@test -f build/fuzz/CMakeCache.txt || cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	@set -e; for f in $(FUZZERS); do \
	  work=build/fuzz/work/$$f; rm -rf $$work; mkdir -p $$work/corpus $$work/artifacts; \
	  cp tests/fuzz/corpus/$${f%_fuzzer}/* $$work/corpus/; \
	  echo "fuzz: $$f for $(FUZZ_SECONDS) s (log: $$work/log)"; \
	  if ! UBSAN_OPTIONS=print_stacktrace=1 build/fuzz/tests/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
	      -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$$work/artifacts/ \
	      $$work/corpus >$$work/log 2>&1; then \
	    grep -v '# Uses:' $$work/log | tail -n 40; \
	    echo "fuzz: $$f FAILED; the input is in $$work/artifacts/"; ls $$work/artifacts; exit 1; \
	  fi; \
	  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' $$work/log; \
	done

# The long versions of the crash tests that `make test` runs a few rounds of: SOAK_ROUNDS (50)
# SIGKILLs of a process that writes to and compacts a topic, each followed by recovery checks;
# then 25 SIGKILLs of an exactly-once consume-transform-produce worker (confluent-kafka-python),
# after which the output must hold every input record exactly once; then 25 SIGKILLs of a
# parallel consumer working through 1 M records (file: and kafka://): nothing lost, redelivery
# bounded by its in-flight limit, key order kept.
SOAK_ROUNDS ?= 50
soak: build
	KAFKA_DO_SOAK_ROUNDS=$(SOAK_ROUNDS) $(BUILD)/tests/recovery/recovery_test \
	  --gtest_filter='CompactionCrashTest.*'
	KAFKA_DO_SOAK_ROUNDS=25 /usr/bin/python3 tests/compat/eos_crash_test.py $(KAFKADO)
	KAFKA_DO_SOAK_ROUNDS=25 KAFKA_DO_PARALLEL_RECORDS=1000000 $(BUILD)/tests/sdk/sdk_test \
	  --gtest_filter='*ParallelConsumerTest.KilledAtRandomPoints*'
	KAFKA_DO_SOAK_ROUNDS=25 $(BUILD)/tests/sdk/sdk_test \
	  --gtest_filter='*StreamsTest.ExactlyOnceOutputsEveryCountOnceThroughKilledProcesses*'

# The main job: the Kafka-protocol broker on the embedded engine (Ctrl-C stops it cleanly).
run: kafkado
	$(KAFKADO) serve --data "$(DATA)"

# A guided tour of the engine through the kafkado CLI.
demo: kafkado
	@bash scripts/run-demo "$(KAFKADO)" "$(DATA)"

bench: build
	@bash scripts/run-bench "$(BUILD)"

format:
	@find include src tests bench examples tools -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf build
