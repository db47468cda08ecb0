# The README's two commands: `make run` and `make test`. Everything else is a helper.
# Each target installs what is missing (scripts/install-deps is idempotent), configures once,
# and reuses one build directory per preset.
SHELL := /bin/bash
JOBS ?= 2
BUILD := build/release
KAFKADO := $(BUILD)/src/cli/kafkado
DATA ?= ./kafka-do-data

.PHONY: all deps configure build test test-asan run demo bench format clean

all: build

deps:
	@bash scripts/install-deps

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake --preset release

build: configure
	cmake --build --preset release -j $(JOBS)

test: build
	ctest --preset release -j $(JOBS)

test-asan: deps
	@test -f build/asan/CMakeCache.txt || cmake --preset asan-ubsan
	cmake --build --preset asan-ubsan -j $(JOBS)
	ctest --preset asan-ubsan -j $(JOBS)

# The main job: the Kafka-protocol broker on the embedded engine (Ctrl-C stops it cleanly).
run: build
	$(KAFKADO) serve --data "$(DATA)"

# A guided tour of the engine through the kafkado CLI.
demo: build
	@bash scripts/run-demo "$(KAFKADO)" "$(DATA)"

bench: build
	@bash scripts/run-bench "$(BUILD)"

format:
	@find include src tests bench examples tools -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf build
