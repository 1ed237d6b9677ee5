# amdhal: top-level commands. `make run` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Every Debian 12 package the project needs to build, test and benchmark.
DEBIAN_PACKAGES := \
  build-essential cmake ninja-build pkg-config git \
  clang-19 lld-19 llvm-19 libclang-rt-19-dev clang-format \
  libboost-dev libboost-program-options-dev \
  libpciaccess-dev libdrm-dev libelf-dev zlib1g-dev libmsgpack-dev nlohmann-json3-dev libfmt-dev \
  libgtest-dev libgmock-dev googletest libbenchmark-dev \
  gnuplot-nox \
  rocminfo rocm-smi libhsa-runtime64-1 hipcc libamdhip64-dev libhsa-runtime-dev

.PHONY: all deps build run test test-asan test-tsan bench fuzz format clean

all: build

deps:
	@./scripts/install-deps.sh $(DEBIAN_PACKAGES)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./scripts/demo.sh $(BUILD)/bin/amdhal

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAMDHAL_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

# ThreadSanitizer over the simulator's tests (label "sim"): its engines run on their own threads.
# The virtual KFD's tests (SimKfd*) are left out: there the CPU and the simulated GPU reach the
# same buffer through two mappings of one memfd, and TSan cannot see synchronisation through
# aliased addresses, so it reports races that are not there.
test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMDHAL_SANITIZE_THREAD=ON -DAMDHAL_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --test-dir $(BUILD_TSAN) -L sim -E '^SimKfd' --output-on-failure -j $(JOBS)

# Runs every bench/ program (BENCH_MIN_TIME=0.2 s per benchmark, BENCH_FILTER=regex), keeps the JSON
# in $(BUILD)/bench/results/, and writes docs/performance.md and docs/bench/*.png (gnuplot).
bench: build
	./scripts/bench.sh $(BUILD)

# Rewrites docs/performance.md and the plots from the JSON of the last `make bench`.
.PHONY: bench-report
bench-report:
	python3 scripts/bench_report.py --build $(BUILD)

fuzz: deps
	./scripts/fuzz.sh $${FUZZ_SECONDS:-60}

format:
	git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN)
