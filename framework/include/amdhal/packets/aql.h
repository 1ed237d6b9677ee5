// AQL (HSA Architected Queuing Language) packets: 64-byte (16-dword) slots of a compute queue.
//
// Layouts and header bits follow ROCR-Runtime runtime/hsa-runtime/inc/hsa.h:
//   hsa_packet_type_t:        VENDOR_SPECIFIC 0, INVALID 1, KERNEL_DISPATCH 2, BARRIER_AND 3,
//                             AGENT_DISPATCH 4, BARRIER_OR 5
//   hsa_packet_header_t:      TYPE bit 0 (width 8), BARRIER bit 8 (width 1),
//                             SCACQUIRE_FENCE_SCOPE bit 9 (width 2),
//                             SCRELEASE_FENCE_SCOPE bit 11 (width 2)
//   hsa_fence_scope_t:        NONE 0, AGENT 1, SYSTEM 2
//   hsa_kernel_dispatch_packet_setup_t: DIMENSIONS bit 0 (width 2) of `setup`
//   hsa_kernel_dispatch_packet_t, hsa_barrier_and_packet_t, hsa_barrier_or_packet_t (64 bytes).
// The structs below are ABI: the simulator reads them straight from queue memory, so their
// offsets are static_assert-ed against hsa.h (64-bit little-endian "large model").
//
// Publication: a queue makes a packet visible by storing its first 32 bits (header + setup or
// reserved0) last, with release ordering, after the other 60 bytes. The emit_* builders below
// write the whole packet into a PacketStream (a staging buffer or a test); code that writes
// straight into a live ring should use make_* / aql_packet_dwords() and store dword 0 last.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "amdhal/packets/decoded.h"
#include "amdhal/packets/stream.h"
#include "amdhal/status.h"

namespace amdhal::packets {

/// hsa_packet_type_t.
enum class AqlPacketType : uint8_t {
  kVendorSpecific = 0,
  kInvalid = 1,  ///< marks a free slot
  kKernelDispatch = 2,
  kBarrierAnd = 3,
  kAgentDispatch = 4,
  kBarrierOr = 5,
};

/// hsa_fence_scope_t.
enum class AqlFenceScope : uint8_t { kNone = 0, kAgent = 1, kSystem = 2 };

/// Header bit positions and widths (hsa_packet_header_t / hsa_packet_header_width_t).
inline constexpr unsigned kAqlHeaderTypeShift = 0;
inline constexpr unsigned kAqlHeaderTypeWidth = 8;
inline constexpr unsigned kAqlHeaderBarrierShift = 8;
inline constexpr unsigned kAqlHeaderAcquireFenceScopeShift = 9;
inline constexpr unsigned kAqlHeaderReleaseFenceScopeShift = 11;
inline constexpr unsigned kAqlHeaderFenceScopeWidth = 2;
/// hsa_kernel_dispatch_packet_setup_t: DIMENSIONS at bit 0, width 2.
inline constexpr unsigned kAqlSetupDimensionsShift = 0;
inline constexpr unsigned kAqlSetupDimensionsWidth = 2;

inline constexpr size_t kAqlPacketBytes = 64;
inline constexpr size_t kAqlPacketDwords = 16;

/// The 16-bit packet header, field by field.
struct AqlHeader {
  AqlPacketType type = AqlPacketType::kInvalid;
  bool barrier = false;
  AqlFenceScope acquire_fence_scope = AqlFenceScope::kNone;
  AqlFenceScope release_fence_scope = AqlFenceScope::kNone;
  friend bool operator==(const AqlHeader&, const AqlHeader&) = default;
};

/// Packs a header (no range checks: enum values are taken as they are, masked to their widths).
constexpr uint16_t aql_header(const AqlHeader& h) {
  return static_cast<uint16_t>(
      (static_cast<unsigned>(h.type) << kAqlHeaderTypeShift) |
      ((h.barrier ? 1u : 0u) << kAqlHeaderBarrierShift) |
      ((static_cast<unsigned>(h.acquire_fence_scope) & 3u) << kAqlHeaderAcquireFenceScopeShift) |
      ((static_cast<unsigned>(h.release_fence_scope) & 3u) << kAqlHeaderReleaseFenceScopeShift));
}

/// Splits a header (a fence scope of 3 is reserved and comes back as the raw value 3).
constexpr AqlHeader parse_aql_header(uint16_t header) {
  return AqlHeader{static_cast<AqlPacketType>(header & 0xffu), ((header >> 8) & 1u) != 0,
                   static_cast<AqlFenceScope>((header >> 9) & 3u),
                   static_cast<AqlFenceScope>((header >> 11) & 3u)};
}

// ---- ABI structs (hsa.h) ----

/// hsa_kernel_dispatch_packet_t.
struct AqlKernelDispatchPacket {
  uint16_t header;
  uint16_t setup;  ///< bits 0-1: dimensions
  uint16_t workgroup_size_x;
  uint16_t workgroup_size_y;
  uint16_t workgroup_size_z;
  uint16_t reserved0;
  uint32_t grid_size_x;
  uint32_t grid_size_y;
  uint32_t grid_size_z;
  uint32_t private_segment_size;
  uint32_t group_segment_size;
  uint64_t kernel_object;    ///< address of the 64-byte kernel descriptor
  uint64_t kernarg_address;  ///< void* in hsa.h (HSA_LARGE_MODEL)
  uint64_t reserved2;
  uint64_t completion_signal;  ///< hsa_signal_t handle (amd_signal_t address), 0 = none
};
static_assert(sizeof(AqlKernelDispatchPacket) == 64);
static_assert(offsetof(AqlKernelDispatchPacket, setup) == 2);
static_assert(offsetof(AqlKernelDispatchPacket, workgroup_size_x) == 4);
static_assert(offsetof(AqlKernelDispatchPacket, workgroup_size_y) == 6);
static_assert(offsetof(AqlKernelDispatchPacket, workgroup_size_z) == 8);
static_assert(offsetof(AqlKernelDispatchPacket, reserved0) == 10);
static_assert(offsetof(AqlKernelDispatchPacket, grid_size_x) == 12);
static_assert(offsetof(AqlKernelDispatchPacket, grid_size_y) == 16);
static_assert(offsetof(AqlKernelDispatchPacket, grid_size_z) == 20);
static_assert(offsetof(AqlKernelDispatchPacket, private_segment_size) == 24);
static_assert(offsetof(AqlKernelDispatchPacket, group_segment_size) == 28);
static_assert(offsetof(AqlKernelDispatchPacket, kernel_object) == 32);
static_assert(offsetof(AqlKernelDispatchPacket, kernarg_address) == 40);
static_assert(offsetof(AqlKernelDispatchPacket, reserved2) == 48);
static_assert(offsetof(AqlKernelDispatchPacket, completion_signal) == 56);

/// hsa_barrier_and_packet_t and hsa_barrier_or_packet_t (identical layouts).
struct AqlBarrierPacket {
  uint16_t header;
  uint16_t reserved0;
  uint32_t reserved1;
  uint64_t dep_signal[5];  ///< hsa_signal_t handles, 0 = unused slot
  uint64_t reserved2;
  uint64_t completion_signal;
};
static_assert(sizeof(AqlBarrierPacket) == 64);
static_assert(offsetof(AqlBarrierPacket, dep_signal) == 8);
static_assert(offsetof(AqlBarrierPacket, reserved2) == 48);
static_assert(offsetof(AqlBarrierPacket, completion_signal) == 56);
using AqlBarrierAndPacket = AqlBarrierPacket;
using AqlBarrierOrPacket = AqlBarrierPacket;

/// hsa_agent_dispatch_packet_t (decoded only; amdhal does not build agent dispatches).
struct AqlAgentDispatchPacket {
  uint16_t header;
  uint16_t type;
  uint32_t reserved0;
  uint64_t return_address;
  uint64_t arg[4];
  uint64_t reserved2;
  uint64_t completion_signal;
};
static_assert(sizeof(AqlAgentDispatchPacket) == 64);
static_assert(offsetof(AqlAgentDispatchPacket, return_address) == 8);
static_assert(offsetof(AqlAgentDispatchPacket, arg) == 16);
static_assert(offsetof(AqlAgentDispatchPacket, completion_signal) == 56);

/// AMD's vendor-specific AQL packet that makes the command processor run a PM4 indirect buffer
/// (ROCR-Runtime hsa-ext-aql-profile amd_aql_pm4_ib_packet.h: header with type VENDOR_SPECIFIC,
/// pm4_ib_format AMD_AQL_PM4_IB_FORMAT = 1, a 4-dword PM4 INDIRECT_BUFFER command,
/// dw_count_remain AMD_AQL_PM4_IB_DW_COUNT_REMAIN = 10, 8 reserved dwords, completion signal).
/// amdhal runs signal, wait, timestamp, copy and fill on AQL queues through it.
struct AqlPm4IbPacket {
  uint16_t header;
  uint16_t pm4_ib_format;      ///< kAqlPm4IbFormat
  uint32_t pm4_ib_command[4];  ///< a PM4 INDIRECT_BUFFER packet
  uint32_t dw_count_remain;    ///< kAqlPm4IbDwCountRemain
  uint32_t reserved[8];
  uint64_t completion_signal;
};
static_assert(sizeof(AqlPm4IbPacket) == 64);
static_assert(offsetof(AqlPm4IbPacket, pm4_ib_format) == 2);
static_assert(offsetof(AqlPm4IbPacket, pm4_ib_command) == 4);
static_assert(offsetof(AqlPm4IbPacket, dw_count_remain) == 20);
static_assert(offsetof(AqlPm4IbPacket, completion_signal) == 56);
inline constexpr uint16_t kAqlPm4IbFormat = 1;
inline constexpr uint32_t kAqlPm4IbDwCountRemain = 10;

// ---- Builder inputs ----

/// A kernel dispatch, field by field. Sizes of unused dimensions must be 1 (HSA rule).
struct AqlKernelDispatch {
  bool barrier = false;
  AqlFenceScope acquire_fence_scope = AqlFenceScope::kSystem;
  AqlFenceScope release_fence_scope = AqlFenceScope::kSystem;
  uint32_t dimensions = 1;        ///< 1..3
  uint32_t workgroup_size_x = 1;  ///< work-items, 1..65535
  uint32_t workgroup_size_y = 1;
  uint32_t workgroup_size_z = 1;
  uint32_t grid_size_x = 1;  ///< work-items (not workgroups), >= 1
  uint32_t grid_size_y = 1;
  uint32_t grid_size_z = 1;
  uint32_t private_segment_size = 0;  ///< bytes per work-item
  uint32_t group_segment_size = 0;    ///< bytes per workgroup (LDS)
  uint64_t kernel_object = 0;         ///< kernel descriptor address, 64-byte aligned
  uint64_t kernarg_address = 0;
  uint64_t completion_signal = 0;
};

/// A barrier-AND (waits for all dep signals to reach 0) or barrier-OR (any one) packet.
struct AqlBarrier {
  bool barrier = true;
  AqlFenceScope acquire_fence_scope = AqlFenceScope::kSystem;
  AqlFenceScope release_fence_scope = AqlFenceScope::kSystem;
  std::array<uint64_t, 5> dep_signals{};  ///< 0 = unused
  uint64_t completion_signal = 0;
};

/// Range-checked conversions to the ABI structs (kInvalidArgument names the field).
Expected<AqlKernelDispatchPacket> make_aql_kernel_dispatch(const AqlKernelDispatch& d);
Expected<AqlBarrierPacket> make_aql_barrier(AqlPacketType type, const AqlBarrier& b);

/// The packet as 16 little-endian dwords (dword 0 = header | setup << 16).
std::array<uint32_t, kAqlPacketDwords> aql_packet_dwords(const AqlKernelDispatchPacket& p);
std::array<uint32_t, kAqlPacketDwords> aql_packet_dwords(const AqlBarrierPacket& p);

/// Builders: append one 16-dword packet or return an error and write nothing.
Status emit_aql_kernel_dispatch(PacketStream& s, const AqlKernelDispatch& d);
Status emit_aql_barrier_and(PacketStream& s, const AqlBarrier& b);
Status emit_aql_barrier_or(PacketStream& s, const AqlBarrier& b);
/// A free slot: header type INVALID (1), every other bit 0.
Status emit_aql_invalid(PacketStream& s);

/// A vendor PM4-IB packet running the 4-dword PM4 INDIRECT_BUFFER `ib_command` (build it with the
/// PM4 layer), with the barrier bit and system-scope fences.
Expected<AqlPm4IbPacket> make_aql_pm4_ib(std::span<const uint32_t, 4> ib_command, bool barrier,
                                         uint64_t completion_signal = 0);
std::array<uint32_t, kAqlPacketDwords> aql_packet_dwords(const AqlPm4IbPacket& p);
Status emit_aql_pm4_ib(PacketStream& s, std::span<const uint32_t, 4> ib_command, bool barrier,
                       uint64_t completion_signal = 0);

/// Decodes 16-dword AQL packets. Names: KERNEL_DISPATCH, BARRIER_AND, BARRIER_OR, INVALID,
/// AGENT_DISPATCH, VENDOR_SPECIFIC, PM4_IB (a vendor packet of AMD's PM4-IB format, with fields
/// pm4_ib_format, ib_command_0..3, dw_count_remain, completion_signal), UNKNOWN (types 6-255; error
/// set, 16 dwords consumed). Every record has header fields type, barrier, acquire_fence_scope,
/// release_fence_scope; then KERNEL_DISPATCH: dimensions, workgroup_size_x/y/z, grid_size_x/y/z,
/// private_segment_size, group_segment_size, kernel_object, kernarg_address, completion_signal;
/// BARRIER_AND/OR: dep_signal_0..4, completion_signal; AGENT_DISPATCH: agent_type, return_address,
/// arg_0..3, completion_signal. A reserved fence scope (3) or dimensions 0 sets `error`. A trailing
/// partial packet is one record (name from its type, header fields only) with a "truncated" error.
std::vector<DecodedPacket> decode_aql(std::span<const uint32_t> dwords);

}  // namespace amdhal::packets
