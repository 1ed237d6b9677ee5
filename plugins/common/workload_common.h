// Pieces every workload plugin needs: option parsing with one-line errors, waiting for a signal
// with the queue's state on a hang, loading a corpus kernel, the GPU timestamp clock, and a
// paced progress callback. Linked statically into each plugin (plugins/common).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/device.h"
#include "amdhal/kernel.h"
#include "amdhal/loaded_code_object.h"
#include "amdhal/status.h"
#include "amdhal/workload.h"

namespace amdhal::workload {

/// The GPU timestamp counter runs at 100 MHz on MI200/MI300 and in the simulator
/// (sim/core: Device::kGpuClockHz), so one tick is 10 ns.
inline constexpr double kGpuClockHz = 100e6;
inline constexpr uint64_t kNsPerTick = 10;

/// "64M" → 67108864: digits with an optional K/M/G suffix (powers of 1024; "KiB", "MB" too).
/// Zero, an empty text and values past 2^40 are errors.
Expected<uint64_t> parse_size(std::string_view text);

/// "a,b,,c" → {"a", "b", "c"}.
std::vector<std::string> split_list(std::string_view text);

/// Option `name` of `ctx` (or `fallback`) as a whole number in [min, max]; the error names the
/// option: "--iterations: 'x' is not a whole number".
Expected<uint64_t> option_count(const WorkloadContext& ctx, const std::string& name,
                                const std::string& fallback, uint64_t min, uint64_t max);
/// Option `name` as a non-negative number of seconds.
Expected<double> option_seconds(const WorkloadContext& ctx, const std::string& name,
                                const std::string& fallback);

/// Waits until `signal` reaches `value`, in 100 ms slices so a hung queue is reported at once;
/// gives up after `limit`. Errors name `what` and carry the queue's state.
Status wait_for(Queue& queue, Signal& signal, uint64_t value, std::string_view what,
                std::chrono::seconds limit = std::chrono::seconds(120));

/// A corpus kernel loaded on a device.
struct LoadedKernel {
  std::shared_ptr<LoadedCodeObject> code;
  std::shared_ptr<Kernel> kernel;
};
/// Loads `<kernel_dir>/<name>-<target>.hsaco` on `device` and looks up kernel `name`.
Expected<LoadedKernel> load_kernel(Device& device, const std::string& kernel_dir,
                                   const std::string& name);

/// "1 error", "3 errors".
std::string plural(uint64_t n, std::string_view word);

/// A Workload whose run() turns an exception escaping run_checked() into an internal-error Status
/// naming the workload, so none crosses the plugin boundary.
class GuardedWorkload : public Workload {
 public:
  Expected<WorkloadReport> run(WorkloadContext& ctx) final;

 protected:
  virtual Expected<WorkloadReport> run_checked(WorkloadContext& ctx) = 0;
};

/// Seconds since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// Calls ctx.progress at most ten times a second (a no-op when the caller gave no callback).
class ProgressPacer {
 public:
  explicit ProgressPacer(const WorkloadContext& ctx) : ctx_(ctx) {}
  /// True if an update is due now (then call update()).
  bool due() const;
  void update(double fraction, std::string_view line);

 private:
  const WorkloadContext& ctx_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace amdhal::workload
