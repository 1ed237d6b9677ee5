// HIP programs for the simulated gfx90a under `amdhal exec`, built by Debian's hipcc. One binary,
// one case per run (`hip_corpus CASE`); each case checks its results on the host and prints
// "PASS CASE" or one line saying what differed, exit status 0 / 1. The cases cover what ordinary
// HIP code uses: kernels with 1D/2D/3D grids, LDS with barriers, atomics, doubles and 64-bit
// integers, cross-lane shuffles, dynamic LDS, every hipMemcpy direction, hipMemset, pinned host
// memory, pitched 2-D/3-D copies (hipMemcpy2D/hipMemcpy3D), streams and events, and copies
// between two GPUs.
#include <hip/hip_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#define CHECK(call)                                                                         \
  do {                                                                                      \
    hipError_t e_ = (call);                                                                 \
    if (e_ != hipSuccess) {                                                                 \
      std::printf("FAIL %s:%d %s: %s\n", __FILE__, __LINE__, #call, hipGetErrorString(e_)); \
      return 1;                                                                             \
    }                                                                                       \
  } while (0)

#define EXPECT(cond, ...)               \
  do {                                  \
    if (!(cond)) {                      \
      std::printf("FAIL " __VA_ARGS__); \
      std::printf("\n");                \
      return 1;                         \
    }                                   \
  } while (0)

// ---- kernels ----

__global__ void vector_add(const float* a, const float* b, float* c, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

__global__ void block_sum(const uint32_t* in, uint32_t* out) {
  __shared__ uint32_t part[256];
  const unsigned t = threadIdx.x;
  part[t] = in[blockIdx.x * blockDim.x + t];
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (t < s) part[t] += part[t + s];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = part[0];
}

__global__ void histogram(const uint32_t* in, int n, uint32_t* bins, unsigned long long* total) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  atomicAdd(&bins[in[i] % 16], 1u);
  atomicAdd(total, static_cast<unsigned long long>(in[i]));
}

__global__ void grid2d(uint32_t* out, int w, int h) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < w && y < h) out[y * w + x] = (y << 16) | x;
}

__global__ void grid3d(uint32_t* out, int w, int h, int d) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  const int z = blockIdx.z * blockDim.z + threadIdx.z;
  if (x < w && y < h && z < d) out[(z * h + y) * w + x] = (z << 20) | (y << 10) | x;
}

__global__ void wide_math(const double* x, double* y, const int64_t* a, int64_t* b, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  y[i] = fma(x[i], 3.0, 0.25) / 2.0;
  b[i] = a[i] * 1000003LL - (a[i] >> 3);
}

__global__ void wave_sum(const int* in, int* out) {
  int v = in[blockIdx.x * blockDim.x + threadIdx.x];
  for (int off = warpSize / 2; off > 0; off >>= 1) v += __shfl_down(v, off);
  if ((threadIdx.x % warpSize) == 0) out[(blockIdx.x * blockDim.x + threadIdx.x) / warpSize] = v;
}

__global__ void reverse_dynamic(const int* in, int* out) {
  extern __shared__ int tile[];
  const unsigned t = threadIdx.x;
  tile[t] = in[blockIdx.x * blockDim.x + t];
  __syncthreads();
  out[blockIdx.x * blockDim.x + t] = tile[blockDim.x - 1 - t];
}

__global__ void scale(float* p, float f, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] *= f;
}

__global__ void add_one(uint32_t* p, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] += 1;
}

// ---- cases ----

int case_vector_add() {
  const int n = 10000;
  std::vector<float> a(n), b(n), c(n);
  for (int i = 0; i < n; ++i) {
    a[i] = i * 0.5f;
    b[i] = 1000.0f - i;
  }
  float *da, *db, *dc;
  CHECK(hipMalloc(&da, n * sizeof(float)));
  CHECK(hipMalloc(&db, n * sizeof(float)));
  CHECK(hipMalloc(&dc, n * sizeof(float)));
  CHECK(hipMemcpy(da, a.data(), n * sizeof(float), hipMemcpyHostToDevice));
  CHECK(hipMemcpy(db, b.data(), n * sizeof(float), hipMemcpyHostToDevice));
  hipLaunchKernelGGL(vector_add, dim3((n + 255) / 256), dim3(256), 0, 0, da, db, dc, n);
  CHECK(hipGetLastError());
  CHECK(hipMemcpy(c.data(), dc, n * sizeof(float), hipMemcpyDeviceToHost));
  for (int i = 0; i < n; ++i)
    EXPECT(c[i] == a[i] + b[i], "c[%d] = %f, want %f", i, c[i], a[i] + b[i]);
  CHECK(hipFree(da));
  CHECK(hipFree(db));
  CHECK(hipFree(dc));
  return 0;
}

int case_reduction() {
  const int blocks = 40, threads = 256, n = blocks * threads;
  std::vector<uint32_t> in(n), out(blocks);
  for (int i = 0; i < n; ++i) in[i] = (i * 2654435761u) >> 20;
  uint32_t *din, *dout;
  CHECK(hipMalloc(&din, n * 4));
  CHECK(hipMalloc(&dout, blocks * 4));
  CHECK(hipMemcpy(din, in.data(), n * 4, hipMemcpyHostToDevice));
  hipLaunchKernelGGL(block_sum, dim3(blocks), dim3(threads), 0, 0, din, dout);
  CHECK(hipMemcpy(out.data(), dout, blocks * 4, hipMemcpyDeviceToHost));
  for (int b = 0; b < blocks; ++b) {
    uint32_t want = 0;
    for (int t = 0; t < threads; ++t) want += in[b * threads + t];
    EXPECT(out[b] == want, "block %d sum %u, want %u", b, out[b], want);
  }
  CHECK(hipFree(din));
  CHECK(hipFree(dout));
  return 0;
}

int case_atomics() {
  const int n = 5000;
  std::vector<uint32_t> in(n);
  std::vector<uint32_t> want(16, 0);
  unsigned long long want_total = 0;
  for (int i = 0; i < n; ++i) {
    in[i] = i * 7 + 3;
    ++want[in[i] % 16];
    want_total += in[i];
  }
  uint32_t *din, *dbins;
  unsigned long long* dtotal;
  CHECK(hipMalloc(&din, n * 4));
  CHECK(hipMalloc(&dbins, 16 * 4));
  CHECK(hipMalloc(&dtotal, 8));
  CHECK(hipMemcpy(din, in.data(), n * 4, hipMemcpyHostToDevice));
  CHECK(hipMemset(dbins, 0, 16 * 4));
  CHECK(hipMemset(dtotal, 0, 8));
  hipLaunchKernelGGL(histogram, dim3((n + 127) / 128), dim3(128), 0, 0, din, n, dbins, dtotal);
  std::vector<uint32_t> bins(16);
  unsigned long long total = 0;
  CHECK(hipMemcpy(bins.data(), dbins, 16 * 4, hipMemcpyDeviceToHost));
  CHECK(hipMemcpy(&total, dtotal, 8, hipMemcpyDeviceToHost));
  for (int b = 0; b < 16; ++b)
    EXPECT(bins[b] == want[b], "bin %d = %u, want %u", b, bins[b], want[b]);
  EXPECT(total == want_total, "total %llu, want %llu", total, want_total);
  CHECK(hipFree(din));
  CHECK(hipFree(dbins));
  CHECK(hipFree(dtotal));
  return 0;
}

int case_grids() {
  const int w = 100, h = 37, d = 5;
  uint32_t* dout;
  CHECK(hipMalloc(&dout, w * h * d * 4));
  CHECK(hipMemset(dout, 0xFF, w * h * d * 4));
  hipLaunchKernelGGL(grid2d, dim3((w + 15) / 16, (h + 7) / 8), dim3(16, 8), 0, 0, dout, w, h);
  std::vector<uint32_t> out(w * h * d);
  CHECK(hipMemcpy(out.data(), dout, w * h * 4, hipMemcpyDeviceToHost));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      EXPECT(out[y * w + x] == uint32_t((y << 16) | x), "2D (%d,%d) = %#x", x, y, out[y * w + x]);
  hipLaunchKernelGGL(grid3d, dim3((w + 7) / 8, (h + 3) / 4, (d + 1) / 2), dim3(8, 4, 2), 0, 0, dout,
                     w, h, d);
  CHECK(hipMemcpy(out.data(), dout, w * h * d * 4, hipMemcpyDeviceToHost));
  for (int z = 0; z < d; ++z)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const uint32_t got = out[(z * h + y) * w + x];
        EXPECT(got == uint32_t((z << 20) | (y << 10) | x), "3D (%d,%d,%d) = %#x", x, y, z, got);
      }
  CHECK(hipFree(dout));
  return 0;
}

int case_wide_types() {
  const int n = 1000;
  std::vector<double> x(n), y(n);
  std::vector<int64_t> a(n), b(n);
  for (int i = 0; i < n; ++i) {
    x[i] = 1.0 / (i + 1) + i * 1e-9;
    a[i] = (int64_t(i) << 33) - 12345 * i;
  }
  double *dx, *dy;
  int64_t *dA, *dB;
  CHECK(hipMalloc(&dx, n * 8));
  CHECK(hipMalloc(&dy, n * 8));
  CHECK(hipMalloc(&dA, n * 8));
  CHECK(hipMalloc(&dB, n * 8));
  CHECK(hipMemcpy(dx, x.data(), n * 8, hipMemcpyHostToDevice));
  CHECK(hipMemcpy(dA, a.data(), n * 8, hipMemcpyHostToDevice));
  hipLaunchKernelGGL(wide_math, dim3((n + 63) / 64), dim3(64), 0, 0, dx, dy, dA, dB, n);
  CHECK(hipMemcpy(y.data(), dy, n * 8, hipMemcpyDeviceToHost));
  CHECK(hipMemcpy(b.data(), dB, n * 8, hipMemcpyDeviceToHost));
  for (int i = 0; i < n; ++i) {
    const double want = std::fma(x[i], 3.0, 0.25) / 2.0;
    EXPECT(y[i] == want, "y[%d] = %.17g, want %.17g", i, y[i], want);
    const int64_t wb = a[i] * 1000003LL - (a[i] >> 3);
    EXPECT(b[i] == wb, "b[%d] = %lld, want %lld", i, (long long)b[i], (long long)wb);
  }
  CHECK(hipFree(dx));
  CHECK(hipFree(dy));
  CHECK(hipFree(dA));
  CHECK(hipFree(dB));
  return 0;
}

int case_shuffle() {
  int warp = 0;
  CHECK(hipDeviceGetAttribute(&warp, hipDeviceAttributeWarpSize, 0));
  EXPECT(warp == 64, "warp size %d, want 64 on gfx90a", warp);
  const int n = 256 * 4;
  std::vector<int> in(n), out(n / warp);
  for (int i = 0; i < n; ++i) in[i] = i % 97 - 40;
  int *din, *dout;
  CHECK(hipMalloc(&din, n * 4));
  CHECK(hipMalloc(&dout, n / warp * 4));
  CHECK(hipMemcpy(din, in.data(), n * 4, hipMemcpyHostToDevice));
  hipLaunchKernelGGL(wave_sum, dim3(4), dim3(256), 0, 0, din, dout);
  CHECK(hipMemcpy(out.data(), dout, n / warp * 4, hipMemcpyDeviceToHost));
  for (int w = 0; w < n / warp; ++w) {
    int want = 0;
    for (int l = 0; l < warp; ++l) want += in[w * warp + l];
    EXPECT(out[w] == want, "wave %d sum %d, want %d", w, out[w], want);
  }
  CHECK(hipFree(din));
  CHECK(hipFree(dout));
  return 0;
}

int case_dynamic_shared() {
  const int threads = 192, blocks = 7, n = threads * blocks;
  std::vector<int> in(n), out(n);
  for (int i = 0; i < n; ++i) in[i] = i * 3;
  int *din, *dout;
  CHECK(hipMalloc(&din, n * 4));
  CHECK(hipMalloc(&dout, n * 4));
  CHECK(hipMemcpy(din, in.data(), n * 4, hipMemcpyHostToDevice));
  hipLaunchKernelGGL(reverse_dynamic, dim3(blocks), dim3(threads), threads * sizeof(int), 0, din,
                     dout);
  CHECK(hipMemcpy(out.data(), dout, n * 4, hipMemcpyDeviceToHost));
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < threads; ++t)
      EXPECT(out[b * threads + t] == in[b * threads + threads - 1 - t], "out[%d] = %d",
             b * threads + t, out[b * threads + t]);
  CHECK(hipFree(din));
  CHECK(hipFree(dout));
  return 0;
}

int case_memcpy() {
  // Every direction, odd sizes and offsets, hipMemset of a sub-range, pinned host memory that a
  // kernel reads and writes directly.
  const size_t n = 3 * 1024 * 1024 + 13;
  std::vector<uint8_t> src(n), back(n);
  for (size_t i = 0; i < n; ++i) src[i] = uint8_t(i * 131 + 7);
  uint8_t *d1, *d2;
  CHECK(hipMalloc(&d1, n));
  CHECK(hipMalloc(&d2, n));
  CHECK(hipMemcpy(d1, src.data(), n, hipMemcpyHostToDevice));
  CHECK(hipMemcpy(d2, d1, n, hipMemcpyDeviceToDevice));
  CHECK(hipMemset(d2 + 1000, 0x5A, 4097));
  CHECK(hipMemcpy(back.data(), d2, n, hipMemcpyDeviceToHost));
  for (size_t i = 0; i < n; ++i) {
    const uint8_t want = (i >= 1000 && i < 1000 + 4097) ? 0x5A : src[i];
    EXPECT(back[i] == want, "byte %zu = %#x, want %#x", i, back[i], want);
  }
  std::vector<uint8_t> h2(n);
  CHECK(hipMemcpy(h2.data(), src.data(), n, hipMemcpyHostToHost));
  EXPECT(std::memcmp(h2.data(), src.data(), n) == 0, "host to host copy differs");
  CHECK(hipMemcpy(back.data(), d1 + 5, 1, hipMemcpyDeviceToHost));
  EXPECT(back[0] == src[5], "one byte at offset 5 = %#x", back[0]);

  const int m = 4096;
  float* pinned = nullptr;
  CHECK(hipHostMalloc(&pinned, m * sizeof(float)));
  for (int i = 0; i < m; ++i) pinned[i] = float(i);
  hipLaunchKernelGGL(scale, dim3(m / 256), dim3(256), 0, 0, pinned, 2.5f, m);
  CHECK(hipDeviceSynchronize());
  for (int i = 0; i < m; ++i) EXPECT(pinned[i] == 2.5f * i, "pinned[%d] = %f", i, pinned[i]);
  float* dev = nullptr;
  CHECK(hipMalloc(&dev, m * sizeof(float)));
  CHECK(hipMemcpy(dev, pinned, m * sizeof(float), hipMemcpyHostToDevice));
  CHECK(hipMemset(pinned, 0, m * sizeof(float)));
  CHECK(hipMemcpy(pinned, dev, m * sizeof(float), hipMemcpyDefault));
  for (int i = 0; i < m; ++i)
    EXPECT(pinned[i] == 2.5f * i, "pinned round trip [%d] = %f", i, pinned[i]);
  CHECK(hipHostFree(pinned));
  CHECK(hipFree(dev));
  CHECK(hipFree(d1));
  CHECK(hipFree(d2));
  return 0;
}

int case_memcpy_2d() {
  // hipMallocPitch + hipMemcpy2D of sub-rectangles with odd widths and offsets in every
  // direction, then hipMalloc3D + hipMemcpy3D of a small box; every byte of each destination is
  // checked, including the bytes around the rectangle.
  const size_t rows = 40, width = 101;  // bytes per row of the device surface
  uint8_t* d = nullptr;
  size_t dpitch = 0;
  CHECK(hipMallocPitch(reinterpret_cast<void**>(&d), &dpitch, width, rows));
  EXPECT(dpitch >= width, "pitch %zu < width %zu", dpitch, width);
  const size_t dbytes = dpitch * rows;
  CHECK(hipMemset(d, 0xEE, dbytes));

  const size_t hpitch = 131, hrows = 45;
  std::vector<uint8_t> host(hpitch * hrows);
  for (size_t i = 0; i < host.size(); ++i) host[i] = uint8_t(i * 37 + 11);
  // Host to device: 61 x 29 bytes from host (7, 2) to device (5, 3).
  const size_t w1 = 61, h1 = 29;
  CHECK(hipMemcpy2D(d + 3 * dpitch + 5, dpitch, host.data() + 2 * hpitch + 7, hpitch, w1, h1,
                    hipMemcpyHostToDevice));
  std::vector<uint8_t> dev_now(dbytes);
  CHECK(hipMemcpy(dev_now.data(), d, dbytes, hipMemcpyDeviceToHost));
  for (size_t y = 0; y < rows; ++y) {
    for (size_t x = 0; x < dpitch; ++x) {
      const bool in = y >= 3 && y < 3 + h1 && x >= 5 && x < 5 + w1;
      const uint8_t want = in ? host[(y - 3 + 2) * hpitch + (x - 5 + 7)] : 0xEE;
      EXPECT(dev_now[y * dpitch + x] == want, "2D H2D (%zu, %zu) = %#x, want %#x", x, y,
             dev_now[y * dpitch + x], want);
    }
  }

  // Device to host: 33 x 17 bytes from device (9, 4) to a host surface of pitch 77 at (3, 1).
  const size_t opitch = 77, orows = 20, w2 = 33, h2 = 17;
  std::vector<uint8_t> out(opitch * orows, 0x11);
  CHECK(hipMemcpy2D(out.data() + opitch + 3, opitch, d + 4 * dpitch + 9, dpitch, w2, h2,
                    hipMemcpyDeviceToHost));
  for (size_t y = 0; y < orows; ++y) {
    for (size_t x = 0; x < opitch; ++x) {
      const bool in = y >= 1 && y < 1 + h2 && x >= 3 && x < 3 + w2;
      const uint8_t want = in ? dev_now[(y - 1 + 4) * dpitch + (x - 3 + 9)] : 0x11;
      EXPECT(out[y * opitch + x] == want, "2D D2H (%zu, %zu) = %#x, want %#x", x, y,
             out[y * opitch + x], want);
    }
  }

  // Device to device between two pitched surfaces: 45 x 11 bytes from (1, 6) to (2, 0).
  uint8_t* e = nullptr;
  size_t epitch = 0;
  CHECK(hipMallocPitch(reinterpret_cast<void**>(&e), &epitch, 50, 12));
  CHECK(hipMemset(e, 0x33, epitch * 12));
  CHECK(hipMemcpy2D(e + 2, epitch, d + 6 * dpitch + 1, dpitch, 45, 11, hipMemcpyDeviceToDevice));
  std::vector<uint8_t> e_now(epitch * 12);
  CHECK(hipMemcpy(e_now.data(), e, e_now.size(), hipMemcpyDeviceToHost));
  for (size_t y = 0; y < 12; ++y) {
    for (size_t x = 0; x < epitch; ++x) {
      const bool in = y < 11 && x >= 2 && x < 2 + 45;
      const uint8_t want = in ? dev_now[(y + 6) * dpitch + (x - 2 + 1)] : 0x33;
      EXPECT(e_now[y * epitch + x] == want, "2D D2D (%zu, %zu) = %#x, want %#x", x, y,
             e_now[y * epitch + x], want);
    }
  }

  // Pinned host memory with dword-aligned rows (ROCr's rectangle copy requires 4-byte aligned
  // base addresses and pitches, else the runtime falls back to a blit kernel): ROCclr sends these
  // through hsa_amd_memory_async_copy_rect, i.e. SDMA COPY_LINEAR_RECT. Odd widths: 61 x 29 bytes
  // from pinned (8, 2) to device (4, 3), then 33 x 17 bytes from device (8, 4) to pinned (4, 1).
  const size_t ppitch = 132, prows = 45;
  uint8_t* pinned = nullptr;
  CHECK(hipHostMalloc(reinterpret_cast<void**>(&pinned), ppitch * prows));
  for (size_t i = 0; i < ppitch * prows; ++i) pinned[i] = uint8_t(i * 29 + 3);
  CHECK(hipMemset(d, 0xEE, dbytes));
  CHECK(hipMemcpy2D(d + 3 * dpitch + 4, dpitch, pinned + 2 * ppitch + 8, ppitch, w1, h1,
                    hipMemcpyHostToDevice));
  CHECK(hipMemcpy(dev_now.data(), d, dbytes, hipMemcpyDeviceToHost));
  for (size_t y = 0; y < rows; ++y) {
    for (size_t x = 0; x < dpitch; ++x) {
      const bool in = y >= 3 && y < 3 + h1 && x >= 4 && x < 4 + w1;
      const uint8_t want = in ? pinned[(y - 3 + 2) * ppitch + (x - 4 + 8)] : 0xEE;
      EXPECT(dev_now[y * dpitch + x] == want, "pinned 2D H2D (%zu, %zu) = %#x, want %#x", x, y,
             dev_now[y * dpitch + x], want);
    }
  }
  const size_t qpitch = 80;
  uint8_t* pinned_out = nullptr;
  CHECK(hipHostMalloc(reinterpret_cast<void**>(&pinned_out), qpitch * orows));
  std::memset(pinned_out, 0x11, qpitch * orows);
  CHECK(hipMemcpy2D(pinned_out + qpitch + 4, qpitch, d + 4 * dpitch + 8, dpitch, w2, h2,
                    hipMemcpyDeviceToHost));
  for (size_t y = 0; y < orows; ++y) {
    for (size_t x = 0; x < qpitch; ++x) {
      const bool in = y >= 1 && y < 1 + h2 && x >= 4 && x < 4 + w2;
      const uint8_t want = in ? dev_now[(y - 1 + 4) * dpitch + (x - 4 + 8)] : 0x11;
      EXPECT(pinned_out[y * qpitch + x] == want, "pinned 2D D2H (%zu, %zu) = %#x, want %#x", x, y,
             pinned_out[y * qpitch + x], want);
    }
  }
  CHECK(hipHostFree(pinned_out));
  CHECK(hipHostFree(pinned));

  // hipMemcpy3D: a 23 x 5 x 4 box into a 3-D allocation at (2, 1, 1), and back to the host.
  const size_t bx = 23, by = 5, bz = 4, ax = 30, ay = 7, az = 6;
  hipPitchedPtr vol;
  CHECK(hipMalloc3D(&vol, make_hipExtent(ax, ay, az)));
  const size_t vslice = vol.pitch * ay;
  CHECK(hipMemset(vol.ptr, 0x77, vslice * az));
  std::vector<uint8_t> box(bx * by * bz);
  for (size_t i = 0; i < box.size(); ++i) box[i] = uint8_t(i * 13 + 5);
  hipMemcpy3DParms up = {};
  up.srcPtr = make_hipPitchedPtr(box.data(), bx, bx, by);
  up.dstPtr = vol;
  up.dstPos = make_hipPos(2, 1, 1);
  up.extent = make_hipExtent(bx, by, bz);
  up.kind = hipMemcpyHostToDevice;
  CHECK(hipMemcpy3D(&up));
  std::vector<uint8_t> vol_now(vslice * az);
  CHECK(hipMemcpy(vol_now.data(), vol.ptr, vol_now.size(), hipMemcpyDeviceToHost));
  for (size_t z = 0; z < az; ++z) {
    for (size_t y = 0; y < ay; ++y) {
      for (size_t x = 0; x < vol.pitch; ++x) {
        const bool in = z >= 1 && z < 1 + bz && y >= 1 && y < 1 + by && x >= 2 && x < 2 + bx;
        const uint8_t want = in ? box[((z - 1) * by + (y - 1)) * bx + (x - 2)] : 0x77;
        const uint8_t got = vol_now[z * vslice + y * vol.pitch + x];
        EXPECT(got == want, "3D H2D (%zu, %zu, %zu) = %#x, want %#x", x, y, z, got, want);
      }
    }
  }
  std::vector<uint8_t> box_back(bx * by * bz, 0);
  hipMemcpy3DParms down = {};
  down.srcPtr = vol;
  down.srcPos = make_hipPos(2, 1, 1);
  down.dstPtr = make_hipPitchedPtr(box_back.data(), bx, bx, by);
  down.extent = make_hipExtent(bx, by, bz);
  down.kind = hipMemcpyDeviceToHost;
  CHECK(hipMemcpy3D(&down));
  for (size_t i = 0; i < box.size(); ++i) {
    EXPECT(box_back[i] == box[i], "3D D2H byte %zu = %#x, want %#x", i, box_back[i], box[i]);
  }

  // The same from pinned memory with dword-aligned rows and a width of 20 bytes: one
  // rectangle copy with rect_z > 1 and dword elements. Box pitch 24, slice 24 * 6, placed at
  // (4, 1, 1) of the volume; the rest of the volume keeps what the first copy left.
  const size_t cx = 20, cpitch = 24, cy = 5, cslice = cpitch * 6, cz = 4;
  uint8_t* pbox = nullptr;
  CHECK(hipHostMalloc(reinterpret_cast<void**>(&pbox), cslice * cz));
  for (size_t i = 0; i < cslice * cz; ++i) pbox[i] = uint8_t(i * 7 + 1);
  hipMemcpy3DParms up2 = {};
  up2.srcPtr = make_hipPitchedPtr(pbox, cpitch, cx, 6);
  up2.dstPtr = vol;
  up2.dstPos = make_hipPos(4, 1, 1);
  up2.extent = make_hipExtent(cx, cy, cz);
  up2.kind = hipMemcpyHostToDevice;
  CHECK(hipMemcpy3D(&up2));
  std::vector<uint8_t> vol_after(vslice * az);
  CHECK(hipMemcpy(vol_after.data(), vol.ptr, vol_after.size(), hipMemcpyDeviceToHost));
  for (size_t z = 0; z < az; ++z) {
    for (size_t y = 0; y < ay; ++y) {
      for (size_t x = 0; x < vol.pitch; ++x) {
        const size_t at = z * vslice + y * vol.pitch + x;
        const bool in = z >= 1 && z < 1 + cz && y >= 1 && y < 1 + cy && x >= 4 && x < 4 + cx;
        const uint8_t want = in ? pbox[(z - 1) * cslice + (y - 1) * cpitch + (x - 4)] : vol_now[at];
        EXPECT(vol_after[at] == want, "pinned 3D H2D (%zu, %zu, %zu) = %#x, want %#x", x, y, z,
               vol_after[at], want);
      }
    }
  }
  CHECK(hipHostFree(pbox));

  CHECK(hipFree(vol.ptr));
  CHECK(hipFree(e));
  CHECK(hipFree(d));
  return 0;
}

int case_streams() {
  // Two streams: s2 waits (hipStreamWaitEvent) for s1's kernels before adding its own; events
  // time s1's work.
  const int n = 1 << 16;
  uint32_t* d;
  CHECK(hipMalloc(&d, n * 4));
  CHECK(hipMemset(d, 0, n * 4));
  hipStream_t s1, s2;
  CHECK(hipStreamCreate(&s1));
  CHECK(hipStreamCreate(&s2));
  hipEvent_t start, done;
  CHECK(hipEventCreate(&start));
  CHECK(hipEventCreate(&done));
  CHECK(hipEventRecord(start, s1));
  for (int k = 0; k < 5; ++k) hipLaunchKernelGGL(add_one, dim3(n / 256), dim3(256), 0, s1, d, n);
  CHECK(hipEventRecord(done, s1));
  CHECK(hipStreamWaitEvent(s2, done, 0));
  hipLaunchKernelGGL(scale, dim3(n / 256), dim3(256), 0, s2, reinterpret_cast<float*>(d), 1.0f, 0);
  for (int k = 0; k < 2; ++k) hipLaunchKernelGGL(add_one, dim3(n / 256), dim3(256), 0, s2, d, n);
  CHECK(hipStreamSynchronize(s2));
  CHECK(hipEventSynchronize(done));
  EXPECT(hipEventQuery(done) == hipSuccess, "event not complete after hipEventSynchronize");
  float ms = -1;
  CHECK(hipEventElapsedTime(&ms, start, done));
  EXPECT(ms >= 0, "elapsed time %f ms", ms);
  std::vector<uint32_t> h(n);
  CHECK(hipMemcpyAsync(h.data(), d, n * 4, hipMemcpyDeviceToHost, s2));
  CHECK(hipDeviceSynchronize());
  for (int i = 0; i < n; ++i) EXPECT(h[i] == 7, "d[%d] = %u, want 7", i, h[i]);
  CHECK(hipEventDestroy(start));
  CHECK(hipEventDestroy(done));
  CHECK(hipStreamDestroy(s1));
  CHECK(hipStreamDestroy(s2));
  CHECK(hipFree(d));
  return 0;
}

int case_peer() {
  int count = 0;
  CHECK(hipGetDeviceCount(&count));
  EXPECT(count >= 2, "%d GPU(s); the peer case needs two (sim:gfx90ax2)", count);
  const size_t n = 1 << 20;
  std::vector<uint32_t> h(n), back(n);
  for (size_t i = 0; i < n; ++i) h[i] = uint32_t(i * 2246822519u);
  uint32_t *d0, *d1;
  CHECK(hipSetDevice(0));
  CHECK(hipMalloc(&d0, n * 4));
  CHECK(hipMemcpy(d0, h.data(), n * 4, hipMemcpyHostToDevice));
  CHECK(hipSetDevice(1));
  CHECK(hipMalloc(&d1, n * 4));
  CHECK(hipMemcpyPeer(d1, 1, d0, 0, n * 4));
  hipLaunchKernelGGL(add_one, dim3(n / 256), dim3(256), 0, 0, d1, int(n));
  CHECK(hipMemcpy(back.data(), d1, n * 4, hipMemcpyDeviceToHost));
  for (size_t i = 0; i < n; ++i)
    EXPECT(back[i] == h[i] + 1, "d1[%zu] = %u, want %u", i, back[i], h[i] + 1);
  CHECK(hipFree(d1));
  CHECK(hipSetDevice(0));
  CHECK(hipFree(d0));
  return 0;
}

__global__ void store_at(uint32_t* p) {
  p[threadIdx.x] = threadIdx.x;
}

int case_fault_unmapped() {
  // A kernel that stores to an address nothing maps: the GPU faults, ROCr reports the memory
  // access fault and ends the program. Returning from the synchronisation is the failure.
  hipLaunchKernelGGL(store_at, dim3(1), dim3(64), 0, 0, reinterpret_cast<uint32_t*>(0x1000));
  const hipError_t e = hipDeviceSynchronize();
  std::printf("FAIL the faulting kernel returned to the host: %s\n", hipGetErrorString(e));
  return 1;
}

__global__ void trap_in_lane0(uint32_t* p) {
  if (threadIdx.x == 0) __builtin_trap();
  p[threadIdx.x] = 1;
}

int case_trap() {
  // A device-side trap (s_trap 2, what assert() in device code ends in): the queue reports the
  // error and HIP ends the program.
  uint32_t* d = nullptr;
  CHECK(hipMalloc(&d, 256));
  hipLaunchKernelGGL(trap_in_lane0, dim3(1), dim3(64), 0, 0, d);
  const hipError_t e = hipDeviceSynchronize();
  std::printf("FAIL the trapping kernel returned to the host: %s\n", hipGetErrorString(e));
  return 1;
}

__global__ void spin_until(const volatile uint32_t* flag) {
  while (*flag != 0x600D) {
  }
}

int case_endless_loop() {
  // A kernel that never ends (nobody writes the flag): run with `exec --timeout S`, the
  // simulator stops it and HIP ends the program with a queue error.
  uint32_t* flag = nullptr;
  CHECK(hipMalloc(&flag, 4));
  CHECK(hipMemset(flag, 0, 4));
  hipLaunchKernelGGL(spin_until, dim3(1), dim3(64), 0, 0, flag);
  const hipError_t e = hipDeviceSynchronize();
  std::printf("FAIL the endless kernel returned to the host: %s\n", hipGetErrorString(e));
  return 1;
}

struct Case {
  const char* name;
  int (*run)();
};

const Case kCases[] = {
    {"vector_add", case_vector_add},
    {"reduction", case_reduction},
    {"atomics", case_atomics},
    {"grids", case_grids},
    {"wide_types", case_wide_types},
    {"shuffle", case_shuffle},
    {"dynamic_shared", case_dynamic_shared},
    {"memcpy", case_memcpy},
    {"memcpy_2d", case_memcpy_2d},
    {"streams", case_streams},
    {"fault_unmapped", case_fault_unmapped},
    {"trap", case_trap},
    {"endless_loop", case_endless_loop},
    {"peer", case_peer},
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::printf("usage: %s CASE; cases:", argv[0]);
    for (const Case& c : kCases) std::printf(" %s", c.name);
    std::printf("\n");
    return 2;
  }
  for (const Case& c : kCases) {
    if (std::string(argv[1]) != c.name) continue;
    const int rc = c.run();
    if (rc == 0) std::printf("PASS %s\n", c.name);
    return rc;
  }
  std::printf("unknown case '%s'\n", argv[1]);
  return 2;
}
