// GPU memory as the simulator sees it: device VRAM backed by host memory, and GPUVM address spaces
// (one per VMID) that translate GPU virtual addresses either through a simple range map (the
// kernel-driver path: the virtual KFD maps buffers) or by walking page tables the client wrote
// into memory (the bare-metal path), as the hardware does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/status.h"

namespace amdhal::sim {

/// Kind of memory access, for translation and fault records.
enum class Access : uint8_t { kRead, kWrite, kExecute };
/// "read", "write", "execute".
std::string_view access_name(Access a);

/// Permission bits of a range-map mapping.
enum MapFlags : uint32_t {
  kMapRead = 1u << 0,
  kMapWrite = 1u << 1,
  kMapExecute = 1u << 2,
  kMapReadWrite = kMapRead | kMapWrite,
  kMapAll = kMapRead | kMapWrite | kMapExecute,
};

/// A GPUVM fault: what was accessed, how, by whom, and why it failed.
struct VmFault {
  uint64_t address = 0;  ///< faulting GPU virtual address (first byte that could not be reached)
  Access access = Access::kRead;
  uint32_t vmid = 0;
  std::string engine;  ///< "sdma0", "cp", "aql", "shader"; empty until an engine records it
  /// "unmapped", "not readable", "not writable", "not executable", "invalid PDE at level 2 (PDB0)",
  /// "invalid PTE", "physical address 0x... outside VRAM", "range not host-contiguous", ...
  std::string reason;
  uint64_t gpu_clock = 0;  ///< filled by Device::record_fault
  /// One line: "VM fault: write to 0x1000 (vmid 1, sdma0): not writable".
  std::string to_string() const;
};

/// GFX9-format GPUVM page-table entry bits, as the kernel driver defines them
/// (drivers/gpu/drm/amd/amdgpu/amdgpu_vm.h; field layout in the comment above
/// gmc_v9_0_map_mtype() in gmc_v9_0.c). Four levels PDB2, PDB1, PDB0, PTB (amdgpu_vm.h
/// enum amdgpu_vm_level), 9 VA bits per level, 4 KiB pages.
namespace gpuvm {
inline constexpr uint64_t kPteValid = 1ull << 0;
inline constexpr uint64_t kPteSystem = 1ull << 1;
inline constexpr uint64_t kPteSnooped = 1ull << 2;
inline constexpr uint64_t kPteExecutable = 1ull << 4;
inline constexpr uint64_t kPteReadable = 1ull << 5;
inline constexpr uint64_t kPteWriteable = 1ull << 6;
/// A directory entry with this bit is a leaf (huge page): 2 MiB at PDB0, 1 GiB at PDB1.
inline constexpr uint64_t kPdePte = 1ull << 54;
/// PTE: bits 47:12 are the 4 KiB-aligned physical page address.
inline constexpr uint64_t kPteAddressMask = 0x0000'FFFF'FFFF'F000ull;
/// PDE: bits 47:6 are the physical address of the next-level table.
inline constexpr uint64_t kPdeAddressMask = 0x0000'FFFF'FFFF'FFC0ull;
inline constexpr uint32_t kPageShift = 12;
inline constexpr uint64_t kPageSize = 1ull << kPageShift;
inline constexpr uint32_t kBitsPerLevel = 9;
inline constexpr uint32_t kMaxLevels = 4;

/// Hardware level numbers (amdgpu_vm_level): 0 = PDB2 ... 3 = PTB.
enum Level : uint32_t { kPdb2 = 0, kPdb1 = 1, kPdb0 = 2, kPtb = 3 };
/// "PDB2", "PDB1", "PDB0", "PTB".
std::string_view level_name(uint32_t level);
/// Bytes of VA one entry of `level` covers: 512 GiB, 1 GiB, 2 MiB, 4 KiB.
constexpr uint64_t entry_span(uint32_t level) {
  return 1ull << (kPageShift + kBitsPerLevel * (kPtb - level));
}

/// A page-directory entry pointing at a table at physical `address` (VRAM offset, or host address
/// with `system`).
constexpr uint64_t make_pde(uint64_t address, bool system = false) {
  return (address & kPdeAddressMask) | kPteValid | (system ? kPteSystem : 0);
}
/// A leaf entry (PTE, or with `huge` a PDE_PTE huge-page directory entry) mapping `address` with
/// `map_flags` (MapFlags) permissions.
constexpr uint64_t make_pte(uint64_t address, uint32_t map_flags, bool system = false,
                            bool huge = false) {
  return (address & kPteAddressMask) | kPteValid | (system ? kPteSystem : 0) |
         ((map_flags & kMapRead) ? kPteReadable : 0) |
         ((map_flags & kMapWrite) ? kPteWriteable : 0) |
         ((map_flags & kMapExecute) ? kPteExecutable : 0) | (huge ? kPdePte : 0);
}
}  // namespace gpuvm

/// Page-table mode configuration (bare-metal path): what VM_CONTEXTn_PAGE_TABLE_BASE/START/END
/// hold. The walker indexes the tables with (va - va_start), like the hardware does for a context
/// whose range does not start at 0.
struct PageTableConfig {
  uint64_t root_address =
      0;                     ///< physical address of the top-level page directory (64-byte aligned)
  bool root_system = false;  ///< root directory lives in host memory (address = host address)
  uint32_t levels = 4;       ///< 1-4 (PTB only ... PDB2..PTB); 0 switches back to range-map mode
  uint64_t va_start = 0;     ///< first VA translated by this context (4 KiB aligned)
  uint64_t va_end = 1ull << 48;  ///< one past the last VA
};

class PhysicalMemory;

/// One GPUVM context (VMID). Thread-safe: engines translate concurrently with map/unmap and
/// page-table reconfiguration.
///
/// Range-map mode (default): map() binds host memory to GPU VAs; lookups always see the current
/// mappings. Page-table mode (set_page_table with levels 1-4): translations walk GFX9 page tables
/// in VRAM or host memory, and completed walks are cached in a small TLB that only
/// invalidate_tlb() / set_page_table() flush — editing a PTE without invalidating keeps the old
/// translation, as on hardware.
class AddressSpace {
 public:
  AddressSpace(uint32_t vmid, PhysicalMemory* physical);
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  uint32_t vmid() const { return vmid_; }

  /// Range-map mode: GPU VAs [va, va+size) → host memory at `host` (va and size 4 KiB aligned,
  /// flags a non-empty set of MapFlags). Overlapping an existing mapping is kInvalidArgument.
  Status map(uint64_t va, void* host, uint64_t size, uint32_t flags);
  /// Removes the mappings that lie entirely in [va, va+size). kNotFound if there are none;
  /// kInvalidArgument (and nothing removed) if the range would split a mapping.
  Status unmap(uint64_t va, uint64_t size);

  /// One range-map mapping.
  struct Mapping {
    uint64_t va;
    uint64_t size;
    uint8_t* host;
    uint32_t flags;
  };
  /// Current range-map mappings in VA order.
  std::vector<Mapping> mappings() const;

  /// Switches to page-table mode (levels 1-4) or back to range-map mode (levels 0), and flushes
  /// the TLB. kInvalidArgument for more than 4 levels, a misaligned root or an empty VA range.
  Status set_page_table(const PageTableConfig& config);
  bool page_table_mode() const;
  PageTableConfig page_table() const;
  /// Forgets cached translations (what a VM_INVALIDATE_ENG*_REQ request does).
  void invalidate_tlb();

  /// TLB statistics (page-table mode), for tests and diagnostics.
  struct TlbStats {
    uint64_t hits = 0;
    uint64_t misses = 0;  ///< page-table walks
    uint64_t flushes = 0;
  };
  TlbStats tlb_stats() const;
  static constexpr size_t kTlbEntries = 32;

  /// Host pointer for [va, va+len) if the whole range is mapped host-contiguously with `access`
  /// permitted; otherwise an error and, if `fault` is non-null, the fault (not recorded: callers
  /// record it with their engine name). len 0 is treated as 1.
  Expected<uint8_t*> translate(uint64_t va, uint64_t len, Access access, VmFault* fault) const;

  /// Longest run starting at `va`, up to `max_len` (> 0), that is host-contiguous and permits
  /// `access` (possibly spanning several mappings or pages). Fails only if the first byte cannot
  /// be reached. Bulk copies call it repeatedly to walk page runs. Sets *run_len.
  Expected<uint8_t*> translate_run(uint64_t va, uint64_t max_len, Access access, uint64_t* run_len,
                                   VmFault* fault) const;

  // ---- data access through translation (what the engines use) ----
  /// Copies [va, va+len) out of GPU memory, run by run (needs read permission everywhere).
  Status read(uint64_t va, void* dst, uint64_t len, VmFault* fault) const;
  /// Copies into [va, va+len), run by run (needs write permission everywhere). On a fault the
  /// bytes before the faulting address have been written, as with a hardware copy.
  Status write(uint64_t va, const void* src, uint64_t len, VmFault* fault) const;
  /// Naturally aligned 32/64-bit loads are atomic with acquire order, stores with release order,
  /// so fences and polls between engines order their data. Unaligned values fall back to bytes.
  Expected<uint32_t> read32(uint64_t va, VmFault* fault) const;
  Expected<uint64_t> read64(uint64_t va, VmFault* fault) const;
  Status write32(uint64_t va, uint32_t value, VmFault* fault) const;
  Status write64(uint64_t va, uint64_t value, VmFault* fault) const;
  /// Atomic read-modify-write (sequentially consistent) on a naturally aligned value; needs read
  /// and write permission. Return the value before the operation. A misaligned address is
  /// kInvalidArgument.
  Expected<uint32_t> atomic_add32(uint64_t va, uint32_t value, VmFault* fault) const;
  Expected<uint64_t> atomic_add64(uint64_t va, uint64_t value, VmFault* fault) const;
  Expected<uint32_t> atomic_cmpswap32(uint64_t va, uint32_t expected, uint32_t desired,
                                      VmFault* fault) const;
  Expected<uint64_t> atomic_cmpswap64(uint64_t va, uint64_t expected, uint64_t desired,
                                      VmFault* fault) const;
  Expected<uint64_t> atomic_swap64(uint64_t va, uint64_t value, VmFault* fault) const;

 private:
  struct Range {
    uint64_t size;
    uint8_t* host;
    uint32_t flags;
  };
  /// A cached leaf translation: [va_base, va_base+size) → host, with MapFlags permissions.
  struct TlbEntry {
    uint64_t va_base = 0;
    uint64_t size = 0;  // 0 = empty slot
    uint8_t* host = nullptr;
    uint32_t flags = 0;
  };
  /// A resolved leaf: the page containing a VA.
  struct Leaf {
    uint64_t va_base;
    uint64_t size;
    uint8_t* host;
    uint32_t flags;
  };

  Status fail(VmFault* fault, uint64_t va, Access access, std::string reason) const;
  Expected<uint8_t*> run_range_map(uint64_t va, uint64_t max_len, Access access, uint64_t* run_len,
                                   VmFault* fault) const;
  Expected<uint8_t*> run_page_table(uint64_t va, uint64_t max_len, Access access, uint64_t* run_len,
                                    VmFault* fault) const;
  /// TLB lookup, else a page-table walk that fills the TLB. Caller holds mutex_ (shared).
  Expected<Leaf> lookup(uint64_t va, Access access, VmFault* fault) const;
  Expected<Leaf> walk(uint64_t va, Access access, VmFault* fault) const;
  template <typename T>
  Expected<T> load(uint64_t va, VmFault* fault) const;
  template <typename T>
  Status store(uint64_t va, T value, VmFault* fault) const;
  Expected<uint8_t*> translate_aligned(uint64_t va, uint64_t size, bool write,
                                       VmFault* fault) const;

  uint32_t vmid_;
  PhysicalMemory* physical_;
  mutable std::shared_mutex mutex_;   // guards ranges_, page_table_, page_table_mode_
  std::map<uint64_t, Range> ranges_;  // keyed by start VA
  PageTableConfig page_table_{};
  bool page_table_mode_ = false;

  mutable std::mutex tlb_mutex_;  // guards the TLB (taken after mutex_)
  mutable std::array<TlbEntry, kTlbEntries> tlb_{};
  mutable size_t tlb_next_ = 0;
  mutable TlbStats tlb_stats_{};
};

/// Physical address space of one device: VRAM at [0, vram_size) (the frame-buffer offset) and,
/// with the SYSTEM bit, host memory by host address (the simulator runs in the host process, so
/// a system "bus address" is the host virtual address of the page).
class PhysicalMemory {
 public:
  /// Reserves `vram_bytes` (a multiple of 4 KiB) of host address space with MAP_NORESERVE;
  /// pages are backed lazily on first touch, so many devices with large VRAM fit a small host.
  static Expected<std::unique_ptr<PhysicalMemory>> create(uint64_t vram_bytes);
  ~PhysicalMemory();
  PhysicalMemory(const PhysicalMemory&) = delete;
  PhysicalMemory& operator=(const PhysicalMemory&) = delete;

  uint8_t* vram() const { return vram_; }
  uint64_t vram_size() const { return vram_size_; }
  /// Host pointer of a VRAM physical range, or nullptr if any of it is out of range.
  uint8_t* vram_at(uint64_t offset, uint64_t len) const;
  /// VRAM offset of a host pointer into VRAM, or kOutOfRange.
  Expected<uint64_t> vram_offset(const void* host) const;
  /// Reads / writes a 64-bit little-endian value at a physical address: a VRAM offset, or with
  /// `system` a host address (checked to be readable/writable first, so a bad system address is
  /// an error rather than a crash). kOutOfRange outside VRAM or for an inaccessible host address.
  Expected<uint64_t> read64(uint64_t address, bool system) const;
  Status write64(uint64_t address, uint64_t value, bool system) const;

 private:
  PhysicalMemory(uint8_t* vram, uint64_t size) : vram_(vram), vram_size_(size) {}
  uint8_t* vram_;
  uint64_t vram_size_;
};

}  // namespace amdhal::sim
