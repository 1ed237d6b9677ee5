// `amdhal exec --log packets` and `--trace FILE`: a HIP corpus case (built by Debian's hipcc)
// prints one decoded line per packet the simulated engines run, and leaves a Chrome trace whose
// kernel dispatches sit on a GPU track with non-zero durations; rocminfo, which dispatches
// nothing, still leaves valid JSON; bad --log items and unwritable trace files are one-line
// errors. The HIP cases skip (with the reason) when hipcc was not found at configure time.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "rocm_checks.h"
#include "support/run_command.h"

namespace {

using amdhal::testing::read_file;
using amdhal::testing::run_command;
using nlohmann::json;

const std::string kCli = AMDHAL_CLI;

#define REQUIRE_HIP_CORPUS()                        \
  const std::string program = AMDHAL_HIP_CORPUS_O3; \
  REQUIRE_HIP_PROGRAM(program)

/// A fresh path for a trace file, removed at the end of the test.
struct TempPath {
  std::string path;
  TempPath() {
    char tmpl[] = "/tmp/amdhal-trace-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path = std::string(tmpl) + ".json";
    unlink(tmpl);
  }
  ~TempPath() { std::remove(path.c_str()); }
};

/// "XxYxZ" from a dispatch's grid_size_* arguments.
std::string fmt_grid(const json& args) {
  return std::to_string(args["grid_size_x"].get<uint64_t>()) + "x" +
         std::to_string(args["grid_size_y"].get<uint64_t>()) + "x" +
         std::to_string(args["grid_size_z"].get<uint64_t>());
}

std::string fmt_gpu(int i) {
  return "gpu" + std::to_string(i) + " ";
}

size_t count_lines(const std::string& text, const std::regex& re) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (std::regex_search(line, re)) ++n;
  }
  return n;
}

TEST(RocmTrace, PacketLogHasDecodedKernelDispatchLines) {
  REQUIRE_HIP_CORPUS();
  auto r =
      run_command(kCli + " --device sim:gfx90a exec --log packets -- '" + program + "' vector_add");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS vector_add"), std::string::npos) << r.out << r.err;
  // vector_add launches one kernel of 256-wide workgroups.
  const std::regex dispatch(
      R"(^amdhal-exec: gpu0 aql q\d+ KERNEL_DISPATCH .*workgroup_size_x=256 .*grid_size_x=\d+ )"
      R"(.*kernel_object=0x[0-9a-f]+ .*completion_signal=0x[0-9a-f]+ )"
      R"(kernel=_Z10vector_addPKfS0_Pfi$)");
  EXPECT_EQ(count_lines(r.err, dispatch), 1u) << r.err;
  // Every packet line has the prefix, an engine, a queue and an upper-case packet name.
  const std::regex any(R"(^amdhal-exec: gpu\d+ (aql|cp|sdma\d+) q\d+ [A-Z_0-9]+( |$))");
  const std::regex prefix(R"(^amdhal-exec: gpu)");
  EXPECT_EQ(count_lines(r.err, any), count_lines(r.err, prefix)) << r.err;
  EXPECT_EQ(r.err.find("not executed"), std::string::npos) << r.err;
}

TEST(RocmTrace, TraceHasKernelDispatchesOnAGpuTrack) {
  REQUIRE_HIP_CORPUS();
  TempPath trace;
  auto r = run_command(kCli + " --device sim:gfx90a exec --log packets --trace " + trace.path +
                       " -- '" + program + "' vector_add");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string text = read_file(trace.path);
  json j;
  ASSERT_NO_THROW(j = json::parse(text)) << text.substr(0, 2000);
  ASSERT_TRUE(j.contains("traceEvents") && j["traceEvents"].is_array()) << text.substr(0, 2000);
  size_t dispatches = 0;
  size_t vector_add_dispatches = 0;  // 256-wide workgroups (the others are ROCr's blit kernels)
  size_t complete = 0;
  bool gpu0_named = false;
  bool aql_track_named = false;
  for (const json& e : j["traceEvents"]) {
    ASSERT_TRUE(e.contains("ph")) << e.dump();
    if (e["ph"] == "M" && e["name"] == "process_name" && e["pid"] == 0) {
      gpu0_named = e["args"]["name"].get<std::string>().starts_with("gpu0");
    }
    if (e["ph"] == "M" && e["name"] == "thread_name" &&
        e["args"]["name"].get<std::string>().starts_with("aql q")) {
      aql_track_named = true;
    }
    if (e["ph"] != "X") continue;
    ++complete;
    EXPECT_EQ(e["pid"], 0) << "one simulated GPU: " << e.dump();
    EXPECT_GT(e["ts"].get<double>(), 0.0) << "microseconds after the program started: " << e.dump();
    EXPECT_GE(e["dur"].get<double>(), 0.0) << e.dump();
    EXPECT_TRUE(e["args"].contains("packet")) << e.dump();
    if (e["args"]["packet"] == "KERNEL_DISPATCH") {
      ++dispatches;
      EXPECT_EQ(e["cat"], "aql") << e.dump();
      EXPECT_GT(e["dur"].get<double>(), 0.0) << "a kernel takes time: " << e.dump();
      EXPECT_TRUE(std::regex_match(e["args"]["kernel_object"].get<std::string>(),
                                   std::regex("0x[0-9a-f]+")))
          << e.dump();
      EXPECT_EQ(e["args"]["grid"], fmt_grid(e["args"])) << e.dump();
      if (e["args"]["workgroup"] == "256x1x1") {
        // The kernel's name comes from the loaded code object's "<name>.kd" symbol.
        ++vector_add_dispatches;
        EXPECT_EQ(e["name"], "vector_add(float const*, float const*, float*, int)") << e.dump();
        EXPECT_EQ(e["args"]["kernel"], "_Z10vector_addPKfS0_Pfi") << e.dump();
      } else if (!e["args"].contains("kernel")) {
        EXPECT_EQ(e["name"], "KERNEL_DISPATCH") << "unresolved kernels keep the packet name";
      }
    }
  }
  EXPECT_TRUE(gpu0_named) << text.substr(0, 2000);
  EXPECT_TRUE(aql_track_named) << text.substr(0, 2000);
  EXPECT_EQ(vector_add_dispatches, 1u);
  EXPECT_GE(dispatches, vector_add_dispatches);
  // The log and the trace saw the same packets.
  const std::regex logged(R"(^amdhal-exec: gpu\d+ \S+ q\d+ KERNEL_DISPATCH )");
  EXPECT_EQ(count_lines(r.err, logged), dispatches) << r.err;
  EXPECT_EQ(count_lines(r.err, std::regex(R"(^amdhal-exec: gpu\d+ \S+ q\d+ [A-Z])")), complete)
      << r.err;
  EXPECT_EQ(j["otherData"]["events"], complete);
  EXPECT_EQ(j["otherData"]["dropped_events"], 0);
}

TEST(RocmTrace, TraceOfAMemcpyCaseHasSizesOrBlitKernels) {
  REQUIRE_HIP_CORPUS();
  TempPath trace;
  auto r = run_command(kCli + " --device sim:gfx90a exec --trace " + trace.path + " -- '" +
                       program + "' memcpy");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = json::parse(read_file(trace.path), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  size_t copies = 0;
  for (const json& e : j["traceEvents"]) {
    if (e["ph"] != "X") continue;
    if (e["name"] == "COPY_LINEAR" || e["name"] == "CONSTANT_FILL") {
      ++copies;
      ASSERT_TRUE(e["args"].contains("bytes")) << e.dump();
      EXPECT_GT(e["args"]["bytes"].get<uint64_t>(), 0u) << e.dump();
      EXPECT_TRUE(e["cat"].get<std::string>().starts_with("sdma")) << e.dump();
    }
  }
  // ROCr copies either with SDMA (COPY_LINEAR) or with blit kernels; one of the two ran.
  size_t kernels = 0;
  for (const json& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["args"]["packet"] == "KERNEL_DISPATCH") ++kernels;
  }
  EXPECT_GT(copies + kernels, 0u) << j.dump().substr(0, 2000);
}

TEST(RocmTrace, TwoGpusGetTwoProcessTracks) {
  REQUIRE_HIP_CORPUS();
  TempPath trace;
  auto r = run_command(kCli + " --device sim:gfx90ax2 exec --trace " + trace.path + " -- '" +
                       program + "' peer");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = json::parse(read_file(trace.path), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  size_t per_gpu[2] = {0, 0};
  bool named[2] = {false, false};
  for (const json& e : j["traceEvents"]) {
    const int pid = e["pid"].get<int>();
    ASSERT_TRUE(pid == 0 || pid == 1) << e.dump();
    if (e["ph"] == "X") ++per_gpu[pid];
    if (e["ph"] == "M" && e["name"] == "process_name") {
      named[pid] = e["args"]["name"].get<std::string>().starts_with(fmt_gpu(pid));
    }
  }
  EXPECT_GT(per_gpu[0], 0u);
  EXPECT_GT(per_gpu[1], 0u);
  EXPECT_TRUE(named[0]);
  EXPECT_TRUE(named[1]);
}

TEST(RocmTrace, RocminfoLeavesValidJsonWithoutPacketEvents) {
  if (run_command("command -v rocminfo").exit_code != 0) {
    GTEST_SKIP() << "rocminfo is not installed (make deps installs it)";
  }
  TempPath trace;
  auto r = run_command(kCli + " --device sim:gfx90a exec --trace " + trace.path + " -- rocminfo");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(read_file(trace.path), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << read_file(trace.path);
  ASSERT_TRUE(j["traceEvents"].is_array());
  for (const json& e : j["traceEvents"]) {
    EXPECT_FALSE(e.contains("args") && e["args"].contains("packet") &&
                 e["args"]["packet"] == "KERNEL_DISPATCH")
        << "rocminfo dispatches no kernel: " << e.dump();
  }
}

TEST(RocmTrace, ProgramWithoutGpuLeavesTheEmptyTrace) {
  TempPath trace;
  auto r = run_command(kCli + " --device sim:gfx90a exec --trace " + trace.path + " -- true");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(read_file(trace.path), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << read_file(trace.path);
  EXPECT_TRUE(j["traceEvents"].is_array());
  EXPECT_TRUE(j["traceEvents"].empty());
}

TEST(RocmTrace, BadLogItemAndUnwritableTraceAreOneLineErrors) {
  auto r = run_command(kCli + " --device sim:gfx90a exec --log packets,bogus -- true");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown item 'bogus' (known: ioctl, files, packets)"), std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_command(kCli + " --device sim:gfx90a exec --trace /nonexistent-dir/t.json -- true");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("--trace /nonexistent-dir/t.json"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_command(kCli + " --device sim:gfx90a exec --trace '' -- true");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--trace: empty file name"), std::string::npos) << r.err;
}

TEST(RocmTrace, HelpNamesPacketsAndTrace) {
  auto r = run_command(kCli + " exec --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--trace"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("packets"), std::string::npos) << r.out;
}

}  // namespace
