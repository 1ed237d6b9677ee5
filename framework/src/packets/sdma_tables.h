// Private: the SDMA field tables shared by the builders (sdma.cpp) and the decoder
// (sdma_decode.cpp). One row of SdmaTraits per generation; each packet's field layout is derived
// from that row by a constexpr function, so per-generation differences live only in kSdmaTraits.
//
// Bit positions (dword index, shift, width) are from the kernel headers named in each row's
// header_source; each layout function cites the macros it follows.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "amdhal/family.h"
#include "amdhal/packets/sdma.h"

namespace amdhal::packets::sdma_detail {

/// One field of a packet. kBits: `width` bits at `shift` of dword `dword` (width 0 = the field
/// does not exist on this generation and must be 0). kU64: a 64-bit value in dwords
/// `dword` (low) and `dword + 1` (high) whose low bits must be zero for `align`.
enum class FieldKind : uint8_t { kBits, kU64 };

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  uint8_t dword;
  uint8_t shift;
  uint8_t width;
  uint8_t align;  // kU64 only: required alignment in bytes (1 = any)
};

constexpr FieldSpec bits(std::string_view name, uint8_t dword, uint8_t shift, uint8_t width) {
  return FieldSpec{name, FieldKind::kBits, dword, shift, width, 1};
}
constexpr FieldSpec u64(std::string_view name, uint8_t dword, uint8_t align) {
  return FieldSpec{name, FieldKind::kU64, dword, 0, 64, align};
}
/// A field that exists only when `present`.
constexpr FieldSpec bits_if(bool present, std::string_view name, uint8_t dword, uint8_t shift,
                            uint8_t width) {
  return bits(name, dword, shift, present ? width : 0);
}

// ---- The per-generation table ----
inline constexpr std::array<SdmaTraits, 4> kSdmaTraits = {{
    // vega10_sdma_pkt_open.h: COPY_LINEAR_COUNT_count_mask 0x003FFFFF,
    // CONSTANT_FILL_COUNT_count_mask 0x003FFFFF, FENCE header has only op/sub_op.
    // COPY_LINEAR_SUBWIN z fields: 0x7FF.
    {SdmaVariant::kSdma4, "vega10_sdma_pkt_open.h", 22, 22, false, false, false, 11, false},
    // navi10_sdma_pkt_open.h: counts still 0x003FFFFF; FENCE_HEADER
    // mtype/gcc/sys/snp/gpa/l2_policy.
    // COPY_LINEAR_SUBWIN z fields: 0x1FFF.
    {SdmaVariant::kSdma5, "navi10_sdma_pkt_open.h", 22, 22, true, false, false, 13, false},
    // sdma_v6_0_0_pkt_open.h: counts 0x3FFFFFFF; cpv + cache_policy fields.
    // COPY_LINEAR_SUBWIN z fields: 0x1FFF; DW_12 dst/src_cache_policy.
    {SdmaVariant::kSdma6, "sdma_v6_0_0_pkt_open.h", 30, 30, true, true, false, 13, false},
    // sdma_v7_0.c #includes sdma_v6_0_0_pkt_open.h: same layouts as SDMA 6, except that its
    // emit_copy_buffer sets COPY_LINEAR HEADER_CPV and appends an 8th dword of DCC parameters
    // (copy_num_dw = 8); ROCr emits 7-dword packets with cpv 0 on gfx12. COPY_LINEAR_RECT: the
    // kernel never emits it; ROCr sdma_registers.h has a separate GFX12 layout
    // (SDMA_PKT_COPY_LINEAR_RECT_GFX12: rect_z_bits 14) that BuildCopyRectCommand uses on gfx12.
    {SdmaVariant::kSdma7, "sdma_v6_0_0_pkt_open.h (via sdma_v7_0.c)", 30, 30, true, true, true, 14,
     true},
}};

// ---- Field layouts, in the order the builders fill their value arrays ----

// SDMA_PKT_COPY_LINEAR: HEADER tmz shift 18; HEADER cpv shift 19 (v6); COUNT count (dw1);
// PARAMETER dst_cache_policy shift 18 mask 7, src_cache_policy shift 26 mask 7 (v6);
// SRC_ADDR_LO/HI dw3/4; DST_ADDR_LO/HI dw5/6; SDMA 7 with cpv = 1: dw7 DCC parameters
// (sdma_v7_0.c emit_copy_buffer; SDMA_DCC_* in sdma_v6_0_0_pkt_open.h).
enum CopyLinearField : size_t {
  kClTmz,
  kClCpv,
  kClCount,
  kClDstCp,
  kClSrcCp,
  kClSrc,
  kClDst,
  kClDccParams
};
constexpr std::array<FieldSpec, 8> copy_linear_fields(const SdmaTraits& t) {
  return {{bits("tmz", 0, 18, 1), bits_if(t.cache_policy, "cpv", 0, 19, 1),
           bits("count", 1, 0, t.copy_count_bits),
           bits_if(t.cache_policy, "dst_cache_policy", 2, 18, 3),
           bits_if(t.cache_policy, "src_cache_policy", 2, 26, 3), u64("src_addr", 3, 1),
           u64("dst_addr", 5, 1), bits_if(t.copy_cpv_adds_dword, "dcc_params", 7, 0, 32)}};
}

// SDMA_PKT_CONSTANT_FILL: HEADER cache_policy shift 24 mask 7 and cpv shift 28 (v6),
// fillsize shift 30 mask 3; DST_ADDR_LO/HI dw1/2; DATA dw3; COUNT dw4.
enum ConstantFillField : size_t { kCfCachePolicy, kCfCpv, kCfFillSize, kCfDst, kCfData, kCfCount };
constexpr std::array<FieldSpec, 6> constant_fill_fields(const SdmaTraits& t) {
  return {{bits_if(t.cache_policy, "cache_policy", 0, 24, 3),
           bits_if(t.cache_policy, "cpv", 0, 28, 1), bits("fill_size", 0, 30, 2),
           u64("dst_addr", 1, 1), bits("data", 3, 0, 32), bits("count", 4, 0, t.fill_count_bits)}};
}

// SDMA_PKT_WRITE_UNTILED: HEADER tmz shift 18, cpv shift 28 (v6); DST_ADDR_LO/HI dw1/2;
// DW_3 count mask 0x000FFFFF, cache_policy shift 26 mask 7 (v6); DATA0 from dw4.
enum WriteLinearField : size_t { kWlTmz, kWlCpv, kWlDst, kWlCount, kWlCachePolicy };
constexpr std::array<FieldSpec, 5> write_linear_fields(const SdmaTraits& t) {
  return {{bits("tmz", 0, 18, 1), bits_if(t.cache_policy, "cpv", 0, 28, 1), u64("dst_addr", 1, 4),
           bits("count", 3, 0, 20), bits_if(t.cache_policy, "cache_policy", 3, 26, 3)}};
}

// SDMA_PKT_FENCE: HEADER mtype shift 16 mask 7, gcc 19, sys 20, snp 22, gpa 23, l2_policy shift
// 24 mask 3 (navi10+); llc_policy 26, cpv 28 (v6); ADDR_LO/HI dw1/2 (kernel BUG_ON(addr & 3));
// DATA dw3.
enum FenceField : size_t {
  kFeMtype,
  kFeGcc,
  kFeSys,
  kFeSnp,
  kFeGpa,
  kFeL2Policy,
  kFeLlcPolicy,
  kFeCpv,
  kFeAddr,
  kFeData
};
constexpr std::array<FieldSpec, 10> fence_fields(const SdmaTraits& t) {
  const bool m = t.fence_memory_attributes;
  return {{bits_if(m, "mtype", 0, 16, 3), bits_if(m, "gcc", 0, 19, 1), bits_if(m, "sys", 0, 20, 1),
           bits_if(m, "snp", 0, 22, 1), bits_if(m, "gpa", 0, 23, 1),
           bits_if(m, "l2_policy", 0, 24, 2), bits_if(t.cache_policy, "llc_policy", 0, 26, 1),
           bits_if(t.cache_policy, "cpv", 0, 28, 1), u64("addr", 1, 4), bits("data", 3, 0, 32)}};
}

// SDMA_PKT_POLL_REGMEM: HEADER cache_policy shift 20 mask 7, cpv shift 24 (v6), hdp_flush 26,
// func shift 28 mask 7, mem_poll 31; ADDR_LO/HI dw1/2; VALUE dw3; MASK dw4;
// DW5 interval mask 0xFFFF shift 0, retry_count mask 0xFFF shift 16.
enum PollRegmemField : size_t {
  kPrCachePolicy,
  kPrCpv,
  kPrHdpFlush,
  kPrFunction,
  kPrMemPoll,
  kPrAddr,
  kPrReference,
  kPrMask,
  kPrInterval,
  kPrRetry
};
constexpr std::array<FieldSpec, 10> poll_regmem_fields(const SdmaTraits& t) {
  return {{bits_if(t.cache_policy, "cache_policy", 0, 20, 3),
           bits_if(t.cache_policy, "cpv", 0, 24, 1), bits("hdp_flush", 0, 26, 1),
           bits("function", 0, 28, 3), bits("mem_poll", 0, 31, 1), u64("addr", 1, 4),
           bits("reference", 3, 0, 32), bits("mask", 4, 0, 32), bits("interval", 5, 0, 16),
           bits("retry_count", 5, 16, 12)}};
}

// SDMA_PKT_TRAP: INT_CONTEXT int_context mask 0x0FFFFFFF (dw1).
constexpr std::array<FieldSpec, 1> trap_fields(const SdmaTraits&) {
  return {{bits("int_context", 1, 0, 28)}};
}

// SDMA_PKT_TIMESTAMP_GET_GLOBAL: WRITE_ADDR_LO write_addr_31_3 mask 0x1FFFFFFF shift 3 (so the
// address is 8-byte aligned), WRITE_ADDR_HI dw2.
constexpr std::array<FieldSpec, 1> timestamp_fields(const SdmaTraits&) {
  return {{u64("addr", 1, 8)}};
}

// SDMA_PKT_NOP: HEADER count mask 0x3FFF shift 16.
constexpr std::array<FieldSpec, 1> nop_fields(const SdmaTraits&) {
  return {{bits("count", 0, 16, 14)}};
}

// SDMA_PKT_ATOMIC: HEADER loop 16, tmz 18, cache_policy shift 20 mask 7 and cpv 24 (v6),
// atomic_op shift 25 mask 0x7F; ADDR dw1/2; SRC_DATA dw3/4; CMP_DATA dw5/6;
// LOOP_INTERVAL loop_interval mask 0x1FFF (dw7).
enum AtomicField : size_t {
  kAtLoop,
  kAtTmz,
  kAtCachePolicy,
  kAtCpv,
  kAtOperation,
  kAtAddr,
  kAtSrc,
  kAtCmp,
  kAtLoopInterval
};
constexpr std::array<FieldSpec, 9> atomic_fields(const SdmaTraits& t) {
  return {{bits("loop", 0, 16, 1), bits("tmz", 0, 18, 1),
           bits_if(t.cache_policy, "cache_policy", 0, 20, 3),
           bits_if(t.cache_policy, "cpv", 0, 24, 1), bits("operation", 0, 25, 7), u64("addr", 1, 4),
           u64("src_data", 3, 1), u64("cmp_data", 5, 1), bits("loop_interval", 7, 0, 13)}};
}

// SDMA_PKT_COPY_LINEAR_SUBWIN (vega10/navi10/sdma_v6_0_0 *_sdma_pkt_open.h; ROCr
// sdma_registers.h SDMA_PKT_COPY_LINEAR_RECT): HEADER tmz shift 18, cpv shift 19 (v6),
// elementsize shift 29 mask 7; SRC_ADDR_LO/HI dw1/2; DW_3 src_x mask 0x3FFF shift 0, src_y mask
// 0x3FFF shift 16; DW_4 src_z shift 0 (mask rect_z_bits), src_pitch mask 0x7FFFF shift 13; DW_5
// src_slice_pitch mask 0x0FFFFFFF; DST_ADDR_LO/HI dw6/7; DW_8-10 the same for dst; DW_11 rect_x
// mask 0x3FFF shift 0, rect_y mask 0x3FFF shift 16; DW_12 rect_z shift 0, dst_sw shift 16 mask 3,
// dst_cache_policy shift 18 mask 7 (v6), src_sw shift 24 mask 3, src_cache_policy shift 26 mask 7
// (v6). GFX12 (ROCr SDMA_PKT_COPY_LINEAR_RECT_GFX12): element 29; x/y offsets 16 bits at 0/16;
// z offset 14 bits; pitch 16 bits at 16; slice pitch 32 bits; rect_x/rect_y 16 bits at 0/16;
// rect_z 14 bits; dst_cache_policy shift 20, src_cache_policy shift 28; no tmz/cpv/sw fields.
enum CopyLinearRectField : size_t {
  kRrTmz,
  kRrCpv,
  kRrElement,
  kRrSrc,
  kRrSrcX,
  kRrSrcY,
  kRrSrcZ,
  kRrSrcPitch,
  kRrSrcSlice,
  kRrDst,
  kRrDstX,
  kRrDstY,
  kRrDstZ,
  kRrDstPitch,
  kRrDstSlice,
  kRrRectX,
  kRrRectY,
  kRrRectZ,
  kRrDstSw,
  kRrDstCp,
  kRrSrcSw,
  kRrSrcCp,
  kRrFieldCount
};
constexpr std::array<FieldSpec, kRrFieldCount> copy_linear_rect_fields(const SdmaTraits& t) {
  const bool g12 = t.rect_gfx12_layout;
  const uint8_t xy = g12 ? 16 : 14;  // x/y offsets and rect_x/rect_y
  const uint8_t pitch_shift = g12 ? 16 : 13;
  const uint8_t pitch = g12 ? 16 : 19;
  const uint8_t slice = g12 ? 32 : 28;
  const uint8_t z = t.rect_z_bits;
  const uint8_t cp_dst = g12 ? 20 : 18;
  const uint8_t cp_src = g12 ? 28 : 26;
  return {{bits_if(!g12, "tmz", 0, 18, 1),
           bits_if(t.cache_policy && !g12, "cpv", 0, 19, 1),
           bits("element", 0, 29, 3),
           u64("src_addr", 1, 4),
           bits("src_offset_x", 3, 0, xy),
           bits("src_offset_y", 3, 16, xy),
           bits("src_offset_z", 4, 0, z),
           bits("src_pitch", 4, pitch_shift, pitch),
           bits("src_slice_pitch", 5, 0, slice),
           u64("dst_addr", 6, 4),
           bits("dst_offset_x", 8, 0, xy),
           bits("dst_offset_y", 8, 16, xy),
           bits("dst_offset_z", 9, 0, z),
           bits("dst_pitch", 9, pitch_shift, pitch),
           bits("dst_slice_pitch", 10, 0, slice),
           bits("rect_x", 11, 0, xy),
           bits("rect_y", 11, 16, xy),
           bits("rect_z", 12, 0, z),
           bits_if(!g12, "dst_sw", 12, 16, 2),
           bits_if(t.cache_policy, "dst_cache_policy", 12, cp_dst, 3),
           bits_if(!g12, "src_sw", 12, 24, 2),
           bits_if(t.cache_policy, "src_cache_policy", 12, cp_src, 3)}};
}

/// All field layouts of one generation.
struct VariantFields {
  std::array<FieldSpec, 8> copy_linear;
  std::array<FieldSpec, 6> constant_fill;
  std::array<FieldSpec, 5> write_linear;
  std::array<FieldSpec, 10> fence;
  std::array<FieldSpec, 10> poll_regmem;
  std::array<FieldSpec, 1> trap;
  std::array<FieldSpec, 1> timestamp;
  std::array<FieldSpec, 1> nop;
  std::array<FieldSpec, 9> atomic;
  std::array<FieldSpec, kRrFieldCount> copy_linear_rect;
};

constexpr VariantFields make_variant_fields(const SdmaTraits& t) {
  return VariantFields{copy_linear_fields(t),     constant_fill_fields(t), write_linear_fields(t),
                       fence_fields(t),           poll_regmem_fields(t),   trap_fields(t),
                       timestamp_fields(t),       nop_fields(t),           atomic_fields(t),
                       copy_linear_rect_fields(t)};
}

inline constexpr std::array<VariantFields, 4> kVariantFields = {
    make_variant_fields(kSdmaTraits[0]), make_variant_fields(kSdmaTraits[1]),
    make_variant_fields(kSdmaTraits[2]), make_variant_fields(kSdmaTraits[3])};

/// Which packet a layout describes.
enum class PacketKind : uint8_t {
  kNop,
  kCopyLinear,
  kWriteLinear,
  kFence,
  kTrap,
  kPollRegmem,
  kAtomic,
  kConstantFill,
  kTimestamp,
  kCopyLinearRect,
};

/// A packet: name, opcode, size, fields. Size = fixed_dwords, plus (value of field
/// `length_field` + length_bias) when length_field >= 0. Fields lying beyond the packet's size
/// (SDMA 7 COPY_LINEAR dcc_params when cpv = 0) are neither written nor decoded.
struct PacketLayout {
  PacketKind kind;
  std::string_view name;
  uint8_t op;
  uint8_t sub_op;
  uint32_t fixed_dwords;
  int8_t length_field;
  uint32_t length_bias;
  std::span<const FieldSpec> fields;
};

inline constexpr size_t kPacketKinds = 10;

/// Index of a variant in the tables, or kSdmaTraits.size() if the value is out of range.
constexpr size_t variant_index(SdmaVariant v) {
  const auto i = static_cast<size_t>(v);
  return i < kSdmaTraits.size() ? i : kSdmaTraits.size();
}

/// Every packet layout of a generation (v must be valid).
std::array<PacketLayout, kPacketKinds> packet_layouts(SdmaVariant v);

/// The layout of one packet kind on a generation (v must be valid).
PacketLayout packet_layout(SdmaVariant v, PacketKind kind);

}  // namespace amdhal::packets::sdma_detail
