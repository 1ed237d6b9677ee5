// KfdSignal: a 64-bit timeline value in uncached GTT (one page, value at offset 0), optionally
// paired with a KFD signal event so CPU waits can sleep instead of spin.
//
// GPU writes: RELEASE_MEM with int_sel + int_ctxid = event_id() (PM4), FENCE + TRAP (SDMA); the
// encoder emits them from event_id(). CPU waits: spin briefly, then WAIT_EVENTS in slices of at
// most kWaitSlice until value() >= target or the deadline; with no event, poll with short sleeps.
// Sources: REFERENCES.md "KFD path" §7; ROCR interrupt_signal.cpp (spin, then sleep on the event).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "amdhal/signal.h"
#include "amdhal/status.h"
#include "kfd_events.h"
#include "kfd_memory.h"

namespace amdhal::kfd {

class KfdDeviceState;

class KfdSignal final : public Signal {
 public:
  /// How long one WAIT_EVENTS sleeps at most before the value is read again (a wake-up consumed
  /// by another waiter of the same auto-reset event costs this much latency).
  static constexpr std::chrono::milliseconds kWaitSlice{50};
  /// How long a wait spins on the value before it sleeps.
  static constexpr std::chrono::microseconds kSpin{20};

  /// Allocates the value page (mapped to every GPU the process has open, so other devices'
  /// queues can write and poll it) and, if `with_event`, a KFD signal event. If KFD has no event
  /// left the signal still works, with polling waits (event_id() 0).
  static Expected<std::unique_ptr<KfdSignal>> create(std::shared_ptr<KfdDeviceState> device,
                                                     uint64_t initial_value, bool with_event);
  ~KfdSignal() override;

  uint64_t value() const override;
  void set(uint64_t value) override;
  uint64_t gpu_address() const override { return memory_.gpu_address(); }
  uint32_t event_id() const override { return event_.valid() ? event_.id() : 0; }
  uint64_t event_mailbox_address() const override {
    return event_.valid() ? event_.mailbox_address() : 0;
  }
  Status wait(uint64_t target, std::chrono::nanoseconds timeout) override;
  /// Gives the value page up for good (its VA stays reserved, never reused): for the timeline of
  /// a queue KFD could not destroy, which may still write it.
  void abandon() {
    event_.destroy().ignore();
    memory_.abandon();
  }

 private:
  KfdSignal(std::shared_ptr<KfdDeviceState> device, KfdMemory memory)
      : device_(std::move(device)), memory_(std::move(memory)) {}
  uint64_t* slot() const { return static_cast<uint64_t*>(memory_.cpu_pointer()); }

  std::shared_ptr<KfdDeviceState> device_;
  KfdMemory memory_;
  KfdEvent event_;
};

}  // namespace amdhal::kfd
