// Layouts and constants the kfd backend shares with the kernel driver and with whatever executes
// its queues (a GPU or the simulator's virtual KFD). Facts, with their sources:
//   - amd_queue_t: ROCm/ROCR-Runtime src/inc/amd_hsa_queue.h (offsets checked below).
//   - KFD_SIGNAL_EVENT_LIMIT and the ioctl structs: the system's linux/kfd_ioctl.h (1.11).
//   - the SOC15 doorbell slice (1024 doorbells of 8 bytes): ROCT-Thunk-Interface src/queues.c
//     (DOORBELLS_PAGE_SIZE, DOORBELL_SIZE_GFX9) and kernel kfd_doorbell.c
//     (kfd_doorbell_process_slice).
#pragma once

#include <linux/kfd_ioctl.h>

#include <cstddef>
#include <cstdint>

namespace amdhal::kfd {

/// GPU page size KFD works in (AMDGPU_GPU_PAGE_SIZE); the CPU page size on x86-64 as well.
inline constexpr uint64_t kPageSize = 4096;

/// Bytes of the per-process, per-GPU doorbell slice on SOC15 parts (gfx9 and later): 1024 64-bit
/// doorbells. /dev/kfd is mmapped at the queue's doorbell_offset rounded down to this size.
inline constexpr uint64_t kDoorbellSliceBytes = 1024 * 8;

/// Event page size KFD wants for a user-allocated event page: one 64-bit slot per signal event
/// (kernel kfd_events.c checks size >= KFD_SIGNAL_EVENT_LIMIT * 8).
inline constexpr uint64_t kEventPageBytes = uint64_t{KFD_SIGNAL_EVENT_LIMIT} * 8;

/// Queue priorities as ROCT's priority_map translates HSA_QUEUE_PRIORITY_{MINIMUM,NORMAL,MAXIMUM}
/// (src/queues.c: {0, 3, 5, 7, 9, 11, 15} indexed by priority + 3).
inline constexpr uint32_t kKfdPriorityLow = 0;
inline constexpr uint32_t kKfdPriorityNormal = 7;
inline constexpr uint32_t kKfdPriorityHigh = 15;
static_assert(kKfdPriorityHigh <= KFD_MAX_QUEUE_PRIORITY);

/// hsa_queue_t (ROCR hsa.h), the first 40 bytes of amd_queue_t.
struct HsaQueueAbi {
  uint32_t type;  ///< HSA_QUEUE_TYPE_MULTI 0, SINGLE 1
  uint32_t features;
  uint64_t base_address;  ///< ring (packet storage) address
  uint64_t doorbell_signal;
  uint32_t size;  ///< packets, a power of two
  uint32_t reserved1;
  uint64_t id;
};
static_assert(sizeof(HsaQueueAbi) == 40);

/// amd_queue_t (ROCR amd_hsa_queue.h): the block an AQL queue's read and write pointers live in.
/// CREATE_QUEUE gets the addresses of read_dispatch_id and write_dispatch_id; the packet
/// processor finds the struct from read_dispatch_id - read_dispatch_id_field_base_byte_offset.
struct alignas(64) AmdQueueAbi {
  HsaQueueAbi hsa_queue;
  uint32_t reserved1[4];
  uint64_t write_dispatch_id;  ///< packets written (monotonic)
  uint32_t group_segment_aperture_base_hi;
  uint32_t private_segment_aperture_base_hi;
  uint32_t max_cu_id;
  uint32_t max_wave_id;
  uint64_t max_legacy_doorbell_dispatch_id_plus_1;
  uint32_t legacy_doorbell_lock;
  uint32_t reserved2[9];
  uint64_t read_dispatch_id;  ///< packets consumed (monotonic), written by the packet processor
  uint32_t read_dispatch_id_field_base_byte_offset;
  uint32_t compute_tmpring_size;
  uint32_t scratch_resource_descriptor[4];
  uint64_t scratch_backing_memory_location;
  uint64_t scratch_backing_memory_byte_size;
  uint32_t scratch_wave64_lane_byte_size;
  uint32_t queue_properties;  ///< AMD_QUEUE_PROPERTIES_* bits
  uint32_t reserved3[2];
  uint64_t queue_inactive_signal;
  uint32_t reserved4[14];
};
static_assert(sizeof(AmdQueueAbi) == 256);
static_assert(offsetof(AmdQueueAbi, write_dispatch_id) == 56);
static_assert(offsetof(AmdQueueAbi, read_dispatch_id) == 128);
static_assert(offsetof(AmdQueueAbi, read_dispatch_id_field_base_byte_offset) == 136);
static_assert(offsetof(AmdQueueAbi, queue_properties) == 180);
static_assert(offsetof(AmdQueueAbi, queue_inactive_signal) == 192);

/// amd_queue_properties_t bits (amd_hsa_queue.h).
inline constexpr uint32_t kAmdQueuePropertiesIsPtr64 = 1u << 1;
inline constexpr uint32_t kHsaQueueTypeSingle = 1;

}  // namespace amdhal::kfd
