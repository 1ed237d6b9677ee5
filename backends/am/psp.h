// PSP (MP0): firmware loading through the bootloader mailbox and the KM ring.
//
// Sequence (Linux drivers/gpu/drm/amd/amdgpu/psp_v13_0.c, amdgpu_psp.c; frame and command layouts
// from psp_gfx_if.h):
//  1. Bootloader, for each sOS component (SYS_DRV, then SOS): wait for C2PMSG_35 bit 31 (ready),
//     copy the component to a 1 MiB-aligned buffer, write its MC address >> 20 to C2PMSG_36, the
//     command (PSP_BL__LOAD_SYSDRV 0x10000, PSP_BL__LOAD_SOSDRV 0x20000) to C2PMSG_35, wait for
//     ready again (psp_v13_0_bootloader_load_component). After SOS, wait for C2PMSG_81 != 0
//     (sOS alive); an sOS already alive (a second bring-up) is not loaded again.
//  2. KM ring (psp_v13_0_ring_create): wait for C2PMSG_64 bit 31, write the ring address to
//     C2PMSG_69 (low) / C2PMSG_70 (high), its size to C2PMSG_71, PSP_RING_TYPE__KM << 16 to
//     C2PMSG_64 (= GFX_CTRL_CMD_ID_INIT_GPCOM_RING), wait for bit 31 with status bits 15:0 zero.
//     A ring left by an earlier run is destroyed first (GFX_CTRL_CMD_ID_DESTROY_RINGS 0x30000).
//  3. Each IP firmware (psp_cmd_submit_buf): a 1 KiB struct psp_gfx_cmd_resp with cmd_id
//     GFX_CMD_ID_LOAD_IP_FW (6) and cmd_load_ip_fw {fw_phy_addr_lo, fw_phy_addr_hi, fw_size,
//     fw_type}; a 64-byte struct psp_gfx_rb_frame {cmd_buf_addr_lo/hi, cmd_buf_size,
//     fence_addr_lo/hi, fence_value} written at the ring's write pointer; the write pointer (in
//     dwords) to C2PMSG_67; wait for the fence value, then check resp.status (byte 864 of the
//     command buffer, GFX_CMD_STATUS_MASK 0xffff).
// Not done: TMR setup (GFX_CMD_ID_SETUP_TMR), LOAD_TOC, trusted applications (psp_*_ta.bin),
// RLC autoload; the simulated PSP does not need them.
#pragma once

#include <cstdint>

namespace amdhal::am::psp {

inline constexpr uint32_t kBlLoadSysDrv = 0x10000;      ///< PSP_BL__LOAD_SYSDRV
inline constexpr uint32_t kBlLoadSosDrv = 0x20000;      ///< PSP_BL__LOAD_SOSDRV
inline constexpr uint32_t kRingTypeKm = 2;              ///< PSP_RING_TYPE__KM
inline constexpr uint32_t kCtrlDestroyRings = 0x30000;  ///< GFX_CTRL_CMD_ID_DESTROY_RINGS
inline constexpr uint32_t kCmdLoadIpFw = 6;             ///< GFX_CMD_ID_LOAD_IP_FW
inline constexpr uint32_t kCmdBufVersion = 1;           ///< PSP_GFX_CMD_BUF_VERSION
inline constexpr uint32_t kCmdRespBytes = 1024;         ///< sizeof(struct psp_gfx_cmd_resp)
inline constexpr uint32_t kRespStatusOffset = 864;      ///< offsetof(psp_gfx_cmd_resp, resp.status)
inline constexpr uint32_t kFrameBytes = 64;             ///< sizeof(struct psp_gfx_rb_frame)
inline constexpr uint32_t kStatusMask = 0xffff;         ///< GFX_CMD_STATUS_MASK
inline constexpr uint32_t kResponseFlag = 0x80000000;   ///< GFX_FLAG_RESPONSE
inline constexpr uint32_t kPspFwTypeSos = 1;            ///< amdgpu_ucode.h PSP_FW_TYPE_PSP_SOS
inline constexpr uint32_t kPspFwTypeSysDrv = 2;         ///< PSP_FW_TYPE_PSP_SYS_DRV

}  // namespace amdhal::am::psp
