// Memory of the bare-metal backend.
//
// VRAM: GMC maps VMID 0 VA [0, VRAM size) 1:1 onto VRAM (gmc.h), so a VRAM allocation's GPU
// address is its VRAM offset and its CPU address is the BAR0 mapping plus that offset (the sim's
// BAR0 is the whole VRAM; on a part with a small BAR, allocations beyond the aperture are not
// CPU-visible). VramAllocator hands out ranges of [kVramHeapStart, VRAM size - 32 MiB): below the
// page-table pool (vram - 32 MiB .. vram - 16 MiB, gmc.h) and the firmware / IP discovery areas
// at the top of VRAM; the first 2 MiB stay unused so that no buffer has GPU address 0.
//
// GTT and host memory: page-aligned anonymous host memory mapped into VMID 0's GART
// (AmDevice::gart_map, gmc.h); GPU VA inside the GART range, CPU pointer = the host memory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "amdhal/buffer.h"
#include "amdhal/status.h"

namespace amdhal::am {

/// Start of the VRAM heap (VRAM offset).
inline constexpr uint64_t kVramHeapStart = 2ull << 20;

/// First-fit range allocator over a VRAM window. Thread-safe.
class VramAllocator {
 public:
  /// Manages [begin, end).
  VramAllocator(uint64_t begin, uint64_t end);
  /// `size` bytes (rounded up to 4 KiB) aligned to `alignment` (a power of two, >= 4 KiB).
  /// kResourceExhausted names the request and what is free.
  Expected<uint64_t> allocate(uint64_t size, uint64_t alignment = 4096);
  /// Returns a range allocate() gave out; unknown offsets are ignored.
  void free(uint64_t offset);
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  uint64_t used_bytes() const;

 private:
  uint64_t begin_, end_;
  mutable std::mutex mu_;
  std::map<uint64_t, uint64_t> free_;  // offset -> size
  std::map<uint64_t, uint64_t> used_;  // offset -> size
};

/// A VRAM range owned for as long as the object lives (frees itself on destruction).
class VramBlock {
 public:
  VramBlock() = default;
  VramBlock(std::shared_ptr<VramAllocator> allocator, uint64_t offset, uint64_t size, void* cpu)
      : allocator_(std::move(allocator)), offset_(offset), size_(size), cpu_(cpu) {}
  ~VramBlock() { reset(); }
  VramBlock(VramBlock&& o) noexcept { *this = std::move(o); }
  VramBlock& operator=(VramBlock&& o) noexcept;
  VramBlock(const VramBlock&) = delete;
  VramBlock& operator=(const VramBlock&) = delete;

  bool valid() const { return allocator_ != nullptr; }
  uint64_t offset() const { return offset_; }
  /// GPU VA (VMID 0 maps VRAM 1:1).
  uint64_t gpu_address() const { return offset_; }
  uint64_t size() const { return size_; }
  void* cpu() const { return cpu_; }
  /// Frees the range now.
  void reset();
  /// Gives the range up without freeing it (hardware may still use it).
  void abandon() { allocator_.reset(); }

 private:
  std::shared_ptr<VramAllocator> allocator_;
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
  void* cpu_ = nullptr;
};

/// The public Buffer over a VramBlock; `keep` holds what the block's CPU mapping depends on.
class AmBuffer final : public Buffer {
 public:
  /// `window`: VA of VRAM offset 0 the buffer is addressed through (0: the 1:1 VA).
  AmBuffer(VramBlock block, uint64_t size, MemoryDomain domain, bool cpu_visible, uint64_t window,
           std::shared_ptr<const void> keep)
      : window_(window),
        block_(std::move(block)),
        size_(size),
        domain_(domain),
        cpu_visible_(cpu_visible),
        keep_(std::move(keep)) {}
  ~AmBuffer() override { block_.reset(); }
  uint64_t size() const override { return size_; }
  MemoryDomain domain() const override { return domain_; }
  uint64_t gpu_address() const override { return window_ + block_.gpu_address(); }
  void* cpu_pointer() const override { return cpu_visible_ ? block_.cpu() : nullptr; }

 private:
  uint64_t window_;
  VramBlock block_;
  uint64_t size_;
  MemoryDomain domain_;
  bool cpu_visible_;
  std::shared_ptr<const void> keep_;
};

/// System memory (GTT or host domain) mapped through the GART. The destructor unmaps it from the
/// GART first; if that fails the host pages are kept (the GPU may still reach them).
class AmSystemBuffer final : public Buffer {
 public:
  using Unmap = std::function<Status(uint64_t gpu_va)>;
  /// Anonymous, zeroed, page-aligned host memory of `size` bytes (rounded up to 4 KiB), or
  /// kResourceExhausted naming the errno.
  static Expected<void*> allocate_host(uint64_t size);
  AmSystemBuffer(void* host, uint64_t size, uint64_t gpu_va, MemoryDomain domain, Unmap unmap,
                 std::shared_ptr<const void> keep)
      : host_(host),
        size_(size),
        gpu_va_(gpu_va),
        domain_(domain),
        unmap_(std::move(unmap)),
        keep_(std::move(keep)) {}
  ~AmSystemBuffer() override;
  uint64_t size() const override { return size_; }
  MemoryDomain domain() const override { return domain_; }
  uint64_t gpu_address() const override { return gpu_va_; }
  void* cpu_pointer() const override { return host_; }
  /// Frees host memory allocate_host() returned.
  static void free_host(void* host, uint64_t size);

 private:
  void* host_;
  uint64_t size_;
  uint64_t gpu_va_;
  MemoryDomain domain_;
  Unmap unmap_;
  std::shared_ptr<const void> keep_;
};

}  // namespace amdhal::am
