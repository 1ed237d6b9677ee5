// Register-level models of GMC hubs, IH, PSP and SMU (see ip_models.h for offsets and sources).
//
// Sequences the models answer follow the Linux kernel's drivers:
//  - hubs: gfxhub_v1_2.c / mmhub_v1_8.c (GC 9.4.3) and gfxhub_v3_0.c / mmhub_v3_0.c (GC 11):
//    *_init_gart_aperture_regs (CONTEXT0 PAGE_TABLE_BASE/START/END), *_init_system_aperture_regs
//    (SYSTEM_APERTURE_LOW/HIGH, AGP), *_setup_vmid_config / *_enable_system_domain
//    (CONTEXT0_CNTL ENABLE_CONTEXT bit 0, PAGE_TABLE_DEPTH bits 2:1), gmc_v9_0_flush_gpu_tlb /
//    gmc_v11_0_flush_vm_hub (VM_INVALIDATE_ENG17_REQ bits 15:0 per VMID, ACK bits 15:0).
//    The simulator core has one address space per VMID, so both hubs' VMID 0 contexts drive the
//    same AddressSpace: the last context enabled wins, and a context disabled falls back to the
//    other hub's while it is still enabled.
//  - IH: vega20_ih.c (OSSSYS 4.4.x) / ih_v6_0.c (OSSSYS 6.0): IH_RB_BASE = address >> 8,
//    IH_RB_BASE_HI = address >> 40, IH_RB_CNTL RB_ENABLE bit 0, RB_SIZE bits 5:1 = log2(dwords),
//    WPTR_WRITEBACK_ENABLE bit 8, ENABLE_INTR bit 17, WPTR_OVERFLOW_CLEAR bit 31; IH_RB_WPTR
//    RB_OVERFLOW bit 0, byte offset above; IV entries as amdgpu_ih_decode_iv_helper() reads them.
//  - PSP: psp_v13_0.c (bootloader: ready when C2PMSG_35 bit 31 is set; C2PMSG_36 = address >> 20;
//    command in C2PMSG_35; sOS alive when C2PMSG_81 != 0; KM ring: C2PMSG_69/70 = ring address,
//    C2PMSG_71 = size, C2PMSG_64 = ring type << 16, response bit 31 with status in bits 15:0;
//    write pointer C2PMSG_67 in dwords; GFX_CTRL_CMD_ID_DESTROY_RINGS) and psp_gfx_if.h (64-byte
//    struct psp_gfx_rb_frame, 1 KiB struct psp_gfx_cmd_resp with resp.status at byte 864).
//  - SMU: smu_cmn.c __smu_cmn_send_msg (C2PMSG_90 response cleared, C2PMSG_82 argument,
//    C2PMSG_66 message; response 1 = OK, 0xFE = unknown message) and smu_v13_0_0_ppsmc.h /
//    smu_v13_0_6_ppsmc.h (TestMessage 1, GetSmuVersion 2, GetDriverIfVersion 3 / 4).
#include "amdhal_sim_pci/ip_models.h"

#include <algorithm>
#include <cstring>

#include "amdhal_sim_pci/firmware_image.h"
#include "amdhal_sim_pci/pci_function.h"

namespace amdhal::sim::pci {
namespace {

// mp_13_0_0_offset.h: regMP0_SMN_C2PMSG_n = 0x40 + n, regMP1_SMN_C2PMSG_n = 0x240 + n (BASE_IDX 0).
constexpr uint32_t mp0(uint32_t n) {
  return 0x40 + n;
}
constexpr uint32_t mp1(uint32_t n) {
  return 0x240 + n;
}
// osssys_4_4_2_offset.h / osssys_6_0_0_offset.h (BASE_IDX 0).
constexpr uint32_t kIhRbCntl = 0x80, kIhRbBase = 0x81, kIhRbBaseHi = 0x82, kIhRbRptr = 0x83,
                   kIhRbWptr = 0x84, kIhRbWptrAddrHi = 0x85, kIhRbWptrAddrLo = 0x86;

// psp_gfx_if.h.
constexpr uint32_t kBlLoadSysDrv = 0x10000, kBlLoadSosDrv = 0x20000;
constexpr uint32_t kCtrlInitGpcomRing = 0x20000, kCtrlDestroyRings = 0x30000;
constexpr uint32_t kCmdSetupTmr = 5, kCmdLoadIpFw = 6, kCmdLoadToc = 32;
constexpr uint32_t kPspErrUnknownCommand = 0x100;
constexpr uint32_t kFrameBytes = 64, kCmdRespStatusOffset = 864;
// psp_gfx_if.h enum psp_gfx_fw_type values the models map to an IP.
constexpr uint32_t kFwCpMec = 4, kFwRs64Mec = 89, kFwSdma0 = 9, kFwSdmaTh0 = 71, kFwSmu = 18;

HubLayout gc943_gfxhub(uint32_t b) {
  // gc_9_4_3_offset.h regGCVM_* / regGCMC_VM_*, BASE_IDX 0.
  HubLayout h;
  h.prefix = "GC";
  h.l2_cntl = b + 0x820;
  h.cntl = b + 0x860;
  h.inv_req = b + 0x894;
  h.inv_ack = b + 0x8a6;
  h.base_lo = b + 0x8cb;
  h.base_hi = b + 0x8cc;
  h.start_lo = b + 0x8eb;
  h.start_hi = b + 0x8ec;
  h.end_lo = b + 0x90b;
  h.end_hi = b + 0x90c;
  h.fb_offset = b + 0x947;
  h.fb_base = b + 0x95c;
  h.fb_top = b + 0x95d;
  h.agp_top = b + 0x95e;
  h.agp_bot = b + 0x95f;
  h.agp_base = b + 0x960;
  h.sys_low = b + 0x961;
  h.sys_high = b + 0x962;
  h.l1_tlb_cntl = b + 0x963;
  return h;
}
HubLayout mmhub18(uint32_t b) {
  // mmhub_1_8_0_offset.h regMMVM_* / regMMMC_VM_*, BASE_IDX 0.
  HubLayout h;
  h.prefix = "MM";
  h.l2_cntl = b + 0xb60;
  h.cntl = b + 0xba0;
  h.inv_req = b + 0xbd4;
  h.inv_ack = b + 0xbe6;
  h.base_lo = b + 0xc0b;
  h.base_hi = b + 0xc0c;
  h.start_lo = b + 0xc2b;
  h.start_hi = b + 0xc2c;
  h.end_lo = b + 0xc4b;
  h.end_hi = b + 0xc4c;
  h.fb_offset = b + 0xc87;
  h.fb_base = b + 0xc9c;
  h.fb_top = b + 0xc9d;
  h.agp_top = b + 0xc9e;
  h.agp_bot = b + 0xc9f;
  h.agp_base = b + 0xca0;
  h.sys_low = b + 0xca1;
  h.sys_high = b + 0xca2;
  h.l1_tlb_cntl = b + 0xca3;
  return h;
}
HubLayout gc11_gfxhub(uint32_t b) {
  // gc_11_0_0_offset.h regGCVM_* / regGCMC_VM_*, BASE_IDX 0.
  HubLayout h;
  h.prefix = "GC";
  h.fb_offset = b + 0x15a7;
  h.l2_cntl = b + 0x15bc;
  h.fb_base = b + 0x1678;
  h.fb_top = b + 0x1679;
  h.agp_top = b + 0x167a;
  h.agp_bot = b + 0x167b;
  h.agp_base = b + 0x167c;
  h.sys_low = b + 0x167d;
  h.sys_high = b + 0x167e;
  h.l1_tlb_cntl = b + 0x167f;
  h.cntl = b + 0x1688;
  h.inv_req = b + 0x16bc;
  h.inv_ack = b + 0x16ce;
  h.base_lo = b + 0x16f3;
  h.base_hi = b + 0x16f4;
  h.start_lo = b + 0x1713;
  h.start_hi = b + 0x1714;
  h.end_lo = b + 0x1733;
  h.end_hi = b + 0x1734;
  return h;
}
HubLayout mmhub30(uint32_t b) {
  // mmhub_3_0_0_offset.h regMMVM_* / regMMMC_VM_*, BASE_IDX 0.
  HubLayout h;
  h.prefix = "MM";
  h.l2_cntl = b + 0x700;
  h.cntl = b + 0x740;
  h.inv_req = b + 0x774;
  h.inv_ack = b + 0x786;
  h.base_lo = b + 0x7ab;
  h.base_hi = b + 0x7ac;
  h.start_lo = b + 0x7cb;
  h.start_hi = b + 0x7cc;
  h.end_lo = b + 0x7eb;
  h.end_hi = b + 0x7ec;
  h.fb_offset = b + 0x8d7;
  h.fb_base = b + 0x8ec;
  h.fb_top = b + 0x8ed;
  h.agp_top = b + 0x8ee;
  h.agp_bot = b + 0x8ef;
  h.agp_base = b + 0x8f0;
  h.sys_low = b + 0x8f1;
  h.sys_high = b + 0x8f2;
  h.l1_tlb_cntl = b + 0x8f3;
  return h;
}

}  // namespace

bool PspState::loaded(uint32_t fw_type) const {
  return std::find(loaded_fw_types.begin(), loaded_fw_types.end(), fw_type) !=
         loaded_fw_types.end();
}

SimIpModels::SimIpModels(Device& device, const std::vector<SimIpBlock>& blocks,
                         std::unordered_map<uint32_t, uint32_t>& regs, const PciFault& fault)
    : device_(&device), blocks_(blocks), regs_(&regs), fault_(&fault) {
  const SimIpBlock* gc = block(kHwIdGc);
  const SimIpBlock* mm = block(kHwIdMmhub);
  const SimIpBlock* oss = block(kHwIdOsssys);
  const SimIpBlock* m0 = block(kHwIdMp0);
  const SimIpBlock* m1 = block(kHwIdMp1);
  if (gc == nullptr || mm == nullptr || oss == nullptr || m0 == nullptr || m1 == nullptr) return;
  const bool gc943 = gc->major == 9 && gc->minor == 4 && gc->revision == 3;
  gc11_ = gc->major == 11 && gc->minor == 0;
  if (!gc943 && !gc11_) return;
  hub_layout_[0] = gc943 ? gc943_gfxhub(gc->bases.at(0)) : gc11_gfxhub(gc->bases.at(0));
  hub_layout_[1] = gc943 ? mmhub18(mm->bases.at(0)) : mmhub30(mm->bases.at(0));
  // The frame buffer sits at MC address 0 (VRAM offset = MC address), as the VBIOS leaves
  // MC_VM_FB_LOCATION_BASE/TOP (address >> 24) for the driver to read.
  const uint64_t vram = device.physical().vram_size();
  for (int i = 0; i < 2; ++i) {
    hub_[i].present = true;
    regs[hub_layout_[i].fb_base] = 0;
    regs[hub_layout_[i].fb_top] = static_cast<uint32_t>((vram - 1) >> 24);
    hub_[i].fb_base = 0;
    hub_[i].fb_top = static_cast<uint32_t>((vram - 1) >> 24);
  }
  ih_base_ = oss->bases.at(0);
  ih_.present = true;
  mp0_base_ = m0->bases.at(0);
  mp1_base_ = m1->bases.at(0);
  psp_.present = true;
  smu_.present = true;
  // What the simulated MP1 firmware reports: SMU_VERSION-style packed program/major/minor/debug
  // bytes, and the driver-interface version of the kernel's smu13 driver_if headers
  // (SMU13_0_0_DRIVER_IF_VERSION 0x3D, SMU13_0_6_DRIVER_IF_VERSION 0x08042024).
  if (m1->minor == 0 && m1->revision == 6) {
    smu_.smu_version = 0x00554000;  // 85.64.0
    smu_.driver_if_version = 0x08042024;
    smu_get_driver_if_msg_ = 4;
  } else {
    smu_.smu_version = 0x004e4a00;  // 78.74.0
    smu_.driver_if_version = 0x3d;
    smu_get_driver_if_msg_ = 3;
  }
}

const SimIpBlock* SimIpModels::block(uint16_t hw_id) const {
  for (const auto& b : blocks_) {
    if (b.hw_id == hw_id && b.instance == 0) return &b;
  }
  return nullptr;
}

uint32_t SimIpModels::reg(uint32_t dword) const {
  auto it = regs_->find(dword);
  return it == regs_->end() ? 0 : it->second;
}

bool SimIpModels::mc_read(uint64_t address, void* dst, size_t len) const {
  if (uint8_t* p = device_->physical().vram_at(address, len)) {
    std::memcpy(dst, p, len);
    return true;
  }
  VmFault fault;
  return device_->vm(0).read(address, dst, len, &fault).ok();
}

bool SimIpModels::mc_write(uint64_t address, const void* src, size_t len) const {
  if (uint8_t* p = device_->physical().vram_at(address, len)) {
    std::memcpy(p, src, len);
    return true;
  }
  VmFault fault;
  return device_->vm(0).write(address, src, len, &fault).ok();
}

std::vector<uint8_t> SimIpModels::mc_bytes(uint64_t address, size_t len) const {
  std::vector<uint8_t> out(len);
  if (!mc_read(address, out.data(), len)) out.clear();
  return out;
}

// ---- register dispatch ----

void SimIpModels::on_write(uint32_t dword, uint32_t value) {
  for (int i = 0; i < 2; ++i) {
    if (!hub_[i].present) continue;
    const HubLayout& h = hub_layout_[i];
    if (dword == h.cntl || dword == h.inv_req || dword == h.sys_low || dword == h.sys_high ||
        dword == h.l1_tlb_cntl || dword == h.l2_cntl || dword == h.fb_base || dword == h.fb_top) {
      hub_write(i, dword, value);
      return;
    }
  }
  if (ih_.present && dword >= ih_base_ + kIhRbCntl && dword <= ih_base_ + kIhRbWptrAddrLo) {
    ih_write(dword - ih_base_, value);
    return;
  }
  if (psp_.present && dword >= mp0_base_ + mp0(0) && dword <= mp0_base_ + mp0(103)) {
    psp_write(dword - mp0_base_, value);
    return;
  }
  if (smu_.present && dword == mp1_base_ + mp1(66)) smu_message(value);
}

bool SimIpModels::on_read(uint32_t dword, uint32_t* value) {
  if (ih_.present && dword == ih_base_ + kIhRbWptr) {
    std::lock_guard lock(ih_mutex_);
    *value = ih_.wptr | (ih_.overflow ? 1u : 0u);
    return true;
  }
  if (psp_.present && dword == mp0_base_ + mp0(35)) {
    // Bootloader ready (bit 31) unless the psp-timeout fault holds it busy.
    *value = *fault_ == PciFault::kPspTimeout ? 0u : 0x80000000u;
    return true;
  }
  return false;
}

// ---- GMC hubs ----

void SimIpModels::hub_write(int i, uint32_t dword, uint32_t value) {
  const HubLayout& h = hub_layout_[i];
  HubState& s = hub_[i];
  auto reg64 = [&](uint32_t lo, uint32_t hi) {
    return (static_cast<uint64_t>(reg(hi)) << 32) | reg(lo);
  };
  if (dword == h.fb_base || dword == h.fb_top) {
    // Set by the VBIOS on a dGPU; writes are ignored (read-only to the driver here).
    (*regs_)[h.fb_base] = s.fb_base;
    (*regs_)[h.fb_top] = s.fb_top;
  } else if (dword == h.sys_low) {
    s.system_low = value;
  } else if (dword == h.sys_high) {
    s.system_high = value;
  } else if (dword == h.l1_tlb_cntl) {
    s.l1_tlb_enabled = (value & 1u) != 0;  // ENABLE_L1_TLB
  } else if (dword == h.l2_cntl) {
    s.l2_enabled = (value & 1u) != 0;  // ENABLE_L2_CACHE
  } else if (dword == h.cntl) {
    s.context0_enabled = (value & 1u) != 0;
    if (s.context0_enabled) {
      s.root = reg64(h.base_lo, h.base_hi) & 0x0000'FFFF'FFFF'F000ull;
      s.levels = ((value >> 1) & 3u) + 1;
      s.va_start = reg64(h.start_lo, h.start_hi) << 12;
      s.va_end = (reg64(h.end_lo, h.end_hi) + 1) << 12;
      PageTableConfig cfg;
      cfg.root_address = s.root;
      cfg.levels = s.levels;
      cfg.va_start = s.va_start;
      cfg.va_end = s.va_end;
      if (!device_->vm(0).set_page_table(cfg).ok()) {
        s.context0_enabled = false;
        (*regs_)[h.cntl] = value & ~1u;  // the context does not enable
      }
    } else {
      apply_vm0();
    }
  } else if (dword == h.inv_req) {
    if (*fault_ == PciFault::kGmcNoAck) return;  // the ACK never comes
    for (uint32_t v = 0; v < Device::kVmidCount; ++v) {
      if ((value >> v) & 1u) device_->vm(v).invalidate_tlb();
    }
    (*regs_)[h.inv_ack] = value & 0xffffu;
    ++s.invalidations;
  }
}

void SimIpModels::apply_vm0() {
  for (const HubState& s : hub_) {
    if (!s.present || !s.context0_enabled) continue;
    PageTableConfig cfg;
    cfg.root_address = s.root;
    cfg.levels = s.levels;
    cfg.va_start = s.va_start;
    cfg.va_end = s.va_end;
    (void)device_->vm(0).set_page_table(cfg);
    return;
  }
  PageTableConfig off;
  off.levels = 0;  // no hub translates VMID 0: back to the range map
  (void)device_->vm(0).set_page_table(off);
}

// ---- IH ----

void SimIpModels::ih_write(uint32_t r, uint32_t value) {
  std::lock_guard lock(ih_mutex_);
  switch (r) {
    case kIhRbCntl: {
      if ((value >> 31) & 1u) ih_.overflow = false;  // WPTR_OVERFLOW_CLEAR
      value &= ~(1u << 31);
      if (*fault_ == PciFault::kIhStuck) value &= ~1u;  // RB_ENABLE never latches
      ih_cntl_ = value;
      (*regs_)[ih_base_ + kIhRbCntl] = value;
      ih_.ring_bytes = 4u << ((value >> 1) & 0x1f);
      ih_.enabled = (value & 1u) != 0 && ((value >> 17) & 1u) != 0;
      ih_.base = (static_cast<uint64_t>(reg(ih_base_ + kIhRbBaseHi) & 0xff) << 40) |
                 (static_cast<uint64_t>(reg(ih_base_ + kIhRbBase)) << 8);
      ih_wptr_writeback_ = (static_cast<uint64_t>(reg(ih_base_ + kIhRbWptrAddrHi) & 0xffff) << 32) |
                           reg(ih_base_ + kIhRbWptrAddrLo);
      break;
    }
    case kIhRbRptr:
      ih_.rptr = value & ~3u;
      break;
    case kIhRbWptr:
      ih_.wptr = value & ~3u;
      break;
    default:
      break;
  }
}

void SimIpModels::on_interrupt(const Interrupt& irq) {
  std::lock_guard lock(ih_mutex_);
  if (!ih_.present) return;
  if (!ih_.enabled || ih_.ring_bytes < iv::kEntryBytes) {
    ++ih_.dropped;
    return;
  }
  const uint32_t mask = ih_.ring_bytes - 1;
  const uint32_t next = (ih_.wptr + iv::kEntryBytes) & mask;
  if (next == (ih_.rptr & mask)) {  // full: the entry is lost and RB_OVERFLOW is set
    ih_.overflow = true;
    ++ih_.dropped;
    return;
  }
  uint8_t client = iv::kClientGrbmCp, src = iv::kSrcCpEop;
  switch (irq.source) {
    case Interrupt::Source::kEndOfPipe:
    case Interrupt::Source::kAqlSignal:
      break;
    case Interrupt::Source::kSdmaTrap:
      client = gc11_ ? iv::kClientGfx : iv::kClientSdma0;
      src = gc11_ ? iv::kSrcSdmaTrapGfx11 : iv::kSrcSdmaTrapGfx9;
      break;
    case Interrupt::Source::kVmFault:
      client = gc11_ ? iv::kClientGfx : iv::kClientUtcl2;
      src = iv::kSrcVmFault;
      break;
    case Interrupt::Source::kQueueHung:
      src = iv::kSrcCpPrivRegFault;
      break;
  }
  // dw0 client_id 7:0, src_id 15:8, ring_id 23:16, vmid 27:24; dw1/dw2 timestamp (48 bits);
  // dw3 pasid 15:0, node_id 23:16; dw4..7 src_data[0..3].
  uint32_t e[8] = {};
  e[0] = client | (static_cast<uint32_t>(src) << 8) | ((irq.queue_id & 0xffu) << 16);
  e[1] = static_cast<uint32_t>(irq.gpu_clock);
  e[2] = static_cast<uint32_t>(irq.gpu_clock >> 32) & 0xffffu;
  e[4] = irq.context_id;
  e[5] = irq.queue_id;
  if (!mc_write(ih_.base + ih_.wptr, e, sizeof e)) {
    ++ih_.dropped;
    return;
  }
  ih_.wptr = next;
  ++ih_.written;
  if ((ih_cntl_ >> 8) & 1u) {  // WPTR_WRITEBACK_ENABLE
    const uint32_t w = ih_.wptr;
    (void)mc_write(ih_wptr_writeback_, &w, 4);
  }
}

// ---- PSP ----

void SimIpModels::psp_write(uint32_t r, uint32_t value) {
  if (r == mp0(35)) {
    psp_bootloader(value);
  } else if (r == mp0(64)) {
    psp_ring_command(value);
  } else if (r == mp0(67)) {
    psp_process_frames(value);
  }
}

void SimIpModels::psp_bootloader(uint32_t command) {
  if (*fault_ == PciFault::kPspTimeout) return;
  const uint64_t address = static_cast<uint64_t>(reg(mp0_base_ + mp0(36))) << 20;
  const SimIpBlock* m0 = block(kHwIdMp0);
  auto check = [&](uint32_t type) {
    std::vector<uint8_t> head = mc_bytes(address, sizeof(fw::PayloadSignature));
    if (head.empty()) return fw::PayloadCheck::kBadSignature;
    fw::PayloadSignature sig{};
    std::memcpy(&sig, head.data(), sizeof sig);
    if (sig.magic != fw::kPayloadMagic || sig.body_bytes > (64u << 20)) {
      return fw::PayloadCheck::kBadSignature;
    }
    std::vector<uint8_t> all = mc_bytes(address, sizeof sig + sig.body_bytes);
    return fw::check_payload(all.data(), all.size(), type, m0->major, m0->minor, 0);
  };
  if (command == kBlLoadSysDrv) {
    psp_.sys_drv_loaded = check(fw::kPspFwTypeSysDrv) == fw::PayloadCheck::kOk;
  } else if (command == kBlLoadSosDrv) {
    if (!psp_.sys_drv_loaded || check(fw::kPspFwTypeSos) != fw::PayloadCheck::kOk) return;
    // sOS is up: C2PMSG_81 (sOS alive) non-zero, C2PMSG_64 ready for ring creation (bit 31).
    uint32_t version = 0;
    (void)mc_read(address + offsetof(fw::PayloadSignature, body_crc32), &version, 4);
    psp_.sos_alive = true;
    (*regs_)[mp0_base_ + mp0(81)] = version | 1u;
    (*regs_)[mp0_base_ + mp0(64)] = 0x80000000u;
  }
  // Other bootloader commands (key database, SPL, SOC/INTF/DBG/RAS drivers) are accepted as is.
}

void SimIpModels::psp_ring_command(uint32_t command) {
  uint32_t& c64 = (*regs_)[mp0_base_ + mp0(64)];
  if (!psp_.sos_alive) {
    c64 = command;  // no sOS: nobody answers
    return;
  }
  if (command == kCtrlDestroyRings) {
    psp_.ring_created = false;
    psp_.ring_address = 0;
    psp_.ring_bytes = 0;
    c64 = 0x80000000u;
  } else if (command == kCtrlInitGpcomRing) {
    const uint64_t address =
        (static_cast<uint64_t>(reg(mp0_base_ + mp0(70))) << 32) | reg(mp0_base_ + mp0(69));
    const uint32_t bytes = reg(mp0_base_ + mp0(71));
    const bool ok =
        bytes >= kFrameBytes && (bytes % kFrameBytes) == 0 && !mc_bytes(address, bytes).empty();
    psp_.ring_created = ok;
    psp_.ring_address = ok ? address : 0;
    psp_.ring_bytes = ok ? bytes : 0;
    psp_rptr_dwords_ = 0;
    (*regs_)[mp0_base_ + mp0(67)] = 0;
    c64 = 0x80000000u | (ok ? 0u : 0x1u);
  } else {
    c64 = 0x80000000u | kPspErrUnknownCommand;
  }
}

void SimIpModels::psp_process_frames(uint32_t new_wptr_dwords) {
  if (!psp_.ring_created) return;
  const uint32_t ring_dwords = psp_.ring_bytes / 4;
  const SimIpBlock* gc = block(kHwIdGc);
  const SimIpBlock* sdma = block(kHwIdSdma0);
  const SimIpBlock* m1 = block(kHwIdMp1);
  while (psp_rptr_dwords_ != new_wptr_dwords % ring_dwords) {
    uint32_t frame[16] = {};
    if (!mc_read(psp_.ring_address + psp_rptr_dwords_ * 4ull, frame, sizeof frame)) break;
    psp_rptr_dwords_ = (psp_rptr_dwords_ + kFrameBytes / 4) % ring_dwords;
    const uint64_t cmd_addr = (static_cast<uint64_t>(frame[1]) << 32) | frame[0];
    const uint64_t fence_addr = (static_cast<uint64_t>(frame[4]) << 32) | frame[3];
    const uint32_t fence_value = frame[5];
    uint32_t cmd[16] = {};
    uint32_t status = 0;
    if (!mc_read(cmd_addr, cmd, sizeof cmd)) {
      status = kPspErrUnknownCommand;
    } else {
      const uint32_t cmd_id = cmd[2];
      if (cmd_id == kCmdLoadIpFw) {
        // cmd_load_ip_fw at byte 28: fw_phy_addr_lo, fw_phy_addr_hi, fw_size, fw_type.
        const uint64_t fw_addr = (static_cast<uint64_t>(cmd[8]) << 32) | cmd[7];
        const uint32_t fw_size = cmd[9];
        const uint32_t fw_type = cmd[10];
        const SimIpBlock* ip = gc;
        if (fw_type == kFwSdma0 || fw_type == kFwSdmaTh0) ip = sdma;
        if (fw_type == kFwSmu) ip = m1;
        fw::PayloadCheck check = fw::PayloadCheck::kBadSize;
        if (*fault_ == PciFault::kPspReject && (fw_type == kFwCpMec || fw_type == kFwRs64Mec)) {
          check = fw::PayloadCheck::kRejected;
        } else if (ip != nullptr && fw_size != 0 && fw_size <= (64u << 20)) {
          std::vector<uint8_t> bytes = mc_bytes(fw_addr, fw_size);
          check =
              fw::check_payload(bytes.data(), bytes.size(), fw_type, ip->major, ip->minor, fw_size);
        }
        status = static_cast<uint32_t>(check);
        if (check == fw::PayloadCheck::kOk) psp_.loaded_fw_types.push_back(fw_type);
      } else if (cmd_id == kCmdSetupTmr || cmd_id == kCmdLoadToc) {
        status = 0;
      } else {
        status = kPspErrUnknownCommand;
      }
      (void)mc_write(cmd_addr + kCmdRespStatusOffset, &status, 4);
    }
    psp_.last_status = status;
    ++psp_.commands;
    (void)mc_write(fence_addr, &fence_value, 4);
  }
}

// ---- SMU ----

void SimIpModels::smu_message(uint32_t message) {
  if (*fault_ == PciFault::kSmuNoResponse) return;  // C2PMSG_90 stays 0
  uint32_t& arg = (*regs_)[mp1_base_ + mp1(82)];
  uint32_t& resp = (*regs_)[mp1_base_ + mp1(90)];
  smu_.last_message = message;
  if (message == 1) {  // PPSMC_MSG_TestMessage: the simulated firmware answers argument + 1
    arg = arg + 1;
    resp = 1;
  } else if (message == 2) {  // PPSMC_MSG_GetSmuVersion
    arg = smu_.smu_version;
    resp = 1;
  } else if (message == smu_get_driver_if_msg_) {  // PPSMC_MSG_GetDriverIfVersion
    arg = smu_.driver_if_version;
    resp = 1;
  } else {
    resp = 0xfe;  // SMU_RESP_CMD_UNKNOWN
  }
  ++smu_.messages;
}

HubState SimIpModels::hub(int i) const {
  return hub_[i & 1];
}
IhState SimIpModels::ih() const {
  std::lock_guard lock(ih_mutex_);
  return ih_;
}
PspState SimIpModels::psp() const {
  return psp_;
}
SmuState SimIpModels::smu() const {
  return smu_;
}

}  // namespace amdhal::sim::pci
