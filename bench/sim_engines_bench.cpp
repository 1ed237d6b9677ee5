// Simulator queue engines: SDMA COPY_LINEAR throughput beside host memcpy of the same size, from
// 4 KiB to 64 MiB (goal: at least 0.8x memcpy; bytes/s counters, one submission and drain per
// iteration, so small sizes show the per-submission cost), and the PM4 command processor's packet
// rate for NOP and WRITE_DATA streams. Run: build/bench/bench_sim_engines [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "amdhal/packets/pm4.h"
#include "amdhal/packets/sdma.h"
#include "amdhal/packets/stream.h"
#include "amdhal_sim/device.h"

namespace amdhal::sim {
namespace {

constexpr uint32_t kVmid = 1;

/// Host memory mapped into one device's vmid 1, freed with the fixture.
struct Mapped {
  uint8_t* host = nullptr;
  uint64_t va = 0;
  uint64_t size = 0;
};

/// One simulated device with a single queue of a chosen type.
class Rig {
 public:
  Rig(QueueType type, uint64_t ring_bytes) : type_(type), ring_bytes_(ring_bytes) {
    auto spec = SystemSpec::parse("sim:gfx942,vram=64M");
    if (!spec.ok()) std::abort();
    auto sys = System::create(*spec);
    if (!sys.ok()) std::abort();
    system_ = std::move(sys).value();
    ring_ = map(ring_bytes);
    ptrs_ = map(4096);
    QueueDesc d;
    d.type = type;
    d.vmid = kVmid;
    d.ring_address = ring_.va;
    d.ring_bytes = ring_bytes;
    d.rptr_address = ptrs_.va;
    d.wptr_address = ptrs_.va + 8;
    d.doorbell_index = 0;
    d.name = "bench";
    auto id = dev().create_queue(d);
    if (!id.ok()) std::abort();
    id_ = *id;
  }
  ~Rig() {
    system_.reset();
    for (void* p : allocations_) std::free(p);
  }

  Device& dev() { return system_->device(0); }

  Mapped map(uint64_t size) {
    const uint64_t bytes = (size + 4095) & ~uint64_t{4095};
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(4096, bytes));
    if (p == nullptr) std::abort();
    std::memset(p, 0, bytes);  // touch every page before timing
    allocations_.push_back(p);
    Mapped m{p, next_va_, bytes};
    next_va_ += bytes + (1 << 20);
    if (!dev().vm(kVmid).map(m.va, m.host, bytes, kMapReadWrite).ok()) std::abort();
    return m;
  }

  /// Copies dwords into the ring at the write pointer (wrapping), publishes, rings the doorbell.
  void submit(std::span<const uint32_t> dwords) {
    const uint64_t unit = type_ == QueueType::kPm4 ? 4 : 1;
    const uint64_t bytes = dwords.size() * 4;
    const uint64_t pos = (wptr_ * unit) % ring_bytes_;
    const uint64_t first = std::min(bytes, ring_bytes_ - pos);
    std::memcpy(ring_.host + pos, dwords.data(), first);
    std::memcpy(ring_.host, reinterpret_cast<const uint8_t*>(dwords.data()) + first, bytes - first);
    wptr_ += bytes / unit;
    std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(ptrs_.host + 8)).store(wptr_);
    dev().ring_doorbell(0, wptr_);
  }

  /// Waits until the engine has consumed everything (aborts after 30 s: never hangs the run).
  void drain() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto& rptr = *reinterpret_cast<uint64_t*>(ptrs_.host);
    while (std::atomic_ref<uint64_t>(rptr).load() != wptr_) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "%s\n", dev().queue_state(id_)->to_string().c_str());
        std::abort();
      }
      std::this_thread::yield();
    }
  }

 private:
  QueueType type_;
  uint64_t ring_bytes_;
  std::unique_ptr<System> system_;
  std::vector<void*> allocations_;
  uint64_t next_va_ = 0x100000000ull;
  Mapped ring_;
  Mapped ptrs_;
  uint32_t id_ = 0;
  uint64_t wptr_ = 0;
};

/// Copy sizes: 4 KiB, 64 KiB, 1 MiB, 16 MiB, 64 MiB.
constexpr int64_t kMinCopyBytes = 4 << 10;
constexpr int64_t kMaxCopyBytes = 64 << 20;

void BM_HostMemcpy(benchmark::State& state) {
  const uint64_t bytes = static_cast<uint64_t>(state.range(0));
  auto* src = static_cast<uint8_t*>(std::aligned_alloc(4096, bytes));
  auto* dst = static_cast<uint8_t*>(std::aligned_alloc(4096, bytes));
  std::memset(src, 1, bytes);
  std::memset(dst, 0, bytes);
  for (auto _ : state) {
    std::memcpy(dst, src, bytes);
    benchmark::DoNotOptimize(dst);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  std::free(src);
  std::free(dst);
}
BENCHMARK(BM_HostMemcpy)
    ->RangeMultiplier(16)
    ->Range(kMinCopyBytes, kMaxCopyBytes)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_SdmaCopyLinear(benchmark::State& state) {
  const uint64_t bytes = static_cast<uint64_t>(state.range(0));
  Rig rig(QueueType::kSdma, 64 << 10);
  const Mapped src = rig.map(bytes);
  const Mapped dst = rig.map(bytes);
  std::memset(src.host, 1, bytes);
  packets::OwnedPacketStream s(4096);
  if (!packets::emit_sdma_copy(s.stream(), rig.dev().family().sdma, dst.va, src.va, bytes).ok()) {
    state.SkipWithError("emit_sdma_copy failed");
    return;
  }
  const std::vector<uint32_t> pkts(s.data().begin(), s.data().end());
  for (auto _ : state) {
    rig.submit(pkts);
    rig.drain();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["packets"] =
      static_cast<double>(packets::sdma_copy_packet_count(rig.dev().family().sdma, bytes));
  if (std::memcmp(dst.host, src.host, bytes) != 0) state.SkipWithError("copy mismatch");
}
BENCHMARK(BM_SdmaCopyLinear)
    ->RangeMultiplier(16)
    ->Range(kMinCopyBytes, kMaxCopyBytes)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

/// Packets per batch for the packet-rate benchmarks (ring 256 KiB = 64 Ki dwords).
constexpr size_t kBatch = 4096;

void BM_Pm4NopPackets(benchmark::State& state) {
  Rig rig(QueueType::kPm4, 256 << 10);
  std::vector<uint32_t> pkts(kBatch, packets::kPm4NopOneDword);
  for (auto _ : state) {
    rig.submit(pkts);
    rig.drain();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.counters["packets_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Pm4NopPackets)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Pm4WriteDataPackets(benchmark::State& state) {
  Rig rig(QueueType::kPm4, 256 << 10);
  const Mapped target = rig.map(kBatch * 4);
  const Pm4Variant v = rig.dev().family().pm4;
  packets::OwnedPacketStream s(kBatch * 8);
  for (size_t i = 0; i < kBatch; ++i) {
    const uint32_t value[] = {static_cast<uint32_t>(i)};
    packets::Pm4WriteData w;
    w.dst_addr = target.va + i * 4;
    w.data = value;
    if (!packets::emit(s.stream(), v, w).ok()) std::abort();
  }
  const std::vector<uint32_t> pkts(s.data().begin(), s.data().end());
  for (auto _ : state) {
    rig.submit(pkts);
    rig.drain();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.counters["packets_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Pm4WriteDataPackets)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace amdhal::sim

BENCHMARK_MAIN();
