// Buffer: a device memory allocation with a GPU virtual address and, if mappable, a CPU pointer.
#pragma once

#include <cstdint>
#include <string_view>

namespace amdhal {

/// Where an allocation lives.
enum class MemoryDomain : uint8_t {
  kVram,  ///< device-local memory
  kGtt,   ///< system memory mapped through the GPU's page tables (GART/GTT)
  kHost,  ///< ordinary host memory registered with the GPU (userptr)
};

/// "vram", "gtt", "host".
std::string_view memory_domain_name(MemoryDomain d);

/// Allocation options. Defaults: CPU-visible, cached, not executable.
struct AllocFlags {
  bool cpu_visible = true;  ///< map for the CPU (for VRAM needs a large BAR)
  bool uncached = false;    ///< coherent, uncached mapping (signals, ring pointers)
  bool executable = false;  ///< may hold shader code
};

/// A device allocation. Lives as long as any reference to it; freed on the last release.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual uint64_t size() const = 0;
  virtual MemoryDomain domain() const = 0;
  /// GPU virtual address of byte 0.
  virtual uint64_t gpu_address() const = 0;
  /// CPU pointer to byte 0, or nullptr if the buffer is not CPU-visible.
  virtual void* cpu_pointer() const = 0;
};

}  // namespace amdhal
