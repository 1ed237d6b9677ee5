// ISA interpreter: runs every gfx942 and gfx1100 corpus kernel (-O2 and -O0) on random inputs and
// compares element by element with a CPU reference; VM faults and illegal instructions stop the
// dispatch with a fault, not a crash. Hand-assembled gfx90a code covers MUBUF scratch through the
// private segment buffer and s_getreg_b32 of HW_REG_SH_MEM_BASES.
#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "isa/kernel_files.h"

namespace amdhal::sim::isa {
namespace {

using testing::KernelRunner;

std::string fmt_hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

struct KernelParam {
  const char* target;  ///< "gfx942", "gfx1100"
  const char* suffix;  ///< "" (-O2) or "-O0"
};

void PrintTo(const KernelParam& p, std::ostream* os) {
  *os << p.target << (p.suffix[0] ? p.suffix : "-O2");
}

class SimIsaKernel : public ::testing::TestWithParam<KernelParam> {
 protected:
  // "vector_add" -> "vector_add-gfx942.hsaco" / "vector_add-gfx1100-O0.hsaco".
  std::string file(const std::string& name) const {
    return name + "-" + GetParam().target + GetParam().suffix + ".hsaco";
  }
  std::string target() const { return GetParam().target; }
  std::mt19937 rng{1234};
};

TEST_P(SimIsaKernel, VectorAdd) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("vector_add")));
  const uint32_t n = 1000;
  std::uniform_real_distribution<float> d(-100, 100);
  std::vector<float> a(n), b(n);
  for (auto& v : a) v = d(rng);
  for (auto& v : b) v = d(rng);
  auto A = r.upload(a), B = r.upload(b);
  auto C = r.alloc(1024 * 4);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(C->va), ArgValue::u32(n)};
  Status st = r.run(args, {1024, 1, 1}, {256, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(C->as<float>()[i], a[i] + b[i]) << i;
  for (uint32_t i = n; i < 1024; ++i) ASSERT_EQ(C->as<uint32_t>()[i], 0u) << i;
  EXPECT_GT(r.executor().last_stats().lane_operations, 0u);
}

TEST_P(SimIsaKernel, Saxpy) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("saxpy")));
  const int n = 777;
  std::uniform_real_distribution<float> d(-10, 10);
  std::vector<float> x(n), y(n);
  for (auto& v : x) v = d(rng);
  for (auto& v : y) v = d(rng);
  const float alpha = 1.75f;
  auto X = r.upload(x), Y = r.upload(y);
  std::vector<ArgValue> args{ArgValue::f32(alpha), ArgValue::buffer(X->va), ArgValue::buffer(Y->va),
                             ArgValue::i32(n)};
  Status st = r.run(args, {832, 1, 1}, {64, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (int i = 0; i < n; ++i) {
    const float got = Y->as<float>()[i];
    // The compiler may contract alpha * x + y into an fma.
    EXPECT_TRUE(got == std::fma(alpha, x[i], y[i]) || got == alpha * x[i] + y[i])
        << i << ": " << got << " vs " << std::fma(alpha, x[i], y[i]);
  }
}

TEST_P(SimIsaKernel, Collatz) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("collatz")));
  const uint32_t n = 500, max_steps = 300;
  std::uniform_int_distribution<uint32_t> d(1, 100000);
  std::vector<uint32_t> start(n);
  for (auto& v : start) v = d(rng);
  start[0] = 1;
  start[1] = 27;
  auto S = r.upload(start);
  auto O = r.alloc(n * 4);
  std::vector<ArgValue> args{ArgValue::buffer(S->va), ArgValue::buffer(O->va), ArgValue::u32(n),
                             ArgValue::u32(max_steps)};
  Status st = r.run(args, {512, 1, 1}, {128, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t x = start[i];
    uint32_t count = 0;
    while (x > 1 && count < max_steps) {
      x = (x & 1) ? 3 * x + 1 : x >> 1;
      ++count;
    }
    ASSERT_EQ(O->as<uint32_t>()[i], count) << "start " << start[i];
  }
}

TEST_P(SimIsaKernel, ReduceSum) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("reduce_sum")));
  const uint32_t n = 1000, groups = 4;
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> in(n);
  for (auto& v : in) v = d(rng);
  auto I = r.upload(in);
  auto P = r.alloc(groups * 4);
  std::vector<ArgValue> args{ArgValue::buffer(I->va), ArgValue::buffer(P->va), ArgValue::u32(n)};
  Status st = r.run(args, {256 * groups, 1, 1}, {256, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t g = 0; g < groups; ++g) {
    float s[256];
    for (uint32_t l = 0; l < 256; ++l) s[l] = g * 256 + l < n ? in[g * 256 + l] : 0.0f;
    for (uint32_t stride = 128; stride > 0; stride >>= 1) {
      for (uint32_t l = 0; l < stride; ++l) s[l] += s[l + stride];
    }
    EXPECT_EQ(P->as<float>()[g], s[0]) << "group " << g;
  }
}

TEST_P(SimIsaKernel, LanePermute) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("lane_permute")));
  const uint32_t n = 512;
  std::vector<uint32_t> in(n);
  for (uint32_t i = 0; i < n; ++i) in[i] = 0x1000u + i * 7;
  auto I = r.upload(in);
  auto G = r.alloc(n * 4), S = r.alloc(n * 4), W = r.alloc(4);
  std::vector<ArgValue> args{ArgValue::buffer(I->va), ArgValue::buffer(G->va),
                             ArgValue::buffer(S->va), ArgValue::buffer(W->va)};
  Status st = r.run(args, {n, 1, 1}, {128, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  const uint32_t w = W->as<uint32_t>()[0];
  ASSERT_TRUE(w == 32 || w == 64) << w;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t base = i - i % w, lane = i % w;
    EXPECT_EQ(G->as<uint32_t>()[i], in[base + (w - 1 - lane)]) << "gathered " << i;
    EXPECT_EQ(S->as<uint32_t>()[i], in[base + (lane + w - 3) % w]) << "scattered " << i;
  }
}

TEST_P(SimIsaKernel, Histogram) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("histogram")));
  const uint32_t n = 3000;
  std::uniform_int_distribution<int> d(0, 255);
  std::vector<uint8_t> data(n);
  for (auto& v : data) v = static_cast<uint8_t>(d(rng));
  auto D = r.upload(data);
  auto B = r.alloc(256 * 4);
  auto T = r.alloc(4);
  std::vector<ArgValue> args{ArgValue::buffer(D->va), ArgValue::u32(n), ArgValue::buffer(B->va),
                             ArgValue::buffer(T->va)};
  Status st = r.run(args, {3072, 1, 1}, {256, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  std::vector<uint32_t> bins(256, 0);
  uint32_t total = 0;
  for (uint8_t v : data) {
    ++bins[v];
    total += v;
  }
  for (int i = 0; i < 256; ++i) ASSERT_EQ(B->as<uint32_t>()[i], bins[i]) << "bin " << i;
  EXPECT_EQ(*T->as<uint32_t>(), total);
}

TEST_P(SimIsaKernel, Grid2d) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("grid_2d")));
  const uint32_t width = 37, height = 21;
  auto O = r.alloc(64 * 32 * 4);
  for (uint32_t i = 0; i < 64 * 32; ++i) O->as<uint32_t>()[i] = 0xDEADBEEF;
  std::vector<ArgValue> args{ArgValue::buffer(O->va), ArgValue::u32(width), ArgValue::u32(height)};
  Status st = r.run(args, {48, 24, 1}, {16, 8, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t i = 0; i < 64 * 32; ++i) {
    const uint32_t want = i < width * height ? (i / width) * 65536 + i % width : 0xDEADBEEF;
    ASSERT_EQ(O->as<uint32_t>()[i], want) << i;
  }
}

TEST_P(SimIsaKernel, DotF64) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("dot_f64")));
  const uint64_t n = 5000;
  const uint32_t threads = 256;
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<double> a(n), b(n);
  for (auto& v : a) v = d(rng);
  for (auto& v : b) v = d(rng);
  auto A = r.upload(a), B = r.upload(b);
  auto P = r.alloc(threads * 8);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(P->va), ArgValue::u64(n)};
  Status st = r.run(args, {threads, 1, 1}, {64, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t i = 0; i < threads; ++i) {
    double acc = 0;
    for (uint64_t k = i; k < n; k += threads) acc = std::fma(a[k], b[k], acc);
    ASSERT_EQ(P->as<double>()[i], acc) << i;
  }
}

TEST_P(SimIsaKernel, ByValue) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("by_value")));
  struct Params {
    int32_t offset;
    float scale;
    int64_t bias;
  } p{7, 2.5f, -1000000007};
  const int8_t c = -5;
  const int16_t s = 1234;
  const int32_t i = -77777;
  const int64_t l = 1ll << 40;
  const float f = -3.75f;
  const double dd = 12345.678;
  const uint32_t n = 200;
  auto O = r.alloc(n * 8);
  std::vector<ArgValue> args{ArgValue::buffer(O->va),
                             ArgValue::bytes(std::span(reinterpret_cast<const uint8_t*>(&c), 1)),
                             ArgValue::bytes(std::span(reinterpret_cast<const uint8_t*>(&s), 2)),
                             ArgValue::i32(i),
                             ArgValue::i64(l),
                             ArgValue::f32(f),
                             ArgValue::f64(dd),
                             ArgValue::pod(p)};
  Status st = r.run(args, {n, 1, 1}, {64, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint64_t k = 0; k < n; ++k) {
    const int64_t want = static_cast<int64_t>(c) + s + i + l + static_cast<int64_t>(f) +
                         static_cast<int64_t>(dd) +
                         static_cast<int64_t>(p.scale * static_cast<float>(k + p.offset)) + p.bias;
    ASSERT_EQ(O->as<int64_t>()[k], want) << k;
  }
}

// Double division (v_div_scale_f64 / v_rcp_f64 / v_div_fmas_f64 / v_div_fixup_f64): correctly
// rounded quotients of random operands and the IEEE results of zero, infinite and NaN operands;
// operands that need range scaling are refused with an illegal-instruction fault.
TEST_P(SimIsaKernel, DivF64) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("div_f64")));
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> a = {0.0, 1.0, -1.0, inf, 5.0, -5.0, nan, 0.0, 0.0, inf, 2.0, -0.0};
  std::vector<double> b = {0.0, 0.0, 0.0, inf, inf, inf, 2.0, 3.0, -3.0, 2.0, nan, 4.0};
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> ex(-200, 200);
  while (a.size() < 256) {
    a.push_back(std::ldexp(mant(rng), ex(rng)) * (a.size() % 3 ? 1 : -1));
    b.push_back(std::ldexp(mant(rng), ex(rng)) * (a.size() % 5 ? 1 : -1));
  }
  const uint32_t n = static_cast<uint32_t>(a.size());
  auto A = r.upload(a), B = r.upload(b);
  auto Q = r.alloc(n * 8);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(Q->va), ArgValue::u32(n)};
  Status st = r.run(args, {n, 1, 1}, {64, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t i = 0; i < n; ++i) {
    const double want = a[i] / b[i];
    const double got = Q->as<double>()[i];
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << i << ": " << a[i] << " / " << b[i] << " = " << got;
    } else {
      EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want))
          << i << ": " << a[i] << " / " << b[i] << " = " << got << ", want " << want;
    }
  }
  // A quotient beyond the double range needs div_scale's range scaling: refused.
  a[20] = 1e300;
  b[20] = 1e-300;
  auto A2 = r.upload(a), B2 = r.upload(b);
  std::vector<ArgValue> args2{ArgValue::buffer(A2->va), ArgValue::buffer(B2->va),
                              ArgValue::buffer(Q->va), ArgValue::u32(n)};
  st = r.run(args2, {n, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("v_div_scale_f64"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("range scaling"), std::string::npos) << st.message();
}

TEST_P(SimIsaKernel, Ids3d) {
  KernelRunner r(target());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load(file("ids_3d")));
  const std::array<uint32_t, 3> grid{10, 6, 5}, wg{4, 3, 2};
  const uint32_t items = grid[0] * grid[1] * grid[2];
  auto O = r.alloc(items * 12 * 4);
  std::vector<ArgValue> args{ArgValue::buffer(O->va)};
  Status st = r.run(args, grid, wg);
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t z = 0; z < grid[2]; ++z) {
    for (uint32_t y = 0; y < grid[1]; ++y) {
      for (uint32_t x = 0; x < grid[0]; ++x) {
        const uint32_t flat = (z * grid[1] + y) * grid[0] + x;
        const uint32_t* rec = O->as<uint32_t>() + flat * 12;
        const uint32_t g[3] = {x, y, z};
        for (int d = 0; d < 3; ++d) {
          const uint32_t group = g[d] / wg[d];
          const uint32_t rest = grid[d] - group * wg[d];
          ASSERT_EQ(rec[d], g[d] % wg[d]) << "local id " << d << " of " << flat;
          ASSERT_EQ(rec[3 + d], group) << "group id " << d << " of " << flat;
          ASSERT_EQ(rec[6 + d], std::min(rest, wg[d])) << "local size " << d << " of " << flat;
          ASSERT_EQ(rec[9 + d], (grid[d] + wg[d] - 1) / wg[d]) << "num groups " << d;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, SimIsaKernel,
                         ::testing::Values(KernelParam{"gfx942", ""}, KernelParam{"gfx942", "-O0"},
                                           KernelParam{"gfx1100", ""},
                                           KernelParam{"gfx1100", "-O0"}),
                         [](const auto& info) {
                           return std::string(info.param.target) +
                                  (info.param.suffix[0] ? "_O0" : "_O2");
                         });

// A buffer pointer into unmapped memory: the dispatch fails with a VM fault recorded by engine
// "shader", and the fault names the address.
TEST(SimIsaFaults, UnmappedStoreIsAVmFault) {
  KernelRunner r;
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load("vector_add-gfx942.hsaco"));
  std::vector<float> a(64, 1.0f);
  auto A = r.upload(a), B = r.upload(a);
  const uint64_t bad = 0x7000'0000'0000ull;
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(bad), ArgValue::u32(64)};
  Status st = r.run(args, {64, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_NE(st.message().find("VM fault"), std::string::npos) << st.message();
  const auto faults = r.device().faults();
  ASSERT_FALSE(faults.empty());
  EXPECT_EQ(faults.back().engine, "shader");
  EXPECT_EQ(faults.back().address, bad);
  EXPECT_EQ(faults.back().access, Access::kWrite);
  EXPECT_EQ(faults.back().vmid, KernelRunner::kVmid);
}

// An illegal instruction word patched into the kernel: an illegal-instruction fault naming the
// target, encoding, opcode and PC.
TEST(SimIsaFaults, IllegalInstructionIsAFault) {
  KernelRunner r;
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load("vector_add-gfx942.hsaco"));
  const KernelInfo& k = r.kernel();
  // Overwrite the first instruction through the GPU mapping of the image.
  VmFault f;
  const uint32_t words[2] = {0xFFFFFFFFu, 0};
  // The image is the first buffer the runner mapped.
  const uint64_t code_va = 0x100000000ull + k.code_address;
  ASSERT_TRUE(r.device().vm(KernelRunner::kVmid).write(code_va, words, 8, &f).ok());
  std::vector<float> a(64, 1.0f);
  auto A = r.upload(a), B = r.upload(a), C = r.upload(a);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(C->va), ArgValue::u32(64)};
  Status st = r.run(args, {64, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_NE(st.message().find("illegal instruction on gfx942"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(fmt_hex(code_va)), std::string::npos) << st.message();

  // A valid encoding the interpreter has no semantics for (v_cubeid_f32 v0, v1, v1, v1).
  const uint32_t cubeid[2] = {0xD1C40000u, 0x04060301u};
  ASSERT_TRUE(r.device().vm(KernelRunner::kVmid).write(code_va, cubeid, 8, &f).ok());
  st = r.run(args, {64, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("VOP3 opcode 0x1c4"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("v_cubeid_f32"), std::string::npos) << st.message();
}

TEST(SimIsaDispatch, DispatchAndQueuePointersInUserSgprs) {
  // Code object v4: the dispatch ptr SGPRs hold the AQL packet's address, the queue ptr SGPRs
  // the queue's amd_queue_t (what the AQL engine passes), as the packet processor sets them up.
  for (const char* target : {"gfx942", "gfx1100"}) {
    SCOPED_TRACE(target);
    KernelRunner r(target);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r.load(std::string("dispatch_regs-") + target + "-v4.hsaco"));
    r.queue_address = 0x7654'3210'0000ull;
    auto O = r.alloc(64);
    std::vector<ArgValue> args{ArgValue::buffer(O->va)};
    Status st = r.run(args, {64, 1, 1}, {64, 1, 1});
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_EQ(O->as<uint64_t>()[0], r.packet_address());
    EXPECT_EQ(O->as<uint64_t>()[1], 0x7654'3210'0000ull);
  }
}

TEST(SimIsaFaults, EndlessKernelStopsAtTheDeviceTimeout) {
  // timeout= in the device spec (DeviceConfig::kernel_timeout): a wave that branches to itself
  // forever is stopped with kDeadlineExceeded naming the limit, soon after it.
  KernelRunner r("gfx942,timeout=300ms");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load("vector_add-gfx942.hsaco"));
  const uint64_t code_va = 0x100000000ull + r.kernel().code_address;
  const uint32_t branch_to_self = 0xBF82FFFFu;  // s_branch -1 (SOPP opcode 2)
  VmFault f;
  ASSERT_TRUE(r.device().vm(KernelRunner::kVmid).write(code_va, &branch_to_self, 4, &f).ok());
  std::vector<float> a(64, 1.0f);
  auto A = r.upload(a), B = r.upload(a), C = r.upload(a);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(C->va), ArgValue::u32(64)};
  const auto start = std::chrono::steady_clock::now();
  Status st = r.run(args, {64, 1, 1}, {64, 1, 1});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.to_string();
  EXPECT_NE(st.message().find("after the 300 ms timeout"), std::string::npos) << st.message();
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(20)) << "the limit was not enforced promptly";
}

// gfx1100 runs the corpus in wave32 (the descriptors say ENABLE_WAVEFRONT_SIZE32).
TEST(SimIsaGfx1100, VectorAddRunsWave32) {
  KernelRunner r("gfx1100");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load("vector_add-gfx1100.hsaco"));
  EXPECT_EQ(r.kernel().descriptor.wavefront_size(), 32u);
  std::vector<float> a(1024, 1.5f), b(1024, 2.0f);
  auto A = r.upload(a), B = r.upload(b);
  auto C = r.alloc(1024 * 4);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(C->va), ArgValue::u32(1000)};
  Status st = r.run(args, {1024, 1, 1}, {256, 1, 1});
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(r.executor().last_stats().waves, 32u);
  EXPECT_EQ(r.executor().last_stats().workgroups, 4u);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(C->as<float>()[i], 3.5f) << i;
}

// The PM4 path has no kernel descriptor: user SGPRs come as programmed (COMPUTE_USER_DATA_*) and
// the LDS size from COMPUTE_PGM_RSRC2.LDS_SIZE (512-byte granules) when the dispatch carries no
// group segment size. reduce_sum needs 1024 bytes of LDS.
TEST(SimIsaGfx1100, Pm4DispatchTakesLdsSizeFromRsrc2) {
  KernelRunner r("gfx1100");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load("reduce_sum-gfx1100.hsaco"));
  const KernelInfo& k = r.kernel();
  ASSERT_EQ(k.group_segment_fixed_size, 1024u);
  const uint32_t n = 512;
  std::vector<float> in(n);
  for (uint32_t i = 0; i < n; ++i) in[i] = static_cast<float>(i % 7) - 3.0f;
  auto I = r.upload(in);
  auto P = r.alloc(8);
  std::vector<ArgValue> args{ArgValue::buffer(I->va), ArgValue::buffer(P->va), ArgValue::u32(n)};
  DispatchConfig cfg;
  cfg.grid = {512, 1, 1};
  cfg.workgroup = {256, 1, 1};
  auto kernargs = pack_kernargs(k, args, cfg);
  ASSERT_TRUE(kernargs.ok()) << kernargs.status().to_string();
  auto K = r.alloc(kernargs->bytes.size());
  std::memcpy(K->host, kernargs->bytes.data(), kernargs->bytes.size());
  auto packet = r.alloc(64);
  packets::AqlKernelDispatchPacket pk{};
  pk.setup = 1;
  pk.workgroup_size_x = 256;
  pk.workgroup_size_y = pk.workgroup_size_z = 1;
  pk.grid_size_x = 512;
  pk.grid_size_y = pk.grid_size_z = 1;
  pk.kernarg_address = K->va;
  std::memcpy(packet->host, &pk, sizeof(pk));

  KernelExecutor::Dispatch d;
  d.vmid = KernelRunner::kVmid;
  d.code_address = 0x100000000ull + k.code_address;  // the image is the runner's first buffer
  d.grid[0] = 512;
  d.workgroup[0] = 256;
  d.pgm_rsrc1 = k.descriptor.compute_pgm_rsrc1;
  d.pgm_rsrc2 = (k.descriptor.compute_pgm_rsrc2 & ~(0x1FFu << 15)) | (2u << 15);  // 2 x 512 B
  d.pgm_rsrc3 = k.descriptor.compute_pgm_rsrc3;
  d.group_segment_bytes = 0;
  // User SGPRs in "SGPR Register Set Up Order" for what the descriptor enables.
  const KernelDescriptor& kd = k.descriptor;
  ASSERT_FALSE(kd.enable_sgpr_private_segment_buffer());
  ASSERT_FALSE(kd.enable_sgpr_queue_ptr());
  if (kd.enable_sgpr_dispatch_ptr()) {
    d.user_sgprs.push_back(static_cast<uint32_t>(packet->va));
    d.user_sgprs.push_back(static_cast<uint32_t>(packet->va >> 32));
  }
  if (kd.enable_sgpr_kernarg_segment_ptr()) {
    d.user_sgprs.push_back(static_cast<uint32_t>(K->va));
    d.user_sgprs.push_back(static_cast<uint32_t>(K->va >> 32));
  }
  Status st = r.executor().run(r.device(), d);
  ASSERT_TRUE(st.ok()) << st.to_string();
  for (uint32_t g = 0; g < 2; ++g) {
    float s[256];
    for (uint32_t l = 0; l < 256; ++l) s[l] = in[g * 256 + l];
    for (uint32_t stride = 128; stride > 0; stride >>= 1) {
      for (uint32_t l = 0; l < stride; ++l) s[l] += s[l + stride];
    }
    EXPECT_EQ(P->as<float>()[g], s[0]) << "group " << g;
  }
  // Without any LDS the first ds_store is outside the workgroup's LDS: the dispatch stops.
  d.pgm_rsrc2 &= ~(0x1FFu << 15);
  st = r.executor().run(r.device(), d);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("LDS access"), std::string::npos) << st.message();
}

// gfx1100: an illegal word and a valid instruction without semantics are illegal-instruction
// faults naming the target, encoding, opcode and PC.
TEST(SimIsaGfx1100, IllegalInstructionIsAFault) {
  KernelRunner r("gfx1100");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.load("vector_add-gfx1100.hsaco"));
  const uint64_t code_va = 0x100000000ull + r.kernel().code_address;
  VmFault f;
  const uint32_t words[2] = {0xFFFFFFFFu, 0};
  ASSERT_TRUE(r.device().vm(KernelRunner::kVmid).write(code_va, words, 8, &f).ok());
  std::vector<float> a(64, 1.0f);
  auto A = r.upload(a), B = r.upload(a), C = r.upload(a);
  std::vector<ArgValue> args{ArgValue::buffer(A->va), ArgValue::buffer(B->va),
                             ArgValue::buffer(C->va), ArgValue::u32(64)};
  Status st = r.run(args, {64, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_NE(st.message().find("illegal instruction on gfx1100"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(fmt_hex(code_va)), std::string::npos) << st.message();

  // v_cubeid_f32 v0, v1, v1, v1 (llvm-mc-19 -mcpu=gfx1100): decoded, not executed.
  const uint32_t cubeid[2] = {0xD60C0000u, 0x04060301u};
  ASSERT_TRUE(r.device().vm(KernelRunner::kVmid).write(code_va, cubeid, 8, &f).ok());
  st = r.run(args, {64, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("illegal instruction on gfx1100"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("VOP3 opcode 0x20c"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("v_cubeid_f32"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(fmt_hex(code_va)), std::string::npos) << st.message();

  // s_sendmsg with a message other than DEALLOC_VGPRS (MSG_INTERRUPT = 1).
  const uint32_t sendmsg[1] = {0xBFB60001u};
  ASSERT_TRUE(r.device().vm(KernelRunner::kVmid).write(code_va, sendmsg, 4, &f).ok());
  st = r.run(args, {64, 1, 1}, {64, 1, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("s_sendmsg"), std::string::npos) << st.message();
}

// Runs hand-assembled code as 64 work-items in one workgroup, with `private_bytes` of scratch
// per work-item; the kernarg segment holds the address of `out`. The default descriptor (gfx90a)
// enables the private segment buffer (s[0:3]), the kernarg segment pointer (s[4:5]) and the
// private segment (the scratch wave offset follows in s6).
Status run_words(KernelRunner& r, const std::vector<uint32_t>& code, uint32_t private_bytes,
                 uint64_t out, uint16_t code_properties = 1u | (1u << 3),
                 uint32_t pgm_rsrc2 = 1u | (6u << 1)) {
  auto image = r.alloc(4096, kMapAll);  // descriptor at 0, code at 256
  KernelDescriptor kd{};
  kd.private_segment_fixed_size = private_bytes;
  kd.kernarg_size = 8;
  kd.kernel_code_entry_byte_offset = 256;
  kd.compute_pgm_rsrc2 = pgm_rsrc2;
  kd.kernel_code_properties = code_properties;
  std::memcpy(image->host, &kd, sizeof(kd));
  std::memcpy(image->host + 256, code.data(), code.size() * 4);
  auto kernarg = r.alloc(8);
  std::memcpy(kernarg->host, &out, 8);
  KernelExecutor::Dispatch d;
  d.vmid = KernelRunner::kVmid;
  d.kernel_descriptor_address = image->va;
  d.kernarg_address = kernarg->va;
  d.grid[0] = 64;
  d.workgroup[0] = 64;
  d.private_segment_bytes = private_bytes;
  d.pgm_rsrc2 = kd.compute_pgm_rsrc2;
  return r.executor().run(r.device(), d);
}

// MUBUF through the private segment buffer V# reaches each lane's private memory at soffset /
// 64 + vaddr (offen) + offset, the same bytes a flat address in the private aperture reaches;
// a wave offset that is not a multiple of 256 lands in the next lane's bytes, as the swizzled
// buffer does; AGPR data, dwordx2 and byte loads; cache controls are no-ops; s_getreg_b32 of
// HW_REG_SH_MEM_BASES gives the apertures' high bits (private [15:0] = 2, shared [31:16] = 1).
// Words from llvm-mc-19 -triple=amdgcn -mcpu=gfx90a -show-encoding.
TEST(SimIsaGfx90a, MubufScratchAndShMemBases) {
  KernelRunner r("gfx90a");
  ASSERT_TRUE(r.ok());
  const std::vector<uint32_t> code = {
      0xE0A00000u, 0x00000000u,  // buffer_wbl2
      0xE0A40000u, 0x00000000u,  // buffer_invl2
      0xE0FC0000u, 0x00000000u,  // buffer_wbinvl1_vol
      0xC0060202u, 0x00000000u,  // s_load_dwordx2 s[8:9], s[4:5], 0x0
      0x24020082u,               // v_lshlrev_b32_e32 v1, 2, v0
      0x680400FFu, 0x00000064u,  // v_add_u32_e32 v2, 0x64, v0
      0x7E060284u,               // v_mov_b32_e32 v3, 4
      0xE0701004u, 0x06000203u,  // buffer_store_dword v2, v3, s[0:3], s6 offen offset:4
      0xB0070300u,               // s_movk_i32 s7, 0x300
      0x680800FFu, 0x000000C8u,  // v_add_u32_e32 v4, 0xc8, v0
      0xE0700000u, 0x07000400u,  // buffer_store_dword v4, off, s[0:3], s7
      0xBE8C0084u,               // s_mov_b32 s12, 4
      0x680A00FFu, 0x0000012Cu,  // v_add_u32_e32 v5, 0x12c, v0
      0xE0700010u, 0x0C000500u,  // buffer_store_dword v5, off, s[0:3], s12 offset:16
      0xD3D94001u, 0x18000102u,  // v_accvgpr_write_b32 a1, v2
      0xE0700018u, 0x80800100u,  // buffer_store_dword a1, off, s[0:3], 0 offset:24
      0xB88A780Fu,               // s_getreg_b32 s10, hwreg(HW_REG_SH_MEM_BASES, 0, 16)
      0x8E0A900Au,               // s_lshl_b32 s10, s10, 16
      0x7E0C0288u,               // v_mov_b32_e32 v6, 8
      0x7E0E020Au,               // v_mov_b32_e32 v7, s10
      0xDC500000u, 0x08000006u,  // flat_load_dword v8, v[6:7]
      0xE050000Cu, 0x80000900u,  // buffer_load_dword v9, off, s[0:3], 0 offset:12
      0x7E0C0290u,               // v_mov_b32_e32 v6, 16
      0xDC500000u, 0x0A000006u,  // flat_load_dword v10, v[6:7]
      0xE0500014u, 0x80000B00u,  // buffer_load_dword v11, off, s[0:3], 0 offset:20
      0xB88BF80Fu,               // s_getreg_b32 s11, hwreg(HW_REG_SH_MEM_BASES)
      0x7E18020Bu,               // v_mov_b32_e32 v12, s11
      0xE0540008u, 0x80000E00u,  // buffer_load_dwordx2 v[14:15], off, s[0:3], 0 offset:8
      0xE0400018u, 0x80001000u,  // buffer_load_ubyte v16, off, s[0:3], 0 offset:24
      0xBF8C0070u,               // s_waitcnt vmcnt(0) lgkmcnt(0)
      0xDC708000u, 0x00080801u,  // global_store_dword v1, v8, s[8:9]
      0xDC708100u, 0x00080901u,  // global_store_dword v1, v9, s[8:9] offset:256
      0xDC708200u, 0x00080A01u,  // global_store_dword v1, v10, s[8:9] offset:512
      0xDC708300u, 0x00080B01u,  // global_store_dword v1, v11, s[8:9] offset:768
      0xDC708400u, 0x00080C01u,  // global_store_dword v1, v12, s[8:9] offset:1024
      0xDC708500u, 0x00080F01u,  // global_store_dword v1, v15, s[8:9] offset:1280
      0xDC708600u, 0x00081001u,  // global_store_dword v1, v16, s[8:9] offset:1536
      0xBF810000u,               // s_endpgm
  };
  auto out = r.alloc(448 * 4);
  Status st = run_words(r, code, 32, out->va);
  ASSERT_TRUE(st.ok()) << st.to_string();
  const uint32_t* o = out->as<uint32_t>();
  for (uint32_t l = 0; l < 64; ++l) {
    EXPECT_EQ(o[l], l + 100) << "lane " << l << ": offen store, flat load at private offset 8";
    EXPECT_EQ(o[64 + l], l + 200) << "lane " << l << ": soffset 0x300 is lane offset 12";
    if (l > 0) {
      EXPECT_EQ(o[128 + l], l - 1 + 300) << "lane " << l << ": soffset 4 shifts one lane";
    }
    EXPECT_EQ(o[256 + l], 0x00010002u) << "lane " << l << ": SH_MEM_BASES";
    EXPECT_EQ(o[320 + l], l + 200) << "lane " << l << ": dwordx2 high half (offset 12)";
    EXPECT_EQ(o[384 + l], (l + 100) & 0xFFu) << "lane " << l << ": ubyte of the AGPR store";
  }
  EXPECT_EQ(o[192], 63u + 300) << "lane 63's soffset-4 store wraps to lane 0 offset 20";
}

// MUBUF scratch refusals: an access past the per-lane private size is a fault naming the lane and
// the size (the last in-range dword is fine); a V# that is not the private segment buffer, an
// indexed access and s_getreg of an unmodelled register are illegal-instruction faults.
TEST(SimIsaGfx90a, MubufScratchFaults) {
  KernelRunner r("gfx90a");
  ASSERT_TRUE(r.ok());
  auto out = r.alloc(4096);
  Status st = run_words(r,
                        {
                            0x7E040287u,               // v_mov_b32_e32 v2, 7
                            0xE070001Cu, 0x80000200u,  // buffer_store_dword v2, off, s[0:3], 0
                                                       //   offset:28
                            0xE0700020u, 0x80000200u,  // ... offset:32
                            0xBF810000u,               // s_endpgm
                        },
                        32, out->va);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_NE(st.message().find("private (scratch) access of lane 0"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("outside the 32 bytes per lane"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("buffer_store_dword"), std::string::npos) << st.message();

  st = run_words(r,
                 {
                     0xBE810080u,               // s_mov_b32 s1, 0
                     0xE0700000u, 0x80000200u,  // buffer_store_dword v2, off, s[0:3], 0
                     0xBF810000u,               // s_endpgm
                 },
                 32, out->va);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("illegal instruction on gfx90a"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("not the private segment buffer"), std::string::npos) << st.message();

  st = run_words(r,
                 {
                     0xE0502000u, 0x80000102u,  // buffer_load_dword v1, v2, s[0:3], 0 idxen
                     0xBF810000u,               // s_endpgm
                 },
                 32, out->va);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("idxen"), std::string::npos) << st.message();

  st = run_words(r,
                 {
                     0xB882F801u,  // s_getreg_b32 s2, hwreg(HW_REG_MODE)
                     0xBF810000u,  // s_endpgm
                 },
                 32, out->va);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("s_getreg_b32 of hardware register 1 "), std::string::npos)
      << st.message();
}

// gfx1100 (wave32): s_getreg_b32 of HW_REG_SH_MEM_BASES, whole and its shared-aperture field.
TEST(SimIsaGfx1100, GetregShMemBases) {
  KernelRunner r("gfx1100");
  ASSERT_TRUE(r.ok());
  const std::vector<uint32_t> code = {
      0xF4040200u, 0xF8000000u,  // s_load_b64 s[8:9], s[0:1], 0x0
      0xB88AF80Fu,               // s_getreg_b32 s10, hwreg(HW_REG_SH_MEM_BASES)
      0xB88B7C0Fu,               // s_getreg_b32 s11, hwreg(HW_REG_SH_MEM_BASES, 16, 16)
      0x7E02020Au,               // v_mov_b32_e32 v1, s10
      0x7E06020Bu,               // v_mov_b32_e32 v3, s11
      0x30040082u,               // v_lshlrev_b32_e32 v2, 2, v0
      0xBF89FC07u,               // s_waitcnt lgkmcnt(0)
      0xDC6A0000u, 0x00080102u,  // global_store_b32 v2, v1, s[8:9]
      0xDC6A0100u, 0x00080302u,  // global_store_b32 v2, v3, s[8:9] offset:256
      0xBFB00000u,               // s_endpgm
  };
  auto out = r.alloc(128 * 4);
  // Kernarg segment pointer (s[0:1]) and wave32; two user SGPRs.
  Status st = run_words(r, code, 0, out->va, (1u << 3) | (1u << 10), 2u << 1);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(r.executor().last_stats().waves, 2u);
  for (uint32_t l = 0; l < 64; ++l) {
    EXPECT_EQ(out->as<uint32_t>()[l], 0x00010002u) << l;
    EXPECT_EQ(out->as<uint32_t>()[64 + l], 1u) << l;
  }
}

}  // namespace
}  // namespace amdhal::sim::isa
