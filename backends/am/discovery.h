// IP discovery: parses the binary the firmware leaves at VRAM end - 64 KiB into the table of IP
// blocks (hardware id, instance, version, register base per segment).
//
// Format: Linux drivers/gpu/drm/amd/include/discovery.h (binary_header with BINARY_SIGNATURE
// 0x28211407 and table_list[]; ip_discovery_header "IPDS" with die_info[16]; die_header; ip /
// ip_v3 / ip_v4 entries). Checks follow amdgpu_discovery.c (amdgpu_discovery_init): binary
// signature, binary checksum (16-bit byte sum after the checksum field, binary_size bytes), table
// signature, table checksum (table_list[IP_DISCOVERY].checksum over ip_discovery_header.size).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/status.h"

namespace amdhal::am {

/// Offset of the discovery binary from the end of VRAM, and how many bytes to read
/// (amdgpu_discovery.c DISCOVERY_TMR_OFFSET / DISCOVERY_TMR_SIZE; tinygrad am/amdev.py).
inline constexpr uint64_t kDiscoveryTmrOffset = 64ull << 10;
inline constexpr uint64_t kDiscoveryReadSize = 10ull << 10;

/// Hardware ids (soc15_hw_ip.h) of the IP blocks bring-up uses.
namespace hwid {
inline constexpr uint16_t kMp1 = 1;
inline constexpr uint16_t kGc = 11;
inline constexpr uint16_t kMmhub = 34;
inline constexpr uint16_t kOsssys = 40;
inline constexpr uint16_t kHdp = 41;
inline constexpr uint16_t kSdma0 = 42;
inline constexpr uint16_t kSdma1 = 43;
inline constexpr uint16_t kSdma2 = 68;
inline constexpr uint16_t kSdma3 = 69;
inline constexpr uint16_t kNbif = 108;
inline constexpr uint16_t kMp0 = 255;
}  // namespace hwid

/// Name amdhal uses for a hardware id ("GC", "SDMA0", "NBIO", "OSSSYS", "MP0"), or "HWID<n>".
std::string hw_id_name(uint16_t hw_id);
/// Hardware id of a name (case-insensitive; "NBIF" and "NBIO" both accepted), if known.
std::optional<uint16_t> hw_id_from_name(std::string_view name);

struct IpBlock {
  uint16_t hw_id = 0;
  uint16_t die = 0;
  uint8_t instance = 0;
  uint8_t major = 0, minor = 0, revision = 0;
  std::vector<uint64_t> bases;  ///< dword base address per register segment
  std::string name() const { return hw_id_name(hw_id); }
  std::string version() const;  ///< "9.4.3"
};

struct DiscoveryTable {
  uint16_t binary_version_major = 0, binary_version_minor = 0;
  uint16_t table_version = 0;
  uint16_t num_dies = 0;
  std::vector<IpBlock> blocks;
  /// First block with `hw_id` and `instance`, or null.
  const IpBlock* find(uint16_t hw_id, uint8_t instance = 0) const;
};

/// Parses a discovery binary. Errors are kDataLoss naming the check that failed ("IP discovery:
/// bad binary signature 0x00000000 (expected 0x28211407)") or the entry that runs past the end.
Expected<DiscoveryTable> parse_discovery(std::span<const uint8_t> binary);

}  // namespace amdhal::am
