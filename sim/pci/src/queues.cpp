// Queue registers of the simulated PCI function (layouts and sources: queues.h).
#include "queues.h"

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

}  // namespace

SimQueueBlock::SimQueueBlock(Device& device, const std::vector<SimIpBlock>& blocks,
                             bool ring_timeout)
    : device_(&device), ring_timeout_(ring_timeout) {
  const bool gfx11 = device.family().pm4 == Pm4Variant::kGfx11;
  const bool gfx9 = device.family().pm4 == Pm4Variant::kGfx9;
  const SimIpBlock* gc = nullptr;
  for (const auto& b : blocks) {
    if (b.hw_id == kHwIdGc && b.instance == 0) gc = &b;
  }
  if (gc == nullptr || gc->bases.size() < 2 || (!gfx9 && !gfx11)) return;
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
  }
  return 0;
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
  }
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
  d.doorbell_index = ((reg_of(kRbDoorbellOffset) >> 2) & 0x03ffffffu) / 2;
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
