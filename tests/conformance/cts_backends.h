// The conformance suite's backend table: which backends the suite runs on, on which devices, and
// what each backend does not support (and why). Adding a backend is one row of kBackends.
//
// The pattern is IREE's HAL CTS (runtime/src/iree/hal/cts): the suite is written once against the
// public API; each backend lists the cases it cannot run with a reason (reported as a skip), and
// cases it is known to fail (run anyway: a pass is reported as a stale entry to remove).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace amdhal::cts {

/// One device spec a backend is tested on.
struct Target {
  std::string_view spec;   ///< what Backend::open() takes: "sim:gfx942", "sim:gfx942x4"
  std::string_view label;  ///< part of the test name: "gfx942", "gfx942x4"
  uint32_t devices = 1;    ///< devices in the system (the first is the one single-GPU cases use)
};

/// A case a backend does not run, or runs expecting a failure.
struct Exception {
  std::string_view test;    ///< "Suite.Case" glob (fnmatch), e.g. "Dispatch.*"
  std::string_view target;  ///< target label glob, "*" for every target
  std::string_view reason;  ///< shown in the skip message / the failure note
  /// Expected failures only: text the first failure message must contain, so a case that starts
  /// failing in some other way is reported instead of absorbed. Empty: any failure.
  std::string_view expect = {};
};

/// One backend under test.
struct BackendEntry {
  std::string_view name;                         ///< Registry backend name
  std::span<const Target> targets;               ///< devices the suite opens
  std::span<const Exception> unsupported;        ///< skipped with the reason
  std::span<const Exception> expected_failures;  ///< run; must fail, or the entry is stale
};

/// The simulated systems every backend is tested on.
inline constexpr Target kSimTargets[] = {
    {"sim:gfx942", "gfx942", 1},
    {"sim:gfx1100", "gfx1100", 1},
    {"sim:gfx942x4", "gfx942x4", 4},
};

/// Empty tables hold one placeholder row (empty patterns never match).
inline constexpr Exception kNone[] = {{"", "", ""}};

/// The kfd backend implements every verb on every simulated target: nothing is unsupported.
inline constexpr Exception kKfdUnsupported[] = {{"", "", ""}};
/// Known kfd failures: none today. A row here is still run; when it starts passing the suite
/// says so, and the row must go.
inline constexpr Exception kKfdExpectedFailures[] = {{"", "", ""}};

/// What the bare-metal backend cannot run yet, and why (docs/backends.md "am backend").
inline constexpr Exception kAmUnsupported[] = {
    {"FaultInjection.EveryIoctlFailsCleanly", "*",
     "injects KFD ioctl faults, which am never issues; its faults are sim/pci's fault=NAME "
     "(tests/unit/am_*_test.cpp)"},
    {"FaultInjection.LaterCallsFailCleanly", "*",
     "injects KFD ioctl faults, which am never issues; its faults are sim/pci's fault=NAME "
     "(tests/unit/am_*_test.cpp)"},
};

/// Every backend the suite runs on.
inline constexpr BackendEntry kBackends[] = {
    {"kfd", kSimTargets, kKfdUnsupported, kKfdExpectedFailures},
    {"am", kSimTargets, kAmUnsupported, kNone},
};

}  // namespace amdhal::cts
