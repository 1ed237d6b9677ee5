// One entry point over the three packet decoders, and the text/binary input forms that
// `amdhal decode` and the tests read.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/packets/decoded.h"
#include "amdhal/status.h"

namespace amdhal::packets {

/// Decodes a dword stream for `engine` with the packet tables of `family`.
std::vector<DecodedPacket> decode(Engine engine, const GpuFamily& family,
                                  std::span<const uint32_t> dwords);

/// Parses whitespace-separated hex dwords ("0xC0001000 10" or "c0001000"); '#' starts a comment
/// that runs to the end of the line. A token that is not a 32-bit hex number is an error naming
/// its line and column.
Expected<std::vector<uint32_t>> parse_dword_text(std::string_view text);

/// Little-endian bytes to dwords; a length that is not a multiple of 4 is an error.
Expected<std::vector<uint32_t>> dwords_from_bytes(std::span<const uint8_t> bytes);

}  // namespace amdhal::packets
