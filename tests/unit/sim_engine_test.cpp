// The simulator's hardware queue engines (PM4 compute, AQL, SDMA) driven directly with packets from
// the shared packet layer: byte-exact copies and fills, ordering between engines and queues, IB
// chaining, AQL barriers and completion signals, peer-to-peer copies, VM faults, invalid packets,
// the watchdog, reset, and ring wrap-around. Every wait has a timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
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
using packets::PacketStream;

constexpr uint32_t kVmid = 1;
constexpr auto kTimeout = 5s;

/// Polls `pred` until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

template <typename T>
T atomic_load(const void* p) {
  return std::atomic_ref<T>(*static_cast<T*>(const_cast<void*>(p))).load();
}
template <typename T>
void atomic_store(void* p, T v) {
  std::atomic_ref<T>(*static_cast<T*>(p)).store(v);
}

/// A host buffer (4 KiB aligned) mapped into a device's vmid 1.
struct Buffer {
  uint8_t* host = nullptr;
  uint64_t va = 0;
  uint64_t size = 0;
  template <typename T = uint8_t>
  T* at(uint64_t offset = 0) const {
    return reinterpret_cast<T*>(host + offset);
  }
};

/// One hardware queue and the memory behind it: the ring, and read/write pointers at +0 / +8 of
/// a pointer page. submit() copies dwords in at the write pointer (wrapping), publishes the
/// write pointer and rings the doorbell.
class TestQueue {
 public:
  TestQueue(Device& dev, QueueType type, uint32_t id, Buffer ring, uint64_t ring_bytes, Buffer ptrs,
            uint32_t doorbell)
      : dev_(&dev), type_(type), id_(id), ring_(ring), ptrs_(ptrs), doorbell_(doorbell) {
    ring_.size = ring_bytes;  // the buffer may be larger (whole pages)
  }

  uint32_t id() const { return id_; }
  uint64_t unit() const { return type_ == QueueType::kPm4 ? 4 : type_ == QueueType::kAql ? 64 : 1; }
  uint64_t wptr() const { return wptr_; }
  uint64_t rptr() const { return atomic_load<uint64_t>(ptrs_.host); }

  /// Writes dwords at the write pointer (without publishing).
  void write(std::span<const uint32_t> dwords) {
    const uint64_t bytes = dwords.size() * 4;
    const uint64_t pos = (wptr_ * unit()) % ring_.size;
    const uint64_t first = std::min(bytes, ring_.size - pos);
    std::memcpy(ring_.host + pos, dwords.data(), first);
    std::memcpy(ring_.host, reinterpret_cast<const uint8_t*>(dwords.data()) + first, bytes - first);
    wptr_ += bytes / unit();
  }
  /// Publishes the write pointer (memory and doorbell).
  void publish(bool ring_doorbell = true) {
    atomic_store<uint64_t>(ptrs_.host + 8, wptr_);
    const uint64_t db = type_ == QueueType::kAql ? wptr_ - 1 : wptr_;
    if (ring_doorbell) {
      dev_->ring_doorbell(doorbell_, db);
    } else {
      __atomic_store_n(dev_->doorbells() + doorbell_, db, __ATOMIC_RELEASE);
    }
  }
  void submit(std::span<const uint32_t> dwords) {
    write(dwords);
    publish();
  }
  /// AQL: writes one packet, header dword last with release order, and rings the doorbell.
  void submit_aql(const std::array<uint32_t, packets::kAqlPacketDwords>& pkt) {
    const uint64_t pos = (wptr_ % (ring_.size / 64)) * 64;
    std::memcpy(ring_.host + pos + 4, pkt.data() + 1, 60);
    atomic_store<uint32_t>(ring_.host + pos, pkt[0]);
    wptr_ += 1;
    publish();
  }
  /// AQL: stores dword 0 (header and setup) of slot `id` with release order.
  void store_header(uint64_t id, uint32_t dword0) {
    atomic_store<uint32_t>(ring_.host + (id % (ring_.size / 64)) * 64, dword0);
  }
  uint16_t aql_header(uint64_t id) const {
    return atomic_load<uint16_t>(ring_.host + (id % (ring_.size / 64)) * 64);
  }
  bool wait_idle(std::chrono::milliseconds timeout = kTimeout) const {
    return wait_until([&] { return rptr() == wptr_; }, timeout);
  }
  QueueSnapshot state() const { return dev_->queue_state(id_).value(); }
  std::string dump() const { return state().to_string(); }

 private:
  Device* dev_;
  QueueType type_;
  uint32_t id_;
  Buffer ring_;
  Buffer ptrs_;
  uint32_t doorbell_;
  uint64_t wptr_ = 0;
};

class SimEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { make_system("sim:gfx942x2"); }
  void TearDown() override {
    system_.reset();  // joins the engine threads before the memory goes
    for (void* p : allocations_) std::free(p);
  }

  void make_system(const std::string& spec) {
    system_.reset();
    auto parsed = SystemSpec::parse(spec);
    ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
    auto sys = System::create(*parsed);
    ASSERT_TRUE(sys.ok()) << sys.status().to_string();
    system_ = std::move(sys).value();
    for (size_t i = 0; i < system_->device_count(); ++i) {
      system_->device(i).set_interrupt_handler([this, i](const Interrupt& irq) {
        std::lock_guard lock(irq_mutex_);
        irqs_.push_back({i, irq});
      });
    }
  }

  Device& dev(size_t i = 0) { return system_->device(i); }
  Pm4Variant pm4() { return dev().family().pm4; }
  SdmaVariant sdma() { return dev().family().sdma; }

  /// Allocates `size` bytes (rounded up to 4 KiB) of host memory, zeroed, mapped into vmid 1 of
  /// device `d` at a fresh VA.
  Buffer alloc(uint64_t size, size_t d = 0, uint32_t flags = kMapReadWrite) {
    const uint64_t bytes = (size + 4095) & ~uint64_t{4095};
    void* p = std::aligned_alloc(4096, bytes);
    EXPECT_NE(p, nullptr);
    std::memset(p, 0, bytes);
    allocations_.push_back(p);
    Buffer b{static_cast<uint8_t*>(p), next_va_, bytes};
    next_va_ += bytes + (64 << 10);  // leave unmapped guard space between buffers
    Status s = dev(d).vm(kVmid).map(b.va, b.host, bytes, flags);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return b;
  }

  /// Creates a queue of `type` with a ring of `ring_bytes` on device `d`.
  TestQueue make_queue(QueueType type, uint64_t ring_bytes = 64 << 10, uint32_t engine = 0,
                       size_t d = 0) {
    Buffer ring = alloc(ring_bytes, d);
    Buffer ptrs = alloc(4096, d);
    if (type == QueueType::kAql) {
      // Every slot starts INVALID (what the runtime does when it creates a queue).
      for (uint64_t off = 0; off < ring_bytes; off += 64) {
        *ring.at<uint16_t>(off) = static_cast<uint16_t>(packets::AqlPacketType::kInvalid);
      }
    }
    QueueDesc desc;
    desc.type = type;
    desc.engine = engine;
    desc.vmid = kVmid;
    desc.ring_address = ring.va;
    desc.ring_bytes = ring_bytes;
    desc.rptr_address = ptrs.va;
    desc.wptr_address = ptrs.va + 8;
    desc.doorbell_index = next_doorbell_++;
    desc.name = fmt::format("{}.q{}", queue_type_name(type), desc.doorbell_index);
    auto id = dev(d).create_queue(desc);
    EXPECT_TRUE(id.ok()) << id.status().to_string();
    return TestQueue(dev(d), type, id.ok() ? *id : 0, ring, ring_bytes, ptrs, desc.doorbell_index);
  }

  std::vector<Interrupt> interrupts(Interrupt::Source source) {
    std::lock_guard lock(irq_mutex_);
    std::vector<Interrupt> out;
    for (const auto& [d, irq] : irqs_) {
      if (irq.source == source) out.push_back(irq);
    }
    return out;
  }

  // ---- packet helpers (all through the packet layer's builders) ----
  std::vector<uint32_t> pm4_packets(const std::function<void(PacketStream&)>& build) {
    OwnedPacketStream s(1 << 16);
    build(s.stream());
    return {s.data().begin(), s.data().end()};
  }
  void emit_ok(Status s) { ASSERT_TRUE(s.ok()) << s.to_string(); }

  std::vector<uint32_t> write_data(uint64_t va, std::vector<uint32_t> data) {
    std::vector<uint32_t> out;
    OwnedPacketStream s(64 + data.size());
    packets::Pm4WriteData w;
    w.dst_addr = va;
    w.data = data;
    emit_ok(packets::emit(s.stream(), pm4(), w));
    return {s.data().begin(), s.data().end()};
  }

  std::unique_ptr<System> system_;
  std::vector<void*> allocations_;
  uint64_t next_va_ = 0x100000000ull;
  uint32_t next_doorbell_ = 0;
  std::mutex irq_mutex_;
  std::vector<std::pair<size_t, Interrupt>> irqs_;
};

// ---------------------------------------------------------------------------------------------
// SDMA

TEST_F(SimEngineTest, SdmaCopiesEverySizeAndAlignmentByteExact) {
  constexpr uint64_t kMax = 8ull << 20;
  Buffer src = alloc(kMax + 8192);
  Buffer dst = alloc(kMax + 8192);
  std::mt19937 rng(42);
  for (uint64_t i = 0; i < src.size; i += 4) {
    const uint32_t v = rng();
    std::memcpy(src.host + i, &v, 4);
  }
  TestQueue q = make_queue(QueueType::kSdma, 64 << 10, 0);
  const uint64_t sizes[] = {1,
                            2,
                            3,
                            4,
                            5,
                            7,
                            8,
                            15,
                            16,
                            17,
                            63,
                            64,
                            255,
                            256,
                            1000,
                            4095,
                            4096,
                            4097,
                            65536 + 3,
                            (1 << 20) - 1,
                            4 << 20,
                            (4 << 20) + 1,
                            (5 << 20) + 7,
                            kMax};
  const uint64_t offsets[][2] = {{0, 0}, {1, 3}, {4093, 2}, {7, 4096}};
  for (uint64_t size : sizes) {
    for (const auto& off : offsets) {
      const uint64_t so = off[0];
      const uint64_t dof = off[1];
      if (so + size > src.size || dof + size + 1 > dst.size) continue;
      std::memset(dst.host, 0xCD, dst.size);
      OwnedPacketStream s(4096);
      emit_ok(packets::emit_sdma_copy(s.stream(), sdma(), dst.va + dof, src.va + so, size));
      q.submit(s.data());
      ASSERT_TRUE(q.wait_idle()) << q.dump();
      ASSERT_EQ(std::memcmp(dst.host + dof, src.host + so, size), 0)
          << "size " << size << " src+" << so << " dst+" << dof;
      if (dof > 0) {
        ASSERT_EQ(dst.host[dof - 1], 0xCD) << "byte before the copy written";
      }
      ASSERT_EQ(dst.host[dof + size], 0xCD) << "byte after the copy written, size " << size;
    }
  }
  EXPECT_FALSE(q.state().hung);
}

TEST_F(SimEngineTest, SdmaFillsDwordAndByteElements) {
  constexpr uint64_t kMax = 8ull << 20;
  Buffer dst = alloc(kMax + 8192);
  TestQueue q = make_queue(QueueType::kSdma);
  // Dword fills (what ROCr and the kernel emit): dword-aligned offset and size.
  const uint64_t dword_sizes[] = {4, 8, 12, 64, 4092, 4096, 4100, 1 << 20, (4 << 20) + 4, kMax};
  for (uint64_t size : dword_sizes) {
    for (uint64_t off : {uint64_t{0}, uint64_t{4}, uint64_t{4092}}) {
      if (off + size + 4 > dst.size) continue;
      std::memset(dst.host, 0xCD, dst.size);
      OwnedPacketStream s(4096);
      emit_ok(packets::emit_sdma_fill(s.stream(), sdma(), dst.va + off, 0x11223344u, size));
      q.submit(s.data());
      ASSERT_TRUE(q.wait_idle()) << q.dump();
      for (uint64_t i = 0; i < size; i += 4) {
        ASSERT_EQ(*dst.at<uint32_t>(off + i), 0x11223344u) << "size " << size << " at " << i;
      }
      ASSERT_EQ(dst.host[off + size], 0xCD);
      if (off > 0) {
        ASSERT_EQ(dst.host[off - 1], 0xCD);
      }
    }
  }
  // Byte fills (fill_size 0) at unaligned offsets and sizes.
  for (uint64_t size : {uint64_t{1}, uint64_t{3}, uint64_t{4097}, uint64_t{(1 << 20) + 5}}) {
    for (uint64_t off : {uint64_t{1}, uint64_t{4095}}) {
      std::memset(dst.host, 0xCD, dst.size);
      OwnedPacketStream s(64);
      packets::SdmaConstantFill f;
      f.dst_addr = dst.va + off;
      f.data = 0x5A;
      f.bytes = size;
      f.fill_size = 0;
      emit_ok(packets::emit_sdma_constant_fill(s.stream(), sdma(), f));
      q.submit(s.data());
      ASSERT_TRUE(q.wait_idle()) << q.dump();
      for (uint64_t i = 0; i < size; ++i) ASSERT_EQ(dst.host[off + i], 0x5A) << size << "@" << i;
      ASSERT_EQ(dst.host[off - 1], 0xCD);
      ASSERT_EQ(dst.host[off + size], 0xCD);
    }
  }
}

TEST_F(SimEngineTest, SdmaWriteLinearTimestampTrapAtomic) {
  Buffer mem = alloc(4096);
  *mem.at<uint64_t>(256) = 1000;
  TestQueue q = make_queue(QueueType::kSdma, 4096, 1);
  OwnedPacketStream s(256);
  const uint32_t data[] = {1, 2, 3, 0xDEADBEEF};
  packets::SdmaWriteLinear w;
  w.dst_addr = mem.va + 16;
  w.data = data;
  emit_ok(packets::emit_sdma_write_linear(s.stream(), sdma(), w));
  emit_ok(packets::emit_sdma_timestamp(s.stream(), sdma(), {.addr = mem.va + 128}));
  emit_ok(packets::emit_sdma_nop(s.stream(), sdma(), {.dwords = 3}));
  packets::SdmaAtomic a;
  a.addr = mem.va + 256;
  a.src_data = 234;
  emit_ok(packets::emit_sdma_atomic(s.stream(), sdma(), a));
  *mem.at<uint64_t>(264) = 0x0000'0001'FFFF'FFFFull;
  packets::SdmaAtomic swap;
  swap.addr = mem.va + 264;
  swap.operation = packets::kSdmaAtomicSwap64;
  swap.src_data = 0x0000'0002'0000'0005ull;
  emit_ok(packets::emit_sdma_atomic(s.stream(), sdma(), swap));
  emit_ok(packets::emit_sdma_trap(s.stream(), sdma(), {.int_context = 0x1234}));
  const uint64_t before = dev().gpu_clock();
  q.submit(s.data());
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(std::memcmp(mem.at(16), data, sizeof(data)), 0);
  EXPECT_GE(*mem.at<uint64_t>(128), before);
  EXPECT_LE(*mem.at<uint64_t>(128), dev().gpu_clock());
  EXPECT_EQ(*mem.at<uint64_t>(256), 1234u);
  EXPECT_EQ(*mem.at<uint64_t>(264), 0x0000'0002'0000'0005ull);
  ASSERT_TRUE(wait_until([&] { return !interrupts(Interrupt::Source::kSdmaTrap).empty(); }));
  const Interrupt trap = interrupts(Interrupt::Source::kSdmaTrap).front();
  EXPECT_EQ(trap.context_id, 0x1234u);
  EXPECT_EQ(trap.queue_id, q.id());
  const QueueSnapshot st = q.state();
  EXPECT_EQ(st.packets_executed, 6u);
  ASSERT_EQ(st.recent.size(), 6u);
  EXPECT_EQ(st.recent.front().name, "WRITE_LINEAR");
  EXPECT_EQ(st.recent.back().name, "TRAP");
}

TEST_F(SimEngineTest, SdmaFenceAndPollOrderTwoEngines) {
  constexpr uint64_t kBytes = 4 << 20;
  Buffer a = alloc(kBytes);
  Buffer b = alloc(kBytes);
  Buffer c = alloc(kBytes);
  Buffer flag = alloc(4096);
  std::memset(a.host, 0x77, kBytes);
  TestQueue e0 = make_queue(QueueType::kSdma, 4096, 0);
  TestQueue e1 = make_queue(QueueType::kSdma, 4096, 1);

  // Engine 1: wait for the flag to reach 1, then copy B -> C.
  OwnedPacketStream s1(256);
  packets::SdmaPollRegmem poll;
  poll.addr = flag.va;
  poll.reference = 1;
  poll.function = packets::SdmaCompare::kEqual;
  emit_ok(packets::emit_sdma_poll_regmem(s1.stream(), sdma(), poll));
  emit_ok(packets::emit_sdma_copy(s1.stream(), sdma(), c.va, b.va, kBytes));
  e1.submit(s1.data());
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(e1.rptr(), 0u) << "engine 1 passed its POLL_REGMEM early: " << e1.dump();
  EXPECT_TRUE(e1.state().active);

  // Engine 0: copy A -> B, then FENCE flag = 1.
  OwnedPacketStream s0(256);
  emit_ok(packets::emit_sdma_copy(s0.stream(), sdma(), b.va, a.va, kBytes));
  emit_ok(packets::emit_sdma_fence(s0.stream(), sdma(), {.addr = flag.va, .data = 1}));
  e0.submit(s0.data());
  ASSERT_TRUE(e0.wait_idle()) << e0.dump();
  ASSERT_TRUE(e1.wait_idle()) << e1.dump();
  EXPECT_EQ(*flag.at<uint32_t>(), 1u);
  for (uint64_t i = 0; i < kBytes; i += 4096) ASSERT_EQ(c.host[i], 0x77) << i;
  EXPECT_EQ(std::memcmp(c.host, a.host, kBytes), 0);
}

TEST_F(SimEngineTest, PeerToPeerCopyBetweenDevices) {
  constexpr uint64_t kBytes = 1 << 20;
  constexpr uint64_t kVramOffset = 16 << 20;
  // Device B's VRAM, mapped into device A's vmid 1 as the client would with KFD.
  uint8_t* peer = dev(1).physical().vram_at(kVramOffset, kBytes);
  ASSERT_NE(peer, nullptr);
  std::memset(peer, 0, kBytes);
  const uint64_t peer_va = 0x7000000000ull;
  ASSERT_TRUE(dev(0).vm(kVmid).map(peer_va, peer, kBytes, kMapReadWrite).ok());
  Buffer src = alloc(kBytes);
  for (uint64_t i = 0; i < kBytes; ++i) src.host[i] = static_cast<uint8_t>(i * 7 + 3);
  TestQueue q = make_queue(QueueType::kSdma, 4096, 0, 0);
  OwnedPacketStream s(64);
  emit_ok(packets::emit_sdma_peer_copy(s.stream(), sdma(), peer_va + 5, src.va, kBytes - 5));
  q.submit(s.data());
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(std::memcmp(peer + 5, src.host, kBytes - 5), 0);
  // And back, from device B's own SDMA engine reading its VRAM into a buffer of its vmid.
  Buffer back = alloc(kBytes, 1);
  const uint64_t own_va = 0x7100000000ull;
  ASSERT_TRUE(dev(1).vm(kVmid).map(own_va, peer, kBytes, kMapReadWrite).ok());
  TestQueue qb = make_queue(QueueType::kSdma, 4096, 1, 1);
  OwnedPacketStream sb(64);
  emit_ok(packets::emit_sdma_copy(sb.stream(), sdma(), back.va, own_va, kBytes));
  qb.submit(sb.data());
  ASSERT_TRUE(qb.wait_idle()) << qb.dump();
  EXPECT_EQ(std::memcmp(back.host + 5, src.host, kBytes - 5), 0);
}

/// Host model of COPY_LINEAR_RECT: element (x, y, z) of a side is at
/// addr + ((offset_z + z) * slice + (offset_y + y) * pitch + offset_x + x) << element
/// (ROCr amd_blit_sdma.cpp BuildCopyRectCommand: offsets, pitches and extents in elements).
void rect_model(const packets::SdmaCopyLinearRect& r, const uint8_t* src, uint8_t* dst) {
  const uint64_t e = uint64_t{1} << r.element;
  for (uint64_t z = 0; z < r.rect_z; ++z) {
    for (uint64_t y = 0; y < r.rect_y; ++y) {
      const uint64_t so = ((r.src_offset_z + z) * r.src_slice_pitch +
                           (r.src_offset_y + y) * r.src_pitch + r.src_offset_x) *
                          e;
      const uint64_t d = ((r.dst_offset_z + z) * r.dst_slice_pitch +
                          (r.dst_offset_y + y) * r.dst_pitch + r.dst_offset_x) *
                         e;
      std::memcpy(dst + d, src + so, r.rect_x * e);
    }
  }
}

TEST_F(SimEngineTest, SdmaCopyLinearRectByteExactOnEveryGeneration) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1030", "sim:gfx1100", "sim:gfx1200"}) {
    SCOPED_TRACE(spec);
    make_system(spec);
    constexpr uint64_t kBytes = 256 << 10;
    Buffer src = alloc(kBytes);
    Buffer dst = alloc(kBytes);
    std::mt19937 rng(7);
    for (uint64_t i = 0; i < kBytes; ++i) src.host[i] = static_cast<uint8_t>(rng());
    TestQueue q = make_queue(QueueType::kSdma, 4096, 0);

    std::vector<packets::SdmaCopyLinearRect> cases;
    {  // 2-D, byte elements, odd widths and offsets (what hipMemcpy2D sends for odd widths).
      packets::SdmaCopyLinearRect r;
      r.element = 0;
      r.src_offset_x = 3;
      r.src_offset_y = 2;
      r.src_pitch = 37;
      r.dst_offset_x = 5;
      r.dst_offset_y = 1;
      r.dst_pitch = 50;
      r.rect_x = 13;
      r.rect_y = 7;
      r.rect_z = 1;
      cases.push_back(r);
    }
    {  // 3-D, dword elements, z offsets.
      packets::SdmaCopyLinearRect r;
      r.element = 2;
      r.src_offset_x = 1;
      r.src_offset_y = 3;
      r.src_offset_z = 1;
      r.src_pitch = 9;
      r.src_slice_pitch = 9 * 11;
      r.dst_offset_x = 2;
      r.dst_offset_y = 0;
      r.dst_offset_z = 2;
      r.dst_pitch = 8;
      r.dst_slice_pitch = 8 * 6 + 3;
      r.rect_x = 5;
      r.rect_y = 4;
      r.rect_z = 3;
      cases.push_back(r);
    }
    {  // 16-byte elements, one row.
      packets::SdmaCopyLinearRect r;
      r.element = 4;
      r.src_offset_x = 7;
      r.src_pitch = 100;
      r.dst_offset_x = 1;
      r.dst_pitch = 20;
      r.rect_x = 17;
      r.rect_y = 1;
      r.rect_z = 1;
      cases.push_back(r);
    }
    {  // ROCr's wide-pitch form: one row per slice, the pitch field all ones and unused.
      packets::SdmaCopyLinearRect r;
      r.element = 1;
      r.src_pitch = uint64_t{1} << (sdma() == SdmaVariant::kSdma7 ? 16 : 19);
      r.src_slice_pitch = 301;
      r.dst_pitch = r.src_pitch;
      r.dst_slice_pitch = 64;
      r.src_offset_x = 4;
      r.rect_x = 63;
      r.rect_y = 1;
      r.rect_z = 9;
      cases.push_back(r);
    }
    for (size_t i = 0; i < cases.size(); ++i) {
      SCOPED_TRACE(fmt::format("case {}", i));
      packets::SdmaCopyLinearRect r = cases[i];
      r.src_addr = src.va + 64;
      r.dst_addr = dst.va + 128;
      std::memset(dst.host, 0xCD, kBytes);
      std::vector<uint8_t> want(dst.host, dst.host + kBytes);
      rect_model(r, src.host + 64, want.data() + 128);
      OwnedPacketStream s(64);
      emit_ok(packets::emit_sdma_copy_linear_rect(s.stream(), sdma(), r));
      q.submit(s.data());
      ASSERT_TRUE(q.wait_idle()) << q.dump();
      size_t copied = 0;
      for (uint64_t b = 0; b < kBytes; ++b) {
        ASSERT_EQ(dst.host[b], want[b]) << "byte " << b;
        if (want[b] != 0xCD) ++copied;
      }
      EXPECT_GT(copied, 0u);
    }
    EXPECT_FALSE(q.state().hung);
    EXPECT_EQ(q.state().recent.back().name, "COPY_LINEAR_RECT");
  }
}

TEST_F(SimEngineTest, SdmaCopyLinearRectBadGeometryHangsAndUnmappedFaults) {
  Buffer src = alloc(8192);
  Buffer dst = alloc(8192);
  std::memset(dst.host, 0xCD, 8192);
  {  // Row wider than the pitch with more than one row: a bad packet.
    TestQueue q = make_queue(QueueType::kSdma, 4096, 0);
    packets::SdmaCopyLinearRect r;
    r.src_addr = src.va;
    r.dst_addr = dst.va;
    r.src_pitch = 16;
    r.dst_pitch = 8;
    r.dst_offset_x = 2;
    r.rect_x = 7;
    r.rect_y = 2;
    r.rect_z = 1;
    OwnedPacketStream s(64);
    emit_ok(packets::emit_sdma_copy_linear_rect(s.stream(), sdma(), r));
    q.submit(s.data());
    ASSERT_TRUE(wait_until([&] { return q.state().hung; })) << q.dump();
    const std::string reason = q.state().hang_reason;
    EXPECT_NE(reason.find("COPY_LINEAR_RECT dst row of 7 elements"), std::string::npos) << reason;
    EXPECT_NE(reason.find("8-element pitch"), std::string::npos) << reason;
    EXPECT_EQ(q.rptr(), 0u);
    EXPECT_EQ(dst.host[0], 0xCD) << "nothing copied";
  }
  {  // Slices overlapping: 3 rows of 4 elements at pitch 8 (20 elements) exceed a slice of 18.
    TestQueue q = make_queue(QueueType::kSdma, 4096, 1);
    packets::SdmaCopyLinearRect r;
    r.src_addr = src.va;
    r.dst_addr = dst.va;
    r.src_pitch = 8;
    r.src_slice_pitch = 18;
    r.dst_pitch = 8;
    r.dst_slice_pitch = 64;
    r.rect_x = 4;
    r.rect_y = 3;
    r.rect_z = 2;
    OwnedPacketStream s(64);
    emit_ok(packets::emit_sdma_copy_linear_rect(s.stream(), sdma(), r));
    q.submit(s.data());
    ASSERT_TRUE(wait_until([&] { return q.state().hung; })) << q.dump();
    EXPECT_NE(q.state().hang_reason.find("src box of 3 rows"), std::string::npos)
        << q.state().hang_reason;
  }
  {  // Element code 5 (32-byte elements) does not exist: the packet is patched by hand.
    TestQueue q = make_queue(QueueType::kSdma, 4096, 3);
    packets::SdmaCopyLinearRect r;
    r.src_addr = src.va;
    r.dst_addr = dst.va;
    r.src_pitch = r.dst_pitch = 4;
    r.rect_x = r.rect_y = r.rect_z = 1;
    OwnedPacketStream s(64);
    emit_ok(packets::emit_sdma_copy_linear_rect(s.stream(), sdma(), r));
    std::vector<uint32_t> dw(s.data().begin(), s.data().end());
    dw[0] |= 5u << 29;
    q.submit(dw);
    ASSERT_TRUE(wait_until([&] { return q.state().hung; })) << q.dump();
    EXPECT_NE(q.state().hang_reason.find("element size 2^5 bytes"), std::string::npos)
        << q.state().hang_reason;
    EXPECT_EQ(dst.host[0], 0xCD);
  }
  {  // Unmapped source: the usual VM fault, naming the packet.
    TestQueue q = make_queue(QueueType::kSdma, 4096, 2);
    const uint64_t unmapped = 0x6600001000ull;
    packets::SdmaCopyLinearRect r;
    r.src_addr = unmapped;
    r.dst_addr = dst.va;
    r.src_pitch = r.dst_pitch = 64;
    r.rect_x = 16;
    r.rect_y = 2;
    r.rect_z = 1;
    OwnedPacketStream s(64);
    emit_ok(packets::emit_sdma_copy_linear_rect(s.stream(), sdma(), r));
    q.submit(s.data());
    ASSERT_TRUE(wait_until([&] { return q.state().hung; })) << q.dump();
    const std::string reason = q.state().hang_reason;
    EXPECT_NE(reason.find("VM fault"), std::string::npos) << reason;
    EXPECT_NE(reason.find("COPY_LINEAR_RECT"), std::string::npos) << reason;
    const std::vector<VmFault> faults = dev().faults();
    ASSERT_EQ(faults.size(), 1u);
    EXPECT_EQ(faults[0].address, unmapped);
    EXPECT_EQ(faults[0].access, Access::kRead);
  }
}

TEST_F(SimEngineTest, VmFaultIsRecordedAndOnlyThatQueueHangs) {
  Buffer src = alloc(8192);
  Buffer ok_dst = alloc(8192);
  TestQueue bad = make_queue(QueueType::kSdma, 4096, 0);
  TestQueue good = make_queue(QueueType::kSdma, 4096, 1);
  const uint64_t unmapped = 0x6600001000ull;
  OwnedPacketStream s(64);
  emit_ok(packets::emit_sdma_copy(s.stream(), sdma(), unmapped + 8, src.va, 4096));
  bad.submit(s.data());
  ASSERT_TRUE(wait_until([&] { return bad.state().hung; })) << bad.dump();
  const QueueSnapshot st = bad.state();
  EXPECT_EQ(st.read_pointer, 0u) << "rptr must stay at the faulting packet";
  EXPECT_NE(st.hang_reason.find("VM fault"), std::string::npos) << st.hang_reason;
  EXPECT_NE(st.hang_reason.find("COPY_LINEAR"), std::string::npos) << st.hang_reason;
  const std::vector<VmFault> faults = dev().faults();
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].address, unmapped + 8);
  EXPECT_EQ(faults[0].engine, "sdma0");
  EXPECT_EQ(faults[0].access, Access::kWrite);
  EXPECT_EQ(faults[0].vmid, kVmid);
  // The hang is visible before the interrupt handler has run: wait for the interrupt.
  EXPECT_TRUE(wait_until([&] { return !interrupts(Interrupt::Source::kVmFault).empty(); }));

  // The other engine keeps serving.
  OwnedPacketStream s2(64);
  std::memset(src.host, 0x42, 4096);
  emit_ok(packets::emit_sdma_copy(s2.stream(), sdma(), ok_dst.va, src.va, 4096));
  good.submit(s2.data());
  ASSERT_TRUE(good.wait_idle()) << good.dump();
  EXPECT_EQ(ok_dst.host[4095], 0x42);

  // A read of an unmapped source records a read fault on the PM4 engine as "cp".
  TestQueue cp = make_queue(QueueType::kPm4, 4096);
  auto pkts = pm4_packets([&](PacketStream& ps) {
    packets::Pm4CopyData c;
    c.src_addr = unmapped;
    c.dst_addr = ok_dst.va;
    emit_ok(packets::emit(ps, pm4(), c));
  });
  cp.submit(pkts);
  ASSERT_TRUE(wait_until([&] { return cp.state().hung; })) << cp.dump();
  const std::vector<VmFault> all = dev().faults();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].engine, "cp");
  EXPECT_EQ(all[1].access, Access::kRead);
  EXPECT_EQ(all[1].address, unmapped);
}

TEST_F(SimEngineTest, InvalidPacketHangsThenResetServesAgain) {
  Buffer mem = alloc(4096);
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  auto first = write_data(mem.va, {7});
  q.submit(first);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  const uint64_t bad_at = q.wptr();
  const uint32_t garbage[] = {packets::pm4_type3_header(static_cast<packets::Pm4Opcode>(0xEE), 1),
                              0, 0};
  q.submit(garbage);
  ASSERT_TRUE(wait_until([&] { return q.state().hung; })) << q.dump();
  QueueSnapshot st = q.state();
  EXPECT_EQ(st.read_pointer, bad_at);
  EXPECT_EQ(q.rptr(), bad_at);
  EXPECT_NE(st.hang_reason.find("UNKNOWN"), std::string::npos) << st.hang_reason;
  EXPECT_NE(st.hang_reason.find(fmt::format("ring dword {:#x}", bad_at)), std::string::npos)
      << st.hang_reason;
  EXPECT_FALSE(st.active);
  EXPECT_EQ(st.packets_executed, 1u) << "the bad packet counted as executed";
  ASSERT_EQ(st.recent.size(), 2u);
  EXPECT_EQ(st.recent.back().name, "UNKNOWN");
  EXPECT_NE(st.to_string().find("HUNG"), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return !interrupts(Interrupt::Source::kQueueHung).empty(); }));
  // Work submitted while hung is not executed.
  auto second = write_data(mem.va + 4, {8});
  q.submit(second);
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(*mem.at<uint32_t>(4), 0u);

  ASSERT_TRUE(dev().reset_queue(q.id()).ok());
  st = q.state();
  EXPECT_FALSE(st.hung);
  EXPECT_TRUE(st.hang_reason.empty());
  EXPECT_EQ(q.rptr(), q.wptr());
  auto third = write_data(mem.va + 8, {9});
  q.submit(third);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(*mem.at<uint32_t>(8), 9u);
  EXPECT_EQ(*mem.at<uint32_t>(4), 0u) << "packets skipped by the reset ran";

  // The same on SDMA: an unknown opcode.
  TestQueue sq = make_queue(QueueType::kSdma, 4096, 1);
  const uint32_t sdma_garbage[] = {0xFFu, 0, 0, 0};
  sq.submit(sdma_garbage);
  ASSERT_TRUE(wait_until([&] { return sq.state().hung; })) << sq.dump();
  EXPECT_NE(sq.state().hang_reason.find("unknown SDMA opcode"), std::string::npos)
      << sq.state().hang_reason;
  EXPECT_EQ(sq.rptr(), 0u);
  ASSERT_TRUE(dev().reset_queue(sq.id()).ok());
  OwnedPacketStream s(64);
  emit_ok(packets::emit_sdma_fence(s.stream(), sdma(), {.addr = mem.va + 64, .data = 5}));
  sq.submit(s.data());
  ASSERT_TRUE(sq.wait_idle()) << sq.dump();
  EXPECT_EQ(*mem.at<uint32_t>(64), 5u);
}

TEST_F(SimEngineTest, WatchdogReportsNeverSatisfiedWait) {
  make_system("sim:gfx942,watchdog=100ms");
  Buffer mem = alloc(4096);
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  auto pkts = pm4_packets([&](PacketStream& s) {
    packets::Pm4WaitRegMem w;
    w.poll_addr = mem.va;
    w.function = packets::kPm4WaitEqual;
    w.reference = 0xFEED;
    emit_ok(packets::emit(s, pm4(), w));
  });
  q.submit(pkts);
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(q.state().hung) << "watchdog fired too early";
  ASSERT_TRUE(wait_until([&] { return q.state().hung; }, 3s)) << q.dump();
  const QueueSnapshot st = q.state();
  EXPECT_NE(st.hang_reason.find("no progress for"), std::string::npos) << st.hang_reason;
  EXPECT_NE(st.hang_reason.find("WAIT_REG_MEM"), std::string::npos) << st.hang_reason;
  EXPECT_EQ(q.rptr(), 0u);
  // The hang is visible in the snapshot before the interrupt handler has run: wait for both.
  EXPECT_TRUE(wait_until([&] { return !interrupts(Interrupt::Source::kQueueHung).empty(); }, 3s));
  EXPECT_NE(st.to_string().find("WAIT_REG_MEM"), std::string::npos);
  // Reset skips the wait.
  ASSERT_TRUE(dev().reset_queue(q.id()).ok());
  auto w = write_data(mem.va + 8, {3});
  q.submit(w);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(*mem.at<uint32_t>(8), 3u);
}

TEST_F(SimEngineTest, WatchdogSparesAWaitWhileAnotherQueueProgresses) {
  // The waiter waits for longer than the watchdog, but another queue completes packets all the
  // while (as a slow kernel's queue would): not a hang. Once both are quiet, the watchdog fires.
  make_system("sim:gfx942,watchdog=100ms");
  Buffer mem = alloc(4096);
  TestQueue waiter = make_queue(QueueType::kPm4, 4096);
  TestQueue worker = make_queue(QueueType::kPm4, 1 << 16);
  auto wait = pm4_packets([&](PacketStream& s) {
    packets::Pm4WaitRegMem w;
    w.poll_addr = mem.va;
    w.function = packets::kPm4WaitEqual;
    w.reference = 0xFEED;
    emit_ok(packets::emit(s, pm4(), w));
  });
  waiter.submit(wait);
  const auto until = std::chrono::steady_clock::now() + 400ms;
  uint32_t n = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto w = write_data(mem.va + 64, {++n});
    worker.submit(w);
    ASSERT_TRUE(worker.wait_idle()) << worker.dump();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(waiter.state().hung) << waiter.state().hang_reason;
  EXPECT_EQ(*mem.at<uint32_t>(64), n);
  // Nothing else moves now: the never-satisfied wait is reported.
  ASSERT_TRUE(wait_until([&] { return waiter.state().hung; }, 3s)) << waiter.dump();
  EXPECT_NE(waiter.state().hang_reason.find("no progress for"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// PM4

TEST_F(SimEngineTest, ReleaseMemOnOneQueueReleasesWaitRegMemOnAnother) {
  Buffer mem = alloc(8192);
  TestQueue waiter = make_queue(QueueType::kPm4, 4096);
  TestQueue signaler = make_queue(QueueType::kPm4, 4096);
  auto wait = pm4_packets([&](PacketStream& s) {
    packets::Pm4WaitRegMem w;
    w.poll_addr = mem.va;
    w.function = packets::kPm4WaitGreaterEqual;
    w.reference = 5;
    w.mask = 0xFFFF;
    emit_ok(packets::emit(s, pm4(), w));
    // Copy what the signaler wrote before its RELEASE_MEM: visible once the wait passes.
    packets::Pm4CopyData c;
    c.src_addr = mem.va + 64;
    c.dst_addr = mem.va + 128;
    emit_ok(packets::emit(s, pm4(), c));
  });
  waiter.submit(wait);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(waiter.rptr(), 0u);
  EXPECT_TRUE(waiter.state().active);

  auto signal = pm4_packets([&](PacketStream& s) {
    const uint32_t payload[] = {0xC0FFEE};
    packets::Pm4WriteData wd;
    wd.dst_addr = mem.va + 64;
    wd.data = payload;
    emit_ok(packets::emit(s, pm4(), wd));
    packets::Pm4ReleaseMem r;
    r.address = mem.va;
    r.data_sel = packets::kPm4DataSel32;
    r.data = 0x10005;  // masked by the waiter to 5
    r.int_sel = packets::kPm4IntSelAfterWriteConfirm;
    r.int_ctxid = 77;
    emit_ok(packets::emit(s, pm4(), r));
    packets::Pm4ReleaseMem r64;
    r64.address = mem.va + 8;
    r64.data_sel = packets::kPm4DataSel64;
    r64.data = 0x1122334455667788ull;
    emit_ok(packets::emit(s, pm4(), r64));
    packets::Pm4ReleaseMem ts;
    ts.address = mem.va + 16;
    ts.data_sel = packets::kPm4DataSelTimestamp;
    emit_ok(packets::emit(s, pm4(), ts));
  });
  signaler.submit(signal);
  ASSERT_TRUE(signaler.wait_idle()) << signaler.dump();
  ASSERT_TRUE(waiter.wait_idle()) << waiter.dump();
  EXPECT_EQ(*mem.at<uint32_t>(0), 0x10005u);
  EXPECT_EQ(*mem.at<uint64_t>(8), 0x1122334455667788ull);
  EXPECT_GT(*mem.at<uint64_t>(16), 0u);
  EXPECT_EQ(*mem.at<uint32_t>(128), 0xC0FFEEu);
  const auto eop = interrupts(Interrupt::Source::kEndOfPipe);
  ASSERT_EQ(eop.size(), 1u);
  EXPECT_EQ(eop[0].context_id, 77u);
  EXPECT_EQ(eop[0].queue_id, signaler.id());
}

TEST_F(SimEngineTest, IndirectBuffersNestAndChain) {
  Buffer mem = alloc(4096);
  Buffer ibs = alloc(4 * 4096);
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  auto put = [&](uint64_t ib_offset, const std::vector<uint32_t>& dwords) {
    std::memcpy(ibs.host + ib_offset, dwords.data(), dwords.size() * 4);
    return static_cast<uint32_t>(dwords.size());
  };
  auto ib = [&](uint64_t offset, uint32_t size, bool chain = false) {
    return pm4_packets([&](PacketStream& s) {
      packets::Pm4IndirectBuffer p;
      p.ib_base = ibs.va + offset;
      p.ib_size = size;
      p.chain = chain ? 1 : 0;
      emit_ok(packets::emit(s, pm4(), p));
    });
  };
  auto cat = [](std::initializer_list<std::vector<uint32_t>> parts) {
    std::vector<uint32_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  // IB3 (reached by a chain from IB2): writes 4.
  const uint32_t ib3 = put(3 * 4096, write_data(mem.va + 12, {4}));
  // IB2 (called from IB1): writes 3, chains to IB3; the packet after the chain never runs.
  const uint32_t ib2 = put(2 * 4096, cat({write_data(mem.va + 8, {3}), ib(3 * 4096, ib3, true),
                                          write_data(mem.va + 100, {0xBAD})}));
  // IB1 (called from the ring): writes 1, calls IB2, writes 5 after it returns.
  const uint32_t ib1 =
      put(1 * 4096,
          cat({write_data(mem.va + 4, {1}), ib(2 * 4096, ib2), write_data(mem.va + 16, {5})}));
  auto ring = cat({ib(1 * 4096, ib1), write_data(mem.va + 20, {6})});
  q.submit(ring);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(*mem.at<uint32_t>(4), 1u);
  EXPECT_EQ(*mem.at<uint32_t>(8), 3u);
  EXPECT_EQ(*mem.at<uint32_t>(12), 4u);
  EXPECT_EQ(*mem.at<uint32_t>(16), 5u);
  EXPECT_EQ(*mem.at<uint32_t>(20), 6u);
  EXPECT_EQ(*mem.at<uint32_t>(100), 0u) << "packet after a chaining INDIRECT_BUFFER ran";
  const QueueSnapshot st = q.state();
  EXPECT_EQ(st.packets_executed, 8u);  // ring: IB, W; IB1: W, IB, W; IB2: W, IB (chain); IB3: W
  ASSERT_EQ(st.recent.size(), 8u);
  EXPECT_EQ(st.recent.back().name, "WRITE_DATA");
}

TEST_F(SimEngineTest, CopyDataAndWriteDataForms) {
  Buffer mem = alloc(4096);
  *mem.at<uint64_t>(0) = 0xAABBCCDD00112233ull;
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  auto pkts = pm4_packets([&](PacketStream& s) {
    packets::Pm4CopyData c64;  // memory -> memory, 64-bit
    c64.src_addr = mem.va;
    c64.dst_addr = mem.va + 8;
    c64.count_sel = 1;
    emit_ok(packets::emit(s, pm4(), c64));
    packets::Pm4CopyData imm;  // immediate -> memory
    imm.src_sel = packets::kPm4CopySrcImmediate;
    imm.src_addr = 0x12345678;
    imm.dst_addr = mem.va + 16;
    emit_ok(packets::emit(s, pm4(), imm));
    packets::Pm4CopyData clk;  // GPU clock -> memory
    clk.src_sel = packets::kPm4CopySrcGpuClock;
    clk.count_sel = 1;
    clk.dst_addr = mem.va + 24;
    emit_ok(packets::emit(s, pm4(), clk));
    const uint32_t same[] = {1, 2, 3};
    packets::Pm4WriteData wd;  // addr_incr: every dword to the same address
    wd.dst_addr = mem.va + 32;
    wd.addr_incr = 1;
    wd.data = same;
    emit_ok(packets::emit(s, pm4(), wd));
    emit_ok(packets::emit(s, pm4(), packets::Pm4AcquireMem{}));
    emit_ok(packets::emit(s, pm4(), packets::Pm4EventWrite{}));
    emit_ok(packets::emit(s, pm4(), packets::Pm4Nop{.dwords = 4}));
    emit_ok(packets::emit(s, pm4(), packets::Pm4Nop{.dwords = 1}));
    packets::Pm4DmaData dma;  // CP DMA: fill then copy
    dma.src_sel = packets::kPm4DmaSelData;
    dma.src_addr = 0x01020304;
    dma.dst_addr = mem.va + 512;
    dma.byte_count = 64;
    emit_ok(packets::emit(s, pm4(), dma));
  });
  q.submit(pkts);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(*mem.at<uint64_t>(8), 0xAABBCCDD00112233ull);
  EXPECT_EQ(*mem.at<uint32_t>(16), 0x12345678u);
  EXPECT_GT(*mem.at<uint64_t>(24), 0u);
  EXPECT_EQ(*mem.at<uint32_t>(32), 3u);
  EXPECT_EQ(*mem.at<uint32_t>(36), 0u);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(*mem.at<uint32_t>(512 + i * 4), 0x01020304u);
  EXPECT_FALSE(q.state().hung);
}

/// Records what a dispatch asked for (a stand-in for the ISA interpreter).
class RecordingExecutor : public KernelExecutor {
 public:
  Status run(Device&, const Dispatch& d) override {
    std::lock_guard lock(mutex);
    dispatches.push_back(d);
    return ok_status();
  }
  std::mutex mutex;
  std::vector<Dispatch> dispatches;
};

TEST_F(SimEngineTest, DispatchWithoutExecutorFailsTheQueue) {
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  auto pkts = pm4_packets([&](PacketStream& s) {
    emit_ok(packets::emit(s, pm4(), packets::Pm4DispatchDirect{.dim_x = 4}));
  });
  q.submit(pkts);
  ASSERT_TRUE(wait_until([&] { return q.state().hung; })) << q.dump();
  EXPECT_NE(q.state().hang_reason.find("ISA interpreter not available for gfx942"),
            std::string::npos)
      << q.state().hang_reason;
  EXPECT_EQ(q.rptr(), 0u);

  TestQueue a = make_queue(QueueType::kAql, 4096);
  Buffer signal = alloc(4096);
  *signal.at<int64_t>(8) = 1;
  packets::AqlKernelDispatch d;
  d.kernel_object = 0x1000;
  d.completion_signal = signal.va;
  auto pkt = packets::make_aql_kernel_dispatch(d);
  ASSERT_TRUE(pkt.ok());
  a.submit_aql(packets::aql_packet_dwords(*pkt));
  ASSERT_TRUE(wait_until([&] { return a.state().hung; })) << a.dump();
  EXPECT_NE(a.state().hang_reason.find("ISA interpreter not available for gfx942"),
            std::string::npos)
      << a.state().hang_reason;
  EXPECT_EQ(*signal.at<int64_t>(8), 1) << "completion signal decremented on a failed dispatch";
}

TEST_F(SimEngineTest, AqlCompletionSignalsGetTimestampsWhenTheQueueProfiles) {
  // The read pointer is amd_queue_t.read_dispatch_id (offset 128) of a runtime-style block with
  // read_dispatch_id_field_base_byte_offset = 128; queue_properties bit 3 turns profiling on.
  for (const bool profile : {true, false}) {
    SCOPED_TRACE(profile ? "profiling" : "not profiling");
    Buffer ring = alloc(4096);
    for (uint64_t off = 0; off < 4096; off += 64) {
      *ring.at<uint16_t>(off) = static_cast<uint16_t>(packets::AqlPacketType::kInvalid);
    }
    Buffer amd_queue = alloc(4096);
    *amd_queue.at<uint32_t>(136) = 128;
    *amd_queue.at<uint32_t>(180) = profile ? (1u << 3) : 0;
    QueueDesc desc;
    desc.type = QueueType::kAql;
    desc.vmid = kVmid;
    desc.ring_address = ring.va;
    desc.ring_bytes = 4096;
    desc.rptr_address = amd_queue.va + 128;
    desc.doorbell_index = next_doorbell_++;
    desc.name = "aql.profiled";
    auto id = dev().create_queue(desc);
    ASSERT_TRUE(id.ok()) << id.status().to_string();
    Buffer signal = alloc(4096);
    *signal.at<int64_t>(8) = 1;
    *signal.at<uint64_t>(32) = 0xAAAA;
    *signal.at<uint64_t>(40) = 0xBBBB;
    packets::AqlBarrier b;
    b.completion_signal = signal.va;
    auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
    ASSERT_TRUE(pkt.ok());
    const auto dwords = packets::aql_packet_dwords(*pkt);
    std::memcpy(ring.host + 4, dwords.data() + 1, 60);
    __atomic_store_n(ring.at<uint32_t>(0), dwords[0], __ATOMIC_RELEASE);
    const uint64_t before = dev().gpu_clock();
    dev().ring_doorbell(desc.doorbell_index, 0);
    ASSERT_TRUE(wait_until([&] {
      return __atomic_load_n(signal.at<int64_t>(8), __ATOMIC_ACQUIRE) == 0;
    })) << dev().queue_state(*id).value().to_string();
    const uint64_t start = *signal.at<uint64_t>(32), end = *signal.at<uint64_t>(40);
    if (profile) {
      EXPECT_GE(start, before);
      EXPECT_LE(start, end);
      EXPECT_LE(end, dev().gpu_clock());
    } else {
      EXPECT_EQ(start, 0xAAAAu);
      EXPECT_EQ(end, 0xBBBBu);
    }
    ASSERT_TRUE(dev().destroy_queue(*id).ok());
  }
}

/// Fails every dispatch with a given message (what the interpreter returns when a wave stops).
class FailingExecutor : public KernelExecutor {
 public:
  explicit FailingExecutor(std::string why) : why_(std::move(why)) {}
  Status run(Device&, const Dispatch&) override { return aborted(why_); }

 private:
  std::string why_;
};

TEST_F(SimEngineTest, AqlDispatchStoppedByAWaveReportsTheQueueError) {
  // A runtime-style queue (amd_queue_t with read_dispatch_id_field_base_byte_offset = 128) whose
  // queue_inactive_signal has an event mailbox: a dispatch a wave stopped writes ROCr's error code
  // into the signal, the event id into the mailbox, and raises the event's interrupt. A VM fault
  // is reported through the fault interrupt instead and leaves the signal alone.
  struct Case {
    const char* why;
    int64_t code;  // 0: the signal stays untouched
  };
  for (const Case& c : {Case{"illegal instruction on gfx942: s_trap", 0x40000000},
                        Case{"kernel still running after the 5 ms timeout", 0x80000000},
                        Case{"VM fault: write to 0x1000 (vmid 8, shader)", 0}}) {
    SCOPED_TRACE(c.why);
    dev().set_kernel_executor(std::make_shared<FailingExecutor>(c.why));
    Buffer ring = alloc(4096);
    for (uint64_t off = 0; off < 4096; off += 64) {
      *ring.at<uint16_t>(off) = static_cast<uint16_t>(packets::AqlPacketType::kInvalid);
    }
    Buffer mem = alloc(4096);  // amd_queue_t at 0, the signal at 1024, its mailbox at 2048
    Buffer kd = alloc(4096);   // a zeroed kernel descriptor
    *mem.at<uint32_t>(136) = 128;
    *mem.at<uint64_t>(192) = mem.va + 1024;
    *mem.at<uint64_t>(1024 + 16) = mem.va + 2048;
    *mem.at<uint32_t>(1024 + 24) = 77;
    QueueDesc desc;
    desc.type = QueueType::kAql;
    desc.vmid = kVmid;
    desc.ring_address = ring.va;
    desc.ring_bytes = 4096;
    desc.rptr_address = mem.va + 128;
    desc.doorbell_index = next_doorbell_++;
    desc.name = "aql.errors";
    auto id = dev().create_queue(desc);
    ASSERT_TRUE(id.ok()) << id.status().to_string();
    const size_t signals_before = interrupts(Interrupt::Source::kAqlSignal).size();
    packets::AqlKernelDispatch d;
    d.kernel_object = kd.va;
    auto pkt = packets::make_aql_kernel_dispatch(d);
    ASSERT_TRUE(pkt.ok());
    const auto dwords = packets::aql_packet_dwords(*pkt);
    std::memcpy(ring.host + 4, dwords.data() + 1, 60);
    __atomic_store_n(ring.at<uint32_t>(0), dwords[0], __ATOMIC_RELEASE);
    dev().ring_doorbell(desc.doorbell_index, 0);
    ASSERT_TRUE(wait_until([&] { return dev().queue_state(*id).value().hung; }));
    EXPECT_NE(dev().queue_state(*id).value().hang_reason.find(c.why), std::string::npos);
    if (c.code != 0) {
      EXPECT_EQ(__atomic_load_n(mem.at<int64_t>(1024 + 8), __ATOMIC_ACQUIRE), c.code);
      EXPECT_EQ(*mem.at<uint64_t>(2048), 77u);
      ASSERT_TRUE(wait_until(
          [&] { return interrupts(Interrupt::Source::kAqlSignal).size() > signals_before; }));
      EXPECT_EQ(interrupts(Interrupt::Source::kAqlSignal).back().context_id, 77u);
    } else {
      EXPECT_EQ(*mem.at<int64_t>(1024 + 8), 0);
      EXPECT_EQ(*mem.at<uint64_t>(2048), 0u);
    }
    ASSERT_TRUE(dev().destroy_queue(*id).ok());
  }
}

TEST_F(SimEngineTest, DispatchesReachTheExecutor) {
  auto exec = std::make_shared<RecordingExecutor>();
  dev().set_kernel_executor(exec);
  Buffer mem = alloc(8192);
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  const uint32_t user[] = {0x1111, 0x2222, 0x3333};
  auto pkts = pm4_packets([&](PacketStream& s) {
    packets::Pm4DispatchSetup setup;
    setup.code_address = 0x12345600;
    setup.pgm_rsrc1 = 0xAB;
    setup.pgm_rsrc2 = 3u << 1;  // USER_SGPR = 3
    setup.pgm_rsrc3 = 0xCD;
    setup.workgroup_size = {64, 2, 1};
    setup.user_data = user;
    emit_ok(packets::emit_dispatch_setup(s, pm4(), setup));
    emit_ok(
        packets::emit(s, pm4(), packets::Pm4DispatchDirect{.dim_x = 4, .dim_y = 3, .dim_z = 2}));
    packets::Pm4DispatchIndirect ind;
    ind.address = mem.va;
    emit_ok(packets::emit(s, pm4(), ind));
  });
  mem.at<uint32_t>()[0] = 5;
  mem.at<uint32_t>()[1] = 1;
  mem.at<uint32_t>()[2] = 1;
  q.submit(pkts);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  {
    std::lock_guard lock(exec->mutex);
    ASSERT_EQ(exec->dispatches.size(), 2u);
    const auto& d = exec->dispatches[0];
    EXPECT_EQ(d.code_address, 0x12345600u);
    EXPECT_EQ(d.pgm_rsrc1, 0xABu);
    EXPECT_EQ(d.pgm_rsrc3, 0xCDu);
    EXPECT_EQ(d.workgroup[0], 64u);
    EXPECT_EQ(d.workgroup[1], 2u);
    EXPECT_EQ(d.grid[0], 256u);
    EXPECT_EQ(d.grid[1], 6u);
    EXPECT_EQ(d.grid[2], 2u);
    EXPECT_EQ(d.user_sgprs, std::vector<uint32_t>(std::begin(user), std::end(user)));
    EXPECT_EQ(d.vmid, kVmid);
    EXPECT_EQ(exec->dispatches[1].grid[0], 320u);
  }

  // AQL: the kernel descriptor's rsrc words and entry offset are read from memory.
  Buffer kd = alloc(4096);
  *kd.at<int64_t>(16) = 0x100;  // kernel_code_entry_byte_offset
  *kd.at<uint32_t>(44) = 0x33;  // compute_pgm_rsrc3
  *kd.at<uint32_t>(48) = 0x11;  // compute_pgm_rsrc1
  *kd.at<uint32_t>(52) = 0x22;  // compute_pgm_rsrc2
  Buffer signal = alloc(4096);
  *signal.at<int64_t>(8) = 1;
  TestQueue a = make_queue(QueueType::kAql, 4096);
  packets::AqlKernelDispatch k;
  k.dimensions = 2;
  k.workgroup_size_x = 8;
  k.workgroup_size_y = 4;
  k.grid_size_x = 64;
  k.grid_size_y = 16;
  k.kernel_object = kd.va;
  k.kernarg_address = 0xABC000;
  k.completion_signal = signal.va;
  auto pkt = packets::make_aql_kernel_dispatch(k);
  ASSERT_TRUE(pkt.ok());
  a.submit_aql(packets::aql_packet_dwords(*pkt));
  ASSERT_TRUE(a.wait_idle()) << a.dump();
  EXPECT_EQ(*signal.at<int64_t>(8), 0);
  std::lock_guard lock(exec->mutex);
  ASSERT_EQ(exec->dispatches.size(), 3u);
  const auto& d = exec->dispatches[2];
  EXPECT_EQ(d.kernel_descriptor_address, kd.va);
  EXPECT_EQ(d.code_address, kd.va + 0x100);
  EXPECT_EQ(d.pgm_rsrc1, 0x11u);
  EXPECT_EQ(d.pgm_rsrc2, 0x22u);
  EXPECT_EQ(d.pgm_rsrc3, 0x33u);
  EXPECT_EQ(d.kernarg_address, 0xABC000u);
  EXPECT_EQ(d.grid[0], 64u);
  EXPECT_EQ(d.grid[1], 16u);
  EXPECT_EQ(d.workgroup[1], 4u);
  EXPECT_NE(d.dispatch_packet_address, 0u);
}

// ---------------------------------------------------------------------------------------------
// AQL

/// An amd_signal_t in a mapped buffer: value at +8, event mailbox at +16, event id at +24.
struct Signal {
  Buffer mem;
  uint64_t offset;
  uint64_t va() const { return mem.va + offset; }
  int64_t value() const { return atomic_load<int64_t>(mem.host + offset + 8); }
  void set(int64_t v) { atomic_store<int64_t>(mem.host + offset + 8, v); }
};

TEST_F(SimEngineTest, AqlBarrierAndWaitsForAllSignals) {
  Buffer sigs = alloc(4096);
  Signal s1{sigs, 0}, s2{sigs, 64}, done{sigs, 128};
  s1.set(1);
  s2.set(1);
  done.set(1);
  TestQueue q = make_queue(QueueType::kAql, 4096);
  packets::AqlBarrier b;
  b.dep_signals = {s1.va(), 0, s2.va(), 0, 0};
  b.completion_signal = done.va();
  auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
  ASSERT_TRUE(pkt.ok());
  q.submit_aql(packets::aql_packet_dwords(*pkt));
  std::thread cpu([&] {
    std::this_thread::sleep_for(20ms);
    s1.set(0);
    std::this_thread::sleep_for(20ms);
    s2.set(0);
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(done.value(), 1) << "BARRIER_AND passed with one signal still 1";
  EXPECT_EQ(q.rptr(), 0u);
  EXPECT_TRUE(q.state().active);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  cpu.join();
  EXPECT_EQ(done.value(), 0);
  EXPECT_EQ(q.aql_header(0) & 0xFF, static_cast<uint16_t>(packets::AqlPacketType::kInvalid));
}

TEST_F(SimEngineTest, AqlBarrierOrWaitsForAnySignal) {
  Buffer sigs = alloc(4096);
  Signal s1{sigs, 0}, s2{sigs, 64}, done{sigs, 128};
  s1.set(1);
  s2.set(1);
  done.set(1);
  TestQueue q = make_queue(QueueType::kAql, 4096);
  packets::AqlBarrier b;
  b.dep_signals = {s1.va(), s2.va(), 0, 0, 0};
  b.completion_signal = done.va();
  auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierOr, b);
  ASSERT_TRUE(pkt.ok());
  q.submit_aql(packets::aql_packet_dwords(*pkt));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(done.value(), 1);
  std::thread cpu([&] {
    std::this_thread::sleep_for(10ms);
    s2.set(0);
  });
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  cpu.join();
  EXPECT_EQ(done.value(), 0);
  EXPECT_EQ(s1.value(), 1);
}

TEST_F(SimEngineTest, AqlCompletionSignalDecrementsAndNotifiesMailbox) {
  Buffer sigs = alloc(4096);
  Signal done{sigs, 0};
  done.set(2);
  const uint64_t mailbox_offset = 1024;
  *sigs.at<uint64_t>(16) = sigs.va + mailbox_offset;  // event_mailbox_ptr
  *sigs.at<uint32_t>(24) = 42;                        // event_id
  *sigs.at<uint64_t>(mailbox_offset) = ~0ull;
  TestQueue q = make_queue(QueueType::kAql, 4096);
  packets::AqlBarrier b;  // no dependencies: completes at once
  b.completion_signal = done.va();
  auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
  ASSERT_TRUE(pkt.ok());
  q.submit_aql(packets::aql_packet_dwords(*pkt));
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(done.value(), 1);
  EXPECT_EQ(atomic_load<uint64_t>(sigs.host + mailbox_offset), 42u);
  ASSERT_TRUE(wait_until([&] { return !interrupts(Interrupt::Source::kAqlSignal).empty(); }));
  EXPECT_EQ(interrupts(Interrupt::Source::kAqlSignal).front().context_id, 42u);
  const QueueSnapshot st = q.state();
  ASSERT_EQ(st.recent.size(), 1u);
  EXPECT_EQ(st.recent[0].name, "BARRIER_AND");
  EXPECT_EQ(st.read_pointer, 1u);
}

TEST_F(SimEngineTest, SuspendedQueueFetchesNothingUntilResumed) {
  Buffer sigs = alloc(4096);
  Signal done{sigs, 0};
  done.set(1);
  TestQueue q = make_queue(QueueType::kAql, 4096);
  ASSERT_TRUE(dev().set_queue_suspended(q.id(), true).ok());
  ASSERT_TRUE(dev().set_queue_suspended(q.id(), true).ok());  // idempotent
  EXPECT_TRUE(q.state().suspended);
  packets::AqlBarrier b;
  b.completion_signal = done.va();
  auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
  ASSERT_TRUE(pkt.ok());
  q.submit_aql(packets::aql_packet_dwords(*pkt));
  std::this_thread::sleep_for(30ms);  // many idle polls: a running queue would have finished
  EXPECT_EQ(done.value(), 1);
  EXPECT_EQ(q.rptr(), 0u);
  EXPECT_FALSE(q.state().active);
  ASSERT_TRUE(dev().set_queue_suspended(q.id(), false).ok());
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(done.value(), 0);
  EXPECT_FALSE(q.state().suspended);
  EXPECT_EQ(dev().set_queue_suspended(9999, true).code(), StatusCode::kNotFound);
}

TEST_F(SimEngineTest, AqlUnpublishedSlotWaitsForItsHeader) {
  Buffer sigs = alloc(4096);
  Signal done{sigs, 0};
  done.set(1);
  TestQueue q = make_queue(QueueType::kAql, 4096);
  packets::AqlBarrier b;
  b.completion_signal = done.va();
  auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
  ASSERT_TRUE(pkt.ok());
  auto dwords = packets::aql_packet_dwords(*pkt);
  auto staged = dwords;
  staged[0] = (staged[0] & ~0xFFu) | static_cast<uint32_t>(packets::AqlPacketType::kInvalid);
  // Doorbell rung for a slot whose header still says INVALID: nothing runs, no hang.
  q.submit_aql(staged);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(q.rptr(), 0u);
  EXPECT_EQ(done.value(), 1);
  EXPECT_FALSE(q.state().hung);
  // Publishing the header (no new doorbell) lets it run: the engine re-reads the slot.
  q.store_header(0, dwords[0]);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(done.value(), 0);
  EXPECT_FALSE(q.state().hung);
}

TEST_F(SimEngineTest, AqlPm4IbPacketRunsAnIndirectBuffer) {
  Buffer mem = alloc(4096);
  Buffer ib = alloc(4096);
  Buffer sigs = alloc(4096);
  Signal done{sigs, 0};
  done.set(1);
  // The IB waits for a CPU store, then writes a value and an end-of-pipe 64-bit value.
  auto body = pm4_packets([&](PacketStream& s) {
    packets::Pm4WaitRegMem w;
    w.poll_addr = mem.va;
    w.function = packets::kPm4WaitEqual;
    w.reference = 1;
    emit_ok(packets::emit(s, pm4(), w));
    const uint32_t v[] = {0xAB};
    packets::Pm4WriteData wd;
    wd.dst_addr = mem.va + 8;
    wd.data = v;
    emit_ok(packets::emit(s, pm4(), wd));
    packets::Pm4ReleaseMem r;
    r.address = mem.va + 16;
    r.data = 0x55;
    emit_ok(packets::emit(s, pm4(), r));
  });
  std::memcpy(ib.host, body.data(), body.size() * 4);
  auto command = pm4_packets([&](PacketStream& s) {
    packets::Pm4IndirectBuffer p;
    p.ib_base = ib.va;
    p.ib_size = static_cast<uint32_t>(body.size());
    emit_ok(packets::emit(s, pm4(), p));
  });
  ASSERT_EQ(command.size(), 4u);
  auto pkt =
      packets::make_aql_pm4_ib(std::span<const uint32_t, 4>(command.data(), 4), true, done.va());
  ASSERT_TRUE(pkt.ok()) << pkt.status().to_string();
  TestQueue q = make_queue(QueueType::kAql, 4096);
  q.submit_aql(packets::aql_packet_dwords(*pkt));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(done.value(), 1);
  EXPECT_EQ(atomic_load<uint32_t>(mem.host + 8), 0u);
  atomic_store<uint32_t>(mem.host, 1);
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(done.value(), 0);
  EXPECT_EQ(atomic_load<uint32_t>(mem.host + 8), 0xABu);
  EXPECT_EQ(atomic_load<uint64_t>(mem.host + 16), 0x55u);
  const QueueSnapshot st = q.state();
  ASSERT_FALSE(st.recent.empty());
  EXPECT_EQ(st.recent.back().name, "PM4_IB");
  EXPECT_EQ(st.packets_executed,
            5u);  // INDIRECT_BUFFER, WAIT_REG_MEM, WRITE_DATA, RELEASE_MEM, PM4_IB
}

TEST_F(SimEngineTest, RingsWrapAround) {
  // PM4: a 256-byte ring (64 dwords) and 5-dword WRITE_DATA packets, so packets straddle the end.
  Buffer mem = alloc(4096);
  TestQueue q = make_queue(QueueType::kPm4, 256);
  for (uint32_t i = 0; i < 100; ++i) {
    q.submit(write_data(mem.va + (i % 256) * 4, {i + 1000}));
    if (i % 8 == 7) {
      ASSERT_TRUE(q.wait_idle()) << q.dump();
    }
  }
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(*mem.at<uint32_t>(i * 4), i + 1000);
  EXPECT_EQ(q.rptr(), 500u) << "pointers count up monotonically";
  EXPECT_GT(q.rptr(), 64u * 7);

  // SDMA: a 256-byte ring, 16-byte FENCE packets plus 28-byte COPY_LINEARs (not a divisor).
  Buffer src = alloc(4096);
  std::memset(src.host, 0x3C, 4096);
  Buffer out = alloc(64 * 1024);
  TestQueue s = make_queue(QueueType::kSdma, 256, 1);
  for (uint32_t i = 0; i < 40; ++i) {
    OwnedPacketStream ps(64);
    emit_ok(packets::emit_sdma_copy(ps.stream(), sdma(), out.va + i * 1024, src.va, 1000));
    emit_ok(
        packets::emit_sdma_fence(ps.stream(), sdma(), {.addr = mem.va + 2048 + i * 4, .data = i}));
    s.submit(ps.data());
    ASSERT_TRUE(s.wait_idle()) << s.dump();
  }
  for (uint32_t i = 0; i < 40; ++i) {
    EXPECT_EQ(*mem.at<uint32_t>(2048 + i * 4), i);
    EXPECT_EQ(out.host[i * 1024 + 999], 0x3C);
    EXPECT_EQ(out.host[i * 1024 + 1000], 0);
  }
  EXPECT_EQ(s.rptr(), 40u * 44);

  // AQL: 4 slots, 10 packets: the dispatch id keeps counting past the ring size.
  Buffer sigs = alloc(4096);
  Signal done{sigs, 0};
  done.set(10);
  TestQueue a = make_queue(QueueType::kAql, 256);
  for (int i = 0; i < 10; ++i) {
    packets::AqlBarrier b;
    b.completion_signal = done.va();
    auto pkt = packets::make_aql_barrier(packets::AqlPacketType::kBarrierAnd, b);
    ASSERT_TRUE(pkt.ok());
    ASSERT_TRUE(wait_until([&] { return a.wptr() - a.rptr() < 4; }));
    a.submit_aql(packets::aql_packet_dwords(*pkt));
  }
  ASSERT_TRUE(a.wait_idle()) << a.dump();
  EXPECT_EQ(done.value(), 0);
  EXPECT_EQ(a.rptr(), 10u);
}

TEST_F(SimEngineTest, PlainDoorbellStoreIsNoticedByPolling) {
  Buffer mem = alloc(4096);
  QueueDesc desc;
  Buffer ring = alloc(4096);
  desc.type = QueueType::kPm4;
  desc.vmid = kVmid;
  desc.ring_address = ring.va;
  desc.ring_bytes = 4096;
  desc.doorbell_index = 77;  // doorbell only: no wptr memory, no rptr memory
  desc.name = "doorbell-only";
  auto id = dev().create_queue(desc);
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  auto pkts = write_data(mem.va, {0x5150});
  std::memcpy(ring.host, pkts.data(), pkts.size() * 4);
  __atomic_store_n(dev().doorbells() + 77, pkts.size(), __ATOMIC_RELEASE);  // no ring_doorbell()
  ASSERT_TRUE(wait_until([&] { return atomic_load<uint32_t>(mem.host) == 0x5150u; }, 2s));
  ASSERT_TRUE(wait_until([&] { return dev().queue_state(*id)->read_pointer == pkts.size(); }));
}

TEST_F(SimEngineTest, Gfx11WaitRegMem64AndSdma6LongCopy) {
  make_system("sim:gfx1100");
  ASSERT_EQ(pm4(), Pm4Variant::kGfx11);
  Buffer mem = alloc(4096);
  TestQueue waiter = make_queue(QueueType::kPm4, 4096);
  auto wait = pm4_packets([&](PacketStream& s) {
    packets::Pm4WaitRegMem64 w;
    w.poll_addr = mem.va;
    w.function = packets::kPm4WaitEqual;
    w.reference = 0x100000001ull;
    emit_ok(packets::emit(s, pm4(), w));
    packets::Pm4WriteData wd;
    const uint32_t one[] = {1};
    wd.dst_addr = mem.va + 8;
    wd.data = one;
    emit_ok(packets::emit(s, pm4(), wd));
  });
  waiter.submit(wait);
  std::this_thread::sleep_for(10ms);
  atomic_store<uint64_t>(mem.host, 1);  // low half alone does not satisfy the 64-bit compare
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(waiter.rptr(), 0u);
  atomic_store<uint64_t>(mem.host, 0x100000001ull);
  ASSERT_TRUE(waiter.wait_idle()) << waiter.dump();
  EXPECT_EQ(atomic_load<uint32_t>(mem.host + 8), 1u);

  // SDMA 6: one COPY_LINEAR moves 8 MiB (30-bit count).
  constexpr uint64_t kBytes = 8 << 20;
  Buffer src = alloc(kBytes);
  Buffer dst = alloc(kBytes);
  for (uint64_t i = 0; i < kBytes; i += 8) *src.at<uint64_t>(i) = i * 0x9E3779B97F4A7C15ull;
  TestQueue q = make_queue(QueueType::kSdma, 4096, 1);
  OwnedPacketStream s(64);
  emit_ok(packets::emit_sdma_copy(s.stream(), sdma(), dst.va, src.va, kBytes));
  ASSERT_EQ(s.data().size(), packets::kSdmaCopyLinearDwords);
  q.submit(s.data());
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  EXPECT_EQ(std::memcmp(dst.host, src.host, kBytes), 0);
}

TEST_F(SimEngineTest, SnapshotKeepsTheLastPacketsDecoded) {
  Buffer mem = alloc(4096);
  TestQueue q = make_queue(QueueType::kPm4, 4096);
  for (uint32_t i = 0; i < 12; ++i) q.submit(write_data(mem.va + i * 4, {i}));
  ASSERT_TRUE(q.wait_idle()) << q.dump();
  const QueueSnapshot st = q.state();
  EXPECT_EQ(st.packets_executed, 12u);
  ASSERT_EQ(st.recent.size(), 8u);
  EXPECT_EQ(st.recent.back().field("dst_addr").value_or(0), mem.va + 11 * 4);
  EXPECT_EQ(st.recent.front().field("dst_addr").value_or(0), mem.va + 4 * 4);
  EXPECT_EQ(st.read_pointer, st.write_pointer);
  EXPECT_FALSE(st.active);
  EXPECT_FALSE(st.hung);
}

}  // namespace
}  // namespace amdhal::sim
