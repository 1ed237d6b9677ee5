// Events of the virtual KFD, after the kernel's drivers/gpu/drm/amd/amdkfd/kfd_events.c: the
// signal page (one 64-bit slot per signal event, UNSIGNALED = ~0), event ids (0 reserved,
// signal events 1..slots-1, other events from 0x80000000), auto-reset, event age, WAIT_EVENTS,
// and interrupts: an end-of-pipe / AQL interrupt with context id N signals event N only if
// slot N was written (not UNSIGNALED) — otherwise every event whose slot was written is
// signalled — and the slot is reset to UNSIGNALED (kfd_signal_event_interrupt).
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "vkfd_internal.h"

namespace amdhal::sim {

using namespace vkfd;  // NOLINT

namespace {

bool gpu_signalable(const Event& ev) {
  return ev.type == KFD_IOC_EVENT_SIGNAL || ev.type == KFD_IOC_EVENT_DEBUG_EVENT;
}

uint64_t load_slot(const uint64_t* slots, uint32_t id) {
  return __atomic_load_n(slots + id, __ATOMIC_ACQUIRE);
}

}  // namespace

// set_event(): wake every waiter; an auto-reset event stays signalled only if nobody waited.
void VirtualKfd::Impl::set_event_locked(Event& ev) {
  ev.signaled = !ev.auto_reset || ev.waiters.empty();
  if (++ev.age == 0) ev.age = 2;
  for (Waiter* w : ev.waiters) w->activated = true;
  ev_cv.notify_all();
}

// kfd_kmap_event_page + kfd_event_create (create_signal_event / create_other_event).
int VirtualKfd::Impl::create_event(void* arg) {
  auto* a = static_cast<kfd_ioctl_create_event_args*>(arg);
  std::unique_lock plock(mu, std::defer_lock);
  if (a->event_page_offset != 0) plock.lock();
  std::lock_guard lock(ev_mu);
  if (a->event_page_offset != 0) {
    if (signal_slots != nullptr) return EINVAL;  // "Event page is already set"
    Gpu* g = gpu_by_id(static_cast<uint32_t>(a->event_page_offset >> 32));
    if (g == nullptr) return EINVAL;
    if (g->acquired_file == 0) return ENODEV;
    auto it = bos.find(a->event_page_offset);
    if (it == bos.end()) return EINVAL;  // "Can't find BO"
    Bo& bo = *it->second;
    // amdgpu_amdkfd_gpuvm_map_gtt_bo_to_kernel maps GTT BOs only; the page must hold every slot.
    if (bo.kind != BoKind::kGtt) return EINVAL;
    if (bo.size < uint64_t{KFD_SIGNAL_EVENT_LIMIT} * 8) return EINVAL;
    std::memset(bo.kaddr, 0xFF, uint64_t{KFD_SIGNAL_EVENT_LIMIT} * 8);
    signal_slots = reinterpret_cast<uint64_t*>(bo.kaddr);
    signal_memfd = bo.memfd;
    signal_page_owned = false;
    signal_mapped_size = bo.size;
    signal_handle = bo.handle;
  }
  auto ev = std::make_unique<Event>();
  ev->type = a->event_type;
  ev->auto_reset = a->auto_reset != 0;
  a->event_page_offset = 0;
  if (gpu_signalable(*ev)) {
    if (signal_mapped_size != 0 && signal_event_count == signal_mapped_size / 8) return ENOSPC;
    if (signal_slots == nullptr) {
      // allocate_signal_page: KFD's own page; old user mode expects 256 slots until it mmaps.
      const uint64_t bytes = uint64_t{KFD_SIGNAL_EVENT_LIMIT} * 8;
      const int fd = memfd_create("amdhal-vkfd-events", MFD_CLOEXEC);
      if (fd < 0) return ENOMEM;
      if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
        ::close(fd);
        return ENOMEM;
      }
      void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        return ENOMEM;
      }
      std::memset(p, 0xFF, bytes);
      signal_slots = static_cast<uint64_t*>(p);
      signal_memfd = fd;
      signal_page_owned = true;
      signal_mapped_size = 256 * 8;
    }
    uint32_t id = 1;
    const auto limit = static_cast<uint32_t>(signal_mapped_size / 8);
    while (id < limit && events.count(id) != 0) ++id;
    if (id >= limit) return ENOSPC;
    ev->id = id;
    __atomic_store_n(signal_slots + id, kUnsignaledSlot, __ATOMIC_RELEASE);
    ++signal_event_count;
    a->event_page_offset = kMmapTypeEvents;
    a->event_slot_index = id;
  } else {
    uint32_t id = next_other_event;
    while (events.count(id) != 0) ++id;
    next_other_event = id + 1;
    ev->id = id;
  }
  a->event_id = ev->id;
  a->event_trigger_data = ev->id;
  events[ev->id] = std::move(ev);
  return 0;
}

// kfd_event_destroy: unknown id → EINVAL; waiters see the event gone (wait_result FAIL).
int VirtualKfd::Impl::destroy_event(void* arg) {
  auto* a = static_cast<kfd_ioctl_destroy_event_args*>(arg);
  std::lock_guard lock(ev_mu);
  auto it = events.find(a->event_id);
  if (it == events.end()) return EINVAL;
  for (Waiter* w : it->second->waiters) w->event = nullptr;
  it->second->waiters.clear();
  if (gpu_signalable(*it->second)) --signal_event_count;
  events.erase(it);
  ev_cv.notify_all();
  return 0;
}

// kfd_set_event / kfd_reset_event: unknown id, or an event the CPU cannot signal → EINVAL.
int VirtualKfd::Impl::set_event(void* arg) {
  auto* a = static_cast<kfd_ioctl_set_event_args*>(arg);
  std::lock_guard lock(ev_mu);
  auto it = events.find(a->event_id);
  if (it == events.end() || it->second->type != KFD_IOC_EVENT_SIGNAL) return EINVAL;
  set_event_locked(*it->second);
  return 0;
}

int VirtualKfd::Impl::reset_event(void* arg) {
  auto* a = static_cast<kfd_ioctl_reset_event_args*>(arg);
  std::lock_guard lock(ev_mu);
  auto it = events.find(a->event_id);
  if (it == events.end() || it->second->type != KFD_IOC_EVENT_SIGNAL) return EINVAL;
  it->second->signaled = false;
  return 0;
}

// kfd_wait_on_events.
int VirtualKfd::Impl::wait_events(void* arg) {
  auto* a = static_cast<kfd_ioctl_wait_events_args*>(arg);
  const uint32_t n = a->num_events;
  if (n > (1u << 22)) {  // kcalloc of the waiters fails
    a->wait_result = KFD_IOC_WAIT_RESULT_FAIL;
    return ENOMEM;
  }
  std::vector<Waiter> waiters(n);
  int ret = 0;
  uint32_t result = KFD_IOC_WAIT_RESULT_TIMEOUT;
  const bool all = a->wait_for_all != 0;
  auto test = [&]() -> uint32_t {
    uint32_t activated = 0;
    for (const Waiter& w : waiters) {
      if (w.event == nullptr) return KFD_IOC_WAIT_RESULT_FAIL;
      if (w.activated) {
        if (!all) return KFD_IOC_WAIT_RESULT_COMPLETE;
        ++activated;
      }
    }
    return activated == n ? KFD_IOC_WAIT_RESULT_COMPLETE : KFD_IOC_WAIT_RESULT_TIMEOUT;
  };
  // copy_signaled_event_data: exception data of MEMORY / HW_EXCEPTION events.
  auto copy_out = [&]() -> int {
    for (uint32_t i = 0; i < n; ++i) {
      const Waiter& w = waiters[i];
      if (w.event == nullptr) return EINVAL;
      if (!w.activated) continue;
      const uint64_t base = a->events_ptr + uint64_t{i} * sizeof(kfd_event_data);
      if (w.event->type == KFD_IOC_EVENT_MEMORY) {
        if (!copy_to_user(base + offsetof(kfd_event_data, memory_exception_data), &w.event->memory,
                          sizeof(w.event->memory))) {
          return EFAULT;
        }
      } else if (w.event->type == KFD_IOC_EVENT_HW_EXCEPTION) {
        kfd_hsa_hw_exception_data hw{};
        if (!copy_to_user(base + offsetof(kfd_event_data, hw_exception_data), &hw, sizeof(hw))) {
          return EFAULT;
        }
      }
    }
    return 0;
  };

  std::unique_lock lock(ev_mu);
  uint32_t inited = 0;
  for (; inited < n; ++inited) {
    kfd_event_data data{};
    if (!copy_from_user(&data, a->events_ptr + uint64_t{inited} * sizeof(data), sizeof(data))) {
      ret = EFAULT;
      break;
    }
    auto it = events.find(data.event_id);
    if (it == events.end()) {
      ret = EINVAL;
      break;
    }
    Event& ev = *it->second;
    Waiter& w = waiters[inited];
    w.event = &ev;
    w.activated = ev.signaled;
    ev.signaled = ev.signaled && !ev.auto_reset;
    // (last_event_age, KFD 1.14+, is not in the 1.11 kfd_event_data this builds against.)
    if (!w.activated) ev.waiters.push_back(&w);
  }
  if (ret == 0) {
    result = test();
    if (result == KFD_IOC_WAIT_RESULT_TIMEOUT && a->timeout != 0) {
      const bool infinite = a->timeout == 0xFFFFFFFFu;
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(std::min<uint32_t>(a->timeout, 0x7FFFFFFF));
      while (true) {
        if (infinite) {
          ev_cv.wait(lock);
        } else if (ev_cv.wait_until(lock, deadline) == std::cv_status::timeout) {
          result = test();
          break;
        }
        result = test();
        if (result != KFD_IOC_WAIT_RESULT_TIMEOUT) break;
      }
    }
    if (result == KFD_IOC_WAIT_RESULT_COMPLETE) ret = copy_out();
  }
  // free_waiters
  for (uint32_t i = 0; i < inited && i < n; ++i) {
    Event* ev = waiters[i].event;
    if (ev != nullptr) std::erase(ev->waiters, &waiters[i]);
  }
  if (ret != 0) {
    result = KFD_IOC_WAIT_RESULT_FAIL;
  } else if (result == KFD_IOC_WAIT_RESULT_FAIL) {
    ret = EIO;
  }
  a->wait_result = result;
  return ret;
}

// ---- interrupts (kfd_int_process_v9.c → kfd_signal_event_interrupt) ----

void VirtualKfd::Impl::signal_event_interrupt(uint32_t partial_id, uint32_t valid_bits) {
  std::lock_guard lock(ev_mu);
  if (signal_slots == nullptr) return;
  auto set_from_interrupt = [&](Event* ev) {
    if (ev == nullptr || !gpu_signalable(*ev)) return;
    __atomic_store_n(signal_slots + ev->id, kUnsignaledSlot, __ATOMIC_RELEASE);  // acknowledge
    set_event_locked(*ev);
  };
  const bool full_id = valid_bits > 31 || (1u << valid_bits) >= KFD_SIGNAL_EVENT_LIMIT;
  if (valid_bits != 0 && partial_id < KFD_SIGNAL_EVENT_LIMIT && full_id) {
    if (load_slot(signal_slots, partial_id) != kUnsignaledSlot) {
      auto it = events.find(partial_id);
      if (it != events.end()) {
        set_from_interrupt(it->second.get());
        return;
      }
    } else {
      return;  // the same event signalled twice before the first interrupt was handled
    }
  }
  // Exhaustive search of signalled slots.
  for (auto& [id, ev] : events) {
    if (id >= KFD_SIGNAL_EVENT_LIMIT) break;
    if (load_slot(signal_slots, id) != kUnsignaledSlot) set_from_interrupt(ev.get());
  }
}

void VirtualKfd::Impl::signal_events_of_type(uint32_t type,
                                             const kfd_hsa_memory_exception_data* data) {
  std::lock_guard lock(ev_mu);
  for (auto& [id, ev] : events) {
    if (ev->type != type) continue;
    set_event_locked(*ev);
    if (data != nullptr && type == KFD_IOC_EVENT_MEMORY) ev->memory = *data;
  }
}

void VirtualKfd::Impl::signal_vm_fault(size_t gpu) {
  // kfd_signal_vm_fault_event (no SIGSEGV is sent to the simulated process).
  kfd_hsa_memory_exception_data d{};
  d.gpu_id = gpus[gpu].gpu_id;
  auto faults = gpus[gpu].device->faults();
  if (!faults.empty()) {
    const VmFault& f = faults.back();
    d.va = f.address;
    d.failure.NotPresent = f.reason == "unmapped" ? 1 : 0;
    d.failure.ReadOnly = f.reason == "not writable" ? 1 : 0;
    d.failure.NoExecute = f.reason == "not executable" ? 1 : 0;
    std::lock_guard lock(fault_mu);
    gpus[gpu].reported_fault_clock = std::max(gpus[gpu].reported_fault_clock, f.gpu_clock);
  } else {
    d.failure.imprecise = 1;
  }
  signal_events_of_type(KFD_IOC_EVENT_MEMORY, &d);
}

void VirtualKfd::Impl::on_interrupt(size_t gpu, const Interrupt& irq) {
  switch (irq.source) {
    case Interrupt::Source::kEndOfPipe:
    case Interrupt::Source::kAqlSignal:
      signal_event_interrupt(irq.context_id, 32);
      break;
    case Interrupt::Source::kSdmaTrap:
      signal_event_interrupt(irq.context_id & 0x0FFFFFFF, 28);
      break;
    case Interrupt::Source::kVmFault:
      signal_vm_fault(gpu);
      break;
    case Interrupt::Source::kQueueHung: {
      // What the kernel logs as a ring timeout / queue preemption failure goes to stderr, with the
      // simulator's decoded reason (the program itself only sees the HW exception event).
      auto st = gpus[gpu].device->queue_state(irq.queue_id);
      if (st.ok()) {
        std::fprintf(stderr, "virtual KFD: queue %s of GPU 0x%x hung: %s\n", st->name.c_str(),
                     gpus[gpu].gpu_id, st->hang_reason.c_str());
      }
      // A shader's VM fault stops its dispatch, which hangs the queue: on hardware the UTCL2
      // raises the fault interrupt on its own, so the MEMORY event (what ROCr's VM-fault handler
      // waits on) is signalled here for a fault the queue engine did not report itself.
      {
        auto faults = gpus[gpu].device->faults();
        bool unreported = false;
        if (!faults.empty() && faults.back().engine == "shader") {
          std::lock_guard lock(fault_mu);
          unreported = faults.back().gpu_clock > gpus[gpu].reported_fault_clock;
        }
        if (unreported) signal_vm_fault(gpu);
      }
      // A hung queue is what makes KFD reset the GPU: kfd_signal_hw_exception_event.
      signal_events_of_type(KFD_IOC_EVENT_HW_EXCEPTION, nullptr);
      break;
    }
  }
}

}  // namespace amdhal::sim
