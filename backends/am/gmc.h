// GMC: the backend's own GPUVM page tables for VMID 0, written into VRAM.
//
// Entry format: GFX9 GPUVM (Linux drivers/gpu/drm/amd/amdgpu/amdgpu_vm.h: AMDGPU_PTE_VALID bit 0,
// SYSTEM bit 1, EXECUTABLE bit 4, READABLE bit 5, WRITEABLE bit 6, AMDGPU_PDE_PTE bit 54 for a
// leaf in a directory; enum amdgpu_vm_level PDB2, PDB1, PDB0, PTB; 9 VA bits per level, 4 KiB
// pages: shifts 39/30/21/12 on a 48-bit VA, as REFERENCES "Bare-metal bring-up" and tinygrad
// am/ip.py AM_GMC describe). VRAM is mapped 1:1 (VA = VRAM offset) with 2 MiB leaves at PDB0;
// the GART range below uses 4 KiB PTEs with the SYSTEM bit (amdgpu_gart.c / amdgpu_gmc.c: GART
// pages are system pages mapped in VMID 0's GART aperture).
#pragma once

#include <cstdint>
#include <functional>

#include "amdhal/status.h"

namespace amdhal::am {

namespace pte {
inline constexpr uint64_t kValid = 1ull << 0;
inline constexpr uint64_t kSystem = 1ull << 1;
inline constexpr uint64_t kSnooped = 1ull << 2;
inline constexpr uint64_t kExecutable = 1ull << 4;
inline constexpr uint64_t kReadable = 1ull << 5;
inline constexpr uint64_t kWriteable = 1ull << 6;
inline constexpr uint64_t kPdeIsPte = 1ull << 54;
inline constexpr uint64_t kAddressMask = 0x0000'FFFF'FFFF'F000ull;
}  // namespace pte

/// VMID 0 address layout (the backend's own GPUVM context; both hubs use the same tables):
///
///   VA [0, vram_bytes)                  VRAM, 1:1 (VA = VRAM offset = MC address; the frame
///                                       buffer sits at MC address 0), 2 MiB pages
///   VA [kGartVaBase, + kGartBytes)      the GART: 4 KiB PTEs with SYSTEM set pointing at
///                                       host pages (AmDevice::gart_map)
///   anything else                       invalid (a VM fault)
///
/// VRAM the backend reserves for itself, from the top of VRAM down:
///   [vram - 64 KiB, vram)               IP discovery binary / firmware reserved area
///   [vram - 16 MiB, vram - 64 KiB)      bring-up area (kBringupArea* offsets below: IH ring,
///                                       PSP ring/fence/command buffer, firmware staging)
///   [vram - 32 MiB, vram - 16 MiB)      page-table pool (VMID 0 tables and the GART's)
/// Allocators hand out [0, vram - kReservedFromEnd) only.
inline constexpr uint64_t kPageTablePoolFromEnd = 32ull << 20;
inline constexpr uint64_t kPageTablePoolBytes = 16ull << 20;
inline constexpr uint64_t kReservedFromEnd = kPageTablePoolFromEnd;
inline constexpr uint64_t kBringupAreaFromEnd = 16ull << 20;
/// Offsets inside the bring-up area.
inline constexpr uint64_t kIhRingOffset = 0;               ///< IH ring, kIhRingBytes
inline constexpr uint64_t kIhRingBytes = 256ull << 10;     ///< 8192 IV entries of 32 bytes
inline constexpr uint64_t kIhWptrOffset = 0x40000;         ///< IH write-pointer write-back
inline constexpr uint64_t kPspRingOffset = 0x41000;        ///< PSP KM ring, 4 KiB
inline constexpr uint64_t kPspRingBytes = 0x1000;          ///< psp_v13_0 PSP_RING_SIZE
inline constexpr uint64_t kPspFenceOffset = 0x42000;       ///< PSP fence, 4 KiB
inline constexpr uint64_t kPspCmdOffset = 0x43000;         ///< psp_gfx_cmd_resp, 4 KiB
inline constexpr uint64_t kPspFwStagingOffset = 0x100000;  ///< 1 MiB aligned (C2PMSG_36 >> 20)
inline constexpr uint64_t kPspFwStagingBytes = 8ull << 20;

/// The GART range in VMID 0.
inline constexpr uint64_t kGartVaBase = 1ull << 40;  ///< 1 TiB: PDB2 entry 2
inline constexpr uint64_t kGartBytes = 1ull << 30;   ///< 1 GiB: one PDB0 of 4 KiB PTBs

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

/// The GART's tables: a PDB1 and a PDB0 below PDB2 entry kGartVaBase >> 39, then PTBs of 4 KiB
/// PTEs, all in the page-table pool after the VMID 0 tables.
struct GartTables {
  uint64_t va_base = 0;  ///< kGartVaBase
  uint64_t bytes = 0;    ///< kGartBytes
  uint64_t ptb = 0;      ///< VRAM offset of the first PTB (the PTBs are contiguous)
  uint32_t table_count = 0;
  /// VRAM offset of the PTE for GART VA `va` (va inside the range).
  uint64_t pte_offset(uint64_t va) const { return ptb + ((va - va_base) >> 12) * 8; }
};

/// Adds the GART below the root of `vmid0` (written by write_vmid0_tables), every PTE invalid.
Expected<GartTables> write_gart_tables(const Vmid0Tables& vmid0, uint64_t vram_bytes,
                                       const VramWrite64& write);

/// A GART PTE for the host page at bus address `bus` (SYSTEM | SNOOPED | VALID | READABLE,
/// WRITEABLE if `writable`).
uint64_t gart_pte(uint64_t bus, bool writable);

}  // namespace amdhal::am
