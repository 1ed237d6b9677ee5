// Shared pieces of the amdhal command-line tool: global options, the command table, device
// selection and output helpers.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/device.h"
#include "amdhal/registry.h"
#include "amdhal/status.h"
#include "amdhal/workload.h"

namespace amdhal::cli {

namespace po = boost::program_options;

/// Exit codes of the tool.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< the command ran and failed (device, I/O, bad data)
inline constexpr int kExitUsage = 2;    ///< the command line was wrong

/// Options that apply to every command.
struct GlobalOptions {
  std::string backend;  ///< --backend: restrict to one backend
  std::string device;   ///< --device: index, PCI address or id
  bool json = false;    ///< --json: machine-readable output
  int verbose = 0;      ///< -v (repeatable)
};

/// A device as the CLI numbers it: position in `amdhal list`.
struct DeviceEntry {
  int index = 0;
  std::shared_ptr<Backend> backend;
  DeviceInfo info;
};

/// Everything a command needs.
class Context {
 public:
  explicit Context(GlobalOptions options) : options_(std::move(options)) {}
  const GlobalOptions& options() const { return options_; }

  /// Plugins loaded on first use.
  Registry& registry();
  /// Backends after --backend filtering; an unknown --backend is a usage error.
  Expected<std::vector<std::shared_ptr<Backend>>> selected_backends();
  /// Devices of the selected backends, numbered, plus one "backend: reason" line for each
  /// backend that reported none.
  struct DeviceScan {
    std::vector<DeviceEntry> devices;
    std::vector<std::pair<std::string, std::string>> reasons;  ///< (backend, why no devices)
    /// (backend, why no real hardware) for backends that found only simulated devices.
    std::vector<std::pair<std::string, std::string>> hardware;
  };
  Expected<DeviceScan> scan_devices();
  /// The device named by --device, or the first one found.
  Expected<DeviceEntry> select_device();

 private:
  GlobalOptions options_;
  std::unique_ptr<Registry> registry_;
  std::optional<DeviceScan> scan_;
};

/// One command of the tool.
struct Command {
  std::string_view name;
  std::string_view summary;
  /// Describes the command's own options (added to `desc`) and positional arguments.
  std::function<void(po::options_description& desc, po::positional_options_description& pos)>
      options;
  /// Text after the option list in `amdhal CMD --help`: arguments and examples.
  std::string_view details;
  /// Runs the command with its parsed options.
  std::function<int(Context& ctx, const po::variables_map& vm)> run;
};

/// The commands, one function per cmd_*.cpp; main.cpp lists them in help order.
Command list_command();
Command info_command();
Command decode_command();
Command copy_command();      // cmd_copy.cpp
Command fill_command();      // cmd_fill.cpp
Command dispatch_command();  // cmd_dispatch.cpp
Command demo_command();      // cmd_demo.cpp
Command bringup_command();   // cmd_bringup.cpp
Command regs_command();      // cmd_regs.cpp

/// Sends a JSON request to the am backend plugin's diagnostic entry point (cmd_bringup.cpp).
Expected<nlohmann::json> call_am_tool(Context& ctx, const nlohmann::json& request);
Command stress_command();    // cmd_stress.cpp
Command overlap_command();   // cmd_overlap.cpp
Command saturate_command();  // cmd_saturate.cpp
Command latency_command();   // cmd_latency.cpp
Command memtest_command();   // cmd_memtest.cpp

/// Runs a workload plugin on the devices in `devices` (comma-separated; "" = --device or the
/// simulator) with a progress line on a terminal; Ctrl-C stops it with the summary so far and
/// exit status 130; data errors give 1 (cmd_stress.cpp).
int run_workload(Context& ctx, std::string_view workload_name, std::string_view command,
                 const WorkloadOptionMap& options, const std::string& devices,
                 const std::string& kernel_dir);

/// run_workload for a workload command: the options named in `names` are taken from `vm` (string
/// values), with `--devices` and `--kernel-dir` when given (saturate, latency, memtest).
inline int run_workload_command(Context& ctx, const po::variables_map& vm,
                                std::string_view workload_name, std::string_view command,
                                std::initializer_list<const char*> names) {
  WorkloadOptionMap options;
  for (const char* name : names) {
    if (vm.count(name)) options[name] = vm[name].as<std::string>();
  }
  const std::string devices = vm.count("devices") ? vm["devices"].as<std::string>() : "";
  const std::string kernel_dir = vm.count("kernel-dir") ? vm["kernel-dir"].as<std::string>() : "";
  return run_workload(ctx, workload_name, command, options, devices, kernel_dir);
}

// Shared by copy, fill and dispatch (defined in cmd_copy.cpp).

/// A device opened to run work on, and the backend that opened it.
struct WorkDevice {
  std::shared_ptr<Device> device;
  std::shared_ptr<Backend> backend;
};
/// Opens the device named by --device ("sim:..." ids go straight to the backend, default kfd), or
/// the first real GPU; with neither, the simulator "sim:<sim_target>", saying so once on stderr.
Expected<WorkDevice> open_work_device(Context& ctx, std::string_view sim_target);
/// The simulated target to run a code object on: its processor, or for a generic target the
/// first processor it runs on.
std::string sim_target_for(const CodeObject& co);
/// "64M" → 67108864: a number with an optional K/M/G/T suffix (powers of 1024; "KiB", "MB" too).
Expected<uint64_t> parse_size(std::string_view text);
/// "sdma", "compute", "aql".
Expected<QueueKind> parse_engine(std::string_view name);
/// "vram", "gtt", "host".
Expected<MemoryDomain> parse_domain(std::string_view name);
/// --size, --engine, --verify.
void add_transfer_options(po::options_description& desc, bool is_copy);
/// Appends a signal, submits, and waits up to `timeout`; stops early if the queue reports itself
/// hung. Errors carry the queue's state. `elapsed_ns`: submission to completion.
Status run_and_wait(Device& device, Queue& queue, CommandBuffer commands,
                    std::chrono::nanoseconds timeout, uint64_t* elapsed_ns = nullptr);
/// "sim:gfx942" or "0000:03:00.0 (gfx942)".
std::string device_label(const Device& device);

/// `info --topology DIR` (cmd_topology.cpp).
int run_topology_info(Context& ctx, const std::string& dir);

/// Prints "amdhal: <message>" on stderr and returns `code`.
int fail(int code, std::string_view message);
/// Maps a Status to an exit code (invalid argument → 2, else 1) and prints it.
int fail(const Status& status);

/// Prints a JSON value on stdout (indented by 2).
void print_json(const nlohmann::json& j);

/// "24.0 GiB" style sizes.
std::string format_bytes(uint64_t bytes);

}  // namespace amdhal::cli
