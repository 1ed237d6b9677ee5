// Queue registers of the simulated PCI function (layouts and sources: queues.h).
#include "queues.h"

#include <iterator>

#include <fmt/format.h>

#if defined(AMDHAL_SIM_PCI_WITH_ISA)
#include "amdhal_sim_isa/executor.h"
#endif

namespace amdhal::sim::pci {
namespace {

// HQD registers, relative to CP_MQD_BASE_ADDR (gc_11_0_0_offset.h 0x1fa9, gc_9_4_3 0x1245).
constexpr uint32_t kHqdActive = 0x02;
constexpr uint32_t kHqdVmid = 0x03;
constexpr uint32_t kHqdPqBase = 0x08;
constexpr uint32_t kHqdPqBaseHi = 0x09;
constexpr uint32_t kHqdPqRptr = 0x0a;
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
constexpr uint32_t kHqdRegCount = 0x40;

// SDMA ring registers, relative to SDMA_GFX_RB_CNTL (0x0080 in the engine's block).
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
constexpr uint32_t kRbRegCount = 0x34;
constexpr uint32_t kSdmaFirstRing = 0x80;
constexpr uint32_t kSdmaRingStride = 0x58;

uint64_t join(uint32_t lo, uint32_t hi) {
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// NBIO doorbell registers (offsets and sources: queues.h).
constexpr uint32_t kNbioAperEn = 0x00c0;         // BASE_IDX 2, both versions
constexpr uint32_t kNbio79AccessEnPf = 0xcf6e;   // BASE_IDX 8
constexpr uint32_t kNbio79CtrlEntry0 = 0xcd00;   // BASE_IDX 8
constexpr uint32_t kNbio79S2aEntry0 = 0x7a80;    // BASE_IDX 5
constexpr uint32_t kNbio43S2aEntry0 = 0x4f7640;  // BASE_IDX 3
// S2A_DOORBELL_ENTRY_n_CTRL of SDMA engine e on NBIO 7.9 (nbio_v7_9_sdma_doorbell_range).
constexpr uint32_t kNbio79SdmaS2a[] = {1, 2, 5, 6};

/// S2A_DOORBELL_ENTRY_n_CTRL fields (nbio_*_sh_mask.h): ENABLE bit 0, RANGE_OFFSET 16:7,
/// RANGE_SIZE 24:17.
bool s2a_enabled(uint32_t v) {
  return (v & 1u) != 0 && ((v >> 17) & 0xffu) != 0;
}

}  // namespace

SimQueueBlock::SimQueueBlock(Device& device, const std::vector<SimIpBlock>& blocks,
                             bool ring_timeout, bool unrouted)
    : device_(&device), ring_timeout_(ring_timeout), unrouted_(unrouted) {
  const bool gfx11 = device.family().pm4 == Pm4Variant::kGfx11;
  const bool gfx9 = device.family().pm4 == Pm4Variant::kGfx9;
  const SimIpBlock* gc = nullptr;
  for (const auto& b : blocks) {
    if (b.hw_id == kHwIdGc && b.instance == 0) gc = &b;
  }
  if (gc == nullptr || gc->bases.size() < 2 || (!gfx9 && !gfx11)) return;
  // NBIO doorbell routing registers, where the NBIO version is one amdhal models.
  for (const auto& b : blocks) {
    if (b.hw_id != kHwIdNbif || b.instance != 0) continue;
    if (b.major == 7 && b.minor == 9 && b.bases.size() > 8) {
      nbio_present_ = nbio79_ = true;
      regs_[b.bases[2] + kNbioAperEn] = {Kind::kNbio, kAperEn, 0};
      regs_[b.bases[8] + kNbio79AccessEnPf] = {Kind::kNbio, kAccessEnPf, 0};
      for (uint32_t i = 0; i < 5; ++i) {
        regs_[b.bases[8] + kNbio79CtrlEntry0 + i] = {Kind::kNbio, kCtrlEntry0 + i, 0};
      }
      for (uint32_t i = 0; i < 16; ++i) {
        regs_[b.bases[5] + kNbio79S2aEntry0 + i] = {Kind::kNbio, kS2aEntry0 + i, 0};
      }
    } else if (b.major == 4 && b.minor == 3 && b.bases.size() > 3) {
      nbio_present_ = true;
      regs_[b.bases[2] + kNbioAperEn] = {Kind::kNbio, kAperEn, 0};
      for (uint32_t i = 0; i < 16; ++i) {
        regs_[b.bases[3] + kNbio43S2aEntry0 + i] = {Kind::kNbio, kS2aEntry0 + i, 0};
      }
    }
  }
  const uint32_t seg0 = gc->bases[0];
  if (gfx11) {
    regs_[gc->bases[1] + 0x0900] = {Kind::kGrbmGfxCntl, 0, 0};
    regs_[seg0 + 0x1dfc] = {Kind::kMecDoorbellLower, 0, 0};
    regs_[seg0 + 0x1dfd] = {Kind::kMecDoorbellUpper, 0, 0};
  } else {
    regs_[seg0 + 0x0022] = {Kind::kGrbmGfxCntl, 0, 0};
    // gc_9_4_3_offset.h regCP_MEC_DOORBELL_RANGE_LOWER/UPPER.
    regs_[seg0 + 0x105c] = {Kind::kMecDoorbellLower, 0, 0};
    regs_[seg0 + 0x105d] = {Kind::kMecDoorbellUpper, 0, 0};
  }
  const uint32_t hqd_base = seg0 + (gfx11 ? 0x1fa9 : 0x1245);
  for (uint32_t r = 0; r < kHqdRegCount; ++r) regs_[hqd_base + r] = {Kind::kHqd, r, 0};

  // SDMA engines: gfx11 inside GC segment 0 (+0x600 per engine), gfx9 one block each.
  std::vector<uint32_t> engine_bases;
  if (gfx11) {
    for (uint32_t e = 0; e < 2; ++e) engine_bases.push_back(seg0 + 0x600 * e);
  } else {
    for (uint16_t id : {kHwIdSdma0, kHwIdSdma1, kHwIdSdma2, kHwIdSdma3}) {
      for (const auto& b : blocks) {
        if (b.hw_id == id && !b.bases.empty()) engine_bases.push_back(b.bases[0]);
      }
    }
  }
  const uint32_t engines =
      std::min<uint32_t>(static_cast<uint32_t>(engine_bases.size()), device.sdma_engine_count());
  sdma_.resize(engines * 2);
  for (uint32_t e = 0; e < engines; ++e) {
    for (uint32_t ring = 0; ring < 2; ++ring) {
      const uint32_t first = engine_bases[e] + kSdmaFirstRing + ring * kSdmaRingStride;
      for (uint32_t r = 0; r < kRbRegCount; ++r) regs_[first + r] = {Kind::kSdma, r, e * 2 + ring};
    }
  }
#if defined(AMDHAL_SIM_PCI_WITH_ISA)
  // Dispatches run on the ISA interpreter where it supports the family.
  if (device.kernel_executor() == nullptr) {
    auto exec = isa::make_isa_executor(device.family());
    if (exec.ok()) device.set_kernel_executor(*exec);
  }
#endif
}

SimQueueBlock::~SimQueueBlock() {
  for (auto& [key, h] : hqds_) hqd_stop(h);
  for (auto& s : sdma_) {
    if (s.queue_id != ~0u) (void)device_->destroy_queue(s.queue_id);
    s.queue_id = ~0u;
  }
}

std::vector<uint32_t> SimQueueBlock::running_queues() const {
  std::lock_guard lock(mu_);
  std::vector<uint32_t> out;
  for (const auto& [key, h] : hqds_) {
    if (h.queue_id != ~0u) out.push_back(h.queue_id);
  }
  for (const auto& s : sdma_) {
    if (s.queue_id != ~0u) out.push_back(s.queue_id);
  }
  return out;
}

SimQueueBlock::Hqd& SimQueueBlock::selected() {
  const uint32_t pipe = grbm_gfx_cntl_ & 0x3u;
  const uint32_t me = (grbm_gfx_cntl_ >> 2) & 0x3u;
  const uint32_t queue = (grbm_gfx_cntl_ >> 8) & 0x7u;
  return hqds_[(me << 8) | (pipe << 4) | queue];
}

std::string SimQueueBlock::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

uint32_t SimQueueBlock::read(uint32_t dword) {
  std::lock_guard lock(mu_);
  const RegRef& r = regs_.at(dword);
  switch (r.kind) {
    case Kind::kGrbmGfxCntl:
      return grbm_gfx_cntl_;
    case Kind::kMecDoorbellLower:
      return mec_doorbell_lower_;
    case Kind::kMecDoorbellUpper:
      return mec_doorbell_upper_;
    case Kind::kHqd:
      return hqd_read(r.reg);
    case Kind::kSdma:
      return sdma_read(r.engine, r.reg);
    case Kind::kNbio:
      return nbio(r.reg);
  }
  return 0;
}

uint32_t SimQueueBlock::nbio(uint32_t r) const {
  auto it = nbio_.find(r);
  return it == nbio_.end() ? 0 : it->second;
}

void SimQueueBlock::write(uint32_t dword, uint32_t value) {
  std::lock_guard lock(mu_);
  const RegRef& r = regs_.at(dword);
  switch (r.kind) {
    case Kind::kGrbmGfxCntl:
      grbm_gfx_cntl_ = value;
      return;
    case Kind::kMecDoorbellLower:
      mec_doorbell_lower_ = value & 0x0ffffffcu;
      return;
    case Kind::kMecDoorbellUpper:
      mec_doorbell_upper_ = value & 0x0ffffffcu;
      return;
    case Kind::kHqd:
      hqd_write(r.reg, value);
      return;
    case Kind::kSdma:
      sdma_write(r.engine, r.reg, value);
      return;
    case Kind::kNbio: {
      // "doorbell-unrouted": the SDMA range registers never latch.
      const bool sdma_range = nbio79_ ? (r.reg >= kCtrlEntry0 + 1 && r.reg <= kCtrlEntry0 + 4)
                                      : r.reg == kS2aEntry0 + 2;
      if (unrouted_ && sdma_range) return;
      nbio_[r.reg] = value;
      return;
    }
  }
}

bool SimQueueBlock::sdma_routed(uint32_t engine, uint32_t dword, std::string* why) const {
  if (!nbio_present_) return true;
  if (nbio79_) {
    if (engine >= std::size(kNbio79SdmaS2a)) {
      *why = fmt::format("SDMA engine {} has no NBIO 7.9 doorbell range entry", engine);
      return false;
    }
    // DOORBELL0_CTRL_ENTRY_n: RANGE_OFFSET_ENTRY 9:0, RANGE_SIZE_ENTRY 14:10 (dwords).
    const uint32_t entry = nbio(kCtrlEntry0 + 1 + engine);
    const uint32_t first = entry & 0x3ffu, size = (entry >> 10) & 0x1fu;
    const uint32_t s2a = nbio(kS2aEntry0 + kNbio79SdmaS2a[engine]);
    if (size == 0 || dword < first || dword >= first + size || !s2a_enabled(s2a)) {
      *why = fmt::format(
          "doorbell dword 0x{:x} is outside the NBIO doorbell range of SDMA{} "
          "(DOORBELL0_CTRL_ENTRY_{} 0x{:08x}: dwords [0x{:x}, 0x{:x}); S2A_DOORBELL_ENTRY_{}_CTRL "
          "0x{:08x}{})",
          dword, engine, engine + 1, entry, first, first + size, kNbio79SdmaS2a[engine], s2a,
          s2a_enabled(s2a) ? "" : ", port disabled");
      return false;
    }
    return true;
  }
  const uint32_t s2a = nbio(kS2aEntry0 + 2);
  const uint32_t first = (s2a >> 7) & 0x3ffu, size = (s2a >> 17) & 0xffu;
  if (!s2a_enabled(s2a) || dword < first || dword >= first + size) {
    *why = fmt::format(
        "doorbell dword 0x{:x} is outside the NBIO SDMA doorbell range (S2A_DOORBELL_ENTRY_2_CTRL "
        "0x{:08x}: dwords [0x{:x}, 0x{:x}){})",
        dword, s2a, first, first + size, (s2a & 1u) != 0 ? "" : ", port disabled");
    return false;
  }
  return true;
}

bool SimQueueBlock::doorbell_routed(uint32_t slot) {
  std::lock_guard lock(mu_);
  if (!nbio_present_) return true;
  if ((nbio(kAperEn) & 1u) == 0) {
    last_doorbell_error_ = fmt::format(
        "doorbell slot {} dropped: the doorbell aperture is disabled "
        "(RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN.BIF_DOORBELL_APER_EN = 0)",
        slot);
    ++dropped_doorbells_;
    return false;
  }
  const uint64_t byte = uint64_t{slot} * 8;
  if (byte >= mec_doorbell_lower_ && byte <= mec_doorbell_upper_ && mec_doorbell_upper_ != 0) {
    return true;
  }
  const uint32_t engines = static_cast<uint32_t>(sdma_.size() / 2);
  std::string why;
  for (uint32_t e = 0; e < engines; ++e) {
    if (sdma_routed(e, slot * 2, &why)) return true;
  }
  last_doorbell_error_ = fmt::format(
      "doorbell slot {} (dword 0x{:x}) dropped: outside CP_MEC_DOORBELL_RANGE [0x{:x}, 0x{:x}] and "
      "every routed NBIO SDMA doorbell range",
      slot, slot * 2, mec_doorbell_lower_, mec_doorbell_upper_);
  ++dropped_doorbells_;
  return false;
}

uint64_t SimQueueBlock::dropped_doorbells() const {
  std::lock_guard lock(mu_);
  return dropped_doorbells_;
}

std::string SimQueueBlock::last_doorbell_error() const {
  std::lock_guard lock(mu_);
  return last_doorbell_error_;
}

uint32_t SimQueueBlock::hqd_read(uint32_t reg) {
  Hqd& h = selected();
  if (reg == kHqdActive) return h.active ? 1u : 0u;
  if ((reg == kHqdPqRptr || reg == kHqdPqWptrLo || reg == kHqdPqWptrHi) && h.queue_id != ~0u) {
    auto snap = device_->queue_state(h.queue_id);
    if (snap.ok()) {
      if (reg == kHqdPqRptr) return static_cast<uint32_t>(snap->read_pointer);
      if (reg == kHqdPqWptrLo) return static_cast<uint32_t>(snap->write_pointer);
      return static_cast<uint32_t>(snap->write_pointer >> 32);
    }
  }
  auto it = h.regs.find(reg);
  return it == h.regs.end() ? 0 : it->second;
}

void SimQueueBlock::hqd_write(uint32_t reg, uint32_t value) {
  Hqd& h = selected();
  if (reg == kHqdActive) {
    if ((value & 1u) != 0 && !h.active) {
      hqd_start(h);
    } else if ((value & 1u) == 0) {
      hqd_stop(h);
    }
    return;
  }
  if (reg == kHqdDequeueRequest) {
    if (value != 0) hqd_stop(h);  // the dequeue completes at once
    return;
  }
  h.regs[reg] = value;
}

void SimQueueBlock::hqd_start(Hqd& h) {
  auto reg = [&](uint32_t r) {
    auto it = h.regs.find(r);
    return it == h.regs.end() ? 0u : it->second;
  };
  QueueDesc d;
  d.type = (reg(kHqdAqlControl) & 1u) != 0 ? QueueType::kAql : QueueType::kPm4;
  d.vmid = reg(kHqdVmid) & 0xfu;
  d.ring_address = join(reg(kHqdPqBase), reg(kHqdPqBaseHi)) << 8;
  d.ring_bytes = 4ull << ((reg(kHqdPqControl) & 0x3fu) + 1);
  d.rptr_address = join(reg(kHqdPqRptrReportAddr), reg(kHqdPqRptrReportAddrHi)) & ~0x3ull;
  d.wptr_address = join(reg(kHqdPqWptrPollAddr), reg(kHqdPqWptrPollAddrHi)) & ~0x3ull;
  const uint32_t db = reg(kHqdPqDoorbellControl);
  const uint32_t db_dword = (db >> 2) & 0x03ffffffu;
  d.doorbell_index = db_dword / 2;
  d.name = fmt::format("hqd.me{}.pipe{}.q{}", (grbm_gfx_cntl_ >> 2) & 3u, grbm_gfx_cntl_ & 3u,
                       (grbm_gfx_cntl_ >> 8) & 7u);
  last_error_.clear();
  if ((db & (1u << 30)) == 0) {
    last_error_ =
        fmt::format("{}: CP_HQD_PQ_DOORBELL_CONTROL 0x{:08x} has DOORBELL_EN clear", d.name, db);
    return;
  }
  const uint32_t byte = db_dword * 4;
  if (byte < mec_doorbell_lower_ || byte > mec_doorbell_upper_) {
    last_error_ = fmt::format(
        "{}: doorbell at byte 0x{:x} is outside the MEC doorbell range [0x{:x}, 0x{:x}] "
        "(CP_MEC_DOORBELL_RANGE_LOWER/UPPER)",
        d.name, byte, mec_doorbell_lower_, mec_doorbell_upper_);
    return;
  }
  h.active = true;
  if (ring_timeout_) return;  // "ring-timeout": active, but the queue never runs
  auto id = device_->create_queue(d);
  if (!id.ok()) {
    h.active = false;
    last_error_ = fmt::format("{}: {}", d.name, id.status().message());
    return;
  }
  h.queue_id = *id;
}

void SimQueueBlock::hqd_stop(Hqd& h) {
  if (h.queue_id != ~0u) (void)device_->destroy_queue(h.queue_id);
  h.queue_id = ~0u;
  h.active = false;
}

uint32_t SimQueueBlock::sdma_read(uint32_t ring, uint32_t reg) {
  SdmaRing& s = sdma_.at(ring);
  if ((reg == kRbRptr || reg == kRbRptrHi || reg == kRbWptr || reg == kRbWptrHi) &&
      s.queue_id != ~0u) {
    auto snap = device_->queue_state(s.queue_id);
    if (snap.ok()) {
      // SDMA pointers are byte offsets; the registers hold them in bytes as well (the kernel
      // shifts its dword counts by 2 when it writes them).
      const uint64_t v =
          (reg == kRbRptr || reg == kRbRptrHi) ? snap->read_pointer : snap->write_pointer;
      return (reg == kRbRptr || reg == kRbWptr) ? static_cast<uint32_t>(v)
                                                : static_cast<uint32_t>(v >> 32);
    }
  }
  auto it = s.regs.find(reg);
  return it == s.regs.end() ? 0 : it->second;
}

void SimQueueBlock::sdma_write(uint32_t ring, uint32_t reg, uint32_t value) {
  SdmaRing& s = sdma_.at(ring);
  s.regs[reg] = value;
  if (reg != kRbCntl) return;
  const bool enable = (value & 1u) != 0;
  if (!enable) {
    if (s.queue_id != ~0u) (void)device_->destroy_queue(s.queue_id);
    s.queue_id = ~0u;
    s.enabled = false;
    return;
  }
  if (s.enabled) return;
  auto reg_of = [&](uint32_t r) {
    auto it = s.regs.find(r);
    return it == s.regs.end() ? 0u : it->second;
  };
  QueueDesc d;
  d.type = QueueType::kSdma;
  d.engine = ring / 2;
  d.vmid = 0;
  d.ring_address = join(reg_of(kRbBase), reg_of(kRbBaseHi)) << 8;
  d.ring_bytes = 4ull << ((value >> 1) & 0x1fu);
  d.rptr_address = join(reg_of(kRbRptrAddrLo), reg_of(kRbRptrAddrHi)) & ~0x3ull;
  d.wptr_address = join(reg_of(kRbWptrPollAddrLo), reg_of(kRbWptrPollAddrHi)) & ~0x3ull;
  d.name = fmt::format("sdma{}.{}", ring / 2, ring % 2 == 0 ? "gfx" : "page");
  last_error_.clear();
  const uint32_t db = reg_of(kRbDoorbell);
  if ((db & (1u << 28)) == 0) {
    last_error_ = fmt::format("{}: SDMA_GFX_DOORBELL 0x{:08x} has ENABLE clear", d.name, db);
    return;
  }
  const uint32_t db_dword = (reg_of(kRbDoorbellOffset) >> 2) & 0x03ffffffu;
  d.doorbell_index = db_dword / 2;
  if (std::string why; !sdma_routed(ring / 2, db_dword, &why)) {
    last_error_ = fmt::format("{}: {}", d.name, why);
    return;
  }
  s.enabled = true;
  if (ring_timeout_) return;
  auto id = device_->create_queue(d);
  if (!id.ok()) {
    s.enabled = false;
    last_error_ = fmt::format("{}: {}", d.name, id.status().message());
    return;
  }
  s.queue_id = *id;
}

}  // namespace amdhal::sim::pci
