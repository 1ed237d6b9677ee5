// The IP discovery binary a simulated function carries at VRAM end - 64 KiB.
//
// Layout (Linux drivers/gpu/drm/amd/include/discovery.h; offsets little-endian, packed):
//   binary_header (60 bytes): u32 binary_signature = 0x28211407 (BINARY_SIGNATURE), u16
//     version_major, u16 version_minor, u16 binary_checksum (16-bit byte sum of the binary after
//     this field, amdgpu_discovery_verify_binary_signature/verify_checksum), u16 binary_size,
//     table_info table_list[6] {u16 offset, u16 checksum, u16 size, u16 padding} indexed by
//     IP_DISCOVERY=0, GC, HARVEST_INFO, VCN_INFO, MALL_INFO, NPS_INFO.
//   ip_discovery_header (80 bytes) at table_list[IP_DISCOVERY].offset: u32 signature = "IPDS"
//     (DISCOVERY_TABLE_SIGNATURE 0x53445049), u16 version, u16 size, u32 id, u16 num_dies,
//     die_info[16] {u16 die_id, u16 die_offset}, u16 flags (v4: bit 0 base_addr_64_bit).
//   die_header {u16 die_id, u16 num_ips} at die_offset (from the binary start), followed by
//     num_ips entries ip_v3 {u16 hw_id, u8 instance_number, u8 num_base_address, u8 major,
//     u8 minor, u8 revision, u8 sub_revision:4 | variant:4, u32 base_address[num_base_address]}.
// The table checksum (table_list[IP_DISCOVERY].checksum) is the 16-bit byte sum over
// ip_discovery_header.size bytes from the table offset (amdgpu_discovery_init).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "amdhal/family.h"

namespace amdhal::sim::pci {

/// Hardware ids of soc15_hw_ip.h (the names amdgpu_discovery.c prints).
enum HwId : uint16_t {
  kHwIdMp1 = 1,
  kHwIdGc = 11,
  kHwIdVcn = 12,
  kHwIdMmhub = 34,
  kHwIdAthub = 35,
  kHwIdOsssys = 40,
  kHwIdHdp = 41,
  kHwIdSdma0 = 42,
  kHwIdSdma1 = 43,
  kHwIdSdma2 = 68,
  kHwIdSdma3 = 69,
  kHwIdNbif = 108,
  kHwIdUmc = 150,
  kHwIdMp0 = 255,
};

/// One IP block the simulated table lists.
struct SimIpBlock {
  uint16_t hw_id;
  uint8_t instance;
  uint8_t major, minor, revision;
  std::vector<uint32_t> bases;  ///< dword base address per register segment
};

/// The IP blocks (versions and register bases) of `family`'s simulated function.
std::vector<SimIpBlock> sim_ip_blocks(const GpuFamily& family);

/// The discovery binary (v1.0 binary header, v3 IP table, one die) describing `blocks`.
std::vector<uint8_t> build_discovery_binary(const std::vector<SimIpBlock>& blocks);

inline constexpr uint32_t kBinarySignature = 0x28211407;
inline constexpr uint32_t kDiscoveryTableSignature = 0x53445049;  // "IPDS"
inline constexpr uint64_t kDiscoveryTmrOffset = 64ull << 10;      // from VRAM end
inline constexpr uint64_t kDiscoveryTmrSize = 10ull << 10;        // bytes the kernel reads

}  // namespace amdhal::sim::pci
