// Checks shared by the ROCm-under-exec tests.
#pragma once

#include <string>

#include <gtest/gtest.h>

namespace amdhal::testing {

/// Lines a run must not print: the simulator's reports of something it does not provide
/// (a path, an ioctl, a DRM query).
inline void expect_no_gaps(const std::string& err) {
  EXPECT_EQ(err.find("not simulated"), std::string::npos) << err;
  EXPECT_EQ(err.find("unsupported"), std::string::npos) << err;
  EXPECT_EQ(err.find("is not a KFD ioctl"), std::string::npos) << err;
}

}  // namespace amdhal::testing

/// Skips the test when the HIP corpus program `path` was not built (no hipcc at configure time).
#define REQUIRE_HIP_PROGRAM(path) \
  if (std::string(path).empty())  \
  GTEST_SKIP() << "hipcc was not found when the build was configured (make deps installs it)"
