// Hardware queues of the bare-metal backend: compute queues programmed into HQD registers from an
// MQD, SDMA ring buffers, the doorbell layout and the ring test.
//
// Compute (PM4 or AQL) queue, as the kernel's gfx_v9_0_kiq_init_register /
// gfx_v11_0_kiq_init_register (drivers/gpu/drm/amd/amdgpu/gfx_v9_0.c, gfx_v11_0.c) and tinygrad
// am/ip.py AM_GFX.setup_ring do it: select me/pipe/queue with GRBM_GFX_CNTL (soc15_grbm_select:
// PIPEID 1:0, MEID 3:2, VMID 7:4, QUEUEID 10:8), dequeue the HQD if it is active, then write the
// register image held in the MQD (v9_mqd / v11_compute_mqd of v9_structs.h / v11_structs.h: the
// CP_MQD_BASE_ADDR.. register image starts at dword 128) into CP_MQD_BASE_ADDR(_HI),
// CP_HQD_VMID, CP_HQD_PQ_BASE(_HI) (ring >> 8), CP_HQD_PQ_RPTR_REPORT_ADDR(_HI),
// CP_HQD_PQ_WPTR_POLL_ADDR(_HI), CP_HQD_PQ_DOORBELL_CONTROL (DOORBELL_OFFSET 27:2 in dwords,
// DOORBELL_EN bit 30), CP_HQD_PQ_WPTR_LO/HI = 0, CP_HQD_PQ_CONTROL (QUEUE_SIZE 5:0 =
// log2(ring dwords) - 1), CP_HQD_AQL_CONTROL (CONTROL0 for an AQL queue, kfd_mqd_manager_v9.c),
// and CP_HQD_ACTIVE = 1 last; deselect. Stop: CP_HQD_DEQUEUE_REQUEST = 1, wait for
// CP_HQD_ACTIVE = 0 (gfx_v9_0_kiq_fini_register).
//
// SDMA ring (sdma_v4_4_2.c sdma_v4_4_2_gfx_resume, sdma_v6_0.c sdma_v6_0_gfx_resume): RB_CNTL
// with RB_ENABLE clear, RB_RPTR/RB_WPTR(_HI) = 0, RB_RPTR_ADDR_HI/LO, RB_BASE (ring >> 8),
// RB_BASE_HI (ring >> 40), RB_WPTR_POLL_ADDR_HI/LO, DOORBELL_OFFSET (OFFSET 27:2, dwords),
// DOORBELL (ENABLE bit 28), then RB_CNTL with RB_SIZE 5:1 = log2(ring dwords) and RB_ENABLE bit 0.
// Each engine has two rings: the GFX and PAGE queues of SDMA 4.4.2 (QUEUE0/QUEUE1 of SDMA 6.0).
//
// Doorbells: 64-bit slots of the BAR2 page. Layout (ours, shaped like amdgpu_doorbell.h's: the
// MEC range first, SDMA after): HQD i of MEC1 (i = pipe * 8 + queue) at slot 0x10 + i; SDMA ring
// r of engine e at slot 0x100 + e * 2 + r. The doorbell register fields hold dword offsets
// (slot * 2). CP_MEC_DOORBELL_RANGE_LOWER/UPPER hold byte offsets of the first and last MEC
// doorbell (gfx_v9_0_kiq_init_register: (index * 2) << 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/queue.h"
#include "amdhal/status.h"
#include "discovery.h"

namespace amdhal::am {

class AmDevice;

inline constexpr uint32_t kMecDoorbellFirst = 0x10;
inline constexpr uint32_t kHqdPipes = 4;
inline constexpr uint32_t kHqdQueuesPerPipe = 8;
inline constexpr uint32_t kHqdCount = kHqdPipes * kHqdQueuesPerPipe;  ///< MEC1's queues
inline constexpr uint32_t kSdmaDoorbellFirst = 0x100;
inline constexpr uint32_t kSdmaRingsPerEngine = 2;

/// A compute hardware queue descriptor slot: MEC `me`, `pipe`, `queue`.
struct HqdSlot {
  uint32_t me = 1;
  uint32_t pipe = 0;
  uint32_t queue = 0;
  uint32_t index() const { return pipe * kHqdQueuesPerPipe + queue; }
  uint32_t doorbell_slot() const { return kMecDoorbellFirst + index(); }
  std::string name() const;  ///< "HQD me1/pipe0/queue3"
  static HqdSlot from_index(uint32_t i) {
    return {1, i / kHqdQueuesPerPipe, i % kHqdQueuesPerPipe};
  }
};

/// SDMA ring `index` = engine * 2 + ring.
inline uint32_t sdma_doorbell_slot(uint32_t index) {
  return kSdmaDoorbellFirst + index;
}

/// The queue registers of one device, as absolute BAR5 dwords.
struct QueueRegisters {
  uint64_t grbm_gfx_cntl = 0;
  uint64_t mec_doorbell_lower = 0, mec_doorbell_upper = 0;
  uint64_t hqd = 0;  ///< CP_MQD_BASE_ADDR; the other CP_HQD_* registers follow at fixed offsets
  std::vector<uint64_t> sdma_rings;  ///< SDMA_GFX_RB_CNTL of each ring (engine * 2 + ring)
};

/// Resolves the queue registers of `family` through the discovery bases. kUnimplemented for a
/// family whose layout amdhal does not have (only GC 9.4.x and 11.0.x are described).
Expected<QueueRegisters> resolve_queue_registers(const GpuFamily& family,
                                                 const DiscoveryTable& table);

/// Memory of one ring, by GPU VA (= VRAM offset).
struct RingSetup {
  uint64_t ring = 0;
  uint64_t ring_bytes = 0;
  uint64_t rptr = 0;  ///< read-pointer report address (8 bytes)
  uint64_t wptr = 0;  ///< write-pointer poll address (8 bytes)
  uint64_t mqd = 0;   ///< compute: MQD address (VRAM)
  void* mqd_cpu = nullptr;
  bool aql = false;
  uint32_t doorbell_slot = 0;
};

/// What the queue steps and the Device's queues share on one AmDevice: the registers, which HQDs
/// and SDMA rings are taken, and the lock that keeps GRBM-selected sequences whole.
struct QueueHardware {
  QueueRegisters regs;
  std::mutex mu;
  std::vector<bool> hqd_used = std::vector<bool>(kHqdCount, false);
  std::vector<bool> sdma_used;
  bool mec_range_programmed = false;

  /// A free HQD / SDMA ring (kResourceExhausted if none); `first_engine` picks where to start
  /// looking (XGMI engines come after the general-purpose ones).
  Expected<HqdSlot> take_hqd();
  void give_hqd(const HqdSlot& s);
  Expected<uint32_t> take_sdma(uint32_t first_engine, uint32_t end_engine);
  void give_sdma(uint32_t index);
};

/// CP_MEC_DOORBELL_RANGE_LOWER/UPPER over the HQD doorbells (what the sim checks).
Status program_mec_doorbell_range(AmDevice& dev, QueueHardware& hw);

/// One NBIO doorbell range routed to SDMA engines.
struct DoorbellRoute {
  uint32_t first_engine = 0, last_engine = 0;
  uint32_t first_dword = 0;  ///< first doorbell, in dwords (slot * 2)
  uint32_t dwords = 0;       ///< range size in dwords
  std::string registers;     ///< the registers holding it ("DOORBELL0_CTRL_ENTRY_1 + ...")
};

/// Routes the SDMA ring doorbells through NBIO and opens the doorbell aperture, as the kernel does
/// (register offsets in registers.cpp, field layouts from nbio_7_9_0_sh_mask.h /
/// nbio_4_3_0_sh_mask.h):
///  - NBIO 7.9 (nbio_v7_9.c): nbio_v7_9_enable_doorbell_aperture (BIFC_DOORBELL_ACCESS_EN_PF =
///    0xfffff, RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN.BIF_DOORBELL_APER_EN bit 0 = 1), then per SDMA
///    engine e of AID 0 nbio_v7_9_sdma_doorbell_range: DOORBELL0_CTRL_ENTRY_{1+e}
///    (BIF_DOORBELL0_RANGE_OFFSET_ENTRY 9:0 = first doorbell dword, BIF_DOORBELL0_RANGE_SIZE_ENTRY
///    14:10 = dwords) and S2A_DOORBELL_ENTRY_{1,2,5,6}_CTRL (PORT_ENABLE bit 0, AWID 5:1 =
///    0xe/0x8/0x9/0xa, RANGE_OFFSET 16:7 = the same value as AWID, RANGE_SIZE 24:17 = dwords,
///    AWADDR_31_28_VALUE 31:28 = 0x1/0x2/0x8/0x9).
///  - NBIO 4.3 (nbio_v4_3.c): nbio_v4_3_enable_doorbell_aperture (BIF_DOORBELL_APER_EN = 1), then
///    nbio_v4_3_sdma_doorbell_range for instance 0 only, one range for every engine in
///    S2A_DOORBELL_ENTRY_2_CTRL (read-modify-write: PORT2_ENABLE 1, AWID 0xe, RANGE_OFFSET = first
///    SDMA doorbell dword, RANGE_SIZE = engines * dwords per engine, AWADDR_31_28_VALUE 0x3).
/// Each engine's range covers its two ring doorbells (kSdmaRingsPerEngine 64-bit slots). Every
/// register is read back: a mismatch fails naming the register, its dword, the expected and the
/// read value. The IH takes no doorbell (IH_RB_RPTR is written through MMIO), so no IH range is
/// programmed. kUnimplemented for another NBIO version.
Expected<std::vector<DoorbellRoute>> program_nbio_doorbell_routing(AmDevice& dev,
                                                                   QueueHardware& hw);
/// Maps `slot` with `ring` (writes the MQD image, then the HQD registers) and checks that
/// CP_HQD_ACTIVE reads 1.
Status hqd_start(AmDevice& dev, QueueHardware& hw, const HqdSlot& slot, const RingSetup& ring);
/// Dequeues `slot` and waits (100 ms) for CP_HQD_ACTIVE = 0.
Status hqd_stop(AmDevice& dev, QueueHardware& hw, const HqdSlot& slot);
/// Programs and enables SDMA ring `index`.
Status sdma_ring_start(AmDevice& dev, QueueHardware& hw, uint32_t index, const RingSetup& ring);
/// Clears RB_ENABLE of SDMA ring `index`.
Status sdma_ring_stop(AmDevice& dev, QueueHardware& hw, uint32_t index);

/// How long a ring test waits for its write.
inline constexpr std::chrono::milliseconds kRingTestTimeout{2000};

/// Brings up a ring of `kind` (kCompute: HQD me1/pipe0/queue0; kSdma: ring `sdma_index`) on
/// VRAM from the device's heap, runs the ring test (PM4 WRITE_DATA / SDMA FENCE of a pattern to a
/// scratch dword, submitted through the doorbell and polled for kRingTestTimeout), and stops the
/// ring again. The error names the ring, the address, the expected and the read value. On
/// success returns a one-line description.
Expected<std::string> ring_test(AmDevice& dev, QueueKind kind, uint32_t sdma_index = 0);

}  // namespace amdhal::am
