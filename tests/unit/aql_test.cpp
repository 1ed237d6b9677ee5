// AQL packet builders and decoder. Layout facts from ROCR-Runtime hsa.h:
// header TYPE bits 0-7, BARRIER bit 8, SCACQUIRE_FENCE_SCOPE bits 9-10, SCRELEASE_FENCE_SCOPE
// bits 11-12; types INVALID 1, KERNEL_DISPATCH 2, BARRIER_AND 3, AGENT_DISPATCH 4, BARRIER_OR 5;
// scopes NONE 0, AGENT 1, SYSTEM 2; setup DIMENSIONS bits 0-1.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "amdhal/packets/aql.h"
#include "amdhal/packets/stream.h"

namespace amdhal::packets {
namespace {

using FieldMap = std::map<std::string, uint64_t>;

FieldMap to_map(const DecodedPacket& p) {
  FieldMap m;
  for (const auto& f : p.fields) {
    EXPECT_TRUE(m.emplace(f.name, f.value).second) << "duplicate field " << f.name;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// ABI: offsets as in hsa.h, independently written out.

TEST(AqlAbi, OffsetsMatchHsaH) {
  EXPECT_EQ(sizeof(AqlKernelDispatchPacket), 64u);
  EXPECT_EQ(offsetof(AqlKernelDispatchPacket, workgroup_size_x), 4u);
  EXPECT_EQ(offsetof(AqlKernelDispatchPacket, grid_size_x), 12u);
  EXPECT_EQ(offsetof(AqlKernelDispatchPacket, private_segment_size), 24u);
  EXPECT_EQ(offsetof(AqlKernelDispatchPacket, kernel_object), 32u);
  EXPECT_EQ(offsetof(AqlKernelDispatchPacket, kernarg_address), 40u);
  EXPECT_EQ(offsetof(AqlKernelDispatchPacket, completion_signal), 56u);
  EXPECT_EQ(sizeof(AqlBarrierPacket), 64u);
  EXPECT_EQ(offsetof(AqlBarrierPacket, dep_signal), 8u);
  EXPECT_EQ(offsetof(AqlBarrierPacket, completion_signal), 56u);
}

TEST(AqlHeader, PackAndParse) {
  // type 2 | barrier 1 << 8 | SYSTEM(2) << 9 | SYSTEM(2) << 11 = 2 + 0x100 + 0x400 + 0x1000.
  const AqlHeader h{AqlPacketType::kKernelDispatch, true, AqlFenceScope::kSystem,
                    AqlFenceScope::kSystem};
  EXPECT_EQ(aql_header(h), 0x1502);
  EXPECT_EQ(parse_aql_header(0x1502), h);
  // type 5 | acquire AGENT (1 << 9) | release NONE.
  EXPECT_EQ(
      aql_header({AqlPacketType::kBarrierOr, false, AqlFenceScope::kAgent, AqlFenceScope::kNone}),
      0x0205);
  EXPECT_EQ(
      aql_header({AqlPacketType::kInvalid, false, AqlFenceScope::kNone, AqlFenceScope::kNone}), 1);
}

// ---------------------------------------------------------------------------------------------
// Golden packets.

TEST(AqlGolden, KernelDispatch) {
  AqlKernelDispatch d;
  d.barrier = true;
  d.dimensions = 3;
  d.workgroup_size_x = 64;
  d.grid_size_x = 1024;
  d.private_segment_size = 0x10;
  d.group_segment_size = 0x2000;
  d.kernel_object = 0x0000'7f12'3456'7840;
  d.kernarg_address = 0x0000'7f00'0000'1000;
  d.completion_signal = 0x0000'7fab'cdef'0040;
  OwnedPacketStream s(16);
  ASSERT_TRUE(emit_aql_kernel_dispatch(s.stream(), d).ok());
  const std::vector<uint32_t> expected = {
      0x00031502,              // header 0x1502 (see PackAndParse) | setup dimensions 3 << 16
      0x00010040,              // workgroup_size_x 64 | workgroup_size_y 1 << 16
      0x00000001,              // workgroup_size_z 1 | reserved0 0
      0x00000400,              // grid_size_x 1024
      0x00000001,              // grid_size_y
      0x00000001,              // grid_size_z
      0x00000010,              // private_segment_size
      0x00002000,              // group_segment_size
      0x34567840, 0x00007f12,  // kernel_object lo, hi
      0x00001000, 0x00007f00,  // kernarg_address lo, hi
      0x00000000, 0x00000000,  // reserved2
      0xcdef0040, 0x00007fab,  // completion_signal lo, hi
  };
  EXPECT_EQ(std::vector<uint32_t>(s.data().begin(), s.data().end()), expected);
}

TEST(AqlGolden, BarrierAndOrInvalid) {
  AqlBarrier b;
  b.dep_signals = {0x1000, 0x2000, 0, 0, 0x5000};
  b.completion_signal = 0x9000;
  OwnedPacketStream s(48);
  ASSERT_TRUE(emit_aql_barrier_and(s.stream(), b).ok());
  b.barrier = false;
  b.acquire_fence_scope = AqlFenceScope::kAgent;
  b.release_fence_scope = AqlFenceScope::kNone;
  ASSERT_TRUE(emit_aql_barrier_or(s.stream(), b).ok());
  ASSERT_TRUE(emit_aql_invalid(s.stream()).ok());
  const std::vector<uint32_t> expected = {
      // BARRIER_AND: 3 | barrier 0x100 | SYSTEM acquire 0x400 | SYSTEM release 0x1000.
      0x00001503, 0, 0x1000, 0, 0x2000, 0, 0, 0, 0, 0, 0x5000, 0, 0, 0, 0x9000, 0,
      // BARRIER_OR: 5 | AGENT acquire 1 << 9.
      0x00000205, 0, 0x1000, 0, 0x2000, 0, 0, 0, 0, 0, 0x5000, 0, 0, 0, 0x9000, 0,
      // INVALID: type 1, everything else 0.
      0x00000001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<uint32_t>(s.data().begin(), s.data().end()), expected);
  const auto d = decode_aql(s.data());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].name, "BARRIER_AND");
  EXPECT_EQ(d[1].name, "BARRIER_OR");
  EXPECT_EQ(d[2].name, "INVALID");
  EXPECT_EQ(d[2].opcode, 1u);
  EXPECT_EQ(d[2].offset, 32u);
  EXPECT_TRUE(d[2].ok());
}

TEST(AqlGolden, StructAndDwordsAgree) {
  AqlKernelDispatch d;
  d.dimensions = 2;
  d.workgroup_size_y = 4;
  d.grid_size_y = 8;
  d.kernel_object = 0x40;
  const auto p = make_aql_kernel_dispatch(d);
  ASSERT_TRUE(p.ok());
  const auto dw = aql_packet_dwords(*p);
  AqlKernelDispatchPacket back{};
  std::memcpy(&back, dw.data(), sizeof(back));
  EXPECT_EQ(back.setup, 2);
  EXPECT_EQ(back.workgroup_size_y, 4);
  EXPECT_EQ(back.grid_size_y, 8u);
  EXPECT_EQ(back.kernel_object, 0x40u);
  EXPECT_EQ(dw[1], 0x00040001u);  // workgroup_size_x 1 | workgroup_size_y 4 << 16
}

// ---------------------------------------------------------------------------------------------
// Round trips.

constexpr uint64_t kSeed = 0xa91'0042;

TEST(AqlRoundTrip, RandomDispatchesAndBarriers) {
  std::mt19937_64 rng(kSeed);
  auto scope = [&] { return static_cast<AqlFenceScope>(rng() % 3); };
  for (int iter = 0; iter < 500; ++iter) {
    SCOPED_TRACE(fmt::format("seed={:#x} iter={}", kSeed, iter));
    OwnedPacketStream s(32);
    FieldMap expected;
    std::string name;
    uint32_t type = 0;
    if (iter % 2 == 0) {
      AqlKernelDispatch d;
      d.barrier = rng() % 2;
      d.acquire_fence_scope = scope();
      d.release_fence_scope = scope();
      d.dimensions = 1 + rng() % 3;
      d.workgroup_size_x = 1 + rng() % 0xffff;
      d.grid_size_x = 1 + static_cast<uint32_t>(rng());
      if (d.dimensions >= 2) {
        d.workgroup_size_y = 1 + rng() % 0xffff;
        d.grid_size_y = 1 + static_cast<uint32_t>(rng() % 0xfffffffe);
      }
      if (d.dimensions == 3) {
        d.workgroup_size_z = 1 + rng() % 0xffff;
        d.grid_size_z = 1 + static_cast<uint32_t>(rng() % 0xfffffffe);
      }
      d.private_segment_size = static_cast<uint32_t>(rng());
      d.group_segment_size = static_cast<uint32_t>(rng());
      d.kernel_object = rng() & ~uint64_t{63};
      d.kernarg_address = rng();
      d.completion_signal = rng();
      ASSERT_TRUE(emit_aql_kernel_dispatch(s.stream(), d).ok());
      name = "KERNEL_DISPATCH";
      type = 2;
      expected = {{"type", 2},
                  {"barrier", d.barrier},
                  {"acquire_fence_scope", static_cast<uint64_t>(d.acquire_fence_scope)},
                  {"release_fence_scope", static_cast<uint64_t>(d.release_fence_scope)},
                  {"dimensions", d.dimensions},
                  {"workgroup_size_x", d.workgroup_size_x},
                  {"workgroup_size_y", d.workgroup_size_y},
                  {"workgroup_size_z", d.workgroup_size_z},
                  {"grid_size_x", d.grid_size_x},
                  {"grid_size_y", d.grid_size_y},
                  {"grid_size_z", d.grid_size_z},
                  {"private_segment_size", d.private_segment_size},
                  {"group_segment_size", d.group_segment_size},
                  {"kernel_object", d.kernel_object},
                  {"kernarg_address", d.kernarg_address},
                  {"completion_signal", d.completion_signal}};
    } else {
      AqlBarrier b;
      b.barrier = rng() % 2;
      b.acquire_fence_scope = scope();
      b.release_fence_scope = scope();
      for (auto& sig : b.dep_signals) sig = rng() % 3 == 0 ? 0 : rng();
      b.completion_signal = rng();
      const bool is_and = rng() % 2;
      ASSERT_TRUE(
          (is_and ? emit_aql_barrier_and(s.stream(), b) : emit_aql_barrier_or(s.stream(), b)).ok());
      name = is_and ? "BARRIER_AND" : "BARRIER_OR";
      type = is_and ? 3 : 5;
      expected = {{"type", type},
                  {"barrier", b.barrier},
                  {"acquire_fence_scope", static_cast<uint64_t>(b.acquire_fence_scope)},
                  {"release_fence_scope", static_cast<uint64_t>(b.release_fence_scope)},
                  {"completion_signal", b.completion_signal}};
      for (size_t i = 0; i < 5; ++i) expected[fmt::format("dep_signal_{}", i)] = b.dep_signals[i];
    }
    ASSERT_EQ(s.data().size(), 16u);
    const auto d = decode_aql(s.data());
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(d[0].ok()) << d[0].error;
    EXPECT_EQ(d[0].name, name);
    EXPECT_EQ(d[0].opcode, type);
    EXPECT_EQ(d[0].dwords, 16u);
    EXPECT_EQ(to_map(d[0]), expected);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation and capacity.

void expect_bad(std::string_view field, const AqlKernelDispatch& d) {
  OwnedPacketStream s(16);
  const Status st = emit_aql_kernel_dispatch(s.stream(), d);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << field;
  EXPECT_NE(st.message().find(fmt::format("'{}'", field)), std::string::npos)
      << "message does not name '" << field << "': " << st.message();
  EXPECT_EQ(s.data().size(), 0u);
}

TEST(AqlValidation, BadDispatchFieldsAreNamed) {
  const AqlKernelDispatch ok;
  {
    OwnedPacketStream s(16);
    EXPECT_TRUE(emit_aql_kernel_dispatch(s.stream(), ok).ok());
  }
  auto with = [&](auto change) {
    AqlKernelDispatch d = ok;
    change(d);
    return d;
  };
  expect_bad("dimensions", with([](auto& d) { d.dimensions = 0; }));
  expect_bad("dimensions", with([](auto& d) { d.dimensions = 4; }));
  expect_bad("workgroup_size_x", with([](auto& d) { d.workgroup_size_x = 0; }));
  expect_bad("workgroup_size_x", with([](auto& d) { d.workgroup_size_x = 65536; }));
  expect_bad("grid_size_x", with([](auto& d) { d.grid_size_x = 0; }));
  expect_bad("workgroup_size_y", with([](auto& d) { d.workgroup_size_y = 2; }));  // 1-D
  expect_bad("grid_size_z", with([](auto& d) {
               d.dimensions = 2;
               d.grid_size_z = 3;
             }));
  expect_bad("kernel_object", with([](auto& d) { d.kernel_object = 0x1020; }));
  expect_bad("acquire_fence_scope",
             with([](auto& d) { d.acquire_fence_scope = static_cast<AqlFenceScope>(3); }));
  expect_bad("release_fence_scope",
             with([](auto& d) { d.release_fence_scope = static_cast<AqlFenceScope>(7); }));

  AqlBarrier b;
  b.release_fence_scope = static_cast<AqlFenceScope>(3);
  OwnedPacketStream s(16);
  const Status st = emit_aql_barrier_or(s.stream(), b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'release_fence_scope'"), std::string::npos) << st.message();
  EXPECT_EQ(s.data().size(), 0u);
  const auto wrong = make_aql_barrier(AqlPacketType::kKernelDispatch, AqlBarrier{});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("'type'"), std::string::npos);
}

TEST(AqlCapacity, FifteenDwordsIsNotEnough) {
  std::vector<uint32_t> storage(31, 0xcafebabe);
  PacketStream s(storage);
  ASSERT_TRUE(emit_aql_invalid(s).ok());
  EXPECT_EQ(emit_aql_kernel_dispatch(s, AqlKernelDispatch{}).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(emit_aql_barrier_and(s, AqlBarrier{}).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(emit_aql_invalid(s).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.size(), 16u);
  EXPECT_TRUE(
      std::all_of(storage.begin() + 16, storage.end(), [](uint32_t d) { return d == 0xcafebabe; }));
}

// ---------------------------------------------------------------------------------------------
// Decoder robustness.

TEST(AqlDecode, TrailingPartialPacketIsATruncationRecord) {
  OwnedPacketStream s(32);
  ASSERT_TRUE(emit_aql_kernel_dispatch(s.stream(), AqlKernelDispatch{}).ok());
  ASSERT_TRUE(emit_aql_barrier_and(s.stream(), AqlBarrier{}).ok());
  const auto all = s.data();
  const auto d = decode_aql(all.first(16 + 5));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_TRUE(d[0].ok());
  EXPECT_EQ(d[1].name, "BARRIER_AND");  // from the header it does have
  EXPECT_EQ(d[1].offset, 16u);
  EXPECT_EQ(d[1].dwords, 5u);
  EXPECT_NE(d[1].error.find("truncated"), std::string::npos) << d[1].error;
  EXPECT_NE(d[1].error.find("offset 16"), std::string::npos) << d[1].error;
  EXPECT_FALSE(d[1].field("completion_signal").has_value());  // beyond the input
  EXPECT_TRUE(decode_aql({}).empty());
}

TEST(AqlDecode, UnknownTypeReservedScopeAndZeroDimensions) {
  std::vector<uint32_t> in(48, 0);
  in[0] = 0x77;                   // packet type 119: not defined
  in[16] = 2u | (3u << 9);        // KERNEL_DISPATCH, acquire scope 3 (reserved), dims 0
  in[32] = 4u | (0xbeefu << 16);  // AGENT_DISPATCH, type 0xbeef
  in[32 + 2] = 0x1234;            // return_address lo
  in[32 + 4] = 7;                 // arg_0 lo
  const auto d = decode_aql(in);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].name, "UNKNOWN");
  EXPECT_EQ(d[0].opcode, 0x77u);
  EXPECT_EQ(d[0].dwords, 16u);
  EXPECT_NE(d[0].error.find("119"), std::string::npos) << d[0].error;
  EXPECT_EQ(d[1].name, "KERNEL_DISPATCH");
  EXPECT_NE(d[1].error.find("reserved acquire fence scope 3"), std::string::npos) << d[1].error;
  EXPECT_NE(d[1].error.find("dimensions 0"), std::string::npos) << d[1].error;
  EXPECT_NE(d[1].error.find("offset 16"), std::string::npos) << d[1].error;
  EXPECT_EQ(d[2].name, "AGENT_DISPATCH");
  EXPECT_TRUE(d[2].ok()) << d[2].error;
  EXPECT_EQ(d[2].field("agent_type"), 0xbeefu);
  EXPECT_EQ(d[2].field("return_address"), 0x1234u);
  EXPECT_EQ(d[2].field("arg_0"), 7u);
}

TEST(AqlDecode, RandomGarbageNeverOverreads) {
  constexpr uint64_t seed = 0x6a5ba6e;
  std::mt19937_64 rng(seed);
  for (int iter = 0; iter < 300; ++iter) {
    SCOPED_TRACE(fmt::format("seed={:#x} iter={}", seed, iter));
    std::vector<uint32_t> in(rng() % 100);
    for (auto& d : in) d = static_cast<uint32_t>(rng());
    const auto out = decode_aql(in);
    ASSERT_EQ(out.size(), (in.size() + 15) / 16);
    size_t pos = 0;
    for (const auto& p : out) {
      EXPECT_EQ(p.offset, pos);
      EXPECT_EQ(p.dwords, std::min<size_t>(16, in.size() - pos));
      EXPECT_EQ(p.field("type"), in[pos] & 0xffu);
      if (p.opcode > 5) {
        EXPECT_EQ(p.name, "UNKNOWN");
      }
      pos += p.dwords;
    }
    EXPECT_EQ(pos, in.size());
  }
}

}  // namespace
}  // namespace amdhal::packets

namespace amdhal::packets {
namespace {

// The PM4-IB vendor packet (ROCR amd_aql_pm4_ib_packet.h): header type 0 with barrier and system
// fences = 0x0000 | 1 << 8 | 2 << 9 | 2 << 11 = 0x1500; format 1 in the high half of dword 0;
// the INDIRECT_BUFFER command in dwords 1-4; dw_count_remain 10 in dword 5; completion signal in
// dwords 14-15.
TEST(AqlPm4Ib, GoldenAndDecode) {
  const std::array<uint32_t, 4> ib = {0xC0023F00u, 0x00001000u, 0x00000002u, 0x00800010u};
  std::array<uint32_t, 32> storage{};
  PacketStream s(storage);
  ASSERT_TRUE(emit_aql_pm4_ib(s, ib, /*barrier=*/true, 0x123456789ABCDEF0ull).ok());
  ASSERT_EQ(s.size(), 16u);
  EXPECT_EQ(s.data()[0], 0x00011500u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(s.data()[1 + i], ib[i]);
  EXPECT_EQ(s.data()[5], 10u);
  for (size_t i = 6; i < 14; ++i) EXPECT_EQ(s.data()[i], 0u);
  EXPECT_EQ(s.data()[14], 0x9ABCDEF0u);
  EXPECT_EQ(s.data()[15], 0x12345678u);
  auto d = decode_aql(s.data());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].name, "PM4_IB");
  EXPECT_TRUE(d[0].ok()) << d[0].error;
  EXPECT_EQ(d[0].field("ib_command_1"), 0x1000u);
  EXPECT_EQ(d[0].field("dw_count_remain"), 10u);
  EXPECT_EQ(d[0].field("barrier"), 1u);
  EXPECT_EQ(d[0].field("completion_signal"), 0x123456789ABCDEF0ull);
}

TEST(AqlPm4Ib, RejectsACommandThatIsNotAnIndirectBuffer) {
  const std::array<uint32_t, 4> bad = {0xC0001000u, 0, 0, 0};  // a NOP
  std::array<uint32_t, 16> storage{};
  PacketStream s(storage);
  Status st = emit_aql_pm4_ib(s, bad, false);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("pm4_ib_command"), std::string::npos) << st.message();
  EXPECT_EQ(s.size(), 0u);
}

}  // namespace
}  // namespace amdhal::packets
