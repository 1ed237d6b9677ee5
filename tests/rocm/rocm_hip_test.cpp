// HIP programs built by Debian's hipcc (--offload-arch=gfx90a) run unmodified under `amdhal exec`
// on the simulated gfx90a: each case of tests/rocm/hip/hip_corpus.hip checks its own results on
// the host and prints "PASS <case>". The run must also print none of the simulator's reports of
// something it does not provide. Skips (with the reason) when hipcc was not found at configure
// time; `make deps` installs it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "rocm_checks.h"
#include "support/run_command.h"

namespace {

using amdhal::testing::expect_no_gaps;
using amdhal::testing::run_command;

struct HipCase {
  const char* name;
  const char* device;  ///< simulated system the case runs on
};

const HipCase kCases[] = {
    {"vector_add", "sim:gfx90a"},     {"reduction", "sim:gfx90a"},  {"atomics", "sim:gfx90a"},
    {"grids", "sim:gfx90a"},          {"wide_types", "sim:gfx90a"}, {"shuffle", "sim:gfx90a"},
    {"dynamic_shared", "sim:gfx90a"}, {"memcpy", "sim:gfx90a"},     {"streams", "sim:gfx90a"},
    {"peer", "sim:gfx90ax2"},         {"memcpy_2d", "sim:gfx90a"},
};

/// One case of the corpus, built at one optimisation level.
class HipCorpus : public ::testing::TestWithParam<std::tuple<HipCase, const char*>> {};

TEST_P(HipCorpus, PassesUnderExec) {
  const auto& [c, opt] = GetParam();
  const std::string program =
      std::string(opt) == "O0" ? AMDHAL_HIP_CORPUS_O0 : AMDHAL_HIP_CORPUS_O3;
  REQUIRE_HIP_PROGRAM(program);
  auto r = run_command("timeout 120 " + std::string(AMDHAL_CLI) + " --device " + c.device +
                       " exec -- '" + program + "' " + c.name);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(std::string("PASS ") + c.name), std::string::npos) << r.out << r.err;
  // Nothing the runtime asked for was missing, nothing hung.
  expect_no_gaps(r.err);
  EXPECT_EQ(r.err.find("hung"), std::string::npos) << r.err;
}

/// Runs a corpus case (-O3 build) that must end the program with an error, under `timeout 60`,
/// and checks what every such case must show: a non-zero status that is not the timeout's (the
/// program ended by itself), and no "FAIL" line (the host never got control back).
amdhal::testing::CommandResult run_failing_case(const std::string& exec_options,
                                                const std::string& name) {
  auto r = run_command("timeout 60 " + std::string(AMDHAL_CLI) + " --device sim:gfx90a exec " +
                       exec_options + " -- '" + std::string(AMDHAL_HIP_CORPUS_O3) + "' " + name);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.exit_code, 124) << "the program hung:\n" << r.out << r.err;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  return r;
}

#define REQUIRE_HIP_CORPUS() REQUIRE_HIP_PROGRAM(AMDHAL_HIP_CORPUS_O3)

TEST(HipFaults, UnmappedStoreEndsTheProgramWithBothReports) {
  // The simulator's decoded fault report, then ROCr's own report of the GPU memory fault (from
  // the KFD memory event), then the program ends: nothing hangs.
  REQUIRE_HIP_CORPUS();
  auto r = run_failing_case("", "fault_unmapped");
  EXPECT_NE(r.err.find("VM fault: write to 0x1000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("by global_store_dword"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Memory access fault by GPU"), std::string::npos) << r.err;
}

TEST(HipFaults, AnAbortedProgramLeavesNoPrivateDirectories) {
  // ROCr ends a faulting program with abort(), before the interposer's and the virtual KFD's
  // clean-up runs; `amdhal exec` removes their $TMPDIR/amdhal-exec-<pid>-* / amdhal-vkfd-<pid>-*.
  REQUIRE_HIP_CORPUS();
  const std::filesystem::path tmp =
      std::filesystem::path(::testing::TempDir()) / "hip_abort_tmpdir";
  std::filesystem::remove_all(tmp);
  std::filesystem::create_directories(tmp);
  auto r = run_command("TMPDIR='" + tmp.string() + "' timeout 60 " + std::string(AMDHAL_CLI) +
                       " --device sim:gfx90a exec -- '" + std::string(AMDHAL_HIP_CORPUS_O3) +
                       "' fault_unmapped");
  EXPECT_EQ(r.exit_code, 128 + 6) << "ROCr should have aborted:\n" << r.err;
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(tmp)) {
    left.push_back(e.path().filename().string());
  }
  EXPECT_TRUE(left.empty()) << "left behind: " << (left.empty() ? "" : left.front());
  std::filesystem::remove_all(tmp);
}

TEST(HipFaults, TraceOfAFaultingProgramEndsWithTheFailedDispatch) {
  // exec --trace on a program that ROCr aborts on a GPU fault: the trace is written when the
  // queue hangs (before the fault reaches the runtime), so it holds the dispatch that faulted,
  // named after its kernel and marked as not executed.
  REQUIRE_HIP_CORPUS();
  const std::string file = ::testing::TempDir() + "hip_fault_trace.json";
  std::filesystem::remove(file);
  auto r = run_failing_case("--trace '" + file + "'", "fault_unmapped");
  std::ifstream in(file);
  ASSERT_TRUE(in) << "no trace file " << file;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(in)) << "the trace is not valid JSON";
  bool found = false;
  for (const auto& e : j["traceEvents"]) {
    if (!e.contains("args") || !e["args"].contains("executed")) continue;
    EXPECT_EQ(e["args"]["executed"], false);
    EXPECT_EQ(e["args"]["packet"], "KERNEL_DISPATCH");
    EXPECT_NE(e["name"].get<std::string>().find("store_at"), std::string::npos) << e.dump();
    found = true;
  }
  EXPECT_TRUE(found) << "no failed dispatch in the trace: " << j.dump().substr(0, 2000);
  std::filesystem::remove(file);
}

TEST(HipFaults, DeviceTrapEndsTheProgramThroughTheQueueError) {
  // The interpreter stops at s_trap (it runs no trap handler); the virtual KFD sets the AQL
  // queue's queue_inactive_signal as the CP does for a fatal wave error, and HIP's queue callback
  // reports it and aborts.
  REQUIRE_HIP_CORPUS();
  auto r = run_failing_case("", "trap");
  EXPECT_NE(r.err.find("s_trap"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HSA_STATUS_ERROR_ILLEGAL_INSTRUCTION"), std::string::npos) << r.err;
}

TEST(HipFaults, EndlessKernelIsStoppedByExecTimeout) {
  // exec --timeout: the simulator stops the dispatch after the limit, reports it, and HIP's
  // queue callback ends the program; without the option the same kernel would run forever.
  REQUIRE_HIP_CORPUS();
  auto r = run_failing_case("--timeout 1.5", "endless_loop");
  EXPECT_NE(r.err.find("kernel still running after the 1500 ms timeout"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("aborting with error"), std::string::npos) << r.err;
}

TEST(HipFaults, ExecTimeoutMustBeAPositiveNumber) {
  for (const char* bad : {"0", "-1", "soon", ""}) {
    SCOPED_TRACE(bad);
    auto r = run_command(std::string(AMDHAL_CLI) + " --device sim:gfx90a exec --timeout '" + bad +
                         "' -- true");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;
  }
}

TEST(HsaLevel, OwnKernelThroughRocrAndThroughTheKfdBackend) {
  // The project's vector_add built for gfx90a as code object v4: dispatched by ROCr (hsa_init,
  // hsa_queue_create, one AQL packet, hsa_signal_wait) under exec, and by the project's own kfd
  // backend on the same simulated GPU; both results are checked.
  const std::string program = AMDHAL_HSA_PROGRAM;
  if (program.empty()) {
    GTEST_SKIP() << "hsa/hsa.h or libhsa-runtime64 was not found at configure time "
                    "(make deps installs libhsa-runtime-dev)";
  }
  const std::string co =
      std::string(AMDHAL_BINARY_DIR) + "/tests/kernels/vector_add-gfx90a-v4.hsaco";
  auto r = run_command("timeout 120 " + std::string(AMDHAL_CLI) + " --device sim:gfx90a exec -- '" +
                       program + "' '" + co + "' 1000");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS n=1000"), std::string::npos) << r.out << r.err;
  expect_no_gaps(r.err);

  const std::string dir = ::testing::TempDir() + "hsa_level_kfd";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto k = run_command(std::string(AMDHAL_CLI) + " --backend kfd --device sim:gfx90a dispatch '" +
                       co + "' --grid 1000 --block 64 --queue aql --arg buf:f32:1000:iota " +
                       "--arg buf:f32:1000:fill=2 --arg buf:f32:1000 --arg u32:1000 --out-dir '" +
                       dir + "'");
  ASSERT_EQ(k.exit_code, 0) << k.out << k.err;
  std::ifstream c(dir + "/arg2-c.bin", std::ios::binary);
  ASSERT_TRUE(c) << "no arg2-c.bin in " << dir << ": " << k.out;
  std::vector<float> got(1000);
  c.read(reinterpret_cast<char*>(got.data()), 4000);
  ASSERT_EQ(c.gcount(), 4000);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(got[i], float(i) + 2.0f) << "c[" << i << "]";
}

INSTANTIATE_TEST_SUITE_P(
    Rocm, HipCorpus, ::testing::Combine(::testing::ValuesIn(kCases), ::testing::Values("O3", "O0")),
    [](const ::testing::TestParamInfo<std::tuple<HipCase, const char*>>& i) {
      return std::string(std::get<0>(i.param).name) + "_" + std::get<1>(i.param);
    });

}  // namespace
