// The dispatch layer: CommandBuffer verbs → PM4, SDMA or AQL packets with the shared builders.
//
// Per queue kind:
//   PM4 compute  copy/fill: CP DMA_DATA; dispatch: SET_SH_REG setup + DISPATCH_DIRECT with the
//                kernel's user SGPRs (AMDGPUUsage "Initial Kernel Execution State"); signal:
//                RELEASE_MEM 64-bit end-of-pipe write; with an event, a second RELEASE_MEM writes
//                the event id to the event's mailbox slot and interrupts with it; wait:
//                WAIT_REG_MEM64 >= (gfx10+) or WAIT_REG_MEM on the low dword (gfx9, values below
//                2^32); timestamp: RELEASE_MEM of the GPU clock; barrier: CS_PARTIAL_FLUSH +
//                ACQUIRE_MEM.
//   SDMA         copy: COPY_LINEAR (split); fill: CONSTANT_FILL (split); signal: one ATOMIC
//                SWAP_RTN_64 (a single 64-bit write: nothing lands after a waiter sees the value
//                and frees the signal) + (with an event) FENCE of the id to the mailbox + TRAP;
//                wait: POLL_REGMEM >= on the low dword (values below 2^32); timestamp: TIMESTAMP;
//                barrier: NOP (an SDMA queue executes in order); dispatch: refused.
//   AQL          dispatch: KERNEL_DISPATCH; barrier: BARRIER_AND with the barrier bit and no
//                dependencies; every other verb: the PM4 encoding above placed in staging memory
//                and run through AMD's vendor PM4-IB packet (ROCr amd_aql_pm4_ib_packet.h).
#include "amdhal/command_encoder.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "amdhal/buffer.h"
#include "amdhal/kernel.h"
#include "amdhal/packets/aql.h"
#include "amdhal/packets/pm4.h"
#include "amdhal/packets/sdma.h"
#include "amdhal/signal.h"

namespace amdhal {

using namespace packets;  // NOLINT(google-build-using-namespace): the packet layer's vocabulary

Expected<uint64_t> ArenaStaging::place(std::span<const uint8_t> bytes, uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    return invalid_argument(fmt::format("staging alignment {} is not a power of two", alignment));
  }
  const uint64_t start = (gpu_ + used_ + alignment - 1) & ~uint64_t{alignment - 1};
  const uint64_t offset = start - gpu_;
  if (offset > size_ || bytes.size() > size_ - offset) {
    return resource_exhausted(fmt::format("staging memory full: {} bytes wanted, {} of {} used",
                                          bytes.size(), used_, size_));
  }
  if (!bytes.empty()) std::memcpy(cpu_ + offset, bytes.data(), bytes.size());
  used_ = offset + bytes.size();
  return start;
}

namespace {

uint64_t address_of(const BufferRange& r) {
  return r.buffer->gpu_address() + r.offset;
}

constexpr size_t kDispatchSetupMaxDwords = 64;

uint64_t chunks(uint64_t bytes, uint64_t chunk) {
  return (bytes + chunk - 1) / chunk;
}

std::span<const uint8_t> as_bytes(const void* p, size_t n) {
  return {static_cast<const uint8_t*>(p), n};
}

class Encoder {
 public:
  Encoder(const EncodeTarget& target, StagingAllocator& staging)
      : target_(target), pm4_(target.family->pm4), sdma_(target.family->sdma), staging_(staging) {}

  Status encode(size_t index, const Command& c, PacketStream& s) {
    // On AQL queues most verbs become a PM4 IB: as large as the verb's PM4 encoding.
    EncodeTarget pm4_target = target_;
    pm4_target.queue = QueueKind::kCompute;
    ib_dwords_ = max_dwords(c, pm4_target);
    Status st = std::visit([&](const auto& cmd) { return encode_one(cmd, s); }, c);
    if (!st.ok()) {
      return Status(st.code(), fmt::format("command {} ({}) on a {} queue of {}: {}", index,
                                           command_name(c), queue_kind_name(target_.queue),
                                           target_.family->name, st.message()));
    }
    return st;
  }

  static std::string_view command_name(const Command& c) {
    static constexpr std::string_view kNames[] = {"copy", "fill",      "dispatch", "signal",
                                                  "wait", "timestamp", "barrier"};
    return kNames[c.index()];
  }

  static size_t max_dwords(const Command& c, const EncodeTarget& t) {
    const bool sdma = t.queue == QueueKind::kSdma || t.queue == QueueKind::kSdmaXgmi;
    if (t.queue == QueueKind::kComputeAql) return kAqlPacketDwords;
    return std::visit(
        [&](const auto& cmd) -> size_t {
          using T = std::decay_t<decltype(cmd)>;
          if constexpr (std::is_same_v<T, CopyCommand>) {
            return sdma ? sdma_copy_dwords(t.family->sdma, cmd.size)
                        : chunks(cmd.size, kCpDmaMaxBytes) * 7;
          } else if constexpr (std::is_same_v<T, FillCommand>) {
            return sdma ? sdma_fill_dwords(t.family->sdma, cmd.size)
                        : chunks(cmd.size, kCpDmaMaxBytes) * 7;
          } else if constexpr (std::is_same_v<T, DispatchCommand>) {
            return kDispatchSetupMaxDwords + 5;
          } else if constexpr (std::is_same_v<T, SignalCommand>) {
            return sdma ? kSdmaAtomicDwords + kSdmaFenceDwords + kSdmaTrapDwords : 16;
          } else if constexpr (std::is_same_v<T, WaitCommand>) {
            return sdma ? kSdmaPollRegmemDwords : 9;
          } else if constexpr (std::is_same_v<T, TimestampCommand>) {
            return sdma ? kSdmaTimestampDwords : 8;
          } else {
            return sdma ? 1 : 2 + 8;
          }
        },
        c);
  }

 private:
  bool is_sdma() const {
    return target_.queue == QueueKind::kSdma || target_.queue == QueueKind::kSdmaXgmi;
  }
  bool is_aql() const { return target_.queue == QueueKind::kComputeAql; }

  // ---- copy / fill ----
  Status encode_one(const CopyCommand& c, PacketStream& s) {
    if (is_sdma()) return emit_sdma_copy(s, sdma_, address_of(c.dst), address_of(c.src), c.size);
    return via_ib_if_aql(s, /*barrier=*/false, [&](PacketStream& pm4) {
      return pm4_dma(pm4, address_of(c.dst), address_of(c.src), kPm4DmaSelL2, c.size);
    });
  }

  Status encode_one(const FillCommand& c, PacketStream& s) {
    if (is_sdma()) return emit_sdma_fill(s, sdma_, address_of(c.dst), c.pattern, c.size);
    return via_ib_if_aql(s, /*barrier=*/false, [&](PacketStream& pm4) {
      return pm4_dma(pm4, address_of(c.dst), c.pattern, kPm4DmaSelData, c.size);
    });
  }

  Status pm4_dma(PacketStream& s, uint64_t dst, uint64_t src, uint32_t src_sel, uint64_t size) {
    for (uint64_t done = 0; done < size;) {
      const uint64_t n = std::min<uint64_t>(kCpDmaMaxBytes, size - done);
      Pm4DmaData p;
      p.src_sel = src_sel;
      p.dst_sel = kPm4DmaSelL2;
      p.src_addr = src_sel == kPm4DmaSelData ? src : src + done;
      p.dst_addr = dst + done;
      p.byte_count = static_cast<uint32_t>(n);
      p.cp_sync = 1;
      AMDHAL_RETURN_IF_ERROR(emit(s, pm4_, p));
      done += n;
    }
    return ok_status();
  }

  // ---- dispatch ----
  Status encode_one(const DispatchCommand& c, PacketStream& s) {
    if (is_sdma()) return invalid_argument("dispatch needs a compute queue (PM4 or AQL)");
    const Kernel& k = *c.kernel;
    const KernelInfo& info = k.info();
    if (info.private_segment_fixed_size != 0 || info.uses_dynamic_stack) {
      return unimplemented(fmt::format(
          "kernel '{}' needs scratch memory ({} bytes of private segment per work-item{}), which "
          "the dispatch encoder does not set up yet",
          info.name, info.private_segment_fixed_size,
          info.uses_dynamic_stack ? ", dynamic stack" : ""));
    }
    if (c.kernargs.size() < info.kernarg_segment_size) {
      return invalid_argument(fmt::format("kernel '{}' takes {} bytes of kernel arguments, got {}",
                                          info.name, info.kernarg_segment_size, c.kernargs.size()));
    }
    const uint32_t kernarg_align = std::max<uint32_t>(16, info.kernarg_segment_align);
    uint64_t kernarg_address = 0;
    if (!c.kernargs.empty()) {
      AMDHAL_ASSIGN_OR_RETURN(kernarg_address, staging_.place(c.kernargs, kernarg_align));
    }
    const uint32_t dims = c.grid[2] > 1 || c.block[2] > 1   ? 3
                          : c.grid[1] > 1 || c.block[1] > 1 ? 2
                                                            : 1;
    AqlKernelDispatch d;
    d.dimensions = dims;
    d.workgroup_size_x = c.block[0];
    d.workgroup_size_y = c.block[1];
    d.workgroup_size_z = c.block[2];
    d.grid_size_x = c.grid[0];
    d.grid_size_y = c.grid[1];
    d.grid_size_z = c.grid[2];
    d.group_segment_size = info.group_segment_fixed_size;
    d.private_segment_size = info.private_segment_fixed_size;
    d.kernel_object = k.descriptor_address();
    d.kernarg_address = kernarg_address;
    if (is_aql()) return emit_aql_kernel_dispatch(s, d);

    // PM4: the kernel reads its dispatch packet through the dispatch pointer, so place one.
    AMDHAL_ASSIGN_OR_RETURN(const AqlKernelDispatchPacket packet, make_aql_kernel_dispatch(d));
    AMDHAL_ASSIGN_OR_RETURN(const uint64_t packet_address,
                            staging_.place(as_bytes(&packet, sizeof(packet)), 64));
    for (int i = 0; i < 3; ++i) {
      if (c.grid[i] % c.block[i] != 0) {
        return invalid_argument(fmt::format(
            "grid {} in dimension {} is not a multiple of the workgroup size {} (PM4 dispatches "
            "launch whole workgroups; use an AQL queue for partial ones)",
            c.grid[i], i, c.block[i]));
      }
    }
    const KernelDescriptor& kd = k.descriptor();
    std::vector<uint32_t> user;
    auto push64 = [&](uint64_t v) {
      user.push_back(static_cast<uint32_t>(v));
      user.push_back(static_cast<uint32_t>(v >> 32));
    };
    if (kd.enable_sgpr_private_segment_buffer()) user.insert(user.end(), 4, 0u);
    if (kd.enable_sgpr_dispatch_ptr()) push64(packet_address);
    if (kd.enable_sgpr_queue_ptr()) push64(0);
    if (kd.enable_sgpr_kernarg_segment_ptr()) push64(kernarg_address);
    if (kd.enable_sgpr_dispatch_id()) push64(0);
    if (kd.enable_sgpr_flat_scratch_init()) push64(0);
    if (kd.enable_sgpr_private_segment_size()) user.push_back(0);
    if (user.size() > kComputeUserDataRegs) {
      return invalid_argument(fmt::format("kernel '{}' enables {} user SGPRs; at most {} exist",
                                          info.name, user.size(), kComputeUserDataRegs));
    }
    if (kd.user_sgpr_count() < user.size()) {
      return invalid_argument(
          fmt::format("kernel '{}': descriptor says {} user SGPRs but its enables need {}",
                      info.name, kd.user_sgpr_count(), user.size()));
    }
    user.resize(kd.user_sgpr_count(), 0u);  // kernarg preload dwords, left zero
    const uint64_t code = k.code_address();
    if (code % 256 != 0) {
      return invalid_argument(
          fmt::format("kernel '{}' entry 0x{:x} is not 256-byte aligned", info.name, code));
    }
    Pm4DispatchSetup setup;
    setup.code_address = code;
    setup.pgm_rsrc1 = kd.compute_pgm_rsrc1;
    // The descriptor leaves RSRC2.LDS_SIZE 0 (AMDGPUUsage: the CP takes it from the dispatch);
    // on PM4 the driver programs it: bits 23:15, in 512-byte granules.
    const uint32_t lds_blocks = (info.group_segment_fixed_size + 511) / 512;
    if (lds_blocks > 0x1FF) {
      return invalid_argument(fmt::format("kernel '{}' needs {} bytes of LDS; at most {} fit",
                                          info.name, info.group_segment_fixed_size, 0x1FF * 512));
    }
    setup.pgm_rsrc2 = (kd.compute_pgm_rsrc2 & ~(0x1FFu << 15)) | (lds_blocks << 15);
    setup.pgm_rsrc3 = kd.compute_pgm_rsrc3;
    setup.workgroup_size = {c.block[0], c.block[1], c.block[2]};
    setup.user_data = user;
    AMDHAL_RETURN_IF_ERROR(emit_dispatch_setup(s, pm4_, setup));
    AMDHAL_ASSIGN_OR_RETURN(const uint32_t initiator,
                            pm4_dispatch_initiator(pm4_, kd.enable_wavefront_size32()));
    Pm4DispatchDirect dd;
    dd.dim_x = c.grid[0] / c.block[0];
    dd.dim_y = c.grid[1] / c.block[1];
    dd.dim_z = c.grid[2] / c.block[2];
    dd.dispatch_initiator = initiator;
    return emit(s, pm4_, dd);
  }

  // ---- signal / wait / timestamp ----
  Status encode_one(const SignalCommand& c, PacketStream& s) {
    const uint64_t addr = c.signal->gpu_address();
    const uint32_t event = target_.signal_interrupts ? c.signal->event_id() : 0;
    const uint64_t mailbox = event != 0 ? c.signal->event_mailbox_address() : 0;
    if (is_sdma()) {
      // One 64-bit write (ATOMIC swap), not two 32-bit FENCEs: a waiter that sees the value
      // reached may free the signal's memory at once, so nothing may be written after it.
      SdmaAtomic swap;
      swap.addr = addr;
      swap.operation = kSdmaAtomicSwap64;
      swap.src_data = c.value;
      AMDHAL_RETURN_IF_ERROR(emit_sdma_atomic(s, sdma_, swap));
      if (event != 0) {
        if (mailbox != 0) {
          SdmaFence id;
          id.addr = mailbox;
          id.data = event;
          AMDHAL_RETURN_IF_ERROR(emit_sdma_fence(s, sdma_, id));
        }
        AMDHAL_RETURN_IF_ERROR(emit_sdma_trap(s, sdma_, SdmaTrap{event}));
      }
      return ok_status();
    }
    return via_ib_if_aql(s, /*barrier=*/true, [&](PacketStream& pm4) {
      Pm4ReleaseMem r = end_of_pipe();
      r.data_sel = kPm4DataSel64;
      r.address = addr;
      r.data = c.value;
      if (event != 0 && mailbox == 0) {
        r.int_sel = kPm4IntSelAfterWriteConfirm;
        r.int_ctxid = event;
      }
      AMDHAL_RETURN_IF_ERROR(emit(pm4, pm4_, r));
      if (event == 0 || mailbox == 0) return ok_status();
      // The event id goes to the event's mailbox slot, then the interrupt.
      Pm4ReleaseMem id = end_of_pipe();
      id.data_sel = kPm4DataSel32;
      id.address = mailbox;
      id.data = event;
      id.int_sel = kPm4IntSelAfterWriteConfirm;
      id.int_ctxid = event;
      return emit(pm4, pm4_, id);
    });
  }

  Status encode_one(const WaitCommand& c, PacketStream& s) {
    const uint64_t addr = c.signal->gpu_address();
    const bool wide = target_.family->pm4 != Pm4Variant::kGfx9 && !is_sdma();
    if (!wide && c.value > 0xFFFFFFFFull) {
      return out_of_range(fmt::format(
          "waits on this queue compare the low 32 bits only; value {} does not fit", c.value));
    }
    if (is_sdma()) {
      SdmaPollRegmem p;
      p.addr = addr;
      p.reference = static_cast<uint32_t>(c.value);
      p.function = SdmaCompare::kGreaterEqual;
      return emit_sdma_poll_regmem(s, sdma_, p);
    }
    return via_ib_if_aql(s, /*barrier=*/false, [&](PacketStream& pm4) {
      if (wide) {
        Pm4WaitRegMem64 w;
        w.function = kPm4WaitGreaterEqual;
        w.poll_addr = addr;
        w.reference = c.value;
        return emit(pm4, pm4_, w);
      }
      Pm4WaitRegMem w;
      w.function = kPm4WaitGreaterEqual;
      w.poll_addr = addr;
      w.reference = static_cast<uint32_t>(c.value);
      return emit(pm4, pm4_, w);
    });
  }

  Status encode_one(const TimestampCommand& c, PacketStream& s) {
    if (is_sdma()) return emit_sdma_timestamp(s, sdma_, SdmaTimestamp{address_of(c.dst)});
    return via_ib_if_aql(s, /*barrier=*/true, [&](PacketStream& pm4) {
      Pm4ReleaseMem r = end_of_pipe();
      r.data_sel = kPm4DataSelTimestamp;
      r.address = address_of(c.dst);
      return emit(pm4, pm4_, r);
    });
  }

  // ---- barrier ----
  Status encode_one(const BarrierCommand&, PacketStream& s) {
    if (is_sdma()) return emit_sdma_nop(s, sdma_, SdmaNop{1});
    if (is_aql()) {
      AqlBarrier b;
      b.barrier = true;
      return emit_aql_barrier_and(s, b);
    }
    AMDHAL_RETURN_IF_ERROR(emit(s, pm4_, Pm4EventWrite{}));  // CS_PARTIAL_FLUSH
    Pm4AcquireMem a;
    if (pm4_ == Pm4Variant::kGfx9) {
      a.coher_cntl = kCoherCntlShKcacheActionEna | kCoherCntlShIcacheActionEna |
                     kCoherCntlTcActionEna | kCoherCntlTcl1ActionEna | kCoherCntlTcWbActionEna;
    } else {
      a.gcr_cntl = kGcrGliInvAll | kGcrGlkInv | kGcrGlvInv | kGcrGl1Inv | kGcrGl2Inv | kGcrGl2Wb;
    }
    return emit(s, pm4_, a);
  }

  /// RELEASE_MEM defaults: end-of-pipe, write back L2 first.
  Pm4ReleaseMem end_of_pipe() const {
    Pm4ReleaseMem r;
    if (pm4_ == Pm4Variant::kGfx9) {
      r.tc_wb_action_ena = 1;
      r.tc_action_ena = 1;
    } else {
      r.gcr_gl2_wb = 1;
    }
    return r;
  }

  /// PM4 queues get the packets directly; AQL queues get them in an IB run by a PM4_IB packet.
  template <typename Fn>
  Status via_ib_if_aql(PacketStream& s, bool barrier, Fn&& build) {
    if (!is_aql()) return build(s);
    if (ib_dwords_ >= (size_t{1} << 20)) {
      return out_of_range(
          fmt::format("needs a PM4 IB of {} dwords; INDIRECT_BUFFER takes at most "
                      "2^20 - 1 (split the command)",
                      ib_dwords_));
    }
    std::vector<uint32_t> ib(ib_dwords_, 0u);
    PacketStream pm4(ib);
    AMDHAL_RETURN_IF_ERROR(build(pm4));
    AMDHAL_ASSIGN_OR_RETURN(
        const uint64_t ib_address,
        staging_.place(as_bytes(pm4.data().data(), pm4.size() * sizeof(uint32_t)), 256));
    std::array<uint32_t, 4> jump{};
    PacketStream js(jump);
    Pm4IndirectBuffer ibp;
    ibp.ib_base = ib_address;
    ibp.ib_size = static_cast<uint32_t>(pm4.size());
    AMDHAL_RETURN_IF_ERROR(emit(js, pm4_, ibp));
    return emit_aql_pm4_ib(s, std::span<const uint32_t, 4>(jump), barrier);
  }

  const EncodeTarget& target_;
  Pm4Variant pm4_;
  SdmaVariant sdma_;
  StagingAllocator& staging_;
  size_t ib_dwords_ = 0;  // PM4 IB budget of the command being encoded (AQL queues)
};

Status check_target(const EncodeTarget& t) {
  if (t.family == nullptr) return invalid_argument("encode: no GPU family given");
  return ok_status();
}

}  // namespace

size_t max_encoded_dwords(const CommandBuffer& commands, const EncodeTarget& target) {
  if (target.family == nullptr) return 0;
  size_t n = 0;
  for (const auto& c : commands.commands()) n += Encoder::max_dwords(c, target);
  return n;
}

Status encode_commands(const CommandBuffer& commands, const EncodeTarget& target,
                       StagingAllocator& staging, PacketStream& out) {
  AMDHAL_RETURN_IF_ERROR(check_target(target));
  std::vector<uint32_t> scratch(max_encoded_dwords(commands, target), 0u);
  PacketStream local(scratch);
  Encoder encoder(target, staging);
  const auto& list = commands.commands();
  for (size_t i = 0; i < list.size(); ++i) {
    AMDHAL_RETURN_IF_ERROR(encoder.encode(i, list[i], local));
  }
  return out.append(local.data());
}

}  // namespace amdhal
