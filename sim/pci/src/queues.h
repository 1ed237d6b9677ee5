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
  SimQueueBlock(Device& device, const std::vector<SimIpBlock>& blocks, bool ring_timeout);
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

 private:
  enum class Kind : uint8_t { kGrbmGfxCntl, kMecDoorbellLower, kMecDoorbellUpper, kHqd, kSdma };
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
  uint32_t sdma_read(uint32_t ring, uint32_t reg);
  Hqd& selected();

  Device* device_;
  bool ring_timeout_;
  mutable std::mutex mu_;  // guards everything below but regs_ (fixed after construction)
  std::unordered_map<uint32_t, RegRef> regs_;  // absolute dword -> what it is
  uint32_t grbm_gfx_cntl_ = 0;
  uint32_t mec_doorbell_lower_ = 0, mec_doorbell_upper_ = 0;
  std::map<uint32_t, Hqd> hqds_;  // key: me << 8 | pipe << 4 | queue
  std::vector<SdmaRing> sdma_;    // engine * 2 + ring
  std::string last_error_;
};

}  // namespace amdhal::sim::pci
