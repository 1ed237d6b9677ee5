// KFD signal events: what lets a CPU thread sleep until GPU work raises an interrupt.
//
// CREATE_EVENT (type KFD_IOC_EVENT_SIGNAL, auto_reset) returns an event id; RELEASE_MEM with
// int_sel and int_ctxid = id (PM4) or an SDMA TRAP carrying the id raises it; WAIT_EVENTS sleeps
// on it with a millisecond timeout; SET_EVENT raises it from the CPU; DESTROY_EVENT frees it.
// The first CREATE_EVENT of the process carries the event page's handle (KfdProcess).
// Sources: linux/kfd_ioctl.h; ROCT events.c; kernel kfd_events.c; tinygrad ops_amd.py.
#pragma once

#include <chrono>
#include <cstdint>

#include "amdhal/status.h"

namespace amdhal::kfd {

class KfdProcess;

/// One signal event. Move-only; destroys itself. The process must outlive it.
class KfdEvent {
 public:
  /// CREATE_EVENT(SIGNAL, auto_reset) for a signal on `gpu_id` (whose GPU hosts the event page
  /// if this is the process's first event).
  static Expected<KfdEvent> create_signal(KfdProcess& process, uint32_t gpu_id);

  KfdEvent() = default;
  KfdEvent(KfdEvent&& other) noexcept;
  KfdEvent& operator=(KfdEvent&& other) noexcept;
  KfdEvent(const KfdEvent&) = delete;
  KfdEvent& operator=(const KfdEvent&) = delete;
  ~KfdEvent();

  uint32_t id() const { return id_; }
  uint32_t slot_index() const { return slot_; }
  /// GPU address of this event's slot in the event page, or 0 if unknown.
  uint64_t mailbox_address() const { return mailbox_; }
  bool valid() const { return process_ != nullptr; }

  /// SET_EVENT: wakes a waiter.
  Status set();
  /// WAIT_EVENTS on this event alone. true if it fired, false on timeout.
  Expected<bool> wait(std::chrono::milliseconds timeout);
  /// DESTROY_EVENT (also done by the destructor).
  Status destroy();

 private:
  KfdProcess* process_ = nullptr;
  uint32_t id_ = 0;
  uint32_t slot_ = 0;
  uint64_t mailbox_ = 0;
};

}  // namespace amdhal::kfd
