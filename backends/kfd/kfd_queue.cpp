#include "kfd_queue.h"

#include <linux/kfd_ioctl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "amdhal/command_buffer.h"
#include "amdhal/packets/aql.h"
#include "amdhal/packets/decode.h"
#include "kfd_abi.h"
#include "kfd_device.h"
#include "kfd_signal.h"

namespace amdhal::kfd {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

bool is_compute(QueueKind k) {
  return k == QueueKind::kCompute || k == QueueKind::kComputeAql;
}

// kfd_queue.c: VGPR save bytes per CU by gfx_target_version (kfd_get_vgpr_size_per_cu).
uint32_t vgpr_size_per_cu(uint32_t gfxv) {
  if (gfxv == 90402 || gfxv == 90010 || gfxv == 90008 || gfxv == 90500) return 0x80000;
  if (gfxv == 110000 || gfxv == 110001 || gfxv == 120000 || gfxv == 120001) return 0x60000;
  return 0x40000;
}

constexpr uint32_t kSgprSizePerCu = 0x4000;
constexpr uint32_t kLdsSizePerCu = 0x10000;
constexpr uint32_t kHwregSizePerCu = 0x1000;
constexpr uint32_t kDebuggerBytesPerWave = 32;
constexpr uint32_t kDebuggerBytesAlign = 64;
constexpr uint32_t kContextSaveAreaHeaderBytes = 40;  // SIZEOF_HSA_USER_CONTEXT_SAVE_AREA_HEADER

}  // namespace

Expected<KfdQueueMemorySizes> queue_memory_sizes(const TopologyNode& node) {
  KfdQueueMemorySizes s;
  const uint32_t gfxv = node.gfx_target_version();
  s.num_xcc = std::max<uint32_t>(1, node.num_xcc());
  if (gfxv < 80001) return s;  // before Carrizo: no CWSR, no EOP buffer

  const uint32_t simd_per_cu = node.simd_per_cu();
  if (simd_per_cu == 0 || node.simd_count() == 0) {
    return data_loss(
        fmt::format("kfd: node {} has no simd_count/simd_per_cu: cannot size the "
                    "context save area",
                    node.index));
  }
  const uint32_t cu_num = node.simd_count() / simd_per_cu / s.num_xcc;
  uint32_t wave_num;
  if (gfxv < 100100) {
    const auto arrays = static_cast<uint32_t>(node.property("array_count"));
    const auto per_engine = static_cast<uint32_t>(node.property("simd_arrays_per_engine"));
    if (per_engine == 0) {
      return data_loss(fmt::format(
          "kfd: node {} has no simd_arrays_per_engine: cannot size the context save area",
          node.index));
    }
    wave_num = std::min(cu_num * 40, arrays / per_engine * 512);
  } else {
    wave_num = cu_num * 32;
  }
  const uint32_t lds = gfxv == 90500 ? node.lds_size_in_kb() << 10 : kLdsSizePerCu;
  const uint64_t per_cu = uint64_t{vgpr_size_per_cu(gfxv)} + kSgprSizePerCu + lds + kHwregSizePerCu;
  const auto wg_data = static_cast<uint32_t>(align_up(cu_num * per_cu, kPageSize));
  uint32_t ctl = wave_num * (gfxv >= 100100 ? 12u : 8u) + 8;
  ctl = static_cast<uint32_t>(align_up(kContextSaveAreaHeaderBytes + ctl, kPageSize));
  if (gfxv / 10000 * 10000 == 100000) ctl = std::min<uint32_t>(ctl, 0x7000);  // gfx10.0 HW limit

  s.ctl_stack_size = ctl;
  s.debug_memory_size = static_cast<uint32_t>(
      align_up(uint64_t{wave_num} * kDebuggerBytesPerWave, kDebuggerBytesAlign));
  s.cwsr_size = ctl + wg_data;
  s.eop_buffer_size = gfxv == 80002 ? 0x8000 : 4096;
  s.cwsr_allocation = align_up(uint64_t{s.cwsr_size + s.debug_memory_size} * s.num_xcc, kPageSize);
  return s;
}

uint32_t kfd_queue_type(QueueKind kind) {
  switch (kind) {
    case QueueKind::kCompute:
      return KFD_IOC_QUEUE_TYPE_COMPUTE;
    case QueueKind::kComputeAql:
      return KFD_IOC_QUEUE_TYPE_COMPUTE_AQL;
    case QueueKind::kSdma:
      return KFD_IOC_QUEUE_TYPE_SDMA;
    case QueueKind::kSdmaXgmi:
      return KFD_IOC_QUEUE_TYPE_SDMA_XGMI;
  }
  return KFD_IOC_QUEUE_TYPE_COMPUTE;
}

uint32_t kfd_queue_priority(QueuePriority p) {
  switch (p) {
    case QueuePriority::kLow:
      return kKfdPriorityLow;
    case QueuePriority::kNormal:
      return kKfdPriorityNormal;
    case QueuePriority::kHigh:
      return kKfdPriorityHigh;
  }
  return kKfdPriorityNormal;
}

KfdQueue::KfdQueue(std::shared_ptr<KfdDeviceState> device, QueueKind kind)
    : device_(std::move(device)), kind_(kind) {}

Expected<std::unique_ptr<KfdQueue>> KfdQueue::create(std::shared_ptr<KfdDeviceState> device,
                                                     QueueKind kind, QueuePriority priority) {
  const DeviceInfo& info = device->info();
  if (kind == QueueKind::kSdma && info.sdma_engines == 0) {
    return unavailable(fmt::format("kfd: {} has no SDMA engines", info.id));
  }
  if (kind == QueueKind::kSdmaXgmi && info.sdma_xgmi_engines == 0) {
    return unavailable(fmt::format("kfd: {} has no XGMI SDMA engines", info.id));
  }
  std::unique_ptr<KfdQueue> q(new KfdQueue(device, kind));
  const std::string what =
      fmt::format("kfd: creating a {} queue on GPU {}", queue_kind_name(kind), device->gpu_id());
  auto alloc = [&](uint64_t size, KfdMemoryKind mk, bool cpu, bool uncached,
                   std::string_view role) -> Expected<KfdMemory> {
    KfdMemoryRequest r;
    r.size = size;
    r.kind = mk;
    r.cpu_visible = cpu;
    r.uncached = uncached;
    r.executable = false;
    auto m = device->allocate(r, /*map_peers=*/false);
    if (!m.ok()) return m.status().with_context(fmt::format("{}: {}", what, role));
    return m;
  };

  AMDHAL_ASSIGN_OR_RETURN(KfdMemory ring,
                          alloc(kRingBytes, KfdMemoryKind::kGtt, true, true, "ring"));
  q->ring_.emplace(std::move(ring));
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory ptrs,
                          alloc(kPageSize, KfdMemoryKind::kGtt, true, true, "read/write pointers"));
  q->pointers_.emplace(std::move(ptrs));
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory staging,
                          alloc(kStagingBytes, KfdMemoryKind::kGtt, true, true, "staging memory"));
  q->staging_memory_.emplace(std::move(staging));
  q->staging_ = std::make_unique<ArenaStaging>(q->staging_memory_->cpu_pointer(),
                                               q->staging_memory_->gpu_address(), kStagingBytes);

  auto* page = static_cast<uint8_t*>(q->pointers_->cpu_pointer());
  std::memset(page, 0, kPageSize);
  auto* ring_cpu = static_cast<uint8_t*>(q->ring_->cpu_pointer());
  std::memset(ring_cpu, 0, kRingBytes);

  uint64_t* read_ptr = nullptr;   // CPU address of the read pointer
  uint64_t* write_ptr = nullptr;  // CPU address of the write pointer
  kfd_ioctl_create_queue_args args{};
  args.ring_base_address = q->ring_->gpu_address();
  args.ring_size = kRingBytes;
  args.gpu_id = device->gpu_id();
  args.queue_type = kfd_queue_type(kind);
  args.queue_percentage = KFD_MAX_QUEUE_PERCENTAGE;
  args.queue_priority = kfd_queue_priority(priority);

  if (kind == QueueKind::kComputeAql) {
    auto* aq = reinterpret_cast<AmdQueueAbi*>(page);
    aq->hsa_queue.type = kHsaQueueTypeSingle;
    aq->hsa_queue.base_address = q->ring_->gpu_address();
    aq->hsa_queue.size = kRingBytes / packets::kAqlPacketBytes;
    aq->read_dispatch_id_field_base_byte_offset = offsetof(AmdQueueAbi, read_dispatch_id);
    aq->queue_properties = kAmdQueuePropertiesIsPtr64;
    const TopologyNode& node = device->node();
    aq->max_cu_id = std::max<uint32_t>(1, node.compute_units()) - 1;
    aq->max_wave_id = std::max<uint32_t>(1, node.max_waves_per_simd() * node.simd_per_cu()) - 1;
    read_ptr = &aq->read_dispatch_id;
    write_ptr = &aq->write_dispatch_id;
  } else {
    read_ptr = reinterpret_cast<uint64_t*>(page);
    write_ptr = reinterpret_cast<uint64_t*>(page + 8);
  }
  RingWriter::Config rc;
  rc.kind = kind;
  rc.family = &device->family();
  rc.ring = ring_cpu;
  rc.ring_bytes = kRingBytes;
  rc.read_ptr = read_ptr;
  rc.write_ptr = write_ptr;
  q->ring_writer_ = std::make_unique<RingWriter>(rc);
  // AQL: every slot starts INVALID, so the packet processor stops at the first unwritten one.
  q->ring_writer_->init_slots();
  args.read_pointer_address = reinterpret_cast<uint64_t>(read_ptr);
  args.write_pointer_address = reinterpret_cast<uint64_t>(write_ptr);

  if (is_compute(kind)) {
    AMDHAL_ASSIGN_OR_RETURN(KfdQueueMemorySizes sizes, queue_memory_sizes(device->node()));
    if (sizes.eop_buffer_size != 0) {
      AMDHAL_ASSIGN_OR_RETURN(KfdMemory eop, alloc(sizes.eop_buffer_size, KfdMemoryKind::kVram,
                                                   false, false, "EOP buffer"));
      q->eop_.emplace(std::move(eop));
      args.eop_buffer_address = q->eop_->gpu_address();
      args.eop_buffer_size = sizes.eop_buffer_size;
    }
    if (sizes.cwsr_allocation != 0) {
      AMDHAL_ASSIGN_OR_RETURN(KfdMemory cwsr, alloc(sizes.cwsr_allocation, KfdMemoryKind::kVram,
                                                    false, false, "context save area"));
      q->cwsr_.emplace(std::move(cwsr));
      args.ctx_save_restore_address = q->cwsr_->gpu_address();
      args.ctx_save_restore_size = sizes.cwsr_size;
      args.ctl_stack_size = sizes.ctl_stack_size;
    }
  }

  Status st = device->process().ioctl(AMDKFD_IOC_CREATE_QUEUE, &args, "AMDKFD_IOC_CREATE_QUEUE");
  if (!st.ok()) return st.with_context(what);
  q->queue_id_ = args.queue_id;
  q->label_ =
      fmt::format("{} queue {} on GPU {}", queue_kind_name(kind), args.queue_id, device->gpu_id());
  q->who_ = "kfd: " + q->label_;
  q->created_ = true;
  if (kind == QueueKind::kComputeAql) {
    reinterpret_cast<AmdQueueAbi*>(page)->hsa_queue.id = args.queue_id;
  }

  auto doorbell = device->doorbell(args.doorbell_offset);
  if (!doorbell.ok()) return doorbell.status().with_context(what);  // ~KfdQueue destroys it
  q->doorbell_ = *doorbell;

  // The private timeline: polled only (no event), it tells when staging memory may be reused.
  AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdSignal> timeline,
                          KfdSignal::create(device, 0, /*with_event=*/false));
  q->timeline_ = std::move(timeline);
  return q;
}

KfdQueue::~KfdQueue() {
  if (created_) {
    kfd_ioctl_destroy_queue_args args{};
    args.queue_id = queue_id_;
    const bool destroyed =
        device_->process().ioctl(AMDKFD_IOC_DESTROY_QUEUE, &args, "AMDKFD_IOC_DESTROY_QUEUE").ok();
    created_ = false;
    if (!destroyed) {
      // The hardware queue may still read its ring, pointers, EOP and save area and write its
      // timeline: give those up rather than free memory the GPU could still touch.
      for (auto* m : {&ring_, &pointers_, &eop_, &cwsr_, &staging_memory_}) {
        if (*m) (*m)->abandon();
      }
      if (timeline_) timeline_->abandon();
    }
  }
  timeline_.reset();
  staging_.reset();
  staging_memory_.reset();
  cwsr_.reset();
  eop_.reset();
  pointers_.reset();
  ring_.reset();
}

Status KfdQueue::submit(const CommandBuffer& commands) {
  std::lock_guard lock(mu_);
  const uint64_t next = submitted_ + 1;
  EncodeTarget target;
  target.family = &device_->family();
  target.queue = kind_;
  target.signal_interrupts = true;
  AMDHAL_RETURN_IF_ERROR(encode_into_ring(commands, timeline_, next, submitted_, target, *staging_,
                                          *ring_writer_, kBackpressureTimeout, who_));
  const uint64_t doorbell_value = ring_writer_->publish();
  std::atomic_ref<uint64_t>(*doorbell_).store(doorbell_value, std::memory_order_release);
  submitted_ = next;
  return ok_status();
}

Status KfdQueue::wait_idle(std::chrono::nanoseconds timeout) {
  uint64_t target;
  {
    std::lock_guard lock(mu_);
    target = submitted_;
  }
  Status st = timeline_->wait(target, timeout);
  if (st.ok()) return st;
  return Status(st.code(), fmt::format("{}; {}", st.message(), state().description));
}

QueueState KfdQueue::state() const {
  return ring_writer_->state(label_);
}

}  // namespace amdhal::kfd
