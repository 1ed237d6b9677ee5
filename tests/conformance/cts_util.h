// The conformance suite's fixture and helpers: parameters from the backend table, opening the
// devices of a target, submitting and waiting with queue state in errors, guarded buffers, and
// loading the test kernels.
#pragma once

#include <fnmatch.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "amdhal/backend.h"
#include "amdhal/buffer.h"
#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/device.h"
#include "amdhal/kernel.h"
#include "amdhal/loaded_code_object.h"
#include "amdhal/queue.h"
#include "amdhal/registry.h"
#include "amdhal/signal.h"
#include "amdhal/status.h"
#include "cts_backends.h"

namespace amdhal::cts {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Assertion helpers.

/// Asserts that a Status is ok, printing it otherwise.
#define CTS_ASSERT_OK(expr)                                                    \
  do {                                                                         \
    const ::amdhal::Status cts_status_ = (expr);                               \
    ASSERT_TRUE(cts_status_.ok()) << #expr << ": " << cts_status_.to_string(); \
  } while (0)

#define CTS_EXPECT_OK(expr)                                                    \
  do {                                                                         \
    const ::amdhal::Status cts_status_ = (expr);                               \
    EXPECT_TRUE(cts_status_.ok()) << #expr << ": " << cts_status_.to_string(); \
  } while (0)

/// Asserts that an Expected holds a value and moves it into `lhs` (a declaration or a variable).
#define CTS_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  CTS_ASSERT_OK_AND_ASSIGN_IMPL_(AMDHAL_CONCAT_(cts_expected_, __LINE__), lhs, rexpr)
#define CTS_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, rexpr)                \
  auto tmp = (rexpr);                                                  \
  ASSERT_TRUE(tmp.ok()) << #rexpr << ": " << tmp.status().to_string(); \
  lhs = std::move(tmp).value()

// ---------------------------------------------------------------------------------------------
// Parameters.

/// One instantiation: a backend and one of its targets.
struct Param {
  const BackendEntry* backend = nullptr;
  Target target;
};

/// gtest prints a parameter as "kfd on sim:gfx942".
inline void PrintTo(const Param& p, std::ostream* os) {
  *os << p.backend->name << " on " << p.target.spec;
}

/// Every (backend, target) pair of the table whose target has at least `min_devices` devices.
inline std::vector<Param> params(uint32_t min_devices = 1) {
  std::vector<Param> out;
  for (const BackendEntry& b : kBackends) {
    for (const Target& t : b.targets) {
      if (t.devices >= min_devices) out.push_back({&b, t});
    }
  }
  return out;
}

/// "kfd_gfx942": test-name suffix of a parameter.
inline std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  std::string s =
      std::string(info.param.backend->name) + "_" + std::string(info.param.target.label);
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

/// The first row of `table` matching test "Suite.Case" on target `label`, or nullptr.
inline const Exception* find_exception(std::span<const Exception> table, const std::string& test,
                                       std::string_view label) {
  for (const Exception& e : table) {
    if (e.test.empty()) continue;
    const std::string tp(e.test), lp(e.target.empty() ? "*" : e.target);
    if (fnmatch(tp.c_str(), test.c_str(), 0) == 0 &&
        fnmatch(lp.c_str(), std::string(label).c_str(), 0) == 0) {
      return &e;
    }
  }
  return nullptr;
}

/// The plugins, loaded once per process.
inline Registry& registry() {
  static std::unique_ptr<Registry> r = Registry::load();
  return *r;
}

/// The ids Backend::open() takes for each device of `target`: the spec itself for one device;
/// "<spec>:<index>" selects one device of a multi-GPU system (docs/backends.md, "Simulated
/// devices").
inline std::vector<std::string> device_ids(const Target& target) {
  std::vector<std::string> ids;
  if (target.devices <= 1) {
    ids.emplace_back(target.spec);
    return ids;
  }
  for (uint32_t i = 0; i < target.devices; ++i) {
    ids.push_back(std::string(target.spec) + "#" + std::to_string(i));
  }
  return ids;
}

/// True if `s` is the simulator's report that the ISA interpreter is missing for `target`: the one
/// reason a dispatch case may skip instead of failing.
inline bool missing_interpreter(const Status& s, std::string_view target) {
  const std::string phrase = "ISA interpreter not available for " + std::string(target);
  const std::string& m = s.message();
  const size_t at = m.find(phrase);
  if (at == std::string::npos) return false;
  // "gfx942" must not be the prefix of a longer name ("gfx9420").
  const size_t end = at + phrase.size();
  return end == m.size() || !std::isalnum(static_cast<unsigned char>(m[end]));
}

/// Number of open file descriptors of this process.
inline size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

/// Reads a whole file.
inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

/// Path of a compiled test kernel: build/tests/kernels/<name>-<target>.hsaco.
inline std::string kernel_path(std::string_view name, std::string_view target) {
  return std::string(AMDHAL_KERNEL_DIR) + "/" + std::string(name) + "-" + std::string(target) +
         ".hsaco";
}

// ---------------------------------------------------------------------------------------------
// Waiting.

/// Waits until `signal` reaches `target`, in slices, stopping early if `queue` reports itself hung.
/// A failure carries the queue's state.
inline Status wait_signal(Signal& signal, uint64_t target, const Queue* queue,
                          std::chrono::milliseconds timeout = 10s) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto slice = std::clamp<std::chrono::milliseconds>(left, 1ms, 100ms);
    Status st = signal.wait(target, slice);
    if (st.ok()) return st;
    if (st.code() != StatusCode::kDeadlineExceeded) {
      return queue ? st.with_context(queue->state().description) : st;
    }
    if (queue) {
      const QueueState qs = queue->state();
      if (qs.hung) return aborted(st.message() + "; queue hung: " + qs.description);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      std::string m = "not done after " + std::to_string(ms.count()) + " ms: " + st.message();
      if (queue) m += "; " + queue->state().description;
      return Status(st.code(), m);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The fixture.

/// Base of every conformance case: opens the target's devices, skips cases the backend declares
/// unsupported, and checks declared expected failures.
class ConformanceTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string suite = info->test_suite_name();  // "Cts/Memory"
    std::string name = info->name();              // "AllocVram/kfd_gfx942"
    if (auto p = suite.find('/'); p != std::string::npos) suite = suite.substr(p + 1);
    if (auto p = name.find('/'); p != std::string::npos) name = name.substr(0, p);
    test_name_ = suite + "." + name;
    const Param& p = GetParam();
    if (const Exception* e = find_exception(p.backend->unsupported, test_name_, p.target.label)) {
      GTEST_SKIP() << "unsupported by backend " << p.backend->name << " on " << p.target.spec
                   << ": " << e->reason;
    }
    expected_failure_ = find_exception(p.backend->expected_failures, test_name_, p.target.label);
    if (expected_failure_) {
      intercepted_.emplace();
      interceptor_.emplace(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
          &*intercepted_);
    }
    fds_before_ = open_fd_count();
    auto backend = registry().backend(p.backend->name);
    ASSERT_TRUE(backend.ok()) << backend.status().to_string();
    backend_ = *backend;
    for (const std::string& id : device_ids(p.target)) {
      auto d = backend_->open(id);
      if (!d.ok() && d.status().code() == StatusCode::kUnavailable) {
        GTEST_SKIP() << p.backend->name << " cannot open " << id << ": " << d.status().message();
      }
      ASSERT_TRUE(d.ok()) << "open " << id << ": " << d.status().to_string();
      devices_.push_back(*d);
    }
  }

  void TearDown() override {
    if (interceptor_) {
      interceptor_.reset();
      int failures = 0;
      std::string first;
      for (int i = 0; i < intercepted_->size(); ++i) {
        const auto& r = intercepted_->GetTestPartResult(i);
        if (r.failed()) {
          if (failures++ == 0) first = r.message();
        }
      }
      if (failures == 0) {
        ADD_FAILURE() << "stale expected-failure entry: " << test_name_ << " passes on "
                      << GetParam().target.spec << "; remove it from the table ("
                      << expected_failure_->reason << ")";
      } else if (!expected_failure_->expect.empty() &&
                 first.find(expected_failure_->expect) == std::string::npos) {
        ADD_FAILURE() << test_name_ << " is an expected failure ('" << expected_failure_->expect
                      << "'), but failed differently: " << first;
      } else {
        std::cout << "[ XFAIL    ] " << test_name_ << " (" << expected_failure_->reason
                  << "): " << first.substr(0, first.find('\n')) << "\n";
      }
    }
  }

  Device& device(size_t i = 0) { return *devices_.at(i); }
  std::shared_ptr<Device> device_ptr(size_t i = 0) { return devices_.at(i); }
  size_t device_count() const { return devices_.size(); }
  std::string target() const { return devices_.empty() ? "" : devices_[0]->info().target; }
  Backend& backend() { return *backend_; }
  const std::string& test_name() const { return test_name_; }

  /// Runs `cb` on `queue` of device `dev`, appending a signal, and waits for it.
  Status run(Queue& queue, CommandBuffer cb, std::chrono::milliseconds timeout = 10s,
             size_t dev = 0) {
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> done, device(dev).create_signal(0));
    AMDHAL_RETURN_IF_ERROR(cb.signal(done, 1));
    AMDHAL_RETURN_IF_ERROR(queue.submit(cb));
    return wait_signal(*done, 1, &queue, timeout);
  }

  /// Drops every device reference (objects made from them may still hold them).
  void release_devices() { devices_.clear(); }

  std::shared_ptr<Backend> backend_;
  std::vector<std::shared_ptr<Device>> devices_;
  std::string test_name_;
  size_t fds_before_ = 0;

 private:
  const Exception* expected_failure_ = nullptr;
  std::optional<::testing::TestPartResultArray> intercepted_;
  std::optional<::testing::ScopedFakeTestPartResultReporter> interceptor_;
};

/// Skips with the simulator's message if `status` is its missing-ISA-interpreter report for the
/// device's target, and fails on any other error.
#define CTS_ASSERT_DISPATCHED(expr)                                                       \
  do {                                                                                    \
    const ::amdhal::Status cts_status_ = (expr);                                          \
    if (!cts_status_.ok() && ::amdhal::cts::missing_interpreter(cts_status_, target())) { \
      GTEST_SKIP() << cts_status_.message();                                              \
    }                                                                                     \
    ASSERT_TRUE(cts_status_.ok()) << #expr << ": " << cts_status_.to_string();            \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Data helpers.

/// Deterministic bytes (xorshift64*), different for each seed.
inline void fill_random(void* dst, size_t size, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  auto* p = static_cast<uint8_t*>(dst);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const uint64_t v = x * 0x2545F4914F6CDD1Dull;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < size; ++i) p[i] = static_cast<uint8_t>(x >> (8 * (i & 7)));
}

/// Index of the first byte that differs, or -1.
inline int64_t first_difference(const void* a, const void* b, size_t size) {
  if (std::memcmp(a, b, size) == 0) return -1;
  const auto* x = static_cast<const uint8_t*>(a);
  const auto* y = static_cast<const uint8_t*>(b);
  for (size_t i = 0; i < size; ++i) {
    if (x[i] != y[i]) return static_cast<int64_t>(i);
  }
  return -1;
}

/// Index of the first byte of [p, p+size) that is not `value`, or -1.
inline int64_t first_not(const void* p, size_t size, uint8_t value) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < size; ++i) {
    if (b[i] != value) return static_cast<int64_t>(i);
  }
  return -1;
}

template <typename T>
T* as(const std::shared_ptr<Buffer>& b, uint64_t byte_offset = 0) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(b->cpu_pointer()) + byte_offset);
}

}  // namespace amdhal::cts
