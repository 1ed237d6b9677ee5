// PM4 packet layer: round-trip properties (every packet x every family), golden dwords derived
// by hand from the kernel headers, capacity and argument errors, and decoder robustness.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "amdhal/packets/pm4.h"

namespace amdhal::packets {
namespace {

constexpr Pm4Variant kVariants[] = {Pm4Variant::kGfx9, Pm4Variant::kGfx10, Pm4Variant::kGfx11,
                                    Pm4Variant::kGfx12};
constexpr Pm4PacketKind kKinds[] = {Pm4PacketKind::kNop,
                                    Pm4PacketKind::kIndirectBuffer,
                                    Pm4PacketKind::kSetShReg,
                                    Pm4PacketKind::kDispatchDirect,
                                    Pm4PacketKind::kDispatchIndirect,
                                    Pm4PacketKind::kAcquireMem,
                                    Pm4PacketKind::kReleaseMem,
                                    Pm4PacketKind::kWaitRegMem,
                                    Pm4PacketKind::kWaitRegMem64,
                                    Pm4PacketKind::kWriteData,
                                    Pm4PacketKind::kEventWrite,
                                    Pm4PacketKind::kCopyData,
                                    Pm4PacketKind::kDmaData};
constexpr uint32_t kSeed = 0x9E3779B9u;
constexpr int kIterations = 400;

uint64_t mask_of(unsigned width) {
  return width >= 64 ? ~0ull : (1ull << width) - 1;
}

/// Emits into a fresh stream and decodes it; the packet must be the only one and clean.
template <typename P>
DecodedPacket emit_and_decode_one(Pm4Variant v, const P& p, std::vector<uint32_t>* dwords_out) {
  OwnedPacketStream owned(kPm4MaxPacketDwords);
  const Status st = emit(owned.stream(), v, p);
  EXPECT_TRUE(st.ok()) << st.to_string();
  std::vector<uint32_t> dwords(owned.data().begin(), owned.data().end());
  auto decoded = decode_pm4(v, dwords);
  EXPECT_EQ(decoded.size(), 1u);
  if (dwords_out != nullptr) *dwords_out = dwords;
  if (decoded.empty()) return {};
  EXPECT_TRUE(decoded[0].ok()) << decoded[0].error;
  EXPECT_EQ(decoded[0].dwords, dwords.size());
  return decoded[0];
}

// ---------------------------------------------------------------------------------------------
// Round trip: random values for every field of the family's layout -> emit -> decode -> same
// values. Setters map each field name to the struct member (written here from the kernel names,
// so a renamed or missing table field fails the test).

template <typename P>
using Setters = std::map<std::string, std::function<void(P&, uint64_t)>, std::less<>>;
using Values = std::map<std::string, uint64_t, std::less<>>;

#define AMDHAL_SET(P, member)                                                         \
  {                                                                                   \
#member, [](P & p, uint64_t x) { p.member = static_cast<decltype(p.member)>(x); } \
  }

/// Packet-specific constraints that are not bit widths (alignment rules, forms).
using Fixup = std::function<void(Pm4Variant, Values&)>;

template <typename P>
void round_trip(Pm4PacketKind kind, const Setters<P>& setters, const Fixup& fixup = {}) {
  for (Pm4Variant v : kVariants) {
    const auto fields = pm4_packet_fields(v, kind);
    if (fields.empty()) {
      EXPECT_EQ(pm4_packet_dwords(v, kind), 0u);
      continue;
    }
    std::mt19937_64 rng(kSeed + static_cast<uint32_t>(kind) * 131 + static_cast<uint32_t>(v));
    for (int it = 0; it < kIterations; ++it) {
      SCOPED_TRACE(testing::Message() << pm4_packet_name(kind) << " on " << pm4_variant_name(v)
                                      << ", seed " << kSeed << ", iteration " << it);
      Values values;
      for (const Pm4FieldInfo& f : fields) {
        // Mix uniform values with the extremes of each field.
        uint64_t x = rng();
        const uint64_t pick = rng() % 8;
        if (pick == 0) x = 0;
        if (pick == 1) x = ~0ull;
        x &= mask_of(f.width) & ~mask_of(f.align_bits);
        values[std::string(f.name)] = x;
      }
      if (fixup) fixup(v, values);
      P p{};
      // Start from all-zero members so fields the family lacks stay 0.
      for (const auto& [name, set] : setters) set(p, 0);
      for (const auto& [name, x] : values) {
        auto it_set = setters.find(name);
        ASSERT_NE(it_set, setters.end()) << "no struct member for layout field " << name;
        it_set->second(p, x);
      }
      std::vector<uint32_t> dwords;
      DecodedPacket d = emit_and_decode_one(v, p, &dwords);
      ASSERT_EQ(d.name, pm4_packet_name(kind));
      ASSERT_EQ(dwords.size(),
                pm4_packet_dwords(
                    v, kind, kind == Pm4PacketKind::kEventWrite && d.fields.size() == 3 ? 2 : 0));
      size_t expected_fields = 0;
      for (const Pm4FieldInfo& f : fields) {
        const auto got = d.field(f.name);
        if (!got) continue;  // optional tail (EVENT_WRITE short form): checked below
        ++expected_fields;
        EXPECT_EQ(*got, values[std::string(f.name)]) << "field " << f.name;
      }
      EXPECT_EQ(d.fields.size(), expected_fields);
      EXPECT_GE(expected_fields + 1, fields.size());
    }
  }
}

TEST(Pm4RoundTrip, IndirectBuffer) {
  using P = Pm4IndirectBuffer;
  round_trip<P>(Pm4PacketKind::kIndirectBuffer,
                {AMDHAL_SET(P, ib_base), AMDHAL_SET(P, ib_size), AMDHAL_SET(P, chain),
                 AMDHAL_SET(P, valid), AMDHAL_SET(P, vmid), AMDHAL_SET(P, cache_policy)});
}

TEST(Pm4RoundTrip, DispatchDirect) {
  using P = Pm4DispatchDirect;
  round_trip<P>(Pm4PacketKind::kDispatchDirect,
                {AMDHAL_SET(P, dim_x), AMDHAL_SET(P, dim_y), AMDHAL_SET(P, dim_z),
                 AMDHAL_SET(P, dispatch_initiator)},
                [](Pm4Variant v, Values& x) {
                  if (v == Pm4Variant::kGfx9) x["dispatch_initiator"] &= ~kDispatchInitiatorCsW32En;
                });
}

TEST(Pm4RoundTrip, DispatchIndirect) {
  using P = Pm4DispatchIndirect;
  round_trip<P>(Pm4PacketKind::kDispatchIndirect,
                {AMDHAL_SET(P, address), AMDHAL_SET(P, dispatch_initiator)},
                [](Pm4Variant v, Values& x) {
                  if (v == Pm4Variant::kGfx9) x["dispatch_initiator"] &= ~kDispatchInitiatorCsW32En;
                });
}

TEST(Pm4RoundTrip, AcquireMem) {
  using P = Pm4AcquireMem;
  round_trip<P>(Pm4PacketKind::kAcquireMem,
                {AMDHAL_SET(P, coher_cntl), AMDHAL_SET(P, engine_sel), AMDHAL_SET(P, coher_size),
                 AMDHAL_SET(P, coher_base), AMDHAL_SET(P, poll_interval), AMDHAL_SET(P, gcr_cntl)});
}

TEST(Pm4RoundTrip, ReleaseMem) {
  using P = Pm4ReleaseMem;
  round_trip<P>(Pm4PacketKind::kReleaseMem,
                {AMDHAL_SET(P, event_type),
                 AMDHAL_SET(P, event_index),
                 AMDHAL_SET(P, tcl1_vol_action_ena),
                 AMDHAL_SET(P, tc_vol_action_ena),
                 AMDHAL_SET(P, tc_wb_action_ena),
                 AMDHAL_SET(P, tcl1_action_ena),
                 AMDHAL_SET(P, tc_action_ena),
                 AMDHAL_SET(P, tc_nc_action_ena),
                 AMDHAL_SET(P, tc_wc_action_ena),
                 AMDHAL_SET(P, tc_md_action_ena),
                 AMDHAL_SET(P, gcr_glm_wb),
                 AMDHAL_SET(P, gcr_glm_inv),
                 AMDHAL_SET(P, gcr_glv_inv),
                 AMDHAL_SET(P, gcr_gl1_inv),
                 AMDHAL_SET(P, gcr_gl2_us),
                 AMDHAL_SET(P, gcr_gl2_range),
                 AMDHAL_SET(P, gcr_gl2_discard),
                 AMDHAL_SET(P, gcr_gl2_inv),
                 AMDHAL_SET(P, gcr_gl2_wb),
                 AMDHAL_SET(P, gcr_seq),
                 AMDHAL_SET(P, cache_policy),
                 AMDHAL_SET(P, dst_sel),
                 AMDHAL_SET(P, int_sel),
                 AMDHAL_SET(P, data_sel),
                 AMDHAL_SET(P, address),
                 AMDHAL_SET(P, data),
                 AMDHAL_SET(P, int_ctxid)},
                [](Pm4Variant, Values& x) {
                  const uint64_t sel = x["data_sel"];
                  if (sel == 2 || sel == 3 || sel == 4) x["address"] &= ~7ull;
                });
}

const Fixup kPollAddrFixup = [](Pm4Variant, Values& x) {
  // Register space: two 18-bit registers; memory space: aligned (8 bytes covers both packets).
  if (x["mem_space"] == kPm4SpaceRegister) x["poll_addr"] &= 0x0003FFFF0003FFFFull;
  if (x["mem_space"] == kPm4SpaceMemory) x["poll_addr"] &= ~7ull;
};

TEST(Pm4RoundTrip, WaitRegMem) {
  using P = Pm4WaitRegMem;
  round_trip<P>(Pm4PacketKind::kWaitRegMem,
                {AMDHAL_SET(P, function), AMDHAL_SET(P, mem_space), AMDHAL_SET(P, operation),
                 AMDHAL_SET(P, engine_sel), AMDHAL_SET(P, cache_policy), AMDHAL_SET(P, poll_addr),
                 AMDHAL_SET(P, reference), AMDHAL_SET(P, mask), AMDHAL_SET(P, poll_interval)},
                kPollAddrFixup);
}

TEST(Pm4RoundTrip, WaitRegMem64) {
  using P = Pm4WaitRegMem64;
  round_trip<P>(Pm4PacketKind::kWaitRegMem64,
                {AMDHAL_SET(P, function), AMDHAL_SET(P, mem_space), AMDHAL_SET(P, operation),
                 AMDHAL_SET(P, engine_sel), AMDHAL_SET(P, cache_policy), AMDHAL_SET(P, poll_addr),
                 AMDHAL_SET(P, reference), AMDHAL_SET(P, mask), AMDHAL_SET(P, poll_interval)},
                kPollAddrFixup);
}

TEST(Pm4RoundTrip, EventWrite) {
  using P = Pm4EventWrite;
  round_trip<P>(Pm4PacketKind::kEventWrite,
                {AMDHAL_SET(P, event_type), AMDHAL_SET(P, event_index), AMDHAL_SET(P, address)},
                [](Pm4Variant, Values& x) {
                  // Only event indices 1-3 carry an address.
                  if (x["event_index"] < 1 || x["event_index"] > 3) x["address"] = 0;
                });
}

TEST(Pm4RoundTrip, CopyData) {
  using P = Pm4CopyData;
  round_trip<P>(
      Pm4PacketKind::kCopyData,
      {AMDHAL_SET(P, src_sel), AMDHAL_SET(P, dst_sel), AMDHAL_SET(P, src_cache_policy),
       AMDHAL_SET(P, count_sel), AMDHAL_SET(P, wr_confirm), AMDHAL_SET(P, dst_cache_policy),
       AMDHAL_SET(P, engine_sel), AMDHAL_SET(P, src_addr), AMDHAL_SET(P, dst_addr)});
}

TEST(Pm4RoundTrip, DmaData) {
  using P = Pm4DmaData;
  round_trip<P>(
      Pm4PacketKind::kDmaData,
      {AMDHAL_SET(P, engine_sel), AMDHAL_SET(P, src_cache_policy), AMDHAL_SET(P, src_volatile),
       AMDHAL_SET(P, dst_sel), AMDHAL_SET(P, dst_cache_policy), AMDHAL_SET(P, dst_volatile),
       AMDHAL_SET(P, src_sel), AMDHAL_SET(P, cp_sync), AMDHAL_SET(P, src_addr),
       AMDHAL_SET(P, dst_addr), AMDHAL_SET(P, byte_count), AMDHAL_SET(P, dis_wc),
       AMDHAL_SET(P, src_swap), AMDHAL_SET(P, dst_swap), AMDHAL_SET(P, sas), AMDHAL_SET(P, das),
       AMDHAL_SET(P, saic), AMDHAL_SET(P, daic), AMDHAL_SET(P, raw_wait)});
}

// Golden: a CP DMA copy as the kernel's gfx_v9_0 GDS clear / amdgpu_test gfx_ring_copy_linear
// write it: PACKET3(PACKET3_DMA_DATA, 5) = 0xC0055000; CONTROL = CP_SYNC (1 << 31) |
// DST_SEL(0) | SRC_SEL(0) = 0x80000000; src lo/hi; dst lo/hi; BYTE_COUNT.
TEST(Pm4Golden, DmaDataCopyGfx9) {
  std::array<uint32_t, 16> storage{};
  PacketStream s(storage);
  Pm4DmaData p;
  p.dst_sel = kPm4DmaSelAddress;
  p.src_sel = kPm4DmaSelAddress;
  p.src_addr = 0x0000123456789000ull;
  p.dst_addr = 0x0000000ABCDEF000ull;
  p.byte_count = 0x1FFFFC;
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx9, p).ok());
  const uint32_t want[] = {0xC0055000u, 0x80000000u, 0x56789000u, 0x00001234u,
                           0xBCDEF000u, 0x0000000Au, 0x001FFFFCu};
  ASSERT_EQ(s.size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(s.data()[i], want[i]) << "dword " << i;
}

// Golden: a CP DMA fill (SRC_SEL(2) DATA, DST_SEL(3) L2) on gfx11: CONTROL = CP_SYNC | 3 << 20 |
// 2 << 29 = 0xC0300000; the fill dword; 0; dst lo/hi; a 26-bit BYTE_COUNT (0x3FFFFFC fits only
// on gfx10+).
TEST(Pm4Golden, DmaDataFillGfx11AndCountWidth) {
  std::array<uint32_t, 16> storage{};
  PacketStream s(storage);
  Pm4DmaData p;
  p.src_sel = kPm4DmaSelData;
  p.src_addr = 0xDEADBEEF;
  p.dst_addr = 0x7000;
  p.byte_count = 0x3FFFFFC;
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx11, p).ok());
  const uint32_t want[] = {0xC0055000u, 0xC0300000u, 0xDEADBEEFu, 0u, 0x7000u, 0u, 0x03FFFFFCu};
  ASSERT_EQ(s.size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(s.data()[i], want[i]) << "dword " << i;
  PacketStream s9(storage);
  Status st = emit(s9, Pm4Variant::kGfx9, p);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("byte_count"), std::string::npos) << st.message();
  EXPECT_EQ(s9.size(), 0u);
}

// Variable-length packets: random lengths and payloads.
TEST(Pm4RoundTrip, WriteData) {
  for (Pm4Variant v : kVariants) {
    std::mt19937_64 rng(kSeed + 7 + static_cast<uint32_t>(v));
    for (int it = 0; it < kIterations; ++it) {
      SCOPED_TRACE(testing::Message()
                   << pm4_variant_name(v) << ", seed " << kSeed + 7 << ", iteration " << it);
      std::vector<uint32_t> data(1 + rng() % (it % 10 == 0 ? 2000 : 8));
      for (auto& d : data) d = static_cast<uint32_t>(rng());
      Pm4WriteData p;
      p.dst_sel = static_cast<uint32_t>(rng() % 16);
      p.addr_incr = static_cast<uint32_t>(rng() % 2);
      p.wr_confirm = static_cast<uint32_t>(rng() % 2);
      p.cache_policy = static_cast<uint32_t>(rng() % 4);
      p.engine_sel = static_cast<uint32_t>(rng() % 4);
      p.dst_addr = rng() & ~3ull;
      p.data = data;
      std::vector<uint32_t> dwords;
      DecodedPacket d = emit_and_decode_one(v, p, &dwords);
      ASSERT_EQ(d.name, "WRITE_DATA");
      EXPECT_EQ(dwords.size(), 4 + data.size());
      EXPECT_EQ(dwords.size(), pm4_packet_dwords(v, p));
      EXPECT_EQ(d.field("dst_sel"), p.dst_sel);
      EXPECT_EQ(d.field("addr_incr"), p.addr_incr);
      EXPECT_EQ(d.field("wr_confirm"), p.wr_confirm);
      EXPECT_EQ(d.field("cache_policy"), p.cache_policy);
      EXPECT_EQ(d.field("engine_sel"), p.engine_sel);
      EXPECT_EQ(d.field("dst_addr"), p.dst_addr);
      ASSERT_EQ(d.fields.size(), 6 + data.size());
      for (size_t i = 0; i < data.size(); ++i) {
        ASSERT_EQ(d.fields[6 + i].name, "data" + std::to_string(i));
        ASSERT_EQ(d.fields[6 + i].value, data[i]) << "data dword " << i;
      }
    }
  }
}

TEST(Pm4RoundTrip, SetShReg) {
  for (Pm4Variant v : kVariants) {
    std::mt19937_64 rng(kSeed + 11 + static_cast<uint32_t>(v));
    for (int it = 0; it < kIterations; ++it) {
      SCOPED_TRACE(testing::Message()
                   << pm4_variant_name(v) << ", seed " << kSeed + 11 << ", iteration " << it);
      const uint32_t reg = kPm4ShRegBase + static_cast<uint32_t>(rng() % 0x400);
      const size_t room = kPm4ShRegEnd - reg;
      std::vector<uint32_t> values(1 + rng() % std::min<size_t>(room, 24));
      for (auto& x : values) x = static_cast<uint32_t>(rng());
      const Pm4SetShReg p{reg, values};
      std::vector<uint32_t> dwords;
      DecodedPacket d = emit_and_decode_one(v, p, &dwords);
      ASSERT_EQ(d.name, "SET_SH_REG");
      EXPECT_EQ(dwords.size(), pm4_packet_dwords(v, p));
      EXPECT_EQ(d.field("reg_offset"), reg - kPm4ShRegBase);
      ASSERT_EQ(d.fields.size(), 1 + values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(d.fields[1 + i].value, values[i]) << "value " << i;
      }
    }
  }
}

TEST(Pm4RoundTrip, Nop) {
  for (Pm4Variant v : kVariants) {
    for (uint32_t n : {1u, 2u, 3u, 17u, 0x3FFFu, 0x4000u}) {
      SCOPED_TRACE(testing::Message() << pm4_variant_name(v) << ", NOP of " << n);
      std::vector<uint32_t> dwords;
      DecodedPacket d = emit_and_decode_one(v, Pm4Nop{n}, &dwords);
      EXPECT_EQ(d.name, "NOP");
      EXPECT_EQ(dwords.size(), n);
      EXPECT_EQ(d.field("dwords"), n);
      EXPECT_EQ(pm4_packet_dwords(v, Pm4Nop{n}), n);
    }
  }
}

// The tables themselves: unique names, no two fields share a bit, every field inside the packet.
TEST(Pm4Tables, FieldsAreDisjointAndInsideThePacket) {
  for (Pm4Variant v : kVariants) {
    for (Pm4PacketKind kind : kKinds) {
      SCOPED_TRACE(testing::Message() << pm4_packet_name(kind) << " on " << pm4_variant_name(v));
      const auto fields = pm4_packet_fields(v, kind);
      const size_t max_dwords = pm4_packet_dwords(v, kind, 2);
      std::set<std::string_view> names;
      std::map<unsigned, uint64_t> used;  // dword -> bits
      for (const Pm4FieldInfo& f : fields) {
        EXPECT_TRUE(names.insert(f.name).second) << "duplicate field " << f.name;
        EXPECT_GE(f.dword, 1u);
        if (f.width > 32) {
          EXPECT_EQ(f.shift, 0u) << f.name;
          EXPECT_LT(f.dword + 1u, std::max<size_t>(max_dwords, 3)) << f.name;
          for (unsigned d : {unsigned(f.dword), unsigned(f.dword) + 1}) {
            const uint64_t bits = d == f.dword ? 0xFFFFFFFFull : mask_of(f.width - 32);
            EXPECT_EQ(used[d] & bits, 0u) << f.name << " overlaps in dword " << d;
            used[d] |= bits;
          }
        } else {
          ASSERT_LE(f.shift + f.width, 32u) << f.name;
          EXPECT_LT(f.dword, std::max<size_t>(max_dwords, 2)) << f.name;
          const uint64_t bits = mask_of(f.width) << f.shift;
          EXPECT_EQ(used[f.dword] & bits, 0u) << f.name << " overlaps";
          used[f.dword] |= bits;
        }
      }
    }
  }
}

// What differs per family is where the tables say it does.
TEST(Pm4Tables, FamilyDifferences) {
  EXPECT_EQ(pm4_packet_dwords(Pm4Variant::kGfx9, Pm4PacketKind::kAcquireMem), 7u);
  for (Pm4Variant v : {Pm4Variant::kGfx10, Pm4Variant::kGfx11, Pm4Variant::kGfx12}) {
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kAcquireMem), 8u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kWaitRegMem64), 9u);
    EXPECT_EQ(pm4_compute_regs(v).pgm_rsrc3, 0x2E28u);
  }
  EXPECT_EQ(pm4_packet_dwords(Pm4Variant::kGfx9, Pm4PacketKind::kWaitRegMem64), 0u);
  EXPECT_EQ(pm4_compute_regs(Pm4Variant::kGfx9).pgm_rsrc3, 0x2E2Du);
  for (Pm4Variant v : kVariants) {
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kReleaseMem), 8u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kWaitRegMem), 7u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kIndirectBuffer), 4u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kDispatchDirect), 5u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kDispatchIndirect), 4u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kCopyData), 6u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kEventWrite), 2u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kEventWrite, 2), 4u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kSetShReg, 3), 5u);
    EXPECT_EQ(pm4_packet_dwords(v, Pm4PacketKind::kWriteData, 2), 6u);
  }
  EXPECT_FALSE(pm4_dispatch_initiator(Pm4Variant::kGfx9, true).ok());
  EXPECT_EQ(pm4_dispatch_initiator(Pm4Variant::kGfx9, false).value(), 0x5u);
  EXPECT_EQ(pm4_dispatch_initiator(Pm4Variant::kGfx11, true).value(), 0x8005u);
}

// ---------------------------------------------------------------------------------------------
// Golden packets: dwords derived by hand from the cited headers.

std::vector<uint32_t> emitted(Pm4Variant v, const auto& p) {
  OwnedPacketStream owned(64);
  const Status st = emit(owned.stream(), v, p);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return {owned.data().begin(), owned.data().end()};
}

std::vector<uint32_t> emitted_one(Pm4Variant v, const auto& p) {
  return emitted(v, p);
}

TEST(Pm4Golden, ReleaseMemGfx9FenceWithInterrupt) {
  // gfx_v9_0_ring_emit_fence, 64-bit seq with interrupt:
  // EOP_TCL1_ACTION_EN | EOP_TC_ACTION_EN | EOP_TC_WB_ACTION_EN | EOP_TC_MD_ACTION_EN.
  Pm4ReleaseMem p;
  p.tcl1_action_ena = p.tc_action_ena = p.tc_wb_action_ena = p.tc_md_action_ena = 1;
  p.data_sel = kPm4DataSel64;
  p.int_sel = kPm4IntSelAfterWriteConfirm;
  p.address = 0x00007FFF12345678ull;
  p.data = 0x1122334455667788ull;
  p.int_ctxid = 42;
  const std::vector<uint32_t> want = {
      0xC0064900,  // 3 << 30 | count 6 << 16 | RELEASE_MEM 0x49 << 8
      0x00238514,  // EVENT_TYPE 0x14 | EVENT_INDEX 5 << 8 (0x500) | TC_WB 1 << 15 (0x8000)
                   // | TCL1 1 << 16 | TC 1 << 17 (0x30000) | TC_MD 1 << 21 (0x200000)
      0x42000000,  // DATA_SEL 2 << 29 (0x40000000) | INT_SEL 2 << 24 (0x02000000)
      0x12345678,  // address lo
      0x00007FFF,  // address hi
      0x55667788,  // data lo
      0x11223344,  // data hi
      0x0000002A,  // int_ctxid 42
  };
  EXPECT_EQ(emitted(Pm4Variant::kGfx9, p), want);
}

TEST(Pm4Golden, ReleaseMemGfx11Fence32) {
  // gfx_v11_0_ring_emit_fence, 32-bit seq, no interrupt: GCR_SEQ | GCR_GL2_WB | GCR_GLM_INV |
  // GCR_GLM_WB | CACHE_POLICY(3) | EVENT_TYPE(0x14) | EVENT_INDEX(5) (nvd.h shifts).
  Pm4ReleaseMem p;
  p.gcr_seq = p.gcr_gl2_wb = p.gcr_glm_inv = p.gcr_glm_wb = 1;
  p.cache_policy = 3;
  p.data_sel = kPm4DataSel32;
  p.address = 0x1000;
  p.data = 7;
  const std::vector<uint32_t> want = {
      0xC0064900,  // PACKET3(RELEASE_MEM, 6)
      0x06603514,  // 0x14 | 0x500 | GLM_WB 0x1000 | GLM_INV 0x2000 | GL2_WB 0x200000
                   // | SEQ 0x400000 | CACHE_POLICY 3 << 25 (0x06000000)
      0x20000000,  // DATA_SEL 1 << 29
      0x00001000,
      0x00000000,
      0x00000007,
      0x00000000,
      0x00000000,
  };
  for (Pm4Variant v : {Pm4Variant::kGfx10, Pm4Variant::kGfx11, Pm4Variant::kGfx12}) {
    EXPECT_EQ(emitted(v, p), want) << pm4_variant_name(v);
  }
}

TEST(Pm4Golden, AcquireMemGfx9) {
  // soc15d.h: 7 dwords, CP_COHER_CNTL first. SH_ICACHE 1 << 29 | SH_KCACHE 1 << 27 |
  // TC_ACTION 1 << 23 | TCL1_ACTION 1 << 22 | TC_WB 1 << 18 = 0x28C40000.
  Pm4AcquireMem p;
  p.coher_cntl = kCoherCntlShIcacheActionEna | kCoherCntlShKcacheActionEna | kCoherCntlTcActionEna |
                 kCoherCntlTcl1ActionEna | kCoherCntlTcWbActionEna;
  const std::vector<uint32_t> want = {
      0xC0055800,  // PACKET3(ACQUIRE_MEM 0x58, 5)
      0x28C40000,  // COHER_CNTL
      0xFFFFFFFF,  // COHER_SIZE (the kernel's full range)
      0x00FFFFFF,  // COHER_SIZE_HI [23:0]
      0x00000000,  // COHER_BASE_LO
      0x00000000,  // COHER_BASE_HI
      0x0000000A,  // POLL_INTERVAL
  };
  EXPECT_EQ(emitted(Pm4Variant::kGfx9, p), want);
}

TEST(Pm4Golden, AcquireMemGfx10Plus) {
  // gfx_v10/11_0_emit_mem_sync: 8 dwords, GCR_CNTL last. GLI_INV(1) 0x1 | GLM_WB 0x10 |
  // GLM_INV 0x20 | GLK_INV 0x80 | GLV_INV 0x100 | GL1_INV 0x200 | GL2_INV 0x4000 |
  // GL2_WB 0x8000 = 0xC3B1.
  Pm4AcquireMem p;
  p.gcr_cntl = kGcrGliInvAll | kGcrGlmWb | kGcrGlmInv | kGcrGlkInv | kGcrGlvInv | kGcrGl1Inv |
               kGcrGl2Inv | kGcrGl2Wb;
  const std::vector<uint32_t> want = {0xC0065800, 0x00000000, 0xFFFFFFFF, 0x00FFFFFF,
                                      0x00000000, 0x00000000, 0x0000000A, 0x0000C3B1};
  for (Pm4Variant v : {Pm4Variant::kGfx10, Pm4Variant::kGfx11, Pm4Variant::kGfx12}) {
    EXPECT_EQ(emitted(v, p), want) << pm4_variant_name(v);
  }
}

TEST(Pm4Golden, WaitRegMemMemoryGeq) {
  Pm4WaitRegMem p;  // defaults: memory space, >=, mask all, poll interval 4
  p.poll_addr = 0x00007F0000000040ull;
  p.reference = 0x10;
  const std::vector<uint32_t> want = {
      0xC0053C00,              // PACKET3(WAIT_REG_MEM 0x3C, 5)
      0x00000015,              // FUNCTION 5 (>=) | MEM_SPACE 1 << 4
      0x00000040, 0x00007F00,  // poll address lo / hi
      0x00000010,              // reference
      0xFFFFFFFF,              // mask
      0x00000004,              // POLL_INTERVAL
  };
  for (Pm4Variant v : kVariants) EXPECT_EQ(emitted(v, p), want) << pm4_variant_name(v);
}

TEST(Pm4Golden, WaitRegMem64) {
  Pm4WaitRegMem64 p;
  p.function = kPm4WaitEqual;
  p.poll_addr = 0x2000;
  p.reference = 0x0000000500000006ull;
  const std::vector<uint32_t> want = {
      0xC0079300,              // PACKET3(WAIT_REG_MEM64 0x93, 7)
      0x00000013,              // FUNCTION 3 (==) | MEM_SPACE 1 << 4
      0x00002000, 0x00000000,  // address
      0x00000006, 0x00000005,  // reference lo / hi
      0xFFFFFFFF, 0xFFFFFFFF,  // mask lo / hi
      0x00000004,              // poll interval
  };
  EXPECT_EQ(emitted(Pm4Variant::kGfx11, p), want);
}

TEST(Pm4Golden, IndirectBufferAsTheKernelEmitsIt) {
  // gfx_v9/10_0_ring_emit_ib_compute: INDIRECT_BUFFER_VALID | length_dw | (vmid << 24).
  const Pm4IndirectBuffer p{.ib_base = 0x100000100ull, .ib_size = 16};
  const std::vector<uint32_t> want = {0xC0023F00, 0x00000100, 0x00000001, 0x00800010};
  for (Pm4Variant v : kVariants) EXPECT_EQ(emitted(v, p), want) << pm4_variant_name(v);
}

TEST(Pm4Golden, SetShRegDispatchDirectNopEventWrite) {
  const uint32_t pgm[] = {0x12345678, 0x9A};
  EXPECT_EQ(emitted(Pm4Variant::kGfx11, Pm4SetShReg{kRegComputePgmLo, pgm}),
            (std::vector<uint32_t>{0xC0027600,  // PACKET3(SET_SH_REG 0x76, 2)
                                   0x0000020C,  // 0x2E0C - 0x2C00
                                   0x12345678, 0x0000009A}));
  Pm4DispatchDirect dd{4, 2, 1, pm4_dispatch_initiator(Pm4Variant::kGfx11, true).value()};
  EXPECT_EQ(
      emitted(Pm4Variant::kGfx11, dd),
      (std::vector<uint32_t>{0xC0031500,              // PACKET3(DISPATCH_DIRECT 0x15, 3)
                             4, 2, 1, 0x00008005}));  // COMPUTE_SHADER_EN | FORCE_START | CS_W32_EN
  EXPECT_EQ(emitted(Pm4Variant::kGfx9, Pm4Nop{1}), (std::vector<uint32_t>{0xFFFF1000}));
  EXPECT_EQ(emitted(Pm4Variant::kGfx9, Pm4Nop{3}),
            (std::vector<uint32_t>{0xC0011000, 0, 0}));  // PACKET3(NOP, 1) + 2 payload dwords
  EXPECT_EQ(emitted(Pm4Variant::kGfx10, Pm4EventWrite{}),
            (std::vector<uint32_t>{0xC0004600,     // PACKET3(EVENT_WRITE 0x46, 0)
                                   0x00000407}));  // CS_PARTIAL_FLUSH 7 | EVENT_INDEX 4 << 8
  const Pm4EventWrite stat{
      .event_type = 0x1F /* SAMPLE_PIPELINESTAT */, .event_index = 2, .address = 0x1008};
  EXPECT_EQ(emitted(Pm4Variant::kGfx10, stat),
            (std::vector<uint32_t>{0xC0024600, 0x0000021F, 0x00001008, 0}));
}

TEST(Pm4Golden, WriteDataCopyDataDispatchIndirect) {
  const uint32_t seq = 0xCAFE;
  // gfx_v9_0_ring_emit_fence_kiq: WRITE_DATA_ENGINE_SEL(0) | WRITE_DATA_DST_SEL(5) | WR_CONFIRM.
  Pm4WriteData wd;
  wd.dst_addr = 0x123456780ull;
  wd.data = std::span(&seq, 1);
  EXPECT_EQ(emitted(Pm4Variant::kGfx9, wd),
            (std::vector<uint32_t>{0xC0033700,  // PACKET3(WRITE_DATA 0x37, 3)
                                   0x00100500,  // DST_SEL 5 << 8 | WR_CONFIRM 1 << 20
                                   0x23456780, 0x00000001, 0x0000CAFE}));
  // GPU timestamp to memory: SRC_SEL 9 | DST_SEL 5 << 8 | COUNT_SEL 1 << 16 | WR_CONFIRM 1 << 20.
  Pm4CopyData cd;
  cd.src_sel = kPm4CopySrcGpuClock;
  cd.count_sel = 1;
  cd.dst_addr = 0x8000;
  EXPECT_EQ(emitted(Pm4Variant::kGfx12, cd),
            (std::vector<uint32_t>{0xC0044000, 0x00110509, 0, 0, 0x00008000, 0}));
  Pm4DispatchIndirect di{.address = 0x4000, .dispatch_initiator = 1};
  EXPECT_EQ(emitted(Pm4Variant::kGfx9, di),
            (std::vector<uint32_t>{0xC0021600, 0x00004000, 0, 1}));  // PACKET3(0x16, 2)
}

TEST(Pm4Golden, DispatchSetupUsesTheFamilysRsrc3Register) {
  const uint32_t user[] = {0x1000, 0x7F};
  Pm4DispatchSetup d;
  d.code_address = 0x7F0000001100ull;
  d.pgm_rsrc1 = 0x11;
  d.pgm_rsrc2 = 0x22;
  d.pgm_rsrc3 = 0x33;
  d.tmpring_size = 0x44;
  d.resource_limits = 0x55;
  d.workgroup_size = {64, 2, 1};
  d.user_data = user;
  for (Pm4Variant v : kVariants) {
    SCOPED_TRACE(pm4_variant_name(v));
    OwnedPacketStream owned(128);
    ASSERT_TRUE(emit_dispatch_setup(owned.stream(), v, d).ok());
    EXPECT_EQ(owned.data().size(), pm4_dispatch_setup_dwords(v, d));
    const auto packets = decode_pm4(v, owned.data());
    ASSERT_EQ(packets.size(), 8u);
    for (const auto& p : packets) {
      EXPECT_TRUE(p.ok()) << p.error;
      EXPECT_EQ(p.name, "SET_SH_REG");
    }
    EXPECT_EQ(packets[0].field("reg_offset"), 0x20Cu);
    // 0x7F0000001100 >> 8 = 0x7F_00000011: PGM_LO low 32 bits, PGM_HI the 8 above.
    EXPECT_EQ(packets[0].field("compute_pgm_lo"), 0x00000011u);
    EXPECT_EQ(packets[0].field("compute_pgm_hi"), 0x7Fu);
    EXPECT_EQ(packets[1].field("compute_pgm_rsrc1"), 0x11u);
    EXPECT_EQ(packets[1].field("compute_pgm_rsrc2"), 0x22u);
    EXPECT_EQ(packets[2].field("reg_offset"), v == Pm4Variant::kGfx9 ? 0x22Du : 0x228u);
    EXPECT_EQ(packets[2].field("compute_pgm_rsrc3"), 0x33u);
    EXPECT_EQ(packets[3].field("compute_tmpring_size"), 0x44u);
    EXPECT_EQ(packets[4].field("compute_restart_z"), 0u);
    EXPECT_EQ(packets[5].field("compute_user_data_0"), 0x1000u);
    EXPECT_EQ(packets[5].field("compute_user_data_1"), 0x7Fu);
    EXPECT_EQ(packets[6].field("compute_resource_limits"), 0x55u);
    EXPECT_EQ(packets[7].field("compute_num_thread_x"), 64u);
    EXPECT_EQ(packets[7].field("compute_num_thread_y"), 2u);
    EXPECT_EQ(packets[7].field("compute_start_x"), 0u);
  }
}

// ---------------------------------------------------------------------------------------------
// Capacity: a packet that does not fit writes nothing and leaves the storage untouched.

constexpr uint32_t kSentinel = 0xDEADBEEF;

TEST(Pm4Capacity, TooSmallStreamWritesNothing) {
  for (Pm4Variant v : kVariants) {
    std::vector<uint32_t> storage(9, kSentinel);
    PacketStream s(storage);
    ASSERT_TRUE(emit(s, v, Pm4Nop{2}).ok());  // 2 used, 7 left; RELEASE_MEM needs 8
    const Status st = emit(s, v, Pm4ReleaseMem{});
    EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.to_string();
    EXPECT_EQ(s.size(), 2u);
    for (size_t i = 2; i < storage.size(); ++i) EXPECT_EQ(storage[i], kSentinel) << i;
    // A 7-dword packet still fits exactly.
    EXPECT_TRUE(emit(s, v, Pm4WaitRegMem{}).ok());
    EXPECT_EQ(s.size(), 9u);
    EXPECT_EQ(emit(s, v, Pm4Nop{1}).code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(s.size(), 9u);
  }
}

TEST(Pm4Capacity, DispatchSetupIsAllOrNothing) {
  Pm4DispatchSetup d;
  d.code_address = 0x1000;
  const size_t need = pm4_dispatch_setup_dwords(Pm4Variant::kGfx11, d);
  std::vector<uint32_t> storage(need - 1, kSentinel);
  PacketStream s(storage);
  EXPECT_EQ(emit_dispatch_setup(s, Pm4Variant::kGfx11, d).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(
      std::all_of(storage.begin(), storage.end(), [](uint32_t x) { return x == kSentinel; }));
  std::vector<uint32_t> exact(need, kSentinel);
  PacketStream s2(exact);
  EXPECT_TRUE(emit_dispatch_setup(s2, Pm4Variant::kGfx11, d).ok());
  EXPECT_EQ(s2.size(), need);
}

TEST(Pm4Capacity, VariableLengthPacketsCheckTheirWholeLength) {
  std::vector<uint32_t> data(10, 1);
  std::vector<uint32_t> storage(13, kSentinel);  // WRITE_DATA of 10 needs 14
  PacketStream s(storage);
  Pm4WriteData wd;
  wd.data = data;
  EXPECT_EQ(emit(s, Pm4Variant::kGfx9, wd).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(emit(s, Pm4Variant::kGfx9, Pm4Nop{14}).code(), StatusCode::kResourceExhausted);
  const std::vector<uint32_t> twelve(12, 2);  // SET_SH_REG of 12 values needs 14
  EXPECT_EQ(emit(s, Pm4Variant::kGfx9, Pm4SetShReg{kRegComputeUserData0, twelve}).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(
      std::all_of(storage.begin(), storage.end(), [](uint32_t x) { return x == kSentinel; }));
}

// ---------------------------------------------------------------------------------------------
// Bad field values: kInvalidArgument naming the field, nothing written.

template <typename P>
void expect_rejected(Pm4Variant v, const P& p, StatusCode code, std::string_view must_mention) {
  std::vector<uint32_t> storage(0x4100, kSentinel);
  PacketStream s(storage);
  const Status st = emit(s, v, p);
  EXPECT_EQ(st.code(), code) << st.to_string();
  EXPECT_NE(st.message().find(must_mention), std::string::npos)
      << "message \"" << st.message() << "\" does not mention " << must_mention;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(storage[0], kSentinel);
}

TEST(Pm4BadFields, ValuesThatDoNotFit) {
  const auto bad = StatusCode::kInvalidArgument;
  Pm4ReleaseMem rm;
  rm.event_type = 64;  // 6 bits
  expect_rejected(Pm4Variant::kGfx9, rm, bad, "event_type");
  rm = {};
  rm.int_sel = 8;  // 3 bits
  expect_rejected(Pm4Variant::kGfx11, rm, bad, "int_sel");
  rm = {};
  rm.gcr_seq = 4;  // 2 bits
  expect_rejected(Pm4Variant::kGfx10, rm, bad, "gcr_seq");
  rm = {};
  rm.address = 0x1004;  // 64-bit data needs 8-byte alignment
  expect_rejected(Pm4Variant::kGfx12, rm, bad, "address");
  rm.data_sel = kPm4DataSel32;
  rm.address = 0x1002;  // 32-bit data needs 4-byte alignment
  expect_rejected(Pm4Variant::kGfx12, rm, bad, "address");

  Pm4AcquireMem am;
  am.coher_size = 1ull << 56;  // 32 + 24 bits
  expect_rejected(Pm4Variant::kGfx9, am, bad, "coher_size");
  am = {};
  am.gcr_cntl = 1u << 19;  // 19 bits
  expect_rejected(Pm4Variant::kGfx11, am, bad, "gcr_cntl");

  expect_rejected(Pm4Variant::kGfx9, Pm4IndirectBuffer{.ib_base = 0x1002, .ib_size = 1}, bad,
                  "ib_base");
  expect_rejected(Pm4Variant::kGfx9, Pm4IndirectBuffer{.ib_base = 0x1000, .ib_size = 1u << 20}, bad,
                  "ib_size");
  expect_rejected(Pm4Variant::kGfx9, Pm4IndirectBuffer{.vmid = 16}, bad, "vmid");

  Pm4WaitRegMem wrm;
  wrm.function = 8;
  expect_rejected(Pm4Variant::kGfx9, wrm, bad, "function");
  wrm = {};
  wrm.poll_interval = 0x10000;
  expect_rejected(Pm4Variant::kGfx10, wrm, bad, "poll_interval");
  wrm = {};
  wrm.poll_addr = 0x1001;
  expect_rejected(Pm4Variant::kGfx10, wrm, bad, "poll_addr");
  wrm.mem_space = kPm4SpaceRegister;
  wrm.poll_addr = 0x40000;  // registers are 18 bits
  expect_rejected(Pm4Variant::kGfx10, wrm, bad, "poll_addr");

  Pm4WaitRegMem64 w64;
  w64.poll_addr = 0x1004;  // 8-byte aligned
  expect_rejected(Pm4Variant::kGfx11, w64, bad, "poll_addr");

  Pm4CopyData cd;
  cd.src_sel = 16;
  expect_rejected(Pm4Variant::kGfx9, cd, bad, "src_sel");
  Pm4EventWrite ew;
  ew.event_index = 16;
  expect_rejected(Pm4Variant::kGfx9, ew, bad, "event_index");
}

TEST(Pm4BadFields, LargestValuesFit) {
  // The boundary next to each rejected value above: all ones in the field is accepted.
  std::vector<uint32_t> dw;
  Pm4ReleaseMem rm;
  rm.event_type = 63;
  rm.event_index = 15;
  rm.gcr_seq = 3;
  rm.gcr_gl2_range = 3;
  rm.int_sel = 7;
  rm.data_sel = 7;
  rm.address = ~0ull << 3;
  const DecodedPacket d = emit_and_decode_one(Pm4Variant::kGfx10, rm, &dw);
  EXPECT_EQ(d.field("event_type"), 63u);
  EXPECT_EQ(d.field("gcr_seq"), 3u);
  EXPECT_EQ(dw[1] & 0x00FE0F3Fu, 0x00C60F3Fu);  // SEQ 23:22, GL2_RANGE 18:17, index, type
  EXPECT_EQ(dw[2], 0xE7000000u);                // DATA_SEL 31:29 | INT_SEL 26:24
  Pm4AcquireMem am;
  am.gcr_cntl = (1u << 19) - 1;
  am.coher_base = (1ull << 56) - 1;
  EXPECT_EQ(emitted_one(Pm4Variant::kGfx11, am)[7], 0x7FFFFu);
  EXPECT_EQ(emitted_one(Pm4Variant::kGfx11, am)[5], 0x00FFFFFFu);
  const Pm4IndirectBuffer ib{.ib_size = (1u << 20) - 1, .vmid = 15, .cache_policy = 3};
  EXPECT_EQ(emitted_one(Pm4Variant::kGfx9, ib)[3], 0x3F8FFFFFu);  // 29:28 | 27:24 | 23 | 19:0
}

TEST(Pm4BadFields, FieldsTheFamilyDoesNotHave) {
  const auto bad = StatusCode::kInvalidArgument;
  Pm4ReleaseMem rm;
  rm.tc_wb_action_ena = 1;  // gfx9-only bit on gfx10+
  for (Pm4Variant v : {Pm4Variant::kGfx10, Pm4Variant::kGfx11, Pm4Variant::kGfx12}) {
    expect_rejected(v, rm, bad, "tc_wb_action_ena");
  }
  rm = {};
  rm.gcr_gl2_wb = 1;  // GCR bit on gfx9
  expect_rejected(Pm4Variant::kGfx9, rm, bad, "gcr_gl2_wb");
  expect_rejected(Pm4Variant::kGfx9, rm, bad, "gfx9");
  Pm4AcquireMem am;
  am.gcr_cntl = kGcrGl2Wb;  // no GCR_CNTL dword on gfx9
  expect_rejected(Pm4Variant::kGfx9, am, bad, "gcr_cntl");
  Pm4DispatchDirect dd;
  dd.dispatch_initiator |= kDispatchInitiatorCsW32En;  // no wave32 on gfx9
  expect_rejected(Pm4Variant::kGfx9, dd, bad, "dispatch_initiator");
  expect_rejected(Pm4Variant::kGfx9, Pm4WaitRegMem64{}, StatusCode::kUnimplemented,
                  "WAIT_REG_MEM64");
  Pm4EventWrite ew;  // CS_PARTIAL_FLUSH is the 2-dword form: no address
  ew.address = 0x1000;
  expect_rejected(Pm4Variant::kGfx10, ew, bad, "address");
  ew.event_index = 2;
  ew.address = 0x1004;  // the 4-dword form needs 8-byte alignment
  expect_rejected(Pm4Variant::kGfx10, ew, bad, "address");
}

TEST(Pm4BadFields, LengthsAndRegisters) {
  const auto bad = StatusCode::kInvalidArgument;
  expect_rejected(Pm4Variant::kGfx9, Pm4Nop{0}, bad, "dwords");
  expect_rejected(Pm4Variant::kGfx9, Pm4Nop{0x4001}, bad, "dwords");
  const uint32_t one = 1;
  expect_rejected(Pm4Variant::kGfx9, Pm4SetShReg{0x2BFF, std::span(&one, 1)}, bad, "reg");
  expect_rejected(Pm4Variant::kGfx9, Pm4SetShReg{0x3000, std::span(&one, 1)}, bad, "reg");
  expect_rejected(Pm4Variant::kGfx9, Pm4SetShReg{kRegComputePgmLo, {}}, bad, "values");
  const std::vector<uint32_t> two(2, 0);
  expect_rejected(Pm4Variant::kGfx9, Pm4SetShReg{0x2FFF, two}, bad, "range");
  expect_rejected(Pm4Variant::kGfx11, Pm4WriteData{}, bad, "data");
  const std::vector<uint32_t> huge(0x3FFE, 0);
  Pm4WriteData wd;
  wd.data = huge;
  expect_rejected(Pm4Variant::kGfx11, wd, bad, "data");
  wd.data = std::span(&one, 1);
  wd.dst_addr = 0x1001;
  expect_rejected(Pm4Variant::kGfx11, wd, bad, "dst_addr");

  const std::vector<uint32_t> user(17, 0);
  Pm4DispatchSetup d;
  d.code_address = 0x1080;  // not 256-byte aligned
  std::vector<uint32_t> storage(256, kSentinel);
  PacketStream s(storage);
  Status st = emit_dispatch_setup(s, Pm4Variant::kGfx11, d);
  EXPECT_EQ(st.code(), bad);
  EXPECT_NE(st.message().find("code_address"), std::string::npos) << st.message();
  d.code_address = 1ull << 48;
  EXPECT_EQ(emit_dispatch_setup(s, Pm4Variant::kGfx11, d).code(), bad);
  d.code_address = 0x1000;
  d.workgroup_size = {1025, 1, 1};
  st = emit_dispatch_setup(s, Pm4Variant::kGfx11, d);
  EXPECT_NE(st.message().find("workgroup_size"), std::string::npos) << st.message();
  d.workgroup_size = {64, 1, 0};
  EXPECT_EQ(emit_dispatch_setup(s, Pm4Variant::kGfx11, d).code(), bad);
  d.workgroup_size = {64, 1, 1};
  d.user_data = user;
  st = emit_dispatch_setup(s, Pm4Variant::kGfx11, d);
  EXPECT_NE(st.message().find("user_data"), std::string::npos) << st.message();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(storage[0], kSentinel);
}

// ---------------------------------------------------------------------------------------------
// Decoder robustness.

TEST(Pm4Decode, EmptyInput) {
  EXPECT_TRUE(decode_pm4(Pm4Variant::kGfx9, {}).empty());
}

TEST(Pm4Decode, StreamOfPacketsHasConsecutiveOffsets) {
  OwnedPacketStream owned(64);
  auto& s = owned.stream();
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx11, Pm4Nop{1}).ok());
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx11, Pm4AcquireMem{}).ok());
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx11, Pm4DispatchDirect{}).ok());
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx11, Pm4EventWrite{}).ok());
  ASSERT_TRUE(emit(s, Pm4Variant::kGfx11, Pm4ReleaseMem{}).ok());
  const auto p = decode_pm4(Pm4Variant::kGfx11, owned.data());
  ASSERT_EQ(p.size(), 5u);
  const std::vector<std::string> names = {"NOP", "ACQUIRE_MEM", "DISPATCH_DIRECT", "EVENT_WRITE",
                                          "RELEASE_MEM"};
  const std::vector<size_t> offsets = {0, 1, 9, 14, 16};
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].name, names[i]);
    EXPECT_EQ(p[i].offset, offsets[i]);
    EXPECT_TRUE(p[i].ok()) << p[i].error;
  }
  EXPECT_EQ(p[1].opcode, 0x58u);
}

TEST(Pm4Decode, TruncatedPacket) {
  // RELEASE_MEM says 8 dwords; 4 are there.
  const uint32_t in[] = {0xFFFF1000, 0xC0064900, 0x00000514, 0x20000000, 0x1000};
  const auto p = decode_pm4(Pm4Variant::kGfx10, in);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(p[0].ok());
  EXPECT_EQ(p[1].name, "RELEASE_MEM");
  EXPECT_EQ(p[1].offset, 1u);
  EXPECT_EQ(p[1].dwords, 4u);
  EXPECT_NE(p[1].error.find("truncated"), std::string::npos) << p[1].error;
  EXPECT_NE(p[1].error.find("dword 1"), std::string::npos) << p[1].error;
  EXPECT_TRUE(p[1].fields.empty());
}

TEST(Pm4Decode, CountThatOverrunsTheInput) {
  const uint32_t in[] = {pm4_type3_header(Pm4Opcode::kWriteData, 0x3FFE), 0x500};
  const auto p = decode_pm4(Pm4Variant::kGfx9, in);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].dwords, 2u);
  EXPECT_NE(p[0].error.find("16384 dwords, 2 remain"), std::string::npos) << p[0].error;
}

TEST(Pm4Decode, UnknownOpcodeContinuesAfterItsLength) {
  const uint32_t in[] = {0xC001EE00, 0x1, 0x2, 0xC0004600, 0x407};
  const auto p = decode_pm4(Pm4Variant::kGfx9, in);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "UNKNOWN");
  EXPECT_EQ(p[0].opcode, 0xEEu);
  EXPECT_EQ(p[0].dwords, 3u);
  EXPECT_NE(p[0].error.find("0xee"), std::string::npos) << p[0].error;
  EXPECT_NE(p[0].error.find("dword 0"), std::string::npos) << p[0].error;
  EXPECT_EQ(p[1].name, "EVENT_WRITE");
  EXPECT_EQ(p[1].offset, 3u);
  EXPECT_EQ(p[1].field("event_type"), 7u);
  EXPECT_EQ(p[1].field("event_index"), 4u);
}

TEST(Pm4Decode, OpcodeOfAnotherFamily) {
  OwnedPacketStream owned(16);
  ASSERT_TRUE(emit(owned.stream(), Pm4Variant::kGfx10, Pm4WaitRegMem64{}).ok());
  const auto p = decode_pm4(Pm4Variant::kGfx9, owned.data());
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].name, "UNKNOWN");
  EXPECT_EQ(p[0].dwords, 9u);
  EXPECT_NE(p[0].error.find("WAIT_REG_MEM64"), std::string::npos) << p[0].error;
  EXPECT_NE(p[0].error.find("gfx9"), std::string::npos) << p[0].error;
}

TEST(Pm4Decode, ImpossibleLengths) {
  // RELEASE_MEM with count 3, a gfx10 ACQUIRE_MEM (8 dwords) decoded as gfx9 (7), SET_SH_REG
  // without values, then a valid NOP that must still be found.
  OwnedPacketStream acq(16);
  ASSERT_TRUE(emit(acq.stream(), Pm4Variant::kGfx10, Pm4AcquireMem{}).ok());
  std::vector<uint32_t> in = {0xC0034900, 0, 0, 0, 0};
  in.insert(in.end(), acq.data().begin(), acq.data().end());
  in.push_back(0xC0007600);  // SET_SH_REG count 0: offset only
  in.push_back(0x20C);
  in.push_back(kPm4NopOneDword);
  const auto p = decode_pm4(Pm4Variant::kGfx9, in);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NE(p[0].error.find("impossible length"), std::string::npos) << p[0].error;
  EXPECT_NE(p[0].error.find("8 dwords"), std::string::npos) << p[0].error;
  EXPECT_EQ(p[0].dwords, 5u);
  EXPECT_EQ(p[1].name, "ACQUIRE_MEM");
  EXPECT_NE(p[1].error.find("has 8 dwords, gfx9 takes 7"), std::string::npos) << p[1].error;
  EXPECT_EQ(p[2].name, "SET_SH_REG");
  EXPECT_FALSE(p[2].ok());
  EXPECT_EQ(p[3].name, "NOP");
  EXPECT_TRUE(p[3].ok());
  EXPECT_EQ(p[3].offset, in.size() - 1);
  // The same ACQUIRE_MEM is clean on gfx10.
  const auto ok = decode_pm4(Pm4Variant::kGfx10, acq.data());
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_TRUE(ok[0].ok()) << ok[0].error;
  EXPECT_EQ(ok[0].field("gcr_cntl"), 0u);
}

TEST(Pm4Decode, OtherPacketTypes) {
  const uint32_t in[] = {kPm4Type2Filler, 0x80000005, 0x00012E00, 1, 2, 0x40000000, 0xFFFF1000};
  const auto p = decode_pm4(Pm4Variant::kGfx11, in);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].name, "PACKET2");
  EXPECT_TRUE(p[0].ok());
  EXPECT_EQ(p[0].dwords, 1u);
  EXPECT_EQ(p[1].field("pad"), 5u);
  EXPECT_EQ(p[2].name, "TYPE0");  // PACKET0(0x2E00, 1): 2 values follow
  EXPECT_EQ(p[2].offset, 2u);
  EXPECT_EQ(p[2].dwords, 3u);
  EXPECT_NE(p[2].error.find("type-0"), std::string::npos);
  EXPECT_NE(p[2].error.find("dword 2"), std::string::npos);
  EXPECT_EQ(p[3].name, "TYPE1");
  EXPECT_EQ(p[3].offset, 5u);
  EXPECT_NE(p[3].error.find("dword 5"), std::string::npos);
  EXPECT_EQ(p[4].name, "NOP");
  EXPECT_EQ(p[4].field("dwords"), 1u);
}

TEST(Pm4Decode, HeaderFlagsAreReported) {
  const uint32_t in[] = {0xC0004600 | 0x3, 0x407};  // predicate | shader_type
  const auto p = decode_pm4(Pm4Variant::kGfx9, in);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field("predicate"), 1u);
  EXPECT_EQ(p[0].field("shader_type"), 1u);
  EXPECT_FALSE(p[0].field("reset_filter_cam").has_value());
}

TEST(Pm4Decode, RandomGarbageNeverOverruns) {
  // Half uniform noise, half type-3 headers with known opcodes and random counts, so the
  // length and field paths run too. Invariants: records tile the input exactly.
  const uint32_t opcodes[] = {0x10, 0x15, 0x16, 0x37, 0x3C, 0x3F, 0x40,
                              0x46, 0x49, 0x58, 0x76, 0x93, 0xEE};
  for (Pm4Variant v : kVariants) {
    std::mt19937 rng(kSeed + 99 + static_cast<uint32_t>(v));
    for (int it = 0; it < 3000; ++it) {
      SCOPED_TRACE(testing::Message()
                   << pm4_variant_name(v) << ", seed " << kSeed + 99 << ", iteration " << it);
      std::vector<uint32_t> in(rng() % 48);
      for (auto& x : in) {
        x = rng();
        if (rng() % 2 == 0) {
          x = (3u << 30) | ((rng() % 12) << 16) | (opcodes[rng() % std::size(opcodes)] << 8) |
              (rng() % 8);
        }
      }
      const auto p = decode_pm4(v, in);
      size_t pos = 0;
      for (const auto& r : p) {
        ASSERT_EQ(r.offset, pos);
        ASSERT_GE(r.dwords, 1u);
        ASSERT_FALSE(r.name.empty());
        if (!r.ok()) {
          ASSERT_NE(r.error.find("dword " + std::to_string(r.offset)), std::string::npos)
              << r.error;
        }
        pos += r.dwords;
      }
      ASSERT_EQ(pos, in.size());
    }
  }
}

}  // namespace
}  // namespace amdhal::packets
