// GMC: the backend's own GPUVM page tables for VMID 0, written into VRAM.
//
// Entry format: GFX9 GPUVM (Linux drivers/gpu/drm/amd/amdgpu/amdgpu_vm.h: AMDGPU_PTE_VALID bit 0,
// SYSTEM bit 1, EXECUTABLE bit 4, READABLE bit 5, WRITEABLE bit 6, AMDGPU_PDE_PTE bit 54 for a
// leaf in a directory; enum amdgpu_vm_level PDB2, PDB1, PDB0, PTB; 9 VA bits per level, 4 KiB
// pages: shifts 39/30/21/12 on a 48-bit VA, as REFERENCES "Bare-metal bring-up" and tinygrad
// am/ip.py AM_GMC describe). VRAM is mapped 1:1 (VA = VRAM offset) with 2 MiB leaves at PDB0.
#pragma once

#include <cstdint>
#include <functional>

#include "amdhal/status.h"

namespace amdhal::am {

namespace pte {
inline constexpr uint64_t kValid = 1ull << 0;
inline constexpr uint64_t kSystem = 1ull << 1;
inline constexpr uint64_t kExecutable = 1ull << 4;
inline constexpr uint64_t kReadable = 1ull << 5;
inline constexpr uint64_t kWriteable = 1ull << 6;
inline constexpr uint64_t kPdeIsPte = 1ull << 54;
inline constexpr uint64_t kAddressMask = 0x0000'FFFF'FFFF'F000ull;
}  // namespace pte

/// Where the backend keeps its page tables: [vram - 32 MiB, vram - 16 MiB), below the firmware
/// areas at the top of VRAM (the discovery TMR at vram - 64 KiB).
inline constexpr uint64_t kPageTablePoolFromEnd = 32ull << 20;
inline constexpr uint64_t kPageTablePoolBytes = 16ull << 20;

struct Vmid0Tables {
  uint64_t root = 0;         ///< VRAM offset of the PDB2 table (4 KiB aligned)
  uint32_t levels = 4;       ///< PDB2..PTB
  uint64_t va_start = 0;     ///< first VA
  uint64_t va_end = 0;       ///< one past the last mapped VA (= VRAM size)
  uint32_t table_count = 0;  ///< 4 KiB tables written
};

/// Writes one 64-bit value at a VRAM offset (through BAR0, or MM_INDEX/MM_DATA for a small BAR).
using VramWrite64 = std::function<Status(uint64_t vram_offset, uint64_t value)>;

/// Builds the VMID 0 tables mapping VA [0, vram_bytes) to VRAM 1:1 (read/write/execute).
Expected<Vmid0Tables> write_vmid0_tables(uint64_t vram_bytes, const VramWrite64& write);

}  // namespace amdhal::am
