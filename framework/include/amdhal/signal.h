// Signal: a 64-bit timeline value in GPU-visible memory that queues write and wait on.
#pragma once

#include <chrono>
#include <cstdint>

#include "amdhal/status.h"

namespace amdhal {

/// Timeline semaphore. GPU work writes increasing values at end of pipe; CPU and GPU wait for
/// value >= target. Waits always take a timeout; a timeout reports the queue state.
class Signal {
 public:
  virtual ~Signal() = default;
  /// Current value, read from memory.
  virtual uint64_t value() const = 0;
  /// Stores a value from the CPU.
  virtual void set(uint64_t value) = 0;
  /// GPU address of the 64-bit value (what packets write and poll).
  virtual uint64_t gpu_address() const = 0;
  /// Interrupt context raised when GPU work writes the signal (a KFD event id), 0 for none:
  /// then CPU waits poll.
  virtual uint32_t event_id() const = 0;
  /// GPU address where GPU work writes event_id() before raising the interrupt (the KFD event
  /// slot: the kernel wakes only events whose slot was written), 0 if the backend needs none.
  virtual uint64_t event_mailbox_address() const { return 0; }
  /// Blocks until value() >= target or the timeout passes (kDeadlineExceeded with queue state).
  virtual Status wait(uint64_t target, std::chrono::nanoseconds timeout) = 0;
};

}  // namespace amdhal
