// IH: the interrupt handler ring the GPU writes interrupt vectors (IV entries) into.
//
// Registers (OSSSYS block; osssys_4_4_2_offset.h for gfx942, handled by the kernel's vega20_ih.c,
// osssys_6_0_0_offset.h for gfx1100, ih_v6_0.c): IH_RB_BASE = ring address >> 8, IH_RB_BASE_HI =
// address >> 40, IH_RB_CNTL (RB_ENABLE bit 0, RB_SIZE bits 5:1 = log2(ring dwords),
// WPTR_WRITEBACK_ENABLE bit 8, WPTR_OVERFLOW_ENABLE bit 16, ENABLE_INTR bit 17, MC_SPACE bits
// 30:28 = 4 for a GPU address, WPTR_OVERFLOW_CLEAR bit 31), IH_RB_WPTR_ADDR_LO/HI (write-back),
// IH_RB_RPTR / IH_RB_WPTR (byte offsets; WPTR bit 0 = RB_OVERFLOW).
//
// IV entry (32 bytes; amdgpu_ih.c amdgpu_ih_decode_iv_helper): dw0 client_id 7:0, src_id 15:8,
// ring_id 23:16, vmid 27:24, vmid_src 31; dw1 timestamp 31:0; dw2 timestamp 47:32 (bits 15:0),
// timestamp_src 31; dw3 pasid 15:0, node_id 23:16; dw4..dw7 src_data[0..3]. Client and source
// ids: soc15_ih_clientid.h, ivsrcid/gfx/irqsrcs_gfx_9_0.h (CP_EOP_INTERRUPT 181),
// ivsrcid/sdma0/irqsrcs_sdma0_4_0.h (SDMA_TRAP 224), irqsrcs_gfx_11_0_0.h (SDMA_TRAP 49).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace amdhal::am {

/// One decoded IV entry.
struct IvEntry {
  uint8_t client_id = 0;
  uint8_t src_id = 0;
  uint8_t ring_id = 0;
  uint8_t vmid = 0;
  bool vmid_src = false;
  uint64_t timestamp = 0;  ///< 48 bits
  uint16_t pasid = 0;
  uint8_t node_id = 0;
  uint32_t src_data[4] = {};
  /// "client 20 (GRBM_CP) src 181 (CP_EOP) ring 1 vmid 0 data 0x7 0x1 0x0 0x0".
  std::string to_string() const;
};

inline constexpr uint32_t kIvEntryBytes = 32;

/// Client / source ids amdhal names (soc15_ih_clientid.h, irqsrcs_*.h).
namespace ivsrc {
inline constexpr uint8_t kClientSdma0 = 8;
inline constexpr uint8_t kClientGfx = 10;  ///< SOC21_IH_CLIENTID_GFX
inline constexpr uint8_t kClientVmc = 18;
inline constexpr uint8_t kClientGrbmCp = 20;
inline constexpr uint8_t kClientUtcl2 = 27;
inline constexpr uint8_t kCpEop = 181;
inline constexpr uint8_t kSdmaTrapGfx9 = 224;
inline constexpr uint8_t kSdmaTrapGfx11 = 49;
}  // namespace ivsrc

/// Decodes the 8 dwords of an IV entry.
IvEntry decode_iv(std::span<const uint32_t, 8> dw);

/// IH_RB_CNTL for a ring of `ring_bytes` (a power of two), enabled or not.
uint32_t ih_rb_cntl(uint64_t ring_bytes, bool enable);

}  // namespace amdhal::am
