// AmSignal: a 64-bit timeline value in VRAM (its own 4 KiB block: GPU VA = VRAM offset, CPU
// access through BAR0), written by RELEASE_MEM (PM4) and SDMA FENCE packets the shared encoder
// emits, read and polled by the GPU through the VMID 0 mapping.
//
// Completion through the IH ring: a signal made by the Device has an event id (its context id);
// the encoder then follows each GPU write with an interrupt carrying it (RELEASE_MEM INT_SEL +
// INT_CTXID, SDMA TRAP), which lands in the IH ring as an IV entry with src_data[0] = the id.
// A CPU wait spins briefly, then drains the IH ring (IhEvents, shared by the device's waiters so
// no waiter consumes another's entries) and re-reads the value as soon as an entry with its id
// arrived, sleeping with an exponential backoff (10 us doubling to 1 ms) in between. No OS
// interrupt reaches a user-space driver here (that would need MSI routing through VFIO), so the
// IH ring itself is polled; the value in memory is always the final word, so a lost or dropped
// interrupt only costs latency. Queue-private timelines have no event id (no interrupts).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "am_memory.h"
#include "amdhal/signal.h"
#include "amdhal/status.h"

namespace amdhal::am {

class AmDevice;

/// The IV entries of one device's IH ring, counted per context id, shared by every waiter.
class IhEvents {
 public:
  explicit IhEvents(AmDevice* device) : device_(device) {}
  /// A new context id for a signal (never 0).
  uint32_t allocate_id();
  /// Drains the IH ring (if the device has one) and counts the entries by src_data[0].
  void pump();
  /// IV entries seen so far for `id`.
  uint64_t count(uint32_t id) const;
  /// Entries drained so far (all ids).
  uint64_t drained() const;

 private:
  AmDevice* device_;
  mutable std::mutex mu_;
  uint32_t next_id_ = 1;
  uint64_t drained_ = 0;
  std::unordered_map<uint32_t, uint64_t> counts_;
};

class AmSignal final : public Signal {
 public:
  static constexpr std::chrono::microseconds kSpin{20};
  static constexpr std::chrono::microseconds kMaxSleep{1000};

  /// A signal in `block` (at least 8 bytes, CPU-visible); `keep` holds the device. With
  /// `events`, the signal gets an event id and its waits use the IH ring.
  static Expected<std::unique_ptr<AmSignal>> create(VramBlock block, uint64_t initial_value,
                                                    std::shared_ptr<const void> keep,
                                                    std::shared_ptr<IhEvents> events = nullptr,
                                                    uint64_t window = 0);
  ~AmSignal() override;

  uint64_t value() const override;
  void set(uint64_t value) override;
  /// The value's VA: through the device window when there is one (am_device.h).
  uint64_t gpu_address() const override { return window_ + block_.gpu_address(); }
  uint32_t event_id() const override { return event_id_; }
  Status wait(uint64_t target, std::chrono::nanoseconds timeout) override;
  /// Gives the value's VRAM up for good (never reused): for the timeline of a queue that could
  /// not be stopped, whose engine may still write it.
  void abandon() { block_.abandon(); }

 private:
  AmSignal(VramBlock block, std::shared_ptr<const void> keep)
      : block_(std::move(block)), keep_(std::move(keep)) {}
  uint64_t* slot() const { return static_cast<uint64_t*>(block_.cpu()); }

  VramBlock block_;
  std::shared_ptr<const void> keep_;
  std::shared_ptr<IhEvents> events_;
  uint32_t event_id_ = 0;
  uint64_t window_ = 0;
};

}  // namespace amdhal::am
