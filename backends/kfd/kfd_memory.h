// GPU memory through KFD: one ALLOC_MEMORY_OF_GPU buffer object, its virtual address range and
// its GPU mappings, released in the reverse order.
//
// Allocation (tinygrad ops_amd.py KFDIface.alloc; ROCT fmm.c):
//   1. reserve the VA: anonymous PROT_NONE mmap (MAP_NORESERVE); for USERPTR, the page-aligned
//      host memory itself (anonymous RW mmap) is the VA and is passed as mmap_offset;
//   2. AMDKFD_IOC_ALLOC_MEMORY_OF_GPU at that VA with the domain flags (flags_for());
//   3. CPU-visible VRAM/GTT: mmap the render-node fd at the returned mmap_offset, MAP_FIXED onto
//      the reserved VA, so the CPU address equals the GPU address;
//   4. AMDKFD_IOC_MAP_MEMORY_TO_GPU for the owning GPU and any peers.
// Release: UNMAP_MEMORY_FROM_GPU, munmap of the range, FREE_MEMORY_OF_GPU.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "amdhal/buffer.h"
#include "amdhal/status.h"

namespace amdhal::kfd {

class KfdProcess;

/// What kind of buffer object to allocate.
enum class KfdMemoryKind : uint8_t {
  kVram,       ///< KFD_IOC_ALLOC_MEM_FLAGS_VRAM
  kGtt,        ///< KFD_IOC_ALLOC_MEM_FLAGS_GTT
  kUserptr,    ///< KFD_IOC_ALLOC_MEM_FLAGS_USERPTR over host memory the backend mmaps
  kDoorbell,   ///< KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL: the process's doorbell slice, GPU-mapped
  kMmioRemap,  ///< KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP: the remapped MMIO page (HDP flush)
};

/// One allocation's parameters.
struct KfdMemoryRequest {
  uint64_t size = 0;  ///< bytes; rounded up to whole pages
  KfdMemoryKind kind = KfdMemoryKind::kVram;
  bool cpu_visible = true;  ///< map for the CPU (VRAM: needs a large BAR)
  bool uncached = false;    ///< COHERENT | UNCACHED
  bool executable = false;  ///< EXECUTABLE
  /// GPUs to map the memory to; the first is the owner (its gpu_id goes to ALLOC).
  std::vector<uint32_t> gpu_ids;
};

/// The KFD_IOC_ALLOC_MEM_FLAGS_* word for a request: WRITABLE | NO_SUBSTITUTE always,
/// EXECUTABLE if asked, the domain bit, PUBLIC for CPU-visible VRAM/GTT/userptr,
/// COHERENT | UNCACHED for uncached memory.
uint32_t flags_for(const KfdMemoryRequest& request);

/// MemoryDomain + AllocFlags → a request (kVram/kGtt/kUserptr).
KfdMemoryRequest request_for(uint64_t size, MemoryDomain domain, const AllocFlags& flags);

/// An allocated, mapped buffer object. Move-only; releases itself on destruction. The process
/// must outlive it (the owners of KfdMemory hold the device, which holds the process).
class KfdMemory {
 public:
  /// Runs the allocation sequence; on any failure undoes what was done and names the step.
  static Expected<KfdMemory> allocate(KfdProcess& process, const KfdMemoryRequest& request);

  KfdMemory(KfdMemory&& other) noexcept;
  KfdMemory& operator=(KfdMemory&& other) noexcept;
  KfdMemory(const KfdMemory&) = delete;
  KfdMemory& operator=(const KfdMemory&) = delete;
  ~KfdMemory();

  /// UNMAP, munmap, FREE; the first error is returned, every step is attempted.
  Status release();
  /// Gives the buffer up without touching the GPU side: used when the GPU may still access it
  /// (a queue that could not be destroyed). Its address range stays reserved so no later
  /// allocation reuses an address the GPU still translates; memory and address space leak.
  void abandon();

  uint64_t handle() const { return handle_; }
  uint64_t gpu_address() const { return va_; }
  uint64_t size() const { return size_; }
  KfdMemoryKind kind() const { return kind_; }
  uint32_t owner_gpu_id() const { return mapped_.empty() ? 0 : mapped_.front(); }
  /// CPU pointer (== GPU address) or nullptr when not CPU-mapped.
  void* cpu_pointer() const { return cpu_mapped_ ? reinterpret_cast<void*>(va_) : nullptr; }
  const std::vector<uint32_t>& mapped_gpu_ids() const { return mapped_; }

  /// Maps the memory to further GPUs (peer access); already-mapped ids are skipped.
  Status map_to(std::span<const uint32_t> gpu_ids);

 private:
  KfdMemory() = default;

  KfdProcess* process_ = nullptr;
  uint64_t handle_ = 0;
  uint64_t va_ = 0;
  uint64_t size_ = 0;
  KfdMemoryKind kind_ = KfdMemoryKind::kVram;
  bool cpu_mapped_ = false;
  bool va_owned_ = false;  ///< the VA range (reservation or userptr pages) is ours to munmap
  bool allocated_ = false;
  std::vector<uint32_t> mapped_;
};

class KfdDeviceState;

/// The public Buffer: a KfdMemory plus the device state that keeps the process alive.
class KfdBuffer final : public Buffer {
 public:
  KfdBuffer(std::shared_ptr<KfdDeviceState> device, KfdMemory memory, MemoryDomain domain)
      : device_(std::move(device)), memory_(std::move(memory)), domain_(domain) {}
  ~KfdBuffer() override { memory_.release().ignore(); }

  uint64_t size() const override { return memory_.size(); }
  MemoryDomain domain() const override { return domain_; }
  uint64_t gpu_address() const override { return memory_.gpu_address(); }
  void* cpu_pointer() const override { return memory_.cpu_pointer(); }

  KfdMemory& memory() { return memory_; }

 private:
  std::shared_ptr<KfdDeviceState> device_;
  KfdMemory memory_;
  MemoryDomain domain_;
};

}  // namespace amdhal::kfd
