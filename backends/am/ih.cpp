// IH ring: IV decode and the AmDevice IH step (register layout and sources: ih.h).
#include "ih.h"

#include <bit>
#include <chrono>

#include <fmt/format.h>

#include "bringup.h"
#include "registers.h"

namespace amdhal::am {

IvEntry decode_iv(std::span<const uint32_t, 8> dw) {
  IvEntry e;
  e.client_id = static_cast<uint8_t>(dw[0] & 0xff);
  e.src_id = static_cast<uint8_t>((dw[0] >> 8) & 0xff);
  e.ring_id = static_cast<uint8_t>((dw[0] >> 16) & 0xff);
  e.vmid = static_cast<uint8_t>((dw[0] >> 24) & 0xf);
  e.vmid_src = (dw[0] >> 31) != 0;
  e.timestamp = dw[1] | (static_cast<uint64_t>(dw[2] & 0xffff) << 32);
  e.pasid = static_cast<uint16_t>(dw[3] & 0xffff);
  e.node_id = static_cast<uint8_t>((dw[3] >> 16) & 0xff);
  for (int i = 0; i < 4; ++i) e.src_data[i] = dw[4 + i];
  return e;
}

std::string IvEntry::to_string() const {
  return fmt::format("client {} src {} ring {} vmid {} data 0x{:x} 0x{:x} 0x{:x} 0x{:x}", client_id,
                     src_id, ring_id, vmid, src_data[0], src_data[1], src_data[2], src_data[3]);
}

uint32_t ih_rb_cntl(uint64_t ring_bytes, bool enable) {
  const uint32_t log2_dwords = static_cast<uint32_t>(std::countr_zero(ring_bytes / 4));
  return (enable ? 1u : 0u) | (log2_dwords << 1) | (1u << 8) /* WPTR_WRITEBACK_ENABLE */ |
         (1u << 16) /* WPTR_OVERFLOW_ENABLE */ | ((enable ? 1u : 0u) << 17) /* ENABLE_INTR */ |
         (4u << 28) /* MC_SPACE: GPU (VMID 0) address */;
}

Status AmDevice::setup_ih() {
  if (!gmc_done_) return failed_precondition("IH: GMC is not set up");
  auto r = [&](std::string_view name) { return reg(fmt::format("OSSSYS.{}", name)); };
  AMDHAL_ASSIGN_OR_RETURN(auto cntl, r("IH_RB_CNTL"));
  AMDHAL_ASSIGN_OR_RETURN(auto base, r("IH_RB_BASE"));
  AMDHAL_ASSIGN_OR_RETURN(auto base_hi, r("IH_RB_BASE_HI"));
  AMDHAL_ASSIGN_OR_RETURN(auto rptr, r("IH_RB_RPTR"));
  AMDHAL_ASSIGN_OR_RETURN(auto wptr, r("IH_RB_WPTR"));
  AMDHAL_ASSIGN_OR_RETURN(auto wb_lo, r("IH_RB_WPTR_ADDR_LO"));
  AMDHAL_ASSIGN_OR_RETURN(auto wb_hi, r("IH_RB_WPTR_ADDR_HI"));
  const uint64_t area = vram_bytes_ - kBringupAreaFromEnd;
  const uint64_t ring = area + kIhRingOffset;
  const uint64_t wb = area + kIhWptrOffset;
  // vega20_ih_enable_ring / ih_v6_0_enable_ring: disable, base, cntl, write-back address,
  // pointers to 0, then enable (a second bring-up starts from a disabled ring).
  AMDHAL_RETURN_IF_ERROR(write_reg(cntl.dword, ih_rb_cntl(kIhRingBytes, false)));
  for (uint64_t off = 0; off < kIhRingBytes; off += 8) {
    AMDHAL_RETURN_IF_ERROR(write_vram64(ring + off, 0));
  }
  AMDHAL_RETURN_IF_ERROR(write_vram64(wb, 0));
  AMDHAL_RETURN_IF_ERROR(write_reg(base.dword, static_cast<uint32_t>(ring >> 8)));
  AMDHAL_RETURN_IF_ERROR(write_reg(base_hi.dword, static_cast<uint32_t>(ring >> 40) & 0xff));
  AMDHAL_RETURN_IF_ERROR(write_reg(wb_lo.dword, static_cast<uint32_t>(wb)));
  AMDHAL_RETURN_IF_ERROR(write_reg(wb_hi.dword, static_cast<uint32_t>(wb >> 32) & 0xffff));
  AMDHAL_RETURN_IF_ERROR(write_reg(rptr.dword, 0));
  AMDHAL_RETURN_IF_ERROR(write_reg(wptr.dword, 0));
  const uint32_t value = ih_rb_cntl(kIhRingBytes, true) | (1u << 31);  // + WPTR_OVERFLOW_CLEAR
  AMDHAL_RETURN_IF_ERROR(write_reg(cntl.dword, value));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t readback, read_reg(cntl.dword));
  if ((readback & 1u) == 0) {
    return failed_precondition(fmt::format(
        "IH ring: {} (dword 0x{:x}) read 0x{:08x} after enabling, expected RB_ENABLE (bit 0) set "
        "(wrote 0x{:08x})",
        cntl.name, cntl.dword, readback, value));
  }
  AMDHAL_ASSIGN_OR_RETURN(uint32_t w, read_reg(wptr.dword));
  if (w != 0) {
    return failed_precondition(
        fmt::format("IH ring: {} (dword 0x{:x}) read 0x{:08x} after reset, expected 0", wptr.name,
                    wptr.dword, w));
  }
  ih_ring_ = ring;
  ih_rptr_ = 0;
  ih_enabled_ = true;
  const IpBlock* oss = discovery_.find(hwid::kOsssys);
  last_detail = fmt::format(
      "OSSSYS {}: ring at VRAM 0x{:x}, {} KiB ({} IV entries of {} bytes), write-back at 0x{:x}, "
      "enabled",
      oss != nullptr ? oss->version() : "?", ring, kIhRingBytes >> 10, kIhRingBytes / kIvEntryBytes,
      kIvEntryBytes, wb);
  return ok_status();
}

Expected<std::vector<IvEntry>> AmDevice::ih_drain(size_t max_entries) {
  std::lock_guard lock(ih_mu_);
  if (!ih_enabled_) return failed_precondition("IH ring not enabled (bring-up did not reach it)");
  AMDHAL_ASSIGN_OR_RETURN(auto wptr_reg, reg("OSSSYS.IH_RB_WPTR"));
  AMDHAL_ASSIGN_OR_RETURN(auto rptr_reg, reg("OSSSYS.IH_RB_RPTR"));
  AMDHAL_ASSIGN_OR_RETURN(auto cntl_reg, reg("OSSSYS.IH_RB_CNTL"));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t w, read_reg(wptr_reg.dword));
  const bool overflow = (w & 1u) != 0;
  const uint32_t mask = static_cast<uint32_t>(kIhRingBytes - 1);
  const uint32_t wptr = w & mask & ~3u;
  std::vector<IvEntry> out;
  while (ih_rptr_ != wptr && out.size() < max_entries) {
    uint32_t dw[8];
    for (int i = 0; i < 8; i += 2) {
      AMDHAL_ASSIGN_OR_RETURN(uint64_t v, read_vram64(ih_ring_ + ih_rptr_ + 4 * i));
      dw[i] = static_cast<uint32_t>(v);
      dw[i + 1] = static_cast<uint32_t>(v >> 32);
    }
    out.push_back(decode_iv(std::span<const uint32_t, 8>(dw)));
    ih_rptr_ = (ih_rptr_ + kIvEntryBytes) & mask;
  }
  AMDHAL_RETURN_IF_ERROR(write_reg(rptr_reg.dword, ih_rptr_));
  if (overflow) {
    // vega20_ih_get_wptr: clear the overflow with WPTR_OVERFLOW_CLEAR; the lost entries are gone.
    ++ih_overflows_;
    AMDHAL_RETURN_IF_ERROR(write_reg(cntl_reg.dword, ih_rb_cntl(kIhRingBytes, true) | (1u << 31)));
  }
  return out;
}

}  // namespace amdhal::am
