// Builds the simulated IP discovery binary (format: see discovery_image.h).
//
// Register base addresses. The kernel has no *_ip_offset.h for MI300 (GC 9.4.3) or Navi31
// (GC 11.0.0): those parts are described only by their discovery table. The bases below are
// chosen by us following the per-segment shape of the kernel's vega20_ip_offset.h /
// navi10_ip_offset.h (e.g. NBIO segment 2 at 0xD20, so RCC_CONFIG_MEMSIZE = NBIO seg 2 + 0xC3 =
// 0xDE3, matching the fixed offset tinygrad am/amdev.py reads before discovery). They are NOT
// read from a real MI300 or Navi31 table; the backend only ever uses what the table says.
// Versions per family follow the kernel's amdgpu_discovery.c IP version switch cases
// (GC 9.4.3 / SDMA 4.4.2 / MP0 13.0.6 for MI300, GC 11.0.0 / SDMA 6.0.0 / MP0 13.0.0 for Navi31).
#include <algorithm>
#include <cstring>

#include "amdhal_sim_pci/discovery_image.h"

namespace amdhal::sim::pci {
namespace {

// Little-endian stores, bounds-checked (the table layout is computed, so a slip throws here
// instead of writing past the buffer).
void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b.at(at) = static_cast<uint8_t>(v);
  b.at(at + 1) = static_cast<uint8_t>(v >> 8);
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
}
uint16_t byte_sum(const std::vector<uint8_t>& b, size_t from, size_t len) {
  uint32_t s = 0;
  for (size_t i = 0; i < len; ++i) s += b[from + i];
  return static_cast<uint16_t>(s);
}

struct Versions {
  uint8_t gc[3], sdma[3], mmhub[3], osssys[3], nbio[3], mp0[3], mp1[3], hdp[3];
};

Versions versions_for(const GpuFamily& f) {
  Versions v{};
  auto set = [](uint8_t* d, int a, int b, int c) {
    d[0] = static_cast<uint8_t>(a);
    d[1] = static_cast<uint8_t>(b);
    d[2] = static_cast<uint8_t>(c);
  };
  set(v.gc, static_cast<int>(f.isa.major), static_cast<int>(f.isa.minor),
      static_cast<int>(f.isa.stepping));
  set(v.sdma, static_cast<int>(f.sdma_ip_major), static_cast<int>(f.sdma_ip_minor), 0);
  if (f.name == "gfx942") {
    set(v.gc, 9, 4, 3);  // MI300's GC IP version (the ISA is gfx942)
    set(v.sdma, 4, 4, 2);
    set(v.mmhub, 1, 8, 0);
    set(v.osssys, 4, 4, 2);
    set(v.nbio, 7, 9, 0);
    set(v.mp0, 13, 0, 6);
    set(v.mp1, 13, 0, 6);
    set(v.hdp, 4, 4, 2);
  } else if (f.name == "gfx90a") {
    set(v.gc, 9, 4, 2);
    set(v.sdma, 4, 4, 0);
    set(v.mmhub, 9, 4, 2);
    set(v.osssys, 4, 2, 1);
    set(v.nbio, 7, 4, 0);
    set(v.mp0, 13, 0, 2);
    set(v.mp1, 13, 0, 2);
    set(v.hdp, 4, 4, 0);
  } else if (f.pm4 == Pm4Variant::kGfx10) {
    set(v.mmhub, 2, 1, 0);
    set(v.osssys, 5, 0, 3);
    set(v.nbio, 2, 3, 0);
    set(v.mp0, 11, 0, 7);
    set(v.mp1, 11, 0, 7);
    set(v.hdp, 5, 0, 3);
  } else if (f.pm4 == Pm4Variant::kGfx11) {
    set(v.mmhub, 3, 0, 0);
    set(v.osssys, 6, 0, 0);
    set(v.nbio, 4, 3, 0);
    set(v.mp0, 13, 0, 0);
    set(v.mp1, 13, 0, 0);
    set(v.hdp, 6, 0, 0);
  } else {  // gfx12
    set(v.mmhub, 4, 1, 0);
    set(v.osssys, 7, 0, 0);
    set(v.nbio, 6, 3, 1);
    set(v.mp0, 14, 0, 2);
    set(v.mp1, 14, 0, 2);
    set(v.hdp, 7, 0, 0);
  }
  return v;
}

}  // namespace

std::vector<SimIpBlock> sim_ip_blocks(const GpuFamily& f) {
  const Versions v = versions_for(f);
  auto blk = [](uint16_t hw, uint8_t inst, const uint8_t* ver, std::vector<uint32_t> bases) {
    return SimIpBlock{hw, inst, ver[0], ver[1], ver[2], std::move(bases)};
  };
  std::vector<SimIpBlock> out;
  // Segment bases in dwords (see the file comment: chosen, shaped like vega20/navi10 headers).
  // NBIO 7.9 (gfx942) reaches its doorbell routing registers through segments 5
  // (regS2A_DOORBELL_ENTRY_n_CTRL 0x7a80 + n) and 8 (regDOORBELL0_CTRL_ENTRY_n 0xcd00 + n,
  // regBIFC_DOORBELL_ACCESS_EN_PF 0xcf6e) of nbio_7_9_0_offset.h: those two bases are chosen so the
  // registers fall inside BAR5. NBIO 4.3 (gfx1100) has regS2A_DOORBELL_ENTRY_n_CTRL at segment 3 +
  // 0x4f7640 + n (nbio_4_3_0_offset.h), beyond BAR5: the driver reaches it through the indirect
  // RSMU_INDEX/RSMU_DATA pair, as the kernel's amdgpu_device_indirect_rreg does.
  if (v.nbio[0] == 7 && v.nbio[1] == 9) {
    out.push_back(blk(kHwIdNbif, 0, v.nbio,
                      {0x00000000, 0x00000014, 0x00000D20, 0x00010400, 0x0241B000, 0x0000E000,
                       0x04040000, 0x04041000, 0x00004000}));
  } else {
    out.push_back(blk(kHwIdNbif, 0, v.nbio, {0x00000000, 0x00000014, 0x00000D20, 0x00010400}));
  }
  // GC segment 0: 0x2000 on GC 9 (vega20_ip_offset.h GC_BASE), so GC 9.4.3's GCVM/GCMC block
  // (offsets 0x820-0x963) stays clear of the SDMA windows below; 0x1260 on later GCs
  // (navi10_ip_offset.h GC_BASE).
  const uint32_t gc_seg0 = v.gc[0] == 9 ? 0x00002000 : 0x00001260;
  out.push_back(blk(kHwIdGc, 0, v.gc, {gc_seg0, 0x0000A000, 0x0001C000, 0x02402C00}));
  out.push_back(blk(kHwIdHdp, 0, v.hdp, {0x00000F20, 0x0240A400}));
  out.push_back(blk(kHwIdMmhub, 0, v.mmhub, {0x0001A000, 0x02408800}));
  out.push_back(blk(kHwIdOsssys, 0, v.osssys, {0x000010A0, 0x0240A000}));
  out.push_back(blk(kHwIdMp0, 0, v.mp0, {0x00016000, 0x0243FC00}));
  out.push_back(blk(kHwIdMp1, 0, v.mp1, {0x00016000, 0x0243FC00}));
  const uint16_t sdma_ids[] = {kHwIdSdma0, kHwIdSdma1, kHwIdSdma2, kHwIdSdma3};
  const uint32_t engines = f.sdma_engines + f.sdma_xgmi_engines < 2
                               ? 2
                               : std::min<uint32_t>(4, f.sdma_engines + f.sdma_xgmi_engines);
  for (uint32_t i = 0; i < engines; ++i) {
    // One register window of 0x200 dwords per engine in GC segment 0's neighbourhood.
    out.push_back(
        blk(sdma_ids[i], 0, v.sdma, {0x00001260 + 0x200 * (i + 1), 0x0000A000 + 0x80 * i}));
  }
  return out;
}

std::vector<uint8_t> build_discovery_binary(const std::vector<SimIpBlock>& blocks) {
  constexpr size_t kBinaryHeader = 60;
  constexpr size_t kIpHeader = 80;
  size_t ip_bytes = 4;  // die_header
  for (const auto& b : blocks) ip_bytes += 8 + 4 * b.bases.size();
  const size_t table_off = kBinaryHeader;
  const size_t die_off = table_off + kIpHeader;
  const size_t table_size = kIpHeader + ip_bytes;
  const size_t total = table_off + table_size;
  std::vector<uint8_t> b(total, 0);

  // ip_discovery_header
  put32(b, table_off + 0, kDiscoveryTableSignature);
  put16(b, table_off + 4, 3);  // version: ip_v3 entries, 32-bit bases
  put16(b, table_off + 6, static_cast<uint16_t>(table_size));
  put32(b, table_off + 8, 0);
  put16(b, table_off + 12, 1);                               // num_dies
  put16(b, table_off + 14, 0);                               // die_info[0].die_id
  put16(b, table_off + 16, static_cast<uint16_t>(die_off));  // die_info[0].die_offset

  // die_header + entries
  put16(b, die_off, 0);
  put16(b, die_off + 2, static_cast<uint16_t>(blocks.size()));
  size_t at = die_off + 4;
  for (const auto& ip : blocks) {
    put16(b, at, ip.hw_id);
    b[at + 2] = ip.instance;
    b[at + 3] = static_cast<uint8_t>(ip.bases.size());
    b[at + 4] = ip.major;
    b[at + 5] = ip.minor;
    b[at + 6] = ip.revision;
    b[at + 7] = 0;  // sub_revision / variant
    at += 8;
    for (uint32_t base : ip.bases) {
      put32(b, at, base);
      at += 4;
    }
  }

  // binary_header
  put32(b, 0, kBinarySignature);
  put16(b, 4, 1);  // version_major
  put16(b, 6, 0);  // version_minor
  put16(b, 10, static_cast<uint16_t>(total));
  put16(b, 12 + 0, static_cast<uint16_t>(table_off));    // IP_DISCOVERY offset
  put16(b, 12 + 2, byte_sum(b, table_off, table_size));  // checksum
  put16(b, 12 + 4, static_cast<uint16_t>(table_size));   // size
  put16(b, 8, byte_sum(b, 10, total - 10));              // binary_checksum
  return b;
}

}  // namespace amdhal::sim::pci
