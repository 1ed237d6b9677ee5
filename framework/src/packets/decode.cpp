#include "amdhal/packets/decode.h"

#include <cctype>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "amdhal/packets/aql.h"
#include "amdhal/packets/pm4.h"
#include "amdhal/packets/sdma.h"

namespace amdhal::packets {

std::vector<DecodedPacket> decode(Engine engine, const GpuFamily& family,
                                  std::span<const uint32_t> dwords) {
  switch (engine) {
    case Engine::kPm4:
      return decode_pm4(family.pm4, dwords);
    case Engine::kSdma:
      return decode_sdma(family.sdma, dwords);
    case Engine::kAql:
      return decode_aql(dwords);
  }
  return {};
}

Expected<std::vector<uint32_t>> parse_dword_text(std::string_view text) {
  std::vector<uint32_t> out;
  size_t line = 1;
  size_t line_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
           text[i] != ',' && text[i] != '#') {
      ++i;
    }
    std::string_view token = text.substr(start, i - start);
    std::string_view digits = token;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      digits.remove_prefix(2);
    }
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      const std::string shown(token.substr(0, 24));
      return invalid_argument(fmt::format(
          "line {}, column {}: '{}' is not a 32-bit hex dword{}", line, start - line_start + 1,
          shown, ec == std::errc::result_out_of_range ? " (too large)" : ""));
    }
    out.push_back(value);
  }
  return out;
}

Expected<std::vector<uint32_t>> dwords_from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() % 4 != 0) {
    return invalid_argument(
        fmt::format("binary input has {} bytes, not a whole number of dwords ({} trailing)",
                    bytes.size(), bytes.size() % 4));
  }
  std::vector<uint32_t> out(bytes.size() / 4);
  for (size_t k = 0; k < out.size(); ++k) {
    out[k] = static_cast<uint32_t>(bytes[4 * k]) | static_cast<uint32_t>(bytes[4 * k + 1]) << 8 |
             static_cast<uint32_t>(bytes[4 * k + 2]) << 16 |
             static_cast<uint32_t>(bytes[4 * k + 3]) << 24;
  }
  return out;
}

}  // namespace amdhal::packets
