// SDMA packet builders and decoder: round trips, hand-checked golden dwords, copy splitting,
// capacity, field validation and decoder robustness.
//
// Expected field widths below are written out from the kernel headers, independently of the
// library's tables:
//   vega10_sdma_pkt_open.h (SDMA 4), navi10_sdma_pkt_open.h (SDMA 5),
//   sdma_v6_0_0_pkt_open.h (SDMA 6; sdma_v7_0.c includes it for SDMA 7).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "amdhal/packets/sdma.h"
#include "amdhal/packets/stream.h"

namespace amdhal::packets {
namespace {

constexpr SdmaVariant kVariants[] = {SdmaVariant::kSdma4, SdmaVariant::kSdma5, SdmaVariant::kSdma6,
                                     SdmaVariant::kSdma7};

/// What the headers say, per variant (test-side copy of the facts).
struct HeaderFacts {
  unsigned copy_count_bits;  // SDMA_PKT_COPY_LINEAR_COUNT_count_mask
  unsigned fill_count_bits;  // SDMA_PKT_CONSTANT_FILL_COUNT_count_mask
  bool fence_attributes;     // SDMA_PKT_FENCE_HEADER_mtype .. l2_policy exist
  bool cache_policy;         // *_cache_policy / *_cpv exist
  bool copy_cpv_dword;       // sdma_v7_0.c: COPY_LINEAR with CPV is 8 dwords (copy_num_dw = 8)
};

HeaderFacts facts(SdmaVariant v) {
  switch (v) {
    case SdmaVariant::kSdma4:
      return {22, 22, false, false, false};  // 0x003FFFFF
    case SdmaVariant::kSdma5:
      return {22, 22, true, false, false};  // 0x003FFFFF
    case SdmaVariant::kSdma6:
      return {30, 30, true, true, false};  // 0x3FFFFFFF
    case SdmaVariant::kSdma7:
      return {30, 30, true, true, true};  // sdma_v6_0_0 layouts + the DCC dword
  }
  return {};
}

using FieldMap = std::map<std::string, uint64_t>;

FieldMap to_map(const DecodedPacket& p) {
  FieldMap m;
  for (const auto& f : p.fields) {
    EXPECT_TRUE(m.emplace(f.name, f.value).second) << "duplicate field " << f.name;
  }
  return m;
}

std::vector<uint32_t> build(const std::function<Status(PacketStream&)>& emit,
                            size_t capacity = 4096) {
  OwnedPacketStream s(capacity);
  Status st = emit(s.stream());
  EXPECT_TRUE(st.ok()) << st.to_string();
  return std::vector<uint32_t>(s.data().begin(), s.data().end());
}

// ---------------------------------------------------------------------------------------------
// Traits table matches the headers.

TEST(SdmaTraits, MatchKernelHeaders) {
  for (SdmaVariant v : kVariants) {
    SCOPED_TRACE(sdma_variant_name(v));
    const SdmaTraits& t = sdma_traits(v);
    const HeaderFacts f = facts(v);
    EXPECT_EQ(t.variant, v);
    EXPECT_EQ(t.copy_count_bits, f.copy_count_bits);
    EXPECT_EQ(t.fill_count_bits, f.fill_count_bits);
    EXPECT_EQ(t.fence_memory_attributes, f.fence_attributes);
    EXPECT_EQ(t.cache_policy, f.cache_policy);
    EXPECT_EQ(t.copy_cpv_adds_dword, f.copy_cpv_dword);
    EXPECT_EQ(sdma_copy_max_bytes(v), uint64_t{1} << f.copy_count_bits);
    EXPECT_EQ(sdma_fill_max_bytes(v), uint64_t{1} << f.fill_count_bits);
  }
  EXPECT_EQ(sdma_copy_max_bytes(SdmaVariant::kSdma4), 0x400000u);    // kernel copy_max_bytes
  EXPECT_EQ(sdma_copy_max_bytes(SdmaVariant::kSdma6), 0x40000000u);  // 1 GiB
}

// ---------------------------------------------------------------------------------------------
// Round trips: random field values -> build -> decode -> same values.

struct Case {
  std::string name;
  uint32_t opcode;
  size_t dwords;
  FieldMap fields;
  std::function<Status(PacketStream&)> emit;
};

class Gen {
 public:
  Gen(std::mt19937_64& rng, SdmaVariant v) : rng_(rng), v_(v), f_(facts(v)) {}

  uint64_t bits(unsigned width) {
    if (width == 0) return 0;
    const uint64_t r = rng_();
    return width >= 64 ? r : (r & ((uint64_t{1} << width) - 1));
  }
  uint64_t range(uint64_t lo, uint64_t hi) {  // inclusive
    return lo + rng_() % (hi - lo + 1);
  }
  uint64_t addr(uint64_t align) { return bits(48) & ~(align - 1); }
  uint32_t cp() { return f_.cache_policy ? static_cast<uint32_t>(bits(3)) : 0; }
  uint32_t cpv() { return f_.cache_policy ? static_cast<uint32_t>(bits(1)) : 0; }

  Case copy_linear() {
    SdmaCopyLinear p;
    p.bytes = range(1, uint64_t{1} << f_.copy_count_bits);
    p.dst_addr = addr(1);
    p.src_addr = addr(1);
    p.tmz = static_cast<uint32_t>(bits(1));
    p.cpv = cpv();
    p.dst_cache_policy = cp();
    p.src_cache_policy = cp();
    FieldMap m{
        {"tmz", p.tmz}, {"count", p.bytes - 1}, {"src_addr", p.src_addr}, {"dst_addr", p.dst_addr}};
    if (f_.cache_policy) {
      m["cpv"] = p.cpv;
      m["dst_cache_policy"] = p.dst_cache_policy;
      m["src_cache_policy"] = p.src_cache_policy;
    }
    size_t dwords = 7;
    if (f_.copy_cpv_dword && p.cpv == 1) {
      p.dcc_params = static_cast<uint32_t>(bits(32));
      m["dcc_params"] = p.dcc_params;
      dwords = 8;
    }
    const SdmaVariant v = v_;
    return {"COPY_LINEAR", 0x001, dwords, m,
            [=](PacketStream& s) { return emit_sdma_copy_linear(s, v, p); }};
  }

  Case constant_fill() {
    SdmaConstantFill p;
    p.fill_size = static_cast<uint32_t>(bits(2));
    const uint64_t max = uint64_t{1} << f_.fill_count_bits;
    if (p.fill_size == 2) {
      p.bytes = 4 * range(1, max / 4);
      p.dst_addr = addr(4);
    } else {
      p.bytes = range(1, max);
      p.dst_addr = addr(1);
    }
    p.data = static_cast<uint32_t>(bits(32));
    p.cpv = cpv();
    p.cache_policy = cp();
    FieldMap m{{"fill_size", p.fill_size},
               {"dst_addr", p.dst_addr},
               {"data", p.data},
               {"count", p.bytes - 1}};
    if (f_.cache_policy) {
      m["cpv"] = p.cpv;
      m["cache_policy"] = p.cache_policy;
    }
    const SdmaVariant v = v_;
    return {"CONSTANT_FILL", 0x00B, 5, m,
            [=](PacketStream& s) { return emit_sdma_constant_fill(s, v, p); }};
  }

  Case write_linear() {
    const size_t n = rng_() % 8 == 0 ? range(65, 90) : range(1, 20);
    std::vector<uint32_t> data(n);
    for (auto& d : data) d = static_cast<uint32_t>(bits(32));
    SdmaWriteLinear p;
    p.dst_addr = addr(4);
    p.tmz = static_cast<uint32_t>(bits(1));
    p.cpv = cpv();
    p.cache_policy = cp();
    FieldMap m{{"tmz", p.tmz}, {"dst_addr", p.dst_addr}, {"count", n - 1}};
    for (size_t i = 0; i < n && i < kSdmaDecodeMaxDataFields; ++i) {
      m[fmt::format("data_{}", i)] = data[i];
    }
    if (f_.cache_policy) {
      m["cpv"] = p.cpv;
      m["cache_policy"] = p.cache_policy;
    }
    const SdmaVariant v = v_;
    return {"WRITE_LINEAR", 0x002, 4 + n, m, [=](PacketStream& s) {
              SdmaWriteLinear q = p;
              q.data = data;
              return emit_sdma_write_linear(s, v, q);
            }};
  }

  Case fence() {
    SdmaFence p;
    p.addr = addr(4);
    p.data = static_cast<uint32_t>(bits(32));
    FieldMap m{{"addr", p.addr}, {"data", p.data}};
    if (f_.fence_attributes) {
      p.mtype = static_cast<uint32_t>(bits(3));
      p.gcc = static_cast<uint32_t>(bits(1));
      p.sys = static_cast<uint32_t>(bits(1));
      p.snp = static_cast<uint32_t>(bits(1));
      p.gpa = static_cast<uint32_t>(bits(1));
      p.l2_policy = static_cast<uint32_t>(bits(2));
      m.insert({{"mtype", p.mtype},
                {"gcc", p.gcc},
                {"sys", p.sys},
                {"snp", p.snp},
                {"gpa", p.gpa},
                {"l2_policy", p.l2_policy}});
    }
    if (f_.cache_policy) {
      p.llc_policy = static_cast<uint32_t>(bits(1));
      p.cpv = static_cast<uint32_t>(bits(1));
      m["llc_policy"] = p.llc_policy;
      m["cpv"] = p.cpv;
    }
    const SdmaVariant v = v_;
    return {"FENCE", 0x005, 4, m, [=](PacketStream& s) { return emit_sdma_fence(s, v, p); }};
  }

  Case poll_regmem() {
    SdmaPollRegmem p;
    p.addr = addr(4);
    p.reference = static_cast<uint32_t>(bits(32));
    p.mask = static_cast<uint32_t>(bits(32));
    p.function = static_cast<SdmaCompare>(bits(3));
    p.mem_poll = static_cast<uint32_t>(bits(1));
    p.hdp_flush = static_cast<uint32_t>(bits(1));
    p.interval = static_cast<uint32_t>(bits(16));
    p.retry_count = static_cast<uint32_t>(bits(12));
    p.cpv = cpv();
    p.cache_policy = cp();
    FieldMap m{{"addr", p.addr},         {"reference", p.reference},
               {"mask", p.mask},         {"function", static_cast<uint64_t>(p.function)},
               {"mem_poll", p.mem_poll}, {"hdp_flush", p.hdp_flush},
               {"interval", p.interval}, {"retry_count", p.retry_count}};
    if (f_.cache_policy) {
      m["cpv"] = p.cpv;
      m["cache_policy"] = p.cache_policy;
    }
    const SdmaVariant v = v_;
    return {"POLL_REGMEM", 0x008, 6, m,
            [=](PacketStream& s) { return emit_sdma_poll_regmem(s, v, p); }};
  }

  Case trap() {
    SdmaTrap p{static_cast<uint32_t>(bits(28))};
    const SdmaVariant v = v_;
    return {"TRAP", 0x006, 2, {{"int_context", p.int_context}}, [=](PacketStream& s) {
              return emit_sdma_trap(s, v, p);
            }};
  }

  Case timestamp() {
    SdmaTimestamp p{addr(8)};
    const SdmaVariant v = v_;
    return {"TIMESTAMP", 0x20D, 3, {{"addr", p.addr}}, [=](PacketStream& s) {
              return emit_sdma_timestamp(s, v, p);
            }};
  }

  Case nop() {
    SdmaNop p{static_cast<uint32_t>(rng_() % 16 == 0 ? kSdmaNopMaxDwords : range(1, 40))};
    const SdmaVariant v = v_;
    return {"NOP", 0x000, p.dwords, {{"count", p.dwords - 1u}}, [=](PacketStream& s) {
              return emit_sdma_nop(s, v, p);
            }};
  }

  Case atomic() {
    SdmaAtomic p;
    p.addr = addr(4);
    p.operation = static_cast<uint32_t>(bits(7));
    p.src_data = bits(64);
    p.cmp_data = bits(64);
    p.loop = static_cast<uint32_t>(bits(1));
    p.loop_interval = static_cast<uint32_t>(bits(13));
    p.tmz = static_cast<uint32_t>(bits(1));
    p.cpv = cpv();
    p.cache_policy = cp();
    FieldMap m{{"addr", p.addr},
               {"operation", p.operation},
               {"src_data", p.src_data},
               {"cmp_data", p.cmp_data},
               {"loop", p.loop},
               {"loop_interval", p.loop_interval},
               {"tmz", p.tmz}};
    if (f_.cache_policy) {
      m["cpv"] = p.cpv;
      m["cache_policy"] = p.cache_policy;
    }
    const SdmaVariant v = v_;
    return {"ATOMIC", 0x00A, 8, m, [=](PacketStream& s) { return emit_sdma_atomic(s, v, p); }};
  }

  Case any(unsigned kind) {
    switch (kind % 9) {
      case 0:
        return copy_linear();
      case 1:
        return constant_fill();
      case 2:
        return write_linear();
      case 3:
        return fence();
      case 4:
        return poll_regmem();
      case 5:
        return trap();
      case 6:
        return timestamp();
      case 7:
        return nop();
      default:
        return atomic();
    }
  }

 private:
  std::mt19937_64& rng_;
  SdmaVariant v_;
  HeaderFacts f_;
};

constexpr uint64_t kSeed = 0x5d3a'2024'0001ull;

TEST(SdmaRoundTrip, EveryPacketEveryVariant) {
  for (SdmaVariant v : kVariants) {
    for (unsigned kind = 0; kind < 9; ++kind) {
      std::mt19937_64 rng(kSeed + kind * 131 + static_cast<unsigned>(v));
      Gen gen(rng, v);
      for (int iter = 0; iter < 200; ++iter) {
        const Case c = gen.any(kind);
        SCOPED_TRACE(fmt::format("seed={:#x} variant={} packet={} iter={}",
                                 kSeed + kind * 131 + static_cast<unsigned>(v),
                                 sdma_variant_name(v), c.name, iter));
        const auto dw = build(c.emit, 1 << 15);
        ASSERT_EQ(dw.size(), c.dwords);
        const auto decoded = decode_sdma(v, dw);
        ASSERT_EQ(decoded.size(), 1u);
        const DecodedPacket& p = decoded[0];
        EXPECT_TRUE(p.ok()) << p.error;
        EXPECT_EQ(p.name, c.name);
        EXPECT_EQ(p.opcode, c.opcode);
        EXPECT_EQ(p.offset, 0u);
        EXPECT_EQ(p.dwords, c.dwords);
        EXPECT_EQ(to_map(p), c.fields);
      }
    }
  }
}

TEST(SdmaRoundTrip, MixedStreamKeepsOrderAndOffsets) {
  for (SdmaVariant v : kVariants) {
    std::mt19937_64 rng(kSeed ^ 0xabcdef);
    SCOPED_TRACE(fmt::format("seed={:#x} variant={}", kSeed ^ 0xabcdef, sdma_variant_name(v)));
    Gen gen(rng, v);
    OwnedPacketStream s(1 << 16);
    std::vector<Case> cases;
    std::vector<size_t> offsets;
    for (int i = 0; i < 60; ++i) {
      Case c = gen.any(static_cast<unsigned>(rng() % 9));
      if (c.name == "NOP" && c.dwords > 64) continue;  // keep the stream small
      offsets.push_back(s.stream().size());
      ASSERT_TRUE(c.emit(s.stream()).ok());
      cases.push_back(std::move(c));
    }
    const auto decoded = decode_sdma(v, s.data());
    ASSERT_EQ(decoded.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(decoded[i].name, cases[i].name) << i;
      EXPECT_EQ(decoded[i].offset, offsets[i]) << i;
      EXPECT_EQ(to_map(decoded[i]), cases[i].fields) << i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Golden packets, derived by hand from the kernel headers.

TEST(SdmaGolden, CopyLinearSdma4) {
  SdmaCopyLinear p;
  p.dst_addr = 0x0000'1234'5678'9000;
  p.src_addr = 0x0000'00ab'cdef'0000;
  p.bytes = 0x1000;
  const auto dw =
      build([&](PacketStream& s) { return emit_sdma_copy_linear(s, SdmaVariant::kSdma4, p); });
  const std::vector<uint32_t> expected = {
      0x00000001,  // op COPY (1) bits 0-7, sub_op LINEAR (0) bits 8-15
      0x00000fff,  // COUNT: bytes - 1
      0x00000000,  // PARAMETER: no swaps
      0xcdef0000,  // SRC_ADDR_LO
      0x000000ab,  // SRC_ADDR_HI
      0x56789000,  // DST_ADDR_LO
      0x00001234,  // DST_ADDR_HI
  };
  EXPECT_EQ(dw, expected);
}

TEST(SdmaGolden, CopyLinearSdma6CachePolicyAndFullCount) {
  SdmaCopyLinear p;
  p.dst_addr = 0x2000;
  p.src_addr = 0x1000;
  p.bytes = 0x40000000;  // 1 GiB: the 30-bit count's maximum
  p.cpv = 1;
  p.dst_cache_policy = 3;
  p.src_cache_policy = 5;
  const auto dw =
      build([&](PacketStream& s) { return emit_sdma_copy_linear(s, SdmaVariant::kSdma6, p); });
  const std::vector<uint32_t> expected = {
      0x00080001,  // op 1 | cpv (bit 19) = 0x80000
      0x3fffffff,  // COUNT = 2^30 - 1 (mask 0x3FFFFFFF)
      0x140c0000,  // dst_cache_policy 3 << 18 = 0xC0000 | src_cache_policy 5 << 26 = 0x14000000
      0x00001000, 0x00000000, 0x00002000, 0x00000000,
  };
  EXPECT_EQ(dw, expected);
}

TEST(SdmaGolden, CopyLinearSdma7WithCpvCarriesDccDword) {
  // sdma_v7_0.c emit_copy_buffer: header OP | SUB_OP | CPV(1), count, 0, src lo/hi, dst lo/hi,
  // then one dword of SDMA_DCC_* parameters (0 when not compressing); copy_num_dw = 8.
  SdmaCopyLinear p;
  p.dst_addr = 0x2000;
  p.src_addr = 0x1000;
  p.bytes = 0x100;
  p.cpv = 1;
  p.dcc_params = 0x00010203;
  OwnedPacketStream s(16);
  ASSERT_TRUE(emit_sdma_copy_linear(s.stream(), SdmaVariant::kSdma7, p).ok());
  ASSERT_TRUE(emit_sdma_trap(s.stream(), SdmaVariant::kSdma7, {9}).ok());
  const std::vector<uint32_t> expected = {
      0x00080001,  // op 1 | cpv bit 19
      0x000000ff, 0x00000000, 0x00001000, 0x00000000, 0x00002000, 0x00000000,
      0x00010203,              // dw7: DCC parameters
      0x00000006, 0x00000009,  // the next packet (TRAP) starts at dword 8
  };
  EXPECT_EQ(std::vector<uint32_t>(s.data().begin(), s.data().end()), expected);
  auto d = decode_sdma(SdmaVariant::kSdma7, s.data());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].dwords, 8u);
  EXPECT_EQ(d[0].field("dcc_params"), 0x00010203u);
  EXPECT_EQ(d[1].name, "TRAP");
  EXPECT_EQ(d[1].offset, 8u);
  // The same dwords on SDMA 6: cpv does not change the length, so dword 7 is the next header.
  d = decode_sdma(SdmaVariant::kSdma6, s.data());
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d[0].dwords, 7u);
  EXPECT_FALSE(d[0].field("dcc_params").has_value());
  EXPECT_EQ(d[1].offset, 7u);
}

TEST(SdmaGolden, FenceSdma4AndSdma5Mtype) {
  SdmaFence p;
  p.addr = 0x00007f00'10000040;
  p.data = 0xdeadbeef;
  auto dw = build([&](PacketStream& s) { return emit_sdma_fence(s, SdmaVariant::kSdma4, p); });
  // vega10: FENCE header is only op 5; ADDR_LO, ADDR_HI, DATA.
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x00000005, 0x10000040, 0x00007f00, 0xdeadbeef}));
  p.mtype = 3;  // UC, as sdma_v7_0.c writes
  dw = build([&](PacketStream& s) { return emit_sdma_fence(s, SdmaVariant::kSdma5, p); });
  // navi10: mtype bits 16-18: 3 << 16 = 0x30000.
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x00030005, 0x10000040, 0x00007f00, 0xdeadbeef}));
  p.cpv = 1;
  p.llc_policy = 1;
  dw = build([&](PacketStream& s) { return emit_sdma_fence(s, SdmaVariant::kSdma7, p); });
  // sdma_v6_0_0: llc_policy bit 26 (0x4000000), cpv bit 28 (0x10000000).
  EXPECT_EQ(dw[0], 0x14030005u);
}

TEST(SdmaGolden, PollRegmemMemoryAndHdpFlush) {
  SdmaPollRegmem p;
  p.addr = 0x1000'0000'0100;
  p.reference = 7;
  p.function = SdmaCompare::kEqual;
  p.interval = 4;  // ROCr BuildPollCommand
  p.retry_count = 0xfff;
  auto dw =
      build([&](PacketStream& s) { return emit_sdma_poll_regmem(s, SdmaVariant::kSdma4, p); });
  const std::vector<uint32_t> mem = {
      0xb0000008,              // op 8 | func 3 << 28 (0x30000000) | mem_poll 1 << 31 (0x80000000)
      0x00000100, 0x00001000,  // ADDR_LO, ADDR_HI
      0x00000007,              // VALUE (reference)
      0xffffffff,              // MASK
      0x0fff0004,              // DW5: interval 4 | retry_count 0xfff << 16
  };
  EXPECT_EQ(dw, mem);

  const SdmaPollRegmem h = sdma_hdp_flush(/*done_reg=*/0x1234, /*req_reg=*/0x1235, 0x4);
  dw = build([&](PacketStream& s) { return emit_sdma_poll_regmem(s, SdmaVariant::kSdma5, h); });
  const std::vector<uint32_t> hdp = {
      0x34000008,              // op 8 | hdp_flush 1 << 26 (0x4000000) | func 3 << 28; mem_poll 0
      0x000048d0,              // done register << 2
      0x000048d4,              // request register << 2
      0x00000004, 0x00000004,  // reference = mask = ref_and_mask
      0x0fff000a,              // interval 10, retry 0xfff (kernel emit_hdp_flush)
  };
  EXPECT_EQ(dw, hdp);
}

TEST(SdmaGolden, TrapTimestampNopAtomic) {
  auto dw =
      build([](PacketStream& s) { return emit_sdma_trap(s, SdmaVariant::kSdma6, {0x0abcdef}); });
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x00000006, 0x00abcdef}));  // op 6; INT_CONTEXT

  dw = build([](PacketStream& s) {
    return emit_sdma_timestamp(s, SdmaVariant::kSdma4, {0x0000'0042'8765'4328});
  });
  // op 13 | sub_op GET_GLOBAL 2 << 8 = 0x20d; address lo (8-byte aligned), hi.
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x0000020d, 0x87654328, 0x00000042}));

  dw = build([](PacketStream& s) { return emit_sdma_nop(s, SdmaVariant::kSdma5, {3}); });
  // NOP header count (bits 16-29) = 2 following dwords.
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x00020000, 0, 0}));

  SdmaAtomic a;
  a.addr = 0x8000;
  a.operation = kSdmaAtomicAdd64;
  a.src_data = ~uint64_t{0};  // ROCr BuildAtomicDecrementCommand: add -1
  dw = build([&](PacketStream& s) { return emit_sdma_atomic(s, SdmaVariant::kSdma4, a); });
  // op 10 | atomic_op 47 << 25 (0x5e000000).
  EXPECT_EQ(dw,
            (std::vector<uint32_t>{0x5e00000a, 0x00008000, 0, 0xffffffff, 0xffffffff, 0, 0, 0}));
}

TEST(SdmaGolden, ConstantFillAndWriteLinear) {
  SdmaConstantFill f;
  f.dst_addr = 0x0000'0001'0000'0000;
  f.data = 0xa5a5a5a5;
  f.bytes = 256;
  f.fill_size = 2;
  auto dw =
      build([&](PacketStream& s) { return emit_sdma_constant_fill(s, SdmaVariant::kSdma6, f); });
  // op 11 | fillsize 2 << 30 = 0x8000000b; DST lo/hi; DATA; COUNT = 255.
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x8000000b, 0x00000000, 0x00000001, 0xa5a5a5a5, 0xff}));

  const std::vector<uint32_t> data = {1, 2, 3};
  SdmaWriteLinear w;
  w.dst_addr = 0x1000;
  w.data = data;
  w.cpv = 1;
  w.cache_policy = 2;
  dw = build([&](PacketStream& s) { return emit_sdma_write_linear(s, SdmaVariant::kSdma7, w); });
  // op 2 | cpv bit 28 = 0x10000002; DST lo/hi; DW_3: count 2 | cache_policy 2 << 26 (0x8000000).
  EXPECT_EQ(dw, (std::vector<uint32_t>{0x10000002, 0x1000, 0, 0x08000002, 1, 2, 3}));
}

// ---------------------------------------------------------------------------------------------
// Copy splitting.

struct Chunk {
  uint64_t dst, src, bytes;
};

std::vector<Chunk> chunks_of(SdmaVariant v, std::span<const uint32_t> dw) {
  std::vector<Chunk> out;
  for (const auto& p : decode_sdma(v, dw)) {
    EXPECT_EQ(p.name, "COPY_LINEAR");
    EXPECT_TRUE(p.ok()) << p.error;
    out.push_back({*p.field("dst_addr"), *p.field("src_addr"), *p.field("count") + 1});
  }
  return out;
}

TEST(SdmaCopySplit, SizesAroundTheLimit) {
  for (SdmaVariant v : kVariants) {
    SCOPED_TRACE(sdma_variant_name(v));
    const uint64_t limit = uint64_t{1} << facts(v).copy_count_bits;
    const uint64_t dst = 0x7f00'0000'0000, src = 0x1'0000'0000;
    struct {
      uint64_t bytes;
      std::vector<uint64_t> sizes;
    } cases[] = {
        {0, {}},
        {1, {1}},
        {limit, {limit}},
        {limit + 1, {limit, 1}},
        {3 * limit + 5, {limit, limit, limit, 5}},
    };
    for (const auto& c : cases) {
      SCOPED_TRACE(fmt::format("bytes={:#x}", c.bytes));
      OwnedPacketStream s(64);
      ASSERT_TRUE(emit_sdma_copy(s.stream(), v, dst, src, c.bytes).ok());
      EXPECT_EQ(s.data().size(), c.sizes.size() * kSdmaCopyLinearDwords);
      EXPECT_EQ(sdma_copy_packet_count(v, c.bytes), c.sizes.size());
      EXPECT_EQ(sdma_copy_dwords(v, c.bytes), s.data().size());
      const auto chunks = chunks_of(v, s.data());
      ASSERT_EQ(chunks.size(), c.sizes.size());
      uint64_t done = 0;
      for (size_t i = 0; i < chunks.size(); ++i) {
        EXPECT_EQ(chunks[i].bytes, c.sizes[i]) << i;
        EXPECT_EQ(chunks[i].dst, dst + done) << i;
        EXPECT_EQ(chunks[i].src, src + done) << i;
        done += chunks[i].bytes;
      }
      EXPECT_EQ(done, c.bytes);
    }
  }
}

TEST(SdmaCopySplit, PeerCopyIsTheSameCopyLinear) {
  const uint64_t peer = 0x7ffe'0000'0000;  // another device's VRAM mapped into this GPUVM
  OwnedPacketStream a(64), b(64);
  ASSERT_TRUE(emit_sdma_peer_copy(a.stream(), SdmaVariant::kSdma4, peer, 0x1000, 0x500000).ok());
  ASSERT_TRUE(emit_sdma_copy(b.stream(), SdmaVariant::kSdma4, peer, 0x1000, 0x500000).ok());
  EXPECT_EQ(std::vector<uint32_t>(a.data().begin(), a.data().end()),
            std::vector<uint32_t>(b.data().begin(), b.data().end()));
  const auto chunks = chunks_of(SdmaVariant::kSdma4, a.data());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1].dst, peer + 0x400000);
  EXPECT_EQ(chunks[1].bytes, 0x100000u);
}

TEST(SdmaCopySplit, FillSplitsInDwordChunks) {
  const SdmaVariant v = SdmaVariant::kSdma5;
  const uint64_t limit = 0x400000;
  OwnedPacketStream s(64);
  ASSERT_TRUE(emit_sdma_fill(s.stream(), v, 0x10000, 0x11223344, 2 * limit + 8).ok());
  const auto d = decode_sdma(v, s.data());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(sdma_fill_packet_count(v, 2 * limit + 8), 3u);
  const uint64_t sizes[] = {limit, limit, 8};
  uint64_t done = 0;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d[i].name, "CONSTANT_FILL");
    EXPECT_EQ(*d[i].field("count") + 1, sizes[i]);
    EXPECT_EQ(*d[i].field("dst_addr"), 0x10000 + done);
    EXPECT_EQ(*d[i].field("data"), 0x11223344u);
    EXPECT_EQ(*d[i].field("fill_size"), 2u);
    done += sizes[i];
  }
  OwnedPacketStream e(64);
  EXPECT_TRUE(emit_sdma_fill(e.stream(), v, 0x10000, 0, 0).ok());
  EXPECT_EQ(e.data().size(), 0u);
  EXPECT_EQ(emit_sdma_fill(e.stream(), v, 0x10000, 0, 6).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(emit_sdma_fill(e.stream(), v, 0x10002, 0, 8).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.data().size(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Capacity: nothing is written when the packet(s) do not fit.

TEST(SdmaCapacity, TooSmallStreamWritesNothing) {
  constexpr uint32_t kSentinel = 0xcafebabe;
  for (SdmaVariant v : kVariants) {
    SCOPED_TRACE(sdma_variant_name(v));
    std::vector<uint32_t> storage(20, kSentinel);
    PacketStream s(storage);
    // Single packet of 7 into 6 free dwords.
    PacketStream small(std::span<uint32_t>(storage).first(6));
    SdmaCopyLinear c;
    c.bytes = 16;
    EXPECT_EQ(emit_sdma_copy_linear(small, v, c).code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(small.size(), 0u);
    // A split copy needing 3 packets (21 dwords) into 20: all or nothing.
    const uint64_t limit = sdma_copy_max_bytes(v);
    const Status st = emit_sdma_copy(s, v, 0x1000, 0x2000, 2 * limit + 1);
    EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
    EXPECT_NE(st.message().find("21"), std::string::npos) << st.message();
    EXPECT_EQ(s.size(), 0u);
    EXPECT_TRUE(
        std::all_of(storage.begin(), storage.end(), [](uint32_t d) { return d == kSentinel; }));
    // Exactly two packets fit (14 of 20), the third copy does not.
    ASSERT_TRUE(emit_sdma_copy(s, v, 0x1000, 0x2000, 2 * limit).ok());
    EXPECT_EQ(s.size(), 14u);
    EXPECT_EQ(emit_sdma_copy(s, v, 0x1000, 0x2000, 1).code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(s.size(), 14u);
    EXPECT_EQ(storage[14], kSentinel);
    // Variable-length WRITE_LINEAR: 4 + 3 dwords into 6 remaining.
    const std::vector<uint32_t> data = {1, 2, 3};
    SdmaWriteLinear w;
    w.dst_addr = 0x100;
    w.data = data;
    EXPECT_EQ(emit_sdma_write_linear(s, v, w).code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(s.size(), 14u);
    EXPECT_TRUE(std::all_of(storage.begin() + 14, storage.end(),
                            [](uint32_t d) { return d == kSentinel; }));
  }
}

// ---------------------------------------------------------------------------------------------
// Bad fields: kInvalidArgument naming the field, nothing written.

void expect_bad(SdmaVariant v, std::string_view field,
                const std::function<Status(PacketStream&)>& emit) {
  OwnedPacketStream s(64);
  const Status st = emit(s.stream());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << field << ": " << st.to_string();
  EXPECT_NE(st.message().find(fmt::format("'{}'", field)), std::string::npos)
      << "message does not name '" << field << "': " << st.message();
  EXPECT_EQ(s.data().size(), 0u) << field;
  (void)v;
}

TEST(SdmaValidation, BadFieldsAreNamed) {
  for (SdmaVariant v : kVariants) {
    SCOPED_TRACE(sdma_variant_name(v));
    const HeaderFacts f = facts(v);
    const uint64_t limit = uint64_t{1} << f.copy_count_bits;

    expect_bad(v, "bytes", [&](PacketStream& s) { return emit_sdma_copy_linear(s, v, {}); });
    expect_bad(v, "bytes", [&](PacketStream& s) {
      SdmaCopyLinear c;
      c.bytes = limit + 1;
      return emit_sdma_copy_linear(s, v, c);
    });
    expect_bad(v, "dst_cache_policy", [&](PacketStream& s) {
      SdmaCopyLinear c;
      c.bytes = 4;
      c.dst_cache_policy = f.cache_policy ? 8 : 1;  // too wide, or absent before SDMA 6
      return emit_sdma_copy_linear(s, v, c);
    });
    expect_bad(v, "mtype", [&](PacketStream& s) {
      SdmaFence p;
      p.mtype = f.fence_attributes ? 8 : 1;  // too wide, or absent on SDMA 4
      return emit_sdma_fence(s, v, p);
    });
    expect_bad(v, "addr", [&](PacketStream& s) {
      SdmaFence p;
      p.addr = 0x1002;
      return emit_sdma_fence(s, v, p);
    });
    expect_bad(v, "addr", [&](PacketStream& s) { return emit_sdma_timestamp(s, v, {0x1004}); });
    expect_bad(v, "int_context", [&](PacketStream& s) { return emit_sdma_trap(s, v, {1u << 28}); });
    expect_bad(v, "interval", [&](PacketStream& s) {
      SdmaPollRegmem p;
      p.interval = 0x10000;
      return emit_sdma_poll_regmem(s, v, p);
    });
    expect_bad(v, "retry_count", [&](PacketStream& s) {
      SdmaPollRegmem p;
      p.retry_count = 0x1000;
      return emit_sdma_poll_regmem(s, v, p);
    });
    expect_bad(v, "function", [&](PacketStream& s) {
      SdmaPollRegmem p;
      p.function = static_cast<SdmaCompare>(8);
      return emit_sdma_poll_regmem(s, v, p);
    });
    expect_bad(v, "mem_poll", [&](PacketStream& s) {
      SdmaPollRegmem p;
      p.mem_poll = 2;
      return emit_sdma_poll_regmem(s, v, p);
    });
    expect_bad(v, "dwords", [&](PacketStream& s) { return emit_sdma_nop(s, v, {0}); });
    expect_bad(v, "dwords", [&](PacketStream& s) {
      return emit_sdma_nop(s, v, {static_cast<uint32_t>(kSdmaNopMaxDwords + 1)});
    });
    expect_bad(v, "data", [&](PacketStream& s) { return emit_sdma_write_linear(s, v, {}); });
    expect_bad(v, "dst_addr", [&](PacketStream& s) {
      const uint32_t one = 1;
      SdmaWriteLinear w;
      w.dst_addr = 0x1001;
      w.data = std::span<const uint32_t>(&one, 1);
      return emit_sdma_write_linear(s, v, w);
    });
    expect_bad(v, "operation", [&](PacketStream& s) {
      SdmaAtomic a;
      a.operation = 128;
      return emit_sdma_atomic(s, v, a);
    });
    expect_bad(v, "loop_interval", [&](PacketStream& s) {
      SdmaAtomic a;
      a.loop_interval = 1u << 13;
      return emit_sdma_atomic(s, v, a);
    });
    expect_bad(v, "fill_size", [&](PacketStream& s) {
      SdmaConstantFill c;
      c.bytes = 4;
      c.fill_size = 4;
      return emit_sdma_constant_fill(s, v, c);
    });
    expect_bad(v, "bytes", [&](PacketStream& s) {
      SdmaConstantFill c;
      c.bytes = 6;  // dword fill of a non-multiple of 4
      return emit_sdma_constant_fill(s, v, c);
    });
    expect_bad(v, "dst", [&](PacketStream& s) {
      return emit_sdma_copy(s, v, ~uint64_t{0} - 10, 0x1000, 100);  // wraps past 2^64
    });
    expect_bad(v, "dcc_params", [&](PacketStream& s) {
      SdmaCopyLinear c;
      c.bytes = 4;
      c.dcc_params = 1;  // never valid without cpv (and only exists on SDMA 7)
      return emit_sdma_copy_linear(s, v, c);
    });
    if (!f.cache_policy) {
      expect_bad(v, "cache_policy", [&](PacketStream& s) {
        SdmaPollRegmem p;
        p.cache_policy = 1;
        return emit_sdma_poll_regmem(s, v, p);
      });
    }
  }
  OwnedPacketStream s(16);
  EXPECT_EQ(emit_sdma_trap(s.stream(), static_cast<SdmaVariant>(9), {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s.data().size(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Decoder robustness.

TEST(SdmaDecode, EmptyInput) {
  EXPECT_TRUE(decode_sdma(SdmaVariant::kSdma4, {}).empty());
}

TEST(SdmaDecode, TruncatedPackets) {
  for (SdmaVariant v : kVariants) {
    SCOPED_TRACE(sdma_variant_name(v));
    SdmaCopyLinear c;
    c.bytes = 64;
    const auto full = build([&](PacketStream& s) { return emit_sdma_copy_linear(s, v, c); });
    for (size_t k = 1; k < full.size(); ++k) {
      const auto d = decode_sdma(v, std::span<const uint32_t>(full).first(k));
      ASSERT_EQ(d.size(), 1u) << k;
      EXPECT_EQ(d[0].name, "COPY_LINEAR");
      EXPECT_EQ(d[0].dwords, k);
      EXPECT_EQ(d[0].offset, 0u);
      EXPECT_NE(d[0].error.find("truncated"), std::string::npos) << d[0].error;
      EXPECT_NE(d[0].error.find("offset 0"), std::string::npos) << d[0].error;
    }
    // WRITE_LINEAR whose length field (dword 3) is missing.
    const std::vector<uint32_t> wl = {0x00000002, 0x1000, 0};
    auto d = decode_sdma(v, wl);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].name, "WRITE_LINEAR");
    EXPECT_NE(d[0].error.find("truncated"), std::string::npos);
    // A TRAP, then a NOP claiming 100 more dwords with only 4 present.
    const std::vector<uint32_t> nop = {0x00000006, 0x5, 100u << 16, 0, 0, 0, 0};
    d = decode_sdma(v, nop);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_TRUE(d[0].ok());
    EXPECT_EQ(d[1].name, "NOP");
    EXPECT_EQ(d[1].offset, 2u);
    EXPECT_EQ(d[1].dwords, 5u);
    EXPECT_NE(d[1].error.find("needs 101"), std::string::npos) << d[1].error;
    EXPECT_NE(d[1].error.find("offset 2"), std::string::npos) << d[1].error;
  }
}

TEST(SdmaDecode, UnknownOpcodesConsumeOneDword) {
  const std::vector<uint32_t> in = {
      0x000000ff,              // op 255
      0x00000101,              // COPY sub_op 1 (tiled): not decoded here
      0x00000006, 0x00000042,  // TRAP
  };
  const auto d = decode_sdma(SdmaVariant::kSdma6, in);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].name, "UNKNOWN");
  EXPECT_EQ(d[0].dwords, 1u);
  EXPECT_EQ(d[0].opcode, 0xffu);
  EXPECT_NE(d[0].error.find("op=255"), std::string::npos) << d[0].error;
  EXPECT_NE(d[0].error.find("offset 0"), std::string::npos) << d[0].error;
  EXPECT_EQ(d[1].name, "UNKNOWN");
  EXPECT_EQ(d[1].offset, 1u);
  EXPECT_EQ(d[1].opcode, 0x101u);
  EXPECT_NE(d[1].error.find("sub_op=1"), std::string::npos) << d[1].error;
  EXPECT_EQ(d[2].name, "TRAP");
  EXPECT_EQ(d[2].offset, 2u);
  EXPECT_TRUE(d[2].ok());
  EXPECT_EQ(*d[2].field("int_context"), 0x42u);
}

TEST(SdmaDecode, GenerationSpecificFieldsOnlyWhereTheyExist) {
  // The same FENCE dwords decode with mtype on SDMA 5 but not on SDMA 4.
  const std::vector<uint32_t> in = {0x00030005, 0x1000, 0, 1};
  EXPECT_FALSE(decode_sdma(SdmaVariant::kSdma4, in)[0].field("mtype").has_value());
  EXPECT_EQ(decode_sdma(SdmaVariant::kSdma5, in)[0].field("mtype"), 3u);
  // COPY_LINEAR count 0x3FFFFFFF: 22 bits on SDMA 4/5, 30 bits on SDMA 6/7.
  const std::vector<uint32_t> copy = {0x00000001, 0x3fffffff, 0, 0, 0, 0, 0};
  EXPECT_EQ(decode_sdma(SdmaVariant::kSdma5, copy)[0].field("count"), 0x3fffffu);
  EXPECT_EQ(decode_sdma(SdmaVariant::kSdma7, copy)[0].field("count"), 0x3fffffffu);
}

TEST(SdmaDecode, RandomGarbageNeverOverreads) {
  constexpr uint64_t seed = 0x9a7ba9e;
  std::mt19937_64 rng(seed);
  for (SdmaVariant v : kVariants) {
    for (int iter = 0; iter < 300; ++iter) {
      SCOPED_TRACE(fmt::format("seed={:#x} variant={} iter={}", seed, sdma_variant_name(v), iter));
      // Exact-size heap buffer so ASan catches any read past the end.
      std::vector<uint32_t> in(rng() % 200);
      for (auto& d : in) {
        // Bias toward known opcodes so real decoding paths run.
        d = static_cast<uint32_t>(rng());
        if (rng() % 2) d = (d & 0xffff0000u) | static_cast<uint32_t>(rng() % 14);
      }
      const auto out = decode_sdma(v, in);
      size_t pos = 0;
      for (const auto& p : out) {
        EXPECT_EQ(p.offset, pos);
        EXPECT_GE(p.dwords, 1u);
        EXPECT_FALSE(p.name.empty());
        if (p.name == "UNKNOWN") {
          EXPECT_EQ(p.dwords, 1u);
          EXPECT_FALSE(p.ok());
        }
        pos += p.dwords;
      }
      EXPECT_EQ(pos, in.size());
      if (!out.empty() && out.back().error.find("truncated") != std::string::npos) {
        EXPECT_EQ(out.back().offset + out.back().dwords, in.size());
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// COPY_LINEAR_RECT (kernel: COPY_LINEAR_SUBWIN). Widths written out from the headers:
// vega10 z 0x7FF; navi10 and sdma_v6_0_0 z 0x1FFF; x/y 0x3FFF, pitch 0x7FFFF << 13, slice
// 0x0FFFFFFF; ROCr SDMA_PKT_COPY_LINEAR_RECT_GFX12 (SDMA 7): x/y 16, z 14, pitch 16 << 16,
// slice 32 bits.

struct RectFacts {
  unsigned xy, z, pitch, slice;
  bool gfx12;
};

RectFacts rect_facts(SdmaVariant v) {
  switch (v) {
    case SdmaVariant::kSdma4:
      return {14, 11, 19, 28, false};
    case SdmaVariant::kSdma5:
    case SdmaVariant::kSdma6:
      return {14, 13, 19, 28, false};
    case SdmaVariant::kSdma7:
      return {16, 14, 16, 32, true};
  }
  return {};
}

TEST(SdmaGolden, CopyLinearRectSdma4) {
  SdmaCopyLinearRect p;
  p.src_addr = 0x0000'0012'3456'7800;
  p.dst_addr = 0x0000'00ab'cdef'0010;
  p.element = 2;  // dwords
  p.src_offset_x = 3;
  p.src_offset_y = 5;
  p.dst_offset_x = 1;
  p.dst_offset_y = 2;
  p.src_pitch = 64;
  p.dst_pitch = 100;
  p.rect_x = 7;
  p.rect_y = 9;
  p.rect_z = 1;
  const auto dw =
      build([&](PacketStream& s) { return emit_sdma_copy_linear_rect(s, SdmaVariant::kSdma4, p); });
  const std::vector<uint32_t> expected = {
      0x40000401,              // op 1, sub_op 4 (bits 8-15), elementsize 2 (bits 29-31)
      0x34567800, 0x00000012,  // SRC_ADDR_LO/HI
      0x00050003,              // DW_3: src_x 3, src_y 5 << 16
      0x0007e000,              // DW_4: src_z 0, src_pitch (64 - 1) << 13
      0x00000000,              // DW_5: slice pitch unused (rect_z 1)
      0xcdef0010, 0x000000ab,  // DST_ADDR_LO/HI
      0x00020001,              // DW_8: dst_x 1, dst_y 2 << 16
      0x000c6000,              // DW_9: dst_pitch (100 - 1) << 13
      0x00000000,              // DW_10
      0x00080006,              // DW_11: rect_x 7 - 1, (rect_y 9 - 1) << 16
      0x00000000,              // DW_12: rect_z 1 - 1
  };
  EXPECT_EQ(dw, expected);
  ASSERT_EQ(dw.size(), kSdmaCopyLinearRectDwords);

  // tmz (header bit 18), swaps (DW_12 bits 16 and 24), 3-D with the widest vega10 z (11 bits).
  p.tmz = 1;
  p.dst_sw = 2;
  p.src_sw = 1;
  p.rect_z = 1u << 11;
  p.src_offset_z = 0x7ff;
  p.src_slice_pitch = 1u << 28;  // the 28-bit field's maximum
  p.dst_slice_pitch = 0x1000;
  const auto dw3 =
      build([&](PacketStream& s) { return emit_sdma_copy_linear_rect(s, SdmaVariant::kSdma4, p); });
  EXPECT_EQ(dw3[0], 0x40040401u);
  EXPECT_EQ(dw3[4], 0x0007e7ffu);
  EXPECT_EQ(dw3[5], 0x0fffffffu);
  EXPECT_EQ(dw3[10], 0x00000fffu);
  EXPECT_EQ(dw3[12], 0x010207ffu);
}

TEST(SdmaGolden, CopyLinearRectSdma6CachePolicyAndLimits) {
  SdmaCopyLinearRect p;
  p.src_addr = 0x1000;
  p.dst_addr = 0x2000;
  p.element = 4;  // 16-byte elements
  p.cpv = 1;
  p.dst_cache_policy = 5;
  p.src_cache_policy = 3;
  p.src_offset_z = 0x1000;  // needs the 13-bit z of sdma_v6_0_0
  p.src_pitch = 1u << 19;   // 19-bit pitch field's maximum
  p.src_slice_pitch = 1u << 28;
  p.dst_offset_x = 0x3fff;
  p.dst_offset_y = 0x3fff;
  p.dst_pitch = 32;
  p.dst_slice_pitch = 1000;
  p.rect_x = 1u << 14;
  p.rect_y = 1;
  p.rect_z = 4;
  const auto dw =
      build([&](PacketStream& s) { return emit_sdma_copy_linear_rect(s, SdmaVariant::kSdma6, p); });
  const std::vector<uint32_t> expected = {
      0x80080401,              // op 1, sub_op 4, cpv bit 19, elementsize 4
      0x00001000, 0x00000000,  // SRC_ADDR
      0x00000000,              // DW_3
      0xfffff000,              // DW_4: src_z 0x1000, src_pitch 0x7ffff << 13
      0x0fffffff,              // DW_5: src_slice_pitch 2^28 - 1
      0x00002000, 0x00000000,  // DST_ADDR
      0x3fff3fff,              // DW_8: dst_x, dst_y
      0x0003e000,              // DW_9: dst_pitch 31 << 13
      0x000003e7,              // DW_10: dst_slice_pitch 999
      0x00003fff,              // DW_11: rect_x 2^14 - 1, rect_y 0
      0x0c140003,  // DW_12: rect_z 3, dst_cache_policy 5 << 18, src_cache_policy 3 << 26
  };
  EXPECT_EQ(dw, expected);
  // The same src_offset_z does not fit vega10's 11-bit z.
  OwnedPacketStream s(64);
  p.cpv = p.dst_cache_policy = p.src_cache_policy = 0;
  EXPECT_EQ(emit_sdma_copy_linear_rect(s.stream(), SdmaVariant::kSdma4, p).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(emit_sdma_copy_linear_rect(s.stream(), SdmaVariant::kSdma5, p).ok());
}

TEST(SdmaGolden, CopyLinearRectSdma7UsesTheGfx12Layout) {
  SdmaCopyLinearRect p;
  p.src_addr = 0x100;
  p.dst_addr = 0x200;
  p.element = 1;
  p.src_offset_x = 0xffff;
  p.src_offset_y = 0x8000;
  p.src_offset_z = 0x3fff;
  p.src_pitch = 0x10000;
  p.src_slice_pitch = uint64_t{1} << 32;
  p.dst_pitch = 4;
  p.dst_slice_pitch = 16;
  p.rect_x = 0x10000;
  p.rect_y = 2;
  p.rect_z = 0x4000;
  p.dst_cache_policy = 7;
  p.src_cache_policy = 1;
  const auto dw =
      build([&](PacketStream& s) { return emit_sdma_copy_linear_rect(s, SdmaVariant::kSdma7, p); });
  const std::vector<uint32_t> expected = {
      0x20000401,              // op 1, sub_op 4, element 1 << 29
      0x00000100, 0x00000000,  // SRC_ADDR
      0x8000ffff,              // src_offset_x 16 bits, src_offset_y 16 bits
      0xffff3fff,              // src_offset_z 14 bits, src_pitch 0xffff << 16
      0xffffffff,              // src_slice_pitch 32 bits
      0x00000200, 0x00000000,  // DST_ADDR
      0x00000000,              // dst offsets
      0x00030000,              // dst_pitch 3 << 16
      0x0000000f,              // dst_slice_pitch 15
      0x0001ffff,              // rect_x 0xffff, rect_y 1 << 16
      0x10703fff,              // rect_z 0x3fff, dst_cache_policy 7 << 20, src_cache_policy 1 << 28
  };
  EXPECT_EQ(dw, expected);
}

TEST(SdmaRoundTrip, CopyLinearRectEveryVariant) {
  constexpr uint64_t seed = 0x4ec7'0001;
  for (SdmaVariant v : kVariants) {
    std::mt19937_64 rng(seed + static_cast<unsigned>(v));
    const RectFacts rf = rect_facts(v);
    const HeaderFacts hf = facts(v);
    const auto below = [&](unsigned bits) { return rng() & ((uint64_t{1} << bits) - 1); };
    for (int iter = 0; iter < 300; ++iter) {
      SCOPED_TRACE(fmt::format("seed={:#x} variant={} iter={}", seed + static_cast<unsigned>(v),
                               sdma_variant_name(v), iter));
      SdmaCopyLinearRect p;
      p.src_addr = rng() & ~uint64_t{3};
      p.dst_addr = rng() & ~uint64_t{3};
      p.element = static_cast<uint32_t>(rng() % 5);
      p.src_offset_x = static_cast<uint32_t>(below(rf.xy));
      p.src_offset_y = static_cast<uint32_t>(below(rf.xy));
      p.src_offset_z = static_cast<uint32_t>(below(rf.z));
      p.dst_offset_x = static_cast<uint32_t>(below(rf.xy));
      p.dst_offset_y = static_cast<uint32_t>(below(rf.xy));
      p.dst_offset_z = static_cast<uint32_t>(below(rf.z));
      p.src_pitch = below(rf.pitch) + 1;
      p.dst_pitch = below(rf.pitch) + 1;
      p.src_slice_pitch = below(rf.slice) + 1;
      p.dst_slice_pitch = below(rf.slice) + 1;
      p.rect_x = static_cast<uint32_t>(below(rf.xy) + 1);
      p.rect_y = static_cast<uint32_t>(below(rf.xy) + 1);
      p.rect_z = static_cast<uint32_t>(below(rf.z) + 1);
      if (!rf.gfx12) {
        p.tmz = static_cast<uint32_t>(rng() & 1);
        p.dst_sw = static_cast<uint32_t>(rng() & 3);
        p.src_sw = static_cast<uint32_t>(rng() & 3);
      }
      if (hf.cache_policy) {
        if (!rf.gfx12) p.cpv = static_cast<uint32_t>(rng() & 1);
        p.dst_cache_policy = static_cast<uint32_t>(rng() & 7);
        p.src_cache_policy = static_cast<uint32_t>(rng() & 7);
      }
      FieldMap want = {
          {"element", p.element},
          {"src_addr", p.src_addr},
          {"src_offset_x", p.src_offset_x},
          {"src_offset_y", p.src_offset_y},
          {"src_offset_z", p.src_offset_z},
          {"src_pitch", p.src_pitch - 1},
          {"src_slice_pitch", p.src_slice_pitch - 1},
          {"dst_addr", p.dst_addr},
          {"dst_offset_x", p.dst_offset_x},
          {"dst_offset_y", p.dst_offset_y},
          {"dst_offset_z", p.dst_offset_z},
          {"dst_pitch", p.dst_pitch - 1},
          {"dst_slice_pitch", p.dst_slice_pitch - 1},
          {"rect_x", p.rect_x - 1},
          {"rect_y", p.rect_y - 1},
          {"rect_z", p.rect_z - 1},
      };
      if (!rf.gfx12) {
        want["tmz"] = p.tmz;
        want["dst_sw"] = p.dst_sw;
        want["src_sw"] = p.src_sw;
        if (hf.cache_policy) want["cpv"] = p.cpv;
      }
      if (hf.cache_policy) {
        want["dst_cache_policy"] = p.dst_cache_policy;
        want["src_cache_policy"] = p.src_cache_policy;
      }
      const auto dw = build([&](PacketStream& s) { return emit_sdma_copy_linear_rect(s, v, p); });
      ASSERT_EQ(dw.size(), kSdmaCopyLinearRectDwords);
      const auto decoded = decode_sdma(v, dw);
      ASSERT_EQ(decoded.size(), 1u);
      EXPECT_TRUE(decoded[0].ok()) << decoded[0].error;
      EXPECT_EQ(decoded[0].name, "COPY_LINEAR_RECT");
      EXPECT_EQ(decoded[0].opcode, 0x401u);
      EXPECT_EQ(decoded[0].dwords, kSdmaCopyLinearRectDwords);
      EXPECT_EQ(to_map(decoded[0]), want);
    }
  }
}

TEST(SdmaValidation, CopyLinearRectBadFieldsAreNamed) {
  for (SdmaVariant v : kVariants) {
    SCOPED_TRACE(sdma_variant_name(v));
    const RectFacts rf = rect_facts(v);
    const HeaderFacts hf = facts(v);
    const auto ok_rect = [] {
      SdmaCopyLinearRect p;
      p.src_pitch = p.dst_pitch = 16;
      p.rect_x = p.rect_y = p.rect_z = 1;
      return p;
    };
    {
      OwnedPacketStream s(64);
      EXPECT_TRUE(emit_sdma_copy_linear_rect(s.stream(), v, ok_rect()).ok());
    }
    const auto bad = [&](std::string_view field,
                         const std::function<void(SdmaCopyLinearRect&)>& f) {
      expect_bad(v, field, [&](PacketStream& s) {
        SdmaCopyLinearRect p = ok_rect();
        f(p);
        return emit_sdma_copy_linear_rect(s, v, p);
      });
    };
    bad("rect_x", [](SdmaCopyLinearRect& p) { p.rect_x = 0; });
    bad("rect_y", [](SdmaCopyLinearRect& p) { p.rect_y = 0; });
    bad("rect_z", [](SdmaCopyLinearRect& p) { p.rect_z = 0; });
    bad("src_pitch", [](SdmaCopyLinearRect& p) { p.src_pitch = 0; });
    bad("rect_x", [&](SdmaCopyLinearRect& p) { p.rect_x = (1u << rf.xy) + 1; });
    bad("rect_z", [&](SdmaCopyLinearRect& p) {
      p.rect_z = (1u << rf.z) + 1;
      p.src_slice_pitch = p.dst_slice_pitch = 16;
    });
    bad("dst_pitch", [&](SdmaCopyLinearRect& p) { p.dst_pitch = (uint64_t{1} << rf.pitch) + 1; });
    bad("src_slice_pitch",
        [&](SdmaCopyLinearRect& p) { p.src_slice_pitch = (uint64_t{1} << rf.slice) + 1; });
    bad("src_offset_x", [&](SdmaCopyLinearRect& p) { p.src_offset_x = 1u << rf.xy; });
    bad("dst_offset_y", [&](SdmaCopyLinearRect& p) { p.dst_offset_y = 1u << rf.xy; });
    bad("dst_offset_z", [&](SdmaCopyLinearRect& p) {
      p.dst_offset_z = 1u << rf.z;
      p.dst_slice_pitch = 16;
    });
    bad("element", [](SdmaCopyLinearRect& p) { p.element = 5; });
    bad("src_addr", [](SdmaCopyLinearRect& p) { p.src_addr = 0x1002; });
    bad("dst_addr", [](SdmaCopyLinearRect& p) { p.dst_addr = 0x1001; });
    // 3-D copies and z offsets need the slice pitch.
    bad("src_slice_pitch", [](SdmaCopyLinearRect& p) {
      p.rect_z = 2;
      p.dst_slice_pitch = 16;
    });
    bad("dst_slice_pitch", [](SdmaCopyLinearRect& p) { p.dst_offset_z = 1; });
    bad("dst_cache_policy",
        [&](SdmaCopyLinearRect& p) { p.dst_cache_policy = hf.cache_policy ? 8 : 1; });
    bad("cpv", [&](SdmaCopyLinearRect& p) { p.cpv = (hf.cache_policy && !rf.gfx12) ? 2 : 1; });
    bad("tmz", [&](SdmaCopyLinearRect& p) { p.tmz = rf.gfx12 ? 1 : 2; });
    bad("src_sw", [&](SdmaCopyLinearRect& p) { p.src_sw = rf.gfx12 ? 1 : 4; });
  }
}

TEST(SdmaDecode, CopyLinearRectTruncatedAndZWidth) {
  // 13 dwords needed: 12 are a truncated record.
  const std::vector<uint32_t> short_rect = {0x00000401, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto out = decode_sdma(SdmaVariant::kSdma4, short_rect);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "COPY_LINEAR_RECT");
  EXPECT_NE(out[0].error.find("truncated"), std::string::npos) << out[0].error;
  // rect_z bits 0-12 set: 11 bits on vega10, 13 on navi10.
  std::vector<uint32_t> rect(13, 0);
  rect[0] = 0x00000401;
  rect[12] = 0x1fff;
  EXPECT_EQ(decode_sdma(SdmaVariant::kSdma4, rect)[0].field("rect_z"), 0x7ffu);
  EXPECT_EQ(decode_sdma(SdmaVariant::kSdma5, rect)[0].field("rect_z"), 0x1fffu);
}

}  // namespace
}  // namespace amdhal::packets
