// PM4 decoder: turns dwords back into named fields with the same layout tables the builders use
// (pm4_tables.cpp). Every index is checked against the input before it is read.
#include <array>
#include <cctype>
#include <string>

#include <fmt/format.h>

#include "amdhal/packets/pm4.h"
#include "packets/pm4_tables.h"

namespace amdhal::packets {
namespace {

using pm4_detail::field_mask;
using pm4_detail::PacketLayout;
using pm4_detail::Payload;

// Header fields [soc15d CP_PACKET_GET_TYPE / GET_COUNT / CP_PACKET3_GET_OPCODE; Mesa sid.h
// PKT3_PREDICATE bit 0, PKT3_SHADER_TYPE bit 1, PKT3_RESET_FILTER_CAM bit 2].
constexpr uint32_t packet_type(uint32_t h) {
  return (h >> 30) & 3u;
}
constexpr uint32_t packet_count(uint32_t h) {
  return (h >> 16) & 0x3FFFu;
}
constexpr uint32_t packet_opcode(uint32_t h) {
  return (h >> 8) & 0xFFu;
}

constexpr std::array<std::string_view, kComputeUserDataRegs> kUserDataNames = {
    "COMPUTE_USER_DATA_0",  "COMPUTE_USER_DATA_1",  "COMPUTE_USER_DATA_2",  "COMPUTE_USER_DATA_3",
    "COMPUTE_USER_DATA_4",  "COMPUTE_USER_DATA_5",  "COMPUTE_USER_DATA_6",  "COMPUTE_USER_DATA_7",
    "COMPUTE_USER_DATA_8",  "COMPUTE_USER_DATA_9",  "COMPUTE_USER_DATA_10", "COMPUTE_USER_DATA_11",
    "COMPUTE_USER_DATA_12", "COMPUTE_USER_DATA_13", "COMPUTE_USER_DATA_14", "COMPUTE_USER_DATA_15"};

struct RegName {
  uint32_t reg;
  std::string_view name;
};
// Same on every family (see pm4.h for sources); COMPUTE_PGM_RSRC3 comes from the variant table.
constexpr RegName kComputeRegNames[] = {
    {kRegComputeDispatchInitiator, "COMPUTE_DISPATCH_INITIATOR"},
    {kRegComputeDimX, "COMPUTE_DIM_X"},
    {kRegComputeDimX + 1, "COMPUTE_DIM_Y"},
    {kRegComputeDimX + 2, "COMPUTE_DIM_Z"},
    {kRegComputeStartX, "COMPUTE_START_X"},
    {kRegComputeStartX + 1, "COMPUTE_START_Y"},
    {kRegComputeStartX + 2, "COMPUTE_START_Z"},
    {kRegComputeNumThreadX, "COMPUTE_NUM_THREAD_X"},
    {kRegComputeNumThreadX + 1, "COMPUTE_NUM_THREAD_Y"},
    {kRegComputeNumThreadX + 2, "COMPUTE_NUM_THREAD_Z"},
    {kRegComputePgmLo, "COMPUTE_PGM_LO"},
    {kRegComputePgmHi, "COMPUTE_PGM_HI"},
    {kRegComputePgmRsrc1, "COMPUTE_PGM_RSRC1"},
    {kRegComputePgmRsrc2, "COMPUTE_PGM_RSRC2"},
    {kRegComputeResourceLimits, "COMPUTE_RESOURCE_LIMITS"},
    {kRegComputeTmpringSize, "COMPUTE_TMPRING_SIZE"},
    {kRegComputeRestartX, "COMPUTE_RESTART_X"},
    {kRegComputeRestartX + 1, "COMPUTE_RESTART_Y"},
    {kRegComputeRestartX + 2, "COMPUTE_RESTART_Z"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Reads one field from a packet that starts at `pkt` (already bounds-checked by the caller:
/// the field's dwords lie inside the packet).
uint64_t read_field(std::span<const uint32_t> pkt, const Pm4FieldInfo& f) {
  if (f.width > 32) {
    const uint64_t lo = pkt[f.dword];
    const uint64_t hi = pkt[f.dword + 1u];
    return (lo | (hi << 32)) & field_mask(f.width);
  }
  return (pkt[f.dword] >> f.shift) & field_mask(f.width);
}

/// The length a layout allows, for "impossible length" messages.
std::string expected_length(const PacketLayout& layout) {
  switch (layout.payload) {
    case Payload::kNopFill:
      return "any length";
    case Payload::kRegisterValues:
    case Payload::kDataDwords:
      return fmt::format("at least {} dwords", layout.dwords + 1);
    case Payload::kNone:
      break;
  }
  if (layout.short_dwords != layout.dwords) {
    return fmt::format("{} or {} dwords", layout.short_dwords, layout.dwords);
  }
  return fmt::format("{} dwords", layout.dwords);
}

bool length_ok(const PacketLayout& layout, size_t dwords) {
  switch (layout.payload) {
    case Payload::kNopFill:
      return true;
    case Payload::kRegisterValues:
    case Payload::kDataDwords:
      return dwords > layout.dwords;
    case Payload::kNone:
      break;
  }
  return dwords == layout.dwords || dwords == layout.short_dwords;
}

void decode_type3(Pm4Variant v, std::span<const uint32_t> in, size_t pos, DecodedPacket& p) {
  const uint32_t h = in[pos];
  const uint32_t count = packet_count(h);
  const uint32_t opcode = packet_opcode(h);
  const size_t remaining = in.size() - pos;
  p.opcode = opcode;
  const PacketLayout* layout = pm4_detail::find_layout_by_opcode(v, opcode);
  p.name = layout != nullptr ? std::string(layout->name) : std::string("UNKNOWN");

  // count 0x3FFF on a NOP is the one-dword form the kernel pads rings with.
  const bool nop_one = layout != nullptr && layout->payload == Payload::kNopFill && count == 0x3FFF;
  const size_t total = nop_one ? 1 : static_cast<size_t>(count) + 2;
  if (total > remaining) {
    p.dwords = remaining;
    p.error = fmt::format("truncated {} at dword {}: header says {} dwords, {} remain", p.name, pos,
                          total, remaining);
    return;
  }
  p.dwords = total;
  if ((h & 1u) != 0) p.fields.push_back({"predicate", 1});
  if (((h >> 1) & 1u) != 0) p.fields.push_back({"shader_type", 1});
  if (((h >> 2) & 1u) != 0) p.fields.push_back({"reset_filter_cam", 1});

  if (layout == nullptr) {
    const std::string_view elsewhere = pm4_detail::any_family_name(opcode);
    p.error = elsewhere.empty()
                  ? fmt::format("unknown opcode {:#04x} at dword {}", opcode, pos)
                  : fmt::format("opcode {:#04x} ({}) at dword {} does not exist on {}", opcode,
                                elsewhere, pos, pm4_variant_name(v));
    return;
  }
  if (!length_ok(*layout, total)) {
    p.error = fmt::format("impossible length: {} at dword {} has {} dwords, {} takes {}", p.name,
                          pos, total, pm4_variant_name(v), expected_length(*layout));
    return;
  }

  const std::span<const uint32_t> pkt = in.subspan(pos, total);
  for (const Pm4FieldInfo& f : layout->fields) {
    const size_t last = f.dword + (f.width > 32 ? 1u : 0u);
    if (last >= total) continue;  // optional tail absent (EVENT_WRITE short form)
    p.fields.push_back({std::string(f.name), read_field(pkt, f)});
  }

  switch (layout->payload) {
    case Payload::kNone:
      break;
    case Payload::kNopFill:
      p.fields.push_back({"dwords", total});
      break;
    case Payload::kRegisterValues: {
      const uint32_t first = kPm4ShRegBase + (pkt[1] & 0xFFFFu);
      for (size_t i = layout->dwords; i < total; ++i) {
        const uint32_t reg = first + static_cast<uint32_t>(i - layout->dwords);
        const std::string_view name = pm4_sh_reg_name(v, reg);
        p.fields.push_back({name.empty() ? fmt::format("reg_{:#06x}", reg) : lower(name), pkt[i]});
      }
      break;
    }
    case Payload::kDataDwords:
      for (size_t i = layout->dwords; i < total; ++i) {
        p.fields.push_back({fmt::format("data{}", i - layout->dwords), pkt[i]});
      }
      break;
  }
}

}  // namespace

std::string_view pm4_sh_reg_name(Pm4Variant v, uint32_t reg) {
  if (reg == pm4_compute_regs(v).pgm_rsrc3) return "COMPUTE_PGM_RSRC3";
  if (reg >= kRegComputeUserData0 && reg < kRegComputeUserData0 + kComputeUserDataRegs) {
    return kUserDataNames[reg - kRegComputeUserData0];
  }
  for (const RegName& r : kComputeRegNames) {
    if (r.reg == reg) return r.name;
  }
  return {};
}

std::vector<DecodedPacket> decode_pm4(Pm4Variant v, std::span<const uint32_t> dwords) {
  std::vector<DecodedPacket> out;
  size_t pos = 0;
  while (pos < dwords.size()) {
    const uint32_t h = dwords[pos];
    DecodedPacket p;
    p.offset = pos;
    switch (packet_type(h)) {
      case 3:
        decode_type3(v, dwords, pos, p);
        break;
      case 2:
        // CP_PACKET2: a one-dword filler; bits 29:0 are padding (soc15d PACKET2_PAD_MASK).
        p.name = "PACKET2";
        p.dwords = 1;
        if ((h & 0x3FFFFFFFu) != 0) p.fields.push_back({"pad", h & 0x3FFFFFFFu});
        break;
      case 0: {
        // PACKET0(reg, n): n + 1 register values follow (soc15d CP_PACKET0_GET_REG / GET_COUNT).
        const size_t total = static_cast<size_t>(packet_count(h)) + 2;
        const size_t remaining = dwords.size() - pos;
        p.name = "TYPE0";
        p.dwords = total < remaining ? total : remaining;
        p.fields.push_back({"reg", h & 0xFFFFu});
        p.fields.push_back({"count", packet_count(h)});
        p.error =
            fmt::format("type-0 packet at dword {}: compute queues take type-3 packets only{}", pos,
                        total > remaining ? " (and it is truncated)" : "");
        break;
      }
      default:
        p.name = "TYPE1";
        p.dwords = 1;
        p.error = fmt::format("type-1 header {:#010x} at dword {}: not a PM4 packet type", h, pos);
        break;
    }
    pos += p.dwords;  // always >= 1, so the loop ends
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace amdhal::packets
