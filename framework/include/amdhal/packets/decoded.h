// DecodedPacket: the one record every packet decoder (PM4, SDMA, AQL) produces, used by
// `amdhal decode`, the simulator's logs and error messages, and the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/status.h"

namespace amdhal::packets {

/// Which command engine a dword stream is meant for.
enum class Engine : uint8_t { kPm4, kSdma, kAql };

/// "pm4", "sdma", "aql".
std::string_view engine_name(Engine e);
/// Parses "pm4" | "sdma" | "aql".
Expected<Engine> parse_engine(std::string_view name);

/// One named field of a decoded packet.
struct DecodedField {
  std::string name;  ///< lower_snake_case field name as in the public headers ("dst_addr_lo")
  uint64_t value;
  friend bool operator==(const DecodedField&, const DecodedField&) = default;
};

/// One packet turned back into named fields. Problems are recorded, never thrown: a truncated
/// packet, an unknown opcode or an impossible length sets `error` and names the dword offset.
struct DecodedPacket {
  size_t offset = 0;    ///< dword offset of the packet's first dword in the input
  std::string name;     ///< hardware-documentation name, upper case: "RELEASE_MEM", "UNKNOWN"
  uint32_t opcode = 0;  ///< engine opcode (PM4 IT opcode, SDMA op | sub_op << 8, AQL type)
  size_t dwords = 0;    ///< dwords the packet occupies (what the decoder consumed)
  std::vector<DecodedField> fields;
  std::string error;  ///< empty when the packet decoded cleanly

  /// Value of the named field, if present.
  std::optional<uint64_t> field(std::string_view field_name) const;
  bool ok() const { return error.empty(); }
};

/// One-line text form: "0x0000  RELEASE_MEM  event_type=20 ...", or with the error.
std::string format_packet(const DecodedPacket& p);

}  // namespace amdhal::packets
