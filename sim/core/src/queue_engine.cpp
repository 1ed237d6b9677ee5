// The part of a hardware queue every engine shares: the host thread, read/write pointers, hang and
// watchdog state, the recent-packet log, and GPU memory helpers.
#include "queue_engine.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "engine_factories.h"

namespace amdhal::sim {

using namespace std::chrono_literals;

namespace {

/// Longest a reset() waits for the engine thread (it may be inside a kernel dispatch).
constexpr auto kResetTimeout = 5s;
/// Idle wake-up period: plain stores to a doorbell or wptr memory are noticed this often once
/// the queue has been idle for a while. Right after work the engine looks sooner, doubling the
/// interval from kIdleFirst up to kIdlePoll: a program that submits again soon (a launch loop,
/// a submit-and-wait round trip) is served in tens of microseconds, an idle queue costs one
/// wake-up per millisecond.
constexpr auto kIdlePoll = 1ms;
constexpr auto kIdleFirst = std::chrono::microseconds(10);
/// A waiting packet is retried this many times with only a yield before the engine sleeps.
constexpr unsigned kSpinPolls = 64;

// Progress anywhere in the simulator. A waiting packet is reported hung only when nothing else
// moves either: what it waits for may be another queue's (or another GPU's) slow kernel, which
// runs inside one execute() call.
std::atomic<int64_t> g_last_progress{0};  // steady_clock ticks
std::atomic<int> g_executing{0};          // engines inside execute() right now
/// The engine whose execute() this thread is inside (its interrupts are deferred).
thread_local const QueueEngine* t_stepping = nullptr;

void note_progress(std::chrono::steady_clock::time_point now) {
  g_last_progress.store(now.time_since_epoch().count(), std::memory_order_relaxed);
}

/// How long the whole simulator has made no progress, seen from a waiting engine whose own
/// last progress was at `own`. Zero while another engine is executing a packet.
std::chrono::steady_clock::duration stalled_since(std::chrono::steady_clock::time_point own,
                                                  std::chrono::steady_clock::time_point now) {
  if (g_executing.load(std::memory_order_relaxed) > 0) return {};
  const std::chrono::steady_clock::time_point any(
      std::chrono::steady_clock::duration(g_last_progress.load(std::memory_order_relaxed)));
  return now - std::max(own, any);
}

}  // namespace

uint64_t queue_unit_bytes(QueueType type) {
  switch (type) {
    case QueueType::kPm4:
      return 4;
    case QueueType::kAql:
      return 64;
    case QueueType::kSdma:
      return 1;
  }
  return 1;
}

bool compare_function(uint32_t function, uint64_t value, uint64_t mask, uint64_t reference) {
  const uint64_t v = value & mask;
  switch (function) {
    case 0:
      return true;
    case 1:
      return v < reference;
    case 2:
      return v <= reference;
    case 3:
      return v == reference;
    case 4:
      return v != reference;
    case 5:
      return v >= reference;
    case 6:
      return v > reference;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Creation, thread, control

QueueEngine::QueueEngine(Device& device, uint32_t id, const QueueDesc& desc)
    : device_(device),
      vm_(device.vm(desc.vmid)),
      desc_(desc),
      id_(id),
      ring_units_(desc.ring_bytes / queue_unit_bytes(desc.type)),
      rptr_(desc.initial_read_pointer),
      wptr_(desc.initial_read_pointer) {}

QueueEngine::~QueueEngine() {
  stop();
}

Expected<std::unique_ptr<QueueEngine>> QueueEngine::create(Device& device, uint32_t id,
                                                           const QueueDesc& desc) {
  const std::string name = desc.name.empty() ? fmt::format("queue {}", id) : desc.name;
  const uint64_t unit = queue_unit_bytes(desc.type);
  if (desc.ring_bytes == 0 || !std::has_single_bit(desc.ring_bytes) || desc.ring_bytes < unit) {
    return invalid_argument(
        fmt::format("{}: ring size {} bytes is not a power of two of at least {} bytes", name,
                    desc.ring_bytes, unit));
  }
  if (desc.ring_address % std::max<uint64_t>(unit, 4) != 0) {
    return invalid_argument(fmt::format("{}: ring address {:#x} is not {}-byte aligned", name,
                                        desc.ring_address, std::max<uint64_t>(unit, 4)));
  }
  if (desc.rptr_address % 8 != 0 || desc.wptr_address % 8 != 0) {
    return invalid_argument(
        fmt::format("{}: read/write pointer addresses {:#x}/{:#x} must be 8-byte aligned", name,
                    desc.rptr_address, desc.wptr_address));
  }
  if (desc.vmid >= Device::kVmidCount) {
    return invalid_argument(
        fmt::format("{}: vmid {} out of range (0-{})", name, desc.vmid, Device::kVmidCount - 1));
  }
  if (desc.doorbell_index >= Device::kDoorbellSlots) {
    return invalid_argument(fmt::format("{}: doorbell slot {} out of range (0-{})", name,
                                        desc.doorbell_index, Device::kDoorbellSlots - 1));
  }
  std::unique_ptr<QueueEngine> engine;
  switch (desc.type) {
    case QueueType::kPm4:
      if (desc.engine != 0) {
        return invalid_argument(
            fmt::format("{}: compute queues have engine 0, not {}", name, desc.engine));
      }
      engine = make_pm4_engine(device, id, desc);
      break;
    case QueueType::kAql:
      if (desc.engine != 0) {
        return invalid_argument(
            fmt::format("{}: AQL queues have engine 0, not {}", name, desc.engine));
      }
      engine = make_aql_engine(device, id, desc);
      break;
    case QueueType::kSdma:
      if (desc.engine >= device.sdma_engine_count()) {
        return invalid_argument(fmt::format("{}: SDMA engine {} does not exist ({} has {})", name,
                                            desc.engine, device.family().name,
                                            device.sdma_engine_count()));
      }
      engine = make_sdma_engine(device, id, desc);
      break;
  }
  if (!engine) {
    return invalid_argument(
        fmt::format("{}: unknown queue type {}", name, static_cast<unsigned>(desc.type)));
  }
  engine->start();
  return engine;
}

void QueueEngine::start() {
  thread_ = std::thread([this] { run(); });
}

void QueueEngine::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    attention_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
  reset_cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void QueueEngine::notify() {
  rung_.store(true, std::memory_order_release);
  {
    std::lock_guard lock(mutex_);
    kick_ = true;
  }
  cv_.notify_one();
}

Status QueueEngine::reset() {
  std::unique_lock lock(mutex_);
  if (stop_) return failed_precondition(fmt::format("{}: queue is stopped", desc_.name));
  const uint64_t target = ++reset_requests_;
  attention_.store(true, std::memory_order_release);
  cv_.notify_all();
  if (!reset_cv_.wait_for(lock, kResetTimeout,
                          [&] { return resets_applied_ >= target || stop_; })) {
    return deadline_exceeded(fmt::format(
        "{}: reset not applied within {} s: the engine is busy (inside a kernel dispatch?)",
        desc_.name, std::chrono::duration_cast<std::chrono::seconds>(kResetTimeout).count()));
  }
  if (resets_applied_ < target) {
    return failed_precondition(fmt::format("{}: queue stopped during reset", desc_.name));
  }
  return ok_status();
}

Status QueueEngine::set_suspended(bool suspended) {
  std::unique_lock lock(mutex_);
  if (stop_) return failed_precondition(fmt::format("{}: queue is stopped", desc_.name));
  if (!suspended) {
    suspended_ = false;
    suspend_parked_ = false;
    if (reset_requests_ == resets_applied_) attention_.store(false, std::memory_order_release);
    kick_ = true;
    cv_.notify_all();
    return ok_status();
  }
  if (!suspended_) {
    suspended_ = true;
    suspend_parked_ = false;
    attention_.store(true, std::memory_order_release);
    cv_.notify_all();
  }
  if (!reset_cv_.wait_for(lock, kResetTimeout, [&] { return suspend_parked_ || stop_; })) {
    return deadline_exceeded(fmt::format(
        "{}: suspend not applied within {} s: the engine is busy (inside a kernel dispatch?)",
        desc_.name, std::chrono::duration_cast<std::chrono::seconds>(kResetTimeout).count()));
  }
  return ok_status();
}

QueueSnapshot QueueEngine::snapshot() const {
  uint64_t live_wptr = 0;
  VmFault ignored;
  const bool wptr_ok = read_wptr(&live_wptr, &ignored);
  std::lock_guard lock(mutex_);
  QueueSnapshot s;
  s.id = id_;
  s.name = desc_.name;
  s.type = desc_.type;
  s.read_pointer = rptr_;
  s.write_pointer = wptr_ok ? std::max(live_wptr, wptr_) : wptr_;
  s.hung = hung_;
  s.suspended = suspended_;
  s.active = !hung_ && !stop_ && !suspended_ && (active_ || s.write_pointer != s.read_pointer);
  s.hang_reason = hang_reason_;
  s.recent.assign(recent_.begin(), recent_.end());
  s.packets_executed = packets_executed_;
  return s;
}

std::string QueueEngine::describe_stall(uint64_t rptr) const {
  std::lock_guard lock(mutex_);
  if (!recent_.empty()) {
    return fmt::format("{:#x} (after {})", rptr, packets::format_packet(recent_.back()));
  }
  return fmt::format("{:#x}", rptr);
}

void QueueEngine::pause(std::unique_lock<std::mutex>& lock, std::chrono::microseconds interval) {
  cv_.wait_for(lock, interval,
               [&] { return kick_ || stop_ || suspended_ || reset_requests_ != resets_applied_; });
  kick_ = false;
}

void QueueEngine::run() {
  auto last_progress = std::chrono::steady_clock::now();
  unsigned polls = 0;                                // consecutive kWait results
  std::chrono::microseconds idle_sleep = kIdlePoll;  // next idle pause (see kIdleFirst)
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (reset_requests_ != resets_applied_) {
      const uint64_t target = reset_requests_;
      lock.unlock();
      apply_reset();
      lock.lock();
      resets_applied_ = target;
      if (reset_requests_ == resets_applied_ && !stop_ && !suspended_) {
        attention_.store(false, std::memory_order_release);
      }
      reset_cv_.notify_all();
      last_progress = std::chrono::steady_clock::now();
      polls = 0;
      continue;
    }
    if (suspended_) {
      active_ = false;
      if (!suspend_parked_) {
        suspend_parked_ = true;
        reset_cv_.notify_all();
      }
      cv_.wait_for(lock, kIdlePoll,
                   [&] { return stop_ || !suspended_ || reset_requests_ != resets_applied_; });
      continue;
    }
    if (hung_) {
      active_ = false;
      cv_.wait_for(lock, kIdlePoll, [&] { return stop_ || reset_requests_ != resets_applied_; });
      continue;
    }
    kick_ = false;
    uint64_t rptr = rptr_;
    lock.unlock();

    // Execute packets without the lock until the queue drains, waits, hangs or is interrupted.
    uint64_t wptr = 0;
    VmFault f;
    bool wptr_ok = read_wptr(&wptr, &f);
    bool sleep_idle = false;
    bool sleep_wait = false;
    if (!wptr_ok) {
      fault(f, "reading the write pointer");
    } else if (wptr != rptr && wptr - rptr > ring_units_) {
      hang(
          fmt::format("write pointer {:#x} is more than a ring ({} units) ahead of read pointer "
                      "{:#x}",
                      wptr, ring_units_, rptr));
    } else {
      {
        std::lock_guard l(mutex_);
        wptr_ = std::max(wptr_, wptr);
        active_ = rptr != wptr;
      }
      while (rptr != wptr && !attention_.load(std::memory_order_acquire)) {
        uint64_t advance = 0;
        if (!timing_ && device_.has_packet_observer()) {
          packet_start_ = std::chrono::steady_clock::now();
          timing_ = true;
        }
        g_executing.fetch_add(1, std::memory_order_relaxed);
        t_stepping = this;
        const Step step = execute(rptr, wptr, &advance);
        t_stepping = nullptr;
        g_executing.fetch_sub(1, std::memory_order_relaxed);
        for (const Interrupt& irq : deferred_) device_.raise_interrupt(irq);
        deferred_.clear();
        // A waiting packet keeps the time of its first attempt; anything else starts afresh.
        if (step != Step::kWait) timing_ = false;
        if (step == Step::kDone || step == Step::kProgress) {
          note_progress(std::chrono::steady_clock::now());
        }
        if (step == Step::kDone) {
          rptr += advance;
          if (!write_rptr(rptr)) break;
          {
            std::lock_guard l(mutex_);
            rptr_ = rptr;
          }
          last_progress = std::chrono::steady_clock::now();
          polls = 0;
          idle_sleep = kIdleFirst;
          if (rptr == wptr) {
            // Drained what we knew of: look for more before sleeping.
            if (!read_wptr(&wptr, &f)) {
              fault(f, "reading the write pointer");
              break;
            }
            std::lock_guard l(mutex_);
            wptr_ = std::max(wptr_, wptr);
          }
          continue;
        }
        if (step == Step::kProgress) {
          last_progress = std::chrono::steady_clock::now();
          polls = 0;
          continue;
        }
        if (step == Step::kIdle) {
          last_progress = std::chrono::steady_clock::now();
          sleep_idle = true;
          break;
        }
        if (step == Step::kWait) {
          const auto stalled = stalled_since(last_progress, std::chrono::steady_clock::now());
          const auto limit = device_.config().watchdog;
          if (limit.count() > 0 && stalled >= limit) {
            hang(fmt::format("no progress for {} ms at packet {}",
                             std::chrono::duration_cast<std::chrono::milliseconds>(stalled).count(),
                             describe_stall(rptr)));
            break;
          }
          sleep_wait = true;
          break;
        }
        break;  // kHung
      }
      if (rptr == wptr) sleep_idle = true;
    }

    lock.lock();
    if (stop_ || hung_ || suspended_ || reset_requests_ != resets_applied_) continue;
    if (sleep_wait) {
      active_ = true;
      ++polls;
      if (polls < kSpinPolls) {
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
      } else {
        auto interval = wait_interval_.count() > 0 ? wait_interval_ : 50us;
        interval = std::clamp<std::chrono::microseconds>(interval, 10us, 1000us);
        pause(lock, interval);
      }
    } else if (sleep_idle) {
      active_ = false;
      if (!kick_) pause(lock, idle_sleep);
      kick_ = false;
      idle_sleep = std::min<std::chrono::microseconds>(idle_sleep * 2, kIdlePoll);
    }
  }
  active_ = false;
}

void QueueEngine::apply_reset() {
  on_reset();
  timing_ = false;
  uint64_t wptr = 0;
  VmFault f;
  if (!read_wptr(&wptr, &f)) wptr = wptr_;  // keep what was last seen
  {
    std::lock_guard lock(mutex_);
    hung_ = false;
    hang_reason_.clear();
    rptr_ = std::max(rptr_, wptr);
    wptr_ = std::max(wptr_, wptr);
  }
  uint64_t rptr;
  {
    std::lock_guard lock(mutex_);
    rptr = rptr_;
  }
  if (desc_.rptr_address != 0) {
    VmFault ignored;
    store64(desc_.rptr_address, rptr, &ignored);
  }
}

bool QueueEngine::read_wptr(uint64_t* wptr, VmFault* f) const {
  uint64_t w = 0;
  if (desc_.doorbell_index < Device::kDoorbellSlots) {
    const uint64_t value = device_.read_doorbell(desc_.doorbell_index);  // acquire
    w = wptr_from_doorbell(value, rung_.load(std::memory_order_acquire));
  }
  if (desc_.wptr_address != 0) {
    uint64_t mem = 0;
    if (!load64(desc_.wptr_address, &mem, f)) return false;
    w = std::max(w, mem);
  }
  *wptr = w;
  return true;
}

bool QueueEngine::write_rptr(uint64_t rptr) {
  if (desc_.rptr_address == 0) return true;
  VmFault f;
  if (!store64(desc_.rptr_address, rptr, &f)) {
    fault(f, "writing the read pointer");
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Hangs, faults, interrupts, the recent-packet log

QueueEngine::Step QueueEngine::hang(std::string reason) {
  {
    std::lock_guard lock(mutex_);
    hung_ = true;
    active_ = false;
    hang_reason_ = std::move(reason);
  }
  interrupt(Interrupt::Source::kQueueHung, id_);
  return Step::kHung;
}

QueueEngine::Step QueueEngine::fault(VmFault f, const std::string& context) {
  f.engine = engine_name();
  f.vmid = desc_.vmid;
  f.gpu_clock = device_.gpu_clock();
  device_.record_fault(f);
  interrupt(Interrupt::Source::kVmFault, id_);
  return hang(context.empty() ? f.to_string() : fmt::format("{} ({})", f.to_string(), context));
}

void QueueEngine::log_packet(packets::DecodedPacket packet, bool executed) {
  if (device_.has_packet_observer()) {
    // Called without mutex_ held, so an observer may take a snapshot of the queue.
    const auto now = std::chrono::steady_clock::now();
    const std::string engine = engine_name();
    PacketEvent e;
    e.device_index = device_.index();
    e.queue_id = id_;
    e.vmid = desc_.vmid;
    e.queue_type = desc_.type;
    e.engine = engine;
    e.queue_name = desc_.name;
    e.packet = &packet;
    e.executed = executed;
    e.start = timing_ ? packet_start_ : now;
    e.end = now;
    device_.observe_packet(e);
    // The next packet of the same step (an indirect buffer's) starts here.
    packet_start_ = std::chrono::steady_clock::now();
    timing_ = true;
  }
  std::lock_guard lock(mutex_);
  if (executed) ++packets_executed_;
  if (recent_.size() == kRecentPackets) recent_.pop_front();
  recent_.push_back(std::move(packet));
}

void QueueEngine::interrupt(Interrupt::Source source, uint32_t context_id) {
  Interrupt irq;
  irq.source = source;
  irq.queue_id = id_;
  irq.context_id = context_id;
  irq.gpu_clock = device_.gpu_clock();
  if (t_stepping == this) {
    deferred_.push_back(irq);  // delivered when the step ends (see deferred_)
    return;
  }
  device_.raise_interrupt(irq);
}

// ---------------------------------------------------------------------------------------------
// GPU memory helpers

uint8_t* QueueEngine::translate(uint64_t va, uint64_t len, Access access, VmFault* f) const {
  Expected<uint8_t*> p = vm_.translate(va, len, access, f);
  if (!p.ok()) {
    if (f->address == 0 && va != 0) f->address = va;
    f->access = access;
    if (f->reason.empty()) f->reason = p.status().message();
    return nullptr;
  }
  return *p;
}

namespace {

/// Fills in what a failed translate_run left empty.
void complete_fault(VmFault* f, const Status& s, uint64_t va, Access access) {
  if (f->address == 0) f->address = va;
  f->access = access;
  if (f->reason.empty()) f->reason = s.message();
}

}  // namespace

bool QueueEngine::read_bytes(uint64_t va, void* dst, uint64_t len, VmFault* f) const {
  auto* out = static_cast<uint8_t*>(dst);
  while (len > 0) {
    uint64_t run = 0;
    Expected<uint8_t*> p = vm_.translate_run(va, len, Access::kRead, &run, f);
    if (!p.ok()) {
      complete_fault(f, p.status(), va, Access::kRead);
      return false;
    }
    run = std::min(run, len);
    std::memcpy(out, *p, run);
    out += run;
    va += run;
    len -= run;
  }
  return true;
}

bool QueueEngine::write_bytes(uint64_t va, const void* src, uint64_t len, VmFault* f) const {
  const auto* in = static_cast<const uint8_t*>(src);
  while (len > 0) {
    uint64_t run = 0;
    Expected<uint8_t*> p = vm_.translate_run(va, len, Access::kWrite, &run, f);
    if (!p.ok()) {
      complete_fault(f, p.status(), va, Access::kWrite);
      return false;
    }
    run = std::min(run, len);
    std::memcpy(*p, in, run);
    in += run;
    va += run;
    len -= run;
  }
  return true;
}

bool QueueEngine::copy_gpu(uint64_t dst, uint64_t src, uint64_t len, VmFault* f) const {
  while (len > 0) {
    uint64_t src_run = 0;
    uint64_t dst_run = 0;
    Expected<uint8_t*> s = vm_.translate_run(src, len, Access::kRead, &src_run, f);
    if (!s.ok()) {
      complete_fault(f, s.status(), src, Access::kRead);
      return false;
    }
    Expected<uint8_t*> d = vm_.translate_run(dst, len, Access::kWrite, &dst_run, f);
    if (!d.ok()) {
      complete_fault(f, d.status(), dst, Access::kWrite);
      return false;
    }
    const uint64_t n = std::min({src_run, dst_run, len});
    std::memmove(*d, *s, n);
    src += n;
    dst += n;
    len -= n;
  }
  return true;
}

bool QueueEngine::fill_gpu(uint64_t dst, const uint8_t* pattern, size_t pattern_len, uint64_t len,
                           VmFault* f) const {
  uint64_t phase = 0;  // bytes written so far, modulo the pattern
  while (len > 0) {
    uint64_t run = 0;
    Expected<uint8_t*> d = vm_.translate_run(dst, len, Access::kWrite, &run, f);
    if (!d.ok()) {
      complete_fault(f, d.status(), dst, Access::kWrite);
      return false;
    }
    run = std::min(run, len);
    uint8_t* out = *d;
    if (pattern_len == 1) {
      std::memset(out, pattern[0], run);
    } else {
      // Write the first pattern period, then double the filled prefix with memcpy.
      const uint64_t first = std::min<uint64_t>(run, pattern_len);
      for (uint64_t i = 0; i < first; ++i) out[i] = pattern[(phase + i) % pattern_len];
      uint64_t filled = first;
      const uint64_t period = pattern_len;
      // Copy in chunks that are multiples of the period so the phase stays right.
      while (filled < run) {
        const uint64_t chunk = std::min(filled - filled % period, run - filled);
        std::memcpy(out + filled, out, chunk);
        filled += chunk;
      }
    }
    phase = (phase + run) % pattern_len;
    dst += run;
    len -= run;
  }
  return true;
}

namespace {

template <typename T>
bool aligned(const uint8_t* p) {
  return reinterpret_cast<uintptr_t>(p) % sizeof(T) == 0;
}

}  // namespace

bool QueueEngine::load32(uint64_t va, uint32_t* out, VmFault* f) const {
  uint8_t* p = translate(va, 4, Access::kRead, f);
  if (p == nullptr) {
    *f = VmFault{};  // the range may just straddle two mappings
    return read_bytes(va, out, 4, f);
  }
  if (aligned<uint32_t>(p)) {
    *out = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(p)).load();
  } else {
    std::memcpy(out, p, 4);
  }
  return true;
}

bool QueueEngine::load64(uint64_t va, uint64_t* out, VmFault* f) const {
  uint8_t* p = translate(va, 8, Access::kRead, f);
  if (p == nullptr) {
    *f = VmFault{};  // the range may just straddle two mappings
    return read_bytes(va, out, 8, f);
  }
  if (aligned<uint64_t>(p)) {
    *out = std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(p)).load();
  } else {
    std::memcpy(out, p, 8);
  }
  return true;
}

bool QueueEngine::store32(uint64_t va, uint32_t value, VmFault* f) const {
  uint8_t* p = translate(va, 4, Access::kWrite, f);
  if (p == nullptr) {
    *f = VmFault{};
    return write_bytes(va, &value, 4, f);
  }
  if (aligned<uint32_t>(p)) {
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(p)).store(value);
  } else {
    std::memcpy(p, &value, 4);
  }
  return true;
}

bool QueueEngine::store64(uint64_t va, uint64_t value, VmFault* f) const {
  uint8_t* p = translate(va, 8, Access::kWrite, f);
  if (p == nullptr) {
    *f = VmFault{};
    return write_bytes(va, &value, 8, f);
  }
  if (aligned<uint64_t>(p)) {
    std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(p)).store(value);
  } else {
    std::memcpy(p, &value, 8);
  }
  return true;
}

bool QueueEngine::store_dwords(uint64_t va, const uint32_t* data, size_t n, VmFault* f) const {
  uint8_t* p = translate(va, n * 4, Access::kWrite, f);
  if (p == nullptr || !aligned<uint32_t>(p)) {
    *f = VmFault{};
    for (size_t i = 0; i < n; ++i) {
      if (!store32(va + i * 4, data[i], f)) return false;
    }
    return true;
  }
  auto* out = reinterpret_cast<uint32_t*>(p);
  for (size_t i = 0; i < n; ++i) std::atomic_ref<uint32_t>(out[i]).store(data[i]);
  return true;
}

bool QueueEngine::read_ring(uint64_t ptr, uint64_t units, void* dst, VmFault* f) const {
  const uint64_t unit = queue_unit_bytes(desc_.type);
  const uint64_t index = ptr & (ring_units_ - 1);
  const uint64_t first = std::min(units, ring_units_ - index);
  auto* out = static_cast<uint8_t*>(dst);
  if (!read_bytes(desc_.ring_address + index * unit, out, first * unit, f)) return false;
  if (first < units) {
    return read_bytes(desc_.ring_address, out + first * unit, (units - first) * unit, f);
  }
  return true;
}

}  // namespace amdhal::sim
