// Start-up costs: loading every plugin through the Registry (Boost.DLL load, ABI-version check,
// factory call) and a cold `amdhal list --json` run as a child process (fork + exec + the CLI's
// whole run + exit), wall time per run.
//
// The Registry is the only one alive in this process during BM_RegistryLoad, so every iteration
// really maps and relocates the libraries (dlopen's reference count drops to zero when the
// Registry is destroyed). "Cold" for the CLI means a new process; the libraries are in the page
// cache after the first run, as they are for any user running the command twice.
//
// Run: build/bench/bench_plugin_load [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "amdhal/registry.h"

extern char** environ;

namespace {

using namespace amdhal;

/// The CLI built beside this program: <build>/bin/amdhal, or $AMDHAL_CLI.
std::string cli_path() {
  if (const char* env = std::getenv("AMDHAL_CLI")) return env;
#ifdef AMDHAL_CLI_PATH
  return AMDHAL_CLI_PATH;
#else
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return "build/bin/amdhal";
  exe[n] = 0;
  return (std::filesystem::path(exe).parent_path().parent_path() / "bin" / "amdhal").string();
#endif
}

void BM_RegistryLoad(benchmark::State& state) {
  size_t backends = 0, workloads = 0, files = 0;
  for (auto _ : state) {
    std::unique_ptr<Registry> r = Registry::load();
    backends = r->backends().size();
    workloads = r->workloads().size();
    files = r->plugins().size();
    benchmark::DoNotOptimize(r.get());
  }
  if (backends == 0) {
    state.SkipWithError("no backend plugin found: build the plugins first");
    return;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(backends + workloads));
  state.counters["backends"] = static_cast<double>(backends);
  state.counters["workloads"] = static_cast<double>(workloads);
  state.counters["plugin_files"] = static_cast<double>(files);
}
BENCHMARK(BM_RegistryLoad)->Unit(benchmark::kMillisecond);

/// Runs `argv` with stdout and stderr on /dev/null; returns its exit status (or -1 on spawn
/// failure, with `error` set) and adds the child's user + system CPU seconds to `*cpu_seconds`.
int run_quiet(const std::vector<std::string>& args, std::string* error, double* cpu_seconds) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    *error = fmt::format("{}: cannot start: {}", args[0], std::strerror(rc));
    return -1;
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) {
    *error = fmt::format("{}: wait4: {}", args[0], std::strerror(errno));
    return -1;
  }
  *cpu_seconds += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  if (!WIFEXITED(status)) {
    *error = fmt::format("{}: killed by signal {}", args[0], WTERMSIG(status));
    return -1;
  }
  return WEXITSTATUS(status);
}

/// Wall time of one `amdhal <args>` process (manual time: the parent's CPU time would not count
/// the child). Counter child_cpu_ms: the child's own user + system CPU time per run.
void BM_CliColdStart(benchmark::State& state, std::vector<std::string> args) {
  args.insert(args.begin(), cli_path());
  std::string error;
  double child_cpu = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = run_quiet(args, &error, &child_cpu);
    const auto t1 = std::chrono::steady_clock::now();
    if (rc != 0) {
      state.SkipWithError((error.empty()
                               ? fmt::format("{} exited with status {}", fmt::join(args, " "), rc)
                               : error)
                              .c_str());
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["child_cpu_ms"] =
      child_cpu * 1e3 / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
BENCHMARK_CAPTURE(BM_CliColdStart, list_json, std::vector<std::string>{"--json", "list"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CliColdStart, version, std::vector<std::string>{"--version"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
