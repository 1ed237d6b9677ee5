// Device: the simulated GPU's memory, GPUVM contexts, doorbell page, queue bookkeeping,
// interrupts, clock and fault records. Queue execution itself is QueueEngine's (queue_engine*.cpp).
#include "amdhal_sim/device.h"

#include <sys/mman.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "queue_engine.h"

namespace amdhal::sim {

namespace {

constexpr size_t kDoorbellPageBytes = Device::kDoorbellSlots * sizeof(uint64_t);
/// Hardware ring bases are programmed as address >> 8 (CP_HQD_PQ_BASE, SDMA RB_BASE).
constexpr uint64_t kRingAlignment = 256;
constexpr uint64_t kMinRingBytes = 256;

std::string queue_label(const QueueDesc& desc) {
  if (!desc.name.empty()) return desc.name;
  switch (desc.type) {
    case QueueType::kPm4:
      return "pm4 queue";
    case QueueType::kAql:
      return "aql queue";
    case QueueType::kSdma:
      return fmt::format("sdma{} queue", desc.engine);
  }
  return "queue";
}

}  // namespace

Device::Device(const DeviceConfig& config, System* system)
    : config_(config), system_(system), clock_origin_(std::chrono::steady_clock::now()) {}

Expected<std::unique_ptr<Device>> Device::create(const DeviceConfig& config, System* system) {
  if (config.family == nullptr) {
    return invalid_argument("simulated device needs a GPU family (DeviceConfig::family is null)");
  }
  auto physical = PhysicalMemory::create(config.vram_bytes);
  if (!physical.ok()) {
    return physical.status().with_context(
        fmt::format("create simulated {} device {}", config.family->name, config.index));
  }
  void* page =
      mmap(nullptr, kDoorbellPageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    return errno_status(errno, "allocate the simulated doorbell page");
  }
  std::unique_ptr<Device> device(new Device(config, system));
  device->physical_ = std::move(physical).value();
  device->doorbell_page_ = static_cast<uint64_t*>(page);
  device->vms_.reserve(kVmidCount);
  for (uint32_t vmid = 0; vmid < kVmidCount; ++vmid) {
    device->vms_.push_back(std::make_unique<AddressSpace>(vmid, device->physical_.get()));
  }
  device->doorbell_owner_.assign(kDoorbellSlots, kNoQueue);
  return device;
}

Device::~Device() {
  // Stop every engine thread before the memory, doorbells and VMs they use go away.
  destroy_all_queues();
  if (doorbell_page_ != nullptr) munmap(doorbell_page_, kDoorbellPageBytes);
}

uint32_t Device::sdma_engine_count() const {
  return std::max<uint32_t>(2, config_.family->sdma_engines + config_.family->sdma_xgmi_engines);
}

AddressSpace& Device::vm(uint32_t vmid) {
  if (vmid >= kVmidCount) {
    std::fprintf(stderr, "amdhal sim: Device::vm(%u): vmid out of range (0-%u)\n", vmid,
                 kVmidCount - 1);
    std::abort();
  }
  return *vms_[vmid];
}

// ---------------------------------------------------------------------------------------------
// Queues

Expected<uint32_t> Device::create_queue(const QueueDesc& desc) {
  const std::string name = queue_label(desc);
  if (desc.vmid >= kVmidCount) {
    return invalid_argument(
        fmt::format("{}: vmid {} out of range (0-{})", name, desc.vmid, kVmidCount - 1));
  }
  if (desc.ring_bytes < kMinRingBytes || !std::has_single_bit(desc.ring_bytes)) {
    return invalid_argument(
        fmt::format("{}: ring size {} bytes is not a power of two of at least {} bytes", name,
                    desc.ring_bytes, kMinRingBytes));
  }
  if (desc.ring_address % kRingAlignment != 0) {
    return invalid_argument(fmt::format("{}: ring address {:#x} is not {}-byte aligned", name,
                                        desc.ring_address, kRingAlignment));
  }
  if (desc.type == QueueType::kSdma && desc.engine >= sdma_engine_count()) {
    return invalid_argument(fmt::format("{}: SDMA engine {} does not exist ({} has {} engines)",
                                        name, desc.engine, family().name, sdma_engine_count()));
  }
  if (desc.doorbell_index >= kDoorbellSlots) {
    return invalid_argument(fmt::format("{}: doorbell slot {} out of range (0-{})", name,
                                        desc.doorbell_index, kDoorbellSlots - 1));
  }
  // The whole ring must be readable in the queue's address space.
  AddressSpace& space = vm(desc.vmid);
  for (uint64_t offset = 0; offset < desc.ring_bytes;) {
    uint64_t run = 0;
    VmFault fault;
    auto host = space.translate_run(desc.ring_address + offset, desc.ring_bytes - offset,
                                    Access::kRead, &run, &fault);
    if (!host.ok()) {
      return invalid_argument(fmt::format(
          "{}: ring [{:#x}, {:#x}) is not readable in vmid {}: {}", name, desc.ring_address,
          desc.ring_address + desc.ring_bytes, desc.vmid, fault.reason));
    }
    offset += run;
  }
  if (desc.rptr_address != 0) {
    VmFault fault;
    if (!space.translate(desc.rptr_address, 8, Access::kWrite, &fault).ok()) {
      return invalid_argument(
          fmt::format("{}: read-pointer address {:#x} is not writable in vmid "
                      "{}: {}",
                      name, desc.rptr_address, desc.vmid, fault.reason));
    }
  }
  if (desc.wptr_address != 0) {
    VmFault fault;
    if (!space.translate(desc.wptr_address, 8, Access::kRead, &fault).ok()) {
      return invalid_argument(
          fmt::format("{}: write-pointer address {:#x} is not readable in vmid "
                      "{}: {}",
                      name, desc.wptr_address, desc.vmid, fault.reason));
    }
  }

  // Reserve the id and the doorbell slot, then start the engine without the lock held (its thread
  // may call back into the device).
  uint32_t id = 0;
  {
    std::unique_lock lock(queue_mutex_);
    const uint32_t owner = doorbell_owner_[desc.doorbell_index];
    if (owner != kNoQueue) {
      return invalid_argument(fmt::format("{}: doorbell slot {} is already used by queue {}", name,
                                          desc.doorbell_index, owner));
    }
    id = static_cast<uint32_t>(queues_.size());
    queues_.emplace_back();  // null until the engine is running
    doorbell_owner_[desc.doorbell_index] = id;
    // A new queue starts from an empty slot, as programming an HQD resets its write pointer:
    // a value left by a destroyed queue must not look like published work.
    __atomic_store_n(doorbell_page_ + desc.doorbell_index, uint64_t{0}, __ATOMIC_RELEASE);
  }
  auto engine = QueueEngine::create(*this, id, desc);
  std::unique_lock lock(queue_mutex_);
  if (!engine.ok()) {
    doorbell_owner_[desc.doorbell_index] = kNoQueue;
    return engine.status();
  }
  queues_[id] = std::move(engine).value();
  return id;
}

Status Device::destroy_queue(uint32_t queue_id) {
  std::unique_ptr<QueueEngine> engine;
  {
    std::unique_lock lock(queue_mutex_);
    if (queue_id >= queues_.size() || !queues_[queue_id]) {
      return not_found(fmt::format("no queue {} on simulated device {}", queue_id, index()));
    }
    engine = std::move(queues_[queue_id]);
    const uint32_t slot = engine->desc().doorbell_index;
    if (slot < kDoorbellSlots && doorbell_owner_[slot] == queue_id) {
      doorbell_owner_[slot] = kNoQueue;
    }
  }
  engine.reset();  // joins the engine thread
  return ok_status();
}

void Device::destroy_all_queues() {
  std::vector<std::unique_ptr<QueueEngine>> engines;
  {
    std::unique_lock lock(queue_mutex_);
    for (auto& q : queues_) {
      if (!q) continue;
      const uint32_t slot = q->desc().doorbell_index;
      if (slot < kDoorbellSlots) doorbell_owner_[slot] = kNoQueue;
      engines.push_back(std::move(q));
    }
  }
  engines.clear();  // joins the engine threads, outside the lock
}

Status Device::reset_queue(uint32_t queue_id) {
  std::shared_lock lock(queue_mutex_);
  if (queue_id >= queues_.size() || !queues_[queue_id]) {
    return not_found(fmt::format("no queue {} on simulated device {}", queue_id, index()));
  }
  return queues_[queue_id]->reset();
}

Status Device::set_queue_suspended(uint32_t queue_id, bool suspended) {
  std::shared_lock lock(queue_mutex_);
  if (queue_id >= queues_.size() || !queues_[queue_id]) {
    return not_found(fmt::format("no queue {} on simulated device {}", queue_id, index()));
  }
  return queues_[queue_id]->set_suspended(suspended);
}

Expected<QueueSnapshot> Device::queue_state(uint32_t queue_id) const {
  std::shared_lock lock(queue_mutex_);
  if (queue_id >= queues_.size() || !queues_[queue_id]) {
    return not_found(fmt::format("no queue {} on simulated device {}", queue_id, index()));
  }
  return queues_[queue_id]->snapshot();
}

std::vector<QueueSnapshot> Device::all_queues() const {
  std::shared_lock lock(queue_mutex_);
  std::vector<QueueSnapshot> out;
  for (const auto& q : queues_) {
    if (q) out.push_back(q->snapshot());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Doorbells

uint64_t Device::read_doorbell(uint32_t slot) const {
  if (slot >= kDoorbellSlots) return 0;
  return __atomic_load_n(doorbell_page_ + slot, __ATOMIC_ACQUIRE);
}

void Device::ring_doorbell(uint32_t slot, uint64_t value) {
  if (slot >= kDoorbellSlots) return;
  __atomic_store_n(doorbell_page_ + slot, value, __ATOMIC_RELEASE);
  std::shared_lock lock(queue_mutex_);
  const uint32_t owner = doorbell_owner_[slot];
  if (owner != kNoQueue && owner < queues_.size() && queues_[owner]) queues_[owner]->notify();
}

// ---------------------------------------------------------------------------------------------
// Interrupts, clock, faults, kernel executor

void Device::set_interrupt_handler(std::function<void(const Interrupt&)> handler) {
  std::function<void(const Interrupt&)> old;
  {
    std::lock_guard lock(interrupt_mutex_);
    old = std::exchange(interrupt_handler_, std::move(handler));
  }
  // `old` (and whatever it captured) is destroyed here, outside the lock.
}

void Device::raise_interrupt(const Interrupt& irq) {
  interrupt_count_.fetch_add(1, std::memory_order_relaxed);
  Interrupt copy = irq;
  if (copy.gpu_clock == 0) copy.gpu_clock = gpu_clock();
  std::lock_guard lock(interrupt_mutex_);
  if (interrupt_handler_) interrupt_handler_(copy);
}

uint64_t Device::gpu_clock() const {
  const auto elapsed = std::chrono::steady_clock::now() - clock_origin_;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
  return static_cast<uint64_t>(ns) / (1'000'000'000 / kGpuClockHz);
}

std::vector<VmFault> Device::faults() const {
  std::lock_guard lock(state_mutex_);
  return faults_;
}

void Device::record_fault(const VmFault& fault) {
  VmFault copy = fault;
  if (copy.gpu_clock == 0) copy.gpu_clock = gpu_clock();
  std::lock_guard lock(state_mutex_);
  if (faults_.size() >= kMaxFaults) faults_.erase(faults_.begin());
  faults_.push_back(std::move(copy));
}

void Device::clear_faults() {
  std::lock_guard lock(state_mutex_);
  faults_.clear();
}

void Device::set_kernel_executor(std::shared_ptr<KernelExecutor> executor) {
  std::lock_guard lock(state_mutex_);
  executor_ = std::move(executor);
}

std::shared_ptr<KernelExecutor> Device::kernel_executor() const {
  std::lock_guard lock(state_mutex_);
  return executor_;
}

void Device::set_packet_observer(PacketObserver observer) {
  // The exclusive lock waits for observer calls in progress (they hold it shared).
  std::unique_lock lock(observer_mutex_);
  packet_observer_ = std::move(observer);
  has_packet_observer_.store(static_cast<bool>(packet_observer_), std::memory_order_relaxed);
}

void Device::observe_packet(const PacketEvent& event) {
  std::shared_lock lock(observer_mutex_);
  if (packet_observer_) packet_observer_(event);
}

}  // namespace amdhal::sim
