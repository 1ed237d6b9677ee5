// Page-table mode of AddressSpace: a walker for GFX9-format GPUVM page tables and a small TLB.
//
// Format facts (Linux drivers/gpu/drm/amd/amdgpu/amdgpu_vm.h and the PTE/PDE layout comment in
// gmc_v9_0.c): PTE bit 0 VALID, 1 SYSTEM, 4 EXECUTABLE, 5 READABLE, 6 WRITEABLE, bits 47:12 the
// page address; PDE bit 0 VALID, 1 SYSTEM, bits 47:6 the next table's address, bit 54 (P,
// AMDGPU_PDE_PTE) makes the directory entry a page. Levels PDB2, PDB1, PDB0, PTB each take 9 VA
// bits above the 12-bit page offset; the root directory may have more than 512 entries when the
// context covers more VA than its level spans.
#include <algorithm>

#include <fmt/format.h>

#include "amdhal_sim/memory.h"
#include "memory_internal.h"

namespace amdhal::sim {

namespace gpuvm {
std::string_view level_name(uint32_t level) {
  switch (level) {
    case kPdb2:
      return "PDB2";
    case kPdb1:
      return "PDB1";
    case kPdb0:
      return "PDB0";
    case kPtb:
      return "PTB";
    default:
      return "level?";
  }
}
}  // namespace gpuvm

Status AddressSpace::set_page_table(const PageTableConfig& config) {
  if (config.levels > gpuvm::kMaxLevels) {
    return invalid_argument(fmt::format(
        "vmid {}: {} page-table levels requested; GFX9 GPUVM has 1-4", vmid_, config.levels));
  }
  if (config.levels != 0) {
    if (config.root_address % 64 != 0) {
      return invalid_argument(fmt::format("vmid {}: page-table root {:#x} is not 64-byte aligned",
                                          vmid_, config.root_address));
    }
    if (config.va_start >= config.va_end || config.va_start % gpuvm::kPageSize != 0) {
      return invalid_argument(
          fmt::format("vmid {}: page-table VA range [{:#x}, {:#x}) is empty or not 4 KiB aligned",
                      vmid_, config.va_start, config.va_end));
    }
  }
  {
    std::unique_lock lock(mutex_);
    page_table_ = config;
    page_table_mode_ = config.levels != 0;
  }
  invalidate_tlb();
  return ok_status();
}

bool AddressSpace::page_table_mode() const {
  std::shared_lock lock(mutex_);
  return page_table_mode_;
}

PageTableConfig AddressSpace::page_table() const {
  std::shared_lock lock(mutex_);
  return page_table_;
}

void AddressSpace::invalidate_tlb() {
  std::lock_guard lock(tlb_mutex_);
  tlb_.fill(TlbEntry{});
  tlb_next_ = 0;
  ++tlb_stats_.flushes;
}

AddressSpace::TlbStats AddressSpace::tlb_stats() const {
  std::lock_guard lock(tlb_mutex_);
  return tlb_stats_;
}

Expected<AddressSpace::Leaf> AddressSpace::walk(uint64_t va, Access access, VmFault* fault) const {
  using namespace gpuvm;
  const PageTableConfig& c = page_table_;
  if (va < c.va_start || va >= c.va_end) {
    return fail(fault, va, access,
                fmt::format("unmapped (outside the page-table range [{:#x}, {:#x}))", c.va_start,
                            c.va_end));
  }
  const uint64_t rel = va - c.va_start;
  const uint32_t first = kMaxLevels - c.levels;
  uint64_t table = c.root_address;
  bool system = c.root_system;
  for (uint32_t level = first; level <= kPtb; ++level) {
    const uint32_t shift = kPageShift + kBitsPerLevel * (kPtb - level);
    uint64_t index = rel >> shift;
    if (level != first) index &= (1u << kBitsPerLevel) - 1;
    const uint64_t entry_address = table + index * 8;
    const char* kind = level == kPtb ? "PTE" : "PDE";
    auto read = physical_->read64(entry_address, system);
    if (!read.ok()) {
      return fail(fault, va, access,
                  system ? fmt::format("system address {:#x} of the {} {} not accessible",
                                       entry_address, level_name(level), kind)
                         : fmt::format("physical address {:#x} outside VRAM ({} {})", entry_address,
                                       level_name(level), kind));
    }
    const uint64_t entry = *read;
    if ((entry & kPteValid) == 0) {
      return fail(fault, va, access,
                  level == kPtb
                      ? std::string("invalid PTE")
                      : fmt::format("invalid PDE at level {} ({})", level, level_name(level)));
    }
    if (level != kPtb && (entry & kPdePte) == 0) {
      table = entry & kPdeAddressMask;
      system = (entry & kPteSystem) != 0;
      continue;
    }
    if (level == kPdb2) {
      return fail(fault, va, access,
                  "invalid PDE at level 0 (PDB2): PDE_PTE huge pages exist only at PDB1 and PDB0");
    }
    // A leaf: a PTE, or a PDE_PTE huge page (2 MiB at PDB0, 1 GiB at PDB1).
    const uint64_t size = entry_span(level);
    const uint64_t address = entry & kPteAddressMask;
    const std::string what = level == kPtb
                                 ? std::string("PTE")
                                 : fmt::format("PDE at level {} ({})", level, level_name(level));
    if (address % size != 0) {
      return fail(fault, va, access,
                  fmt::format("invalid {}: page address {:#x} not aligned to its {:#x}-byte page",
                              what, address, size));
    }
    uint8_t* host = nullptr;
    if ((entry & kPteSystem) != 0) {
      if (!detail::host_accessible(address, 1)) {
        return fail(fault, va, access,
                    fmt::format("system address {:#x} ({}) not accessible", address, what));
      }
      host = reinterpret_cast<uint8_t*>(address);
    } else {
      host = physical_->vram_at(address, size);
      if (host == nullptr) {
        return fail(fault, va, access,
                    fmt::format("physical address {:#x} outside VRAM ({})", address, what));
      }
    }
    uint32_t flags = 0;
    if (entry & kPteReadable) flags |= kMapRead;
    if (entry & kPteWriteable) flags |= kMapWrite;
    if (entry & kPteExecutable) flags |= kMapExecute;
    return Leaf{c.va_start + (rel & ~(size - 1)), size, host, flags};
  }
  return fail(fault, va, access, "page-table walk ended without a leaf");  // unreachable
}

Expected<AddressSpace::Leaf> AddressSpace::lookup(uint64_t va, Access access,
                                                  VmFault* fault) const {
  std::lock_guard lock(tlb_mutex_);
  for (const TlbEntry& e : tlb_) {
    if (e.size != 0 && va - e.va_base < e.size) {
      ++tlb_stats_.hits;
      return Leaf{e.va_base, e.size, e.host, e.flags};
    }
  }
  ++tlb_stats_.misses;
  AMDHAL_ASSIGN_OR_RETURN(Leaf leaf, walk(va, access, fault));
  tlb_[tlb_next_] = TlbEntry{leaf.va_base, leaf.size, leaf.host, leaf.flags};
  tlb_next_ = (tlb_next_ + 1) % kTlbEntries;
  return leaf;
}

Expected<uint8_t*> AddressSpace::run_page_table(uint64_t va, uint64_t max_len, Access access,
                                                uint64_t* run_len, VmFault* fault) const {
  const uint32_t need = detail::access_flag(access);
  AMDHAL_ASSIGN_OR_RETURN(Leaf leaf, lookup(va, access, fault));
  if ((leaf.flags & need) == 0) return fail(fault, va, access, detail::permission_reason(access));
  uint8_t* host = leaf.host + (va - leaf.va_base);
  uint64_t run = std::min(max_len, leaf.size - (va - leaf.va_base));
  // Extend across following pages while they continue the same host memory with the permission.
  while (run < max_len) {
    auto next = lookup(va + run, access, nullptr);
    if (!next.ok() || (next->flags & need) == 0 || next->host != host + run) break;
    run = std::min(max_len, run + next->size);
  }
  *run_len = run;
  return host;
}

}  // namespace amdhal::sim
