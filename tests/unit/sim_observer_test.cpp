// The packet observer of a simulated device (Device::set_packet_observer): one event per packet
// an engine finishes, with the device, queue, engine, decoded packet and the start/end times; a
// barrier's time covers its wait; failed packets come with executed = false; removing the
// observer stops the events. Every wait has a timeout.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "amdhal/packets/aql.h"
#include "amdhal/packets/pm4.h"
#include "amdhal/packets/sdma.h"
#include "amdhal/packets/stream.h"
#include "amdhal_sim/device.h"

namespace amdhal::sim {
namespace {

using namespace std::chrono_literals;
using packets::OwnedPacketStream;

constexpr uint32_t kVmid = 1;

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

/// What the test keeps of one PacketEvent (the event's references end with the call).
struct Seen {
  uint32_t device = 0;
  uint32_t queue = 0;
  uint32_t vmid = 0;
  QueueType type = QueueType::kPm4;
  std::string engine;
  std::string queue_name;
  packets::DecodedPacket packet;
  bool executed = false;
  std::chrono::steady_clock::time_point start, end;
};

class SimObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sys = System::from_spec("sim:gfx90ax2");
    ASSERT_TRUE(sys.ok()) << sys.status().to_string();
    system_ = std::move(sys).value();
  }
  void TearDown() override {
    system_.reset();  // joins the engine threads before the memory goes
    for (void* p : allocations_) std::free(p);
  }

  Device& dev(size_t i = 0) { return system_->device(i); }

  void observe(size_t d) {
    dev(d).set_packet_observer([this](const PacketEvent& e) {
      Seen s{e.device_index,
             e.queue_id,
             e.vmid,
             e.queue_type,
             std::string(e.engine),
             std::string(e.queue_name),
             *e.packet,
             e.executed,
             e.start,
             e.end};
      std::lock_guard lock(mu_);
      seen_.push_back(std::move(s));
    });
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  size_t seen_count() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

  struct Mem {
    uint8_t* host;
    uint64_t va;
  };
  Mem alloc(uint64_t bytes, size_t d = 0) {
    bytes = (bytes + 4095) & ~uint64_t{4095};
    void* p = std::aligned_alloc(4096, bytes);
    std::memset(p, 0, bytes);
    allocations_.push_back(p);
    Mem m{static_cast<uint8_t*>(p), next_va_};
    next_va_ += bytes + (64 << 10);
    EXPECT_TRUE(dev(d).vm(kVmid).map(m.va, p, bytes, kMapReadWrite).ok());
    return m;
  }

  /// A queue with a 4 KiB ring; rptr at ptrs+0, wptr at ptrs+8.
  struct Queue {
    Device* dev;
    QueueType type;
    uint32_t id;
    Mem ring;
    Mem ptrs;
    uint32_t doorbell;
    uint64_t wptr = 0;
    uint64_t unit() const { return type == QueueType::kAql ? 64 : type == QueueType::kPm4 ? 4 : 1; }
    void submit(std::span<const uint32_t> dwords) {
      std::memcpy(ring.host + wptr * unit(), dwords.data(), dwords.size() * 4);
      wptr += dwords.size() * 4 / unit();
      publish();
    }
    void submit_aql(const std::array<uint32_t, packets::kAqlPacketDwords>& pkt) {
      uint8_t* slot = ring.host + wptr * 64;
      std::memcpy(slot + 4, pkt.data() + 1, 60);
      std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(slot)).store(pkt[0]);
      wptr += 1;
      publish();
    }
    void publish() {
      std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(ptrs.host + 8)).store(wptr);
      dev->ring_doorbell(doorbell, type == QueueType::kAql ? wptr - 1 : wptr);
    }
    uint64_t rptr() const {
      return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(ptrs.host)).load();
    }
    bool wait_idle() const {
      return wait_until([&] { return rptr() == wptr; });
    }
  };
  Queue make_queue(QueueType type, size_t d = 0, uint32_t engine = 0) {
    Mem ring = alloc(4096, d);
    Mem ptrs = alloc(4096, d);
    if (type == QueueType::kAql) {
      for (uint64_t off = 0; off < 4096; off += 64) {
        *reinterpret_cast<uint16_t*>(ring.host + off) =
            static_cast<uint16_t>(packets::AqlPacketType::kInvalid);
      }
    }
    QueueDesc desc;
    desc.type = type;
    desc.engine = engine;
    desc.vmid = kVmid;
    desc.ring_address = ring.va;
    desc.ring_bytes = 4096;
    desc.rptr_address = ptrs.va;
    desc.wptr_address = ptrs.va + 8;
    desc.doorbell_index = next_doorbell_++;
    desc.name = fmt::format("test.q{}", desc.doorbell_index);
    auto id = dev(d).create_queue(desc);
    EXPECT_TRUE(id.ok()) << id.status().to_string();
    return Queue{&dev(d), type, id.ok() ? *id : 0, ring, ptrs, desc.doorbell_index};
  }

  std::unique_ptr<System> system_;
  std::vector<void*> allocations_;
  uint64_t next_va_ = 0x100000000ull;
  uint32_t next_doorbell_ = 0;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

TEST_F(SimObserverTest, NoObserverByDefault) {
  EXPECT_FALSE(dev(0).has_packet_observer());
  observe(0);
  EXPECT_TRUE(dev(0).has_packet_observer());
  EXPECT_FALSE(dev(1).has_packet_observer()) << "observers are per device";
  dev(0).set_packet_observer(nullptr);
  EXPECT_FALSE(dev(0).has_packet_observer());
}

TEST_F(SimObserverTest, SdmaCopyAndFillReportedInOrderWithFields) {
  observe(1);
  Mem src = alloc(8192, 1);
  Mem dst = alloc(8192, 1);
  std::memset(src.host, 0x5A, 8192);
  Queue q = make_queue(QueueType::kSdma, 1, 1);
  const SdmaVariant v = dev(1).family().sdma;
  OwnedPacketStream s(256);
  ASSERT_TRUE(packets::emit_sdma_copy(s.stream(), v, dst.va, src.va, 3000).ok());
  ASSERT_TRUE(packets::emit_sdma_fill(s.stream(), v, dst.va + 4096, 0x11223344u, 64).ok());
  const auto before = std::chrono::steady_clock::now();
  q.submit(s.data());
  ASSERT_TRUE(q.wait_idle());
  ASSERT_TRUE(wait_until([&] { return seen_count() >= 2; }));
  const auto after = std::chrono::steady_clock::now();
  const std::vector<Seen> events = seen();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].packet.name, "COPY_LINEAR");
  EXPECT_EQ(events[0].packet.field("count"), 2999u) << "COPY_LINEAR count is bytes - 1";
  EXPECT_EQ(events[0].packet.field("src_addr"), src.va);
  EXPECT_EQ(events[0].packet.field("dst_addr"), dst.va);
  EXPECT_EQ(events[1].packet.name, "CONSTANT_FILL");
  EXPECT_EQ(events[1].packet.field("data"), 0x11223344u);
  for (const Seen& e : events) {
    EXPECT_EQ(e.device, 1u);
    EXPECT_EQ(e.queue, q.id);
    EXPECT_EQ(e.vmid, kVmid);
    EXPECT_EQ(e.type, QueueType::kSdma);
    EXPECT_EQ(e.engine, "sdma1");
    EXPECT_EQ(e.queue_name, fmt::format("test.q{}", q.doorbell));
    EXPECT_TRUE(e.executed);
    EXPECT_LE(before, e.start);
    EXPECT_LE(e.start, e.end);
    EXPECT_LE(e.end, after);
  }
  EXPECT_LE(events[0].end, events[1].start) << "packets of one queue do not overlap";
  EXPECT_EQ(dst.host[2999], 0x5A);
  // Device 0 has no observer: its packets are not reported.
  Queue q0 = make_queue(QueueType::kSdma, 0);
  OwnedPacketStream s0(64);
  ASSERT_TRUE(
      packets::emit_sdma_fill(s0.stream(), dev(0).family().sdma, alloc(4096, 0).va, 1, 16).ok());
  q0.submit(s0.data());
  ASSERT_TRUE(q0.wait_idle());
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(seen_count(), 2u);
}

TEST_F(SimObserverTest, BarrierTimeCoversItsWait) {
  observe(0);
  Mem sigs = alloc(4096);
  auto value = [&](uint64_t off) {
    return std::atomic_ref<int64_t>(*reinterpret_cast<int64_t*>(sigs.host + off + 8));
  };
  value(0).store(1);   // dependency
  value(64).store(1);  // completion
  Queue q = make_queue(QueueType::kAql);
  packets::AqlBarrier b;
  b.dep_signals = {sigs.va, 0, 0, 0, 0};
  b.completion_signal = sigs.va + 64;
  auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
  ASSERT_TRUE(pkt.ok());
  const auto submitted = std::chrono::steady_clock::now();
  q.submit_aql(packets::aql_packet_dwords(*pkt));
  std::this_thread::sleep_for(40ms);
  EXPECT_EQ(seen_count(), 0u) << "a waiting barrier is not reported yet";
  const auto released = std::chrono::steady_clock::now();
  value(0).store(0);
  ASSERT_TRUE(q.wait_idle());
  ASSERT_TRUE(wait_until([&] { return seen_count() >= 1; }));
  const std::vector<Seen> events = seen();
  ASSERT_EQ(events.size(), 1u);
  const Seen& e = events[0];
  EXPECT_EQ(e.packet.name, "BARRIER_AND");
  EXPECT_EQ(e.engine, "aql");
  EXPECT_EQ(e.type, QueueType::kAql);
  EXPECT_EQ(e.device, 0u);
  EXPECT_TRUE(e.executed);
  EXPECT_EQ(e.packet.field("completion_signal"), sigs.va + 64);
  // Started at the first attempt (after submission, before the release: timing each attempt
  // on its own would start after the release), ended after the release.
  EXPECT_GE(e.start, submitted);
  EXPECT_LT(e.start, released);
  EXPECT_GE(e.end, released);
}

TEST_F(SimObserverTest, FailedPacketReportedAsNotExecuted) {
  observe(0);
  Mem mem = alloc(4096);
  Queue q = make_queue(QueueType::kPm4);
  OwnedPacketStream s(64);
  packets::Pm4WriteData w;
  const std::vector<uint32_t> seven = {7};
  w.dst_addr = mem.va;
  w.data = seven;
  ASSERT_TRUE(packets::emit(s.stream(), dev(0).family().pm4, w).ok());
  std::vector<uint32_t> dwords(s.data().begin(), s.data().end());
  dwords.push_back(packets::pm4_type3_header(static_cast<packets::Pm4Opcode>(0xEE), 1));
  dwords.push_back(0);
  dwords.push_back(0);
  q.submit(dwords);
  ASSERT_TRUE(wait_until([&] { return seen_count() >= 2; }));
  ASSERT_TRUE(wait_until([&] { return dev(0).queue_state(q.id)->hung; }));
  const std::vector<Seen> events = seen();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].packet.name, "WRITE_DATA");
  EXPECT_TRUE(events[0].executed);
  EXPECT_EQ(events[0].engine, "cp");
  EXPECT_EQ(events[1].packet.name, "UNKNOWN");
  EXPECT_FALSE(events[1].executed);
  EXPECT_EQ(*reinterpret_cast<uint32_t*>(mem.host), 7u);
}

TEST_F(SimObserverTest, RemovedObserverIsNotCalled) {
  observe(0);
  Mem mem = alloc(4096);
  Queue q = make_queue(QueueType::kSdma);
  const SdmaVariant v = dev(0).family().sdma;
  OwnedPacketStream a(64);
  ASSERT_TRUE(packets::emit_sdma_fill(a.stream(), v, mem.va, 1, 16).ok());
  q.submit(a.data());
  ASSERT_TRUE(q.wait_idle());
  ASSERT_TRUE(wait_until([&] { return seen_count() >= 1; }));
  dev(0).set_packet_observer({});
  const size_t count = seen_count();
  EXPECT_EQ(count, 1u);
  OwnedPacketStream b(64);
  ASSERT_TRUE(packets::emit_sdma_fill(b.stream(), v, mem.va + 64, 2, 16).ok());
  q.submit(b.data());
  ASSERT_TRUE(q.wait_idle());
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(seen_count(), count);
  EXPECT_EQ(*reinterpret_cast<uint32_t*>(mem.host + 64), 2u) << "the queue still runs";
}

TEST_F(SimObserverTest, ObserversOnManyQueuesAtOnce) {
  // Several engines report concurrently; every packet arrives exactly once.
  observe(0);
  Mem mem = alloc(64 << 10);
  const SdmaVariant v = dev(0).family().sdma;
  std::vector<Queue> queues;
  for (uint32_t e = 0; e < 2; ++e) queues.push_back(make_queue(QueueType::kSdma, 0, e));
  constexpr int kPerQueue = 40;
  for (size_t qi = 0; qi < queues.size(); ++qi) {
    OwnedPacketStream s(4096);
    for (int i = 0; i < kPerQueue; ++i) {
      ASSERT_TRUE(packets::emit_sdma_fill(s.stream(), v, mem.va + (qi * kPerQueue + i) * 64,
                                          static_cast<uint32_t>(i), 16)
                      .ok());
    }
    queues[qi].submit(s.data());
  }
  for (const Queue& q : queues) ASSERT_TRUE(q.wait_idle());
  ASSERT_TRUE(wait_until([&] { return seen_count() >= 2 * kPerQueue; }));
  const std::vector<Seen> events = seen();
  EXPECT_EQ(events.size(), 2u * kPerQueue);
  int per_engine[2] = {0, 0};
  for (const Seen& e : events) {
    if (e.engine == "sdma0") ++per_engine[0];
    if (e.engine == "sdma1") ++per_engine[1];
  }
  EXPECT_EQ(per_engine[0], kPerQueue);
  EXPECT_EQ(per_engine[1], kPerQueue);
}

}  // namespace
}  // namespace amdhal::sim
