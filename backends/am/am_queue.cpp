// AmQueue (am_queue.h).
#include "am_queue.h"

#include <cstring>

#include <fmt/format.h>

#include "am_device.h"
#include "am_signal.h"
#include "amdhal/command_buffer.h"

namespace amdhal::am {

Expected<std::unique_ptr<AmQueue>> AmQueue::create(std::shared_ptr<AmDeviceState> device,
                                                   QueueKind kind) {
  const DeviceInfo& info = device->info();
  QueueHardware& hw = device->queues();
  const uint32_t engines = static_cast<uint32_t>(hw.regs.sdma_rings.size()) / kSdmaRingsPerEngine;
  const uint32_t general = std::min(engines, info.sdma_engines);
  std::unique_ptr<AmQueue> q(new AmQueue(device, kind));
  const bool compute = kind == QueueKind::kCompute || kind == QueueKind::kComputeAql;
  if (compute) {
    AMDHAL_ASSIGN_OR_RETURN(HqdSlot slot, hw.take_hqd());
    q->hqd_ = slot;
    q->name_ = slot.name();
    q->doorbell_slot_ = slot.doorbell_slot();
  } else {
    uint32_t first = 0, end = general;
    if (kind == QueueKind::kSdmaXgmi) {
      first = general;
      end = engines;
      if (first >= end) {
        return unavailable(
            fmt::format("am: {} has no XGMI SDMA engine with rings amdhal drives", info.id));
      }
    }
    AMDHAL_ASSIGN_OR_RETURN(uint32_t index, hw.take_sdma(first, end));
    q->sdma_ring_ = index;
    q->name_ = fmt::format("SDMA{} {} ring", index / kSdmaRingsPerEngine,
                           index % kSdmaRingsPerEngine == 0 ? "GFX" : "PAGE");
    q->doorbell_slot_ = sdma_doorbell_slot(index);
  }
  q->who_ = fmt::format("am: {} queue ({})", queue_kind_name(kind), q->name_);
  const std::string what =
      fmt::format("am: creating a {} queue on {} ({})", queue_kind_name(kind), info.id, q->name_);
  auto alloc = [&](uint64_t bytes, std::string_view role) -> Expected<VramBlock> {
    auto b = device->allocate(bytes);
    if (!b.ok()) return b.status().with_context(fmt::format("{}: {}", what, role));
    if (b->cpu() == nullptr) {
      return unimplemented(fmt::format("{}: {} at VRAM 0x{:x} is beyond the BAR0 aperture", what,
                                       role, b->offset()));
    }
    return b;
  };
  AMDHAL_ASSIGN_OR_RETURN(q->ring_mem_, alloc(kRingBytes, "ring"));
  AMDHAL_ASSIGN_OR_RETURN(q->pointers_, alloc(4096, "read/write pointers"));
  AMDHAL_ASSIGN_OR_RETURN(q->staging_mem_, alloc(kStagingBytes, "staging memory"));
  if (compute) {
    AMDHAL_ASSIGN_OR_RETURN(q->mqd_, alloc(4096, "MQD"));
  }
  std::memset(q->ring_mem_.cpu(), 0, kRingBytes);
  std::memset(q->pointers_.cpu(), 0, 4096);
  q->staging_ = std::make_unique<ArenaStaging>(q->staging_mem_.cpu(), q->staging_mem_.gpu_address(),
                                               kStagingBytes);
  RingWriter::Config rc;
  rc.kind = kind;
  rc.family = &device->family();
  rc.ring = q->ring_mem_.cpu();
  rc.ring_bytes = kRingBytes;
  rc.read_ptr = static_cast<uint64_t*>(q->pointers_.cpu());
  rc.write_ptr = static_cast<uint64_t*>(q->pointers_.cpu()) + 1;
  q->ring_ = std::make_unique<RingWriter>(rc);
  q->ring_->init_slots();

  // The private timeline: tells when staging memory may be reused.
  AMDHAL_ASSIGN_OR_RETURN(VramBlock tl, alloc(4096, "timeline"));
  AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<AmSignal> timeline,
                          AmSignal::create(std::move(tl), 0, nullptr));
  q->timeline_ = std::move(timeline);

  RingSetup setup;
  setup.ring = q->ring_mem_.gpu_address();
  setup.ring_bytes = kRingBytes;
  setup.rptr = q->pointers_.gpu_address();
  setup.wptr = q->pointers_.gpu_address() + 8;
  setup.aql = kind == QueueKind::kComputeAql;
  setup.doorbell_slot = q->doorbell_slot_;
  if (compute) {
    setup.mqd = q->mqd_.gpu_address();
    setup.mqd_cpu = q->mqd_.cpu();
    Status st = hqd_start(device->hw(), hw, *q->hqd_, setup);
    if (!st.ok()) return st.with_context(what);
  } else {
    Status st = sdma_ring_start(device->hw(), hw, *q->sdma_ring_, setup);
    if (!st.ok()) return st.with_context(what);
  }
  q->started_ = true;
  return q;
}

AmQueue::~AmQueue() {
  QueueHardware& hw = device_->queues();
  if (started_) {
    const Status st =
        hqd_ ? hqd_stop(device_->hw(), hw, *hqd_) : sdma_ring_stop(device_->hw(), hw, *sdma_ring_);
    if (!st.ok()) {
      // The engine may still read the ring, write the pointers and the timeline, and run from
      // its HQD or ring slot: give the memory up and keep the slot from the next queue.
      for (VramBlock* b : {&ring_mem_, &pointers_, &mqd_, &staging_mem_}) b->abandon();
      if (timeline_) timeline_->abandon();
      return;
    }
  }
  if (hqd_) hw.give_hqd(*hqd_);
  if (sdma_ring_) hw.give_sdma(*sdma_ring_);
}

Status AmQueue::submit(const CommandBuffer& commands) {
  std::lock_guard lock(mu_);
  const uint64_t next = submitted_ + 1;
  EncodeTarget target;
  target.family = &device_->family();
  target.queue = kind_;
  target.signal_interrupts = true;  // signals with an event id raise IH entries (am_signal.h)
  AMDHAL_RETURN_IF_ERROR(encode_into_ring(commands, timeline_, next, submitted_, target, *staging_,
                                          *ring_, kBackpressureTimeout, who_));
  const uint64_t doorbell = ring_->publish();
  AMDHAL_RETURN_IF_ERROR(device_->hw().write_doorbell64(doorbell_slot_, doorbell));
  submitted_ = next;
  return ok_status();
}

QueueState AmQueue::state() const {
  return ring_->state(
      fmt::format("{} queue {} on {}", queue_kind_name(kind_), name_, device_->info().id));
}

}  // namespace amdhal::am
