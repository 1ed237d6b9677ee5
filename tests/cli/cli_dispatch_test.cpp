// `amdhal copy`, `fill` and `dispatch`, run as a user runs them: usage errors (exit 2, one line),
// then real runs on the simulator (no GPU here), checked through --json.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace {

using amdhal::testing::CommandResult;
using amdhal::testing::run_command;
namespace fs = std::filesystem;

const std::string kCli = AMDHAL_CLI;
const std::string kKernels = AMDHAL_KERNEL_DIR;
// Keep the user's AMDHAL_PLUGIN_PATH and injected faults out of the way.
const std::string kEnv = "env -u AMDHAL_PLUGIN_PATH -u AMDHAL_SIM_FAULT ";

std::string cli(const std::string& args) {
  return kEnv + kCli + " " + args;
}

std::string kernel(const std::string& name, const std::string& target = "gfx942") {
  return kKernels + "/" + name + "-" + target + ".hsaco";
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

size_t count_of(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

/// Expects exit 2 with exactly one line on stderr containing every string of `needles`.
void expect_usage_error(const std::string& args, const std::vector<std::string>& needles) {
  SCOPED_TRACE(args);
  const CommandResult r = run_command(cli(args));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with("amdhal: ")) << r.err;
  for (const std::string& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

const std::string kVectorAddArgs =
    " --kernel vector_add --grid 100 --block 64 --arg buf:f32:100:iota --arg buf:f32:100:fill=0.5"
    " --arg buf:f32:100 --arg u32:100";

// ---------------------------------------------------------------------------------------------
// Usage errors: checked before any device is opened.

TEST(CliTransfer, BadSizes) {
  expect_usage_error("copy --size 3X", {"--size", "3X"});
  expect_usage_error("copy --size 0", {"--size"});
  expect_usage_error("fill --size 6", {"multiple of 4"});
  expect_usage_error("fill --size 99999999999999999999999", {"--size"});
}

TEST(CliTransfer, BadEngineDomainPattern) {
  expect_usage_error("copy --engine dma", {"engine", "dma", "sdma"});
  expect_usage_error("copy --from disk", {"disk", "vram"});
  expect_usage_error("fill --pattern 0x1ffffffff", {"pattern"});
  expect_usage_error("copy --bogus", {"bogus"});
}

TEST(CliDispatch, ArgumentCountNamesTheArguments) {
  expect_usage_error(
      "dispatch " + kernel("vector_add") + " --kernel vector_add --grid 64 --arg u32:1",
      {"vector_add", "4 arguments", "float* a", "uint n", "1 --arg"});
}

TEST(CliDispatch, ArgumentKindMismatchNamesTheArgument) {
  expect_usage_error("dispatch " + kernel("vector_add") +
                         " --kernel vector_add --grid 64 --arg buf:f32:64 --arg buf:f32:64"
                         " --arg u32:64 --arg u32:64",
                     {"--arg 2 (c)", "buffer"});
  expect_usage_error("dispatch " + kernel("vector_add") +
                         " --kernel vector_add --grid 64 --arg buf:f32:64 --arg buf:f32:64"
                         " --arg buf:f32:64 --arg buf:u32:1",
                     {"--arg 3 (n)", "value"});
}

TEST(CliDispatch, ArgumentSizeMismatchNamesTheArgument) {
  expect_usage_error("dispatch " + kernel("vector_add") +
                         " --kernel vector_add --grid 64 --arg buf:f32:64 --arg buf:f32:64"
                         " --arg buf:f32:64 --arg u64:64",
                     {"--arg 3 (n)", "4 bytes", "u64"});
  expect_usage_error("dispatch " + kernel("vector_add") +
                         " --kernel vector_add --grid 64 --arg buf:f64:64 --arg buf:f32:64"
                         " --arg buf:f32:64 --arg u32:64",
                     {"--arg 0 (a)", "float", "f64"});
  expect_usage_error("dispatch " + kernel("saxpy") +
                         " --kernel saxpy --grid 64 --arg i32:2 --arg buf:f32:64"
                         " --arg buf:f32:64 --arg i32:64",
                     {"--arg 0 (alpha)", "float", "i32"});
}

TEST(CliDispatch, MalformedArgSpecs) {
  const std::string base = "dispatch " + kernel("vector_add") + " --kernel vector_add --grid 64";
  expect_usage_error(base + " --arg f16:1", {"f16", "types"});
  expect_usage_error(base + " --arg u32:abc", {"abc", "u32"});
  expect_usage_error(base + " --arg u8:256", {"256", "u8"});
  expect_usage_error(base + " --arg buf:f32", {"buf:TYPE:COUNT"});
  expect_usage_error(base + " --arg buf:f32:0", {"count"});
  expect_usage_error(base + " --arg buf:f32:4:random", {"random", "iota"});
  expect_usage_error(base + " --arg buf:u32:4:fill=-1", {"fill=-1", "u32"});
}

TEST(CliDispatch, UnknownKernelAndBadShapes) {
  expect_usage_error("dispatch " + kernel("vector_add") + " --kernel nope --grid 64",
                     {"nope", "vector_add"});
  expect_usage_error("dispatch " + kernel("vector_add") + " --kernel vector_add --grid 0",
                     {"--grid"});
  expect_usage_error("dispatch " + kernel("vector_add") + " --kernel vector_add --grid 1,2,3,4",
                     {"--grid"});
  expect_usage_error("dispatch " + kernel("vector_add") + " --kernel vector_add", {"grid"});
  expect_usage_error("dispatch --grid 4", {"CODE_OBJECT"});
}

TEST(CliDispatch, UnreadableOrBadCodeObjectIsOneLine) {
  auto r = run_command(cli("dispatch /nonexistent.hsaco --grid 1"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << r.err;
  const fs::path junk = fs::path(testing::TempDir()) / "junk.hsaco";
  std::ofstream(junk) << "not an ELF file";
  r = run_command(cli("dispatch " + junk.string() + " --grid 1"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
}

TEST(CliDispatch, HelpDescribesArgSpecs) {
  auto r = run_command(cli("dispatch --help"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("buf:TYPE:COUNT"), std::string::npos);
  EXPECT_NE(r.out.find("file=PATH"), std::string::npos);
  r = run_command(cli("--help"));
  EXPECT_NE(r.out.find("dispatch"), std::string::npos);
  EXPECT_NE(r.out.find("copy"), std::string::npos);
  EXPECT_NE(r.out.find("fill"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Runs on the simulator.

/// Without a GPU and without --device the commands say once that they use the simulator.
void expect_simulator_notice(const CommandResult& r, const std::string& spec) {
  if (fs::exists("/dev/kfd")) return;  // a real GPU may be used
  EXPECT_EQ(count_of(r.err, "simulator"), 1u) << r.err;
  EXPECT_NE(r.err.find(spec), std::string::npos) << r.err;
}

TEST(CliTransfer, CopyOnTheSimulatorJson) {
  for (const std::string engine : {"sdma", "compute"}) {
    SCOPED_TRACE(engine);
    auto r = run_command(cli("--json copy --size 1M --verify --engine " + engine));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_simulator_notice(r, "sim:gfx942");
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["bytes"], 1048576);
    EXPECT_EQ(j["engine"], engine);
    EXPECT_EQ(j["verified"], true);
    EXPECT_GT(j["elapsed_ns"].get<uint64_t>(), 0u);
    EXPECT_GT(j["gbps"].get<double>(), 0.0);
  }
}

TEST(CliTransfer, CopyRepeatReportsColdAndWarm) {
  auto r = run_command(cli("--json copy --size 256K --verify --repeat 4"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["runs_ns"].size(), 4u) << r.out;
  EXPECT_EQ(j["elapsed_ns"], j["runs_ns"][0]);
  std::vector<uint64_t> later;
  for (size_t i = 1; i < 4; ++i) later.push_back(j["runs_ns"][i].get<uint64_t>());
  std::sort(later.begin(), later.end());
  EXPECT_EQ(j["later_median_ns"].get<uint64_t>(), later[1]);
  EXPECT_EQ(j["later_min_ns"].get<uint64_t>(), later[0]);
  EXPECT_EQ(j["verified"], true);
  auto h = run_command(cli("copy --size 64K --repeat 3"));
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_NE(h.out.find("2 more: median"), std::string::npos) << h.out;
  EXPECT_EQ(count_lines(h.out), 2u) << h.out;
  expect_usage_error("copy --repeat 0", {"--repeat", "1 to 100000"});
}

TEST(CliTransfer, CopyHumanOutput) {
  auto r = run_command(cli("copy --size 64K --verify --from host --to gtt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("65536 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GB/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verified"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines(r.out), 1u) << r.out;
}

TEST(CliTransfer, FillOnTheSimulator) {
  auto r =
      run_command(cli("--json fill --size 256K --pattern 0xdeadbeef --verify --engine compute"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_simulator_notice(r, "sim:gfx942");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["bytes"], 262144);
  EXPECT_EQ(j["pattern"], 0xdeadbeefu);
  EXPECT_EQ(j["verified"], true);
}

TEST(CliTransfer, ExplicitSimDeviceIsNotAnnounced) {
  auto r = run_command(cli("--device sim:gfx1100 --json fill --size 4K --verify"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["target"], "gfx1100");
}

TEST(CliTransfer, DeviceErrorsAreOneLine) {
  // More VRAM than the simulated device has.
  auto r = run_command(cli("--device sim:gfx942 copy --size 64G --from gtt --to vram"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  r = run_command(cli("--device sim:gfx4242 copy --size 4K"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
}

/// Runs a dispatch; skips only if the simulator reports that it has no ISA interpreter for the
/// target.
#define RUN_DISPATCH_OR_SKIP(r, args, target)                                     \
  const CommandResult r = run_command(cli(std::string(args) + " --timeout 5"));   \
  if (r.exit_code != 0 && r.err.find("ISA interpreter not available for " +       \
                                     std::string(target)) != std::string::npos) { \
    GTEST_SKIP() << r.err;                                                        \
  }                                                                               \
  ASSERT_EQ(r.exit_code, 0) << r.err

TEST(CliDispatch, VectorAddJson) {
  RUN_DISPATCH_OR_SKIP(r, "--json dispatch " + kernel("vector_add") + kVectorAddArgs, "gfx942");
  expect_simulator_notice(r, "sim:gfx942");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kernel"], "vector_add");
  EXPECT_TRUE(j["elapsed_ns"].is_number());
  ASSERT_EQ(j["buffers"].size(), 3u);
  const auto& c = j["buffers"][2];
  EXPECT_EQ(c["arg"], 2);
  EXPECT_EQ(c["type"], "f32");
  ASSERT_EQ(c["values"].size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c["values"][i].get<double>(), i + 0.5) << i;
  EXPECT_EQ(j["buffers"][0]["values"][99].get<double>(), 99.0);
}

TEST(CliDispatch, Gfx1100CodeObjectPicksGfx1100Simulator) {
  // The subject is device selection. Whether the kernel runs depends on the simulator having a
  // gfx11 interpreter (the conformance suite tracks that); without one the command must end
  // with the stuck dispatch after --timeout, as one line.
  const CommandResult r = run_command(cli("--json dispatch " + kernel("grid_2d", "gfx1100") +
                                          " --grid 8,4 --block 4,2 --arg buf:u32:32 --arg u32:8"
                                          " --arg u32:4 --timeout 1"));
  expect_simulator_notice(r, "sim:gfx1100");
  if (r.exit_code != 0) {
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("grid_2d on sim:gfx1100: not finished after 1.0 s"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("DISPATCH_DIRECT"), std::string::npos) << r.err;
    return;
  }
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["target"], "gfx1100");
  const auto& v = j["buffers"][0]["values"];
  ASSERT_EQ(v.size(), 32u);
  for (uint32_t y = 0; y < 4; ++y) {
    for (uint32_t x = 0; x < 8; ++x) EXPECT_EQ(v[y * 8 + x], y * 65536 + x);
  }
}

TEST(CliDispatch, FileInputAndOutDir) {
  const fs::path dir = fs::path(testing::TempDir()) / "amdhal-dispatch-out";
  fs::remove_all(dir);
  const fs::path input = fs::path(testing::TempDir()) / "collatz-start.bin";
  {
    std::ofstream out(input, std::ios::binary);
    for (uint32_t i = 1; i <= 16; ++i) out.write(reinterpret_cast<const char*>(&i), 4);
  }
  RUN_DISPATCH_OR_SKIP(r,
                       "dispatch " + kernel("collatz") +
                           " --kernel collatz --grid 16 --arg buf:u32:16:file=" + input.string() +
                           " --arg buf:u32:16 --arg u32:16 --arg u32:1000" + " --out-dir " +
                           dir.string(),
                       "gfx942");
  EXPECT_NE(r.out.find("collatz"), std::string::npos) << r.out;
  const std::string steps = amdhal::testing::read_file((dir / "arg1-steps.bin").string());
  ASSERT_EQ(steps.size(), 64u);
  const uint32_t want[16] = {0, 1, 7, 2, 5, 8, 16, 3, 19, 6, 14, 9, 9, 17, 17, 4};
  for (int i = 0; i < 16; ++i) {
    uint32_t got = 0;
    std::memcpy(&got, steps.data() + 4 * i, 4);
    EXPECT_EQ(got, want[i]) << "collatz(" << i + 1 << ")";
  }
  EXPECT_EQ(amdhal::testing::read_file((dir / "arg0-start.bin").string()).size(), 64u);
}

TEST(CliDispatch, FileOfWrongSizeIsAnError) {
  const fs::path input = fs::path(testing::TempDir()) / "short.bin";
  std::ofstream(input, std::ios::binary) << "abc";
  auto r = run_command(cli("dispatch " + kernel("collatz") +
                           " --kernel collatz --grid 16 --arg buf:u32:16:file=" + input.string() +
                           " --arg buf:u32:16 --arg u32:16 --arg u32:1000"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err) - count_of(r.err, "simulator"), 1u) << r.err;
  EXPECT_NE(r.err.find("3 bytes"), std::string::npos) << r.err;
}

// ---- amdhal demo (what `make run` shows) ----

TEST(CliDemo, CopyDispatchSignalOnTheSimulator) {
  auto r = run_command(cli("--json demo --elements 4096"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("running on the simulator (sim:gfx942"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["elements"], 4096);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["mismatches"], 0);
  ASSERT_EQ(j["steps"].size(), 4u);
  // SDMA start <= SDMA done <= compute wait satisfied <= add done: the GPU-side wait held.
  uint64_t last = 0;
  for (const auto& step : j["steps"]) {
    const uint64_t t = step["gpu_clock"];
    EXPECT_GE(t, last) << step.dump();
    last = t;
  }
}

TEST(CliDemo, PartialWorkgroupsUseAnAqlQueue) {
  auto r = run_command(cli("demo --elements 1000"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("AQL queue"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("every element correct"), std::string::npos) << r.out;
}

TEST(CliDemo, MissingCodeObjectIsOneLine) {
  auto r = run_command(cli("demo --code-object /nonexistent/va.hsaco"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err) - count_of(r.err, "simulator"), 1u) << r.err;
  EXPECT_NE(r.err.find("cannot read /nonexistent/va.hsaco: ENOENT"), std::string::npos) << r.err;
  auto z = run_command(cli("demo --elements 0"));
  EXPECT_EQ(z.exit_code, 2) << z.err;
}

}  // namespace
