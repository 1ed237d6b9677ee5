// An SDMA engine's ring: packets decoded with the shared decoder (decode_sdma) for the device's
// SDMA generation and executed in order. Copies and fills walk page runs of the queue's GPUVM
// context (memmove per host-contiguous piece), so a peer device's memory mapped into this VMID is
// copied like any other.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "amdhal/packets/sdma.h"
#include "engine_factories.h"
#include "queue_engine.h"

namespace amdhal::sim {
namespace {

using packets::DecodedPacket;
using packets::SdmaOp;

uint64_t field(const DecodedPacket& p, std::string_view name) {
  return p.field(name).value_or(0);
}

/// Dwords decoded at first when looking for the next packet; doubled while the decoder reports
/// the packet truncated (WRITE_LINEAR, long NOPs).
constexpr uint64_t kFirstWindowDwords = 16;

class SdmaEngine final : public QueueEngine {
 public:
  SdmaEngine(Device& device, uint32_t id, const QueueDesc& desc)
      : QueueEngine(device, id, desc),
        variant_(device.family().sdma),
        name_(fmt::format("sdma{}", desc.engine)) {}
  ~SdmaEngine() override { stop(); }

 protected:
  std::string engine_name() const override { return name_; }
  Step execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) override;
  std::string describe_stall(uint64_t rptr) const override;

 private:
  /// Decodes the packet at rptr into *packet (raw dwords in *raw). kDone, kWait (not fully
  /// written yet) or kHung (fault, or a packet larger than the ring).
  Step fetch(uint64_t rptr, uint64_t wptr, std::vector<uint32_t>* raw, DecodedPacket* packet,
             bool report) const;
  Step run_packet(const DecodedPacket& p, const std::vector<uint32_t>& raw, uint64_t rptr);
  Step poll_regmem(const DecodedPacket& p, uint64_t rptr);
  Step atomic(const DecodedPacket& p, uint64_t rptr);
  Step copy_rect(const DecodedPacket& p, uint64_t rptr);

  std::string where(uint64_t rptr) const {
    return fmt::format("{} ring byte {:#x}", name_, rptr & (ring_units() - 1));
  }
  Step mem_fault(const VmFault& f, const DecodedPacket& p, uint64_t rptr) {
    return fault(f, fmt::format("{}: {}", where(rptr), packets::format_packet(p)));
  }
  Step unsupported(const DecodedPacket& p, uint64_t rptr, std::string_view what) {
    return hang(fmt::format("{} at {}: {}", what, where(rptr), packets::format_packet(p)));
  }

  const SdmaVariant variant_;
  const std::string name_;
  /// Registers a POLL_REGMEM register form names (a plain register file: nothing behind them).
  std::unordered_map<uint32_t, uint32_t> regs_;
  std::vector<uint32_t> raw_;
};

QueueEngine::Step SdmaEngine::fetch(uint64_t rptr, uint64_t wptr, std::vector<uint32_t>* raw,
                                    DecodedPacket* packet, bool report) const {
  auto* self = const_cast<SdmaEngine*>(this);  // hang()/fault() only when report
  const uint64_t available = (wptr - rptr) / 4;
  if (available == 0) return Step::kWait;  // less than a dword published
  const uint64_t ring_dwords = ring_units() / 4;
  uint64_t window = std::min(available, kFirstWindowDwords);
  for (;;) {
    raw->resize(window);
    VmFault f;
    if (!read_ring(rptr, window * 4, raw->data(), &f)) {
      return report ? self->fault(f, fmt::format("fetching {}", where(rptr))) : Step::kHung;
    }
    std::vector<DecodedPacket> decoded = packets::decode_sdma(variant_, *raw);
    if (decoded.empty()) return Step::kWait;
    DecodedPacket& first = decoded.front();
    const bool truncated = !first.ok() && first.name != "UNKNOWN";
    if (truncated) {
      if (window < available) {
        window = std::min(available, window * 2);
        continue;
      }
      if (available >= ring_dwords) {
        if (!report) return Step::kHung;
        return self->hang(fmt::format("{} at {} does not fit in the {}-byte ring", first.name,
                                      where(rptr), ring_units()));
      }
      return Step::kWait;  // the rest of the packet is not written yet
    }
    raw->resize(first.dwords);
    *packet = std::move(first);
    packet->offset = (rptr & (ring_units() - 1)) / 4;
    return Step::kDone;
  }
}

std::string SdmaEngine::describe_stall(uint64_t rptr) const {
  std::vector<uint32_t> raw;
  DecodedPacket p;
  if (fetch(rptr, rptr + ring_units(), &raw, &p, false) != Step::kDone) return where(rptr);
  return fmt::format("{}: {}", where(rptr), packets::format_packet(p));
}

QueueEngine::Step SdmaEngine::execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) {
  if (rptr % 4 != 0) {
    return hang(fmt::format("{}: read pointer {:#x} is not dword aligned", name_, rptr));
  }
  DecodedPacket p;
  const Step fetched = fetch(rptr, wptr, &raw_, &p, true);
  if (fetched == Step::kWait) {
    wait_interval_ = std::chrono::microseconds(0);
    return Step::kWait;
  }
  if (fetched != Step::kDone) return fetched;
  if (!p.ok()) {
    record_failed(p);
    return hang(fmt::format("invalid packet at {}: {}", where(rptr), packets::format_packet(p)));
  }
  const uint64_t bytes = raw_.size() * 4;
  const Step s = run_packet(p, raw_, rptr);
  if (s == Step::kHung) record_failed(std::move(p));
  if (s != Step::kDone) return s;
  record(std::move(p));
  *advance = bytes;
  return Step::kDone;
}

QueueEngine::Step SdmaEngine::run_packet(const DecodedPacket& p, const std::vector<uint32_t>& raw,
                                         uint64_t rptr) {
  VmFault f;
  switch (static_cast<SdmaOp>(p.opcode & 0xFFu)) {
    case SdmaOp::kNop:
      return Step::kDone;
    case SdmaOp::kCopy: {
      if (((p.opcode >> 8) & 0xFFu) == packets::kSdmaSubOpCopyLinearRect) return copy_rect(p, rptr);
      // COPY_LINEAR: count = bytes - 1.
      const uint64_t bytes = field(p, "count") + 1;
      if (!copy_gpu(field(p, "dst_addr"), field(p, "src_addr"), bytes, &f)) {
        return mem_fault(f, p, rptr);
      }
      return Step::kDone;
    }
    case SdmaOp::kConstFill: {
      // CONSTANT_FILL: elements of 1 << fill_size bytes taken from `data` (little-endian; the
      // 8-byte element is `data` zero-extended); count = bytes - 1.
      const uint64_t bytes = field(p, "count") + 1;
      const uint32_t data = static_cast<uint32_t>(field(p, "data"));
      const size_t element = size_t{1} << field(p, "fill_size");
      uint8_t pattern[8] = {};
      std::memcpy(pattern, &data, std::min<size_t>(element, 4));
      if (!fill_gpu(field(p, "dst_addr"), pattern, element, bytes, &f)) {
        return mem_fault(f, p, rptr);
      }
      return Step::kDone;
    }
    case SdmaOp::kWrite: {
      // WRITE_LINEAR: count = data dwords - 1; the data follow the 4 header dwords.
      const size_t n = raw.size() - 4;
      if (!store_dwords(field(p, "dst_addr"), raw.data() + 4, n, &f)) {
        return mem_fault(f, p, rptr);
      }
      return Step::kDone;
    }
    case SdmaOp::kFence:
      // Everything earlier is complete (in-order engine); the fence orders it before the write.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (!store32(field(p, "addr"), static_cast<uint32_t>(field(p, "data")), &f)) {
        return mem_fault(f, p, rptr);
      }
      return Step::kDone;
    case SdmaOp::kTrap:
      std::atomic_thread_fence(std::memory_order_seq_cst);
      interrupt(Interrupt::Source::kSdmaTrap, static_cast<uint32_t>(field(p, "int_context")));
      return Step::kDone;
    case SdmaOp::kTimestamp:
      if (!store64(field(p, "addr"), device_.gpu_clock(), &f)) return mem_fault(f, p, rptr);
      return Step::kDone;
    case SdmaOp::kPollRegmem:
      return poll_regmem(p, rptr);
    case SdmaOp::kAtomic:
      return atomic(p, rptr);
    default:
      return unsupported(p, rptr, "SDMA packet the simulator does not execute");
  }
}

QueueEngine::Step SdmaEngine::poll_regmem(const DecodedPacket& p, uint64_t rptr) {
  const uint64_t addr = field(p, "addr");
  uint32_t value = 0;
  if (field(p, "mem_poll") != 0) {
    VmFault f;
    if (!load32(addr, &value, &f)) return mem_fault(f, p, rptr);
  } else if (field(p, "hdp_flush") != 0) {
    // HDP flush request/done handshake: the simulator has no HDP cache; the flush is done.
    return Step::kDone;
  } else {
    // Register form: dw1 holds the register's byte offset (reg << 2).
    auto it = regs_.find(static_cast<uint32_t>(addr >> 2));
    value = it == regs_.end() ? 0 : it->second;
  }
  if (compare_function(static_cast<uint32_t>(field(p, "function")), value, field(p, "mask"),
                       field(p, "reference"))) {
    return Step::kDone;
  }
  // retry_count is not enforced (0xfff, "forever", is what the kernel and ROCr use); the
  // watchdog reports a poll that never succeeds. interval is taken loosely as microseconds.
  wait_interval_ = std::chrono::microseconds(field(p, "interval"));
  return Step::kWait;
}

QueueEngine::Step SdmaEngine::atomic(const DecodedPacket& p, uint64_t rptr) {
  const uint64_t op = field(p, "operation");
  if (op != packets::kSdmaAtomicAdd64 && op != packets::kSdmaAtomicSwap64) {
    return unsupported(p, rptr, fmt::format("SDMA ATOMIC operation {} not implemented", op));
  }
  const uint64_t addr = field(p, "addr");
  VmFault f;
  uint8_t* ptr = translate(addr, 8, Access::kWrite, &f);
  if (ptr == nullptr) return mem_fault(f, p, rptr);
  if (reinterpret_cast<uintptr_t>(ptr) % 8 != 0) {
    return unsupported(p, rptr, "64-bit SDMA ATOMIC on an address that is not 8-byte aligned");
  }
  std::atomic_ref<uint64_t> word(*reinterpret_cast<uint64_t*>(ptr));
  if (op == packets::kSdmaAtomicSwap64) {
    word.exchange(field(p, "src_data"));
  } else {
    word.fetch_add(field(p, "src_data"));
  }
  return Step::kDone;
}

QueueEngine::Step SdmaEngine::copy_rect(const DecodedPacket& p, uint64_t rptr) {
  // COPY_LINEAR_RECT (kernel: COPY_LINEAR_SUBWIN). Offsets, pitches and extents count elements
  // of 2^element bytes; pitches, slice pitches and extents are stored minus one (ROCr
  // amd_blit_sdma.cpp BuildCopyRectCommand). Element (x, y, z) of a side lives at
  //   addr + ((offset_z + z) * slice_pitch + (offset_y + y) * pitch + offset_x + x) * 2^element.
  const uint64_t element = field(p, "element");
  if (element > packets::kSdmaRectMaxElement) {
    return unsupported(p, rptr,
                       fmt::format("COPY_LINEAR_RECT element size 2^{} bytes is not one of 1 .. "
                                   "16 bytes",
                                   element));
  }
  const uint64_t esize = uint64_t{1} << element;
  const uint64_t rect_x = field(p, "rect_x") + 1;
  const uint64_t rect_y = field(p, "rect_y") + 1;
  const uint64_t rect_z = field(p, "rect_z") + 1;
  struct Side {
    const char* name;
    uint64_t addr, x, y, z, pitch, slice;
  };
  const auto side = [&](const char* name) {
    const std::string n(name);
    return Side{name,
                field(p, n + "_addr"),
                field(p, n + "_offset_x"),
                field(p, n + "_offset_y"),
                field(p, n + "_offset_z"),
                field(p, n + "_pitch") + 1,
                field(p, n + "_slice_pitch") + 1};
  };
  const Side src = side("src");
  const Side dst = side("dst");
  // The box must stay inside each side's rows and slices wherever the engine steps by a pitch
  // (the same limits ROCr checks before building the packet: offset_x + rect_x <= pitch and
  // offset_y + rect_y <= slice / pitch). A pitch is only used when more than row 0 is touched,
  // a slice pitch only when more than slice 0 is touched (ROCr writes 0 then).
  for (const Side& s : {src, dst}) {
    const uint64_t last_row = s.y + rect_y - 1;
    const uint64_t row_end = s.x + rect_x;  // elements
    if (last_row > 0 && row_end > s.pitch) {
      return unsupported(p, rptr,
                         fmt::format("COPY_LINEAR_RECT {} row of {} elements at offset_x {} "
                                     "does not fit in the {}-element pitch",
                                     s.name, rect_x, s.x, s.pitch));
    }
    const uint64_t slice_end = (last_row > 0 ? last_row * s.pitch : 0) + row_end;
    if (s.z + rect_z - 1 > 0 && slice_end > s.slice) {
      return unsupported(p, rptr,
                         fmt::format("COPY_LINEAR_RECT {} box of {} rows at offset_y {} (pitch {}) "
                                     "does not fit in the {}-element slice pitch",
                                     s.name, rect_y, s.y, s.pitch, s.slice));
    }
  }
  const uint64_t row_bytes = rect_x * esize;
  VmFault f;
  for (uint64_t z = 0; z < rect_z; ++z) {
    for (uint64_t y = 0; y < rect_y; ++y) {
      const auto at = [&](const Side& s) {
        return s.addr + ((s.z + z) * s.slice + (s.y + y) * s.pitch + s.x) * esize;
      };
      if (!copy_gpu(at(dst), at(src), row_bytes, &f)) return mem_fault(f, p, rptr);
    }
  }
  return Step::kDone;
}

}  // namespace

std::unique_ptr<QueueEngine> make_sdma_engine(Device& device, uint32_t id, const QueueDesc& desc) {
  return std::make_unique<SdmaEngine>(device, id, desc);
}

}  // namespace amdhal::sim
