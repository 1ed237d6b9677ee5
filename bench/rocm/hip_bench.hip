// HIP timings for `amdhal exec` on the simulated GPU (scripts/rocm_bench.sh runs it): launch to
// completion of an empty kernel (hipLaunchKernelGGL + hipDeviceSynchronize) and one 64 MiB
// hipMemcpy host->device and device->host, each repeated, reported as one JSON object on stdout
// (first call, median and min in microseconds). Host memory is pageable (the common case).
#include <hip/hip_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

__global__ void empty_kernel() {}

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double first_us = 0;  ///< the first call (cold: first touch of the memory, queue creation)
  double median_us = 0, min_us = 0;
};

template <typename F>
bool measure(int warmup, int runs, F&& f, Stats* out) {
  std::vector<double> t;
  for (int i = 0; i < warmup + runs; ++i) {
    const auto a = Clock::now();
    if (!f()) return false;
    const auto b = Clock::now();
    const double us = std::chrono::duration<double, std::micro>(b - a).count();
    if (i == 0) out->first_us = us;
    if (i >= warmup) t.push_back(us);
  }
  std::sort(t.begin(), t.end());
  out->median_us = t[t.size() / 2];
  out->min_us = t.front();
  return true;
}

bool ok(hipError_t e, const char* what) {
  if (e == hipSuccess) return true;
  std::fprintf(stderr, "hip_bench: %s: %s\n", what, hipGetErrorString(e));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const int launches = argc > 1 ? std::atoi(argv[1]) : 200;
  const int copies = argc > 2 ? std::atoi(argv[2]) : 5;
  if (launches < 1 || copies < 1) {
    std::fprintf(stderr, "usage: hip_bench [LAUNCHES [COPIES]] (both >= 1)\n");
    return 2;
  }
  const size_t bytes = size_t{64} << 20;
  std::vector<char> host(bytes, 1);
  void* dev = nullptr;
  if (!ok(hipMalloc(&dev, bytes), "hipMalloc")) return 1;
  Stats launch, h2d, d2h;
  const bool good =
      measure(
          10, launches,
          [] {
            hipLaunchKernelGGL(empty_kernel, dim3(1), dim3(64), 0, 0);
            return ok(hipGetLastError(), "launch") &&
                   ok(hipDeviceSynchronize(), "hipDeviceSynchronize");
          },
          &launch) &&
      measure(
          1, copies,
          [&] { return ok(hipMemcpy(dev, host.data(), bytes, hipMemcpyHostToDevice), "H2D"); },
          &h2d) &&
      measure(
          1, copies,
          [&] { return ok(hipMemcpy(host.data(), dev, bytes, hipMemcpyDeviceToHost), "D2H"); },
          &d2h);
  hipFree(dev);
  if (!good) return 1;
  auto field = [](const char* name, const Stats& s, int runs, const char* tail) {
    std::printf("\"%s\": {\"first\": %.1f, \"median\": %.1f, \"min\": %.1f, \"runs\": %d}%s", name,
                s.first_us, s.median_us, s.min_us, runs, tail);
  };
  std::printf("{");
  field("empty_kernel_us", launch, launches, ", ");
  field("memcpy_64MiB_h2d_us", h2d, copies, ", ");
  field("memcpy_64MiB_d2h_us", d2h, copies, "}\n");
  return 0;
}
