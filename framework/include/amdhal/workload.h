// Workload: a job a plugin runs on devices the caller opened (SDMA stress, compute/copy overlap).
// Workload plugins are found by the same loader as backends (Registry::workloads()) and export
// `amdhal_create_workload` with AMDHAL_WORKLOAD_PLUGIN(factory) (plugin_abi.h).
//
// Everything crossing the boundary is a plain type: options are strings, the report is JSON text
// plus a human-readable summary, errors are Status/Expected. No exception leaves a plugin.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/device.h"
#include "amdhal/status.h"

namespace amdhal {

/// One option a workload understands, as `--name VALUE` on the command line.
struct WorkloadOption {
  std::string name;           ///< "sizes"
  std::string help;           ///< one line
  std::string default_value;  ///< used when the caller passes none; "" for flags that are off
};

/// Option values by name, as strings ("sizes" → "4K,1M"). Missing names take their defaults.
using WorkloadOptionMap = std::map<std::string, std::string>;

/// What a workload gets to run with.
struct WorkloadContext {
  /// Devices opened by the caller, in the order the user named them. Devices of one simulated
  /// system (or one machine) see each other as peers.
  std::vector<std::shared_ptr<Device>> devices;
  /// Option values (see Workload::options()).
  WorkloadOptionMap options;
  /// Set (e.g. by a SIGINT handler) to ask the workload to finish the operations in flight and
  /// return its report so far. Never null while run() runs.
  const std::atomic<bool>* stop = nullptr;
  /// Called now and then from the thread that called run(): fraction done (0..1, or < 0 if
  /// unknown) and a one-line status. May be empty.
  std::function<void(double fraction, std::string_view line)> progress;
  /// Directory of the kernel corpus (<name>-<target>.hsaco), for workloads that dispatch.
  std::string kernel_dir;

  /// The option's value, or `fallback` if it was not given.
  std::string option(const std::string& name, const std::string& fallback = {}) const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  bool stop_requested() const { return stop != nullptr && stop->load(std::memory_order_relaxed); }
};

/// What a run produced. A run that found errors in the data still succeeds (returns a report with
/// `errors` > 0); Expected errors are for runs that could not be carried out.
struct WorkloadReport {
  std::string json;          ///< one JSON object (the machine-readable report)
  std::string text;          ///< the same for people: a table and a summary, '\n'-terminated
  uint64_t errors = 0;       ///< data errors found (miscompares, ordering violations)
  bool interrupted = false;  ///< the stop flag ended the run early
};

/// A workload plugin's entry point. Implementations must not throw.
class Workload {
 public:
  virtual ~Workload() = default;
  /// Short name: "sdma-stress".
  virtual std::string_view name() const = 0;
  virtual std::string_view version() const = 0;
  /// One line for `amdhal list`.
  virtual std::string_view summary() const = 0;
  /// The options run() reads.
  virtual std::vector<WorkloadOption> options() const = 0;
  /// Runs to completion, to the time limit, or until *context.stop is set.
  virtual Expected<WorkloadReport> run(WorkloadContext& context) = 0;
};

}  // namespace amdhal
