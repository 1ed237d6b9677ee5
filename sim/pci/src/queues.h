// The simulated PCI function's queue registers: compute HQDs (CP_HQD_*, selected through
// GRBM_GFX_CNTL), SDMA ring buffers (SDMA*_RB_*) and the MEC doorbell range. Writing
// CP_HQD_ACTIVE = 1 or setting RB_ENABLE starts a queue of the simulator core
// (sim::Device::create_queue) from what the registers hold; CP_HQD_ACTIVE = 0, a dequeue request
// or clearing RB_ENABLE stops it.
//
// Register offsets (dwords from the IP segment base the discovery table gives):
//  - GC 11.0.0: Linux gc_11_0_0_offset.h: regGRBM_GFX_CNTL 0x0900 (BASE_IDX 1),
//    regCP_MEC_DOORBELL_RANGE_LOWER/UPPER 0x1dfc/0x1dfd, regCP_HQD_* 0x1fa9..0x1fe0 (BASE_IDX 0),
//    and the SDMA 6.0 queue registers inside GC: regSDMA0_QUEUE0_RB_CNTL 0x0080 ...; the second
//    engine at +0x600 (sdma_v6_0.c sdma_v6_0_get_reg_offset, SDMA1_REG_OFFSET).
//  - GC 9.4.3: Linux gc_9_4_3_offset.h: regGRBM_GFX_CNTL 0x0022, regCP_MEC_DOORBELL_RANGE_LOWER/
//    UPPER 0x105c/0x105d, regCP_MQD_BASE_ADDR 0x1245 ... regCP_HQD_PQ_WPTR_HI 0x127c (all
//    BASE_IDX 0); SDMA 4.4.2: sdma_4_4_2_offset.h regSDMA_GFX_RB_CNTL 0x0080 ... relative to each
//    SDMA instance's base.
//  - A second ring per SDMA engine (the PAGE queue of SDMA 4.4.2, regSDMA_PAGE_RB_CNTL 0x00d8;
//    QUEUE1 on SDMA 6.0) at +0x58 from the first.
// Field layouts: GRBM_GFX_CNTL PIPEID 1:0, MEID 3:2, VMID 7:4, QUEUEID 10:8 (soc15_grbm_select /
// soc21_grbm_select); CP_HQD_PQ_CONTROL QUEUE_SIZE 5:0 (ring = 2^(QUEUE_SIZE+1) dwords,
// kfd_mqd_manager_v9.c update_mqd); CP_HQD_PQ_DOORBELL_CONTROL DOORBELL_OFFSET 27:2 (dwords),
// DOORBELL_EN bit 30; CP_HQD_AQL_CONTROL CONTROL0 bit 0 (AQL queue); SDMA_GFX_RB_CNTL RB_ENABLE
// bit 0, RB_SIZE 5:1 (log2 dwords); SDMA_GFX_DOORBELL ENABLE bit 28; SDMA_GFX_DOORBELL_OFFSET
// OFFSET 27:2 (sdma_v4_4_2.c sdma_v4_4_2_gfx_resume). Base registers hold address >> 8
// (PQ_BASE, RB_BASE) and address >> 40 (the _HI halves).
//
// NBIO doorbell routing (the "NBIO model" of the doorbell path), as the kernel programs it:
//  - NBIO 7.9 (gfx942), nbio_v7_9.c: nbio_v7_9_sdma_doorbell_range writes, for SDMA engine e of
//    AID 0, regDOORBELL0_CTRL_ENTRY_{1+e} (BIF_DOORBELL0_RANGE_OFFSET_ENTRY 9:0 = first doorbell in
//    dwords, BIF_DOORBELL0_RANGE_SIZE_ENTRY 14:10 = dwords) and
//    regS2A_DOORBELL_ENTRY_{1,2,5,6}_CTRL (S2A_DOORBELL_PORTn_ENABLE bit 0, AWID 5:1, RANGE_OFFSET
//    16:7, RANGE_SIZE 24:17, AWADDR_31_28_VALUE 31:28); nbio_v7_9_enable_doorbell_aperture writes
//    regBIFC_DOORBELL_ACCESS_EN_PF = 0xfffff and
//    RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN.BIF_DOORBELL_APER_EN (bit 0). Offsets: nbio_7_9_0_offset.h
//    regDOORBELL0_CTRL_ENTRY_0 0xcd00 (BASE_IDX 8), regBIFC_DOORBELL_ACCESS_EN_PF 0xcf6e (BASE_IDX
//    8), regS2A_DOORBELL_ENTRY_0_CTRL 0x7a80 (BASE_IDX 5), regRCC_DEV0_EPF0_RCC_DOORBELL_APER_EN
//    0x00c0 (BASE_IDX 2).
//  - NBIO 4.3 (gfx1100), nbio_v4_3.c: nbio_v4_3_sdma_doorbell_range programs one range for every
//    SDMA engine in regS2A_DOORBELL_ENTRY_2_CTRL (same field layout; RANGE_OFFSET = first doorbell
//    in dwords); nbio_v4_3_enable_doorbell_aperture sets BIF_DOORBELL_APER_EN. Offsets:
//    nbio_4_3_0_offset.h regS2A_DOORBELL_ENTRY_0_CTRL 0x4f7640 (BASE_IDX 3, beyond BAR5: reached
//    through regBIF_BX_PF0_RSMU_INDEX/RSMU_DATA 0x0/0x1, BASE_IDX 1),
//    regRCC_DEV0_EPF0_RCC_DOORBELL_APER_EN 0x00c0 (BASE_IDX 2).
// The ranges reset to 0 (nothing routed). An SDMA ring whose doorbell lies outside every routed
// range of its engine does not start (the reason is recorded, as for an HQD outside the MEC range),
// and a doorbell write is delivered only while the aperture is enabled and the slot lies in the MEC
// range or a routed SDMA range (otherwise it is dropped and the reason recorded).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "amdhal_sim/device.h"
#include "amdhal_sim_pci/discovery_image.h"

namespace amdhal::sim::pci {

class SimQueueBlock {
 public:
  /// `ring_timeout`: queues report active but never run (fault "ring-timeout").
  /// `unrouted`: writes to the NBIO SDMA doorbell range registers never latch (fault
  /// "doorbell-unrouted").
  SimQueueBlock(Device& device, const std::vector<SimIpBlock>& blocks, bool ring_timeout,
                bool unrouted = false);
  ~SimQueueBlock();
  SimQueueBlock(const SimQueueBlock&) = delete;
  SimQueueBlock& operator=(const SimQueueBlock&) = delete;

  /// True if `dword` is one of the registers this block implements.
  bool handles(uint32_t dword) const { return regs_.count(dword) != 0; }
  /// Register access. Thread-safe; called without the function's register lock, because stopping
  /// a queue joins its engine thread, which may be delivering an interrupt to the function.
  uint32_t read(uint32_t dword);
  void write(uint32_t dword, uint32_t value);
  /// Why the last queue start failed ("" if none did): for tests and diagnostics.
  std::string last_error() const;
  /// Simulator queue ids of the running HQDs and SDMA rings.
  std::vector<uint32_t> running_queues() const;
  /// Whether a doorbell write to 64-bit `slot` reaches an engine through the NBIO routing (always
  /// true where the NBIO doorbell registers are not modelled). A dropped write records why.
  bool doorbell_routed(uint32_t slot);
  /// Number of doorbell writes dropped by the routing, and why the last one was.
  uint64_t dropped_doorbells() const;
  std::string last_doorbell_error() const;

 private:
  enum class Kind : uint8_t {
    kGrbmGfxCntl,
    kMecDoorbellLower,
    kMecDoorbellUpper,
    kHqd,
    kSdma,
    kNbio,  // NBIO doorbell routing register (reg = NbioReg)
  };
  enum NbioReg : uint32_t {
    kAperEn = 0,         // RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN
    kAccessEnPf = 1,     // BIFC_DOORBELL_ACCESS_EN_PF (NBIO 7.9)
    kCtrlEntry0 = 0x10,  // DOORBELL0_CTRL_ENTRY_0..4 (NBIO 7.9)
    kS2aEntry0 = 0x20,   // S2A_DOORBELL_ENTRY_0..15_CTRL
  };
  struct RegRef {
    Kind kind;
    uint32_t reg;     // HQD/SDMA register offset within its block
    uint32_t engine;  // SDMA: engine * 2 + ring
  };
  struct Hqd {
    std::unordered_map<uint32_t, uint32_t> regs;
    bool active = false;
    uint32_t queue_id = ~0u;  // sim queue, ~0 when none
  };
  struct SdmaRing {
    std::unordered_map<uint32_t, uint32_t> regs;
    bool enabled = false;
    uint32_t queue_id = ~0u;
  };

  void hqd_write(uint32_t reg, uint32_t value);
  uint32_t hqd_read(uint32_t reg);
  void hqd_start(Hqd& h);
  void hqd_stop(Hqd& h);
  void sdma_write(uint32_t ring, uint32_t reg, uint32_t value);
  /// True if dword doorbell `dword` is inside a routed range of SDMA `engine`; else `why` says
  /// which register leaves it out.
  bool sdma_routed(uint32_t engine, uint32_t dword, std::string* why) const;
  uint32_t nbio(uint32_t r) const;
  uint32_t sdma_read(uint32_t ring, uint32_t reg);
  Hqd& selected();

  Device* device_;
  bool ring_timeout_;
  bool unrouted_;
  bool nbio_present_ = false;                    // NBIO 7.9 or 4.3 doorbell registers modelled
  bool nbio79_ = false;                          // else NBIO 4.3
  std::unordered_map<uint32_t, uint32_t> nbio_;  // NbioReg -> value
  uint64_t dropped_doorbells_ = 0;
  std::string last_doorbell_error_;
  mutable std::mutex mu_;  // guards everything below but regs_ (fixed after construction)
  std::unordered_map<uint32_t, RegRef> regs_;  // absolute dword -> what it is
  uint32_t grbm_gfx_cntl_ = 0;
  uint32_t mec_doorbell_lower_ = 0, mec_doorbell_upper_ = 0;
  std::map<uint32_t, Hqd> hqds_;  // key: me << 8 | pipe << 4 | queue
  std::vector<SdmaRing> sdma_;    // engine * 2 + ring
  std::string last_error_;
};

}  // namespace amdhal::sim::pci
