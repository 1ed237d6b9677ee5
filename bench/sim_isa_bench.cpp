// ISA interpreter throughput: the corpus vector_add kernel (gfx942, -O2) on 16M floats, run
// directly on the interpreter with one host thread and with all of them, next to a native C++
// loop over the same data. Counters: elements/s, lane operations/s (active lanes summed over
// the vector instructions executed) and, for the interpreter runs, the slowdown relative to
// the native loop measured in the same process.
//
// The kernels are found in <build>/tests/kernels (next to this program's bench/ directory), or in
// $AMDHAL_KERNEL_DIR.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "amdhal/code_object.h"
#include "amdhal/packets/aql.h"
#include "amdhal_sim/device.h"
#include "amdhal_sim_isa/isa.h"

namespace {

using namespace amdhal;
using namespace amdhal::sim;

constexpr uint32_t kElements = 16u << 20;
constexpr uint32_t kWorkgroup = 256;

std::string kernel_dir() {
  if (const char* env = std::getenv("AMDHAL_KERNEL_DIR")) return env;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return "build/tests/kernels";
  exe[n] = 0;
  return (std::filesystem::path(exe).parent_path().parent_path() / "tests" / "kernels").string();
}

struct Mapped {
  uint64_t va;
  uint8_t* host;
  size_t size;
};

/// A simulated gfx942 with vector_add loaded and 16M-element buffers mapped in vmid 1.
struct VectorAddSetup {
  std::unique_ptr<System> system;
  std::unique_ptr<CodeObject> co;
  std::vector<Mapped> maps;
  KernelExecutor::Dispatch dispatch;
  float *a = nullptr, *b = nullptr, *c = nullptr;
  std::string error;
  uint64_t next_va = 1ull << 32;

  Mapped map(size_t size) {
    size = (size + 4095) & ~size_t{4095};
    auto* host = static_cast<uint8_t*>(std::aligned_alloc(4096, size));
    std::memset(host, 0, size);
    Mapped m{next_va, host, size};
    next_va += size + (1u << 20);
    Status st = system->device(0).vm(1).map(m.va, host, size, kMapAll);
    if (!st.ok()) error = st.to_string();
    maps.push_back(m);
    return m;
  }

  VectorAddSetup() {
    auto sys = System::from_spec("sim:gfx942");
    if (!sys.ok()) {
      error = sys.status().to_string();
      return;
    }
    system = std::move(sys).value();
    std::ifstream f(kernel_dir() + "/vector_add-gfx942.hsaco", std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                               std::istreambuf_iterator<char>());
    auto loaded = CodeObject::load(bytes);
    if (!loaded.ok()) {
      error = "vector_add-gfx942.hsaco in " + kernel_dir() + ": " + loaded.status().to_string();
      return;
    }
    co = std::make_unique<CodeObject>(std::move(loaded).value());
    const KernelInfo& k = co->kernels()[0];
    Mapped image = map(co->image_size());
    (void)co->copy_image(std::span<uint8_t>(image.host, image.size));
    Mapped A = map(size_t{kElements} * 4), B = map(size_t{kElements} * 4),
           C = map(size_t{kElements} * 4);
    a = reinterpret_cast<float*>(A.host);
    b = reinterpret_cast<float*>(B.host);
    c = reinterpret_cast<float*>(C.host);
    for (uint32_t i = 0; i < kElements; ++i) {
      a[i] = static_cast<float>(i & 1023);
      b[i] = static_cast<float>(i >> 10);
    }
    DispatchConfig cfg;
    cfg.grid = {kElements, 1, 1};
    cfg.workgroup = {kWorkgroup, 1, 1};
    std::vector<ArgValue> args{ArgValue::buffer(A.va), ArgValue::buffer(B.va),
                               ArgValue::buffer(C.va), ArgValue::u32(kElements)};
    auto ka = pack_kernargs(k, args, cfg);
    if (!ka.ok()) {
      error = ka.status().to_string();
      return;
    }
    Mapped K = map(ka->bytes.size());
    std::memcpy(K.host, ka->bytes.data(), ka->bytes.size());
    Mapped P = map(64);
    packets::AqlKernelDispatchPacket p{};
    p.setup = 1;
    p.workgroup_size_x = kWorkgroup;
    p.workgroup_size_y = p.workgroup_size_z = 1;
    p.grid_size_x = kElements;
    p.grid_size_y = p.grid_size_z = 1;
    p.kernel_object = image.va + k.descriptor_address;
    p.kernarg_address = K.va;
    std::memcpy(P.host, &p, sizeof(p));
    dispatch.vmid = 1;
    dispatch.kernel_descriptor_address = p.kernel_object;
    dispatch.kernarg_address = K.va;
    dispatch.dispatch_packet_address = P.va;
    dispatch.grid[0] = kElements;
    dispatch.workgroup[0] = kWorkgroup;
    dispatch.pgm_rsrc1 = k.descriptor.compute_pgm_rsrc1;
    dispatch.pgm_rsrc2 = k.descriptor.compute_pgm_rsrc2;
    dispatch.pgm_rsrc3 = k.descriptor.compute_pgm_rsrc3;
    dispatch.code_address = image.va + k.code_address;
  }
  ~VectorAddSetup() {
    for (const Mapped& m : maps) std::free(m.host);
  }
};

VectorAddSetup& setup() {
  static VectorAddSetup s;
  return s;
}

void native_add(const float* a, const float* b, float* c, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
}

double native_seconds() {
  static double seconds = [] {
    VectorAddSetup& s = setup();
    double best = 1e9;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      native_add(s.a, s.b, s.c, kElements);
      benchmark::ClobberMemory();
      best = std::min(best,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  }();
  return seconds;
}

void BM_VectorAddNative(benchmark::State& state) {
  VectorAddSetup& s = setup();
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  for (auto _ : state) {
    native_add(s.a, s.b, s.c, kElements);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kElements});
}
BENCHMARK(BM_VectorAddNative)->Unit(benchmark::kMillisecond)->UseRealTime();

// Arg: host threads (0 = all).
void BM_VectorAddInterpreter(benchmark::State& state) {
  VectorAddSetup& s = setup();
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  isa::ExecutorOptions options;
  options.threads = static_cast<uint32_t>(state.range(0));
  auto ex = isa::make_isa_executor(s.system->device(0).family(), options);
  if (!ex.ok()) {
    state.SkipWithError(ex.status().to_string().c_str());
    return;
  }
  const double native = native_seconds();
  uint64_t lane_ops = 0, instructions = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    Status st = (*ex)->run(s.system->device(0), s.dispatch);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!st.ok()) {
      state.SkipWithError(st.to_string().c_str());
      return;
    }
    lane_ops += (*ex)->last_stats().lane_operations;
    instructions += (*ex)->last_stats().instructions;
  }
  if (s.c[12345] != s.a[12345] + s.b[12345]) state.SkipWithError("wrong result");
  state.SetItemsProcessed(state.iterations() * int64_t{kElements});
  state.counters["lane_ops_per_s"] = benchmark::Counter(static_cast<double>(lane_ops) / seconds);
  state.counters["wave_insts_per_s"] =
      benchmark::Counter(static_cast<double>(instructions) / seconds);
  state.counters["x_native"] = seconds / state.iterations() / native;
  state.counters["threads"] =
      options.threads ? options.threads : std::thread::hardware_concurrency();
}
BENCHMARK(BM_VectorAddInterpreter)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
