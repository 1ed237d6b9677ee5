// Compute HQDs, SDMA rings, doorbells and ring tests of the bare-metal backend (queues.h).
#include "queues.h"

#include <atomic>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "am_memory.h"
#include "amdhal/packets/pm4.h"
#include "amdhal/packets/sdma.h"
#include "amdhal/packets/stream.h"
#include "amdhal/ring_writer.h"
#include "bringup.h"
#include "registers.h"

namespace amdhal::am {
namespace {

// CP_HQD_* registers relative to CP_MQD_BASE_ADDR. gc_11_0_0_offset.h: regCP_MQD_BASE_ADDR
// 0x1fa9, _HI 0x1faa, regCP_HQD_ACTIVE 0x1fab, _VMID 0x1fac, _PQ_BASE 0x1fb1, _PQ_BASE_HI
// 0x1fb2, _PQ_RPTR 0x1fb3, _PQ_RPTR_REPORT_ADDR 0x1fb4/_HI 0x1fb5, _PQ_WPTR_POLL_ADDR
// 0x1fb6/_HI 0x1fb7, _PQ_DOORBELL_CONTROL 0x1fb8, _PQ_CONTROL 0x1fba, _DEQUEUE_REQUEST 0x1fc1,
// _AQL_CONTROL 0x1fde, _PQ_WPTR_LO 0x1fdf, _PQ_WPTR_HI 0x1fe0; gc_9_4_3_offset.h has the same
// block at regCP_MQD_BASE_ADDR 0x1245 (regCP_HQD_PQ_WPTR_LO 0x127b).
constexpr uint32_t kMqdBaseAddr = 0x00;
constexpr uint32_t kMqdBaseAddrHi = 0x01;
constexpr uint32_t kHqdActive = 0x02;
constexpr uint32_t kHqdVmid = 0x03;
constexpr uint32_t kHqdPqBase = 0x08;
constexpr uint32_t kHqdPqBaseHi = 0x09;
constexpr uint32_t kHqdPqRptrReportAddr = 0x0b;
constexpr uint32_t kHqdPqRptrReportAddrHi = 0x0c;
constexpr uint32_t kHqdPqWptrPollAddr = 0x0d;
constexpr uint32_t kHqdPqWptrPollAddrHi = 0x0e;
constexpr uint32_t kHqdPqDoorbellControl = 0x0f;
constexpr uint32_t kHqdPqControl = 0x11;
constexpr uint32_t kHqdDequeueRequest = 0x18;
constexpr uint32_t kHqdAqlControl = 0x35;
constexpr uint32_t kHqdPqWptrLo = 0x36;
constexpr uint32_t kHqdPqWptrHi = 0x37;
/// Register image in the MQD: dword 128 holds CP_MQD_BASE_ADDR (v9_structs.h struct v9_mqd
/// cp_mqd_base_addr_lo "offset: 128 (0x80)"; v11_structs.h struct v11_compute_mqd likewise).
constexpr uint32_t kMqdRegisterImage = 128;
/// MQD header dword (kfd_mqd_manager_v9.c init_mqd: m->header = 0xC0310800).
constexpr uint32_t kMqdHeader = 0xC0310800u;
constexpr uint64_t kMqdBytes = 4096;

// SDMA ring registers relative to SDMA_GFX_RB_CNTL (sdma_4_4_2_offset.h: regSDMA_GFX_RB_CNTL
// 0x0080, _RB_BASE 0x0081, _RB_BASE_HI 0x0082, _RB_RPTR 0x0083, _RB_RPTR_HI 0x0084, _RB_WPTR
// 0x0085, _RB_WPTR_HI 0x0086, _RB_RPTR_ADDR_HI 0x0088, _RB_RPTR_ADDR_LO 0x0089, _DOORBELL 0x0092,
// _DOORBELL_OFFSET 0x00ab, _RB_WPTR_POLL_ADDR_HI 0x00b2, _LO 0x00b3; regSDMA_PAGE_RB_CNTL 0x00d8).
constexpr uint32_t kRbCntl = 0x00;
constexpr uint32_t kRbBase = 0x01;
constexpr uint32_t kRbBaseHi = 0x02;
constexpr uint32_t kRbRptr = 0x03;
constexpr uint32_t kRbRptrHi = 0x04;
constexpr uint32_t kRbWptr = 0x05;
constexpr uint32_t kRbWptrHi = 0x06;
constexpr uint32_t kRbRptrAddrHi = 0x08;
constexpr uint32_t kRbRptrAddrLo = 0x09;
constexpr uint32_t kRbDoorbell = 0x12;
constexpr uint32_t kRbDoorbellOffset = 0x2b;
constexpr uint32_t kRbWptrPollAddrHi = 0x32;
constexpr uint32_t kRbWptrPollAddrLo = 0x33;
constexpr uint32_t kSdmaFirstRing = 0x80;
constexpr uint32_t kSdmaRingStride = 0x58;  // GFX -> PAGE queue (0x80 -> 0xd8)

/// Where the queue registers of a GC generation live.
struct QueueLayout {
  Pm4Variant pm4;
  uint8_t grbm_segment;
  uint32_t grbm_gfx_cntl;
  uint32_t mec_doorbell_lower;  // GC segment 0
  uint32_t mqd_base_addr;       // GC segment 0
  bool sdma_in_gc;              // SDMA registers inside GC segment 0 (gfx11), else SDMA blocks
  uint32_t sdma_engine_stride;  // gfx11: SDMA1_REG_OFFSET
  const char* source;
};

constexpr QueueLayout kLayouts[] = {
    // gc_9_4_3_offset.h: regGRBM_GFX_CNTL 0x0022, regCP_MEC_DOORBELL_RANGE_LOWER 0x105c,
    // regCP_MQD_BASE_ADDR 0x1245 (all BASE_IDX 0); SDMA: sdma_4_4_2_offset.h per instance.
    {Pm4Variant::kGfx9, 0, 0x0022, 0x105c, 0x1245, false, 0,
     "gc_9_4_3_offset.h, sdma_4_4_2_offset.h"},
    // gc_11_0_0_offset.h regGRBM_GFX_CNTL 0x0900 (BASE_IDX 1), regCP_MEC_DOORBELL_RANGE_LOWER
    // 0x1dfc, regCP_MQD_BASE_ADDR 0x1fa9; SDMA 6.0 queues at regSDMA0_QUEUE0_RB_CNTL 0x0080 in GC,
    // engine 1 at +0x600 (sdma_v6_0.c SDMA1_REG_OFFSET).
    {Pm4Variant::kGfx11, 1, 0x0900, 0x1dfc, 0x1fa9, true, 0x600, "gc_11_0_0_offset.h"},
};

uint32_t lo(uint64_t v) {
  return static_cast<uint32_t>(v);
}
uint32_t hi(uint64_t v) {
  return static_cast<uint32_t>(v >> 32);
}

uint32_t log2_exact(uint64_t v) {
  uint32_t n = 0;
  while ((1ull << n) < v) ++n;
  return n;
}

/// GRBM_GFX_CNTL selection of me/pipe/queue (soc15_grbm_select field layout).
uint32_t grbm_select(const HqdSlot& s) {
  return (s.pipe & 3u) | ((s.me & 3u) << 2) | ((s.queue & 7u) << 8);
}

}  // namespace

std::string HqdSlot::name() const {
  return fmt::format("HQD me{}/pipe{}/queue{}", me, pipe, queue);
}

Expected<QueueRegisters> resolve_queue_registers(const GpuFamily& family,
                                                 const DiscoveryTable& table) {
  const QueueLayout* layout = nullptr;
  for (const auto& l : kLayouts) {
    if (l.pm4 == family.pm4) layout = &l;
  }
  if (layout == nullptr) {
    return unimplemented(fmt::format(
        "am: the HQD/SDMA register layout of {} (GC {}.x) is not in amdhal's tables yet",
        family.name, family.isa.major));
  }
  const IpBlock* gc = table.find(hwid::kGc);
  if (gc == nullptr || gc->bases.size() <= layout->grbm_segment) {
    return not_found("am: IP discovery has no GC block with the segments the queues need");
  }
  QueueRegisters r;
  r.grbm_gfx_cntl = gc->bases[layout->grbm_segment] + layout->grbm_gfx_cntl;
  r.mec_doorbell_lower = gc->bases[0] + layout->mec_doorbell_lower;
  r.mec_doorbell_upper = r.mec_doorbell_lower + 1;
  r.hqd = gc->bases[0] + layout->mqd_base_addr;
  std::vector<uint64_t> engine_bases;
  if (layout->sdma_in_gc) {
    for (uint32_t e = 0; e < family.sdma_engines; ++e) {
      engine_bases.push_back(gc->bases[0] + layout->sdma_engine_stride * e);
    }
  } else {
    for (uint16_t id : {hwid::kSdma0, hwid::kSdma1, hwid::kSdma2, hwid::kSdma3}) {
      const IpBlock* b = table.find(id);
      if (b != nullptr && !b->bases.empty()) engine_bases.push_back(b->bases[0]);
    }
  }
  if (engine_bases.empty()) return not_found("am: IP discovery lists no SDMA engine");
  for (uint64_t base : engine_bases) {
    for (uint32_t ring = 0; ring < kSdmaRingsPerEngine; ++ring) {
      r.sdma_rings.push_back(base + kSdmaFirstRing + ring * kSdmaRingStride);
    }
  }
  return r;
}

Expected<HqdSlot> QueueHardware::take_hqd() {
  std::lock_guard lock(mu);
  for (uint32_t i = 0; i < hqd_used.size(); ++i) {
    if (!hqd_used[i]) {
      hqd_used[i] = true;
      return HqdSlot::from_index(i);
    }
  }
  return resource_exhausted(
      fmt::format("am: all {} compute HQDs of MEC1 are in use", hqd_used.size()));
}

void QueueHardware::give_hqd(const HqdSlot& s) {
  std::lock_guard lock(mu);
  if (s.index() < hqd_used.size()) hqd_used[s.index()] = false;
}

Expected<uint32_t> QueueHardware::take_sdma(uint32_t first_engine, uint32_t end_engine) {
  std::lock_guard lock(mu);
  // Spread queues over the engines first (ring 0 of every engine, then ring 1).
  for (uint32_t ring = 0; ring < kSdmaRingsPerEngine; ++ring) {
    for (uint32_t e = first_engine; e < end_engine; ++e) {
      const uint32_t i = e * kSdmaRingsPerEngine + ring;
      if (i < sdma_used.size() && !sdma_used[i]) {
        sdma_used[i] = true;
        return i;
      }
    }
  }
  return resource_exhausted(
      fmt::format("am: all SDMA rings of engines {}..{} are in use ({} rings each)", first_engine,
                  end_engine == 0 ? 0 : end_engine - 1, kSdmaRingsPerEngine));
}

void QueueHardware::give_sdma(uint32_t index) {
  std::lock_guard lock(mu);
  if (index < sdma_used.size()) sdma_used[index] = false;
}

Status program_mec_doorbell_range(AmDevice& dev, QueueHardware& hw) {
  const uint32_t lower = (kMecDoorbellFirst * 2) << 2;
  const uint32_t upper = ((kMecDoorbellFirst + kHqdCount - 1) * 2) << 2;
  std::lock_guard lock(hw.mu);
  AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.mec_doorbell_lower, lower));
  AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.mec_doorbell_upper, upper));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t l, dev.read_reg(hw.regs.mec_doorbell_lower));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t u, dev.read_reg(hw.regs.mec_doorbell_upper));
  if (l != lower || u != upper) {
    return failed_precondition(fmt::format(
        "doorbell routing: CP_MEC_DOORBELL_RANGE_LOWER/UPPER (dwords 0x{:x}/0x{:x}) read "
        "0x{:x}/0x{:x}, expected 0x{:x}/0x{:x}",
        hw.regs.mec_doorbell_lower, hw.regs.mec_doorbell_upper, l, u, lower, upper));
  }
  hw.mec_range_programmed = true;
  return ok_status();
}

Expected<std::vector<DoorbellRoute>> program_nbio_doorbell_routing(AmDevice& dev,
                                                                   QueueHardware& hw) {
  const IpBlock* nbio = dev.discovery().find(hwid::kNbif);
  if (nbio == nullptr || dev.family() == nullptr) {
    return not_found("doorbell routing: IP discovery lists no NBIO block");
  }
  const bool v79 = nbio->major == 7 && nbio->minor == 9;
  const bool v43 = nbio->major == 4 && nbio->minor == 3;
  if (!v79 && !v43) {
    return unimplemented(fmt::format(
        "doorbell routing: the doorbell range registers of NBIO {} are not in amdhal's tables "
        "(NBIO 7.9 and 4.3 are)",
        nbio->version()));
  }
  auto resolve = [&](std::string_view name) {
    return resolve_register(fmt::format("NBIO.{}", name), *dev.family(), dev.discovery());
  };
  // Writes `value` to `name` and reads it back.
  auto program = [&](std::string_view name, uint32_t value, std::string_view what) -> Status {
    AMDHAL_ASSIGN_OR_RETURN(ResolvedRegister r, resolve(name));
    AMDHAL_RETURN_IF_ERROR(dev.write_reg(r.dword, value));
    AMDHAL_ASSIGN_OR_RETURN(uint32_t got, dev.read_reg(r.dword));
    if (got != value) {
      return failed_precondition(
          fmt::format("doorbell routing: {} (dword 0x{:x}) read 0x{:08x}, expected 0x{:08x} ({})",
                      r.name, r.dword, got, value, what));
    }
    return ok_status();
  };
  auto read = [&](std::string_view name) -> Expected<uint32_t> {
    AMDHAL_ASSIGN_OR_RETURN(ResolvedRegister r, resolve(name));
    return dev.read_reg(r.dword);
  };
  const uint32_t engines = static_cast<uint32_t>(hw.regs.sdma_rings.size()) / kSdmaRingsPerEngine;
  const uint32_t per_engine = kSdmaRingsPerEngine * 2;  // dwords
  std::vector<DoorbellRoute> routes;
  std::lock_guard lock(hw.mu);
  if (v79) {
    // nbio_v7_9_enable_doorbell_aperture.
    AMDHAL_RETURN_IF_ERROR(program("BIFC_DOORBELL_ACCESS_EN_PF", 0xfffffu, "doorbell access"));
    AMDHAL_ASSIGN_OR_RETURN(uint32_t aper, read("RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN"));
    AMDHAL_RETURN_IF_ERROR(
        program("RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN", aper | 1u, "doorbell aperture enable"));
    // nbio_v7_9_sdma_doorbell_range, engine e of AID 0: {S2A entry, AWID/RANGE_OFFSET, AWADDR}.
    constexpr uint32_t kS2a[4][3] = {{1, 0xe, 0x1}, {2, 0x8, 0x2}, {5, 0x9, 0x8}, {6, 0xa, 0x9}};
    if (engines > 4) {
      return unimplemented(fmt::format(
          "doorbell routing: {} SDMA engines; NBIO 7.9 routes 4 per AID and amdhal handles AID 0 "
          "only",
          engines));
    }
    for (uint32_t e = 0; e < engines; ++e) {
      const uint32_t first = sdma_doorbell_slot(e * kSdmaRingsPerEngine) * 2;
      if (first > 0x3ffu) {
        return out_of_range(
            fmt::format("doorbell routing: SDMA{} doorbell dword 0x{:x} does not fit "
                        "BIF_DOORBELL0_RANGE_OFFSET_ENTRY (10 bits)",
                        e, first));
      }
      const uint32_t range = first | (per_engine << 10);
      const uint32_t ctrl =
          1u | (kS2a[e][1] << 1) | (kS2a[e][1] << 7) | (per_engine << 17) | (kS2a[e][2] << 28);
      const std::string entry = fmt::format("DOORBELL0_CTRL_ENTRY_{}", e + 1);
      const std::string s2a = fmt::format("S2A_DOORBELL_ENTRY_{}_CTRL", kS2a[e][0]);
      const std::string what = fmt::format("SDMA{} doorbell range dwords [0x{:x}, 0x{:x})", e,
                                           first, first + per_engine);
      AMDHAL_RETURN_IF_ERROR(program(entry, range, what));
      AMDHAL_RETURN_IF_ERROR(program(s2a, ctrl, what));
      routes.push_back({e, e, first, per_engine, entry + " + " + s2a});
    }
    return routes;
  }
  // NBIO 4.3: nbio_v4_3_enable_doorbell_aperture, nbio_v4_3_sdma_doorbell_range (instance 0).
  AMDHAL_ASSIGN_OR_RETURN(uint32_t aper, read("RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN"));
  AMDHAL_RETURN_IF_ERROR(
      program("RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN", aper | 1u, "doorbell aperture enable"));
  const uint32_t first = sdma_doorbell_slot(0) * 2;
  const uint32_t size = engines * per_engine;
  if (first > 0x3ffu || size > 0xffu) {
    return out_of_range(
        fmt::format("doorbell routing: SDMA doorbells dwords [0x{:x}, 0x{:x}) do not fit "
                    "S2A_DOORBELL_PORT2_RANGE_OFFSET/RANGE_SIZE",
                    first, first + size));
  }
  AMDHAL_ASSIGN_OR_RETURN(uint32_t ctrl, read("S2A_DOORBELL_ENTRY_2_CTRL"));
  ctrl &= ~(1u | (0x1fu << 1) | (0x3ffu << 7) | (0xffu << 17) | (0xfu << 28));
  ctrl |= 1u | (0xeu << 1) | (first << 7) | (size << 17) | (0x3u << 28);
  AMDHAL_RETURN_IF_ERROR(
      program("S2A_DOORBELL_ENTRY_2_CTRL", ctrl,
              fmt::format("SDMA doorbell range dwords [0x{:x}, 0x{:x})", first, first + size)));
  routes.push_back({0, engines == 0 ? 0 : engines - 1, first, size, "S2A_DOORBELL_ENTRY_2_CTRL"});
  return routes;
}

Status hqd_start(AmDevice& dev, QueueHardware& hw, const HqdSlot& slot, const RingSetup& ring) {
  if (ring.ring_bytes < 256 || (ring.ring_bytes & (ring.ring_bytes - 1)) != 0) {
    return invalid_argument(
        fmt::format("{}: ring size {} is not a power of two >= 256", slot.name(), ring.ring_bytes));
  }
  // The register image, kept in the MQD as the kernel keeps it.
  std::vector<std::pair<uint32_t, uint32_t>> image = {
      {kMqdBaseAddr, lo(ring.mqd)},
      {kMqdBaseAddrHi, hi(ring.mqd)},
      {kHqdVmid, 0},
      {kHqdPqBase, lo(ring.ring >> 8)},
      {kHqdPqBaseHi, lo(ring.ring >> 40)},
      {kHqdPqRptrReportAddr, lo(ring.rptr) & ~3u},
      {kHqdPqRptrReportAddrHi, hi(ring.rptr) & 0xffffu},
      {kHqdPqWptrPollAddr, lo(ring.wptr) & ~3u},
      {kHqdPqWptrPollAddrHi, hi(ring.wptr) & 0xffffu},
      {kHqdPqDoorbellControl, ((ring.doorbell_slot * 2) << 2) | (1u << 30)},
      {kHqdPqWptrLo, 0},
      {kHqdPqWptrHi, 0},
      {kHqdPqControl, log2_exact(ring.ring_bytes / 4) - 1},
      {kHqdAqlControl, ring.aql ? 1u : 0u},
  };
  if (ring.mqd_cpu != nullptr) {
    auto* mqd = static_cast<volatile uint32_t*>(ring.mqd_cpu);
    for (uint32_t i = 0; i < kMqdBytes / 4; ++i) mqd[i] = 0;
    mqd[0] = kMqdHeader;
    for (const auto& [reg, value] : image) mqd[kMqdRegisterImage + reg] = value;
  }
  std::lock_guard lock(hw.mu);
  AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.grbm_gfx_cntl, grbm_select(slot)));
  auto deselect = [&] { (void)dev.write_reg(hw.regs.grbm_gfx_cntl, 0); };
  Status st = [&]() -> Status {
    AMDHAL_ASSIGN_OR_RETURN(uint32_t active, dev.read_reg(hw.regs.hqd + kHqdActive));
    if ((active & 1u) != 0) {
      AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.hqd + kHqdDequeueRequest, 1));
      AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.hqd + kHqdActive, 0));
    }
    for (const auto& [reg, value] : image) {
      AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.hqd + reg, value));
    }
    AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.hqd + kHqdActive, 1));
    AMDHAL_ASSIGN_OR_RETURN(active, dev.read_reg(hw.regs.hqd + kHqdActive));
    if ((active & 1u) == 0) {
      return failed_precondition(fmt::format(
          "{}: CP_HQD_ACTIVE (dword 0x{:x}) read 0x{:x} after writing 1 (ring 0x{:x}, {} bytes, "
          "doorbell slot {})",
          slot.name(), hw.regs.hqd + kHqdActive, active, ring.ring, ring.ring_bytes,
          ring.doorbell_slot));
    }
    return ok_status();
  }();
  deselect();
  return st;
}

Status hqd_stop(AmDevice& dev, QueueHardware& hw, const HqdSlot& slot) {
  std::lock_guard lock(hw.mu);
  AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.grbm_gfx_cntl, grbm_select(slot)));
  Status st = [&]() -> Status {
    AMDHAL_RETURN_IF_ERROR(dev.write_reg(hw.regs.hqd + kHqdDequeueRequest, 1));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    uint32_t active = 0;
    do {
      AMDHAL_ASSIGN_OR_RETURN(active, dev.read_reg(hw.regs.hqd + kHqdActive));
      if ((active & 1u) == 0) break;
    } while (std::chrono::steady_clock::now() < deadline);
    if ((active & 1u) != 0) {
      return deadline_exceeded(fmt::format(
          "{}: CP_HQD_ACTIVE (dword 0x{:x}) still 1 100 ms after CP_HQD_DEQUEUE_REQUEST",
          slot.name(), hw.regs.hqd + kHqdActive));
    }
    return dev.write_reg(hw.regs.hqd + kHqdDequeueRequest, 0);
  }();
  (void)dev.write_reg(hw.regs.grbm_gfx_cntl, 0);
  return st;
}

Status sdma_ring_start(AmDevice& dev, QueueHardware& hw, uint32_t index, const RingSetup& ring) {
  if (index >= hw.regs.sdma_rings.size()) {
    return out_of_range(fmt::format("am: SDMA ring {} does not exist ({} rings)", index,
                                    hw.regs.sdma_rings.size()));
  }
  if (ring.ring_bytes < 256 || (ring.ring_bytes & (ring.ring_bytes - 1)) != 0) {
    return invalid_argument(fmt::format("SDMA ring {}: ring size {} is not a power of two >= 256",
                                        index, ring.ring_bytes));
  }
  const uint64_t base = hw.regs.sdma_rings[index];
  const uint32_t rb_size = log2_exact(ring.ring_bytes / 4);
  const std::pair<uint32_t, uint32_t> writes[] = {
      {kRbCntl, rb_size << 1},  // disabled while programming
      {kRbRptr, 0},
      {kRbRptrHi, 0},
      {kRbWptr, 0},
      {kRbWptrHi, 0},
      {kRbRptrAddrHi, hi(ring.rptr)},
      {kRbRptrAddrLo, lo(ring.rptr) & ~3u},
      {kRbBase, lo(ring.ring >> 8)},
      {kRbBaseHi, lo(ring.ring >> 40)},
      {kRbWptrPollAddrHi, hi(ring.wptr)},
      {kRbWptrPollAddrLo, lo(ring.wptr) & ~3u},
      {kRbDoorbellOffset, (ring.doorbell_slot * 2) << 2},
      {kRbDoorbell, 1u << 28},
      {kRbCntl, (rb_size << 1) | 1u},
  };
  std::lock_guard lock(hw.mu);
  for (const auto& [reg, value] : writes) {
    AMDHAL_RETURN_IF_ERROR(dev.write_reg(base + reg, value));
  }
  return ok_status();
}

Status sdma_ring_stop(AmDevice& dev, QueueHardware& hw, uint32_t index) {
  if (index >= hw.regs.sdma_rings.size()) return out_of_range("am: no such SDMA ring");
  std::lock_guard lock(hw.mu);
  const uint64_t base = hw.regs.sdma_rings[index];
  AMDHAL_ASSIGN_OR_RETURN(uint32_t cntl, dev.read_reg(base + kRbCntl));
  AMDHAL_RETURN_IF_ERROR(dev.write_reg(base + kRbCntl, cntl & ~1u));
  return dev.write_reg(base + kRbDoorbell, 0);
}

Expected<std::string> ring_test(AmDevice& dev, QueueKind kind, uint32_t sdma_index) {
  AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<VramAllocator> heap, dev.vram_allocator());
  AMDHAL_ASSIGN_OR_RETURN(QueueHardware * hw, dev.queue_hardware());
  const bool sdma = kind == QueueKind::kSdma;
  const std::string ring_name =
      sdma ? fmt::format("SDMA{} {} ring", sdma_index / kSdmaRingsPerEngine,
                         sdma_index % kSdmaRingsPerEngine == 0 ? "GFX" : "PAGE")
           : HqdSlot{}.name();
  // One 8 KiB block: ring (4 KiB), then pointers, scratch dword, MQD at +4 KiB... keep the MQD
  // in its own page.
  constexpr uint64_t kRing = 4096;
  AMDHAL_ASSIGN_OR_RETURN(uint64_t off, heap->allocate(kRing + 4096 + kMqdBytes));
  VramBlock block(heap, off, kRing + 4096 + kMqdBytes, dev.vram_cpu(off, kRing + 4096 + kMqdBytes));
  auto* base = static_cast<uint8_t*>(block.cpu());
  if (base == nullptr) {
    return unimplemented(
        fmt::format("{}: the ring test needs CPU access to VRAM 0x{:x} through BAR0 (small BAR)",
                    ring_name, off));
  }
  std::memset(base, 0, kRing + 4096);
  auto* rptr = reinterpret_cast<uint64_t*>(base + kRing);
  auto* wptr = reinterpret_cast<uint64_t*>(base + kRing + 8);
  auto* scratch = reinterpret_cast<uint32_t*>(base + kRing + 64);
  const uint64_t scratch_va = off + kRing + 64;
  const uint32_t pattern = sdma ? 0xDEADBEEFu : 0xCAFEF00Du;
  *scratch = 0;

  RingSetup setup;
  setup.ring = off;
  setup.ring_bytes = kRing;
  setup.rptr = off + kRing;
  setup.wptr = off + kRing + 8;
  setup.mqd = off + kRing + 4096;
  setup.mqd_cpu = base + kRing + 4096;
  const HqdSlot slot{};
  if (sdma) {
    setup.doorbell_slot = sdma_doorbell_slot(sdma_index);
    AMDHAL_RETURN_IF_ERROR(sdma_ring_start(dev, *hw, sdma_index, setup));
  } else {
    setup.doorbell_slot = slot.doorbell_slot();
    AMDHAL_RETURN_IF_ERROR(hqd_start(dev, *hw, slot, setup));
  }
  auto stop = [&] {
    return sdma ? sdma_ring_stop(dev, *hw, sdma_index) : hqd_stop(dev, *hw, slot);
  };

  // The test packet, built by the shared packet layer.
  std::vector<uint32_t> storage(16, 0);
  packets::PacketStream out(storage);
  Status st;
  if (sdma) {
    packets::SdmaFence f;
    f.addr = scratch_va;
    f.data = pattern;
    st = packets::emit_sdma_fence(out, dev.family()->sdma, f);
  } else {
    packets::Pm4WriteData w;
    w.dst_addr = scratch_va;
    const uint32_t data[] = {pattern};
    w.data = data;
    st = packets::emit(out, dev.family()->pm4, w);
  }
  if (!st.ok()) {
    (void)stop();
    return st.with_context(ring_name);
  }
  RingWriter::Config rc;
  rc.kind = sdma ? QueueKind::kSdma : QueueKind::kCompute;
  rc.family = dev.family();
  rc.ring = base;
  rc.ring_bytes = kRing;
  rc.read_ptr = rptr;
  rc.write_ptr = wptr;
  RingWriter ring(rc);
  ring.copy(out.data());
  const uint64_t doorbell = ring.publish();
  st = dev.write_doorbell64(setup.doorbell_slot, doorbell);
  uint32_t seen = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + kRingTestTimeout;
  while (st.ok()) {
    seen = std::atomic_ref<uint32_t>(*scratch).load(std::memory_order_acquire);
    if (seen == pattern || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  const QueueState qs = ring.state(ring_name);
  Status stopped = stop();
  AMDHAL_RETURN_IF_ERROR(st.with_context(ring_name));
  if (seen != pattern) {
    block.abandon();  // the engine may still write there
    return deadline_exceeded(fmt::format(
        "ring test of {} timed out: {} to VRAM 0x{:x}: expected 0x{:08x}, read 0x{:08x} after {} "
        "ms ({})",
        ring_name, sdma ? "SDMA FENCE" : "PM4 WRITE_DATA", scratch_va, pattern, seen,
        kRingTestTimeout.count(), qs.description));
  }
  AMDHAL_RETURN_IF_ERROR(stopped.with_context(ring_name));
  return fmt::format("{} (doorbell slot {}): {} of 0x{:08x} seen at 0x{:x} in {:.0f} us", ring_name,
                     setup.doorbell_slot, sdma ? "FENCE" : "WRITE_DATA", pattern, scratch_va, us);
}

}  // namespace amdhal::am
