// AmQueue: a user-mode ring of the bare-metal backend, on a hardware queue the backend programs
// itself (queues.h): a compute HQD of MEC1 (PM4 or AQL ring) or an SDMA ring (general-purpose
// engines for kSdma, the XGMI engines for kSdmaXgmi).
//
// Memory (all VRAM from the device heap, GPU VA = VRAM offset): ring kRingBytes; one page of
// pointers (read pointer at +0 reported by the engine, write pointer at +8 polled by it); compute:
// the MQD page; staging kStagingBytes for the encoder's side data (kernargs, IBs), reused once
// the queue's private timeline says earlier work finished. Submission is the shared path of
// ring_writer.h: encode, copy into the ring, store the write pointer, then write the 64-bit
// doorbell through BAR2 (PciPort::doorbell_write64).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "am_memory.h"
#include "amdhal/command_encoder.h"
#include "amdhal/queue.h"
#include "amdhal/ring_writer.h"
#include "amdhal/status.h"
#include "queues.h"

namespace amdhal::am {

class AmDeviceState;
class AmSignal;

class AmQueue final : public Queue {
 public:
  static constexpr uint64_t kRingBytes = 256 * 1024;
  static constexpr uint64_t kStagingBytes = 1024 * 1024;
  static constexpr std::chrono::seconds kBackpressureTimeout{10};

  static Expected<std::unique_ptr<AmQueue>> create(std::shared_ptr<AmDeviceState> device,
                                                   QueueKind kind);
  /// Stops the hardware queue, then frees the memory (or abandons it if the queue did not stop).
  ~AmQueue() override;

  QueueKind kind() const override { return kind_; }
  Status submit(const CommandBuffer& commands) override;
  QueueState state() const override;
  /// "HQD me1/pipe0/queue2" or "SDMA1 GFX ring".
  const std::string& name() const { return name_; }

 private:
  AmQueue(std::shared_ptr<AmDeviceState> device, QueueKind kind)
      : device_(std::move(device)), kind_(kind) {}

  std::shared_ptr<AmDeviceState> device_;
  QueueKind kind_;
  std::string name_;
  std::string who_;  // "am: compute queue (me1/pipe0/queue0)": error context, set once
  std::optional<HqdSlot> hqd_;
  std::optional<uint32_t> sdma_ring_;
  bool started_ = false;
  VramBlock ring_mem_, pointers_, mqd_, staging_mem_;
  std::unique_ptr<ArenaStaging> staging_;
  std::unique_ptr<RingWriter> ring_;
  std::shared_ptr<AmSignal> timeline_;
  uint32_t doorbell_slot_ = 0;
  mutable std::mutex mu_;
  uint64_t submitted_ = 0;
};

}  // namespace amdhal::am
