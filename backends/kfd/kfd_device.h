// KfdDevice: one GPU opened through KFD. KfdDeviceState is what every object made from the device
// (buffers, queues, signals) holds on to: the process, the GPU record, the family tables, the
// doorbell mappings and the plugin anchor.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "amdhal/device.h"
#include "amdhal/family.h"
#include "amdhal/status.h"
#include "kfd_memory.h"
#include "kfd_process.h"

namespace amdhal::kfd {

/// AMDKFD_IOC_GET_CLOCK_COUNTERS: the GPU, CPU and system clocks read together.
struct KfdClockCounters {
  uint64_t gpu_clock_counter = 0;
  uint64_t cpu_clock_counter = 0;
  uint64_t system_clock_counter = 0;
  uint64_t system_clock_freq = 0;  ///< Hz of system_clock_counter
};

/// AMDKFD_IOC_GET_CLOCK_COUNTERS for one GPU of the process.
Expected<KfdClockCounters> read_clock_counters(KfdProcess& process, uint32_t gpu_id);

class KfdDeviceState {
 public:
  KfdDeviceState(std::shared_ptr<KfdProcess> process, const KfdGpu* gpu, const GpuFamily* family,
                 DeviceInfo info, std::shared_ptr<const void> anchor)
      : process_(std::move(process)),
        gpu_(gpu),
        family_(family),
        info_(std::move(info)),
        anchor_(std::move(anchor)) {}
  KfdDeviceState(const KfdDeviceState&) = delete;
  KfdDeviceState& operator=(const KfdDeviceState&) = delete;
  /// Unmaps the doorbell slices.
  ~KfdDeviceState();

  KfdProcess& process() const { return *process_; }
  const KfdGpu& gpu() const { return *gpu_; }
  uint32_t gpu_id() const { return gpu_->gpu_id; }
  const TopologyNode& node() const { return *gpu_->node; }
  const GpuFamily& family() const { return *family_; }
  const DeviceInfo& info() const { return info_; }
  const std::shared_ptr<const void>& anchor() const { return anchor_; }

  /// Allocates memory owned by this GPU and mapped to it. `map_peers`: also map it to every other
  /// GPU this process has opened, best effort (a peer that cannot reach the memory is skipped).
  Expected<KfdMemory> allocate(KfdMemoryRequest request, bool map_peers = true);

  /// The CPU address of a queue's 64-bit doorbell, mapping /dev/kfd at `doorbell_offset`
  /// rounded down to the doorbell slice (8 KiB) the first time that slice is seen.
  Expected<uint64_t*> doorbell(uint64_t doorbell_offset);

  /// AMDKFD_IOC_GET_CLOCK_COUNTERS for this GPU.
  Expected<KfdClockCounters> clock_counters() const;

 private:
  std::shared_ptr<KfdProcess> process_;
  const KfdGpu* gpu_;
  const GpuFamily* family_;
  DeviceInfo info_;
  std::shared_ptr<const void> anchor_;

  std::mutex mu_;
  std::vector<std::pair<uint64_t, void*>> doorbell_slices_;  // mmap offset → CPU address
};

/// The public Device over a KfdDeviceState.
class KfdDevice final : public Device {
 public:
  explicit KfdDevice(std::shared_ptr<KfdDeviceState> state) : state_(std::move(state)) {}

  const DeviceInfo& info() const override { return state_->info(); }
  Expected<std::shared_ptr<Buffer>> alloc(uint64_t size, MemoryDomain domain,
                                          AllocFlags flags = {}) override;
  Expected<std::shared_ptr<Queue>> create_queue(
      QueueKind kind, QueuePriority priority = QueuePriority::kNormal) override;
  Expected<std::shared_ptr<Signal>> create_signal(uint64_t initial_value = 0) override;

  const std::shared_ptr<KfdDeviceState>& state() const { return state_; }
  Expected<KfdClockCounters> clock_counters() const { return state_->clock_counters(); }
  /// Internal allocations: the process doorbell slice and the MMIO-remap page, GPU-mapped.
  Expected<std::shared_ptr<Buffer>> alloc_doorbell_memory();
  Expected<std::shared_ptr<Buffer>> alloc_mmio_remap();

 private:
  Expected<std::shared_ptr<Buffer>> adopt_memory(KfdMemory memory, MemoryDomain domain);

  std::shared_ptr<KfdDeviceState> state_;
};

/// Opens the GPU with this gpu_id in `process`: render node, apertures, ACQUIRE_VM, family
/// tables, clock counters. Objects it makes hold `anchor`.
Expected<std::unique_ptr<KfdDevice>> open_kfd_device(std::shared_ptr<KfdProcess> process,
                                                     uint32_t gpu_id,
                                                     std::shared_ptr<const void> anchor);

/// The gpu_id of the device enumerate() reported as `id` ("0000:03:00.0", "gpu_id:1234").
Expected<uint32_t> gpu_id_for(const KfdProcess& process, std::string_view id);

}  // namespace amdhal::kfd
