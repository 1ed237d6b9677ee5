// `amdhal bringup` and `amdhal regs` on the simulated PCI function, run as a user would.
#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace {

using amdhal::testing::run_command;

std::string cli() {
  return AMDHAL_CLI;
}

TEST(AmCli, BringupJsonListsTheSteps) {
  auto r = run_command(cli() + " --backend am --device sim:gfx942 bringup --json");
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j["steps"].is_array());
  std::vector<std::string> names;
  for (const auto& s : j["steps"]) {
    names.push_back(s["name"]);
    EXPECT_TRUE(s.contains("status"));
    EXPECT_TRUE(s.contains("duration_ns"));
    EXPECT_TRUE(s.contains("detail"));
  }
  ASSERT_GE(names.size(), 6u);
  EXPECT_EQ(names[0], "identify");
  EXPECT_EQ(names[4], "IP discovery");
  EXPECT_EQ(j["steps"][4]["status"], "ok");
  // GMC, IH, PSP and SMU succeed on the simulator, with the build's test firmware by default.
  ASSERT_GE(names.size(), 9u);
  EXPECT_EQ(names[8], "SMU handshake");
  for (int i = 5; i <= 8; ++i) EXPECT_EQ(j["steps"][i]["status"], "ok") << names[i] << r.out;
  EXPECT_NE(j["firmware_dir"].get<std::string>().find("firmware/gfx942/amdgpu"), std::string::npos);
  EXPECT_NE(j["steps"][7]["detail"].get<std::string>().find("gc_9_4_3_mec.bin"), std::string::npos);
  EXPECT_EQ(j["target"], "gfx942");
}

TEST(AmCli, BringupFaultsAndMissingFirmwareAreOneLineErrors) {
  auto r = run_command(cli() + " --backend am --device sim:gfx942,fault=psp-reject bringup");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("[ok  ] SMU handshake"), std::string::npos);  // never reached
  EXPECT_NE(r.out.find("[FAIL] PSP firmware load"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("gc_9_4_3_mec.bin (GFX_FW_TYPE_CP_MEC) rejected by the PSP"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = run_command(cli() +
                  " --backend am --device sim:gfx1100 bringup --firmware-dir /nonexistent/fw");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing firmware in /nonexistent/fw: psp_13_0_0_sos.bin, "
                       "gc_11_0_0_pfp.bin"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("smu_13_0_0.bin"), std::string::npos);
  r = run_command(cli() + " --backend am --device sim:gfx1100,fault=smu-noresponse bringup");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("[ok  ] PSP firmware load"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("MP1.MP1_SMN_C2PMSG_90"), std::string::npos) << r.err;
}

TEST(AmCli, BringupTextShowsDurationsAndRefusesBoundDevice) {
  auto r = run_command(cli() + " --backend am --device sim:gfx1100,bound=amdgpu bringup");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("driver binding"), std::string::npos);
  EXPECT_NE(r.err.find("bound to kernel driver 'amdgpu'"), std::string::npos);
  r = run_command(cli() + " --backend am --device sim:gfx1100,bound=amdgpu bringup --force-unbind");
  EXPECT_NE(r.out.find("unbound kernel driver 'amdgpu'"), std::string::npos);
  EXPECT_NE(r.out.find("IP discovery"), std::string::npos);
}

TEST(AmCli, RegsWriteReadsBackAndListShowsSources) {
  auto r = run_command(
      cli() + " --backend am --device sim:gfx942 --json regs write GC.SCRATCH_REG0 0x1234");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["registers"][0]["value"], 0x1234);
  r = run_command(cli() + " --backend am --device sim:gfx942 regs read RCC_CONFIG_MEMSIZE");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0x00000200"), std::string::npos);  // 512 MiB
  r = run_command(cli() + " --backend am --device sim:gfx942 regs list MP1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("MP1_SMN_C2PMSG_90"), std::string::npos);
  r = run_command(cli() + " --backend am --device sim:gfx942 regs read NOPE");
  EXPECT_EQ(r.exit_code, 1);
  r = run_command(cli() + " --backend am --device sim:gfx942 regs frob");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
