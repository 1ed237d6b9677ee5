// The register-level models of the simulated PCI function's IP blocks that bare-metal bring-up
// programs: the GFXHUB and MMHUB VMID 0 contexts (GMC), the interrupt handler ring (IH, OSSSYS),
// the PSP (MP0 bootloader mailbox and KM ring) and the SMU mailbox (MP1). SimPciFunction owns one
// SimIpModels and routes register accesses to it; tests read the state structs below.
//
// Register offsets (relative to the IP's discovered segment base) come from the Linux kernel's
// drivers/gpu/drm/amd/include/asic_reg headers: gc_9_4_3_offset.h, mmhub_1_8_0_offset.h
// (gfx942), gc_11_0_0_offset.h, mmhub_3_0_0_offset.h (gfx1100), osssys_4_4_2_offset.h /
// osssys_6_0_0_offset.h (IH_RB_*), mp_13_0_0_offset.h (MP0/MP1 C2PMSG_n). Only families whose GC
// is 9.4.3 or 11.0.x have the models; other families keep a plain register file.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "amdhal_sim/device.h"
#include "amdhal_sim_pci/discovery_image.h"

namespace amdhal::sim::pci {

enum class PciFault : uint8_t;

/// Absolute BAR5 dword offsets of one hub's registers.
struct HubLayout {
  std::string prefix;  ///< "GC" (GFXHUB, GCVM_*/GCMC_*) or "MM" (MMHUB, MMVM_*/MMMC_*)
  uint32_t cntl = 0, inv_req = 0, inv_ack = 0;
  uint32_t base_lo = 0, base_hi = 0, start_lo = 0, start_hi = 0, end_lo = 0, end_hi = 0;
  uint32_t fb_base = 0, fb_top = 0, fb_offset = 0, sys_low = 0, sys_high = 0;
  uint32_t agp_base = 0, agp_bot = 0, agp_top = 0, l1_tlb_cntl = 0, l2_cntl = 0;
};

/// What one hub's VMID 0 context and apertures hold.
struct HubState {
  bool present = false;
  bool context0_enabled = false;
  uint64_t root = 0;  ///< page-table base (VALID bit stripped)
  uint32_t levels = 0;
  uint64_t va_start = 0, va_end = 0;         ///< bytes, end exclusive
  uint64_t invalidations = 0;                ///< ENG17 requests acknowledged
  uint32_t fb_base = 0, fb_top = 0;          ///< MC_VM_FB_LOCATION_BASE/TOP (address >> 24)
  uint32_t system_low = 0, system_high = 0;  ///< SYSTEM_APERTURE_LOW/HIGH (address >> 18)
  bool l1_tlb_enabled = false, l2_enabled = false;
};

/// The IH ring (IH_RB_*).
struct IhState {
  bool present = false;
  bool enabled = false;  ///< RB_ENABLE and ENABLE_INTR
  uint64_t base = 0;     ///< ring address (MC address: VRAM offset, else VMID 0 VA)
  uint32_t ring_bytes = 0;
  uint32_t wptr = 0, rptr = 0;  ///< byte offsets
  bool overflow = false;
  uint64_t written = 0;  ///< IV entries written
  uint64_t dropped = 0;  ///< interrupts lost (ring disabled, full, or the ih-stuck fault)
};

/// The PSP: bootloader, sOS, KM ring and the firmware it accepted.
struct PspState {
  bool present = false;
  bool sys_drv_loaded = false;
  bool sos_alive = false;
  bool ring_created = false;
  uint64_t ring_address = 0;
  uint32_t ring_bytes = 0;
  uint32_t commands = 0;                  ///< ring frames processed
  std::vector<uint32_t> loaded_fw_types;  ///< GFX_FW_TYPE_* accepted by LOAD_IP_FW, in order
  uint32_t last_status = 0;               ///< status of the last ring command
  bool loaded(uint32_t fw_type) const;
};

/// The SMU mailbox.
struct SmuState {
  bool present = false;
  uint32_t messages = 0;  ///< messages answered
  uint32_t last_message = 0;
  uint32_t smu_version = 0;        ///< what GetSmuVersion answers
  uint32_t driver_if_version = 0;  ///< what GetDriverIfVersion answers
};

/// Interrupt-source ids the IH writes into IV entries (Linux soc15_ih_clientid.h,
/// ivsrcid/gfx/irqsrcs_gfx_9_0.h and irqsrcs_gfx_11_0_0.h, ivsrcid/sdma0/irqsrcs_sdma0_4_0.h).
namespace iv {
inline constexpr uint32_t kEntryBytes = 32;   ///< soc15 IV ring entries: 8 dwords
inline constexpr uint8_t kClientSdma0 = 8;    ///< SOC15_IH_CLIENTID_SDMA0
inline constexpr uint8_t kClientVmc = 18;     ///< SOC15_IH_CLIENTID_VMC
inline constexpr uint8_t kClientGfx = 10;     ///< SOC21_IH_CLIENTID_GFX (SDMA on GC 11)
inline constexpr uint8_t kClientGrbmCp = 20;  ///< SOC15/SOC21_IH_CLIENTID_GRBM_CP
inline constexpr uint8_t kClientUtcl2 = 27;   ///< SOC15_IH_CLIENTID_UTCL2
inline constexpr uint8_t kSrcCpEop = 181;     ///< GFX_9_0 / GFX_11_0_0 __SRCID__CP_EOP_INTERRUPT
inline constexpr uint8_t kSrcCpPrivRegFault = 184;  ///< ..._SRCID__CP_PRIV_REG_FAULT
inline constexpr uint8_t kSrcSdmaTrapGfx9 = 224;    ///< SDMA0_4_0__SRCID__SDMA_TRAP
inline constexpr uint8_t kSrcSdmaTrapGfx11 = 49;    ///< GFX_11_0_0__SRCID__SDMA_TRAP
inline constexpr uint8_t kSrcVmFault = 0;           ///< VMC/UTCL2 page fault source 0
}  // namespace iv

/// The models of one function. Register accesses arrive with the function's register lock
/// held; interrupts arrive from engine threads and take only the IH's own lock.
class SimIpModels {
 public:
  SimIpModels(Device& device, const std::vector<SimIpBlock>& blocks,
              std::unordered_map<uint32_t, uint32_t>& regs, const PciFault& fault);
  /// After a register write was stored in the register file.
  void on_write(uint32_t dword, uint32_t value);
  /// A register whose value the model computes, or false (the register file answers).
  bool on_read(uint32_t dword, uint32_t* value);
  /// An interrupt from the core: written into the IH ring as an IV entry.
  void on_interrupt(const Interrupt& irq);

  HubState hub(int i) const;  ///< 0 = GFXHUB, 1 = MMHUB
  IhState ih() const;
  PspState psp() const;
  SmuState smu() const;

 private:
  void hub_write(int hub, uint32_t dword, uint32_t value);
  void apply_vm0();
  void ih_write(uint32_t reg, uint32_t value);
  void psp_write(uint32_t reg, uint32_t value);
  void psp_bootloader(uint32_t command);
  void psp_ring_command(uint32_t command);
  void psp_process_frames(uint32_t new_wptr_dwords);
  void smu_message(uint32_t message);
  uint32_t reg(uint32_t dword) const;
  /// Reads/writes at an MC address: VRAM offsets directly, anything else through VMID 0.
  bool mc_read(uint64_t address, void* dst, size_t len) const;
  bool mc_write(uint64_t address, const void* src, size_t len) const;
  std::vector<uint8_t> mc_bytes(uint64_t address, size_t len) const;
  const SimIpBlock* block(uint16_t hw_id) const;

  Device* device_;
  std::vector<SimIpBlock> blocks_;
  std::unordered_map<uint32_t, uint32_t>* regs_;
  const PciFault* fault_;
  bool gc11_ = false;

  HubLayout hub_layout_[2];
  HubState hub_[2];
  uint32_t ih_base_ = 0;  // OSSSYS segment 0 base
  uint32_t mp0_base_ = 0, mp1_base_ = 0;
  mutable std::mutex ih_mutex_;  // guards ih_ (taken inside the register lock, or alone)
  IhState ih_;
  uint32_t ih_cntl_ = 0;
  uint64_t ih_wptr_writeback_ = 0;
  PspState psp_;
  uint32_t psp_rptr_dwords_ = 0;
  SmuState smu_;
  uint32_t smu_get_driver_if_msg_ = 3;
};

}  // namespace amdhal::sim::pci
