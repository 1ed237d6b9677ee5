// `amdhal stress sdma` and the runner every workload command shares: opening the devices named,
// running a workload plugin with a progress line on a terminal, stopping cleanly on Ctrl-C with
// the summary so far (exit 130), and printing the report as a table or as JSON.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "amdhal/backend.h"
#include "amdhal/workload.h"
#include "cli.h"

namespace amdhal::cli {
namespace {

std::atomic<bool> g_stop{false};

void on_sigint(int) {
  g_stop.store(true);
}

/// Installs the SIGINT handler for the lifetime of a run; a second Ctrl-C kills the process.
class SigintGuard {
 public:
  SigintGuard() {
    g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, &old_);
  }
  ~SigintGuard() { sigaction(SIGINT, &old_, nullptr); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  struct sigaction old_ {};
};

/// Splits a device list on commas. A simulated device's options ("sim:gfx942,largebar=0") hold
/// commas too: an entry of the form key=value belongs to the device before it.
std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  auto push = [&out](const std::string& entry) {
    if (entry.empty()) return;
    const bool option = entry.find('=') != std::string::npos && !entry.starts_with("sim:");
    if (option && !out.empty() && out.back().starts_with("sim:")) {
      out.back() += "," + entry;
    } else {
      out.push_back(entry);
    }
  };
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      push(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  push(cur);
  return out;
}

/// "sim:gfx942x4" (no #index) names every device of the simulated system: #0..#3.
std::vector<std::string> expand_sim_system(const std::string& id) {
  if (!id.starts_with("sim:") || id.find('#') != std::string::npos) return {id};
  const std::string spec = id.substr(4);
  const std::string head = spec.substr(0, spec.find(','));
  // The target name starts with "gfx"; a count follows an 'x' after it (gfx942x4).
  const size_t x = head.size() > 3 ? head.find('x', 3) : std::string::npos;
  if (x == std::string::npos || x + 1 >= head.size() ||
      head.find_first_not_of("0123456789", x + 1) != std::string::npos) {
    return {id};
  }
  const int count = std::stoi(head.substr(x + 1));
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(fmt::format("{}#{}", id, i));
  return out;
}

/// Opens the devices named in `list` (comma-separated ids, indices or PCI addresses; sim systems
/// expand to all their GPUs), else --device, else the first GPU or the simulator.
Expected<std::vector<std::shared_ptr<Device>>> open_devices(Context& ctx, const std::string& list) {
  std::vector<std::string> ids;
  for (const std::string& entry : split_commas(list.empty() ? ctx.options().device : list)) {
    for (std::string& id : expand_sim_system(entry)) ids.push_back(std::move(id));
  }
  std::vector<std::shared_ptr<Device>> devices;
  if (ids.empty()) {
    AMDHAL_ASSIGN_OR_RETURN(WorkDevice w, open_work_device(ctx, "gfx942"));
    devices.push_back(w.device);
    return devices;
  }
  const std::string backend_name = ctx.options().backend.empty() ? "kfd" : ctx.options().backend;
  for (const std::string& id : ids) {
    if (id.starts_with("sim:")) {
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Backend> backend,
                              ctx.registry().backend(backend_name));
      auto d = backend->open(id);
      if (!d.ok()) return d.status().with_context(fmt::format("opening {}", id));
      devices.push_back(*d);
      continue;
    }
    AMDHAL_ASSIGN_OR_RETURN(Context::DeviceScan scan, ctx.scan_devices());
    const DeviceEntry* found = nullptr;
    for (const DeviceEntry& e : scan.devices) {
      if (std::to_string(e.index) == id || e.info.id == id || e.info.pci_bdf == id ||
          (!e.info.pci_bdf.empty() && e.info.pci_bdf.ends_with(id) && id.size() == 7)) {
        found = &e;
        break;
      }
    }
    if (found == nullptr) {
      return not_found(
          fmt::format("no device '{}' ({} found; see `amdhal list`)", id, scan.devices.size()));
    }
    auto d = found->backend->open(found->info.id);
    if (!d.ok()) return d.status().with_context(fmt::format("opening device {}", id));
    devices.push_back(*d);
  }
  return devices;
}

std::string default_kernel_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "tests/kernels";
  return (exe.parent_path() / ".." / "tests" / "kernels").lexically_normal().string();
}

}  // namespace

int run_workload(Context& ctx, std::string_view workload_name, std::string_view command,
                 const WorkloadOptionMap& options, const std::string& devices,
                 const std::string& kernel_dir) {
  auto workload = ctx.registry().workload(workload_name);
  if (!workload.ok()) {
    return fail(kExitFailure,
                fmt::format("{}: {} (workload plugins: libamdhal-workload-*.so; see `amdhal list`)",
                            command, workload.status().message()));
  }
  auto opened = open_devices(ctx, devices);
  if (!opened.ok())
    return fail(kExitFailure, fmt::format("{}: {}", command, opened.status().message()));

  WorkloadContext wctx;
  wctx.devices = *opened;
  wctx.options = options;
  wctx.stop = &g_stop;
  wctx.kernel_dir = kernel_dir.empty() ? default_kernel_dir() : kernel_dir;
  const bool show_progress = !ctx.options().json && isatty(STDERR_FILENO) != 0;
  bool progress_shown = false;
  if (show_progress) {
    wctx.progress = [&, last = std::chrono::steady_clock::time_point()](
                        double fraction, std::string_view line) mutable {
      // At most ten updates a second: a round can take microseconds.
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::milliseconds(100)) return;
      last = now;
      constexpr int kWidth = 24;
      std::string bar;
      if (fraction >= 0) {
        const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kWidth);
        bar = fmt::format("[{}{}] {:3.0f}% ", std::string(filled, '#'),
                          std::string(kWidth - filled, ' '), fraction * 100);
      }
      std::fprintf(stderr, "\r\033[K%s%.*s", bar.c_str(), static_cast<int>(line.size()),
                   line.data());
      std::fflush(stderr);
      progress_shown = true;
    };
  }

  Expected<WorkloadReport> report = internal_error("not run");
  {
    SigintGuard guard;
    report = (*workload)->run(wctx);
  }
  if (progress_shown) std::fprintf(stderr, "\r\033[K");
  const bool interrupted = g_stop.load() || (report.ok() && report->interrupted);
  if (!report.ok()) {
    if (interrupted) {
      fail(kExitFailure, fmt::format("{}: interrupted: {}", command, report.status().message()));
      return 130;
    }
    return fail(report.status().with_context(std::string(command)));
  }
  if (ctx.options().json) {
    nlohmann::json j = nlohmann::json::parse(report->json, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return fail(kExitFailure, fmt::format("{}: bad JSON report", command));
    j["interrupted"] = interrupted;
    print_json(j);
  } else {
    std::cout << report->text;
    std::cout.flush();
  }
  if (interrupted) {
    fail(kExitFailure,
         fmt::format("{}: interrupted; the summary above is of the work done", command));
    return 130;
  }
  if (report->errors != 0) {
    return fail(kExitFailure, fmt::format("{}: {} error{} found", command, report->errors,
                                          report->errors == 1 ? "" : "s"));
  }
  return kExitOk;
}

namespace {

int run_stress(Context& ctx, const po::variables_map& vm) {
  const std::string kind = vm.count("kind") ? vm["kind"].as<std::string>() : "";
  if (kind != "sdma") {
    return fail(kExitUsage,
                kind.empty() ? "stress: which stress? (stress kinds: sdma)"
                             : fmt::format("stress: unknown kind '{}' (stress kinds: sdma)", kind));
  }
  WorkloadOptionMap options;
  for (const char* name :
       {"sizes", "pattern", "seconds", "iterations", "engines", "ops", "inject-corruption"}) {
    if (vm.count(name)) options[name] = vm[name].as<std::string>();
  }
  if (auto s = options.find("seconds"); s != options.end()) {
    char* end = nullptr;
    const double v = std::strtod(s->second.c_str(), &end);
    if (end == s->second.c_str() || *end != '\0' || v < 0) {
      return fail(kExitUsage,
                  fmt::format("stress: --seconds '{}' is not a number of seconds", s->second));
    }
  }
  const std::string devices = vm.count("devices") ? vm["devices"].as<std::string>() : "";
  return run_workload(ctx, "sdma-stress", "stress sdma", options, devices, "");
}

}  // namespace

Command stress_command() {
  return {.name = "stress",
          .summary = "stress SDMA engines: copies, fills, P2P, every byte verified",
          .options =
              [](po::options_description& desc, po::positional_options_description& pos) {
                desc.add_options()("kind", po::value<std::string>()->value_name("KIND"),
                                   "what to stress: sdma")(
                    "devices", po::value<std::string>()->value_name("LIST"),
                    "comma-separated devices (ids, indices, PCI addresses); sim:gfx942x4 means "
                    "all four GPUs; default: --device")(
                    "sizes", po::value<std::string>()->default_value("4K,1M,16M"),
                    "transfer sizes, comma-separated, K/M/G suffixes")(
                    "pattern", po::value<std::string>()->default_value("iota"),
                    "data: iota, random or a hex constant such as 0xAA")(
                    "seconds", po::value<std::string>()->default_value("5"),
                    "run time (the operations in flight finish)")(
                    "iterations", po::value<std::string>()->default_value("0"),
                    "stop after this many operations per engine (0: --seconds decides)")(
                    "engines", po::value<std::string>()->default_value("0"),
                    "SDMA engines per device (0: all, XGMI SDMA engines included)")(
                    "ops", po::value<std::string>()->default_value("copy,fill,p2p"),
                    "operations: copy, fill, p2p (p2p with two or more devices)")(
                    "inject-corruption", po::value<std::string>()->value_name("OFFSET"),
                    "test hook: flip the byte at OFFSET of the first destination after the "
                    "first operation, so the error report can be checked");
                pos.add("kind", 1);
              },
          .details =
              "Every SDMA engine of every device runs operations at once, one CPU thread each;\n"
              "each destination is verified byte for byte. Per engine: bytes, operations,\n"
              "GB/s while busy (GPU timestamps), busy fraction of the wall time and errors with\n"
              "the first bad address, expected and found bytes. Ctrl-C stops after the\n"
              "operations in flight and prints the summary so far (exit status 130).\n"
              "Exit status 1 if any byte was wrong.\n\n"
              "Examples:\n"
              "  amdhal stress sdma --seconds 10 --sizes 4K,1M,64M --pattern random\n"
              "  amdhal stress sdma --devices sim:gfx942x4 --seconds 2\n"
              "  amdhal --json stress sdma --iterations 10\n",
          .run = run_stress};
}

}  // namespace amdhal::cli
