// The wave interpreter as the simulator's KernelExecutor: runs the workgroups of a dispatch on a
// pool of host threads. Waves of one workgroup run on one thread, interleaved at s_barrier, and
// share that workgroup's LDS. Global/flat memory goes through the device's GPUVM; a failed
// translation is recorded as a VM fault (engine "shader") and fails the dispatch. An instruction
// the interpreter does not know stops the dispatch with an illegal-instruction fault naming the
// target, encoding, opcode and PC (Status kAborted).
#pragma once

#include <cstdint>
#include <memory>

#include "amdhal/family.h"
#include "amdhal/status.h"
#include "amdhal_sim/device.h"

namespace amdhal::sim::isa {

/// Options of the interpreter.
struct ExecutorOptions {
  /// Host threads that run workgroups; 0 = std::thread::hardware_concurrency().
  uint32_t threads = 0;
  /// A wave that executes more than this many instructions is stopped (a runaway loop would
  /// otherwise never return); 0 = no limit.
  uint64_t max_instructions_per_wave = 1ull << 32;
};

/// Counters of the last dispatch run (for benchmarks and diagnostics).
struct ExecutorStats {
  uint64_t workgroups = 0;
  uint64_t waves = 0;
  uint64_t instructions = 0;     ///< wave instructions executed
  uint64_t lane_operations = 0;  ///< sum over vector instructions of active lanes
};

/// The KernelExecutor of the ISA interpreter, with its statistics.
class IsaExecutor : public KernelExecutor {
 public:
  ~IsaExecutor() override = default;
  /// Counters of the most recent run() (summed over its threads).
  virtual ExecutorStats last_stats() const = 0;
};

/// An interpreter for `family`. kUnimplemented for families the interpreter cannot run yet, with
/// the list of those it can.
Expected<std::shared_ptr<IsaExecutor>> make_isa_executor(const GpuFamily& family,
                                                         const ExecutorOptions& options = {});

}  // namespace amdhal::sim::isa
