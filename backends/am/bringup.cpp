// Bare-metal bring-up steps (order and sources: bringup.h, docs/backends.md "am backend").
#include "bringup.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <tuple>

#include <fmt/format.h>

#include "psp.h"
#include "registers.h"

namespace amdhal::am {
namespace {

constexpr uint16_t kAmdVendorId = 0x1002;
// BAR numbers of AMD dGPUs (tinygrad am docs; the kernel's amdgpu_device_init maps BAR5 as
// rmmio on SOC15 parts, amdgpu_doorbell_init uses BAR2, the VRAM aperture is BAR0).
constexpr int kBarVram = 0;
constexpr int kBarDoorbell = 2;
constexpr int kBarMmio = 5;
// Fixed registers read before the IP bases are known (registers.cpp gives the sources).
constexpr uint32_t kRegMmIndex = 0x00, kRegMmData = 0x01, kRegMmIndexHi = 0x06;
constexpr uint32_t kRegRccConfigMemsize = 0xde3;

const char* const kStepNames[] = {
    "identify",
    "driver binding",
    "map BARs",
    "VRAM size",
    "IP discovery",
    "GMC (GART and GPUVM page tables)",
    "IH ring",
    "PSP firmware load",
    "SMU handshake",
    "doorbell routing",
    "compute queue (MQD/HQD)",
    "SDMA rings",
};

}  // namespace

std::string_view step_state_name(BringupStep::State s) {
  switch (s) {
    case BringupStep::State::kOk:
      return "ok";
    case BringupStep::State::kFailed:
      return "failed";
    case BringupStep::State::kNotRun:
      return "not run";
  }
  return "?";
}

std::vector<std::string> bringup_step_names() {
  return std::vector<std::string>(std::begin(kStepNames), std::end(kStepNames));
}

AmDevice::~AmDevice() {
  teardown();
  unmap_bars();
}

void AmDevice::unmap_bars() {
  if (vram_ != nullptr) (void)port_->unmap_bar(fn_.address, vram_, vram_map_bytes_);
  if (doorbells_ != nullptr) (void)port_->unmap_bar(fn_.address, doorbells_, doorbell_bytes_);
  if (mmio_ != nullptr) (void)port_->unmap_bar(fn_.address, mmio_, mmio_bytes_);
  vram_ = doorbells_ = mmio_ = nullptr;
}

Expected<uint32_t> AmDevice::read_reg(uint64_t dword) {
  if (mmio_ == nullptr) return failed_precondition("registers read before BAR5 was mapped");
  if (dword * 4 + 4 > mmio_bytes_) return indirect_reg(dword, nullptr);
  return port_->reg_read32(fn_.address, kBarMmio, mmio_, dword * 4);
}

Status AmDevice::write_reg(uint64_t dword, uint32_t value) {
  if (mmio_ == nullptr) return failed_precondition("register written before BAR5 was mapped");
  if (family_ == nullptr) return failed_precondition("register written before identification");
  if (dword * 4 + 4 > mmio_bytes_) return indirect_reg(dword, &value).status();
  return port_->reg_write32(fn_.address, kBarMmio, mmio_, dword * 4, value);
}

Expected<uint32_t> AmDevice::indirect_reg(uint64_t dword, const uint32_t* write_value) {
  // The NBIO index/data pair the kernel uses for registers beyond the MMIO BAR
  // (amdgpu_device_indirect_rreg/wreg: byte address into the index, read back, then the data).
  std::optional<ResolvedRegister> index, data;
  if (family_ != nullptr && !discovery_.blocks.empty()) {
    for (auto [i, d] : {std::pair{"NBIO.BIF_BX_PF0_RSMU_INDEX", "NBIO.BIF_BX_PF0_RSMU_DATA"},
                        std::pair{"NBIO.BIF_BX0_PCIE_INDEX2", "NBIO.BIF_BX0_PCIE_DATA2"}}) {
      auto ri = reg(i);
      auto rd = reg(d);
      if (ri.ok() && rd.ok()) {
        index = *ri;
        data = *rd;
        break;
      }
    }
  }
  if (!index || dword * 4 > 0xffffffffull) {
    return out_of_range(fmt::format(
        "register dword 0x{:x} outside BAR5 (0x{:x} bytes) and no NBIO index/data pair to reach "
        "it",
        dword, mmio_bytes_));
  }
  std::lock_guard lock(indirect_mu_);
  const uint32_t address = static_cast<uint32_t>(dword * 4);
  AMDHAL_RETURN_IF_ERROR(
      port_->reg_write32(fn_.address, kBarMmio, mmio_, index->byte_offset(), address));
  AMDHAL_RETURN_IF_ERROR(
      port_->reg_read32(fn_.address, kBarMmio, mmio_, index->byte_offset()).status());
  if (write_value != nullptr) {
    AMDHAL_RETURN_IF_ERROR(
        port_->reg_write32(fn_.address, kBarMmio, mmio_, data->byte_offset(), *write_value));
    return *write_value;
  }
  return port_->reg_read32(fn_.address, kBarMmio, mmio_, data->byte_offset());
}

Status AmDevice::identify() {
  const std::string bdf = fn_.address.to_string();
  AMDHAL_ASSIGN_OR_RETURN(uint32_t id, port_->config_read32(fn_.address, 0x00));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t cls, port_->config_read32(fn_.address, 0x08));
  const uint16_t vendor = static_cast<uint16_t>(id);
  const uint16_t device = static_cast<uint16_t>(id >> 16);
  const uint32_t class_code = cls >> 8;
  if (vendor != kAmdVendorId) {
    return failed_precondition(
        fmt::format("{}: vendor id 0x{:04x} is not AMD (0x1002)", bdf, vendor));
  }
  if ((class_code >> 16) != 0x03) {
    return failed_precondition(
        fmt::format("{}: class 0x{:06x} is not a display controller (0x03xxxx)", bdf, class_code));
  }
  auto fam = find_family_by_pci_id(device);
  if (!fam.ok()) {
    return failed_precondition(fmt::format(
        "{}: device id 0x{:04x} is not in the family registry; refusing to touch it", bdf, device));
  }
  family_ = *fam;
  last_detail = fmt::format("{:04x}:{:04x} class 0x{:06x}: {} ({})", vendor, device, class_code,
                            family_->name, family_->marketing);
  return ok_status();
}

Status AmDevice::check_binding(const BringupOptions& options) {
  const std::string bdf = fn_.address.to_string();
  if (fn_.driver.empty()) {
    last_detail = "no kernel driver bound";
    return ok_status();
  }
  if (!options.force_unbind) {
    return failed_precondition(
        fmt::format("{} is bound to kernel driver '{}'; unbind it first (echo {} | sudo tee "
                    "/sys/bus/pci/drivers/{}/unbind) or pass --force-unbind",
                    bdf, fn_.driver, bdf, fn_.driver));
  }
  const std::string was = fn_.driver;
  AMDHAL_RETURN_IF_ERROR(port_->unbind_driver(fn_.address));
  // Confirm through a fresh enumeration that nothing is bound any more.
  AMDHAL_ASSIGN_OR_RETURN(auto all, port_->enumerate_display(kAmdVendorId));
  for (const auto& f : all) {
    if (f.address == fn_.address && !f.driver.empty()) {
      return failed_precondition(
          fmt::format("{}: still bound to '{}' after unbinding '{}'", bdf, f.driver, was));
    }
  }
  fn_.driver.clear();
  last_detail = fmt::format("unbound kernel driver '{}' (--force-unbind)", was);
  return ok_status();
}

Status AmDevice::map_bars() {
  const auto& bars = fn_.bars;
  if (bars[kBarMmio].size == 0 || bars[kBarVram].size == 0) {
    return failed_precondition(
        fmt::format("{}: BAR0 (VRAM, 0x{:x} bytes) or BAR5 (registers, 0x{:x} bytes) is empty",
                    fn_.address.to_string(), bars[kBarVram].size, bars[kBarMmio].size));
  }
  AMDHAL_ASSIGN_OR_RETURN(mmio_,
                          port_->map_bar(fn_.address, kBarMmio, 0, bars[kBarMmio].size, true));
  mmio_bytes_ = bars[kBarMmio].size;
  AMDHAL_ASSIGN_OR_RETURN(vram_,
                          port_->map_bar(fn_.address, kBarVram, 0, bars[kBarVram].size, true));
  vram_map_bytes_ = bars[kBarVram].size;
  if (bars[kBarDoorbell].size != 0) {
    AMDHAL_ASSIGN_OR_RETURN(
        doorbells_, port_->map_bar(fn_.address, kBarDoorbell, 0, bars[kBarDoorbell].size, true));
    doorbell_bytes_ = bars[kBarDoorbell].size;
  }
  last_detail = fmt::format(
      "BAR0 VRAM aperture 0x{:x} bytes, BAR2 doorbells 0x{:x}, BAR5 MMIO "
      "0x{:x}",
      vram_map_bytes_, doorbell_bytes_, mmio_bytes_);
  return ok_status();
}

Status AmDevice::read_vram_size() {
  AMDHAL_ASSIGN_OR_RETURN(uint32_t mib, read_reg(kRegRccConfigMemsize));
  if (mib == 0 || mib == 0xffffffffu) {
    return failed_precondition(fmt::format(
        "RCC_CONFIG_MEMSIZE (dword 0x{:x}): read 0x{:08x}, expected a VRAM size in MiB (non-zero, "
        "not all ones); the device may be powered down or not posted",
        kRegRccConfigMemsize, mib));
  }
  vram_bytes_ = static_cast<uint64_t>(mib) << 20;
  last_detail = fmt::format("{} MiB ({} through BAR0)", mib,
                            vram_map_bytes_ >= vram_bytes_ ? "all reachable" : "partly reachable");
  return ok_status();
}

Status AmDevice::read_discovery() {
  if (vram_bytes_ < kDiscoveryTmrOffset) return failed_precondition("VRAM size not known");
  const uint64_t pos = vram_bytes_ - kDiscoveryTmrOffset;
  std::vector<uint8_t> bin(kDiscoveryReadSize);
  if (pos + bin.size() <= vram_map_bytes_) {
    // Large BAR: read through the VRAM aperture, dword by dword (device memory).
    const volatile uint32_t* src =
        reinterpret_cast<const volatile uint32_t*>(static_cast<uint8_t*>(vram_) + pos);
    for (size_t i = 0; i < bin.size() / 4; ++i) {
      const uint32_t v = src[i];
      std::memcpy(&bin[i * 4], &v, 4);
    }
  } else {
    // Small BAR: MM_INDEX / MM_INDEX_HI / MM_DATA (tinygrad am/amdev.py _read_vram).
    for (size_t i = 0; i < bin.size() / 4; ++i) {
      const uint64_t a = pos + i * 4;
      AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(a >> 31)));
      AMDHAL_RETURN_IF_ERROR(
          write_reg(kRegMmIndex, static_cast<uint32_t>(a & 0x7fffffffu) | 0x80000000u));
      AMDHAL_ASSIGN_OR_RETURN(uint32_t v, read_reg(kRegMmData));
      std::memcpy(&bin[i * 4], &v, 4);
    }
  }
  auto table = parse_discovery(bin);
  if (!table.ok()) {
    return table.status().with_context(fmt::format("reading VRAM offset 0x{:x}", pos));
  }
  const IpBlock* gc = table->find(hwid::kGc);
  if (gc == nullptr) return data_loss("IP discovery: no GC block in the table");
  if (gc->major != family_->isa.major) {
    return data_loss(fmt::format("IP discovery: GC {} does not match {} (ISA major {})",
                                 gc->version(), family_->name, family_->isa.major));
  }
  discovery_ = std::move(*table);
  std::string list;
  for (const auto& b : discovery_.blocks) {
    list += fmt::format("{}{}{} {}", list.empty() ? "" : ", ", b.name(),
                        b.instance != 0 ? fmt::format("#{}", b.instance) : "", b.version());
  }
  last_detail = fmt::format("{} IP blocks: {}", discovery_.blocks.size(), list);
  return ok_status();
}

Status AmDevice::write_vram64(uint64_t offset, uint64_t value) {
  if (offset % 8 != 0 || offset + 8 > vram_bytes_) {
    return out_of_range(fmt::format("VRAM write at 0x{:x} outside VRAM or misaligned", offset));
  }
  if (offset + 8 <= vram_map_bytes_) {
    auto* p = reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(vram_) + offset);
    p[0] = static_cast<uint32_t>(value);
    p[1] = static_cast<uint32_t>(value >> 32);
    return ok_status();
  }
  for (int half = 0; half < 2; ++half) {
    const uint64_t a = offset + 4 * half;
    AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(a >> 31)));
    AMDHAL_RETURN_IF_ERROR(
        write_reg(kRegMmIndex, static_cast<uint32_t>(a & 0x7fffffffu) | 0x80000000u));
    AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmData, static_cast<uint32_t>(value >> (32 * half))));
  }
  return ok_status();
}

Expected<ResolvedRegister> AmDevice::reg(std::string_view name) const {
  if (family_ == nullptr) return failed_precondition("register lookup before identification");
  return resolve_register(name, *family_, discovery_);
}

Status AmDevice::wait_reg(const ResolvedRegister& r, uint32_t mask, uint32_t expected,
                          std::string_view what, uint32_t* last, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  uint32_t v = 0;
  for (;;) {
    AMDHAL_ASSIGN_OR_RETURN(v, read_reg(r.dword));
    if ((v & mask) == expected) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      if (last != nullptr) *last = v;
      return deadline_exceeded(fmt::format(
          "{}: {} (dword 0x{:x}) read 0x{:08x}, expected (value & 0x{:08x}) == 0x{:08x} within "
          "{} ms",
          what, r.name, r.dword, v, mask, expected, timeout_ms));
    }
  }
  if (last != nullptr) *last = v;
  return ok_status();
}

Expected<uint64_t> AmDevice::read_vram64(uint64_t offset) {
  if (offset % 4 != 0 || offset + 8 > vram_bytes_) {
    return out_of_range(fmt::format("VRAM read at 0x{:x} outside VRAM or misaligned", offset));
  }
  uint32_t half[2];
  for (int i = 0; i < 2; ++i) {
    const uint64_t a = offset + 4 * i;
    if (a + 4 <= vram_map_bytes_) {
      half[i] = *reinterpret_cast<const volatile uint32_t*>(static_cast<uint8_t*>(vram_) + a);
    } else {
      AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(a >> 31)));
      AMDHAL_RETURN_IF_ERROR(
          write_reg(kRegMmIndex, static_cast<uint32_t>(a & 0x7fffffffu) | 0x80000000u));
      AMDHAL_ASSIGN_OR_RETURN(half[i], read_reg(kRegMmData));
    }
  }
  return half[0] | (static_cast<uint64_t>(half[1]) << 32);
}

Expected<uint32_t> AmDevice::read_vram32(uint64_t offset) {
  if (offset % 4 != 0 || offset + 4 > vram_bytes_) {
    return out_of_range(fmt::format("VRAM read at 0x{:x} outside VRAM or misaligned", offset));
  }
  if (offset + 4 <= vram_map_bytes_) {
    return *reinterpret_cast<const volatile uint32_t*>(static_cast<uint8_t*>(vram_) + offset);
  }
  AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(offset >> 31)));
  AMDHAL_RETURN_IF_ERROR(
      write_reg(kRegMmIndex, static_cast<uint32_t>(offset & 0x7fffffffu) | 0x80000000u));
  return read_reg(kRegMmData);
}

Status AmDevice::write_vram32(uint64_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset + 4 > vram_bytes_) {
    return out_of_range(fmt::format("VRAM write at 0x{:x} outside VRAM or misaligned", offset));
  }
  if (offset + 4 <= vram_map_bytes_) {
    *reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(vram_) + offset) = value;
    return ok_status();
  }
  AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(offset >> 31)));
  AMDHAL_RETURN_IF_ERROR(
      write_reg(kRegMmIndex, static_cast<uint32_t>(offset & 0x7fffffffu) | 0x80000000u));
  return write_reg(kRegMmData, value);
}

Status AmDevice::write_vram_bytes(uint64_t offset, std::span<const uint8_t> bytes) {
  if (offset % 4 != 0 || offset + bytes.size() > vram_bytes_) {
    return out_of_range(fmt::format("VRAM write of {} bytes at 0x{:x} outside VRAM or misaligned",
                                    bytes.size(), offset));
  }
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t v = 0;
    std::memcpy(&v, bytes.data() + i, std::min<size_t>(4, bytes.size() - i));
    AMDHAL_RETURN_IF_ERROR(write_vram32(offset + i, v));
  }
  return ok_status();
}

// One hub (prefix "GC" = GFXHUB on IP GC, "MM" = MMHUB on IP MMHUB), in the order of the
// kernel's gfxhub_v1_2 / mmhub_v1_8 / gfxhub_v3_0 / mmhub_v3_0 *_gart_enable:
// init_system_aperture_regs, init_tlb_regs, init_cache_regs, init_gart_aperture_regs and
// enable_system_domain (CONTEXT0_CNTL), then a VMID 0 TLB flush (gmc_v9_0_flush_gpu_tlb /
// gmc_v11_0_flush_vm_hub on invalidation engine 17).
Status AmDevice::program_hub(std::string_view prefix, std::string_view ip, std::string* detail) {
  auto r = [&](std::string_view name) { return reg(fmt::format("{}.{}{}", ip, prefix, name)); };
  AMDHAL_ASSIGN_OR_RETURN(auto fb_base, r("MC_VM_FB_LOCATION_BASE"));
  AMDHAL_ASSIGN_OR_RETURN(auto fb_top, r("MC_VM_FB_LOCATION_TOP"));
  AMDHAL_ASSIGN_OR_RETURN(auto sys_low, r("MC_VM_SYSTEM_APERTURE_LOW_ADDR"));
  AMDHAL_ASSIGN_OR_RETURN(auto sys_high, r("MC_VM_SYSTEM_APERTURE_HIGH_ADDR"));
  AMDHAL_ASSIGN_OR_RETURN(auto agp_base, r("MC_VM_AGP_BASE"));
  AMDHAL_ASSIGN_OR_RETURN(auto agp_bot, r("MC_VM_AGP_BOT"));
  AMDHAL_ASSIGN_OR_RETURN(auto agp_top, r("MC_VM_AGP_TOP"));
  AMDHAL_ASSIGN_OR_RETURN(auto l1_tlb, r("MC_VM_MX_L1_TLB_CNTL"));
  AMDHAL_ASSIGN_OR_RETURN(auto l2_cntl, r("VM_L2_CNTL"));
  AMDHAL_ASSIGN_OR_RETURN(auto cntl, r("VM_CONTEXT0_CNTL"));
  AMDHAL_ASSIGN_OR_RETURN(auto base_lo, r("VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32"));
  AMDHAL_ASSIGN_OR_RETURN(auto base_hi, r("VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32"));
  AMDHAL_ASSIGN_OR_RETURN(auto start_lo, r("VM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32"));
  AMDHAL_ASSIGN_OR_RETURN(auto start_hi, r("VM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32"));
  AMDHAL_ASSIGN_OR_RETURN(auto end_lo, r("VM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32"));
  AMDHAL_ASSIGN_OR_RETURN(auto end_hi, r("VM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32"));

  // The frame buffer's MC range as the VBIOS left it (address >> 24; mmhub_v1_8_get_fb_location
  // reads it rather than writing it on a dGPU).
  AMDHAL_ASSIGN_OR_RETURN(uint32_t fb_lo, read_reg(fb_base.dword));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t fb_hi, read_reg(fb_top.dword));
  const uint64_t fb_start = static_cast<uint64_t>(fb_lo & 0xffffff) << 24;
  const uint64_t fb_end = (static_cast<uint64_t>(fb_hi & 0xffffff) << 24) | 0xffffff;
  if (fb_end < fb_start || fb_end - fb_start + 1 < vram_bytes_) {
    return failed_precondition(fmt::format(
        "GMC: {} / {} read 0x{:08x} / 0x{:08x}: frame buffer [0x{:x}, 0x{:x}] smaller than the "
        "{} MiB of VRAM",
        fb_base.name, fb_top.name, fb_lo, fb_hi, fb_start, fb_end, vram_bytes_ >> 20));
  }
  if (prefix == "GC") fb_start_ = fb_start;
  // System aperture over the frame buffer (address >> 18); AGP aperture unused (bottom above
  // top, so no address falls in it).
  AMDHAL_RETURN_IF_ERROR(write_reg(sys_low.dword, static_cast<uint32_t>(fb_start >> 18)));
  AMDHAL_RETURN_IF_ERROR(write_reg(sys_high.dword, static_cast<uint32_t>(fb_end >> 18)));
  AMDHAL_RETURN_IF_ERROR(write_reg(agp_base.dword, 0));
  AMDHAL_RETURN_IF_ERROR(write_reg(agp_bot.dword, 0xffffff));
  AMDHAL_RETURN_IF_ERROR(write_reg(agp_top.dword, 0));
  // MC_VM_MX_L1_TLB_CNTL: ENABLE_L1_TLB bit 0, SYSTEM_ACCESS_MODE bits 4:3 = 3,
  // ENABLE_ADVANCED_DRIVER_MODEL bit 6 (gc_9_4_3_sh_mask.h / gc_11_0_0_sh_mask.h and the mmhub
  // equivalents). VM_L2_CNTL: ENABLE_L2_CACHE bit 0.
  AMDHAL_RETURN_IF_ERROR(write_reg(l1_tlb.dword, 1u | (3u << 3) | (1u << 6)));
  AMDHAL_RETURN_IF_ERROR(write_reg(l2_cntl.dword, 1u));
  // VMID 0 context: base = PDB2 address with the valid bit (amdgpu_gmc_pd_addr), start/end in
  // 4 KiB pages with end inclusive, covering VRAM and the GART.
  const uint64_t base = vmid0_.root | pte::kValid;
  const uint64_t first = vmid0_.va_start >> 12;
  const uint64_t last = ((gart_.va_base + gart_.bytes) >> 12) - 1;
  AMDHAL_RETURN_IF_ERROR(write_reg(base_lo.dword, static_cast<uint32_t>(base)));
  AMDHAL_RETURN_IF_ERROR(write_reg(base_hi.dword, static_cast<uint32_t>(base >> 32)));
  AMDHAL_RETURN_IF_ERROR(write_reg(start_lo.dword, static_cast<uint32_t>(first)));
  AMDHAL_RETURN_IF_ERROR(write_reg(start_hi.dword, static_cast<uint32_t>(first >> 32)));
  AMDHAL_RETURN_IF_ERROR(write_reg(end_lo.dword, static_cast<uint32_t>(last)));
  AMDHAL_RETURN_IF_ERROR(write_reg(end_hi.dword, static_cast<uint32_t>(last >> 32)));
  // CONTEXT0_CNTL: ENABLE_CONTEXT bit 0, PAGE_TABLE_DEPTH bits 2:1 = levels - 1.
  const uint32_t cntl_value = 1u | ((vmid0_.levels - 1) << 1);
  AMDHAL_RETURN_IF_ERROR(write_reg(cntl.dword, cntl_value));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t readback, read_reg(cntl.dword));
  if (readback != cntl_value) {
    return failed_precondition(
        fmt::format("GMC: {} (dword 0x{:x}) read 0x{:08x}, expected 0x{:08x}", cntl.name,
                    cntl.dword, readback, cntl_value));
  }
  AMDHAL_RETURN_IF_ERROR(flush_hub(prefix, ip));
  *detail = fmt::format("{} VMID 0 on (FB [0x{:x}, 0x{:x}])", prefix == "GC" ? "GFXHUB" : "MMHUB",
                        fb_start, fb_end);
  return ok_status();
}

Status AmDevice::flush_hub(std::string_view prefix, std::string_view ip) {
  AMDHAL_ASSIGN_OR_RETURN(auto req, reg(fmt::format("{}.{}VM_INVALIDATE_ENG17_REQ", ip, prefix)));
  AMDHAL_ASSIGN_OR_RETURN(auto ack, reg(fmt::format("{}.{}VM_INVALIDATE_ENG17_ACK", ip, prefix)));
  // PER_VMID_INVALIDATE_REQ bits 15:0 = VMID 0, FLUSH_TYPE 0, and the INVALIDATE_L2_PTES ..
  // INVALIDATE_L1_PTES bits (18-22 on GC 9.4.3 / MMHUB 1.8, 19-23 on GC 11 / MMHUB 3.0;
  // gmc_v9_0_get_invalidate_req, gmc_v11_0_get_invalidate_req).
  const bool gc9 = family_->isa.major == 9;
  const uint32_t value = 1u | (gc9 ? 0x1fu << 18 : 0x1fu << 19);
  AMDHAL_RETURN_IF_ERROR(write_reg(req.dword, value));
  return wait_reg(ack, 1u, 1u, "GMC: TLB invalidation not acknowledged");
}

Status AmDevice::flush_vmid0_tlb() {
  if (gfxhub_programmed_) AMDHAL_RETURN_IF_ERROR(flush_hub("GC", "GC"));
  if (mmhub_programmed_) AMDHAL_RETURN_IF_ERROR(flush_hub("MM", "MMHUB"));
  return ok_status();
}

Status AmDevice::setup_gmc() {
  gmc_done_ = gfxhub_programmed_ = mmhub_programmed_ = false;
  auto write = [this](uint64_t off, uint64_t v) { return write_vram64(off, v); };
  AMDHAL_ASSIGN_OR_RETURN(vmid0_, write_vmid0_tables(vram_bytes_, write));
  const IpBlock* gc = discovery_.find(hwid::kGc);
  const std::string gc_version = gc != nullptr ? gc->version() : "?";
  const std::string tables = fmt::format(
      "VMID 0 page tables written: root at VRAM 0x{:x}, {} tables, VA [0x0, 0x{:x}) mapped 1:1 "
      "with 2 MiB pages",
      vmid0_.root, vmid0_.table_count, vmid0_.va_end);
  if (!reg("GC.GCVM_CONTEXT0_CNTL").ok() || !reg("MMHUB.MMVM_CONTEXT0_CNTL").ok()) {
    return unimplemented(fmt::format(
        "not implemented yet: GMC (GART and GPUVM page tables): hub register programming for GC "
        "{} ({}; the GFXHUB/MMHUB VM_CONTEXT0_* offsets of this GC are not in amdhal's register "
        "table yet)",
        gc_version, tables));
  }
  AMDHAL_ASSIGN_OR_RETURN(gart_, write_gart_tables(vmid0_, vram_bytes_, write));
  {
    std::lock_guard lock(gart_mu_);
    gart_used_.assign(gart_.bytes >> 12, false);
    gart_mappings_.clear();
  }
  std::string gfx, mm;
  AMDHAL_RETURN_IF_ERROR(program_hub("GC", "GC", &gfx));
  gfxhub_programmed_ = true;
  AMDHAL_RETURN_IF_ERROR(program_hub("MM", "MMHUB", &mm));
  mmhub_programmed_ = true;
  gmc_done_ = true;
  const IpBlock* mmhub = discovery_.find(hwid::kMmhub);
  last_detail = fmt::format(
      "{}; GART VA [0x{:x}, 0x{:x}) ({} MiB, 4 KiB system pages); {}, {}; TLB flush acknowledged "
      "on both hubs (GC {}, MMHUB {})",
      tables, gart_.va_base, gart_.va_base + gart_.bytes, gart_.bytes >> 20, gfx, mm, gc_version,
      mmhub != nullptr ? mmhub->version() : "?");
  return ok_status();
}

Expected<uint64_t> AmDevice::gart_map(void* host, uint64_t bytes, bool writable) {
  if (!gmc_done_) return failed_precondition("GART: GMC is not set up");
  if (port_->is_real_hardware()) {
    return unimplemented(
        "GART on real hardware needs the bus addresses of pinned host pages (IOMMU/VFIO); not "
        "implemented");
  }
  const uint64_t addr = reinterpret_cast<uint64_t>(host);
  if (host == nullptr || addr % 4096 != 0 || bytes == 0) {
    return invalid_argument(fmt::format(
        "GART: host range {} + 0x{:x} must be non-empty and 4 KiB aligned", host, bytes));
  }
  const uint64_t pages = (bytes + 4095) / 4096;
  std::lock_guard lock(gart_mu_);
  uint64_t run = 0, first = 0;
  for (uint64_t i = 0; i < gart_used_.size() && run < pages; ++i) {
    if (gart_used_[i]) {
      run = 0;
      continue;
    }
    if (run == 0) first = i;
    ++run;
  }
  if (run < pages) {
    return resource_exhausted(fmt::format("GART: no {} free contiguous pages in the {} MiB GART",
                                          pages, gart_.bytes >> 20));
  }
  const uint64_t va = gart_.va_base + first * 4096;
  for (uint64_t i = 0; i < pages; ++i) {
    // On the simulator a system page's bus address is its host address (sim/core memory.h).
    AMDHAL_RETURN_IF_ERROR(
        write_vram64(gart_.pte_offset(va + i * 4096), gart_pte(addr + i * 4096, writable)));
    gart_used_[first + i] = true;
  }
  gart_mappings_[va] = pages;
  AMDHAL_RETURN_IF_ERROR(flush_vmid0_tlb());
  return va;
}

Status AmDevice::gart_unmap(uint64_t gpu_va) {
  std::lock_guard lock(gart_mu_);
  auto it = gart_mappings_.find(gpu_va);
  if (it == gart_mappings_.end()) {
    return not_found(fmt::format("GART: no mapping at 0x{:x}", gpu_va));
  }
  const uint64_t first = (gpu_va - gart_.va_base) >> 12;
  for (uint64_t i = 0; i < it->second; ++i) {
    AMDHAL_RETURN_IF_ERROR(write_vram64(gart_.pte_offset(gpu_va + i * 4096), 0));
    gart_used_[first + i] = false;
  }
  gart_mappings_.erase(it);
  return flush_vmid0_tlb();
}

void AmDevice::teardown() {
  if (mmio_ == nullptr || family_ == nullptr) return;
  // Doorbell aperture (nbio enable_doorbell_aperture(false)), PSP ring (psp_v13_0_ring_stop), IH
  // ring, then the hub contexts (the reverse of bring-up).
  if (doorbell_aperture_open_) {
    if (auto aper = reg("NBIO.RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN"); aper.ok()) {
      if (auto v = read_reg(aper->dword); v.ok()) (void)write_reg(aper->dword, *v & ~1u);
    }
    doorbell_aperture_open_ = false;
  }
  if (psp_ring_created_) {
    if (auto c64 = reg("MP0.MP0_SMN_C2PMSG_64"); c64.ok()) {
      (void)write_reg(c64->dword, psp::kCtrlDestroyRings);
      (void)wait_reg(*c64, psp::kResponseFlag, psp::kResponseFlag, "PSP ring destroy");
    }
    psp_ring_created_ = false;
  }
  if (ih_enabled_) {
    if (auto cntl = reg("OSSSYS.IH_RB_CNTL"); cntl.ok()) {
      (void)write_reg(cntl->dword, ih_rb_cntl(kIhRingBytes, false));
    }
    ih_enabled_ = false;
  }
  for (auto [on, prefix, ip] : {std::tuple{&mmhub_programmed_, "MM", "MMHUB"},
                                std::tuple{&gfxhub_programmed_, "GC", "GC"}}) {
    if (!*on) continue;
    if (auto cntl = reg(fmt::format("{}.{}VM_CONTEXT0_CNTL", ip, prefix)); cntl.ok()) {
      (void)write_reg(cntl->dword, 0);
      (void)flush_hub(prefix, ip);
    }
    *on = false;
  }
  gmc_done_ = false;
}

// ---- doorbell routing, compute queue, SDMA rings (queues.h) ----

Expected<std::shared_ptr<VramAllocator>> AmDevice::vram_allocator() {
  std::lock_guard lock(queue_setup_mu_);
  if (!vram_heap_) {
    if (vram_bytes_ <= kPageTablePoolFromEnd + kVramHeapStart) {
      return failed_precondition("am: VRAM size not known (or below 34 MiB): no VRAM heap");
    }
    vram_heap_ =
        std::make_shared<VramAllocator>(kVramHeapStart, vram_bytes_ - kPageTablePoolFromEnd);
  }
  return vram_heap_;
}

Expected<QueueHardware*> AmDevice::queue_hardware() {
  std::lock_guard lock(queue_setup_mu_);
  if (!queue_hw_) {
    if (family_ == nullptr || discovery_.blocks.empty()) {
      return failed_precondition("am: queues need IP discovery first");
    }
    AMDHAL_ASSIGN_OR_RETURN(QueueRegisters regs, resolve_queue_registers(*family_, discovery_));
    auto hw = std::make_unique<QueueHardware>();
    hw->sdma_used.assign(regs.sdma_rings.size(), false);
    hw->regs = std::move(regs);
    queue_hw_ = std::move(hw);
  }
  return queue_hw_.get();
}

void* AmDevice::vram_cpu(uint64_t offset, uint64_t bytes) const {
  if (vram_ == nullptr || offset + bytes > vram_map_bytes_ || offset + bytes < offset) {
    return nullptr;
  }
  return static_cast<uint8_t*>(vram_) + offset;
}

Status AmDevice::write_doorbell64(uint32_t slot, uint64_t value) {
  const uint64_t byte = uint64_t{slot} * 8;
  if (doorbells_ == nullptr || byte + 8 > doorbell_bytes_) {
    return failed_precondition(fmt::format(
        "am: doorbell slot {} outside the BAR2 mapping (0x{:x} bytes)", slot, doorbell_bytes_));
  }
  return port_->doorbell_write64(fn_.address, doorbells_, byte, value);
}

Status AmDevice::setup_compute_queue() {
  AMDHAL_ASSIGN_OR_RETURN(QueueHardware * hw, queue_hardware());
  // The MEC doorbell range first: the CP ignores doorbells outside it (gfx_v9_0_kiq_init_register
  // programs it with the KIQ).
  AMDHAL_RETURN_IF_ERROR(program_mec_doorbell_range(*this, *hw));
  AMDHAL_ASSIGN_OR_RETURN(std::string detail, ring_test(*this, QueueKind::kCompute));
  last_detail = fmt::format("MEC doorbells 0x{:x}-0x{:x}; {}", kMecDoorbellFirst,
                            kMecDoorbellFirst + kHqdCount - 1, detail);
  return ok_status();
}

Status AmDevice::setup_sdma_rings() {
  AMDHAL_ASSIGN_OR_RETURN(QueueHardware * hw, queue_hardware());
  std::string detail;
  const uint32_t engines = static_cast<uint32_t>(hw->regs.sdma_rings.size()) / kSdmaRingsPerEngine;
  for (uint32_t e = 0; e < engines; ++e) {
    AMDHAL_ASSIGN_OR_RETURN(std::string one,
                            ring_test(*this, QueueKind::kSdma, e * kSdmaRingsPerEngine));
    if (e == 0) detail = one;
  }
  last_detail = fmt::format("{} engine(s), ring test passed on each; {}", engines, detail);
  return ok_status();
}

Status AmDevice::setup_doorbell_routing() {
  AMDHAL_ASSIGN_OR_RETURN(QueueHardware * hw, queue_hardware());
  if (doorbells_ == nullptr) return failed_precondition("doorbell routing: BAR2 is not mapped");
  const uint32_t rings = static_cast<uint32_t>(hw->regs.sdma_rings.size());
  const uint64_t last_slot = sdma_doorbell_slot(rings);
  if (last_slot * 8 > doorbell_bytes_) {
    return out_of_range(
        fmt::format("doorbell routing: SDMA doorbells reach slot {} beyond BAR2 (0x{:x} bytes)",
                    last_slot, doorbell_bytes_));
  }
  // NBIO first (aperture, SDMA ranges), then the CP's own range (gfx_v9_0/gfx_v11_0
  // *_kiq_init_register; the compute step programs it again, as the kernel does per KIQ init).
  doorbell_aperture_open_ = true;  // teardown closes it again, even after a partial run
  AMDHAL_ASSIGN_OR_RETURN(std::vector<DoorbellRoute> routes,
                          program_nbio_doorbell_routing(*this, *hw));
  AMDHAL_RETURN_IF_ERROR(program_mec_doorbell_range(*this, *hw));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t l, read_reg(hw->regs.mec_doorbell_lower));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t u, read_reg(hw->regs.mec_doorbell_upper));
  for (uint32_t i = 0; i < kHqdCount; ++i) {
    const uint32_t byte = HqdSlot::from_index(i).doorbell_slot() * 8;
    if (byte < l || byte > u) {
      return failed_precondition(
          fmt::format("doorbell routing: {} doorbell at byte 0x{:x} outside CP_MEC_DOORBELL_RANGE "
                      "[0x{:x}, 0x{:x}]",
                      HqdSlot::from_index(i).name(), byte, l, u));
    }
  }
  // Every SDMA ring doorbell must lie in a range routed to its engine.
  for (uint32_t r = 0; r < rings; ++r) {
    const uint32_t engine = r / kSdmaRingsPerEngine, dword = sdma_doorbell_slot(r) * 2;
    const bool routed = std::any_of(routes.begin(), routes.end(), [&](const DoorbellRoute& d) {
      return engine >= d.first_engine && engine <= d.last_engine && dword >= d.first_dword &&
             dword < d.first_dword + d.dwords;
    });
    if (!routed) {
      return failed_precondition(fmt::format(
          "doorbell routing: SDMA{} ring {} doorbell (slot 0x{:x}, dword 0x{:x}) is in no NBIO "
          "range routed to its engine",
          engine, r % kSdmaRingsPerEngine, dword / 2, dword));
    }
  }
  std::string sdma;
  for (const auto& d : routes) {
    sdma += fmt::format("{}{} slots 0x{:x}-0x{:x} ({})", sdma.empty() ? "" : ", ",
                        d.first_engine == d.last_engine
                            ? fmt::format("SDMA{}", d.first_engine)
                            : fmt::format("SDMA{}-{}", d.first_engine, d.last_engine),
                        d.first_dword / 2, (d.first_dword + d.dwords) / 2 - 1, d.registers);
  }
  const IpBlock* nbio = discovery_.find(hwid::kNbif);
  last_detail = fmt::format(
      "BAR2 0x{:x} bytes, NBIO {} doorbell aperture on (RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN); CP: "
      "HQD slots 0x{:x}-0x{:x} (bytes 0x{:x}-0x{:x}, CP_MEC_DOORBELL_RANGE); SDMA: {}; IH: no "
      "doorbell (IH_RB_RPTR through MMIO)",
      doorbell_bytes_, nbio != nullptr ? nbio->version() : "?", kMecDoorbellFirst,
      kMecDoorbellFirst + kHqdCount - 1, l, u, sdma);
  return ok_status();
}

BringupReport bringup(PciPort& port, const PciAddress& address, const BringupOptions& options) {
  BringupReport report;
  for (const auto& n : bringup_step_names())
    report.steps.push_back({n, BringupStep::State::kNotRun, 0, {}});

  auto functions = port.enumerate_display(kAmdVendorId);
  std::optional<PciFunction> fn;
  if (functions.ok()) {
    for (auto& f : *functions) {
      if (f.address == address) fn = f;
    }
  }
  if (!fn) {
    report.status = functions.ok()
                        ? not_found(fmt::format("no AMD display function at {} on port {}",
                                                address.to_string(), port.name()))
                        : functions.status();
    report.steps[0].state = BringupStep::State::kFailed;
    report.steps[0].detail = report.status.message();
    return report;
  }
  report.device = std::make_unique<AmDevice>(port, *fn);
  AmDevice& dev = *report.device;

  // One entry per name in kStepNames, in order.
  std::vector<std::function<Status()>> impl = {
      [&] { return dev.identify(); },
      [&] { return dev.check_binding(options); },
      [&] { return dev.map_bars(); },
      [&] { return dev.read_vram_size(); },
      [&] { return dev.read_discovery(); },
      [&] { return dev.setup_gmc(); },
      [&] { return dev.setup_ih(); },
      [&] { return dev.load_firmware(options); },
      [&] { return dev.smu_handshake(); },
      [&] { return dev.setup_doorbell_routing(); },  // doorbell routing
      [&] { return dev.setup_compute_queue(); },     // compute queue (MQD/HQD)
      [&] { return dev.setup_sdma_rings(); },        // SDMA rings
  };
  for (size_t i = 0; i < report.steps.size(); ++i) {
    BringupStep& step = report.steps[i];
    const auto t0 = std::chrono::steady_clock::now();
    dev.last_detail.clear();
    Status s = impl.at(i)();
    step.duration_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    if (!s.ok()) {
      step.state = BringupStep::State::kFailed;
      step.detail = s.message();
      report.status = s.with_context(fmt::format("bring-up step '{}'", step.name));
      for (size_t k = i + 1; k < report.steps.size(); ++k) {
        report.steps[k].detail = fmt::format("not run: bring-up stopped at '{}'", step.name);
      }
      return report;
    }
    step.state = BringupStep::State::kOk;
    step.detail = dev.last_detail;
    if (!options.stop_after.empty() && step.name == options.stop_after) break;
  }
  return report;
}

}  // namespace amdhal::am
