// `amdhal --backend am` copy, fill, dispatch and demo on simulated PCI functions: the bare-metal
// backend's own rings, run as a user runs them, checked through --json.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace {

using amdhal::testing::run_command;

const std::string kKernels = AMDHAL_KERNEL_DIR;

std::string cli(const std::string& args) {
  return std::string("env -u AMDHAL_PLUGIN_PATH -u AMDHAL_SIM_FAULT ") + AMDHAL_CLI +
         " --backend am " + args;
}

TEST(AmCliQueues, CopyOnEveryEngineAndDomain) {
  for (const char* device : {"sim:gfx942", "sim:gfx1100"}) {
    for (const char* engine : {"sdma", "compute", "aql"}) {
      SCOPED_TRACE(std::string(device) + " " + engine);
      auto r = run_command(cli(std::string("--device ") + device + " --json copy --size 1M " +
                               "--verify --from gtt --to vram --engine " + engine));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto j = nlohmann::json::parse(r.out);
      EXPECT_EQ(j["bytes"], 1048576);
      EXPECT_EQ(j["engine"], engine);
      EXPECT_EQ(j["verified"], true);
    }
  }
}

TEST(AmCliQueues, FillVerifies) {
  auto r =
      run_command(cli("--device sim:gfx942 --json fill --size 256K --pattern 0xdeadbeef "
                      "--verify --engine compute"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["bytes"], 262144);
  EXPECT_EQ(j["pattern"], 0xdeadbeefu);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["target"], "gfx942");
}

TEST(AmCliQueues, DispatchVectorAdd) {
  for (const char* target : {"gfx942", "gfx1100"}) {
    SCOPED_TRACE(target);
    auto r = run_command(cli(std::string("--device sim:") + target + " --json dispatch " +
                             kKernels + "/vector_add-" + target +
                             ".hsaco --kernel vector_add --grid 100 --block 64 "
                             "--arg buf:f32:100:iota --arg buf:f32:100:fill=0.5 "
                             "--arg buf:f32:100 --arg u32:100"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.contains("buffers")) << r.out;
    // c[i] = a[i] + b[i] = i + 0.5
    const auto& c = j["buffers"][2]["values"];
    ASSERT_GE(c.size(), 4u) << r.out;
    EXPECT_DOUBLE_EQ(c[0].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(c[3].get<double>(), 3.5);
  }
}

TEST(AmCliQueues, DemoRunsAndChecks) {
  auto r = run_command(cli("--device sim:gfx1100 demo"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("vector_add"), std::string::npos) << r.out;
}

TEST(AmCliQueues, ListShowsSimulatedFunctionsAndOpenErrorsAreOneLine) {
  auto r = run_command(cli("--json list"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sim:gfx942"), std::string::npos) << r.out;
  // A device index beyond the system: one line naming what exists.
  r = run_command(cli("--device sim:gfx942#3 fill --size 4K"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("has 1 device(s); there is no device 3"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

}  // namespace
