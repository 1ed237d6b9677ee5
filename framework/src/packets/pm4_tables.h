// Private: the per-family PM4 layout tables that both the builders (pm4_builder.cpp) and the
// decoder (pm4_decoder.cpp) read. Adding a family means adding one Pm4VariantTable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "amdhal/family.h"
#include "amdhal/packets/pm4.h"

namespace amdhal::packets::pm4_detail {

/// What follows the fixed fields of a packet.
enum class Payload : uint8_t {
  kNone,            ///< fixed length
  kNopFill,         ///< NOP: any length, payload ignored; count 0x3FFF = header only
  kRegisterValues,  ///< SET_SH_REG: one value per register after reg_offset
  kDataDwords,      ///< WRITE_DATA: data dwords after dst_addr
};

/// One packet as a family encodes it.
struct PacketLayout {
  Pm4PacketKind kind;
  std::string_view name;  ///< upper case, as in the kernel headers
  Pm4Opcode opcode;
  uint16_t dwords;        ///< total dwords of the fixed part, header included
  uint16_t short_dwords;  ///< a shorter accepted form (EVENT_WRITE without address), else = dwords
  Payload payload;
  std::span<const Pm4FieldInfo> fields;
};

/// Everything the packet layer knows about one Pm4Variant.
struct Pm4VariantTable {
  Pm4Variant variant;
  std::array<const PacketLayout*, kPm4PacketKindCount> packets;  ///< nullptr: not on this family
  uint32_t pgm_rsrc3_reg;                                        ///< COMPUTE_PGM_RSRC3
  bool has_cs_w32_en;  ///< COMPUTE_DISPATCH_INITIATOR.CS_W32_EN exists (wave32)
};

/// The table of `v` (every Pm4Variant has one).
const Pm4VariantTable& variant_table(Pm4Variant v);

/// The layout of `kind` on `v`, or nullptr.
inline const PacketLayout* find_layout(Pm4Variant v, Pm4PacketKind kind) {
  return variant_table(v).packets[static_cast<size_t>(kind)];
}

/// The layout on `v` whose opcode is `opcode`, or nullptr.
const PacketLayout* find_layout_by_opcode(Pm4Variant v, uint32_t opcode);

/// Packet name for an opcode on any family (for "does not exist on gfx9" messages), or empty.
std::string_view any_family_name(uint32_t opcode);

/// Mask of `width` low bits (width 1..64).
constexpr uint64_t field_mask(unsigned width) {
  return width >= 64 ? ~0ull : ((1ull << width) - 1);
}

}  // namespace amdhal::packets::pm4_detail
