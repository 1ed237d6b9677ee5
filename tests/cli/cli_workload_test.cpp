// `amdhal stress sdma` and `amdhal overlap` (the workload plugins) run as a user runs them, on the
// simulator: clean runs whose byte counts add up, an injected corruption reported with its
// address, an overlap trace with two engines busy at once, and Ctrl-C giving a summary and 130.
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

// One round only: a device opened after the first has no mapping of the KFD event page (the kfd
// backend maps it to the first GPU that creates an event), so its SDMA engine stalls on the
// event-slot FENCE after the first signal. The multi-round test below is disabled until then.
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
    if (sc["scenario"] == "pipeline") EXPECT_TRUE(sc["ordered"].get<bool>()) << sc;
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

TEST(CliWorkload, SigintStopsWithSummaryAnd130) {
  const std::string out =
      (fs::temp_directory_path() / ("amdhal-sigint-out-" + std::to_string(getpid()) + ".txt"))
          .string();
  const std::string err =
      (fs::temp_directory_path() / ("amdhal-sigint-err-" + std::to_string(getpid()) + ".txt"))
          .string();
  const auto start = std::chrono::steady_clock::now();
  const int code = run_and_interrupt(
      {"--json", "--device", "sim:gfx942", "stress", "sdma", "--seconds", "30", "--sizes", "64K"},
      std::chrono::milliseconds(500), out, err);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(code, 130) << amdhal::testing::read_file(err);
  EXPECT_LT(took, 10.0);
  auto j = nlohmann::json::parse(amdhal::testing::read_file(out), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << amdhal::testing::read_file(out);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_GE(j["rounds"].get<uint64_t>(), 1u);
  EXPECT_EQ(j["totals"]["errors"], 0);
  check_counts(j);
  EXPECT_NE(amdhal::testing::read_file(err).find("interrupted"), std::string::npos);
  fs::remove(out);
  fs::remove(err);
}

}  // namespace
