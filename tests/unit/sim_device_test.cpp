// Simulated device and system: SystemSpec parsing, device creation (lazy VRAM, VMIDs, doorbells),
// the GPU clock, interrupts, fault records and create_queue argument validation.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "amdhal_sim/device.h"

namespace amdhal::sim {
namespace {

const GpuFamily* family(std::string_view name) {
  auto f = find_family(name);
  EXPECT_TRUE(f.ok()) << name;
  return f.ok() ? *f : nullptr;
}

std::unique_ptr<Device> make_device(std::string_view target = "gfx942",
                                    uint64_t vram = 64ull << 20) {
  DeviceConfig config;
  config.family = family(target);
  config.vram_bytes = vram;
  auto device = Device::create(config, nullptr);
  EXPECT_TRUE(device.ok()) << device.status().to_string();
  return std::move(device).value();
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// ------------------------------------------------------------------------------------------
// SystemSpec

TEST(SimSystemSpec, ParsesGoodSpecs) {
  auto a = SystemSpec::parse("sim:gfx942");
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->family->name, "gfx942");
  EXPECT_EQ(a->count, 1u);
  EXPECT_EQ(a->vram_bytes, 512ull << 20);
  EXPECT_TRUE(a->options.empty());
  EXPECT_EQ(a->to_string(), "sim:gfx942,vram=512M");

  auto b = SystemSpec::parse("sim:gfx942x4");
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->family->name, "gfx942");
  EXPECT_EQ(b->count, 4u);

  auto c = SystemSpec::parse("sim:gfx1100,vram=1G");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->family->name, "gfx1100");
  EXPECT_EQ(c->vram_bytes, 1ull << 30);

  auto d = SystemSpec::parse("sim:gfx90a");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->family->name, "gfx90a");

  auto e = SystemSpec::parse("sim:gfx90ax16,vram=256m,watchdog=250ms,foo=bar");
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->family->name, "gfx90a");
  EXPECT_EQ(e->count, 16u);
  EXPECT_EQ(e->vram_bytes, 256ull << 20);
  EXPECT_EQ(e->watchdog, std::chrono::milliseconds(250));
  ASSERT_EQ(e->options.size(), 1u);
  EXPECT_EQ(e->options[0].first, "foo");
  EXPECT_EQ(e->options[0].second, "bar");
  EXPECT_EQ(e->to_string(), "sim:gfx90ax16,vram=256M,watchdog=250ms,foo=bar");
  auto round = SystemSpec::parse(e->to_string());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->to_string(), e->to_string());

  auto f = SystemSpec::parse("sim:gfx942,vram=2048K,watchdog=2s");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->vram_bytes, 2ull << 20);
  EXPECT_EQ(f->watchdog, std::chrono::seconds(2));
  auto t = SystemSpec::parse("sim:gfx90a,timeout=2s");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->kernel_timeout, std::chrono::seconds(2));
  EXPECT_TRUE(t->options.empty());
  EXPECT_EQ(t->to_string(), "sim:gfx90a,vram=512M,timeout=2000ms");
  auto sys = System::create(*t);
  ASSERT_TRUE(sys.ok()) << sys.status().to_string();
  EXPECT_EQ((*sys)->device(0).config().kernel_timeout, std::chrono::seconds(2));
  auto g = SystemSpec::parse("sim:gfx942,vram=16777216");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->vram_bytes, 16ull << 20);
}

TEST(SimSystemSpec, RejectsBadSpecsWithClearMessages) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"gfx942", "does not start with 'sim:'"},
           Case{"", "does not start with 'sim:'"},
           Case{"sim:", "names no target"},
           Case{"sim:,vram=1G", "names no target"},
           Case{"sim:gfx999", "unknown simulator target 'gfx999'"},
           Case{"sim:banana", "unknown simulator target 'banana'"},
           Case{"sim:gfx942x", "unknown simulator target 'gfx942x'"},
           Case{"sim:gfx942x0", "device count '0' in 'sim:gfx942x0' is out of range (1-16)"},
           Case{"sim:gfx942x17", "out of range (1-16)"},
           Case{"sim:gfx942x99999999999999999999999", "out of range (1-16)"},
           Case{"sim:gfx942,", "is not key=value"},
           Case{"sim:gfx942,vram", "option 'vram' in 'sim:gfx942,vram' is not key=value"},
           Case{"sim:gfx942,=1G", "is not key=value"},
           Case{"sim:gfx942,vram=", "bad vram size ''"},
           Case{"sim:gfx942,vram=12Q", "bad vram size '12Q'"},
           Case{"sim:gfx942,vram=G", "bad vram size 'G'"},
           Case{"sim:gfx942,vram=-1G", "bad vram size '-1G'"},
           Case{"sim:gfx942,vram=512K", "out of range (1M-1024G)"},
           Case{"sim:gfx942,vram=2048G", "out of range (1M-1024G)"},
           Case{"sim:gfx942,vram=99999999999999999G", "out of range (1M-1024G)"},
           Case{"sim:gfx942,vram=1048577", "not a multiple of 4 KiB"},
           Case{"sim:gfx942,vram=1G,vram=2G", "option 'vram' given twice"},
           Case{"sim:gfx942,watchdog=0", "bad watchdog '0'"},
           Case{"sim:gfx942,watchdog=soon", "bad watchdog 'soon'"},
           Case{"sim:gfx942,timeout=0", "bad timeout '0'"},
           Case{"sim:gfx942,timeout=1s,timeout=2s", "option 'timeout' given twice"},
       }) {
    auto spec = SystemSpec::parse(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_TRUE(contains(spec.status().message(), c.message))
        << c.text << ": " << spec.status().message();
  }
  // A bad target lists the known ones.
  auto bad = SystemSpec::parse("sim:gfx999");
  for (const GpuFamily& f : all_families()) {
    EXPECT_TRUE(contains(bad.status().message(), f.name)) << bad.status().message();
  }
  EXPECT_TRUE(contains(SystemSpec::parse("gfx942").status().message(), "known targets: "));
}

// ------------------------------------------------------------------------------------------
// System and Device creation

TEST(SimSystem, CreatesIndexedDevices) {
  auto system = System::from_spec("sim:gfx942x4,vram=64M");
  ASSERT_TRUE(system.ok()) << system.status().to_string();
  ASSERT_EQ((*system)->device_count(), 4u);
  EXPECT_EQ((*system)->spec().count, 4u);
  for (size_t i = 0; i < 4; ++i) {
    Device& d = (*system)->device(i);
    EXPECT_EQ(d.index(), i);
    EXPECT_EQ(d.system(), system->get());
    EXPECT_EQ(d.family().name, "gfx942");
    EXPECT_EQ(d.physical().vram_size(), 64ull << 20);
    if (i > 0) {
      EXPECT_NE(d.physical().vram(), (*system)->device(0).physical().vram());
    }
  }
  EXPECT_EQ(System::from_spec("sim:gfx942x40").status().code(), StatusCode::kInvalidArgument);
  SystemSpec empty;
  EXPECT_EQ(System::create(empty).status().code(), StatusCode::kInvalidArgument);
}

TEST(SimDevice, CreateValidatesConfig) {
  DeviceConfig config;
  auto none = Device::create(config, nullptr);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(none.status().message(), "family"));
  config.family = family("gfx1100");
  config.vram_bytes = 12345;
  EXPECT_EQ(Device::create(config, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST(SimDevice, VmidsAndEngines) {
  auto d = make_device("gfx942");
  for (uint32_t v = 0; v < Device::kVmidCount; ++v) {
    EXPECT_EQ(d->vm(v).vmid(), v);
    if (v > 0) {
      EXPECT_NE(&d->vm(v), &d->vm(v - 1));
    }
  }
  EXPECT_EQ(d->sdma_engine_count(), d->family().sdma_engines + d->family().sdma_xgmi_engines);
  auto navi = make_device("gfx1100");
  EXPECT_GE(navi->sdma_engine_count(), 2u);
}

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST(SimDevice, LargeVramIsBackedLazily) {
  // 64 GiB of VRAM on a host with far less memory: only touched pages cost anything.
  const uint64_t before = resident_bytes();
  auto d = make_device("gfx942", 64ull << 30);
  ASSERT_NE(d, nullptr);
  PhysicalMemory& vram = d->physical();
  EXPECT_EQ(vram.vram_size(), 64ull << 30);
  for (uint64_t offset : {0ull, 1ull << 30, 32ull << 30, (64ull << 30) - 4096}) {
    ASSERT_TRUE(vram.write64(offset, offset + 1, false).ok());
  }
  for (uint64_t offset : {0ull, 1ull << 30, 32ull << 30, (64ull << 30) - 4096}) {
    EXPECT_EQ(*vram.read64(offset, false), offset + 1);
  }
  EXPECT_EQ(*vram.read64(48ull << 30, false), 0u);  // untouched VRAM reads as zero
  const uint64_t after = resident_bytes();
  EXPECT_LT(after - std::min(after, before), 256ull << 20);
}

// ------------------------------------------------------------------------------------------
// Doorbells, clock, interrupts, faults, executor

TEST(SimDevice, DoorbellSlots) {
  auto d = make_device();
  volatile uint64_t* page = d->doorbells();
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(page) % 4096, 0u);
  for (uint32_t slot : {0u, 1u, 511u, Device::kDoorbellSlots - 1}) {
    EXPECT_EQ(d->read_doorbell(slot), 0u);
    d->ring_doorbell(slot, 0x100 + slot);
    EXPECT_EQ(d->read_doorbell(slot), 0x100u + slot);
    EXPECT_EQ(__atomic_load_n(&page[slot], __ATOMIC_ACQUIRE), 0x100u + slot);
  }
  // Plain stores through the page are visible too.
  __atomic_store_n(&page[7], uint64_t{77}, __ATOMIC_RELEASE);
  EXPECT_EQ(d->read_doorbell(7), 77u);
  // Out-of-range slots are ignored.
  d->ring_doorbell(Device::kDoorbellSlots, 5);
  EXPECT_EQ(d->read_doorbell(Device::kDoorbellSlots), 0u);
}

TEST(SimDevice, GpuClockIsMonotonicAndAbout100MHz) {
  auto d = make_device();
  uint64_t last = d->gpu_clock();
  for (int i = 0; i < 10000; ++i) {
    uint64_t now = d->gpu_clock();
    ASSERT_GE(now, last);
    last = now;
  }
  const uint64_t c0 = d->gpu_clock();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto t1 = std::chrono::steady_clock::now();
  const uint64_t c1 = d->gpu_clock();
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  const double ticks = static_cast<double>(c1 - c0);
  // At least the ticks of the inner interval, and within a loose factor of 100 MHz.
  EXPECT_GE(ticks + 1, seconds * 100e6);
  EXPECT_LT(ticks, seconds * 100e6 * 3 + 1e6);
  EXPECT_GE(ticks, 50e-3 * 100e6 * 0.9);
}

TEST(SimDevice, InterruptHandlerReceivesRaisedInterrupts) {
  auto d = make_device();
  // No handler: dropped, but counted.
  d->raise_interrupt(Interrupt{});
  EXPECT_EQ(d->interrupt_count(), 1u);

  std::mutex mutex;
  std::vector<Interrupt> seen;
  d->set_interrupt_handler([&](const Interrupt& irq) {
    std::lock_guard lock(mutex);
    seen.push_back(irq);
  });
  constexpr int kThreads = 4, kEach = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Interrupt irq;
        irq.source = Interrupt::Source::kSdmaTrap;
        irq.queue_id = static_cast<uint32_t>(t);
        irq.context_id = static_cast<uint32_t>(i);
        d->raise_interrupt(irq);
      }
    });
  }
  for (auto& t : threads) t.join();
  d->set_interrupt_handler(nullptr);
  d->raise_interrupt(Interrupt{});
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kEach));
  std::vector<int> per_queue(kThreads, 0);
  for (const Interrupt& irq : seen) {
    EXPECT_EQ(irq.source, Interrupt::Source::kSdmaTrap);
    ASSERT_LT(irq.queue_id, static_cast<uint32_t>(kThreads));
    ++per_queue[irq.queue_id];
  }
  for (int n : per_queue) EXPECT_EQ(n, kEach);
  EXPECT_EQ(d->interrupt_count(), 2u + kThreads * kEach);
}

TEST(SimDevice, FaultRecords) {
  auto d = make_device();
  EXPECT_TRUE(d->faults().empty());
  VmFault f;
  f.address = 0x1000;
  f.access = Access::kWrite;
  f.vmid = 2;
  f.engine = "sdma1";
  f.reason = "not writable";
  d->record_fault(f);
  auto faults = d->faults();
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].engine, "sdma1");
  EXPECT_EQ(faults[0].to_string(), "VM fault: write to 0x1000 (vmid 2, sdma1): not writable");
  for (size_t i = 0; i < Device::kMaxFaults + 10; ++i) {
    f.address = i;
    d->record_fault(f);
  }
  faults = d->faults();
  ASSERT_EQ(faults.size(), Device::kMaxFaults);
  EXPECT_EQ(faults.back().address, Device::kMaxFaults + 9);
  d->clear_faults();
  EXPECT_TRUE(d->faults().empty());
}

class NullExecutor : public KernelExecutor {
 public:
  Status run(Device&, const Dispatch&) override { return ok_status(); }
};

TEST(SimDevice, KernelExecutorAttach) {
  auto d = make_device();
  EXPECT_EQ(d->kernel_executor(), nullptr);
  auto exec = std::make_shared<NullExecutor>();
  d->set_kernel_executor(exec);
  EXPECT_EQ(d->kernel_executor(), exec);
  d->set_kernel_executor(nullptr);
  EXPECT_EQ(d->kernel_executor(), nullptr);
}

// ------------------------------------------------------------------------------------------
// create_queue validation

class SimQueueArgs : public ::testing::Test {
 protected:
  SimQueueArgs() : device_(make_device("gfx942")) {
    ring_ = static_cast<uint8_t*>(std::aligned_alloc(4096, 4 * 4096));
    std::memset(ring_, 0, 4 * 4096);
    EXPECT_TRUE(device_->vm(1).map(kRingVa, ring_, 2 * 4096, kMapRead).ok());
    EXPECT_TRUE(device_->vm(1).map(kPtrVa, ring_ + 2 * 4096, 4096, kMapReadWrite).ok());
    EXPECT_TRUE(device_->vm(1).map(kWriteOnlyVa, ring_ + 3 * 4096, 4096, kMapWrite).ok());
  }
  ~SimQueueArgs() override {
    device_.reset();
    std::free(ring_);
  }
  QueueDesc good() const {
    QueueDesc q;
    q.type = QueueType::kSdma;
    q.engine = 1;
    q.vmid = 1;
    q.ring_address = kRingVa;
    q.ring_bytes = 4096;
    q.rptr_address = kPtrVa;
    q.wptr_address = kPtrVa + 8;
    q.doorbell_index = 10;
    q.name = "sdma1.q0";
    return q;
  }
  void expect_invalid(const QueueDesc& q, std::string_view message) {
    auto id = device_->create_queue(q);
    ASSERT_FALSE(id.ok()) << message;
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(contains(id.status().message(), message)) << id.status().message();
  }

  static constexpr uint64_t kRingVa = 0x100000;
  static constexpr uint64_t kPtrVa = 0x200000;
  static constexpr uint64_t kWriteOnlyVa = 0x300000;
  std::unique_ptr<Device> device_;
  uint8_t* ring_;
};

TEST_F(SimQueueArgs, RejectsBadDescriptions) {
  QueueDesc q = good();
  q.vmid = 16;
  expect_invalid(q, "sdma1.q0: vmid 16 out of range (0-15)");
  q = good();
  q.ring_bytes = 128;
  expect_invalid(q, "ring size 128 bytes is not a power of two of at least 256 bytes");
  q.ring_bytes = 384;
  expect_invalid(q, "ring size 384 bytes");
  q.ring_bytes = 0;
  expect_invalid(q, "ring size 0 bytes");
  q = good();
  q.ring_address = kRingVa + 64;
  expect_invalid(q, "ring address 0x100040 is not 256-byte aligned");
  q = good();
  q.ring_bytes = 4 * 4096;  // runs past the mapping
  expect_invalid(q, "is not readable in vmid 1: unmapped");
  q = good();
  q.vmid = 2;  // nothing mapped in vmid 2
  expect_invalid(q, "ring [0x100000, 0x101000) is not readable in vmid 2: unmapped");
  q = good();
  q.ring_address = kWriteOnlyVa;
  expect_invalid(q, "not readable in vmid 1: not readable");
  q = good();
  q.rptr_address = kRingVa;  // read-only
  expect_invalid(q, "read-pointer address 0x100000 is not writable in vmid 1: not writable");
  q = good();
  q.wptr_address = 0x900000;
  expect_invalid(q, "write-pointer address 0x900000 is not readable in vmid 1: unmapped");
  q = good();
  q.doorbell_index = Device::kDoorbellSlots;
  expect_invalid(q, "doorbell slot 1024 out of range (0-1023)");
  q = good();
  q.engine = device_->sdma_engine_count();
  expect_invalid(q, "SDMA engine 16 does not exist");
  q.name.clear();
  expect_invalid(q, "sdma16 queue: SDMA engine 16");
  EXPECT_TRUE(device_->all_queues().empty());
}

TEST_F(SimQueueArgs, UnknownQueueIds) {
  EXPECT_EQ(device_->destroy_queue(0).code(), StatusCode::kNotFound);
  EXPECT_EQ(device_->reset_queue(3).code(), StatusCode::kNotFound);
  EXPECT_EQ(device_->queue_state(3).status().code(), StatusCode::kNotFound);
}

TEST_F(SimQueueArgs, DoorbellSlotIsExclusiveUntilDestroyed) {
  auto first = device_->create_queue(good());
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  auto state = device_->queue_state(*first);
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  EXPECT_EQ(state->name, "sdma1.q0");
  EXPECT_EQ(device_->all_queues().size(), 1u);

  QueueDesc other = good();
  other.name = "sdma0.q1";
  other.engine = 0;
  expect_invalid(other,
                 "sdma0.q1: doorbell slot 10 is already used by queue " + std::to_string(*first));
  other.doorbell_index = 11;
  auto second = device_->create_queue(other);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_NE(*second, *first);
  device_->ring_doorbell(11, 0);  // wakes the queue; nothing to run

  ASSERT_TRUE(device_->destroy_queue(*first).ok());
  EXPECT_EQ(device_->destroy_queue(*first).code(), StatusCode::kNotFound);
  auto third = device_->create_queue(good());  // slot 10 is free again
  ASSERT_TRUE(third.ok()) << third.status().to_string();
  EXPECT_GT(*third, *second);  // ids are not reused
  EXPECT_EQ(device_->all_queues().size(), 2u);
}

}  // namespace
}  // namespace amdhal::sim

namespace amdhal::sim {
namespace {

// A doorbell value left behind by a destroyed queue is not work for the next queue on the slot.
TEST(SimDeviceDoorbells, NewQueueStartsFromAClearedSlot) {
  auto system = System::create(SystemSpec::parse("sim:gfx942").value());
  ASSERT_TRUE(system.ok()) << system.status().to_string();
  Device& dev = (*system)->device(0);
  alignas(4096) static uint8_t ring[4096];
  alignas(4096) static uint8_t pointers[4096];
  std::memset(ring, 0, sizeof(ring));
  std::memset(pointers, 0, sizeof(pointers));
  ASSERT_TRUE(dev.vm(1).map(0x100000, ring, sizeof(ring), kMapReadWrite).ok());
  ASSERT_TRUE(dev.vm(1).map(0x200000, pointers, sizeof(pointers), kMapReadWrite).ok());
  dev.ring_doorbell(7, 0x40);  // stale: no queue owns slot 7 yet
  QueueDesc d;
  d.type = QueueType::kSdma;
  d.vmid = 1;
  d.ring_address = 0x100000;
  d.ring_bytes = sizeof(ring);
  d.rptr_address = 0x200000;
  d.doorbell_index = 7;
  auto q = dev.create_queue(d);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(dev.read_doorbell(7), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto state = dev.queue_state(*q);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->read_pointer, 0u);
  EXPECT_FALSE(state->hung) << state->hang_reason;
}

}  // namespace
}  // namespace amdhal::sim
