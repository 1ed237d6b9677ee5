// VMID 0 page tables (format and layout: gmc.h).
#include "gmc.h"

#include <fmt/format.h>

namespace amdhal::am {

Expected<Vmid0Tables> write_vmid0_tables(uint64_t vram_bytes, const VramWrite64& write) {
  constexpr uint64_t kTable = 4096;
  constexpr uint64_t k2M = 2ull << 20, k1G = 1ull << 30;
  if (vram_bytes < kPageTablePoolFromEnd || vram_bytes % k2M != 0) {
    return invalid_argument(fmt::format(
        "GMC: VRAM size 0x{:x} is below 32 MiB or not a multiple of 2 MiB", vram_bytes));
  }
  const uint64_t gib = (vram_bytes + k1G - 1) / k1G;  // PDB0 tables needed
  if (gib > 512) return out_of_range("GMC: more than 512 GiB of VRAM");
  const uint64_t pool = vram_bytes - kPageTablePoolFromEnd;
  const uint64_t needed = (2 + gib) * kTable;
  if (needed > kPageTablePoolBytes) return resource_exhausted("GMC: page-table pool too small");

  Vmid0Tables t;
  t.root = pool;  // PDB2
  const uint64_t pdb1 = pool + kTable;
  const uint64_t pdb0 = pool + 2 * kTable;
  t.table_count = static_cast<uint32_t>(2 + gib);
  t.va_start = 0;
  t.va_end = vram_bytes;
  const uint64_t leaf_flags =
      pte::kValid | pte::kReadable | pte::kWriteable | pte::kExecutable | pte::kPdeIsPte;

  // Clear the three levels first so unused entries are invalid.
  for (uint64_t off = 0; off < needed; off += 8) {
    AMDHAL_RETURN_IF_ERROR(write(pool + off, 0));
  }
  // PDB2[0] -> PDB1 (VA < 512 GiB); PDB1[g] -> PDB0 table g; PDB0 entries: 2 MiB leaves.
  AMDHAL_RETURN_IF_ERROR(write(t.root, (pdb1 & pte::kAddressMask) | pte::kValid));
  for (uint64_t g = 0; g < gib; ++g) {
    const uint64_t table = pdb0 + g * kTable;
    AMDHAL_RETURN_IF_ERROR(write(pdb1 + 8 * g, (table & pte::kAddressMask) | pte::kValid));
    for (uint64_t e = 0; e < 512; ++e) {
      const uint64_t pa = g * k1G + e * k2M;
      if (pa >= vram_bytes) break;
      AMDHAL_RETURN_IF_ERROR(write(table + 8 * e, (pa & pte::kAddressMask) | leaf_flags));
    }
  }
  return t;
}

uint64_t gart_pte(uint64_t bus, bool writable) {
  return (bus & pte::kAddressMask) | pte::kValid | pte::kSystem | pte::kSnooped | pte::kReadable |
         (writable ? pte::kWriteable : 0);
}

Expected<GartTables> write_gart_tables(const Vmid0Tables& vmid0, uint64_t vram_bytes,
                                       const VramWrite64& write) {
  constexpr uint64_t kTable = 4096;
  constexpr uint64_t k2M = 2ull << 20, k512G = 1ull << 39;
  if (vmid0.table_count == 0) return failed_precondition("GMC: GART before the VMID 0 tables");
  if (kGartVaBase < vmid0.va_end) {
    return out_of_range(fmt::format("GMC: GART VA 0x{:x} overlaps VRAM mapped up to 0x{:x}",
                                    kGartVaBase, vmid0.va_end));
  }
  const uint64_t pool = vram_bytes - kPageTablePoolFromEnd;
  GartTables g;
  g.va_base = kGartVaBase;
  g.bytes = kGartBytes;
  const uint64_t pdb1 = pool + static_cast<uint64_t>(vmid0.table_count) * kTable;
  const uint64_t pdb0 = pdb1 + kTable;
  g.ptb = pdb0 + kTable;
  const uint64_t ptbs = kGartBytes / k2M;
  g.table_count = static_cast<uint32_t>(2 + ptbs);
  const uint64_t end = g.ptb + ptbs * kTable;
  if (end > pool + kPageTablePoolBytes) return resource_exhausted("GMC: page-table pool too small");
  for (uint64_t off = pdb1; off < end; off += 8) AMDHAL_RETURN_IF_ERROR(write(off, 0));
  // PDB2[va >> 39] -> PDB1; PDB1[(va >> 30) & 511] -> PDB0; PDB0[(va >> 21) & 511 + i] -> PTB i.
  AMDHAL_RETURN_IF_ERROR(
      write(vmid0.root + 8 * (kGartVaBase / k512G), (pdb1 & pte::kAddressMask) | pte::kValid));
  AMDHAL_RETURN_IF_ERROR(
      write(pdb1 + 8 * ((kGartVaBase >> 30) & 511), (pdb0 & pte::kAddressMask) | pte::kValid));
  for (uint64_t i = 0; i < ptbs; ++i) {
    AMDHAL_RETURN_IF_ERROR(write(pdb0 + 8 * (((kGartVaBase >> 21) & 511) + i),
                                 ((g.ptb + i * kTable) & pte::kAddressMask) | pte::kValid));
  }
  return g;
}

}  // namespace amdhal::am
