// Private state of the virtual KFD (one simulated kfd_process) shared by its source files.
#pragma once

#include <linux/kfd_ioctl.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "amdhal/topology.h"
#include "amdhal_sim/device.h"
#include "amdhal_sim_kfd/virtual_kfd.h"

namespace amdhal::sim::vkfd {

// mmap offset encoding of /dev/kfd (kernel drivers/gpu/drm/amd/amdkfd/kfd_priv.h:
// KFD_MMAP_TYPE_SHIFT 62, KFD_MMAP_GPU_ID_SHIFT 46, 16-bit gpu_id).
inline constexpr uint64_t kMmapTypeShift = 62;
inline constexpr uint64_t kMmapTypeMask = 0x3ull << kMmapTypeShift;
inline constexpr uint64_t kMmapTypeDoorbell = 0x3ull << kMmapTypeShift;
inline constexpr uint64_t kMmapTypeEvents = 0x2ull << kMmapTypeShift;
inline constexpr uint64_t kMmapTypeReservedMem = 0x1ull << kMmapTypeShift;
inline constexpr uint64_t kMmapTypeMmio = 0x0ull << kMmapTypeShift;
inline constexpr uint64_t kMmapGpuIdShift = 46;
inline constexpr uint64_t kMmapGpuIdMask = 0xFFFFull << kMmapGpuIdShift;
constexpr uint64_t mmap_gpu_id(uint32_t gpu_id) {
  return (uint64_t{gpu_id} << kMmapGpuIdShift) & kMmapGpuIdMask;
}
constexpr uint32_t mmap_get_gpu_id(uint64_t offset) {
  return static_cast<uint32_t>((offset & kMmapGpuIdMask) >> kMmapGpuIdShift);
}
// Buffer handles: MAKE_HANDLE(gpu_id, idr) = gpu_id << 32 | idr (kfd_priv.h).
constexpr uint64_t make_handle(uint32_t gpu_id, uint32_t idr) {
  return (uint64_t{gpu_id} << 32) | idr;
}

inline constexpr uint64_t kPage = 4096;
inline constexpr uint64_t kDoorbellSliceBytes = 8192;  // kfd_doorbell_process_slice on SOC15
inline constexpr uint32_t kProcessVmid = 8;            // KFD gives compute processes VMIDs 8-15
/// TASK_SIZE_MAX on x86-64 with 4-level paging: what access_ok() compares against.
inline constexpr uint64_t kUserAddressLimit = 0x00007ffffffff000ull;
/// kfd_events.h: UNSIGNALED_EVENT_SLOT, KFD_FIRST_NONSIGNAL_EVENT_ID.
inline constexpr uint64_t kUnsignaledSlot = ~0ull;
inline constexpr uint32_t kFirstNonsignalEventId = 0x80000000u;
/// Kernel-internal errno returned for an unknown queue type (include/linux/errno.h ENOTSUPP).
inline constexpr int kEnotsupp = 524;

enum class BoKind : uint8_t { kVram, kGtt, kUserptr, kDoorbell, kMmio };

struct Bo {
  uint64_t handle = 0;
  uint32_t gpu_id = 0;
  size_t gpu = 0;  // owning GPU index
  BoKind kind = BoKind::kGtt;
  uint32_t flags = 0;
  uint64_t va = 0;
  uint64_t size = 0;
  int memfd = -1;              // VRAM / GTT backing
  uint8_t* kaddr = nullptr;    // the memory GPU mappings point at
  bool own_kaddr = false;      // munmap(kaddr) on free
  uint64_t mmap_offset = 0;    // render-node offset (VRAM/GTT)
  std::vector<size_t> mapped;  // GPU indices
  int queue_refs = 0;
};

struct Gpu {
  size_t index = 0;
  uint32_t gpu_id = 0;
  Device* device = nullptr;
  uint32_t render_minor = 0;
  uint64_t acquired_file = 0;  // file serial that acquired the VM, 0 = none
  uint64_t vram_used = 0;
  // Queue sizing from the node properties (kfd_queue.c kfd_queue_ctx_save_restore_size).
  uint32_t eop_buffer_size = 0;
  uint32_t ctl_stack_size = 0;
  uint32_t cwsr_size = 0;
  uint32_t debug_memory_size = 0;
  uint32_t num_xcc = 1;
  uint32_t sdma_engines = 0;
  uint32_t sdma_xgmi_engines = 0;
  uint32_t sdma_queues_per_engine = 8;
  std::vector<uint32_t> sdma_queue_count;  // per engine
  std::vector<bool> doorbell_used;
  uint64_t scratch_backing_va = 0;    // SET_SCRATCH_BACKING_VA (qpd.sh_hidden_private_base)
  uint64_t reported_fault_clock = 0;  // GPU clock of the last VM fault signalled to user space
  int mmio_memfd = -1;
  uint8_t* mmio_page = nullptr;
};

struct QueueRec {
  uint32_t id = 0;
  size_t gpu = 0;
  uint32_t sim_queue = 0;
  uint32_t doorbell_slot = 0;
  uint32_t type = 0;
  uint32_t engine = ~0u;  // SDMA engine index
  std::vector<uint64_t> bo_refs;
  QueueDesc desc;        // what the simulated queue was created with
  uint64_t ring_bo = 0;  // handle of the ring's BO (also in bo_refs)
  // queue_properties set by CREATE_QUEUE / UPDATE_QUEUE / SET_CU_MASK.
  uint64_t ring_base = 0;
  uint64_t ring_size = 0;
  uint32_t percentage = 100;
  uint32_t priority = 0;
  bool active = true;  // QUEUE_IS_ACTIVE: ring set and percentage > 0
  std::vector<uint32_t> cu_mask;
};

struct Event;
struct Waiter {
  Event* event = nullptr;  // null once the event is destroyed
  bool activated = false;
  bool age_enabled = false;
};

struct Event {
  uint32_t id = 0;
  uint32_t type = 0;
  bool auto_reset = false;
  bool signaled = false;
  uint64_t age = 1;
  std::vector<Waiter*> waiters;
  kfd_hsa_memory_exception_data memory{};
};

struct FileRec {
  enum Kind : uint8_t { kKfd, kRender } kind = kKfd;
  size_t gpu = 0;       // render nodes
  uint64_t serial = 0;  // distinct per open
};

struct DoorbellAlias {
  size_t gpu = 0;
  size_t length = 0;
};

}  // namespace amdhal::sim::vkfd

namespace amdhal::sim {

struct VirtualKfd::Impl {
  std::string spec_text;
  std::unique_ptr<System> system;
  std::filesystem::path topology_dir;  // the mkdtemp directory
  Topology topology;
  bool large_bar = true;
  uint64_t vram_heap = 0;
  uint64_t gtt_limit = 0;
  uint64_t gtt_used = 0;

  // Process state, guarded by mu.
  mutable std::mutex mu;
  std::vector<vkfd::Gpu> gpus;
  std::unordered_map<int, vkfd::FileRec> files;
  uint64_t next_file_serial = 1;
  std::map<uint64_t, std::unique_ptr<vkfd::Bo>> bos;  // by handle
  uint32_t next_idr = 0;
  uint64_t next_render_offset = uint64_t{1} << 32;
  std::map<uint32_t, vkfd::QueueRec> queues;
  std::unordered_map<uintptr_t, vkfd::DoorbellAlias> doorbell_aliases;
  std::map<std::string, uint64_t, std::less<>> call_counts;
  std::vector<KfdFaultRule> faults;

  // Events and the signal page, guarded by ev_mu (the interrupt handlers take only this lock).
  mutable std::mutex ev_mu;
  std::mutex fault_mu;  // Gpu::reported_fault_clock (engine threads)
  std::condition_variable ev_cv;
  std::map<uint32_t, std::unique_ptr<vkfd::Event>> events;
  uint64_t* signal_slots = nullptr;  // the signal page (event page) memory
  int signal_memfd = -1;             // backing of a page KFD allocated itself
  bool signal_page_owned = false;
  uint64_t signal_mapped_size = 0;
  uint64_t signal_handle = 0;       // user BO handle of the event page, 0 if KFD allocated it
  uint32_t signal_event_count = 1;  // event id 0 is reserved
  uint32_t next_other_event = vkfd::kFirstNonsignalEventId;
  bool xnack_enabled = false;  // kfd_process xnack_enabled (retry faults); default off (noretry)

  // ---- helpers (virtual_kfd.cpp) ----
  vkfd::Gpu* gpu_by_id(uint32_t gpu_id);
  int dispatch(const vkfd::FileRec& file, unsigned long request, void* arg);

  // ---- ioctls (ioctls.cpp / events.cpp), called with mu held except the event ones ----
  int get_version(void* arg);
  int get_process_apertures_new(void* arg);
  int acquire_vm(void* arg);
  int alloc_memory(void* arg);
  int free_memory(void* arg);
  int map_memory(void* arg);
  int unmap_memory(void* arg);
  int create_queue(void* arg);
  int destroy_queue(void* arg);
  int get_clock_counters(void* arg);
  int set_memory_policy(void* arg);
  int set_scratch_backing_va(void* arg);
  int set_trap_handler(void* arg);
  int create_event(void* arg);  // takes mu for the page BO, then ev_mu
  int destroy_event(void* arg);
  int set_event(void* arg);
  int reset_event(void* arg);
  int wait_events(void* arg);
  int set_xnack_mode(void* arg);
  int get_tile_config(void* arg);
  int update_queue(void* arg);
  int set_cu_mask(void* arg);

  // ---- DRM ioctls on render nodes (drm.cpp) ----
  int drm_ioctl(const vkfd::FileRec& file, unsigned long request, void* arg);

  // ---- events (events.cpp) ----
  void on_interrupt(size_t gpu, const Interrupt& irq);
  /// kfd_signal_vm_fault_event for the GPU's latest recorded fault, once per fault.
  void signal_vm_fault(size_t gpu);
  void signal_event_interrupt(uint32_t partial_id, uint32_t valid_bits);
  void set_event_locked(vkfd::Event& ev);
  void signal_events_of_type(uint32_t type, const kfd_hsa_memory_exception_data* data);

  // ---- memory (memory.cpp) ----
  void free_bo_locked(vkfd::Bo& bo);
  Expected<void*> mmap_kfd(void* addr, size_t length, int prot, int flags, uint64_t offset);
  Expected<void*> mmap_render(const vkfd::FileRec& file, void* addr, size_t length, int prot,
                              int flags, uint64_t offset);
  void teardown();
};

namespace vkfd {
/// copy_from_user / copy_to_user: false (EFAULT) when the range is not accessible.
bool copy_from_user(void* dst, uint64_t user_src, size_t len);
bool copy_to_user(uint64_t user_dst, const void* src, size_t len);
/// access_ok(): the range lies below the user address limit.
bool access_ok(uint64_t addr, uint64_t size);
/// GB_ADDR_CONFIG of a family (drm.cpp): the GFX9 golden value, 0 where the simulator has none.
uint32_t gb_addr_config(const GpuFamily& family);
/// Builds the topology of a system (topology.cpp) and fills the GPU records' sizing fields.
Topology build_topology(System& system, uint64_t vram_heap, bool large_bar, std::vector<Gpu>& gpus);
}  // namespace vkfd

}  // namespace amdhal::sim
