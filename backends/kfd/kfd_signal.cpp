#include "kfd_signal.h"

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "kfd_abi.h"
#include "kfd_device.h"

namespace amdhal::kfd {

Expected<std::unique_ptr<KfdSignal>> KfdSignal::create(std::shared_ptr<KfdDeviceState> device,
                                                       uint64_t initial_value, bool with_event) {
  KfdMemoryRequest r;
  r.size = kPageSize;
  r.kind = KfdMemoryKind::kGtt;
  r.cpu_visible = true;
  r.uncached = true;
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory memory, device->allocate(r));
  std::unique_ptr<KfdSignal> s(new KfdSignal(device, std::move(memory)));
  std::atomic_ref<uint64_t>(*s->slot()).store(initial_value, std::memory_order_release);
  if (with_event) {
    auto event = KfdEvent::create_signal(device->process(), device->gpu_id());
    if (event.ok()) {
      s->event_ = std::move(*event);
    } else if (event.status().code() != StatusCode::kResourceExhausted) {
      // Out of events (ENOMEM / ENOSPC) degrades to polling; anything else is an error.
      return event.status().with_context("kfd: creating a signal's event");
    }
  }
  return s;
}

KfdSignal::~KfdSignal() {
  event_.destroy().ignore();
  memory_.release().ignore();
}

uint64_t KfdSignal::value() const {
  return std::atomic_ref<uint64_t>(*slot()).load(std::memory_order_acquire);
}

void KfdSignal::set(uint64_t value) {
  std::atomic_ref<uint64_t>(*slot()).store(value, std::memory_order_release);
  // Wake CPU waiters sleeping in WAIT_EVENTS; a failure only costs them one wait slice.
  if (event_.valid()) event_.set().ignore();
}

Status KfdSignal::wait(uint64_t target, std::chrono::nanoseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const auto spin_until = start + std::min<std::chrono::nanoseconds>(kSpin, timeout);
  while (true) {
    if (value() >= target) return ok_status();
    const auto now = Clock::now();
    if (now >= deadline) break;
    if (now < spin_until) continue;
    if (event_.valid()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
      auto fired = event_.wait(std::min<std::chrono::milliseconds>(left, kWaitSlice));
      if (!fired.ok()) {
        return fired.status().with_context(
            fmt::format("waiting for signal 0x{:x} to reach {}", gpu_address(), target));
      }
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  const uint64_t v = value();
  if (v >= target) return ok_status();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return deadline_exceeded(
      fmt::format("signal 0x{:x} (event {}) is {} after {:.1f} ms, waiting for >= {}",
                  gpu_address(), event_id(), v, ms, target));
}

}  // namespace amdhal::kfd
