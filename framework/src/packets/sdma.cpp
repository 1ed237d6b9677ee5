// SDMA packet builders. Field layouts: packets/sdma_tables.h (shared with sdma_decode.cpp).
#include "amdhal/packets/sdma.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "packets/sdma_tables.h"

namespace amdhal::packets {
namespace sdma_detail {

std::array<PacketLayout, kPacketKinds> packet_layouts(SdmaVariant v) {
  const VariantFields& f = kVariantFields[variant_index(v)];
  const SdmaTraits& t = kSdmaTraits[variant_index(v)];
  const int8_t copy_length = t.copy_cpv_adds_dword ? static_cast<int8_t>(kClCpv) : int8_t{-1};
  // op/sub_op: SDMA_OP_* / SDMA_SUBOP_* of the kernel headers (see sdma.h).
  return {{
      {PacketKind::kNop, "NOP", 0, 0, 1, 0, 0, f.nop},
      {PacketKind::kCopyLinear, "COPY_LINEAR", 1, kSdmaSubOpCopyLinear, 7, copy_length, 0,
       f.copy_linear},
      {PacketKind::kWriteLinear, "WRITE_LINEAR", 2, kSdmaSubOpWriteLinear, 4, kWlCount, 1,
       f.write_linear},
      {PacketKind::kFence, "FENCE", 5, 0, 4, -1, 0, f.fence},
      {PacketKind::kTrap, "TRAP", 6, 0, 2, -1, 0, f.trap},
      {PacketKind::kPollRegmem, "POLL_REGMEM", 8, 0, 6, -1, 0, f.poll_regmem},
      {PacketKind::kAtomic, "ATOMIC", 10, 0, 8, -1, 0, f.atomic},
      {PacketKind::kConstantFill, "CONSTANT_FILL", 11, 0, 5, -1, 0, f.constant_fill},
      {PacketKind::kTimestamp, "TIMESTAMP", 13, kSdmaSubOpTimestampGetGlobal, 3, -1, 0,
       f.timestamp},
      {PacketKind::kCopyLinearRect, "COPY_LINEAR_RECT", 1, kSdmaSubOpCopyLinearRect,
       kSdmaCopyLinearRectDwords, -1, 0, f.copy_linear_rect},
  }};
}

PacketLayout packet_layout(SdmaVariant v, PacketKind kind) {
  return packet_layouts(v)[static_cast<size_t>(kind)];
}

}  // namespace sdma_detail

using namespace sdma_detail;

namespace {

Status check_variant(SdmaVariant v) {
  if (variant_index(v) >= kSdmaTraits.size()) {
    return invalid_argument(
        fmt::format("unknown SDMA variant {}", static_cast<unsigned>(static_cast<uint8_t>(v))));
  }
  return ok_status();
}

std::string where(const PacketLayout& l, SdmaVariant v) {
  return fmt::format("SDMA {} ({})", l.name, sdma_variant_name(v));
}

/// The last dword index a field touches.
size_t last_dword(const FieldSpec& f) {
  return f.kind == FieldKind::kU64 ? f.dword + 1u : f.dword;
}

/// Range-checks `values` (one per field of `l`) and appends the packet. Its size comes from the
/// layout (as in the decoder); `payload` is copied after the fixed dwords. Fields lying beyond
/// the packet's size are not written (callers check they are 0). Writes nothing on error.
Status encode(PacketStream& s, SdmaVariant v, const PacketLayout& l,
              std::span<const uint64_t> values, std::span<const uint32_t> payload = {}) {
  for (size_t i = 0; i < l.fields.size(); ++i) {
    const FieldSpec& f = l.fields[i];
    const uint64_t value = values[i];
    if (f.kind == FieldKind::kU64) {
      if (f.align > 1 && value % f.align != 0) {
        return invalid_argument(fmt::format("{}: field '{}' value {:#x} must be {}-byte aligned",
                                            where(l, v), f.name, value, f.align));
      }
      continue;
    }
    if (f.width == 0) {
      if (value != 0) {
        return invalid_argument(
            fmt::format("{}: field '{}' does not exist on this generation (must be 0, got {:#x})",
                        where(l, v), f.name, value));
      }
      continue;
    }
    if (f.width < 64 && (value >> f.width) != 0) {
      return invalid_argument(fmt::format("{}: field '{}' value {:#x} does not fit in {} bits",
                                          where(l, v), f.name, value, f.width));
    }
  }

  size_t total = l.fixed_dwords;
  if (l.length_field >= 0) {
    total += static_cast<size_t>(values[static_cast<size_t>(l.length_field)]) + l.length_bias;
  }
  if (payload.size() > total - l.fixed_dwords) {
    return internal_error(fmt::format("{}: {} payload dwords for a {}-dword packet", where(l, v),
                                      payload.size(), total));
  }
  std::array<uint32_t, 16> small{};
  std::vector<uint32_t> large;
  std::span<uint32_t> out;
  if (total <= small.size()) {
    out = std::span<uint32_t>(small).first(total);
  } else {
    large.assign(total, 0u);
    out = large;
  }
  std::copy(payload.begin(), payload.end(), out.begin() + l.fixed_dwords);
  out[0] = static_cast<uint32_t>(l.op) | (static_cast<uint32_t>(l.sub_op) << 8);
  for (size_t i = 0; i < l.fields.size(); ++i) {
    const FieldSpec& f = l.fields[i];
    const uint64_t value = values[i];
    if (last_dword(f) >= total) continue;
    if (f.kind == FieldKind::kU64) {
      out[f.dword] = static_cast<uint32_t>(value);
      out[f.dword + 1] = static_cast<uint32_t>(value >> 32);
    } else if (f.width != 0) {
      out[f.dword] |= static_cast<uint32_t>(value << f.shift);
    }
  }
  return s.append(out);
}

Status check_flag(const PacketLayout& l, SdmaVariant v, std::string_view name, uint64_t value,
                  uint64_t limit) {
  if (value > limit) {
    return invalid_argument(
        fmt::format("{}: field '{}' value {:#x} exceeds {:#x}", where(l, v), name, value, limit));
  }
  return ok_status();
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return a / b + (a % b != 0 ? 1 : 0);
}

}  // namespace

const SdmaTraits& sdma_traits(SdmaVariant variant) {
  const size_t i = variant_index(variant);
  return kSdmaTraits[i < kSdmaTraits.size() ? i : 0];
}

uint64_t sdma_copy_max_bytes(SdmaVariant variant) {
  return uint64_t{1} << sdma_traits(variant).copy_count_bits;
}

uint64_t sdma_fill_max_bytes(SdmaVariant variant) {
  return uint64_t{1} << sdma_traits(variant).fill_count_bits;
}

uint64_t sdma_copy_packet_count(SdmaVariant variant, uint64_t bytes) {
  return ceil_div(bytes, sdma_copy_max_bytes(variant));
}

uint64_t sdma_copy_dwords(SdmaVariant variant, uint64_t bytes) {
  return sdma_copy_packet_count(variant, bytes) * kSdmaCopyLinearDwords;
}

uint64_t sdma_fill_packet_count(SdmaVariant variant, uint64_t bytes) {
  return ceil_div(bytes, sdma_fill_max_bytes(variant));
}

uint64_t sdma_fill_dwords(SdmaVariant variant, uint64_t bytes) {
  return sdma_fill_packet_count(variant, bytes) * kSdmaConstantFillDwords;
}

SdmaPollRegmem sdma_hdp_flush(uint32_t done_reg, uint32_t req_reg, uint32_t ref_and_mask) {
  SdmaPollRegmem p;
  // Register form: dw1/dw2 hold the registers' byte offsets (kernel: addr0 << 2, addr1 << 2).
  p.addr = (static_cast<uint64_t>(req_reg) << 34) | (static_cast<uint64_t>(done_reg) << 2);
  p.reference = ref_and_mask;
  p.mask = ref_and_mask;
  p.function = SdmaCompare::kEqual;
  p.mem_poll = 0;
  p.hdp_flush = 1;
  p.interval = 10;
  p.retry_count = 0xfff;
  return p;
}

Status emit_sdma_copy_linear(PacketStream& s, SdmaVariant v, const SdmaCopyLinear& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kCopyLinear);
  const uint64_t max = sdma_copy_max_bytes(v);
  if (p.bytes == 0 || p.bytes > max) {
    return invalid_argument(
        fmt::format("{}: field 'bytes' value {:#x} must be 1 .. {:#x}", where(l, v), p.bytes, max));
  }
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "tmz", p.tmz, 1));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "cpv", p.cpv, 1));
  if (p.dcc_params != 0 && !(sdma_traits(v).copy_cpv_adds_dword && p.cpv == 1)) {
    return invalid_argument(fmt::format(
        "{}: field 'dcc_params' value {:#x} needs cpv = 1 on a generation with the DCC dword "
        "(SDMA 7)",
        where(l, v), p.dcc_params));
  }
  std::array<uint64_t, 8> values{};
  values[kClTmz] = p.tmz;
  values[kClCpv] = p.cpv;
  values[kClCount] = p.bytes - 1;
  values[kClDstCp] = p.dst_cache_policy;
  values[kClSrcCp] = p.src_cache_policy;
  values[kClSrc] = p.src_addr;
  values[kClDst] = p.dst_addr;
  values[kClDccParams] = p.dcc_params;
  return encode(s, v, l, values);
}

Status emit_sdma_constant_fill(PacketStream& s, SdmaVariant v, const SdmaConstantFill& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kConstantFill);
  const uint64_t max = sdma_fill_max_bytes(v);
  if (p.bytes == 0 || p.bytes > max) {
    return invalid_argument(
        fmt::format("{}: field 'bytes' value {:#x} must be 1 .. {:#x}", where(l, v), p.bytes, max));
  }
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "fill_size", p.fill_size, 3));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "cpv", p.cpv, 1));
  if (p.fill_size == 2) {
    if (p.bytes % 4 != 0) {
      return invalid_argument(
          fmt::format("{}: field 'bytes' value {:#x} must be a multiple of 4 for dword fills",
                      where(l, v), p.bytes));
    }
    if (p.dst_addr % 4 != 0) {
      return invalid_argument(
          fmt::format("{}: field 'dst_addr' value {:#x} must be 4-byte aligned for dword fills",
                      where(l, v), p.dst_addr));
    }
  }
  std::array<uint64_t, 6> values{};
  values[kCfCachePolicy] = p.cache_policy;
  values[kCfCpv] = p.cpv;
  values[kCfFillSize] = p.fill_size;
  values[kCfDst] = p.dst_addr;
  values[kCfData] = p.data;
  values[kCfCount] = p.bytes - 1;
  return encode(s, v, l, values);
}

Status emit_sdma_write_linear(PacketStream& s, SdmaVariant v, const SdmaWriteLinear& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kWriteLinear);
  if (p.data.empty() || p.data.size() > kSdmaWriteLinearMaxData) {
    return invalid_argument(fmt::format("{}: field 'data' has {} dwords, must be 1 .. {}",
                                        where(l, v), p.data.size(), kSdmaWriteLinearMaxData));
  }
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "tmz", p.tmz, 1));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "cpv", p.cpv, 1));
  std::array<uint64_t, 5> values{};
  values[kWlTmz] = p.tmz;
  values[kWlCpv] = p.cpv;
  values[kWlDst] = p.dst_addr;
  values[kWlCount] = p.data.size() - 1;
  values[kWlCachePolicy] = p.cache_policy;
  return encode(s, v, l, values, p.data);
}

Status emit_sdma_fence(PacketStream& s, SdmaVariant v, const SdmaFence& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kFence);
  std::array<uint64_t, 10> values{};
  values[kFeMtype] = p.mtype;
  values[kFeGcc] = p.gcc;
  values[kFeSys] = p.sys;
  values[kFeSnp] = p.snp;
  values[kFeGpa] = p.gpa;
  values[kFeL2Policy] = p.l2_policy;
  values[kFeLlcPolicy] = p.llc_policy;
  values[kFeCpv] = p.cpv;
  values[kFeAddr] = p.addr;
  values[kFeData] = p.data;
  return encode(s, v, l, values);
}

Status emit_sdma_poll_regmem(PacketStream& s, SdmaVariant v, const SdmaPollRegmem& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kPollRegmem);
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "mem_poll", p.mem_poll, 1));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "hdp_flush", p.hdp_flush, 1));
  std::array<uint64_t, 10> values{};
  values[kPrCachePolicy] = p.cache_policy;
  values[kPrCpv] = p.cpv;
  values[kPrHdpFlush] = p.hdp_flush;
  values[kPrFunction] = static_cast<uint8_t>(p.function);
  values[kPrMemPoll] = p.mem_poll;
  values[kPrAddr] = p.addr;
  values[kPrReference] = p.reference;
  values[kPrMask] = p.mask;
  values[kPrInterval] = p.interval;
  values[kPrRetry] = p.retry_count;
  return encode(s, v, l, values);
}

Status emit_sdma_trap(PacketStream& s, SdmaVariant v, const SdmaTrap& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const std::array<uint64_t, 1> values{p.int_context};
  return encode(s, v, packet_layout(v, PacketKind::kTrap), values);
}

Status emit_sdma_timestamp(PacketStream& s, SdmaVariant v, const SdmaTimestamp& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const std::array<uint64_t, 1> values{p.addr};
  return encode(s, v, packet_layout(v, PacketKind::kTimestamp), values);
}

Status emit_sdma_nop(PacketStream& s, SdmaVariant v, const SdmaNop& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kNop);
  if (p.dwords == 0 || p.dwords > kSdmaNopMaxDwords) {
    return invalid_argument(fmt::format("{}: field 'dwords' value {} must be 1 .. {}", where(l, v),
                                        p.dwords, kSdmaNopMaxDwords));
  }
  // The header's count says how many (ignored) dwords follow; encode() writes them as zeros.
  const std::array<uint64_t, 1> values{p.dwords - 1u};
  return encode(s, v, l, values);
}

Status emit_sdma_atomic(PacketStream& s, SdmaVariant v, const SdmaAtomic& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kAtomic);
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "loop", p.loop, 1));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "tmz", p.tmz, 1));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "cpv", p.cpv, 1));
  std::array<uint64_t, 9> values{};
  values[kAtLoop] = p.loop;
  values[kAtTmz] = p.tmz;
  values[kAtCachePolicy] = p.cache_policy;
  values[kAtCpv] = p.cpv;
  values[kAtOperation] = p.operation;
  values[kAtAddr] = p.addr;
  values[kAtSrc] = p.src_data;
  values[kAtCmp] = p.cmp_data;
  values[kAtLoopInterval] = p.loop_interval;
  return encode(s, v, l, values);
}

Status emit_sdma_copy_linear_rect(PacketStream& s, SdmaVariant v, const SdmaCopyLinearRect& p) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const PacketLayout l = packet_layout(v, PacketKind::kCopyLinearRect);
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "element", p.element, kSdmaRectMaxElement));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "tmz", p.tmz, 1));
  AMDHAL_RETURN_IF_ERROR(check_flag(l, v, "cpv", p.cpv, 1));
  // Pitches, slice pitches and extents are written as value - 1 (ROCr BuildCopyRectCommand):
  // 1 .. 2^width can be expressed (a slice pitch may also be 0, "not used").
  const std::array<std::pair<size_t, uint64_t>, 7> minus_one_fields = {{
      {kRrRectX, p.rect_x},
      {kRrRectY, p.rect_y},
      {kRrRectZ, p.rect_z},
      {kRrSrcPitch, p.src_pitch},
      {kRrDstPitch, p.dst_pitch},
      {kRrSrcSlice, p.src_slice_pitch},
      {kRrDstSlice, p.dst_slice_pitch},
  }};
  for (const auto& [index, value] : minus_one_fields) {
    const FieldSpec& f = l.fields[index];
    const bool slice = index == kRrSrcSlice || index == kRrDstSlice;
    const uint64_t max = uint64_t{1} << f.width;
    if ((value == 0 && !slice) || value > max) {
      return invalid_argument(fmt::format("{}: field '{}' value {:#x} must be {} .. {:#x}",
                                          where(l, v), f.name, value, slice ? 0 : 1, max));
    }
  }
  // A slice pitch is needed as soon as the copy touches a slice other than 0.
  const bool src_slices = p.src_offset_z != 0 || p.rect_z > 1;
  const bool dst_slices = p.dst_offset_z != 0 || p.rect_z > 1;
  if (src_slices && p.src_slice_pitch == 0) {
    return invalid_argument(fmt::format(
        "{}: field 'src_slice_pitch' must be at least 1 when rect_z > 1 or src_offset_z > 0",
        where(l, v)));
  }
  if (dst_slices && p.dst_slice_pitch == 0) {
    return invalid_argument(fmt::format(
        "{}: field 'dst_slice_pitch' must be at least 1 when rect_z > 1 or dst_offset_z > 0",
        where(l, v)));
  }
  const auto minus_one = [](uint64_t x) { return x == 0 ? 0 : x - 1; };
  std::array<uint64_t, kRrFieldCount> values{};
  values[kRrTmz] = p.tmz;
  values[kRrCpv] = p.cpv;
  values[kRrElement] = p.element;
  values[kRrSrc] = p.src_addr;
  values[kRrSrcX] = p.src_offset_x;
  values[kRrSrcY] = p.src_offset_y;
  values[kRrSrcZ] = p.src_offset_z;
  values[kRrSrcPitch] = p.src_pitch - 1;
  values[kRrSrcSlice] = minus_one(p.src_slice_pitch);
  values[kRrDst] = p.dst_addr;
  values[kRrDstX] = p.dst_offset_x;
  values[kRrDstY] = p.dst_offset_y;
  values[kRrDstZ] = p.dst_offset_z;
  values[kRrDstPitch] = p.dst_pitch - 1;
  values[kRrDstSlice] = minus_one(p.dst_slice_pitch);
  values[kRrRectX] = p.rect_x - 1u;
  values[kRrRectY] = p.rect_y - 1u;
  values[kRrRectZ] = p.rect_z - 1u;
  values[kRrDstSw] = p.dst_sw;
  values[kRrDstCp] = p.dst_cache_policy;
  values[kRrSrcSw] = p.src_sw;
  values[kRrSrcCp] = p.src_cache_policy;
  return encode(s, v, l, values);
}

namespace {

/// Checks that [addr, addr + bytes) does not wrap past 2^64.
Status check_range(std::string_view what, std::string_view name, uint64_t addr, uint64_t bytes) {
  if (bytes != 0 && addr > std::numeric_limits<uint64_t>::max() - (bytes - 1)) {
    return invalid_argument(
        fmt::format("{}: '{}' range {:#x} + {:#x} bytes wraps past 2^64", what, name, addr, bytes));
  }
  return ok_status();
}

Status check_capacity(const PacketStream& s, std::string_view what, uint64_t packets,
                      uint64_t dwords) {
  if (dwords > s.remaining()) {
    return resource_exhausted(
        fmt::format("{}: {} packets ({} dwords) do not fit: {} of {} dwords free", what, packets,
                    dwords, s.remaining(), s.capacity()));
  }
  return ok_status();
}

}  // namespace

Status emit_sdma_copy(PacketStream& s, SdmaVariant v, uint64_t dst, uint64_t src, uint64_t bytes) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const std::string what = fmt::format("SDMA copy ({})", sdma_variant_name(v));
  if (bytes == 0) return ok_status();
  AMDHAL_RETURN_IF_ERROR(check_range(what, "dst", dst, bytes));
  AMDHAL_RETURN_IF_ERROR(check_range(what, "src", src, bytes));
  const uint64_t packets = sdma_copy_packet_count(v, bytes);
  AMDHAL_RETURN_IF_ERROR(check_capacity(s, what, packets, sdma_copy_dwords(v, bytes)));
  const uint64_t max = sdma_copy_max_bytes(v);
  for (uint64_t done = 0; done < bytes;) {
    SdmaCopyLinear p;
    p.bytes = std::min(max, bytes - done);
    p.dst_addr = dst + done;
    p.src_addr = src + done;
    AMDHAL_RETURN_IF_ERROR(emit_sdma_copy_linear(s, v, p));
    done += p.bytes;
  }
  return ok_status();
}

Status emit_sdma_peer_copy(PacketStream& s, SdmaVariant v, uint64_t dst_peer_addr,
                           uint64_t src_addr, uint64_t bytes) {
  return emit_sdma_copy(s, v, dst_peer_addr, src_addr, bytes);
}

Status emit_sdma_fill(PacketStream& s, SdmaVariant v, uint64_t dst, uint32_t value,
                      uint64_t bytes) {
  AMDHAL_RETURN_IF_ERROR(check_variant(v));
  const std::string what = fmt::format("SDMA fill ({})", sdma_variant_name(v));
  if (bytes == 0) return ok_status();
  if (bytes % 4 != 0) {
    return invalid_argument(
        fmt::format("{}: 'bytes' value {:#x} must be a multiple of 4", what, bytes));
  }
  if (dst % 4 != 0) {
    return invalid_argument(fmt::format("{}: 'dst' value {:#x} must be 4-byte aligned", what, dst));
  }
  AMDHAL_RETURN_IF_ERROR(check_range(what, "dst", dst, bytes));
  const uint64_t packets = sdma_fill_packet_count(v, bytes);
  AMDHAL_RETURN_IF_ERROR(check_capacity(s, what, packets, sdma_fill_dwords(v, bytes)));
  const uint64_t max = sdma_fill_max_bytes(v);  // a power of two >= 4: chunks stay dword sized
  for (uint64_t done = 0; done < bytes;) {
    SdmaConstantFill p;
    p.bytes = std::min(max, bytes - done);
    p.dst_addr = dst + done;
    p.data = value;
    p.fill_size = 2;
    AMDHAL_RETURN_IF_ERROR(emit_sdma_constant_fill(s, v, p));
    done += p.bytes;
  }
  return ok_status();
}

}  // namespace amdhal::packets
