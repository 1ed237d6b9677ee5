// The compute command processor (MEC) running a PM4 ring, and the PM4 packet processor it shares
// with the AQL engine (Pm4Core, engine_pm4.h). Packets are decoded with the shared decoder
// (decode_pm4) and executed in order.
#include "engine_pm4.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "amdhal/packets/pm4.h"
#include "engine_factories.h"

namespace amdhal::sim {

using packets::DecodedPacket;
using packets::Pm4Opcode;

namespace {

uint32_t header_type(uint32_t h) {
  return h >> 30;
}

uint64_t field(const DecodedPacket& p, std::string_view name) {
  return p.field(name).value_or(0);
}

/// Deepest IB nesting followed (the queue itself is level 0). The hardware has IB1 and IB2;
/// chained IBs (chain = 1) replace the current level instead of adding one.
constexpr size_t kMaxIbDepth = 4;

/// COMPUTE_PGM_RSRC2.USER_SGPR (bits 5:1): how many COMPUTE_USER_DATA registers the wave gets
/// (kernel gc_9_0_sh_mask.h COMPUTE_PGM_RSRC2__USER_SGPR_MASK 0x3E).
uint32_t rsrc2_user_sgprs(uint32_t rsrc2) {
  return (rsrc2 >> 1) & 0x1Fu;
}

}  // namespace

uint64_t pm4_packet_dwords_from_header(uint32_t h) {
  const uint32_t count = (h >> 16) & 0x3FFFu;
  const uint32_t opcode = (h >> 8) & 0xFFu;
  switch (header_type(h)) {
    case 3:
      if (opcode == static_cast<uint32_t>(Pm4Opcode::kNop) && count == 0x3FFF) return 1;
      return uint64_t{count} + 2;
    case 0:
      return uint64_t{count} + 2;
    default:
      return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Pm4Core: IB stack, register file, packet semantics

Pm4Core::Pm4Core(Device& device, uint32_t id, const QueueDesc& desc)
    : QueueEngine(device, id, desc), variant_(device.family().pm4) {}

std::string Pm4Core::where(uint64_t rptr) const {
  if (ibs_.empty()) return queue_where(rptr);
  const IbFrame& top = ibs_.back();
  return fmt::format("IB{} {:#x} dword {:#x} (from {})", ibs_.size(), top.base, top.pos,
                     queue_where(rptr));
}

QueueEngine::Step Pm4Core::mem_fault(const VmFault& f, const DecodedPacket& p, uint64_t rptr) {
  return fault(f, fmt::format("{}: {}", where(rptr), packets::format_packet(p)));
}

QueueEngine::Step Pm4Core::unsupported(const DecodedPacket& p, uint64_t rptr,
                                       std::string_view what) {
  return hang(fmt::format("{} at {}: {}", what, where(rptr), packets::format_packet(p)));
}

uint32_t Pm4Core::read_reg(uint32_t reg) const {
  if (reg >= packets::kPm4ShRegBase && reg < packets::kPm4ShRegEnd) {
    return sh_[reg - packets::kPm4ShRegBase];
  }
  auto it = regs_.find(reg);
  return it == regs_.end() ? 0 : it->second;
}

void Pm4Core::write_reg(uint32_t reg, uint32_t value) {
  if (reg >= packets::kPm4ShRegBase && reg < packets::kPm4ShRegEnd) {
    sh_[reg - packets::kPm4ShRegBase] = value;
  } else {
    regs_[reg] = value;
  }
}

QueueEngine::Step Pm4Core::fetch_ib(uint64_t rptr, std::vector<uint32_t>* raw,
                                    DecodedPacket* packet, bool report) const {
  auto* self = const_cast<Pm4Core*>(this);  // hang()/fault() only when `report`
  const IbFrame& top = ibs_.back();
  const uint64_t va = top.base + top.pos * 4;
  VmFault f;
  uint32_t header = 0;
  if (!load32(va, &header, &f)) {
    return report ? self->fault(f, fmt::format("fetching {}", where(rptr))) : Step::kHung;
  }
  const uint64_t dwords = pm4_packet_dwords_from_header(header);
  if (top.pos + dwords > top.size) {
    if (!report) return Step::kHung;
    return self->hang(
        fmt::format("packet at {} (header {:#010x}, {} dwords) runs past the end of "
                    "its {}-dword IB",
                    where(rptr), header, dwords, top.size));
  }
  raw->resize(dwords);
  if (!read_bytes(va, raw->data(), dwords * 4, &f)) {
    return report ? self->fault(f, fmt::format("fetching {}", where(rptr))) : Step::kHung;
  }
  std::vector<DecodedPacket> decoded = packets::decode_pm4(variant_, *raw);
  if (decoded.empty()) return report ? self->hang("empty PM4 decode") : Step::kHung;
  *packet = std::move(decoded.front());
  packet->offset = top.pos;
  return Step::kDone;
}

QueueEngine::Step Pm4Core::step_ib(uint64_t rptr) {
  if (ibs_.back().pos >= ibs_.back().size) {
    ibs_.pop_back();
    return ibs_.empty() ? Step::kDone : Step::kProgress;
  }
  DecodedPacket p;
  const Step fetched = fetch_ib(rptr, &ib_raw_, &p, true);
  if (fetched != Step::kDone) return fetched;
  if (!p.ok()) {
    const std::string reason =
        fmt::format("invalid packet at {}: {}", where(rptr), packets::format_packet(p));
    record_failed(std::move(p));
    return hang(reason);
  }
  const size_t depth = ibs_.size();
  const uint64_t dwords = ib_raw_.size();
  const bool is_ib =
      p.opcode == static_cast<uint32_t>(Pm4Opcode::kIndirectBuffer) && header_type(ib_raw_[0]) == 3;
  const Step s = run_packet(p, ib_raw_, rptr);
  if (s == Step::kHung) record_failed(std::move(p));
  if (s != Step::kDone) return s;
  record(std::move(p));
  // INDIRECT_BUFFER moved the frames itself (call: return position; chain: replacement).
  if (!is_ib) ibs_[depth - 1].pos += dwords;
  return Step::kProgress;
}

std::string Pm4Core::describe_ib_stall(uint64_t rptr) const {
  std::vector<uint32_t> raw;
  DecodedPacket p;
  if (ibs_.empty() || ibs_.back().pos >= ibs_.back().size ||
      fetch_ib(rptr, &raw, &p, false) != Step::kDone) {
    return where(rptr);
  }
  return fmt::format("{}: {}", where(rptr), packets::format_packet(p));
}

QueueEngine::Step Pm4Core::run_packet(const DecodedPacket& p, const std::vector<uint32_t>& raw,
                                      uint64_t rptr) {
  if (header_type(raw[0]) == 2) return Step::kDone;  // PACKET2 filler
  switch (static_cast<Pm4Opcode>(p.opcode)) {
    case Pm4Opcode::kNop:
      return Step::kDone;
    case Pm4Opcode::kIndirectBuffer:
      return indirect_buffer(p, rptr);
    case Pm4Opcode::kSetShReg:
      return set_sh_reg(p, raw, rptr);
    case Pm4Opcode::kDispatchDirect: {
      const uint32_t dims[3] = {static_cast<uint32_t>(field(p, "dim_x")),
                                static_cast<uint32_t>(field(p, "dim_y")),
                                static_cast<uint32_t>(field(p, "dim_z"))};
      return dispatch(p, dims, rptr);
    }
    case Pm4Opcode::kDispatchIndirect: {
      uint32_t dims[3] = {};
      VmFault f;
      if (!read_bytes(field(p, "address"), dims, sizeof(dims), &f)) return mem_fault(f, p, rptr);
      return dispatch(p, dims, rptr);
    }
    case Pm4Opcode::kAcquireMem:
    case Pm4Opcode::kEventWrite:
      // Caches are not modelled: host memory is coherent, so a fence is all either needs.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      return Step::kDone;
    case Pm4Opcode::kReleaseMem:
      return release_mem(p, rptr);
    case Pm4Opcode::kWaitRegMem:
      return wait_reg_mem(p, false, rptr);
    case Pm4Opcode::kWaitRegMem64:
      return wait_reg_mem(p, true, rptr);
    case Pm4Opcode::kWriteData:
      return write_data(p, raw, rptr);
    case Pm4Opcode::kCopyData:
      return copy_data(p, rptr);
    case Pm4Opcode::kDmaData:
      return dma_data(p, rptr);
  }
  return unsupported(p, rptr, "packet the simulator does not execute");
}

QueueEngine::Step Pm4Core::indirect_buffer(const DecodedPacket& p, uint64_t rptr) {
  const uint64_t base = field(p, "ib_base");
  const uint64_t size = field(p, "ib_size");
  const bool chain = field(p, "chain") != 0;
  if (field(p, "valid") == 0) return unsupported(p, rptr, "INDIRECT_BUFFER without VALID");
  if (chain && !ibs_.empty()) {
    // A chained IB replaces the current one: execution continues there and does not return.
    ibs_.back() = IbFrame{base, size, 0};
    return Step::kDone;
  }
  if (ibs_.size() >= kMaxIbDepth) {
    return unsupported(p, rptr, fmt::format("IB nesting deeper than {} levels", kMaxIbDepth));
  }
  if (!ibs_.empty()) ibs_.back().pos += p.dwords;  // return position: the packet after this one
  ibs_.push_back(IbFrame{base, size, 0});
  return Step::kDone;
}

QueueEngine::Step Pm4Core::set_sh_reg(const DecodedPacket& p, const std::vector<uint32_t>& raw,
                                      uint64_t rptr) {
  const uint32_t first = packets::kPm4ShRegBase + static_cast<uint32_t>(field(p, "reg_offset"));
  const size_t n = raw.size() - 2;
  if (first + n > packets::kPm4ShRegEnd) {
    return unsupported(p, rptr, "SET_SH_REG beyond the SH register range");
  }
  for (size_t i = 0; i < n; ++i) sh_[first - packets::kPm4ShRegBase + i] = raw[2 + i];
  return Step::kDone;
}

QueueEngine::Step Pm4Core::dispatch(const DecodedPacket& p, const uint32_t dims[3], uint64_t rptr) {
  std::shared_ptr<KernelExecutor> executor = device_.kernel_executor();
  if (!executor) {
    return hang(fmt::format("ISA interpreter not available for {} ({} at {})",
                            device_.family().name, p.name, where(rptr)));
  }
  auto reg = [&](uint32_t r) { return sh_[r - packets::kPm4ShRegBase]; };
  KernelExecutor::Dispatch d;
  d.vmid = desc_.vmid;
  const uint64_t pgm =
      (uint64_t{reg(packets::kRegComputePgmHi)} << 32) | reg(packets::kRegComputePgmLo);
  d.code_address = pgm << 8;
  d.pgm_rsrc1 = reg(packets::kRegComputePgmRsrc1);
  d.pgm_rsrc2 = reg(packets::kRegComputePgmRsrc2);
  // COMPUTE_PGM_RSRC2.LDS_SIZE (bits 23:15) in 512-byte granules: the LDS a PM4 launch allocates
  // (a driver programs it from the kernel's group segment size; AQL packets carry it instead).
  d.group_segment_bytes = ((d.pgm_rsrc2 >> 15) & 0x1FFu) * 512u;
  d.pgm_rsrc3 = reg(packets::pm4_compute_regs(variant_).pgm_rsrc3);
  for (int i = 0; i < 3; ++i) {
    // COMPUTE_NUM_THREAD_*: NUM_THREAD_FULL is bits 15:0.
    uint32_t wg = reg(packets::kRegComputeNumThreadX + i) & 0xFFFFu;
    if (wg == 0) wg = 1;
    d.workgroup[i] = wg;
    d.grid[i] = dims[i] * wg;
  }
  const uint32_t user =
      std::min<uint32_t>(rsrc2_user_sgprs(d.pgm_rsrc2), packets::kComputeUserDataRegs);
  for (uint32_t i = 0; i < user; ++i)
    d.user_sgprs.push_back(reg(packets::kRegComputeUserData0 + i));
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0) return Step::kDone;  // empty grid
  const Status st = executor->run(device_, d);
  if (!st.ok()) {
    return hang(fmt::format("kernel dispatch at {} failed: {}", where(rptr), st.to_string()));
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return Step::kDone;
}

QueueEngine::Step Pm4Core::release_mem(const DecodedPacket& p, uint64_t rptr) {
  // Every earlier packet has completed (the engine is in order and dispatches run to the end),
  // so the end-of-pipe event is now. The fence orders the work before the write.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint64_t address = field(p, "address");
  const uint64_t data = field(p, "data");
  VmFault f;
  switch (field(p, "data_sel")) {
    case packets::kPm4DataSelNone:
      break;
    case packets::kPm4DataSel32:
      if (!store32(address, static_cast<uint32_t>(data), &f)) return mem_fault(f, p, rptr);
      break;
    case packets::kPm4DataSel64:
      if (!store64(address, data, &f)) return mem_fault(f, p, rptr);
      break;
    case packets::kPm4DataSelTimestamp:
      if (!store64(address, device_.gpu_clock(), &f)) return mem_fault(f, p, rptr);
      break;
    default:
      return unsupported(p, rptr, "RELEASE_MEM data_sel the simulator does not implement");
  }
  // int_sel (kfd_pm4_headers_ai.h mec_release_mem_int_sel_enum): 0 none, 1 interrupt only,
  // 2 after write confirm, 3 send data only; 4-6 (ctxid / conditional) interrupt here too.
  const uint64_t int_sel = field(p, "int_sel");
  if (int_sel != packets::kPm4IntSelNone && int_sel != 3) {
    interrupt(Interrupt::Source::kEndOfPipe, static_cast<uint32_t>(field(p, "int_ctxid")));
  }
  return Step::kDone;
}

bool Pm4Core::load_value(uint64_t va, bool wide, uint64_t* out, VmFault* f) const {
  if (wide) return load64(va, out, f);
  uint32_t v32 = 0;
  if (!load32(va, &v32, f)) return false;
  *out = v32;
  return true;
}

uint64_t Pm4Core::read_reg_value(uint32_t reg, bool wide) const {
  const uint32_t r = reg & 0x3FFFFu;
  uint64_t value = read_reg(r);
  if (wide) value |= uint64_t{read_reg(r + 1)} << 32;
  return value;
}

QueueEngine::Step Pm4Core::wait_reg_mem(const DecodedPacket& p, bool wide, uint64_t rptr) {
  const uint32_t function = static_cast<uint32_t>(field(p, "function"));
  const uint64_t addr = field(p, "poll_addr");
  const uint64_t reference = field(p, "reference");
  const uint64_t mask = field(p, "mask");
  uint64_t value = 0;
  VmFault f;
  switch (field(p, "mem_space")) {
    case packets::kPm4SpaceMemory:
      if (!load_value(addr, wide, &value, &f)) return mem_fault(f, p, rptr);
      break;
    case packets::kPm4SpaceRegister:
      value = read_reg_value(static_cast<uint32_t>(addr), wide);
      break;
    default:
      return unsupported(p, rptr, "WAIT_REG_MEM mem_space the simulator does not implement");
  }
  if (compare_function(function, value, mask, reference)) return Step::kDone;
  // POLL_INTERVAL is in clocks on the hardware; here it is taken loosely as microseconds.
  wait_interval_ = std::chrono::microseconds(field(p, "poll_interval"));
  return Step::kWait;
}

QueueEngine::Step Pm4Core::write_data(const DecodedPacket& p, const std::vector<uint32_t>& raw,
                                      uint64_t rptr) {
  const uint64_t dst = field(p, "dst_addr");
  const bool same_address = field(p, "addr_incr") != 0;
  const uint32_t* data = raw.data() + 4;
  const size_t n = raw.size() - 4;
  VmFault f;
  switch (field(p, "dst_sel")) {
    case packets::kPm4SelRegister:
      for (size_t i = 0; i < n; ++i) {
        write_reg(static_cast<uint32_t>((dst & 0x3FFFFu) + (same_address ? 0 : i)), data[i]);
      }
      return Step::kDone;
    case 1:  // memory, synchronous
    case 2:  // TC L2
    case packets::kPm4SelMemory:
      if (same_address) {
        for (size_t i = 0; i < n; ++i) {
          if (!store32(dst, data[i], &f)) return mem_fault(f, p, rptr);
        }
      } else if (!store_dwords(dst, data, n, &f)) {
        return mem_fault(f, p, rptr);
      }
      return Step::kDone;
    default:
      return unsupported(p, rptr, "WRITE_DATA dst_sel the simulator does not implement");
  }
}

QueueEngine::Step Pm4Core::copy_data(const DecodedPacket& p, uint64_t rptr) {
  const bool wide = field(p, "count_sel") != 0;
  const uint64_t src = field(p, "src_addr");
  const uint64_t dst = field(p, "dst_addr");
  uint64_t value = 0;
  VmFault f;
  switch (field(p, "src_sel")) {
    case packets::kPm4SelRegister:
      value = read_reg_value(static_cast<uint32_t>(src), wide);
      break;
    case packets::kPm4CopySrcMemory:
    case 2:  // TC L2
      if (!load_value(src, wide, &value, &f)) return mem_fault(f, p, rptr);
      break;
    case packets::kPm4CopySrcImmediate:
      value = wide ? src : (src & 0xFFFFFFFFu);
      break;
    case packets::kPm4CopySrcGpuClock:
      value = device_.gpu_clock();
      if (!wide) value &= 0xFFFFFFFFu;
      break;
    default:
      return unsupported(p, rptr, "COPY_DATA src_sel the simulator does not implement");
  }
  switch (field(p, "dst_sel")) {
    case packets::kPm4SelRegister:
      write_reg(static_cast<uint32_t>(dst & 0x3FFFFu), static_cast<uint32_t>(value));
      if (wide)
        write_reg(static_cast<uint32_t>(dst & 0x3FFFFu) + 1, static_cast<uint32_t>(value >> 32));
      return Step::kDone;
    case 2:  // TC L2
    case packets::kPm4SelMemory:
      if (wide ? !store64(dst, value, &f) : !store32(dst, static_cast<uint32_t>(value), &f)) {
        return mem_fault(f, p, rptr);
      }
      return Step::kDone;
    default:
      return unsupported(p, rptr, "COPY_DATA dst_sel the simulator does not implement");
  }
}

QueueEngine::Step Pm4Core::dma_data(const DecodedPacket& p, uint64_t rptr) {
  // The CP's DMA runs synchronously here, so cp_sync and raw_wait are implied.
  if (field(p, "sas") != 0 || field(p, "das") != 0 || field(p, "saic") != 0 ||
      field(p, "daic") != 0) {
    return unsupported(p, rptr, "DMA_DATA register / non-incrementing form not implemented");
  }
  const uint64_t dst_sel = field(p, "dst_sel");
  if (dst_sel != packets::kPm4DmaSelAddress && dst_sel != packets::kPm4DmaSelL2) {
    return unsupported(p, rptr, "DMA_DATA dst_sel the simulator does not implement");
  }
  const uint64_t src = field(p, "src_addr");
  const uint64_t dst = field(p, "dst_addr");
  const uint64_t bytes = field(p, "byte_count");
  VmFault f;
  switch (field(p, "src_sel")) {
    case packets::kPm4DmaSelAddress:
    case packets::kPm4DmaSelL2:
      if (!copy_gpu(dst, src, bytes, &f)) return mem_fault(f, p, rptr);
      return Step::kDone;
    case packets::kPm4DmaSelData: {
      const uint32_t data = static_cast<uint32_t>(src);
      uint8_t pattern[4];
      std::memcpy(pattern, &data, 4);
      if (!fill_gpu(dst, pattern, 4, bytes, &f)) return mem_fault(f, p, rptr);
      return Step::kDone;
    }
    default:
      return unsupported(p, rptr, "DMA_DATA src_sel the simulator does not implement");
  }
}

// ---------------------------------------------------------------------------------------------
// The PM4 ring engine

namespace {

class Pm4Engine final : public Pm4Core {
 public:
  Pm4Engine(Device& device, uint32_t id, const QueueDesc& desc) : Pm4Core(device, id, desc) {}
  ~Pm4Engine() override { stop(); }

 protected:
  std::string engine_name() const override { return "cp"; }
  std::string queue_where(uint64_t rptr) const override {
    return fmt::format("ring dword {:#x}", rptr & (ring_units() - 1));
  }
  void on_reset() override {
    clear_ibs();
    ring_ib_dwords_ = 0;
  }
  Step execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) override;
  std::string describe_stall(uint64_t rptr) const override;

 private:
  /// Reads and decodes the ring packet at rptr. kDone; kWait when only part of it is published;
  /// kHung (fault, or larger than the ring) when `report`.
  Step fetch(uint64_t rptr, uint64_t wptr, std::vector<uint32_t>* raw, DecodedPacket* packet,
             bool report) const;

  uint64_t ring_ib_dwords_ = 0;  // size of the ring's INDIRECT_BUFFER packet being executed
  std::vector<uint32_t> raw_;
};

QueueEngine::Step Pm4Engine::fetch(uint64_t rptr, uint64_t wptr, std::vector<uint32_t>* raw,
                                   DecodedPacket* packet, bool report) const {
  auto* self = const_cast<Pm4Engine*>(this);  // hang()/fault() only when `report`
  VmFault f;
  uint32_t header = 0;
  if (!read_ring(rptr, 1, &header, &f)) {
    return report ? self->fault(f, fmt::format("fetching {}", where(rptr))) : Step::kHung;
  }
  const uint64_t dwords = pm4_packet_dwords_from_header(header);
  if (dwords > ring_units()) {
    if (!report) return Step::kHung;
    return self->hang(
        fmt::format("packet at {} (header {:#010x}) is {} dwords, larger than the "
                    "{}-dword ring",
                    where(rptr), header, dwords, ring_units()));
  }
  if (wptr - rptr < dwords) return Step::kWait;  // only part of the packet is published
  raw->resize(dwords);
  if (!read_ring(rptr, dwords, raw->data(), &f)) {
    return report ? self->fault(f, fmt::format("fetching {}", where(rptr))) : Step::kHung;
  }
  std::vector<DecodedPacket> decoded = packets::decode_pm4(variant_, *raw);
  if (decoded.empty()) return report ? self->hang("empty PM4 decode") : Step::kHung;
  *packet = std::move(decoded.front());
  packet->offset = rptr & (ring_units() - 1);
  return Step::kDone;
}

std::string Pm4Engine::describe_stall(uint64_t rptr) const {
  if (in_ib()) return describe_ib_stall(rptr);
  std::vector<uint32_t> raw;
  DecodedPacket p;
  if (fetch(rptr, rptr + ring_units(), &raw, &p, false) != Step::kDone) return where(rptr);
  return fmt::format("{}: {}", where(rptr), packets::format_packet(p));
}

QueueEngine::Step Pm4Engine::execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) {
  if (in_ib()) {
    const Step s = step_ib(rptr);
    if (s != Step::kDone) return s;
    *advance = ring_ib_dwords_;  // the ring's INDIRECT_BUFFER is finished
    ring_ib_dwords_ = 0;
    return Step::kDone;
  }
  DecodedPacket p;
  const Step fetched = fetch(rptr, wptr, &raw_, &p, true);
  if (fetched == Step::kWait) {
    wait_interval_ = std::chrono::microseconds(0);
    return Step::kWait;
  }
  if (fetched != Step::kDone) return fetched;
  if (!p.ok()) {
    const std::string reason =
        fmt::format("invalid packet at {}: {}", where(rptr), packets::format_packet(p));
    record_failed(std::move(p));
    return hang(reason);
  }
  const uint64_t dwords = raw_.size();
  const Step s = run_packet(p, raw_, rptr);
  if (s == Step::kHung) record_failed(std::move(p));
  if (s != Step::kDone) return s;
  record(std::move(p));
  if (in_ib()) {
    ring_ib_dwords_ = dwords;  // rptr stays on the INDIRECT_BUFFER until its IB finishes
    return Step::kProgress;
  }
  *advance = dwords;
  return Step::kDone;
}

}  // namespace

std::unique_ptr<QueueEngine> make_pm4_engine(Device& device, uint32_t id, const QueueDesc& desc) {
  return std::make_unique<Pm4Engine>(device, id, desc);
}

}  // namespace amdhal::sim
