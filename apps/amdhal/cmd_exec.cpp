// `amdhal --device sim:gfx90a[xN] exec [--log ioctl,files,packets] [--trace FILE] -- PROGRAM
// [ARGS...]`: runs an unmodified ROCm program on simulated GPUs. PROGRAM starts with
// libamdhal_interpose.so preloaded (sim/interpose), which answers /dev/kfd, the render nodes and
// the amdgpu/KFD sysfs files from a virtual KFD inside PROGRAM's own process (docs/rocm.md).
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "amdhal/family.h"
#include "cli.h"

#ifndef AMDHAL_INTERPOSE_INSTALL_PATH
#define AMDHAL_INTERPOSE_INSTALL_PATH "/usr/local/lib/amdhal/libamdhal_interpose.so"
#endif

namespace amdhal::cli {
namespace {

constexpr const char* kLibName = "libamdhal_interpose.so";

// The simulator's targets that Debian 12's ROCm 5.2.3 runtime knows: its ROCr
// (libhsa-runtime64.so.1.5.0) lists gfx700-gfx90c and gfx1010-gfx1035 (`strings
// libhsa-runtime64.so.1 | grep gfx`), so of the registry only gfx90a and gfx1030; gfx94x and
// gfx11/gfx12 came in later ROCm releases.
bool rocm_knows(std::string_view gfx) {
  return gfx == "gfx90a" || gfx == "gfx1030";
}

/// Checks "sim:<target>[x<N>][,key=value...]" as far as the CLI can (the library parses it fully)
/// and that ROCm 5.2.3 supports the target.
/// Removes $TMPDIR/amdhal-exec-<pid>-* and amdhal-vkfd-<pid>-* of the finished program: a
/// normal exit has removed them already, a crash or abort (a GPU fault ends a HIP program with
/// abort()) leaves them behind.
void remove_private_dirs(pid_t pid) {
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path dir = tmp != nullptr && *tmp ? tmp : "/tmp";
  const std::string mine[] = {fmt::format("amdhal-exec-{}-", pid),
                              fmt::format("amdhal-vkfd-{}-", pid)};
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    for (const std::string& prefix : mine) {
      // mkdtemp's suffix is 6 characters: nothing else matches the exact shape.
      if (name.size() == prefix.size() + 6 && name.starts_with(prefix) && entry.is_directory(ec)) {
        std::filesystem::remove_all(entry.path(), ec);
      }
    }
  }
}

Status check_target(const std::string& spec) {
  if (!spec.starts_with("sim:")) {
    return invalid_argument(fmt::format(
        "exec: --device '{}' is not a simulated device; exec runs programs on the simulator, "
        "e.g. --device sim:gfx90a or sim:gfx90ax2",
        spec));
  }
  std::string target =
      spec.substr(4, spec.find(',') == std::string::npos ? std::string::npos : spec.find(',') - 4);
  // "gfx90ax2": a count after an 'x' that follows the "gfx" prefix.
  if (const size_t x = target.rfind('x');
      x != std::string::npos && x > 3 && x + 1 < target.size() &&
      target.find_first_not_of("0123456789", x + 1) == std::string::npos) {
    target.resize(x);
  }
  auto fam = find_family(target);
  if (!fam.ok()) return invalid_argument(fmt::format("exec: {}", fam.status().message()));
  if (!rocm_knows((*fam)->name)) {
    return invalid_argument(fmt::format(
        "exec: {} is not supported by the installed ROCm 5.2.3 runtime (it knows gfx90a and "
        "gfx1030 of the simulator's targets); use --device sim:gfx90a",
        (*fam)->name));
  }
  return ok_status();
}

/// The interposer: $AMDHAL_INTERPOSE_LIB, else next to the plugins of this build
/// (<bin>/../lib/amdhal/), else the installed copy.
Expected<std::string> interposer_path() {
  if (const char* env = std::getenv("AMDHAL_INTERPOSE_LIB"); env != nullptr && *env != '\0') {
    if (access(env, R_OK) != 0) {
      return not_found(fmt::format("exec: AMDHAL_INTERPOSE_LIB={}: {}", env, std::strerror(errno)));
    }
    return std::string(env);
  }
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir.resize(dir.rfind('/'));
    const std::string built = fmt::format("{}/../lib/amdhal/{}", dir, kLibName);
    if (access(built.c_str(), R_OK) == 0) return built;
  }
  if (access(AMDHAL_INTERPOSE_INSTALL_PATH, R_OK) == 0) {
    return std::string(AMDHAL_INTERPOSE_INSTALL_PATH);
  }
  return not_found(
      fmt::format("exec: {} not found next to the plugins or at {} (build target "
                  "amdhal_interpose, or set AMDHAL_INTERPOSE_LIB)",
                  kLibName, AMDHAL_INTERPOSE_INSTALL_PATH));
}

int run_exec(Context& ctx, const po::variables_map& vm) {
  const auto program = vm.count("program") ? vm["program"].as<std::vector<std::string>>()
                                           : std::vector<std::string>{};
  if (program.empty()) {
    return fail(kExitUsage, "exec: no program given (amdhal --device sim:gfx90a exec -- PROGRAM)");
  }
  std::string spec = ctx.options().device.empty() ? "sim:gfx90a" : ctx.options().device;
  if (Status st = check_target(spec); !st.ok()) return fail(st);
  // --timeout: the simulator's kernel time limit (the spec's timeout= key).
  if (vm.count("timeout")) {
    const std::string text = vm["timeout"].as<std::string>();
    char* end = nullptr;
    const double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || end == nullptr || *end != '\0' || !(seconds > 0) || seconds > 1e6) {
      return fail(
          kExitUsage,
          fmt::format("exec: --timeout '{}': expected seconds, > 0 (e.g. 10 or 0.5)", text));
    }
    if (spec.find(",timeout=") != std::string::npos) {
      return fail(kExitUsage, "exec: --timeout given both as an option and in --device (timeout=)");
    }
    const auto ms = std::max<long long>(1, static_cast<long long>(seconds * 1000.0 + 0.5));
    spec += fmt::format(",timeout={}ms", ms);
  }
  const std::string log = vm.count("log") ? vm["log"].as<std::string>() : "";
  {
    size_t pos = 0;
    while (pos <= log.size() && !log.empty()) {
      size_t end = log.find(',', pos);
      if (end == std::string::npos) end = log.size();
      const std::string item = log.substr(pos, end - pos);
      if (item != "ioctl" && item != "files" && item != "packets") {
        return fail(
            kExitUsage,
            fmt::format("exec: --log: unknown item '{}' (known: ioctl, files, packets)", item));
      }
      pos = end + 1;
    }
  }
  // --trace: an absolute path (PROGRAM may change directory), holding a valid empty trace until
  // the program's process that runs the GPUs replaces it at exit.
  std::string trace;
  if (vm.count("trace")) {
    trace = vm["trace"].as<std::string>();
    if (trace.empty()) return fail(kExitUsage, "exec: --trace: empty file name");
    std::error_code ec;
    const std::filesystem::path abs = std::filesystem::absolute(trace, ec);
    if (!ec) trace = abs.string();
    std::FILE* f = std::fopen(trace.c_str(), "w");
    if (f == nullptr) {
      return fail(kExitFailure, fmt::format("exec: --trace {}: {}", trace, std::strerror(errno)));
    }
    std::fputs("{\"traceEvents\":[],\"displayTimeUnit\":\"ns\"}\n", f);
    if (std::fclose(f) != 0) {
      return fail(kExitFailure, fmt::format("exec: --trace {}: {}", trace, std::strerror(errno)));
    }
  }
  auto lib = interposer_path();
  if (!lib.ok()) return fail(lib.status());

  std::string preload = *lib;
  if (const char* old = std::getenv("LD_PRELOAD"); old != nullptr && *old != '\0') {
    preload = fmt::format("{}:{}", old, *lib);
  }
  std::vector<char*> argv;
  for (const auto& a : program) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  // The program's terminal signals are its own: the CLI ignores them while it waits (as
  // system(3) does) and reports how the program ended.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_int {
  }, old_quit{};
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return fail(kExitFailure, fmt::format("exec: fork: {}", std::strerror(errno)));
  if (pid == 0) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("AMDHAL_EXEC_DEVICE", spec.c_str(), 1);
    if (log.empty()) {
      unsetenv("AMDHAL_EXEC_LOG");
    } else {
      setenv("AMDHAL_EXEC_LOG", log.c_str(), 1);
    }
    if (trace.empty()) {
      unsetenv("AMDHAL_EXEC_TRACE");
    } else {
      setenv("AMDHAL_EXEC_TRACE", trace.c_str(), 1);
    }
    execvp(argv[0], argv.data());
    const int err = errno;
    std::fprintf(stderr, "amdhal: exec: cannot run '%s': %s\n", argv[0], std::strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  if (r < 0) return fail(kExitFailure, fmt::format("exec: waitpid: {}", std::strerror(errno)));
  remove_private_dirs(pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitFailure;
}

}  // namespace

Command exec_command() {
  Command c;
  c.name = "exec";
  c.summary = "run an unmodified ROCm program (rocminfo, ...) on simulated GPUs";
  c.options = [](po::options_description& desc, po::positional_options_description& pos) {
    desc.add_options()("log", po::value<std::string>()->value_name("LIST"),
                       "trace to stderr: ioctl (every KFD/DRM ioctl and mmap with its arguments "
                       "and result), files (every claimed path), packets (every packet a "
                       "simulated engine runs, decoded); comma-separated")(
        "trace", po::value<std::string>()->value_name("FILE"),
        "write a Chrome trace (JSON; open in Perfetto or chrome://tracing) of the packets the "
        "simulated GPUs ran: one track per GPU and queue, kernel dispatches, SDMA copies and "
        "fills, barriers and waits with their durations; written when PROGRAM exits")(
        "timeout", po::value<std::string>()->value_name("SECONDS"),
        "stop a kernel dispatch that runs longer than this (an endless loop): the simulator "
        "reports it and the runtime gets a queue error; default: no limit")(
        "program", po::value<std::vector<std::string>>()->value_name("PROGRAM"),
        "the program and its arguments, after --");
    pos.add("program", -1);
  };
  c.details =
      "Runs PROGRAM with libamdhal_interpose.so preloaded (appended to LD_PRELOAD). The simulated\n"
      "GPUs of --device (default sim:gfx90a) live inside PROGRAM's process, behind a virtual\n"
      "/dev/kfd; the KFD topology, render nodes and amdgpu sysfs files are served to it.\n"
      "Nothing else changes: other files, child processes and the environment are untouched.\n"
      "Targets: those ROCm 5.2.3 supports, i.e. gfx90a (tested) and gfx1030; sim:gfx942 and\n"
      "sim:gfx1100 are refused before PROGRAM starts.\n\n"
      "Exit status: PROGRAM's own; 128+N if a signal N ended it; 127 if it cannot be found;\n"
      "2 for a bad command line or target.\n\n"
      "--log packets prints one line per packet: \"amdhal-exec: gpu0 aql q1 KERNEL_DISPATCH\n"
      "grid_size_x=256 ... kernel_object=0x...\" (qN is the KFD queue id of --log ioctl).\n"
      "--trace FILE holds a valid empty trace until the process that used the GPUs exits; a\n"
      "program that ends with _exit or a signal leaves it empty. Timestamps are microseconds\n"
      "from the program's start.\n\n"
      "--timeout S stops any kernel still running after S seconds (the same as timeout=S in\n"
      "the --device spec); HIP then reports a queue error and ends the program.\n\n"
      "Without the CLI: LD_PRELOAD=build/lib/amdhal/libamdhal_interpose.so\n"
      "  AMDHAL_EXEC_DEVICE=sim:gfx90ax2 AMDHAL_EXEC_LOG=ioctl AMDHAL_EXEC_TRACE=FILE PROGRAM\n"
      "  (see docs/rocm.md).\n\n"
      "Examples:\n"
      "  amdhal --device sim:gfx90a exec -- rocminfo\n"
      "  amdhal --device sim:gfx90ax2 exec --log ioctl -- rocminfo\n"
      "  amdhal exec --log packets --trace run.json -- ./my_hip_program\n"
      "  amdhal exec --timeout 10 -- ./my_hip_program\n";
  c.run = run_exec;
  return c;
}

}  // namespace amdhal::cli
