// AQL packet builders and decoder. The ABI structs in amdhal/packets/aql.h (checked against
// ROCr hsa.h) are the one layout definition: builders fill them, the decoder reads fields
// through tables of their offsetof() values.
#include "amdhal/packets/aql.h"

#include <cstring>
#include <string_view>

#include <fmt/format.h>

namespace amdhal::packets {
namespace {

// ---- Field tables for the decoder: (name, byte offset, byte size) into the ABI structs ----
struct AqlField {
  std::string_view name;
  size_t offset;
  size_t size;
};

constexpr AqlField kDispatchFields[] = {
    {"workgroup_size_x", offsetof(AqlKernelDispatchPacket, workgroup_size_x), 2},
    {"workgroup_size_y", offsetof(AqlKernelDispatchPacket, workgroup_size_y), 2},
    {"workgroup_size_z", offsetof(AqlKernelDispatchPacket, workgroup_size_z), 2},
    {"grid_size_x", offsetof(AqlKernelDispatchPacket, grid_size_x), 4},
    {"grid_size_y", offsetof(AqlKernelDispatchPacket, grid_size_y), 4},
    {"grid_size_z", offsetof(AqlKernelDispatchPacket, grid_size_z), 4},
    {"private_segment_size", offsetof(AqlKernelDispatchPacket, private_segment_size), 4},
    {"group_segment_size", offsetof(AqlKernelDispatchPacket, group_segment_size), 4},
    {"kernel_object", offsetof(AqlKernelDispatchPacket, kernel_object), 8},
    {"kernarg_address", offsetof(AqlKernelDispatchPacket, kernarg_address), 8},
    {"completion_signal", offsetof(AqlKernelDispatchPacket, completion_signal), 8},
};

constexpr AqlField kBarrierFields[] = {
    {"dep_signal_0", offsetof(AqlBarrierPacket, dep_signal) + 0, 8},
    {"dep_signal_1", offsetof(AqlBarrierPacket, dep_signal) + 8, 8},
    {"dep_signal_2", offsetof(AqlBarrierPacket, dep_signal) + 16, 8},
    {"dep_signal_3", offsetof(AqlBarrierPacket, dep_signal) + 24, 8},
    {"dep_signal_4", offsetof(AqlBarrierPacket, dep_signal) + 32, 8},
    {"completion_signal", offsetof(AqlBarrierPacket, completion_signal), 8},
};

constexpr AqlField kAgentDispatchFields[] = {
    {"agent_type", offsetof(AqlAgentDispatchPacket, type), 2},
    {"return_address", offsetof(AqlAgentDispatchPacket, return_address), 8},
    {"arg_0", offsetof(AqlAgentDispatchPacket, arg) + 0, 8},
    {"arg_1", offsetof(AqlAgentDispatchPacket, arg) + 8, 8},
    {"arg_2", offsetof(AqlAgentDispatchPacket, arg) + 16, 8},
    {"arg_3", offsetof(AqlAgentDispatchPacket, arg) + 24, 8},
    {"completion_signal", offsetof(AqlAgentDispatchPacket, completion_signal), 8},
};

constexpr AqlField kPm4IbFields[] = {
    {"pm4_ib_format", offsetof(AqlPm4IbPacket, pm4_ib_format), 2},
    {"ib_command_0", offsetof(AqlPm4IbPacket, pm4_ib_command) + 0, 4},
    {"ib_command_1", offsetof(AqlPm4IbPacket, pm4_ib_command) + 4, 4},
    {"ib_command_2", offsetof(AqlPm4IbPacket, pm4_ib_command) + 8, 4},
    {"ib_command_3", offsetof(AqlPm4IbPacket, pm4_ib_command) + 12, 4},
    {"dw_count_remain", offsetof(AqlPm4IbPacket, dw_count_remain), 4},
    {"completion_signal", offsetof(AqlPm4IbPacket, completion_signal), 8},
};

/// Reads `size` bytes at `offset` of a 64-byte packet held as 16 dwords (little-endian).
uint64_t read_field(std::span<const uint32_t> pkt, size_t offset, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) {
    const size_t byte = offset + i;
    const uint64_t b = (pkt[byte / 4] >> (8 * (byte % 4))) & 0xffu;
    value |= b << (8 * i);
  }
  return value;
}

std::string_view type_name(uint32_t type) {
  switch (type) {
    case 0:
      return "VENDOR_SPECIFIC";
    case 1:
      return "INVALID";
    case 2:
      return "KERNEL_DISPATCH";
    case 3:
      return "BARRIER_AND";
    case 4:
      return "AGENT_DISPATCH";
    case 5:
      return "BARRIER_OR";
    default:
      return "UNKNOWN";
  }
}

Status check_scope(std::string_view what, std::string_view name, AqlFenceScope scope) {
  if (static_cast<unsigned>(scope) > static_cast<unsigned>(AqlFenceScope::kSystem)) {
    return invalid_argument(fmt::format("AQL {}: field '{}' value {} is not a fence scope (0-2)",
                                        what, name, static_cast<unsigned>(scope)));
  }
  return ok_status();
}

template <typename Packet>
std::array<uint32_t, kAqlPacketDwords> to_dwords(const Packet& p) {
  static_assert(sizeof(Packet) == kAqlPacketBytes);
  std::array<uint32_t, kAqlPacketDwords> out{};
  std::memcpy(out.data(), &p, sizeof(p));
  return out;
}

}  // namespace

Expected<AqlKernelDispatchPacket> make_aql_kernel_dispatch(const AqlKernelDispatch& d) {
  constexpr std::string_view what = "KERNEL_DISPATCH";
  AMDHAL_RETURN_IF_ERROR(check_scope(what, "acquire_fence_scope", d.acquire_fence_scope));
  AMDHAL_RETURN_IF_ERROR(check_scope(what, "release_fence_scope", d.release_fence_scope));
  if (d.dimensions < 1 || d.dimensions > 3) {
    return invalid_argument(
        fmt::format("AQL {}: field 'dimensions' value {} must be 1, 2 or 3", what, d.dimensions));
  }
  const struct {
    std::string_view wg_name, grid_name;
    uint32_t wg, grid;
    uint32_t dim;
  } axes[] = {{"workgroup_size_x", "grid_size_x", d.workgroup_size_x, d.grid_size_x, 1},
              {"workgroup_size_y", "grid_size_y", d.workgroup_size_y, d.grid_size_y, 2},
              {"workgroup_size_z", "grid_size_z", d.workgroup_size_z, d.grid_size_z, 3}};
  for (const auto& a : axes) {
    if (a.wg == 0 || a.wg > 0xffff) {
      return invalid_argument(
          fmt::format("AQL {}: field '{}' value {} must be 1 .. 65535", what, a.wg_name, a.wg));
    }
    if (a.grid == 0) {
      return invalid_argument(
          fmt::format("AQL {}: field '{}' must be at least 1", what, a.grid_name));
    }
    if (a.dim > d.dimensions && (a.wg != 1 || a.grid != 1)) {
      return invalid_argument(fmt::format(
          "AQL {}: fields '{}' and '{}' must be 1 for a {}-dimensional dispatch (got {} and {})",
          what, a.wg_name, a.grid_name, d.dimensions, a.wg, a.grid));
    }
  }
  if (d.kernel_object % 64 != 0) {
    return invalid_argument(fmt::format(
        "AQL {}: field 'kernel_object' value {:#x} must be 64-byte aligned (kernel descriptor)",
        what, d.kernel_object));
  }
  AqlKernelDispatchPacket p{};
  p.header = aql_header(
      {AqlPacketType::kKernelDispatch, d.barrier, d.acquire_fence_scope, d.release_fence_scope});
  p.setup = static_cast<uint16_t>(d.dimensions << kAqlSetupDimensionsShift);
  p.workgroup_size_x = static_cast<uint16_t>(d.workgroup_size_x);
  p.workgroup_size_y = static_cast<uint16_t>(d.workgroup_size_y);
  p.workgroup_size_z = static_cast<uint16_t>(d.workgroup_size_z);
  p.grid_size_x = d.grid_size_x;
  p.grid_size_y = d.grid_size_y;
  p.grid_size_z = d.grid_size_z;
  p.private_segment_size = d.private_segment_size;
  p.group_segment_size = d.group_segment_size;
  p.kernel_object = d.kernel_object;
  p.kernarg_address = d.kernarg_address;
  p.completion_signal = d.completion_signal;
  return p;
}

Expected<AqlBarrierPacket> make_aql_barrier(AqlPacketType type, const AqlBarrier& b) {
  if (type != AqlPacketType::kBarrierAnd && type != AqlPacketType::kBarrierOr) {
    return invalid_argument(
        fmt::format("AQL barrier: field 'type' value {} must be BARRIER_AND "
                    "(3) or BARRIER_OR (5)",
                    static_cast<unsigned>(type)));
  }
  const std::string_view what = type == AqlPacketType::kBarrierAnd ? "BARRIER_AND" : "BARRIER_OR";
  AMDHAL_RETURN_IF_ERROR(check_scope(what, "acquire_fence_scope", b.acquire_fence_scope));
  AMDHAL_RETURN_IF_ERROR(check_scope(what, "release_fence_scope", b.release_fence_scope));
  AqlBarrierPacket p{};
  p.header = aql_header({type, b.barrier, b.acquire_fence_scope, b.release_fence_scope});
  for (size_t i = 0; i < b.dep_signals.size(); ++i) p.dep_signal[i] = b.dep_signals[i];
  p.completion_signal = b.completion_signal;
  return p;
}

std::array<uint32_t, kAqlPacketDwords> aql_packet_dwords(const AqlKernelDispatchPacket& p) {
  return to_dwords(p);
}

std::array<uint32_t, kAqlPacketDwords> aql_packet_dwords(const AqlBarrierPacket& p) {
  return to_dwords(p);
}

Status emit_aql_kernel_dispatch(PacketStream& s, const AqlKernelDispatch& d) {
  AMDHAL_ASSIGN_OR_RETURN(const AqlKernelDispatchPacket p, make_aql_kernel_dispatch(d));
  return s.append(aql_packet_dwords(p));
}

Status emit_aql_barrier_and(PacketStream& s, const AqlBarrier& b) {
  AMDHAL_ASSIGN_OR_RETURN(const AqlBarrierPacket p,
                          make_aql_barrier(AqlPacketType::kBarrierAnd, b));
  return s.append(aql_packet_dwords(p));
}

Status emit_aql_barrier_or(PacketStream& s, const AqlBarrier& b) {
  AMDHAL_ASSIGN_OR_RETURN(const AqlBarrierPacket p, make_aql_barrier(AqlPacketType::kBarrierOr, b));
  return s.append(aql_packet_dwords(p));
}

Status emit_aql_invalid(PacketStream& s) {
  std::array<uint32_t, kAqlPacketDwords> dw{};
  dw[0] = aql_header({AqlPacketType::kInvalid, false, AqlFenceScope::kNone, AqlFenceScope::kNone});
  return s.append(dw);
}

Expected<AqlPm4IbPacket> make_aql_pm4_ib(std::span<const uint32_t, 4> ib_command, bool barrier,
                                         uint64_t completion_signal) {
  // The command must be a PM4 type-3 INDIRECT_BUFFER (opcode 0x3F, count 2).
  if ((ib_command[0] >> 30) != 3 || ((ib_command[0] >> 8) & 0xffu) != 0x3F ||
      ((ib_command[0] >> 16) & 0x3fffu) != 2) {
    return invalid_argument(fmt::format(
        "AQL PM4_IB: field 'pm4_ib_command' header 0x{:08x} is not a PM4 INDIRECT_BUFFER",
        ib_command[0]));
  }
  AqlPm4IbPacket p{};
  p.header = aql_header(
      {AqlPacketType::kVendorSpecific, barrier, AqlFenceScope::kSystem, AqlFenceScope::kSystem});
  p.pm4_ib_format = kAqlPm4IbFormat;
  for (size_t i = 0; i < 4; ++i) p.pm4_ib_command[i] = ib_command[i];
  p.dw_count_remain = kAqlPm4IbDwCountRemain;
  p.completion_signal = completion_signal;
  return p;
}

std::array<uint32_t, kAqlPacketDwords> aql_packet_dwords(const AqlPm4IbPacket& p) {
  return to_dwords(p);
}

Status emit_aql_pm4_ib(PacketStream& s, std::span<const uint32_t, 4> ib_command, bool barrier,
                       uint64_t completion_signal) {
  AMDHAL_ASSIGN_OR_RETURN(const AqlPm4IbPacket p,
                          make_aql_pm4_ib(ib_command, barrier, completion_signal));
  return s.append(aql_packet_dwords(p));
}

std::vector<DecodedPacket> decode_aql(std::span<const uint32_t> dwords) {
  std::vector<DecodedPacket> out;
  for (size_t pos = 0; pos < dwords.size(); pos += kAqlPacketDwords) {
    const size_t remaining = dwords.size() - pos;
    const uint16_t header = static_cast<uint16_t>(dwords[pos] & 0xffffu);
    const AqlHeader h = parse_aql_header(header);
    const uint32_t type = static_cast<uint32_t>(h.type);

    DecodedPacket p;
    p.offset = pos;
    p.opcode = type;
    p.name = std::string(type_name(type));
    p.fields = {{"type", type},
                {"barrier", h.barrier ? 1u : 0u},
                {"acquire_fence_scope", static_cast<uint64_t>(h.acquire_fence_scope)},
                {"release_fence_scope", static_cast<uint64_t>(h.release_fence_scope)}};

    if (remaining < kAqlPacketDwords) {
      p.dwords = remaining;
      p.error = fmt::format(
          "truncated AQL packet at dword offset {}: needs {} dwords, only {} "
          "remain",
          pos, kAqlPacketDwords, remaining);
      out.push_back(std::move(p));
      break;
    }
    p.dwords = kAqlPacketDwords;
    const auto pkt = dwords.subspan(pos, kAqlPacketDwords);

    std::string problems;
    auto note = [&](std::string msg) {
      if (!problems.empty()) problems += "; ";
      problems += msg;
    };
    if (static_cast<unsigned>(h.acquire_fence_scope) > 2) {
      note(fmt::format("reserved acquire fence scope {}",
                       static_cast<unsigned>(h.acquire_fence_scope)));
    }
    if (static_cast<unsigned>(h.release_fence_scope) > 2) {
      note(fmt::format("reserved release fence scope {}",
                       static_cast<unsigned>(h.release_fence_scope)));
    }

    std::span<const AqlField> table;
    switch (h.type) {
      case AqlPacketType::kKernelDispatch: {
        const uint64_t setup = read_field(pkt, offsetof(AqlKernelDispatchPacket, setup), 2);
        const uint64_t dims = (setup >> kAqlSetupDimensionsShift) & 3u;
        p.fields.push_back({"dimensions", dims});
        if (dims == 0) note("dimensions 0 (must be 1-3)");
        table = kDispatchFields;
        break;
      }
      case AqlPacketType::kBarrierAnd:
      case AqlPacketType::kBarrierOr:
        table = kBarrierFields;
        break;
      case AqlPacketType::kAgentDispatch:
        table = kAgentDispatchFields;
        break;
      case AqlPacketType::kVendorSpecific: {
        const uint64_t format = read_field(pkt, offsetof(AqlPm4IbPacket, pm4_ib_format), 2);
        if (format == kAqlPm4IbFormat) {
          p.name = "PM4_IB";
          table = kPm4IbFields;
        }
        break;
      }
      case AqlPacketType::kInvalid:
        break;
      default:
        note(fmt::format("unknown AQL packet type {}", type));
        break;
    }
    for (const AqlField& f : table) {
      p.fields.push_back({std::string(f.name), read_field(pkt, f.offset, f.size)});
    }
    if (!problems.empty()) p.error = fmt::format("{} at dword offset {}", problems, pos);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace amdhal::packets
