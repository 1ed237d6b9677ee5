#include "amdhal/packets/decoded.h"

#include <fmt/format.h>

namespace amdhal::packets {

std::string_view engine_name(Engine e) {
  switch (e) {
    case Engine::kPm4:
      return "pm4";
    case Engine::kSdma:
      return "sdma";
    case Engine::kAql:
      return "aql";
  }
  return "unknown";
}

Expected<Engine> parse_engine(std::string_view name) {
  if (name == "pm4") return Engine::kPm4;
  if (name == "sdma") return Engine::kSdma;
  if (name == "aql") return Engine::kAql;
  return invalid_argument(fmt::format("unknown engine '{}' (expected pm4, sdma or aql)", name));
}

std::optional<uint64_t> DecodedPacket::field(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return f.value;
  }
  return std::nullopt;
}

std::string format_packet(const DecodedPacket& p) {
  std::string out = fmt::format("0x{:04x}  {:<16}", p.offset, p.name);
  for (const auto& f : p.fields) {
    if (f.value < 10) {
      out += fmt::format(" {}={}", f.name, f.value);
    } else {
      out += fmt::format(" {}=0x{:x}", f.name, f.value);
    }
  }
  if (!p.error.empty()) out += fmt::format("  error: {}", p.error);
  return out;
}

}  // namespace amdhal::packets
