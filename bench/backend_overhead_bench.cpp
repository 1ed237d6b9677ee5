// CPU cost of recording and submitting one verb (copy, fill, dispatch, signal) through a backend,
// beside the floor: the same packet dwords written into a ring with memcpy. Also the signal round
// trip (CPU signals, the GPU waits for it and signals back, the CPU waits).
//
// Table-driven over (backend, device): kCases below. A backend that cannot open a device registers
// nothing for it and prints one line saying why, so the run still succeeds.
//
// What "Submit" measures, per iteration: CommandBuffer::clear + one verb recorded + Queue::submit
// (validation, encoding with the shared packet layer, the queue's own completion write, the copy
// into the ring with wrap-around, the write-pointer store and the doorbell store). The time is the
// submitting thread's CPU time (Google Benchmark's cpu_time); the simulated engines run on their
// own threads and are not counted. Every kBatch submissions the queue is drained outside the timed
// region, so the ring never fills and staging memory is recycled. Buffers are tiny (64 bytes, one
// 64-work-item workgroup), so GPU-side work never throttles submission.
//
// What "Floor" measures: the dwords encode_commands produces for the same verb on the same queue
// kind and family, followed by the completion write a submission carries (a polled signal write,
// as the kfd queue appends for its private timeline), copied with memcpy into a 256 KiB ring with
// wrap-around (AQL: 64-byte slots, header dword stored last), then the write-pointer and doorbell
// stores into ordinary memory. Counter x_floor on a Submit row = its cpu_time / the floor's, both
// measured in this process.
//
// Run: build/bench/bench_backend_overhead [--benchmark_filter=...]
// AMDHAL_BENCH_BACKENDS=kfd (comma-separated) opens only those backends.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "amdhal/backend.h"
#include "amdhal/buffer.h"
#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/command_encoder.h"
#include "amdhal/device.h"
#include "amdhal/family.h"
#include "amdhal/kernel.h"
#include "amdhal/loaded_code_object.h"
#include "amdhal/packets/aql.h"
#include "amdhal/packets/decode.h"
#include "amdhal/packets/stream.h"
#include "amdhal/queue.h"
#include "amdhal/registry.h"
#include "amdhal/signal.h"

namespace {

using namespace amdhal;
using namespace std::chrono_literals;

/// One (backend, device) pair measured. Adding a backend or a simulated target is one row.
struct Case {
  std::string_view backend;  ///< Registry backend name
  std::string_view device;   ///< what Backend::open() takes
};
constexpr Case kCases[] = {
    {"kfd", "sim:gfx942"},
    {"kfd", "sim:gfx1100"},
    {"am", "sim:gfx942"},
    {"am", "sim:gfx1100"},
};

/// Queue kinds measured, and the verbs each runs (dispatch is refused on SDMA queues).
constexpr QueueKind kQueueKinds[] = {QueueKind::kCompute, QueueKind::kComputeAql, QueueKind::kSdma};
enum class Op : uint8_t { kCopy, kFill, kDispatch, kSignal };
constexpr Op kOps[] = {Op::kCopy, Op::kFill, Op::kDispatch, Op::kSignal};

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kCopy:
      return "copy";
    case Op::kFill:
      return "fill";
    case Op::kDispatch:
      return "dispatch";
    case Op::kSignal:
      return "signal";
  }
  return "?";
}

bool is_sdma(QueueKind k) {
  return k == QueueKind::kSdma || k == QueueKind::kSdmaXgmi;
}

/// Submissions between drains (outside the timed region).
constexpr int64_t kBatch = 256;
/// Bytes copied / filled per verb, and work-items per dispatch.
constexpr uint64_t kOpBytes = 64;
constexpr uint32_t kDispatchItems = 64;
/// Longest any drain or round trip may take before the benchmark reports an error.
constexpr auto kWaitTimeout = 10s;
/// Round trips: how long the queue gets to reach its wait before the CPU signals (longer than the
/// simulated engines' 1 ms idle doorbell poll), and how many round trips are timed.
constexpr auto kArmDelay = 3ms;
constexpr int64_t kRoundTrips = 100;

std::string kernel_dir() {
  if (const char* env = std::getenv("AMDHAL_KERNEL_DIR")) return env;
#ifdef AMDHAL_KERNEL_DIR
  return AMDHAL_KERNEL_DIR;
#else
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return "build/tests/kernels";
  exe[n] = 0;
  return (std::filesystem::path(exe).parent_path().parent_path() / "tests" / "kernels").string();
#endif
}

/// Thread CPU time in seconds (what Google Benchmark's cpu_time measures).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// A queue with the objects its verbs use.
struct QueueRig {
  QueueKind kind = QueueKind::kCompute;
  std::shared_ptr<Queue> queue;
  std::shared_ptr<Signal> drain;  ///< written at the end of every batch, waited on untimed
  uint64_t drained = 0;
};

/// An opened device and everything the benchmarks on it need.
struct Rig {
  std::string backend;
  std::string device_id;
  std::string label;  ///< "kfd/gfx942"
  const GpuFamily* family = nullptr;
  std::shared_ptr<Device> device;
  std::shared_ptr<Buffer> src, dst;
  std::shared_ptr<LoadedCodeObject> code;
  std::shared_ptr<Kernel> kernel;
  std::vector<uint8_t> kernargs;
  std::shared_ptr<Signal> user_signal;  ///< the signal the "signal" verb writes
  uint64_t user_value = 0;
  std::map<QueueKind, QueueRig> queues;
  std::string dispatch_skip;  ///< why dispatch is not measured here, if it is not

  /// Records `op` into `cb` (cleared first).
  Status record(CommandBuffer& cb, Op op) {
    cb.clear();
    switch (op) {
      case Op::kCopy:
        return cb.copy({dst, 0}, {src, 0}, kOpBytes);
      case Op::kFill:
        return cb.fill({dst, 0}, kOpBytes, 0xA5A5A5A5u);
      case Op::kDispatch:
        return cb.dispatch(kernel, {kDispatchItems, 1, 1}, {kDispatchItems, 1, 1}, kernargs);
      case Op::kSignal:
        return cb.signal(user_signal, ++user_value);
    }
    return ok_status();
  }

  /// Submits a write of the queue's drain signal and waits for it.
  Status drain(QueueRig& q) {
    CommandBuffer cb;
    AMDHAL_RETURN_IF_ERROR(cb.signal(q.drain, ++q.drained));
    AMDHAL_RETURN_IF_ERROR(q.queue->submit(cb));
    Status st = q.drain->wait(q.drained, kWaitTimeout);
    if (!st.ok()) return st.with_context(q.queue->state().description);
    return st;
  }
};

/// Opens `c` and builds its rig; an error says why it cannot be measured.
Expected<std::unique_ptr<Rig>> make_rig(Registry& registry, const Case& c) {
  AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Backend> backend, registry.backend(c.backend));
  auto rig = std::make_unique<Rig>();
  rig->backend = std::string(c.backend);
  rig->device_id = std::string(c.device);
  AMDHAL_ASSIGN_OR_RETURN(rig->device, backend->open(c.device));
  const DeviceInfo& info = rig->device->info();
  rig->label = fmt::format("{}/{}", c.backend, info.target);
  AMDHAL_ASSIGN_OR_RETURN(rig->family, find_family(info.target));
  AMDHAL_ASSIGN_OR_RETURN(rig->src, rig->device->alloc(4096, MemoryDomain::kGtt));
  AMDHAL_ASSIGN_OR_RETURN(rig->dst, rig->device->alloc(4096, MemoryDomain::kGtt));
  std::memset(rig->src->cpu_pointer(), 0x5A, 4096);
  AMDHAL_ASSIGN_OR_RETURN(rig->user_signal, rig->device->create_signal(0));

  // vector_add over one workgroup; without the kernel the dispatch rows are left out.
  const std::string path = fmt::format("{}/vector_add-{}.hsaco", kernel_dir(), info.target);
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.empty()) {
    rig->dispatch_skip = fmt::format("{}: missing or empty (build the test kernels)", path);
  } else {
    auto co = rig->device->load_code_object(bytes);
    if (!co.ok()) {
      rig->dispatch_skip = co.status().to_string();
    } else {
      rig->code = *co;
      auto k = rig->code->kernel("vector_add");
      if (!k.ok()) {
        rig->dispatch_skip = k.status().to_string();
      } else {
        rig->kernel = *k;
        DispatchConfig cfg;
        cfg.grid = {kDispatchItems, 1, 1};
        cfg.workgroup = {kDispatchItems, 1, 1};
        const uint64_t a = rig->src->gpu_address(), out = rig->dst->gpu_address() + 1024;
        const ArgValue args[] = {ArgValue::buffer(a), ArgValue::buffer(a), ArgValue::buffer(out),
                                 ArgValue::u32(kDispatchItems)};
        auto ka = pack_kernargs(rig->kernel->info(), args, cfg);
        if (!ka.ok()) {
          rig->dispatch_skip = ka.status().to_string();
        } else {
          rig->kernargs = std::move(ka->bytes);
        }
      }
    }
  }

  for (QueueKind kind : kQueueKinds) {
    auto q = rig->device->create_queue(kind);
    if (!q.ok()) {
      std::printf("backend_overhead: %s: no %s queue: %s\n", rig->label.c_str(),
                  std::string(queue_kind_name(kind)).c_str(), q.status().to_string().c_str());
      continue;
    }
    QueueRig qr;
    qr.kind = kind;
    qr.queue = *q;
    AMDHAL_ASSIGN_OR_RETURN(qr.drain, rig->device->create_signal(0));
    rig->queues.emplace(kind, std::move(qr));
  }
  if (rig->queues.empty()) return unavailable("no queue of any kind could be created");
  return rig;
}

// ---------------------------------------------------------------------------------------------
// The floor.

/// A polled signal at a fixed address: stands for the completion write a submission carries.
class StandInSignal final : public Signal {
 public:
  explicit StandInSignal(uint64_t address) : address_(address) {}
  uint64_t value() const override { return value_; }
  void set(uint64_t v) override { value_ = v; }
  uint64_t gpu_address() const override { return address_; }
  uint32_t event_id() const override { return 0; }
  Status wait(uint64_t, std::chrono::nanoseconds) override {
    return unimplemented("stand-in signal");
  }

 private:
  uint64_t address_;
  uint64_t value_ = 0;
};

/// The dwords one submission of `op` on `kind` writes to the ring, per the shared encoder.
struct FloorPackets {
  std::vector<uint32_t> dwords;
  size_t packets = 0;
};

Expected<FloorPackets> floor_packets(Rig& rig, QueueKind kind, Op op) {
  CommandBuffer cb;
  AMDHAL_RETURN_IF_ERROR(rig.record(cb, op));
  // The completion write, at an address in the same buffer family as the queue's own.
  AMDHAL_RETURN_IF_ERROR(
      cb.signal(std::make_shared<StandInSignal>(rig.dst->gpu_address() + 2048), 1));
  EncodeTarget target;
  target.family = rig.family;
  target.queue = kind;
  target.signal_interrupts = true;
  // Side data (kernargs, PM4 IBs of AQL vendor packets) goes to this host arena: the floor counts
  // only the ring bytes, but the addresses are real.
  static std::vector<uint8_t> arena(1 << 20);
  ArenaStaging staging(arena.data(), rig.dst->gpu_address() + (1ull << 32), arena.size());
  FloorPackets fp;
  fp.dwords.assign(max_encoded_dwords(cb, target), 0u);
  packets::PacketStream out(fp.dwords);
  AMDHAL_RETURN_IF_ERROR(encode_commands(cb, target, staging, out));
  fp.dwords.resize(out.size());
  const packets::Engine engine = kind == QueueKind::kComputeAql ? packets::Engine::kAql
                                 : is_sdma(kind)                ? packets::Engine::kSdma
                                                                : packets::Engine::kPm4;
  fp.packets = packets::decode(engine, *rig.family, fp.dwords).size();
  return fp;
}

/// A ring in ordinary memory, written the way a queue writes its ring.
class FloorRing {
 public:
  static constexpr uint64_t kBytes = 256 * 1024;
  FloorRing() : ring_(static_cast<uint8_t*>(std::aligned_alloc(4096, kBytes))) {
    std::memset(ring_, 0, kBytes);
  }
  ~FloorRing() { std::free(ring_); }
  FloorRing(const FloorRing&) = delete;
  FloorRing& operator=(const FloorRing&) = delete;

  /// PM4/SDMA: bytes with wrap-around; then the write pointer and the doorbell.
  void write_linear(std::span<const uint32_t> dwords) {
    const uint64_t bytes = dwords.size_bytes();
    const uint64_t start = pos_ % kBytes;
    const uint64_t first = std::min<uint64_t>(bytes, kBytes - start);
    std::memcpy(ring_ + start, dwords.data(), first);
    if (first < bytes) {
      std::memcpy(ring_, reinterpret_cast<const uint8_t*>(dwords.data()) + first, bytes - first);
    }
    pos_ += bytes;
    publish(pos_);
  }

  /// AQL: 64-byte slots, body first, header dword last with release ordering.
  void write_aql(std::span<const uint32_t> dwords) {
    const size_t n = dwords.size() / packets::kAqlPacketDwords;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t* pkt = dwords.data() + i * packets::kAqlPacketDwords;
      auto* slot = reinterpret_cast<uint32_t*>(ring_ + (pos_ % kBytes));
      std::memcpy(slot + 1, pkt + 1, (packets::kAqlPacketDwords - 1) * sizeof(uint32_t));
      std::atomic_ref<uint32_t>(slot[0]).store(pkt[0], std::memory_order_release);
      pos_ += packets::kAqlPacketBytes;
    }
    publish(pos_ / packets::kAqlPacketBytes - 1);
  }

 private:
  void publish(uint64_t value) {
    std::atomic_thread_fence(std::memory_order_release);
    wptr_.store(value, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    doorbell_.store(value, std::memory_order_release);
  }

  uint8_t* ring_;
  uint64_t pos_ = 0;
  alignas(64) std::atomic<uint64_t> wptr_{0};
  alignas(64) std::atomic<uint64_t> doorbell_{0};
};

void floor_write(FloorRing& ring, QueueKind kind, std::span<const uint32_t> dwords) {
  if (kind == QueueKind::kComputeAql) {
    ring.write_aql(dwords);
  } else {
    ring.write_linear(dwords);
  }
}

/// Floor CPU ns per submission for `dwords` on `kind`, measured once per process (best of 5
/// thread-CPU-timed runs of 20000 writes), for the x_floor counter.
double floor_ns(QueueKind kind, std::span<const uint32_t> dwords) {
  static std::map<std::pair<QueueKind, std::vector<uint32_t>>, double> cache;
  auto key = std::make_pair(kind, std::vector<uint32_t>(dwords.begin(), dwords.end()));
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  FloorRing ring;
  constexpr int kReps = 20000;
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    const double t0 = thread_cpu_seconds();
    for (int i = 0; i < kReps; ++i) floor_write(ring, kind, dwords);
    best = std::min(best, (thread_cpu_seconds() - t0) / kReps * 1e9);
  }
  cache[std::move(key)] = best;
  return best;
}

/// "gfx942/sdma/copy": the floor row a Submit row compares with.
std::string floor_key(const Rig& rig, QueueKind kind, Op op) {
  return fmt::format("{}/{}/{}", rig.family->name, queue_kind_name(kind), op_name(op));
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

void BM_Floor(benchmark::State& state, Rig* rig, QueueKind kind, Op op) {
  auto fp = floor_packets(*rig, kind, op);
  if (!fp.ok()) {
    state.SkipWithError(fp.status().to_string().c_str());
    return;
  }
  FloorRing ring;
  for (auto _ : state) {
    floor_write(ring, kind, fp->dwords);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["dwords"] = static_cast<double>(fp->dwords.size());
  state.counters["packets"] = static_cast<double>(fp->packets);
}

void BM_Submit(benchmark::State& state, Rig* rig, QueueKind kind, Op op) {
  QueueRig& q = rig->queues.at(kind);
  auto fp = floor_packets(*rig, kind, op);
  if (!fp.ok()) {
    state.SkipWithError(fp.status().to_string().c_str());
    return;
  }
  CommandBuffer cb;
  int64_t in_batch = 0;
  double drain_cpu = 0;  // thread CPU time spent draining, taken out of x_floor
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    Status st = rig->record(cb, op);
    if (st.ok()) st = q.queue->submit(cb);
    if (!st.ok()) {
      state.SkipWithError(st.to_string().c_str());
      break;
    }
    if (++in_batch == kBatch) {
      state.PauseTiming();
      const double d0 = thread_cpu_seconds();
      in_batch = 0;
      st = rig->drain(q);
      drain_cpu += thread_cpu_seconds() - d0;
      state.ResumeTiming();
      if (!st.ok()) {
        state.SkipWithError(st.to_string().c_str());
        break;
      }
    }
  }
  const double cpu_ns = (thread_cpu_seconds() - cpu0 - drain_cpu) /
                        static_cast<double>(std::max<int64_t>(1, state.iterations())) * 1e9;
  if (Status st = rig->drain(q); !st.ok()) {
    state.SkipWithError(st.to_string().c_str());
    return;
  }
  // Check that the last verb really ran.
  if (op == Op::kCopy && std::memcmp(rig->dst->cpu_pointer(), rig->src->cpu_pointer(), kOpBytes)) {
    state.SkipWithError("copy: destination differs from source after the drain");
    return;
  }
  if (op == Op::kFill && static_cast<const uint32_t*>(rig->dst->cpu_pointer())[0] != 0xA5A5A5A5u) {
    state.SkipWithError("fill: pattern not found in the destination after the drain");
    return;
  }
  if (op == Op::kSignal && rig->user_signal->value() != rig->user_value) {
    state.SkipWithError("signal: value not written after the drain");
    return;
  }
  const double floor = floor_ns(kind, fp->dwords);
  state.SetItemsProcessed(state.iterations());
  state.counters["dwords"] = static_cast<double>(fp->dwords.size());
  state.counters["packets"] = static_cast<double>(fp->packets);
  state.counters["cpu_ns_per_op"] = cpu_ns;
  state.counters["floor_ns"] = floor;
  state.counters["x_floor"] = cpu_ns / floor;
}

/// Signal round trip on one queue: the queue waits for signal A, then writes signal B; the CPU
/// stores A and waits for B. Timed (manual): from the CPU's store to the return of its wait.
/// Before the store the CPU sleeps kArmDelay (untimed), so the engine has picked up the submission
/// and is parked in its wait: the time is the GPU's reaction to the signal plus the way back, not
/// how long the engine takes to notice a doorbell.
void BM_RoundTrip(benchmark::State& state, Rig* rig, QueueKind kind) {
  QueueRig& q = rig->queues.at(kind);
  auto a = rig->device->create_signal(0);
  if (!a.ok()) {
    state.SkipWithError(a.status().to_string().c_str());
    return;
  }
  auto b = rig->device->create_signal(0);
  if (!b.ok()) {
    state.SkipWithError(b.status().to_string().c_str());
    return;
  }
  uint64_t n = 0;
  CommandBuffer cb;
  for (auto _ : state) {
    ++n;
    cb.clear();
    Status st = cb.wait(*a, n);
    if (st.ok()) st = cb.signal(*b, n);
    if (st.ok()) st = q.queue->submit(cb);
    if (!st.ok()) {
      state.SkipWithError(st.to_string().c_str());
      break;
    }
    std::this_thread::sleep_for(kArmDelay);
    const auto t0 = std::chrono::steady_clock::now();
    (*a)->set(n);
    st = (*b)->wait(n, kWaitTimeout);
    const auto t1 = std::chrono::steady_clock::now();
    if (!st.ok()) {
      state.SkipWithError(st.with_context(q.queue->state().description).to_string().c_str());
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  if ((*b)->value() != n) state.SkipWithError("round trip: final value of the GPU's signal wrong");
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  std::unique_ptr<Registry> registry = Registry::load();
  std::vector<std::unique_ptr<Rig>> rigs;
  // AMDHAL_BENCH_BACKENDS=kfd,am limits the backends opened (default: every row of kCases).
  const char* only = std::getenv("AMDHAL_BENCH_BACKENDS");
  for (const Case& c : kCases) {
    if (only != nullptr && *only != 0) {
      const std::string list = std::string(",") + only + ",";
      if (list.find("," + std::string(c.backend) + ",") == std::string::npos) continue;
    }
    auto rig = make_rig(*registry, c);
    if (!rig.ok()) {
      std::printf("backend_overhead: skipping %.*s on %.*s: %s\n",
                  static_cast<int>(c.backend.size()), c.backend.data(),
                  static_cast<int>(c.device.size()), c.device.data(),
                  rig.status().to_string().c_str());
      continue;
    }
    rigs.push_back(std::move(rig).value());
  }

  // One floor row per (family, queue kind, verb); a backend whose encoding of the verb has another
  // size (e.g. a signal without an interrupt) gets its own row, "...@<backend>".
  std::map<std::string, size_t> floor_dwords;
  for (auto& owned : rigs) {
    Rig* rig = owned.get();
    if (!rig->dispatch_skip.empty()) {
      std::printf("backend_overhead: %s: dispatch not measured: %s\n", rig->label.c_str(),
                  rig->dispatch_skip.c_str());
    }
    for (auto& [kind, q] : rig->queues) {
      const std::string kname(queue_kind_name(kind));
      for (Op op : kOps) {
        if (op == Op::kDispatch && (is_sdma(kind) || !rig->kernel)) continue;
        const std::string oname(op_name(op));
        const std::string fkey = floor_key(*rig, kind, op);
        auto fp = floor_packets(*rig, kind, op);
        const size_t n = fp.ok() ? fp->dwords.size() : 0;
        std::string floor_name;
        if (auto it = floor_dwords.find(fkey); it == floor_dwords.end()) {
          floor_dwords[fkey] = n;
          floor_name = "Floor/" + fkey;
        } else if (it->second != n) {
          floor_name = fmt::format("Floor/{}@{}", fkey, rig->backend);
        }
        if (!floor_name.empty()) {
          benchmark::RegisterBenchmark(floor_name.c_str(), [rig, kind = kind,
                                                            op](benchmark::State& s) {
            BM_Floor(s, rig, kind, op);
          })->Unit(benchmark::kNanosecond);
        }
        benchmark::RegisterBenchmark(
            fmt::format("Submit/{}/{}/{}", rig->label, kname, oname).c_str(),
            [rig, kind = kind, op](benchmark::State& s) { BM_Submit(s, rig, kind, op); })
            ->Unit(benchmark::kNanosecond);
      }
      benchmark::RegisterBenchmark(
          fmt::format("RoundTrip/{}/{}", rig->label, kname).c_str(),
          [rig, kind = kind](benchmark::State& s) { BM_RoundTrip(s, rig, kind); })
          ->UseManualTime()
          ->Iterations(kRoundTrips)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Queues and devices close before the plugins unload.
  rigs.clear();
  registry.reset();
  return 0;
}
