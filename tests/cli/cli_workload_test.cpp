// `amdhal stress sdma`, `overlap`, `saturate`, `latency` and `memtest` (the workload plugins) run
// as a user runs them, on the simulator: clean runs whose byte counts add up, an injected
// corruption or stuck bit reported with its address, an overlap trace with two engines busy at
// once, ordered latency percentiles, one-line errors for bad options, and Ctrl-C giving a summary
// and 130.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace {

using amdhal::testing::CommandResult;
using amdhal::testing::run_command;
namespace fs = std::filesystem;

const std::string kCli = AMDHAL_CLI;
const std::string kEnv = "env -u AMDHAL_PLUGIN_PATH -u AMDHAL_SIM_FAULT ";

std::string cli(const std::string& args) {
  return kEnv + kCli + " " + args;
}

nlohmann::json parse(const CommandResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

/// Checks that every engine's byte counts add up and returns the total bytes.
uint64_t check_counts(const nlohmann::json& j) {
  uint64_t bytes = 0, ops = 0, errors = 0;
  for (const auto& e : j["engines"]) {
    const uint64_t b = e["bytes"];
    EXPECT_EQ(b, e["copy_bytes"].get<uint64_t>() + e["fill_bytes"].get<uint64_t>() +
                     e["p2p_bytes"].get<uint64_t>())
        << e;
    EXPECT_GE(e["busy_fraction"].get<double>(), 0.0);
    EXPECT_LE(e["busy_fraction"].get<double>(), 1.0);
    bytes += b;
    ops += e["operations"].get<uint64_t>();
    errors += e["errors"].get<uint64_t>();
  }
  EXPECT_EQ(j["totals"]["bytes"].get<uint64_t>(), bytes);
  EXPECT_EQ(j["totals"]["operations"].get<uint64_t>(), ops);
  EXPECT_EQ(j["totals"]["errors"].get<uint64_t>(), errors);
  return bytes;
}

TEST(CliWorkload, ListShowsWorkloadPlugins) {
  auto r = run_command(cli("list --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  std::vector<std::string> names;
  for (const auto& w : j["workloads"]) names.push_back(w["name"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "sdma-stress"), names.end()) << j;
  EXPECT_NE(std::find(names.begin(), names.end(), "overlap"), names.end()) << j;
  for (const char* w : {"saturation", "latency", "memtest"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), w), names.end()) << w << " " << j;
  }
  for (const auto& p : j["backends"]) {
    if (p["kind"] == "workload") {
      EXPECT_TRUE(p["loaded"].get<bool>()) << p;
    }
  }
}

TEST(CliWorkload, StressUsageErrors) {
  auto r = run_command(cli("stress dma"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("sdma"), std::string::npos) << r.err;
  r = run_command(cli("stress sdma --seconds soon"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_command(cli("stress --help"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--pattern"), std::string::npos);
}

TEST(CliWorkload, StressOneGpuCleanAndCountsAddUp) {
  auto r = run_command(
      cli("--json --device sim:gfx942 stress sdma --iterations 6 --sizes 4K,64K --pattern random"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "progress shown on a pipe";
  auto j = parse(r);
  EXPECT_EQ(j["totals"]["errors"], 0);
  EXPECT_EQ(j["rounds"], 6);
  ASSERT_GE(j["engines"].size(), 2u) << "every SDMA engine of the device";
  for (const auto& e : j["engines"]) EXPECT_EQ(e["operations"], 6) << e;
  EXPECT_GT(check_counts(j), 0u);
}

TEST(CliWorkload, StressTwoGpusPeerToPeer) {
  auto r = run_command(
      cli("--json stress sdma --devices sim:gfx942x2 --iterations 1 --sizes 4K --engines 2 "
          "--ops p2p"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  EXPECT_EQ(j["devices"].size(), 2u);
  EXPECT_EQ(j["engines"].size(), 4u);
  for (const auto& e : j["engines"]) EXPECT_EQ(e["p2p_bytes"], 4096) << e;
  EXPECT_EQ(j["totals"]["errors"], 0);
  check_counts(j);
}

TEST(CliWorkload, StressTwoGpusManyRounds) {
  auto r = run_command(
      cli("--json stress sdma --devices sim:gfx942x2 --iterations 3 --sizes 4K --engines 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  EXPECT_EQ(j["devices"].size(), 2u);
  EXPECT_EQ(j["engines"].size(), 4u);
  uint64_t p2p = 0;
  for (const auto& e : j["engines"]) p2p += e["p2p_bytes"].get<uint64_t>();
  EXPECT_GT(p2p, 0u);
  EXPECT_EQ(j["totals"]["errors"], 0);
  check_counts(j);
}

TEST(CliWorkload, InjectedCorruptionIsReportedWithAddress) {
  auto r = run_command(cli(
      "--json --device sim:gfx942 stress sdma --iterations 1 --sizes 4K --inject-corruption 100"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("1 error"), std::string::npos) << r.err;
  auto j = parse(r);
  EXPECT_EQ(j["totals"]["errors"], 1);
  const auto& e = j["engines"][0];
  ASSERT_TRUE(e.contains("first_error")) << e;
  EXPECT_EQ(e["first_error"]["offset"], 100);
  EXPECT_EQ(e["first_error"]["mismatched_bytes"], 1);
  EXPECT_NE(e["first_error"]["expected"], e["first_error"]["found"]);
  EXPECT_TRUE(e["first_error"]["address"].get<std::string>().starts_with("0x"));

  // The table form names the address too.
  r = run_command(
      cli("--device sim:gfx942 stress sdma --iterations 1 --sizes 4K --inject-corruption 100"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("first bad byte at 0x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(offset 100)"), std::string::npos) << r.out;
}

TEST(CliWorkload, OverlapTraceHasTwoEnginesOverlapping) {
  const fs::path trace =
      fs::temp_directory_path() / ("amdhal-overlap-trace-" + std::to_string(getpid()) + ".json");
  auto r = run_command(
      cli("--json --device sim:gfx942 overlap --elements 16384 --copy-size 32M --chunks 4 "
          "--trace " +
          trace.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  EXPECT_EQ(j["errors"], 0);
  ASSERT_EQ(j["scenarios"].size(), 3u);
  for (const auto& sc : j["scenarios"]) {
    EXPECT_EQ(sc["errors"], 0) << sc;
    if (sc["scenario"] == "sync") {
      EXPECT_TRUE(sc["sdma_waits_for_compute"]["ordered"].get<bool>()) << sc;
      EXPECT_TRUE(sc["compute_waits_for_sdma"]["ordered"].get<bool>()) << sc;
    }
    if (sc["scenario"] == "pipeline") {
      EXPECT_TRUE(sc["ordered"].get<bool>()) << sc;
    }
  }

  auto t = nlohmann::json::parse(amdhal::testing::read_file(trace.string()), nullptr, false);
  ASSERT_FALSE(t.is_discarded());
  std::vector<nlohmann::json> spans;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] == "X") spans.push_back(e);
  }
  ASSERT_GE(spans.size(), 4u);
  bool overlapping = false;
  for (const auto& a : spans) {
    for (const auto& b : spans) {
      if (a["tid"] == b["tid"] && a["pid"] == b["pid"]) continue;
      const double a0 = a["ts"], a1 = a0 + a["dur"].get<double>();
      const double b0 = b["ts"], b1 = b0 + b["dur"].get<double>();
      overlapping |= a0 < b1 && b0 < a1;
    }
  }
  EXPECT_TRUE(overlapping) << t.dump(1);
  fs::remove(trace);
}

TEST(CliWorkload, StressEveryPattern) {
  for (const std::string pattern : {"iota", "0xAA", "0x12345678"}) {
    SCOPED_TRACE(pattern);
    auto r =
        run_command(cli("--json --device sim:gfx942 stress sdma --iterations 2 --engines 2 "
                        "--sizes 4K,13 --pattern " +
                        pattern));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse(r);
    EXPECT_EQ(j["totals"]["errors"], 0);
    check_counts(j);
  }
  auto r = run_command(cli("--device sim:gfx942 stress sdma --pattern stripes"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--pattern"), std::string::npos) << r.err;
}

TEST(CliWorkload, OverlapPeerToPeerRing) {
  auto r =
      run_command(cli("--json overlap --devices sim:gfx942x2 --scenario p2p-ring "
                      "--elements 4096 --copy-size 4M --kernel vector_add"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  ASSERT_EQ(j["scenarios"].size(), 1u);
  const auto& ring = j["scenarios"][0];
  EXPECT_EQ(ring["errors"], 0) << ring;
  std::set<uint64_t> devices;
  for (const auto& op : ring["operations"]) devices.insert(op["device"].get<uint64_t>());
  EXPECT_EQ(devices.size(), 2u) << ring;
  EXPECT_GE(ring["hidden_fraction"].get<double>(), 0.0);
  EXPECT_LE(ring["hidden_fraction"].get<double>(), 1.0);

  r = run_command(cli("--device sim:gfx942 overlap --scenario p2p-ring"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("two or more devices"), std::string::npos) << r.err;
}

/// Starts the CLI with stdout and stderr in files, sends SIGINT after `delay`, returns the exit
/// status (or 128 + signal).
int run_and_interrupt(const std::vector<std::string>& args, std::chrono::milliseconds delay,
                      const std::string& out, const std::string& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    unsetenv("AMDHAL_PLUGIN_PATH");
    unsetenv("AMDHAL_SIM_FAULT");
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kCli.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(kCli.c_str(), argv.data());
    _exit(127);
  }
  // Wait until the CLI has installed its SIGINT handler (SigCgt in /proc/PID/status has bit 1),
  // so a slow start on a loaded machine does not turn the test into a kill by default action.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    bool caught = false;
    while (std::getline(status, line)) {
      if (line.starts_with("SigCgt:")) caught = (std::stoull(line.substr(7), nullptr, 16) & 2) != 0;
    }
    if (caught) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(delay);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// A per-process file name in the temporary directory.
std::string temp_file(const std::string& stem) {
  return (fs::temp_directory_path() / ("amdhal-" + stem + "-" + std::to_string(getpid()) + ".txt"))
      .string();
}

/// Runs the CLI with `args`, interrupts it after `delay`, checks exit 130 within 10 s, a JSON
/// summary marked interrupted with at least one round, and the one-line note on stderr; returns
/// the summary.
nlohmann::json interrupt_run(const std::vector<std::string>& args,
                             std::chrono::milliseconds delay) {
  const std::string out = temp_file("sigint-out");
  const std::string err = temp_file("sigint-err");
  const auto start = std::chrono::steady_clock::now();
  const int code = run_and_interrupt(args, delay, out, err);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(code, 130) << amdhal::testing::read_file(err);
  EXPECT_LT(took, 10.0);
  auto j = nlohmann::json::parse(amdhal::testing::read_file(out), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << amdhal::testing::read_file(out);
  if (!j.is_discarded()) {
    EXPECT_TRUE(j["interrupted"].get<bool>());
    EXPECT_GE(j["rounds"].get<uint64_t>(), 1u);
  }
  EXPECT_NE(amdhal::testing::read_file(err).find("interrupted"), std::string::npos);
  fs::remove(out);
  fs::remove(err);
  return j;
}

TEST(CliWorkload, SigintStopsWithSummaryAnd130) {
  auto j = interrupt_run(
      {"--json", "--device", "sim:gfx942", "stress", "sdma", "--seconds", "30", "--sizes", "64K"},
      std::chrono::milliseconds(500));
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["totals"]["errors"], 0);
  check_counts(j);
}

// ---- saturate ----

/// Checks saturation's per-engine counts against the rounds run and returns the copied bytes.
uint64_t check_saturation(const nlohmann::json& j, uint64_t bytes, uint64_t work_items) {
  const uint64_t rounds = j["rounds"];
  uint64_t copied = 0, items = 0, errors = 0;
  size_t sdma = 0, compute = 0;
  for (const auto& e : j["engines"]) {
    EXPECT_EQ(e["operations"].get<uint64_t>(), rounds) << e;
    EXPECT_GE(e["busy_fraction"].get<double>(), 0.0) << e;
    EXPECT_LE(e["busy_fraction"].get<double>(), 1.0) << e;
    if (e["kind"] == "sdma") {
      ++sdma;
      EXPECT_EQ(e["bytes"].get<uint64_t>(), rounds * bytes) << e;
      EXPECT_EQ(e["work_items"], 0) << e;
    } else {
      ++compute;
      EXPECT_EQ(e["work_items"].get<uint64_t>(), rounds * work_items) << e;
      EXPECT_EQ(e["bytes"], 0) << e;
    }
    copied += e["bytes"].get<uint64_t>();
    items += e["work_items"].get<uint64_t>();
    errors += e["errors"].get<uint64_t>();
  }
  EXPECT_EQ(compute, j["devices"].size());
  EXPECT_EQ(sdma, j["links"].size());
  EXPECT_EQ(j["totals"]["bytes"].get<uint64_t>(), copied);
  EXPECT_EQ(j["totals"]["work_items"].get<uint64_t>(), items);
  EXPECT_EQ(j["totals"]["errors"].get<uint64_t>(), errors);
  return copied;
}

TEST(CliWorkload, SaturateOneGpuLocalCopiesVerified) {
  auto r = run_command(
      cli("--json --device sim:gfx942 saturate --rounds 2 --bytes 1M --work-items 4096"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "progress shown on a pipe";
  auto j = parse(r);
  EXPECT_EQ(j["rounds"], 2);
  ASSERT_EQ(j["links"].size(), 1u);
  EXPECT_EQ(j["links"][0]["from"], 0);
  EXPECT_EQ(j["links"][0]["to"], 0);
  EXPECT_EQ(check_saturation(j, 1 << 20, 4096), 2u << 20);
  EXPECT_EQ(j["totals"]["errors"], 0);
  EXPECT_GT(j["totals"]["gbps"].get<double>(), 0.0);
}

TEST(CliWorkload, SaturateRingAndNeighbours) {
  auto r = run_command(
      cli("--json saturate --devices sim:gfx942x2 --rounds 1 --bytes 512K --work-items 2048"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  ASSERT_EQ(j["links"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(j["links"][i]["from"], i);
    EXPECT_EQ(j["links"][i]["to"], (i + 1) % 2);
  }
  EXPECT_EQ(check_saturation(j, 512 << 10, 2048), 2u * (512 << 10));
  EXPECT_EQ(j["totals"]["errors"], 0);

  // Three GPUs, neighbours: every GPU sends to both sides.
  r = run_command(
      cli("--json saturate --devices sim:gfx942x3 --pattern neighbours --rounds 1 --bytes 256K "
          "--work-items 1024"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  j = parse(r);
  ASSERT_EQ(j["links"].size(), 6u);
  std::set<std::pair<int, int>> links;
  for (const auto& l : j["links"]) links.insert({l["from"].get<int>(), l["to"].get<int>()});
  EXPECT_EQ(links, (std::set<std::pair<int, int>>{{0, 1}, {0, 2}, {1, 2}, {1, 0}, {2, 0}, {2, 1}}));
  EXPECT_EQ(check_saturation(j, 256 << 10, 1024), 6u * (256 << 10));
  EXPECT_EQ(j["totals"]["errors"], 0);
}

/// One line on stderr naming `what`, exit status 2.
void expect_usage_error(const std::string& args, const std::string& what) {
  SCOPED_TRACE(args);
  auto r = run_command(cli(args));
  EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CliWorkload, SaturateLatencyMemtestBadOptions) {
  expect_usage_error("--device sim:gfx942 saturate --pattern star", "--pattern");
  expect_usage_error("--device sim:gfx942 saturate --bytes 0", "--bytes");
  expect_usage_error("--device sim:gfx942 saturate --bytes 12Q", "--bytes");
  expect_usage_error("--device sim:gfx942 saturate --work-items lots", "--work-items");
  expect_usage_error("--device sim:gfx942 saturate --seconds -1", "--seconds");
  expect_usage_error("--device sim:gfx942 latency --iterations 0", "--iterations");
  expect_usage_error("--device sim:gfx942 latency --kinds dma", "--kinds");
  expect_usage_error("--device sim:gfx942 latency --kinds gpu-gpu", "two or more devices");
  expect_usage_error("--device sim:gfx942 memtest --tests checkerboard", "--tests");
  expect_usage_error("--device sim:gfx942 memtest --bytes 1X", "--bytes");
  expect_usage_error("--device sim:gfx942 memtest --bytes 1M --inject-stuck-bit 8:64", "bit");
  expect_usage_error("--device sim:gfx942 memtest --bytes 1M --inject-stuck-bit 0x100000:1",
                     "outside");
  for (const char* cmd : {"saturate", "latency", "memtest"}) {
    auto r = run_command(cli(std::string(cmd) + " --help"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Examples"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--devices"), std::string::npos) << r.out;
  }
}

// ---- latency ----

void check_percentiles(const nlohmann::json& k, uint64_t samples) {
  SCOPED_TRACE(k.dump());
  EXPECT_EQ(k["samples"].get<uint64_t>(), samples);
  EXPECT_EQ(k["errors"], 0);
  const auto& ns = k["ns"];
  EXPECT_GT(ns["min"].get<uint64_t>(), 0u);
  EXPECT_LE(ns["min"].get<uint64_t>(), ns["p50"].get<uint64_t>());
  EXPECT_LE(ns["p50"].get<uint64_t>(), ns["p90"].get<uint64_t>());
  EXPECT_LE(ns["p90"].get<uint64_t>(), ns["p99"].get<uint64_t>());
  EXPECT_LE(ns["p99"].get<uint64_t>(), ns["max"].get<uint64_t>());
  EXPECT_GE(ns["mean"].get<double>(), ns["min"].get<double>());
  EXPECT_LE(ns["mean"].get<double>(), ns["max"].get<double>());
  EXPECT_NEAR(k["us"]["p50"].get<double>(), ns["p50"].get<double>() / 1000.0, 1e-6);
}

TEST(CliWorkload, LatencyEveryQueueKind) {
  auto r = run_command(cli("--json --device sim:gfx942 latency --iterations 20 --warmup 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  std::vector<std::string> kinds;
  for (const auto& k : j["kinds"]) {
    kinds.push_back(k["kind"]);
    if (k.contains("skipped")) continue;
    check_percentiles(k, 20);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"compute", "aql", "sdma"}));
  for (const auto& k : j["kinds"]) {
    if (k["kind"] != "aql") {
      EXPECT_FALSE(k.contains("skipped")) << k;
    }
  }

  r = run_command(cli("--device sim:gfx942 latency --iterations 5 --warmup 0 --kinds sdma"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("p99"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sdma"), std::string::npos) << r.out;
}

TEST(CliWorkload, LatencyGpuToGpu) {
  auto r = run_command(
      cli("--json latency --devices sim:gfx942x2 --kinds gpu-gpu --iterations 10 --warmup 1"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  ASSERT_EQ(j["kinds"].size(), 2u) << j;
  EXPECT_EQ(j["kinds"][0]["kind"], "gpu-gpu-compute");
  EXPECT_EQ(j["kinds"][1]["kind"], "gpu-gpu-sdma");
  for (const auto& k : j["kinds"]) check_percentiles(k, 10);
}

TEST(CliWorkload, DeviceListKeepsSimulatorOptionsWithTheirDevice) {
  // "sim:gfx942x2,vram=8G" is one system with an option, not a device named "vram=8G".
  auto r = run_command(cli(
      "--json latency --devices sim:gfx942x2,vram=8G --kinds gpu-gpu --iterations 3 --warmup 0"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  ASSERT_EQ(j["kinds"].size(), 2u) << j;
  for (const auto& k : j["kinds"]) check_percentiles(k, 3);

  r = run_command(
      cli("--device sim:gfx942,vram=8G latency --iterations 3 --warmup 0 --kinds sdma"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("sdma"), std::string::npos) << r.out;

  r = run_command(cli("--device sim:gfx942,vram=oops latency --iterations 3"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("vram"), std::string::npos) << r.err;
}

TEST(CliWorkload, EveryWorkloadRunsOnTheBareMetalBackend) {
  // The same plugins on the am backend's own rings (sim/pci), with the same checks.
  auto r =
      run_command(cli("--json --backend am --device sim:gfx942 stress sdma --iterations 2 "
                      "--sizes 4K,64K --pattern iota"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  EXPECT_EQ(j["totals"]["errors"], 0);
  ASSERT_GE(j["engines"].size(), 2u);
  EXPECT_GT(check_counts(j), 0u);

  r = run_command(cli("--json --backend am --device sim:gfx942 overlap --scenario compute-copy"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(parse(r)["errors"], 0) << r.out;

  r = run_command(cli(
      "--json --backend am --device sim:gfx942 saturate --rounds 1 --bytes 1M --work-items 4096"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  j = parse(r);
  EXPECT_EQ(check_saturation(j, 1 << 20, 4096), 1u << 20);
  EXPECT_EQ(j["totals"]["errors"], 0);

  r = run_command(cli("--json --backend am --device sim:gfx942 latency --iterations 5 --warmup 1"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  j = parse(r);
  for (const auto& k : j["kinds"]) {
    if (!k.contains("skipped")) check_percentiles(k, 5);
  }

  r = run_command(cli("--json --backend am --device sim:gfx942 memtest --bytes 1M"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(parse(r)["errors"], 0) << r.out;
}

// ---- memtest ----

TEST(CliWorkload, MemtestHealthyDeviceHasNoErrors) {
  auto r = run_command(cli("--json --device sim:gfx942 memtest --bytes 1M --seed 7"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = parse(r);
  std::vector<std::string> tests;
  for (const auto& t : j["tests"]) {
    tests.push_back(t["test"]);
    EXPECT_EQ(t["bytes_checked"], 1 << 20) << t;
    EXPECT_TRUE(t["complete"].get<bool>()) << t;
    EXPECT_EQ(t["bad_words"], 0) << t;
    EXPECT_TRUE(t["bad_ranges"].empty()) << t;
  }
  EXPECT_EQ(tests, (std::vector<std::string>{"walking-ones", "walking-zeros", "address", "random",
                                             "0x00", "0xFF", "0xAA", "0x55"}));
  EXPECT_EQ(j["errors"], 0);
}

TEST(CliWorkload, MemtestReportsStuckBitAsBadRanges) {
  // Bit 5 stuck at 1 in the 8 words at offset 0x1000 (word indices 512-519).
  auto r = run_command(
      cli("--json --device sim:gfx942 memtest --bytes 1M --tests 0x00,walking-ones,0xFF "
          "--inject-stuck-bit 0x1000:5:64"));
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.err.find("15 errors"), std::string::npos) << r.err;
  auto j = parse(r);
  ASSERT_EQ(j["tests"].size(), 3u);
  // 0x00: one range of all 8 words, every word 0x20 instead of 0.
  const auto& zeros = j["tests"][0];
  EXPECT_EQ(zeros["bad_words"], 8);
  ASSERT_EQ(zeros["bad_ranges"].size(), 1u) << zeros;
  const auto& z = zeros["bad_ranges"][0];
  EXPECT_EQ(z["offset"], 0x1000);
  EXPECT_EQ(z["length"], 64);
  EXPECT_EQ(z["expected"], "0x0000000000000000");
  EXPECT_EQ(z["found"], "0x0000000000000020");
  EXPECT_EQ(z["flipped_bits"], "0x0000000000000020");
  // walking-ones: word 517 holds 1 << 5 itself, so the stuck bit splits the range in two.
  const auto& walk = j["tests"][1];
  EXPECT_EQ(walk["bad_words"], 7);
  ASSERT_EQ(walk["bad_ranges"].size(), 2u) << walk;
  EXPECT_EQ(walk["bad_ranges"][0]["offset"], 0x1000);
  EXPECT_EQ(walk["bad_ranges"][0]["length"], 40);
  EXPECT_EQ(walk["bad_ranges"][0]["expected"], "0x0000000000000001");
  EXPECT_EQ(walk["bad_ranges"][0]["found"], "0x0000000000000021");
  EXPECT_EQ(walk["bad_ranges"][1]["offset"], 0x1030);
  EXPECT_EQ(walk["bad_ranges"][1]["length"], 16);
  // The GPU addresses are the region's base plus the offsets.
  const uint64_t base = std::stoull(z["address"].get<std::string>(), nullptr, 16) - 0x1000;
  EXPECT_EQ(std::stoull(walk["bad_ranges"][1]["address"].get<std::string>(), nullptr, 16),
            base + 0x1030);
  // 0xFF: a bit stuck at 1 cannot show.
  EXPECT_EQ(j["tests"][2]["bad_words"], 0);

  // The table form names the range.
  r = run_command(
      cli("--device sim:gfx942 memtest --bytes 1M --tests 0xAA --inject-stuck-bit 0x2000:0:16:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("16 bytes (2 words): expected 0xaaaaaaaaaaaaaaaa, found 0xaaaaaaaaaaaaaaab"),
            std::string::npos)
      << r.out;
}

TEST(CliWorkload, SaturateSigintStopsWithSummaryAnd130) {
  auto j = interrupt_run({"--json", "--device", "sim:gfx942", "saturate", "--seconds", "30",
                          "--bytes", "1M", "--work-items", "2048"},
                         std::chrono::milliseconds(800));
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["totals"]["errors"], 0);
  check_saturation(j, 1 << 20, 2048);
}

}  // namespace
