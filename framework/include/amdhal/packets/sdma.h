// SDMA (System DMA engine) packet builders and decoder.
//
// Every SDMA packet starts with a header dword: op in bits 0-7, sub_op in bits 8-15,
// packet-specific flags above. Sizes are in dwords. Field positions come from the Linux kernel's
// packet headers:
//   SDMA 4.x (gfx9, kSdma4):   drivers/gpu/drm/amd/amdgpu/vega10_sdma_pkt_open.h
//                              (also used by sdma_v4_4_2.c for CDNA2/3)
//   SDMA 5.x (gfx10, kSdma5):  drivers/gpu/drm/amd/amdgpu/navi10_sdma_pkt_open.h
//                              (also used by sdma_v5_2.c)
//   SDMA 6.x (gfx11, kSdma6):  drivers/gpu/drm/amd/amdgpu/sdma_v6_0_0_pkt_open.h
//   SDMA 7.x (gfx12, kSdma7):  sdma_v7_0.c includes sdma_v6_0_0_pkt_open.h (no separate v7 header
//                              in the kernel tree checked), so SDMA 7 shares the SDMA 6 layouts.
// and ROCR-Runtime runtime/hsa-runtime/core/inc/sdma_registers.h (the runtime's blit packets).
//
// What differs between generations (COPY_LINEAR count width, FENCE memory attributes, cache-policy
// fields) is data in one per-variant table (see SdmaTraits / sdma_traits()); builders and the
// decoder read the same field tables. Builders range-check every field and write nothing on error;
// a packet that does not fit the stream returns kResourceExhausted and writes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/packets/decoded.h"
#include "amdhal/packets/stream.h"
#include "amdhal/status.h"

namespace amdhal::packets {

/// SDMA opcodes (header bits 0-7). Source: vega10/navi10/sdma_v6_0_0 *_sdma_pkt_open.h
/// (SDMA_OP_*), ROCr sdma_registers.h.
enum class SdmaOp : uint8_t {
  kNop = 0,
  kCopy = 1,
  kWrite = 2,
  kIndirect = 4,
  kFence = 5,
  kTrap = 6,
  kSemaphore = 7,
  kPollRegmem = 8,
  kCondExe = 9,
  kAtomic = 10,
  kConstFill = 11,
  kPtePde = 12,
  kTimestamp = 13,
};

/// Sub-opcodes (header bits 8-15) used here. Source: SDMA_SUBOP_* in the same headers.
inline constexpr uint8_t kSdmaSubOpCopyLinear = 0;
/// SDMA_SUBOP_COPY_LINEAR_SUB_WIND (kernel headers; ROCr: SDMA_SUBOP_COPY_LINEAR_RECT).
inline constexpr uint8_t kSdmaSubOpCopyLinearRect = 4;
inline constexpr uint8_t kSdmaSubOpWriteLinear = 0;  // kernel: SDMA_SUBOP_WRITE_LINEAR
inline constexpr uint8_t kSdmaSubOpTimestampGetGlobal = 2;

/// Comparison of POLL_REGMEM's `func` field (header bits 28-30). Same encoding as PM4
/// WAIT_REG_MEM (kernel soc15d.h WAIT_REG_MEM_FUNCTION: 0 always, 1 <, 2 <=, 3 ==, 4 !=, 5 >=,
/// 6 >); the kernel's SDMA code uses FUNC(3) for "==", ROCr too ("IsEqual").
enum class SdmaCompare : uint8_t {
  kAlways = 0,
  kLess = 1,
  kLessEqual = 2,
  kEqual = 3,
  kNotEqual = 4,
  kGreaterEqual = 5,
  kGreater = 6,
};

/// Per-generation facts of the SDMA packet formats. One row per SdmaVariant; nothing else in the
/// SDMA code branches on the variant.
struct SdmaTraits {
  SdmaVariant variant;
  std::string_view header_source;  ///< kernel header the layouts come from
  /// Width of COPY_LINEAR's count field (count = bytes - 1). 22 bits on vega10/navi10 headers
  /// (SDMA_PKT_COPY_LINEAR_COUNT_count_mask 0x003FFFFF), 30 bits on sdma_v6_0_0 (0x3FFFFFFF).
  uint8_t copy_count_bits;
  /// Width of CONSTANT_FILL's count field (count = bytes - 1): 22 bits / 30 bits, same sources.
  uint8_t fill_count_bits;
  /// FENCE header carries mtype(16-18) gcc(19) sys(20) snp(22) gpa(23) l2_policy(24-25): navi10+
  /// (vega10_sdma_pkt_open.h has no FENCE header fields).
  bool fence_memory_attributes;
  /// cpv ("cache policy valid") and cache_policy fields in COPY_LINEAR, CONSTANT_FILL,
  /// WRITE_LINEAR, POLL_REGMEM, ATOMIC, FENCE(llc_policy, cpv): sdma_v6_0_0_pkt_open.h only.
  bool cache_policy;
  /// COPY_LINEAR with header cpv = 1 carries an 8th dword (DCC/compression parameters): SDMA 7
  /// (kernel sdma_v7_0.c emit_copy_buffer, copy_num_dw = 8). Without cpv it is 7 dwords.
  bool copy_cpv_adds_dword;
  /// COPY_LINEAR_RECT: width of the z offsets and of rect_z (11 bits on vega10, 13 bits on
  /// navi10 and sdma_v6_0_0 (SDMA_PKT_COPY_LINEAR_SUBWIN_DW_4_src_z_mask 0x1FFF), 14 bits in
  /// ROCr's SDMA_PKT_COPY_LINEAR_RECT_GFX12).
  uint8_t rect_z_bits;
  /// COPY_LINEAR_RECT uses ROCr's GFX12 layout (SDMA_PKT_COPY_LINEAR_RECT_GFX12 in
  /// sdma_registers.h): 16-bit x/y offsets and extents, 16-bit pitch at bit 16, 32-bit slice
  /// pitch, cache policies at dw12 bits 20 and 28, no tmz/cpv. Otherwise the SUBWIN layout of the
  /// kernel headers: 14-bit x/y, 19-bit pitch at bit 13, 28-bit slice pitch.
  bool rect_gfx12_layout;
};

/// The traits row of a variant.
const SdmaTraits& sdma_traits(SdmaVariant variant);

/// Most bytes one COPY_LINEAR (resp. CONSTANT_FILL) packet can move on this generation:
/// 2^count_bits (count = bytes - 1). 4 MiB on SDMA 4/5, 1 GiB on SDMA 6/7.
uint64_t sdma_copy_max_bytes(SdmaVariant variant);
uint64_t sdma_fill_max_bytes(SdmaVariant variant);

// ---- Packet sizes in dwords ----
/// COPY_LINEAR with cpv = 0 (what emit_sdma_copy() writes); on SDMA 7, cpv = 1 adds a dword.
inline constexpr size_t kSdmaCopyLinearDwords = 7;
inline constexpr size_t kSdmaConstantFillDwords = 5;
inline constexpr size_t kSdmaFenceDwords = 4;
inline constexpr size_t kSdmaPollRegmemDwords = 6;
inline constexpr size_t kSdmaTrapDwords = 2;
inline constexpr size_t kSdmaTimestampDwords = 3;
inline constexpr size_t kSdmaAtomicDwords = 8;
inline constexpr size_t kSdmaCopyLinearRectDwords = 13;
/// WRITE_LINEAR: 4 header dwords + the inline data (count field = data dwords - 1, 20 bits).
inline constexpr size_t kSdmaWriteLinearMaxData = size_t{1} << 20;
constexpr size_t sdma_write_linear_dwords(size_t data_dwords) {
  return 4 + data_dwords;
}
/// NOP: the header's count (bits 16-29) says how many dwords follow it; 1..2^14 dwords in total.
inline constexpr size_t kSdmaNopMaxDwords = size_t{1} << 14;

/// Number of COPY_LINEAR packets / dwords emit_sdma_copy() writes for `bytes` (0 for 0 bytes).
uint64_t sdma_copy_packet_count(SdmaVariant variant, uint64_t bytes);
uint64_t sdma_copy_dwords(SdmaVariant variant, uint64_t bytes);
/// Same for emit_sdma_fill().
uint64_t sdma_fill_packet_count(SdmaVariant variant, uint64_t bytes);
uint64_t sdma_fill_dwords(SdmaVariant variant, uint64_t bytes);

// ---- Packets ----
// Fields marked "SDMA 6+" only exist on kSdma6/kSdma7; on older generations they must stay 0 (a
// non-zero value is rejected with kInvalidArgument naming the field).

/// COPY_LINEAR (op 1, sub_op 0, 7 dwords): byte copy between two GPU virtual addresses.
/// dw0 header: tmz bit 18, cpv bit 19 (SDMA 6+); dw1 count = bytes - 1 (22 or 30 bits);
/// dw2 dst_cache_policy bits 18-20, src_cache_policy bits 26-28 (SDMA 6+);
/// dw3-4 src address lo/hi; dw5-6 dst address lo/hi. On SDMA 7, cpv = 1 makes the packet 8
/// dwords: dw7 holds DCC (compression) parameters (kernel sdma_v7_0.c; 0 = none).
struct SdmaCopyLinear {
  uint64_t dst_addr = 0;
  uint64_t src_addr = 0;
  uint64_t bytes = 0;             ///< 1 .. sdma_copy_max_bytes()
  uint32_t tmz = 0;               ///< trusted-memory-zone access (0/1)
  uint32_t cpv = 0;               ///< SDMA 6+: cache policies below are valid (0/1)
  uint32_t dst_cache_policy = 0;  ///< SDMA 6+: 3 bits
  uint32_t src_cache_policy = 0;  ///< SDMA 6+: 3 bits
  uint32_t dcc_params = 0;        ///< SDMA 7 with cpv = 1 only: the 8th dword (SDMA_DCC_* fields)
};

/// COPY_LINEAR_RECT (op 1, sub_op 4, 13 dwords; the kernel headers call it COPY_LINEAR_SUBWIN):
/// copies a rect_x x rect_y x rect_z box of elements of 2^element bytes between two pitched
/// linear surfaces. Element (x, y, z) of a side is at
///   addr + ((offset_z + z) * slice_pitch + (offset_y + y) * pitch + offset_x + x) * 2^element
/// with offsets, pitches and extents all counted in elements (ROCr amd_blit_sdma.cpp
/// BuildCopyRectCommand writes pitch = (pitch_bytes >> element) - 1, slice = (slice_bytes >>
/// element) - 1, rect = count - 1). This struct holds the plain values; the builder writes the
/// "minus one" encodings of pitch, slice_pitch and rect_*. slice_pitch 0 means "not used" (only
/// valid while offset_z = 0 and rect_z = 1; it is then written as 0, as ROCr does).
/// Layout (vega10/navi10/sdma_v6_0_0 SDMA_PKT_COPY_LINEAR_SUBWIN, ROCr SDMA_PKT_COPY_LINEAR_RECT):
/// dw0 tmz 18, cpv 19 (SDMA 6), element 29-31; dw1-2 src addr; dw3 src_offset_x 0-13,
/// src_offset_y 16-29; dw4 src_offset_z 0-10 (0-12 on SDMA 5/6), src_pitch 13-31; dw5
/// src_slice_pitch 0-27; dw6-7 dst addr; dw8-10 as dw3-5 for dst; dw11 rect_x 0-13, rect_y 16-29;
/// dw12 rect_z 0-10 (0-12), dst_sw 16-17, dst_cache_policy 18-20 (SDMA 6), src_sw 24-25,
/// src_cache_policy 26-28 (SDMA 6). SDMA 7 uses ROCr's GFX12 layout (see
/// SdmaTraits::rect_gfx12_layout). Base addresses must be 4-byte aligned (ROCr
/// SubmitCopyRectCommand: "Hardware requires DWORD alignment for base address").
struct SdmaCopyLinearRect {
  uint64_t src_addr = 0;
  uint64_t dst_addr = 0;
  uint32_t element = 0;  ///< log2 of the element size in bytes: 0 .. 4 (1 .. 16 bytes)
  uint32_t src_offset_x = 0, src_offset_y = 0, src_offset_z = 0;  ///< elements / rows / slices
  uint32_t dst_offset_x = 0, dst_offset_y = 0, dst_offset_z = 0;
  uint64_t src_pitch = 0;        ///< elements per row, >= 1
  uint64_t src_slice_pitch = 0;  ///< elements per slice; 0 = not used
  uint64_t dst_pitch = 0;
  uint64_t dst_slice_pitch = 0;
  uint32_t rect_x = 0;  ///< elements per row to copy, >= 1
  uint32_t rect_y = 0;  ///< rows, >= 1
  uint32_t rect_z = 0;  ///< slices, >= 1
  uint32_t tmz = 0;     ///< SDMA 4-6
  uint32_t cpv = 0;     ///< SDMA 6
  uint32_t dst_sw = 0;  ///< endian swap, 2 bits (SDMA 4-6)
  uint32_t src_sw = 0;
  uint32_t dst_cache_policy = 0;  ///< SDMA 6+: 3 bits
  uint32_t src_cache_policy = 0;  ///< SDMA 6+: 3 bits
};

/// Largest element size code COPY_LINEAR_RECT takes (16-byte elements; ROCr's
/// maxAlignedElement never goes above 4).
inline constexpr uint32_t kSdmaRectMaxElement = 4;

/// CONSTANT_FILL (op 11, sub_op 0, 5 dwords): fills `bytes` at dst_addr with `data`.
/// dw0: cache_policy bits 24-26 (SDMA 6+), cpv bit 28 (SDMA 6+), fill_size bits 30-31;
/// dw1-2 dst; dw3 data; dw4 count = bytes - 1 (22 or 30 bits, as in the kernel's
/// emit_fill_buffer). fill_size 2 selects dword elements (what ROCr uses); with it, dst_addr and
/// bytes must be multiples of 4.
struct SdmaConstantFill {
  uint64_t dst_addr = 0;
  uint32_t data = 0;
  uint64_t bytes = 0;         ///< 1 .. sdma_fill_max_bytes()
  uint32_t fill_size = 2;     ///< log2 of the element size: 2 = dword
  uint32_t cpv = 0;           ///< SDMA 6+
  uint32_t cache_policy = 0;  ///< SDMA 6+: 3 bits
};

/// WRITE_LINEAR (kernel: WRITE_UNTILED; op 2, sub_op 0, 4 + n dwords): writes `data` inline.
/// dw0: tmz bit 18, cpv bit 28 (SDMA 6+); dw1-2 dst (dword aligned); dw3: count = n - 1 bits
/// 0-19, cache_policy bits 26-28 (SDMA 6+); dw4.. data.
struct SdmaWriteLinear {
  uint64_t dst_addr = 0;
  std::span<const uint32_t> data;  ///< 1 .. kSdmaWriteLinearMaxData dwords
  uint32_t tmz = 0;
  uint32_t cpv = 0;           ///< SDMA 6+
  uint32_t cache_policy = 0;  ///< SDMA 6+: 3 bits
};

/// FENCE (op 5, 4 dwords): writes a 32-bit `data` to a dword-aligned address when all previous
/// packets are done. dw0 (SDMA 5+): mtype 16-18, gcc 19, sys 20, snp 22, gpa 23, l2_policy
/// 24-25; (SDMA 6+) llc_policy 26, cpv 28. The kernel's sdma_v7_0.c writes mtype 3 (UC).
struct SdmaFence {
  uint64_t addr = 0;
  uint32_t data = 0;
  uint32_t mtype = 0;       ///< SDMA 5+: 3 bits
  uint32_t gcc = 0;         ///< SDMA 5+
  uint32_t sys = 0;         ///< SDMA 5+
  uint32_t snp = 0;         ///< SDMA 5+
  uint32_t gpa = 0;         ///< SDMA 5+
  uint32_t l2_policy = 0;   ///< SDMA 5+: 2 bits
  uint32_t llc_policy = 0;  ///< SDMA 6+
  uint32_t cpv = 0;         ///< SDMA 6+
};

/// POLL_REGMEM (op 8, 6 dwords): waits until (value_at(addr) & mask) <func> reference.
/// dw0: cache_policy 20-22 and cpv 24 (SDMA 6+), hdp_flush 26, func 28-30, mem_poll 31;
/// dw1-2 address (memory form: dword-aligned GPU VA; register form: register byte offsets, see
/// sdma_hdp_flush()); dw3 reference; dw4 mask; dw5 interval bits 0-15, retry_count bits 16-27
/// (0xfff = retry forever, as the kernel and ROCr use).
struct SdmaPollRegmem {
  uint64_t addr = 0;
  uint32_t reference = 0;  ///< hardware name: VALUE
  uint32_t mask = 0xffffffff;
  SdmaCompare function = SdmaCompare::kEqual;
  uint32_t mem_poll = 1;         ///< 1 = poll memory, 0 = poll a register
  uint32_t hdp_flush = 0;        ///< 1 = HDP flush form (register poll of the NBIO flush registers)
  uint32_t interval = 10;        ///< 16 bits
  uint32_t retry_count = 0xfff;  ///< 12 bits
  uint32_t cpv = 0;              ///< SDMA 6+
  uint32_t cache_policy = 0;     ///< SDMA 6+: 3 bits
};

/// The HDP-flush form of POLL_REGMEM the kernel emits (sdma_v*_ring_emit_hdp_flush): register
/// poll (mem_poll 0), hdp_flush 1, func ==, dw1 = done_reg << 2, dw2 = req_reg << 2,
/// reference = mask = ref_and_mask, interval 10, retry 0xfff. Register numbers are dword offsets
/// of NBIO's HDP flush done/request registers; ref_and_mask is the engine's bit in them.
SdmaPollRegmem sdma_hdp_flush(uint32_t done_reg, uint32_t req_reg, uint32_t ref_and_mask);

/// TRAP (op 6, 2 dwords): raises an interrupt; dw1 bits 0-27 int_context (KFD: event id).
struct SdmaTrap {
  uint32_t int_context = 0;  ///< 28 bits
};

/// TIMESTAMP GET_GLOBAL (op 13, sub_op 2, 3 dwords): writes the 64-bit global GPU timestamp to
/// an 8-byte aligned address (kernel: write_addr_31_3 mask 0x1FFFFFFF shift 3).
struct SdmaTimestamp {
  uint64_t addr = 0;
};

/// NOP (op 0, 1 + count dwords): header count bits 16-29 = dwords following the header.
struct SdmaNop {
  uint32_t dwords = 1;  ///< total size including the header, 1 .. kSdmaNopMaxDwords
};

/// ATOMIC (op 10, 8 dwords): an atomic on memory. dw0: loop 16, tmz 18, cache_policy 20-22 and
/// cpv 24 (SDMA 6+), operation 25-31 (ROCr: 47 = ADD64); dw1-2 addr (64-bit ops need 8-byte
/// alignment; dword alignment is checked); dw3-4 src_data; dw5-6 cmp_data; dw7 loop_interval
/// bits 0-12.
struct SdmaAtomic {
  uint64_t addr = 0;
  uint32_t operation = 47;  ///< 7 bits; ROCr's SDMA_ATOMIC_ADD64 = 47
  uint64_t src_data = 0;
  uint64_t cmp_data = 0;
  uint32_t loop = 0;
  uint32_t loop_interval = 0;  ///< 13 bits
  uint32_t tmz = 0;
  uint32_t cpv = 0;           ///< SDMA 6+
  uint32_t cache_policy = 0;  ///< SDMA 6+: 3 bits
};
inline constexpr uint32_t kSdmaAtomicAdd64 = 47;
/// TC_OP_ATOMIC_SWAP_RTN_64 (0x27) of the GFX9+ TC atomic operation list (the same list ROCr's
/// ADD64 = 0x2f comes from): stores src_data as one 64-bit write.
inline constexpr uint32_t kSdmaAtomicSwap64 = 39;

// ---- Builders: append one packet, or return an error and write nothing ----
Status emit_sdma_copy_linear(PacketStream& s, SdmaVariant v, const SdmaCopyLinear& p);
Status emit_sdma_constant_fill(PacketStream& s, SdmaVariant v, const SdmaConstantFill& p);
Status emit_sdma_write_linear(PacketStream& s, SdmaVariant v, const SdmaWriteLinear& p);
Status emit_sdma_fence(PacketStream& s, SdmaVariant v, const SdmaFence& p);
Status emit_sdma_poll_regmem(PacketStream& s, SdmaVariant v, const SdmaPollRegmem& p);
Status emit_sdma_trap(PacketStream& s, SdmaVariant v, const SdmaTrap& p);
Status emit_sdma_timestamp(PacketStream& s, SdmaVariant v, const SdmaTimestamp& p);
Status emit_sdma_nop(PacketStream& s, SdmaVariant v, const SdmaNop& p);
Status emit_sdma_atomic(PacketStream& s, SdmaVariant v, const SdmaAtomic& p);
Status emit_sdma_copy_linear_rect(PacketStream& s, SdmaVariant v, const SdmaCopyLinearRect& p);

/// Copies `bytes` from src to dst with as many COPY_LINEAR packets as the generation's count
/// width needs (each at most sdma_copy_max_bytes(); addresses advance by the bytes already
/// copied). All or nothing: the total size is checked against the stream before anything is
/// written. bytes == 0 writes nothing and succeeds (COPY_LINEAR cannot express an empty copy).
/// An address range that wraps past 2^64 is kInvalidArgument.
Status emit_sdma_copy(PacketStream& s, SdmaVariant v, uint64_t dst, uint64_t src, uint64_t bytes);

/// Peer-to-peer copy between devices. On SDMA this is the same COPY_LINEAR packet: the engine
/// only sees GPU virtual addresses, and a peer device's memory is reachable once it is mapped
/// into this device's GPUVM (KFD MAP_MEMORY_TO_GPU on this GPU; traffic goes over PCIe or XGMI).
/// This helper only takes the two addresses and calls emit_sdma_copy().
Status emit_sdma_peer_copy(PacketStream& s, SdmaVariant v, uint64_t dst_peer_addr,
                           uint64_t src_addr, uint64_t bytes);

/// Fills `bytes` (a multiple of 4, dst dword aligned) with the 32-bit `value` using as many
/// dword CONSTANT_FILL packets as needed; all or nothing; bytes == 0 writes nothing.
Status emit_sdma_fill(PacketStream& s, SdmaVariant v, uint64_t dst, uint32_t value, uint64_t bytes);

// ---- Decoder ----
/// Decodes an SDMA dword stream of the given generation into one record per packet, using the
/// builders' field tables. Never reads past `dwords`. Names: COPY_LINEAR, COPY_LINEAR_RECT,
/// CONSTANT_FILL, WRITE_LINEAR, FENCE, POLL_REGMEM, TRAP, TIMESTAMP, NOP, ATOMIC; anything else is
/// "UNKNOWN" (one dword consumed, `error` says op/sub_op and the offset). A packet running past the
/// end is one record holding the remaining dwords with a "truncated" error. Field names are the
/// lower_snake_case names used in the structs above, except that COPY_LINEAR/CONSTANT_FILL/
/// WRITE_LINEAR/NOP report the raw `count` field and COPY_LINEAR_RECT reports the raw
/// (value - 1) encodings in src_pitch, src_slice_pitch, dst_pitch, dst_slice_pitch and
/// rect_x/rect_y/rect_z; 64-bit addresses and data are one field
/// (dst_addr, src_addr, addr, src_data, cmp_data); WRITE_LINEAR adds data_0 .. data_63 (data
/// beyond 64 dwords is counted but not listed).
std::vector<DecodedPacket> decode_sdma(SdmaVariant variant, std::span<const uint32_t> dwords);

/// The most WRITE_LINEAR data dwords decode_sdma() lists as fields.
inline constexpr size_t kSdmaDecodeMaxDataFields = 64;

}  // namespace amdhal::packets
