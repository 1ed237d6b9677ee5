// IP discovery binary parser (format and checks: see discovery.h).
#include "discovery.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace amdhal::am {
namespace {

constexpr uint32_t kBinarySignature = 0x28211407;          // discovery.h BINARY_SIGNATURE
constexpr uint32_t kDiscoveryTableSignature = 0x53445049;  // discovery.h "IPDS"
constexpr size_t kBinaryHeaderBytes = 60;                  // sizeof(struct binary_header)
constexpr size_t kIpHeaderBytes = 80;                      // sizeof(struct ip_discovery_header)
constexpr size_t kMaxDies = 16;

struct NameEntry {
  uint16_t id;
  std::string_view name;
};
constexpr NameEntry kNames[] = {
    {hwid::kMp1, "MP1"},
    {hwid::kGc, "GC"},
    {12, "VCN"},
    {hwid::kMmhub, "MMHUB"},
    {35, "ATHUB"},
    {hwid::kOsssys, "OSSSYS"},
    {hwid::kHdp, "HDP"},
    {hwid::kSdma0, "SDMA0"},
    {hwid::kSdma1, "SDMA1"},
    {46, "DF"},
    {hwid::kSdma2, "SDMA2"},
    {hwid::kSdma3, "SDMA3"},
    {hwid::kNbif, "NBIO"},
    {150, "UMC"},
    {4, "SMUIO"},
    {3, "THM"},
    {200, "XGMI"},
    {hwid::kMp0, "MP0"},
    {271, "DMU"},
};

uint16_t rd16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
uint32_t rd32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) | (static_cast<uint32_t>(b[at + 1]) << 8) |
         (static_cast<uint32_t>(b[at + 2]) << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}
uint16_t byte_sum(std::span<const uint8_t> b, size_t from, size_t len) {
  uint32_t s = 0;
  for (size_t i = 0; i < len; ++i) s += b[from + i];
  return static_cast<uint16_t>(s);
}

}  // namespace

std::string hw_id_name(uint16_t id) {
  for (const auto& e : kNames) {
    if (e.id == id) return std::string(e.name);
  }
  return fmt::format("HWID{}", id);
}

std::optional<uint16_t> hw_id_from_name(std::string_view name) {
  std::string up(name);
  std::transform(up.begin(), up.end(), up.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (up == "NBIF") up = "NBIO";
  if (up == "IH") up = "OSSSYS";
  if (up == "PSP") up = "MP0";
  if (up == "SMU") up = "MP1";
  for (const auto& e : kNames) {
    if (e.name == up) return e.id;
  }
  return std::nullopt;
}

std::string IpBlock::version() const {
  return fmt::format("{}.{}.{}", major, minor, revision);
}

const IpBlock* DiscoveryTable::find(uint16_t hw_id, uint8_t instance) const {
  for (const auto& b : blocks) {
    if (b.hw_id == hw_id && b.instance == instance) return &b;
  }
  return nullptr;
}

Expected<DiscoveryTable> parse_discovery(std::span<const uint8_t> b) {
  if (b.size() < kBinaryHeaderBytes) {
    return data_loss(
        fmt::format("IP discovery: {} bytes is shorter than the binary header", b.size()));
  }
  const uint32_t sig = rd32(b, 0);
  if (sig != kBinarySignature) {
    return data_loss(fmt::format(
        "IP discovery: bad binary signature 0x{:08x} (expected 0x{:08x}); the table at VRAM end "
        "- 64 KiB is missing or VRAM is not readable through BAR0",
        sig, kBinarySignature));
  }
  DiscoveryTable t;
  t.binary_version_major = rd16(b, 4);
  t.binary_version_minor = rd16(b, 6);
  const uint16_t bin_checksum = rd16(b, 8);
  const uint16_t bin_size = rd16(b, 10);
  if (bin_size < kBinaryHeaderBytes || bin_size > b.size()) {
    return data_loss(fmt::format("IP discovery: binary_size {} outside [{}, {}]", bin_size,
                                 kBinaryHeaderBytes, b.size()));
  }
  if (const uint16_t sum = byte_sum(b, 10, bin_size - 10); sum != bin_checksum) {
    return data_loss(fmt::format("IP discovery: binary checksum 0x{:04x} != stored 0x{:04x}", sum,
                                 bin_checksum));
  }
  const uint16_t toff = rd16(b, 12);
  const uint16_t tsum = rd16(b, 14);
  if (toff + kIpHeaderBytes > bin_size) {
    return data_loss(fmt::format("IP discovery: table offset 0x{:x} outside the binary", toff));
  }
  if (const uint32_t s = rd32(b, toff); s != kDiscoveryTableSignature) {
    return data_loss(
        fmt::format("IP discovery: bad table signature 0x{:08x} (expected 0x{:08x} \"IPDS\")", s,
                    kDiscoveryTableSignature));
  }
  t.table_version = rd16(b, toff + 4);
  const uint16_t tsize = rd16(b, toff + 6);
  if (toff + static_cast<size_t>(tsize) > bin_size) {
    return data_loss(fmt::format("IP discovery: table size {} runs past the binary", tsize));
  }
  if (const uint16_t sum = byte_sum(b, toff, tsize); sum != tsum) {
    return data_loss(
        fmt::format("IP discovery: IP table checksum 0x{:04x} != stored 0x{:04x}", sum, tsum));
  }
  if (t.table_version < 1 || t.table_version > 4) {
    return data_loss(fmt::format("IP discovery: unknown table version {}", t.table_version));
  }
  t.num_dies = rd16(b, toff + 12);
  if (t.num_dies == 0 || t.num_dies > kMaxDies) {
    return data_loss(fmt::format("IP discovery: {} dies (expected 1-16)", t.num_dies));
  }
  // v4: bit 0 of the byte after die_info[16] says base addresses are 64-bit.
  const bool base64 = t.table_version == 4 && (b[toff + 78] & 1) != 0;
  for (uint16_t d = 0; d < t.num_dies; ++d) {
    const uint16_t die_off = rd16(b, toff + 14 + 4 * d + 2);
    if (die_off + 4u > bin_size) {
      return data_loss(
          fmt::format("IP discovery: die {} header at 0x{:x} outside the binary", d, die_off));
    }
    const uint16_t die_id = rd16(b, die_off);
    const uint16_t num_ips = rd16(b, die_off + 2);
    size_t at = die_off + 4u;
    for (uint16_t i = 0; i < num_ips; ++i) {
      if (at + 8 > bin_size) {
        return data_loss(
            fmt::format("IP discovery: die {} entry {} at 0x{:x} runs past the binary", d, i, at));
      }
      IpBlock ip;
      ip.die = die_id;
      ip.hw_id = rd16(b, at);
      ip.instance = b[at + 2];
      const uint8_t nbase = b[at + 3];
      ip.major = b[at + 4];
      ip.minor = b[at + 5];
      ip.revision = b[at + 6];
      at += 8;
      const size_t width = base64 ? 8 : 4;
      if (at + width * nbase > bin_size) {
        return data_loss(
            fmt::format("IP discovery: base addresses of {} (die {} entry {}) run past the binary",
                        hw_id_name(ip.hw_id), d, i));
      }
      for (uint8_t k = 0; k < nbase; ++k) {
        uint64_t v = rd32(b, at);
        if (base64) v |= static_cast<uint64_t>(rd32(b, at + 4)) << 32;
        ip.bases.push_back(v);
        at += width;
      }
      t.blocks.push_back(std::move(ip));
    }
  }
  return t;
}

}  // namespace amdhal::am
