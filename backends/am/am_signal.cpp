// AmSignal (am_signal.h).
#include "am_signal.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "bringup.h"

namespace amdhal::am {

uint32_t IhEvents::allocate_id() {
  std::lock_guard lock(mu_);
  const uint32_t id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  return id;
}

void IhEvents::pump() {
  std::lock_guard lock(mu_);
  if (device_ == nullptr) return;
  auto entries = device_->ih_drain();
  if (!entries.ok()) return;  // no IH ring: waits poll memory only
  for (const IvEntry& e : *entries) {
    ++counts_[e.src_data[0]];
    ++drained_;
  }
}

uint64_t IhEvents::count(uint32_t id) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(id);
  return it == counts_.end() ? 0 : it->second;
}

uint64_t IhEvents::drained() const {
  std::lock_guard lock(mu_);
  return drained_;
}

Expected<std::unique_ptr<AmSignal>> AmSignal::create(VramBlock block, uint64_t initial_value,
                                                     std::shared_ptr<const void> keep,
                                                     std::shared_ptr<IhEvents> events,
                                                     uint64_t window) {
  if (!block.valid() || block.cpu() == nullptr || block.size() < 8) {
    return failed_precondition("am: a signal needs 8 bytes of CPU-visible VRAM");
  }
  std::unique_ptr<AmSignal> s(new AmSignal(std::move(block), std::move(keep)));
  s->window_ = window;
  if (events) {
    s->event_id_ = events->allocate_id();
    s->events_ = std::move(events);
  }
  s->set(initial_value);
  return s;
}

AmSignal::~AmSignal() = default;

uint64_t AmSignal::value() const {
  return std::atomic_ref<uint64_t>(*slot()).load(std::memory_order_acquire);
}

void AmSignal::set(uint64_t value) {
  std::atomic_ref<uint64_t>(*slot()).store(value, std::memory_order_release);
}

Status AmSignal::wait(uint64_t target, std::chrono::nanoseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const auto spin_until = start + std::min<std::chrono::nanoseconds>(kSpin, timeout);
  std::chrono::microseconds sleep{10};
  uint64_t interrupts = events_ ? events_->count(event_id_) : 0;
  while (true) {
    if (value() >= target) return ok_status();
    const auto now = Clock::now();
    if (now >= deadline) break;
    if (now < spin_until) continue;
    if (events_) {
      // An IV entry with our id means the GPU wrote the value: re-read it at once.
      events_->pump();
      const uint64_t seen = events_->count(event_id_);
      if (seen != interrupts) {
        interrupts = seen;
        sleep = std::chrono::microseconds(10);
        continue;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
    std::this_thread::sleep_for(std::min(sleep, std::max(left, std::chrono::microseconds(1))));
    sleep = std::min(sleep * 2, kMaxSleep);
  }
  const uint64_t v = value();
  if (v >= target) return ok_status();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return deadline_exceeded(
      fmt::format("signal 0x{:x} (VRAM, event {}) is {} after {:.1f} ms, waiting for >= {}",
                  gpu_address(), event_id_, v, ms, target));
}

}  // namespace amdhal::am
