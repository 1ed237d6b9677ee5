// `amdhal exec` and the interposer: Debian's unmodified rocminfo on sim:gfx90a / sim:gfx90ax2,
// the refusal of targets ROCm 5.2.3 does not know, exit-status pass-through, dormancy for
// programs that touch no GPU path, --log ioctl, and the one-line report for a missing file.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "amdhal/family.h"
#include "rocm_checks.h"
#include "support/run_command.h"

namespace {

using amdhal::testing::expect_no_gaps;
using amdhal::testing::run_command;

const std::string kCli = AMDHAL_CLI;

bool have_tool(const std::string& name) {
  return run_command("command -v " + name).exit_code == 0;
}

#define REQUIRE_TOOL(name) \
  if (!have_tool(name)) GTEST_SKIP() << name << " is not installed (make deps installs it)"

/// One "Agent N" block of rocminfo's output, as key → value of its first-level lines.
struct Agent {
  std::string text;
  std::string field(const std::string& key) const {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const std::string prefix = "  " + key + ":";
      if (line.rfind(prefix, 0) == 0) {
        std::string v = line.substr(prefix.size());
        v.erase(0, v.find_first_not_of(' '));
        v.erase(v.find_last_not_of(' ') + 1);
        return v;
      }
    }
    return "";
  }
};

std::vector<Agent> agents(const std::string& out) {
  std::vector<Agent> res;
  const std::regex header(R"(\*+\s*\nAgent \d+\s*\n\*+\s*\n)");
  std::sregex_iterator it(out.begin(), out.end(), header), end;
  std::vector<std::pair<size_t, size_t>> spans;
  for (; it != end; ++it) spans.emplace_back(it->position(), it->position() + it->length());
  for (size_t i = 0; i < spans.size(); ++i) {
    const size_t stop = i + 1 < spans.size() ? spans[i + 1].first : out.size();
    res.push_back(Agent{out.substr(spans[i].second, stop - spans[i].second)});
  }
  return res;
}

std::vector<Agent> gpu_agents(const std::string& out) {
  std::vector<Agent> res;
  for (auto& a : agents(out)) {
    if (a.field("Device Type") == "GPU") res.push_back(a);
  }
  return res;
}

TEST(RocmExec, RocminfoShowsOneGfx90aAgentMatchingTheRegistry) {
  REQUIRE_TOOL("rocminfo");
  auto fam = amdhal::find_family("gfx90a");
  ASSERT_TRUE(fam.ok());
  // vram= sets the simulated VRAM heap, which ROCr reports as the GPU's global pool.
  auto r = run_command(kCli + " --device sim:gfx90a,vram=4G exec -- rocminfo");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_no_gaps(r.err);
  EXPECT_NE(r.out.find("ROCk module is loaded"), std::string::npos);
  const auto gpus = gpu_agents(r.out);
  ASSERT_EQ(gpus.size(), 1u) << r.out;
  const Agent& g = gpus[0];
  EXPECT_EQ(g.field("Name"), "gfx90a");
  EXPECT_EQ(g.field("Marketing Name"), std::string((*fam)->reference_part));
  EXPECT_EQ(g.field("Compute Unit"), std::to_string((*fam)->compute_units));
  EXPECT_EQ(g.field("SIMDs per CU"), "4");
  EXPECT_EQ(g.field("Wavefront Size"),
            fmt::format("{}(0x{:x})", (*fam)->default_wave_size, (*fam)->default_wave_size));
  EXPECT_EQ(g.field("Chip ID"),
            fmt::format("{}(0x{:x})", (*fam)->pci_device_ids[0], (*fam)->pci_device_ids[0]));
  // Pools: VRAM (coarse grained, the heap size) and the group segment (LDS of the registry).
  EXPECT_NE(g.text.find("Size:                    4194304(0x400000) KB"), std::string::npos)
      << g.text;
  const uint32_t lds_kb = (*fam)->lds_bytes / 1024;
  EXPECT_NE(g.text.find(fmt::format("Segment:                 GROUP                              \n"
                                    "      Size:                    {}(0x{:x}) KB",
                                    lds_kb, lds_kb)),
            std::string::npos)
      << g.text;
  EXPECT_NE(g.text.find("amdgcn-amd-amdhsa--gfx90a:sramecc+:xnack-"), std::string::npos);
  EXPECT_NE(g.text.find("L2:                      8192(0x2000) KB"), std::string::npos);
}

TEST(RocmExec, RocminfoShowsOneAgentPerSimulatedGpu) {
  REQUIRE_TOOL("rocminfo");
  auto r = run_command(kCli + " --device sim:gfx90ax2 exec -- rocminfo");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_no_gaps(r.err);
  const auto gpus = gpu_agents(r.out);
  ASSERT_EQ(gpus.size(), 2u) << r.out;
  for (const auto& g : gpus) EXPECT_EQ(g.field("Name"), "gfx90a");
  EXPECT_NE(gpus[0].field("BDFID"), gpus[1].field("BDFID"));
  EXPECT_NE(gpus[0].field("Uuid"), gpus[1].field("Uuid"));
}

TEST(RocmExec, WorksWithoutTheCliThroughEnvironmentVariables) {
  REQUIRE_TOOL("rocminfo");
  auto r = run_command(
      fmt::format("LD_PRELOAD={} AMDHAL_EXEC_DEVICE=sim:gfx90ax2 AMDHAL_EXEC_LOG=ioctl rocminfo",
                  AMDHAL_INTERPOSE_LIB));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(gpu_agents(r.out).size(), 2u);
  // --log ioctl: every ioctl with its name, arguments and result.
  EXPECT_NE(r.err.find("AMDKFD_IOC_GET_VERSION 0x80084b01) -> version 1."), std::string::npos)
      << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(AMDKFD_IOC_ACQUIRE_VM 0x40084b15\) drm_fd=\d+ gpu_id=0x[0-9a-f]+ = 0)")))
      << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU .* flags=0x94000010 .* = 0)")))
      << r.err;
  EXPECT_NE(r.err.find("DRM_IOCTL_AMDGPU_INFO 0x40206445) query=0x16 size=368 = 0"),
            std::string::npos);
}

TEST(RocmExec, RocmSmiShowsVramAndUse) {
  REQUIRE_TOOL("rocm-smi");
  auto r = run_command(
      kCli + " --device sim:gfx90ax2,vram=4G exec -- rocm-smi --showmeminfo vram --showuse");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_no_gaps(r.err);
  for (int gpu = 0; gpu < 2; ++gpu) {
    EXPECT_NE(r.out.find(fmt::format("GPU[{}]\t\t: VRAM Total Memory (B): 4294967296", gpu)),
              std::string::npos)
        << r.out;
    // rocm-smi allocates nothing, so this process's VRAM use is 0, and no queue is busy.
    EXPECT_NE(r.out.find(fmt::format("GPU[{}]\t\t: VRAM Total Used Memory (B): 0", gpu)),
              std::string::npos);
    EXPECT_NE(r.out.find(fmt::format("GPU[{}]\t\t: GPU use (%): 0", gpu)), std::string::npos);
    EXPECT_NE(r.out.find(fmt::format("GPU[{}]\t\t: GFX Activity: 0", gpu)), std::string::npos);
  }
}

TEST(RocmExec, BadDeviceVariableIsReportedAndTheGpuIsAbsent) {
  REQUIRE_TOOL("rocminfo");
  auto r = run_command(
      fmt::format("LD_PRELOAD={} AMDHAL_EXEC_DEVICE=sim:gfx9999 rocminfo", AMDHAL_INTERPOSE_LIB));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("amdhal-exec: AMDHAL_EXEC_DEVICE=sim:gfx9999: "), std::string::npos)
      << r.err;
  EXPECT_EQ(gpu_agents(r.out).size(), 0u);
}

TEST(RocmExec, ChildProcessesSeeTheAmdgpuModule) {
  REQUIRE_TOOL("lsmod");
  auto r = run_command(
      kCli + " exec -- sh -c 'lsmod | grep -c \"^amdgpu \"; cat /sys/module/amdgpu/initstate'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\nlive\n");
}

TEST(RocmExec, RefusesTargetsRocm523DoesNotKnowBeforeStarting) {
  for (const char* target : {"sim:gfx942", "sim:gfx1100x2"}) {
    auto r = run_command(kCli + " --device " + target + " exec -- sh -c 'echo started'");
    EXPECT_EQ(r.exit_code, 2) << target;
    EXPECT_EQ(r.out, "") << target;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("not supported by the installed ROCm 5.2.3"), std::string::npos) << r.err;
  }
  auto bad = run_command(kCli + " --device sim:gfx9999 exec -- true");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("gfx9999"), std::string::npos);
  auto none = run_command(kCli + " exec");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no program"), std::string::npos);
}

TEST(RocmExec, PassesTheProgramsExitStatusThrough) {
  EXPECT_EQ(run_command(kCli + " exec -- sh -c 'exit 7'").exit_code, 7);
  EXPECT_EQ(run_command(kCli + " exec -- true").exit_code, 0);
  EXPECT_EQ(run_command(kCli + " exec -- sh -c 'kill -TERM $$'").exit_code, 128 + 15);
  auto missing = run_command(kCli + " exec -- /nonexistent/program");
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("cannot run '/nonexistent/program'"), std::string::npos);
  // Arguments after -- are the program's, even when they look like amdhal options.
  auto args = run_command(kCli + " exec -- sh -c 'echo \"$@\"' sh --help --device x");
  EXPECT_EQ(args.exit_code, 0);
  EXPECT_EQ(args.out, "--help --device x\n");
}

TEST(RocmExec, AppendsToAnExistingPreloadAndSetsTheVariables) {
  auto r = run_command("LD_PRELOAD=libm.so.6 " + kCli +
                       " --device sim:gfx90ax2 exec --log ioctl -- sh -c 'echo \"$LD_PRELOAD "
                       "$AMDHAL_EXEC_DEVICE $AMDHAL_EXEC_LOG\"'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("libm.so.6:/")) << r.out;
  EXPECT_NE(r.out.find("/libamdhal_interpose.so sim:gfx90ax2 ioctl\n"), std::string::npos) << r.out;
  auto bad = run_command(kCli + " exec --log bogus -- true");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown item 'bogus'"), std::string::npos);
}

TEST(RocmExec, DormantForProgramsThatTouchNoGpuPath) {
  const std::string cmd = "cat /etc/hostname; ls -d /dev/null /proc/self; stat -c %F /dev/null";
  const auto plain = run_command(cmd);
  // With TMPDIR unusable, creating the interposer's private directory would fail with a line on
  // stderr: an empty stderr shows the library stayed dormant.
  const auto wrapped =
      run_command(kCli + " exec -- env TMPDIR=/nonexistent/dir sh -c '" + cmd + "'");
  EXPECT_EQ(wrapped.exit_code, plain.exit_code);
  EXPECT_EQ(wrapped.out, plain.out);
  EXPECT_EQ(wrapped.err, "");
  // The same setting does make a GPU path fail visibly, so the check above can fail.
  const auto touched =
      run_command(kCli + " exec -- env TMPDIR=/nonexistent/dir cat /sys/module/amdgpu/initstate");
  EXPECT_NE(touched.exit_code, 0);
  EXPECT_NE(touched.err.find("amdhal-exec: cannot create /nonexistent/dir/amdhal-exec-"),
            std::string::npos)
      << touched.err;
}

TEST(RocmExec, MissingClaimedFileIsReportedInOneLine) {
  auto r = run_command(kCli + " exec -- cat /sys/module/amdgpu/no_such_attribute");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("amdhal-exec: unsupported path /sys/module/amdgpu/no_such_attribute: "
                       "ENOENT"),
            std::string::npos)
      << r.err;
}

}  // namespace
