// The compute command processor in AQL mode: 64-byte HSA packets (ROCR hsa.h layouts, read
// through the packet layer's ABI structs), pointers in packets (dispatch ids). A slot whose
// header type is INVALID has not been published yet; after a packet completes the engine sets
// its type back to INVALID, as the packet processor does. AMD's vendor PM4-IB packet runs a PM4
// indirect buffer with the PM4 processor shared with the compute ring engine (Pm4Core).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "amdhal/packets/aql.h"
#include "engine_factories.h"
#include "engine_pm4.h"

namespace amdhal::sim {
namespace {

using packets::AqlPacketType;
using packets::DecodedPacket;

/// amd_signal_t (ROCR amd_hsa_signal.h): kind @0, value @8, event_mailbox_ptr @16, event_id @24.
constexpr uint64_t kSignalValueOffset = 8;
constexpr uint64_t kSignalMailboxOffset = 16;
constexpr uint64_t kSignalEventIdOffset = 24;
/// amd_signal_t start_ts @32, end_ts @40: the packet's GPU timestamps, written by the packet
/// processor when the queue profiles.
constexpr uint64_t kSignalStartTsOffset = 32;
constexpr uint64_t kSignalEndTsOffset = 40;
/// amd_queue_t (ROCR amd_hsa_queue.h): CREATE_QUEUE's read pointer is &read_dispatch_id (offset
/// 128); queue_properties is at 180, AMD_QUEUE_PROPERTIES_ENABLE_PROFILING is bit 3.
constexpr uint64_t kAmdQueueReadIdOffset = 128;
constexpr uint64_t kAmdQueuePropertiesOffset = 180;
constexpr uint32_t kAmdQueueEnableProfiling = 1u << 3;
/// amd_queue_t.queue_inactive_signal (offset 192): where the CP reports a fatal queue error. The
/// codes are those ROCr's queue error handler decodes (ROCr amd_aql_queue.cpp,
/// DynamicScratchHandler): 0x40000000 illegal instruction, 0x80000000 any other fatal stop.
constexpr uint64_t kAmdQueueInactiveSignalOffset = 192;
constexpr uint64_t kQueueErrorIllegalInstruction = 0x40000000;
constexpr uint64_t kQueueErrorFatal = 0x80000000;

/// Kernel descriptor (LLVM AMDGPUUsage "Kernel Descriptor", code object v3+):
/// kernel_code_entry_byte_offset i64 @16, compute_pgm_rsrc3 @44, rsrc1 @48, rsrc2 @52.
constexpr uint64_t kKdEntryOffset = 16;
constexpr uint64_t kKdRsrc3 = 44;
constexpr uint64_t kKdRsrc1 = 48;
constexpr uint64_t kKdRsrc2 = 52;
constexpr uint64_t kKernelDescriptorBytes = 64;

class AqlEngine final : public Pm4Core {
 public:
  AqlEngine(Device& device, uint32_t id, const QueueDesc& desc) : Pm4Core(device, id, desc) {}
  ~AqlEngine() override { stop(); }

 protected:
  std::string engine_name() const override { return "aql"; }
  /// The doorbell holds the id of the last packet written (ROCr stores the packet index with
  /// AQL doorbell semantics), so the queue runs up to and including it. A doorbell still at 0 is
  /// "nothing written" until the doorbell has been rung once.
  uint64_t wptr_from_doorbell(uint64_t value, bool rung) const override {
    return (rung || value != 0) ? value + 1 : 0;
  }
  Step execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) override;
  std::string describe_stall(uint64_t rptr) const override;
  std::string queue_where(uint64_t rptr) const override {
    return fmt::format("slot {} (dispatch id {})", rptr & (ring_units() - 1), rptr);
  }
  void on_reset() override { clear_ibs(); }

 private:
  uint64_t slot_address(uint64_t rptr) const {
    return desc_.ring_address + (rptr & (ring_units() - 1)) * packets::kAqlPacketBytes;
  }
  Step kernel_dispatch(const packets::AqlKernelDispatchPacket& k, const DecodedPacket& d,
                       uint64_t rptr);
  /// kDone when the barrier's condition holds, kWait otherwise.
  Step barrier(const packets::AqlBarrierPacket& b, bool all, const DecodedPacket& d, uint64_t rptr);
  /// Decrements the completion signal and notifies its event mailbox.
  Step complete(uint64_t signal, const DecodedPacket& d, uint64_t rptr);
  /// Whether the queue's amd_queue_t asks for packet timestamps in completion signals.
  bool profiling();
  /// Reports a fatal error of the queue (a dispatch a wave stopped for good) through its
  /// queue_inactive_signal: the code, the signal's event mailbox, and the event's interrupt.
  void signal_queue_error(uint64_t code);
  /// The queue's amd_queue_t (found from the read pointer at the first packet), 0 if it has none.
  uint64_t amd_queue_address();
  std::optional<uint64_t> amd_queue_;  ///< amd_queue_address(), once looked up
  uint64_t started_rptr_ = ~0ull;      ///< packet whose start time started_clock_ is
  uint64_t started_clock_ = 0;
  /// Logs the packet as not executed when `s` is kHung; returns `s`.
  Step hung_with(Step s, const DecodedPacket& d) {
    if (s == Step::kHung) record_failed(d);
    return s;
  }
  /// Runs (or continues) the PM4 IB of a vendor PM4-IB packet. kDone when it has finished.
  Step pm4_ib(const packets::AqlPm4IbPacket& v, const DecodedPacket& d, uint64_t rptr);
};

QueueEngine::Step AqlEngine::execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) {
  const uint64_t va = slot_address(rptr);
  VmFault f;
  uint8_t* slot = translate(va, packets::kAqlPacketBytes, Access::kRead, &f);
  if (slot == nullptr) return fault(f, fmt::format("fetching AQL {}", queue_where(rptr)));
  // The producer stores the header last with release semantics: acquire it, then read the rest.
  const uint16_t header =
      std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(slot)).load(std::memory_order_acquire);
  const auto type = static_cast<AqlPacketType>(header & 0xFFu);
  if (type == AqlPacketType::kInvalid) return Step::kIdle;

  alignas(8) uint8_t bytes[packets::kAqlPacketBytes];
  std::memcpy(bytes, slot, sizeof(bytes));
  std::memcpy(bytes, &header, sizeof(header));
  uint32_t dwords[packets::kAqlPacketDwords];
  std::memcpy(dwords, bytes, sizeof(dwords));
  std::vector<DecodedPacket> decoded = packets::decode_aql(dwords);
  DecodedPacket d = decoded.empty() ? DecodedPacket{} : std::move(decoded.front());
  d.offset = (rptr & (ring_units() - 1)) * packets::kAqlPacketDwords;
  if (decoded.empty() || !d.ok()) {
    record_failed(d);
    return hang(
        fmt::format("invalid AQL packet at {}: {}", where(rptr), packets::format_packet(d)));
  }

  // Acquire fence: everything the producer did before publishing is visible (host memory is
  // coherent; the fence only orders this thread's accesses).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (started_rptr_ != rptr) {  // first visit of this packet (barriers and PM4_IB come back)
    started_rptr_ = rptr;
    started_clock_ = device_.gpu_clock();
  }
  uint64_t completion_signal = 0;
  switch (type) {
    case AqlPacketType::kKernelDispatch: {
      packets::AqlKernelDispatchPacket k;
      std::memcpy(&k, bytes, sizeof(k));
      const Step s = kernel_dispatch(k, d, rptr);
      if (s != Step::kDone) return hung_with(s, d);
      completion_signal = k.completion_signal;
      break;
    }
    case AqlPacketType::kBarrierAnd:
    case AqlPacketType::kBarrierOr: {
      packets::AqlBarrierPacket b;
      std::memcpy(&b, bytes, sizeof(b));
      const Step s = barrier(b, type == AqlPacketType::kBarrierAnd, d, rptr);
      if (s != Step::kDone) return hung_with(s, d);
      completion_signal = b.completion_signal;
      break;
    }
    case AqlPacketType::kVendorSpecific:
      if (d.name == "PM4_IB") {
        packets::AqlPm4IbPacket v;
        std::memcpy(&v, bytes, sizeof(v));
        const Step s = pm4_ib(v, d, rptr);
        if (s != Step::kDone) return hung_with(s, d);
        completion_signal = v.completion_signal;
        break;
      }
      [[fallthrough]];
    default:
      record_failed(d);
      return hang(fmt::format("AQL packet type the simulator does not execute at {}: {}",
                              where(rptr), packets::format_packet(d)));
  }
  // Release fence, then the completion signal: the work happens-before the decrement.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (completion_signal != 0) {
    const Step s = complete(completion_signal, d, rptr);
    if (s != Step::kDone) return hung_with(s, d);
  }
  // Free the slot: header type := INVALID (the other header bits are kept).
  uint8_t* w = translate(va, 2, Access::kWrite, &f);
  if (w == nullptr) return mem_fault(f, d, rptr);
  const uint16_t invalid =
      static_cast<uint16_t>((header & ~0xFFu) | static_cast<uint16_t>(AqlPacketType::kInvalid));
  std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(w))
      .store(invalid, std::memory_order_release);
  record(std::move(d));
  *advance = 1;
  return Step::kDone;
}

QueueEngine::Step AqlEngine::pm4_ib(const packets::AqlPm4IbPacket& v, const DecodedPacket& d,
                                    uint64_t rptr) {
  if (!in_ib()) {
    // First visit: the packet's 4-dword PM4 command must be an INDIRECT_BUFFER; start it.
    const std::vector<uint32_t> command(std::begin(v.pm4_ib_command), std::end(v.pm4_ib_command));
    std::vector<DecodedPacket> decoded = packets::decode_pm4(variant_, command);
    if (decoded.empty() || !decoded.front().ok() ||
        decoded.front().opcode != static_cast<uint32_t>(packets::Pm4Opcode::kIndirectBuffer) ||
        decoded.front().dwords != command.size()) {
      return hang(fmt::format("PM4_IB packet at {} does not hold a PM4 INDIRECT_BUFFER: {}",
                              where(rptr),
                              decoded.empty() ? std::string("(nothing decoded)")
                                              : packets::format_packet(decoded.front())));
    }
    const Step s = run_packet(decoded.front(), command, rptr);
    if (s != Step::kDone) return s;
    record(std::move(decoded.front()));
  }
  const Step s = step_ib(rptr);
  return s;
}

QueueEngine::Step AqlEngine::kernel_dispatch(const packets::AqlKernelDispatchPacket& k,
                                             const DecodedPacket& d, uint64_t rptr) {
  std::shared_ptr<KernelExecutor> executor = device_.kernel_executor();
  if (!executor) {
    return hang(fmt::format("ISA interpreter not available for {} (KERNEL_DISPATCH at {})",
                            device_.family().name, where(rptr)));
  }
  uint8_t kd[kKernelDescriptorBytes];
  VmFault f;
  if (!read_bytes(k.kernel_object, kd, sizeof(kd), &f)) return mem_fault(f, d, rptr);
  auto u32 = [&](uint64_t off) {
    uint32_t v;
    std::memcpy(&v, kd + off, 4);
    return v;
  };
  int64_t entry = 0;
  std::memcpy(&entry, kd + kKdEntryOffset, 8);
  KernelExecutor::Dispatch x;
  x.vmid = desc_.vmid;
  x.kernel_descriptor_address = k.kernel_object;
  x.kernarg_address = k.kernarg_address;
  x.dispatch_packet_address = slot_address(rptr);
  // AMDGPUUsage "Initial Kernel Execution State": the queue ptr SGPRs hold the amd_queue_t
  // address, the dispatch id SGPRs the packet's 64-bit index in the queue.
  x.queue_address = amd_queue_address();
  x.dispatch_id = rptr;
  x.grid[0] = k.grid_size_x;
  x.grid[1] = k.grid_size_y;
  x.grid[2] = k.grid_size_z;
  x.workgroup[0] = std::max<uint32_t>(k.workgroup_size_x, 1);
  x.workgroup[1] = std::max<uint32_t>(k.workgroup_size_y, 1);
  x.workgroup[2] = std::max<uint32_t>(k.workgroup_size_z, 1);
  x.group_segment_bytes = k.group_segment_size;
  x.private_segment_bytes = k.private_segment_size;
  x.pgm_rsrc1 = u32(kKdRsrc1);
  x.pgm_rsrc2 = u32(kKdRsrc2);
  x.pgm_rsrc3 = u32(kKdRsrc3);
  x.code_address = k.kernel_object + static_cast<uint64_t>(entry);
  const Status st = executor->run(device_, x);
  if (!st.ok()) {
    // A VM fault reaches the runtime through the fault interrupt (KFD's memory event); any other
    // stop of the dispatch is a queue error.
    if (st.message().find("VM fault") == std::string::npos) {
      signal_queue_error(st.message().find("illegal instruction") != std::string::npos
                             ? kQueueErrorIllegalInstruction
                             : kQueueErrorFatal);
    }
    return hang(fmt::format("kernel dispatch at {} failed: {}", where(rptr), st.to_string()));
  }
  return Step::kDone;
}

void AqlEngine::signal_queue_error(uint64_t code) {
  const uint64_t queue = amd_queue_address();
  if (queue == 0) return;  // not a runtime-style queue: nobody to tell
  VmFault f;
  uint64_t handle = 0;  // the signal's amd_signal_t address
  if (!load64(queue + kAmdQueueInactiveSignalOffset, &handle, &f) || handle == 0) return;
  if (!store64(handle + kSignalValueOffset, code, &f)) return;
  uint64_t mailbox = 0;
  uint32_t event_id = 0;
  if (!load64(handle + kSignalMailboxOffset, &mailbox, &f) || mailbox == 0 ||
      !load32(handle + kSignalEventIdOffset, &event_id, &f) || event_id == 0) {
    return;
  }
  if (store64(mailbox, event_id, &f)) interrupt(Interrupt::Source::kAqlSignal, event_id);
}

QueueEngine::Step AqlEngine::barrier(const packets::AqlBarrierPacket& b, bool all,
                                     const DecodedPacket& d, uint64_t rptr) {
  bool any_used = false;
  bool any_zero = false;
  bool all_zero = true;
  for (uint64_t handle : b.dep_signal) {
    if (handle == 0) continue;
    any_used = true;
    uint64_t value = 0;
    VmFault f;
    if (!load64(handle + kSignalValueOffset, &value, &f)) return mem_fault(f, d, rptr);
    if (value == 0) {
      any_zero = true;
    } else {
      all_zero = false;
    }
  }
  // BARRIER_AND: every dependency at 0. BARRIER_OR: any one at 0 (none listed: nothing to wait
  // for).
  const bool satisfied = all ? all_zero : (!any_used || any_zero);
  if (satisfied) return Step::kDone;
  wait_interval_ = std::chrono::microseconds(0);
  return Step::kWait;
}

uint64_t AqlEngine::amd_queue_address() {
  // The packet processor finds amd_queue_t from read_dispatch_id minus
  // read_dispatch_id_field_base_byte_offset (the u32 right after read_dispatch_id, 128 in the
  // runtime's layout, written before the queue is created); a queue whose read pointer is not in
  // such a block has none. Looked up once, by the engine thread.
  if (amd_queue_) return *amd_queue_;
  uint32_t base_offset = 0;
  VmFault f;
  amd_queue_ = desc_.rptr_address >= kAmdQueueReadIdOffset &&
                       load32(desc_.rptr_address + 8, &base_offset, &f) &&
                       base_offset == kAmdQueueReadIdOffset
                   ? desc_.rptr_address - kAmdQueueReadIdOffset
                   : 0;
  return *amd_queue_;
}

bool AqlEngine::profiling() {
  const uint64_t queue = amd_queue_address();
  if (queue == 0) return false;
  uint32_t properties = 0;
  VmFault f;
  if (!load32(queue + kAmdQueuePropertiesOffset, &properties, &f)) return false;
  return (properties & kAmdQueueEnableProfiling) != 0;
}

QueueEngine::Step AqlEngine::complete(uint64_t signal, const DecodedPacket& d, uint64_t rptr) {
  VmFault f;
  if (profiling()) {
    // Time stamps before the value: a waiter that sees the decrement reads them.
    if (!store64(signal + kSignalStartTsOffset, started_clock_, &f) ||
        !store64(signal + kSignalEndTsOffset, device_.gpu_clock(), &f)) {
      return mem_fault(f, d, rptr);
    }
  }
  uint8_t* value = translate(signal + kSignalValueOffset, 8, Access::kWrite, &f);
  if (value == nullptr) return mem_fault(f, d, rptr);
  if (reinterpret_cast<uintptr_t>(value) % 8 != 0) {
    return hang(
        fmt::format("completion signal {:#x} is not 8-byte aligned at {}", signal, where(rptr)));
  }
  std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(value)).fetch_sub(1);
  uint64_t mailbox = 0;
  if (!load64(signal + kSignalMailboxOffset, &mailbox, &f)) return mem_fault(f, d, rptr);
  if (mailbox != 0) {
    uint32_t event_id = 0;
    if (!load32(signal + kSignalEventIdOffset, &event_id, &f)) return mem_fault(f, d, rptr);
    // KFD's event page slots are 64-bit; the event id is written zero-extended.
    if (!store64(mailbox, event_id, &f)) return mem_fault(f, d, rptr);
    interrupt(Interrupt::Source::kAqlSignal, event_id);
  }
  return Step::kDone;
}

std::string AqlEngine::describe_stall(uint64_t rptr) const {
  if (in_ib()) return describe_ib_stall(rptr);
  uint32_t dwords[packets::kAqlPacketDwords];
  VmFault f;
  if (!read_bytes(slot_address(rptr), dwords, sizeof(dwords), &f)) return where(rptr);
  std::vector<DecodedPacket> decoded = packets::decode_aql(dwords);
  if (decoded.empty()) return where(rptr);
  decoded.front().offset = (rptr & (ring_units() - 1)) * packets::kAqlPacketDwords;
  return fmt::format("{}: {}", where(rptr), packets::format_packet(decoded.front()));
}

}  // namespace

std::unique_ptr<QueueEngine> make_aql_engine(Device& device, uint32_t id, const QueueDesc& desc) {
  return std::make_unique<AqlEngine>(device, id, desc);
}

}  // namespace amdhal::sim
