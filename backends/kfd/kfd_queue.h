// KfdQueue: a user-mode hardware queue created with AMDKFD_IOC_CREATE_QUEUE.
//
// Buffers (each its own allocation, because KFD checks that the ring, the pointer page, the EOP
// buffer and the save area are each exactly one whole mapping: kernel kfd_queue.c
// kfd_queue_acquire_buffers):
//   ring           kRingBytes of GTT, uncached, CPU-visible (power of two: kfd_chardev.c)
//   pointer page   one page of GTT, uncached. PM4/SDMA: read pointer at +0, write pointer at +8.
//                  AQL: an amd_queue_t (kfd_abi.h) whose read_dispatch_id / write_dispatch_id
//                  are the read / write pointers, as ROCr lays it out.
//   EOP buffer     compute queues: the node's eop_buffer_size (4 KiB from gfx8 on, 32 KiB on
//                  Tonga) of VRAM
//   save area      compute queues: (cwsr_size + debug_memory_size) × num_xcc, page-rounded, VRAM;
//                  ctx_save_restore_size = cwsr_size, ctl_stack_size as computed by
//                  queue_memory_sizes() (the kernel refuses any other ctl_stack_size)
//   staging        kStagingBytes of GTT for the encoder's side data (kernargs, IBs), reset only
//                  when the queue's private timeline says all earlier work has finished
// Pointer units: PM4 dwords, SDMA bytes, AQL 64-byte packets; write pointers are monotonic 64-bit
// values; read pointers are taken modulo the ring size, so a consumer may report them wrapped or
// monotonic.
// Submit: encode (command_encoder.h) the command buffer plus a write of the private timeline,
// copy into the ring (PM4/SDMA: dwords with wrap-around, packets may straddle the end as on every
// amdgpu ring; AQL: 64-byte slots, each header dword stored last with release ordering), store
// the write pointer, then ring the doorbell with the write pointer (AQL: the index of the last
// packet written, as ROCr's doorbell signal and tinygrad's doorbell_lag=1 do).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "amdhal/command_encoder.h"
#include "amdhal/queue.h"
#include "amdhal/ring_writer.h"
#include "amdhal/status.h"
#include "amdhal/topology.h"
#include "kfd_memory.h"

namespace amdhal::kfd {

class KfdDeviceState;
class KfdSignal;

/// Context save/restore and EOP sizes of a compute queue on one node, as the kernel computes
/// them (drivers/gpu/drm/amd/amdkfd/kfd_queue.c, kfd_queue_ctx_save_restore_size()).
struct KfdQueueMemorySizes {
  uint32_t eop_buffer_size = 0;    ///< bytes; 0: no EOP buffer
  uint32_t ctl_stack_size = 0;     ///< CREATE_QUEUE ctl_stack_size
  uint32_t cwsr_size = 0;          ///< CREATE_QUEUE ctx_save_restore_size (ctl stack + wg data)
  uint32_t debug_memory_size = 0;  ///< per XCC, after the save area
  uint32_t num_xcc = 1;
  /// Bytes to allocate for the save area: (cwsr + debug) × num_xcc, page-rounded; 0: no CWSR.
  uint64_t cwsr_allocation = 0;
};

/// The sizes for `node`. kDataLoss if the node lacks a property the formula needs.
Expected<KfdQueueMemorySizes> queue_memory_sizes(const TopologyNode& node);

/// KFD_IOC_QUEUE_TYPE_* for a kind.
uint32_t kfd_queue_type(QueueKind kind);
/// CREATE_QUEUE priority (0..15) for a QueuePriority.
uint32_t kfd_queue_priority(QueuePriority priority);

class KfdQueue final : public Queue {
 public:
  static constexpr uint32_t kRingBytes = 256 * 1024;
  static constexpr uint64_t kStagingBytes = 1024 * 1024;
  /// How long submit() waits for ring space or for the staging memory to drain.
  static constexpr std::chrono::seconds kBackpressureTimeout{10};

  static Expected<std::unique_ptr<KfdQueue>> create(std::shared_ptr<KfdDeviceState> device,
                                                    QueueKind kind, QueuePriority priority);
  /// DESTROY_QUEUE, then the buffers are released.
  ~KfdQueue() override;

  QueueKind kind() const override { return kind_; }
  Status submit(const CommandBuffer& commands) override;
  QueueState state() const override;

  uint32_t queue_id() const { return queue_id_; }
  /// Waits until everything submitted so far has finished (the private timeline).
  Status wait_idle(std::chrono::nanoseconds timeout);

 private:
  explicit KfdQueue(std::shared_ptr<KfdDeviceState> device, QueueKind kind);

  std::string label_;  // "compute queue 3 on GPU 1234", set once the queue exists
  std::string who_;    // "kfd: " + label_: error context for submissions

  std::shared_ptr<KfdDeviceState> device_;
  QueueKind kind_;
  uint32_t queue_id_ = 0;
  bool created_ = false;

  std::optional<KfdMemory> ring_;
  std::optional<KfdMemory> pointers_;
  std::optional<KfdMemory> eop_;
  std::optional<KfdMemory> cwsr_;
  std::optional<KfdMemory> staging_memory_;
  std::unique_ptr<ArenaStaging> staging_;
  std::shared_ptr<KfdSignal> timeline_;

  std::unique_ptr<RingWriter> ring_writer_;  // copies, publishes, describes (ring_writer.h)
  uint64_t* doorbell_ = nullptr;

  mutable std::mutex mu_;
  uint64_t submitted_ = 0;  // last private timeline value submitted
};

}  // namespace amdhal::kfd
