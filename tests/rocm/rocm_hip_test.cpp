// HIP programs built by Debian's hipcc (--offload-arch=gfx90a) run unmodified under `amdhal exec`
// on the simulated gfx90a: each case of tests/rocm/hip/hip_corpus.hip checks its own results on
// the host and prints "PASS <case>". The run must also print none of the simulator's reports of
// something it does not provide. Skips (with the reason) when hipcc was not found at configure
// time; `make deps` installs it.
#include <gtest/gtest.h>

#include <string>

#include "support/run_command.h"

namespace {

using amdhal::testing::run_command;

struct HipCase {
  const char* name;
  const char* device;  ///< simulated system the case runs on
};

const HipCase kCases[] = {
    {"vector_add", "sim:gfx90a"},     {"reduction", "sim:gfx90a"},  {"atomics", "sim:gfx90a"},
    {"grids", "sim:gfx90a"},          {"wide_types", "sim:gfx90a"}, {"shuffle", "sim:gfx90a"},
    {"dynamic_shared", "sim:gfx90a"}, {"memcpy", "sim:gfx90a"},     {"streams", "sim:gfx90a"},
    {"peer", "sim:gfx90ax2"},
};

class HipCorpus : public ::testing::TestWithParam<HipCase> {};

TEST_P(HipCorpus, PassesUnderExecO3) {
  const std::string program = AMDHAL_HIP_CORPUS_O3;
  if (program.empty()) {
    GTEST_SKIP() << "hipcc was not found when the build was configured (make deps installs it)";
  }
  const HipCase& c = GetParam();
  auto r = run_command(std::string(AMDHAL_CLI) + " --device " + c.device + " exec -- '" + program +
                       "' " + c.name);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(std::string("PASS ") + c.name), std::string::npos) << r.out << r.err;
  // Nothing the runtime asked for was missing, nothing hung.
  EXPECT_EQ(r.err.find("not simulated"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("unsupported"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hung"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Rocm, HipCorpus, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<HipCase>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
