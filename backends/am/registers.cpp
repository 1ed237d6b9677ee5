// Register tables. Sources are the Linux kernel's register headers
// (drivers/gpu/drm/amd/include/asic_reg/...) and tinygrad am/amdev.py for the fixed offsets used
// before discovery. Offsets marked "(9.0 value, assumed)" were taken from the gfx9 header and
// not checked against the newer IP's header: treat them as such.
#include "registers.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace amdhal::am {
namespace {

// Shared by every family: MP0 (PSP) / MP1 (SMU) mailboxes keep their offsets across mp_11_0 and
// mp_13_0 (regMP0_SMN_C2PMSG_n = 0x40 + n; regMP1_SMN_C2PMSG_n = 0x240 + n, BASE_IDX 0).
#define AMDHAL_COMMON_REGS                                                                      \
  {"MM_INDEX", 0, 0, 0x00, "tinygrad am/amdev.py _read_vram (fixed dword 0x00)"},               \
      {"MM_DATA", 0, 0, 0x01, "tinygrad am/amdev.py _read_vram (fixed dword 0x01)"},            \
      {"MM_INDEX_HI", 0, 0, 0x06, "tinygrad am/amdev.py _read_vram (fixed dword 0x06)"},        \
      {"RCC_CONFIG_MEMSIZE", 0, 0, 0xde3,                                                       \
       "tinygrad am/amdev.py _run_discovery (mmRCC_CONFIG_MEMSIZE = 0xde3)"},                   \
      {"MP0_SMN_C2PMSG_35", hwid::kMp0, 0, 0x63, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_35"},    \
      {"MP0_SMN_C2PMSG_36", hwid::kMp0, 0, 0x64, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_36"},    \
      {"MP0_SMN_C2PMSG_64", hwid::kMp0, 0, 0x80, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_64"},    \
      {"MP0_SMN_C2PMSG_67", hwid::kMp0, 0, 0x83, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_67"},    \
      {"MP0_SMN_C2PMSG_69", hwid::kMp0, 0, 0x85, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_69"},    \
      {"MP0_SMN_C2PMSG_70", hwid::kMp0, 0, 0x86, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_70"},    \
      {"MP0_SMN_C2PMSG_71", hwid::kMp0, 0, 0x87, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_71"},    \
      {"MP0_SMN_C2PMSG_81", hwid::kMp0, 0, 0x91, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_81"},    \
      {"MP1_SMN_C2PMSG_66", hwid::kMp1, 0, 0x282, "mp_13_0_0_offset.h regMP1_SMN_C2PMSG_66"},   \
      {"MP1_SMN_C2PMSG_82", hwid::kMp1, 0, 0x292, "mp_13_0_0_offset.h regMP1_SMN_C2PMSG_82"}, { \
    "MP1_SMN_C2PMSG_90", hwid::kMp1, 0, 0x29a, "mp_13_0_0_offset.h regMP1_SMN_C2PMSG_90"        \
  }

// Queue registers (compute HQD, MEC doorbell range, SDMA rings; used by queues.cpp, which
// documents the sequences). HQD block: gc_11_0_0_offset.h regCP_MQD_BASE_ADDR 0x1fa9 ..
// regCP_HQD_PQ_WPTR_HI 0x1fe0; gc_9_4_3_offset.h has the same block at regCP_MQD_BASE_ADDR 0x1245.
#define AMDHAL_HQD_REGS(B, HDR)                                                                   \
  {"CP_MQD_BASE_ADDR", hwid::kGc, 0, B + 0x00, HDR "CP_MQD_BASE_ADDR"},                           \
      {"CP_MQD_BASE_ADDR_HI", hwid::kGc, 0, B + 0x01, HDR "CP_MQD_BASE_ADDR_HI"},                 \
      {"CP_HQD_ACTIVE", hwid::kGc, 0, B + 0x02, HDR "CP_HQD_ACTIVE"},                             \
      {"CP_HQD_VMID", hwid::kGc, 0, B + 0x03, HDR "CP_HQD_VMID"},                                 \
      {"CP_HQD_PQ_BASE", hwid::kGc, 0, B + 0x08, HDR "CP_HQD_PQ_BASE"},                           \
      {"CP_HQD_PQ_BASE_HI", hwid::kGc, 0, B + 0x09, HDR "CP_HQD_PQ_BASE_HI"},                     \
      {"CP_HQD_PQ_RPTR", hwid::kGc, 0, B + 0x0a, HDR "CP_HQD_PQ_RPTR"},                           \
      {"CP_HQD_PQ_RPTR_REPORT_ADDR", hwid::kGc, 0, B + 0x0b, HDR "CP_HQD_PQ_RPTR_REPORT_ADDR"},   \
      {"CP_HQD_PQ_RPTR_REPORT_ADDR_HI", hwid::kGc, 0, B + 0x0c,                                   \
       HDR "CP_HQD_PQ_RPTR_REPORT_ADDR_HI"},                                                      \
      {"CP_HQD_PQ_WPTR_POLL_ADDR", hwid::kGc, 0, B + 0x0d, HDR "CP_HQD_PQ_WPTR_POLL_ADDR"},       \
      {"CP_HQD_PQ_WPTR_POLL_ADDR_HI", hwid::kGc, 0, B + 0x0e, HDR "CP_HQD_PQ_WPTR_POLL_ADDR_HI"}, \
      {"CP_HQD_PQ_DOORBELL_CONTROL", hwid::kGc, 0, B + 0x0f, HDR "CP_HQD_PQ_DOORBELL_CONTROL"},   \
      {"CP_HQD_PQ_CONTROL", hwid::kGc, 0, B + 0x11, HDR "CP_HQD_PQ_CONTROL"},                     \
      {"CP_HQD_DEQUEUE_REQUEST", hwid::kGc, 0, B + 0x18, HDR "CP_HQD_DEQUEUE_REQUEST"},           \
      {"CP_HQD_AQL_CONTROL", hwid::kGc, 0, B + 0x35, HDR "CP_HQD_AQL_CONTROL"},                   \
      {"CP_HQD_PQ_WPTR_LO", hwid::kGc, 0, B + 0x36, HDR "CP_HQD_PQ_WPTR_LO"}, {                   \
    "CP_HQD_PQ_WPTR_HI", hwid::kGc, 0, B + 0x37, HDR "CP_HQD_PQ_WPTR_HI"                          \
  }
// SDMA ring registers of one queue: sdma_4_4_2_offset.h regSDMA_GFX_RB_CNTL 0x0080 ..
// regSDMA_GFX_RB_WPTR_POLL_ADDR_LO 0x00b3 (SDMA 6.0 QUEUE0 in gc_11_0_0_offset.h: same layout).
#define AMDHAL_SDMA_RING_REGS(P, HW, B, HDR)                                             \
  {P "RB_CNTL", HW, 0, B + 0x00, HDR}, {P "RB_BASE", HW, 0, B + 0x01, HDR},              \
      {P "RB_BASE_HI", HW, 0, B + 0x02, HDR}, {P "RB_RPTR", HW, 0, B + 0x03, HDR},       \
      {P "RB_WPTR", HW, 0, B + 0x05, HDR}, {P "RB_RPTR_ADDR_HI", HW, 0, B + 0x08, HDR},  \
      {P "RB_RPTR_ADDR_LO", HW, 0, B + 0x09, HDR}, {P "DOORBELL", HW, 0, B + 0x12, HDR}, \
      {P "DOORBELL_OFFSET", HW, 0, B + 0x2b, HDR},                                       \
      {P "RB_WPTR_POLL_ADDR_HI", HW, 0, B + 0x32, HDR}, {                                \
    P "RB_WPTR_POLL_ADDR_LO", HW, 0, B + 0x33, HDR                                       \
  }
#define AMDHAL_QUEUE_REGS_GFX9                                                       \
  AMDHAL_HQD_REGS(0x1245, "gc_9_4_3_offset.h reg"),                                  \
      {"GRBM_GFX_CNTL", hwid::kGc, 0, 0x0022, "gc_9_4_3_offset.h regGRBM_GFX_CNTL"}, \
      {"CP_MEC_DOORBELL_RANGE_LOWER", hwid::kGc, 0, 0x105c,                          \
       "gc_9_4_3_offset.h regCP_MEC_DOORBELL_RANGE_LOWER"},                          \
      {"CP_MEC_DOORBELL_RANGE_UPPER", hwid::kGc, 0, 0x105d,                          \
       "gc_9_4_3_offset.h regCP_MEC_DOORBELL_RANGE_UPPER"},                          \
      AMDHAL_SDMA_RING_REGS("SDMA_GFX_", hwid::kSdma0, 0x80, "sdma_4_4_2_offset.h"), \
      AMDHAL_SDMA_RING_REGS("SDMA_PAGE_", hwid::kSdma0, 0xd8, "sdma_4_4_2_offset.h")
#define AMDHAL_QUEUE_REGS_GFX11                                                       \
  AMDHAL_HQD_REGS(0x1fa9, "gc_11_0_0_offset.h reg"),                                  \
      {"GRBM_GFX_CNTL", hwid::kGc, 1, 0x0900, "gc_11_0_0_offset.h regGRBM_GFX_CNTL"}, \
      {"CP_MEC_DOORBELL_RANGE_LOWER", hwid::kGc, 0, 0x1dfc,                           \
       "gc_11_0_0_offset.h regCP_MEC_DOORBELL_RANGE_LOWER"},                          \
      {"CP_MEC_DOORBELL_RANGE_UPPER", hwid::kGc, 0, 0x1dfd,                           \
       "gc_11_0_0_offset.h regCP_MEC_DOORBELL_RANGE_UPPER"},                          \
      AMDHAL_SDMA_RING_REGS("SDMA0_QUEUE0_", hwid::kGc, 0x80, "gc_11_0_0_offset.h"),  \
      AMDHAL_SDMA_RING_REGS("SDMA1_QUEUE0_", hwid::kGc, 0x680,                        \
                            "gc_11_0_0_offset.h (+0x600: sdma_v6_0.c SDMA1_REG_OFFSET)")

// IH ring registers: osssys_4_4_2_offset.h (OSSSYS 4.4.2, gfx942) and osssys_6_0_0_offset.h
// (OSSSYS 6.0.0, gfx1100) have the same offsets (BASE_IDX 0).
#define AMDHAL_IH_REGS(HDR)                                                           \
  {"IH_RB_CNTL", hwid::kOsssys, 0, 0x80, HDR " regIH_RB_CNTL"},                       \
      {"IH_RB_BASE", hwid::kOsssys, 0, 0x81, HDR " regIH_RB_BASE"},                   \
      {"IH_RB_BASE_HI", hwid::kOsssys, 0, 0x82, HDR " regIH_RB_BASE_HI"},             \
      {"IH_RB_RPTR", hwid::kOsssys, 0, 0x83, HDR " regIH_RB_RPTR"},                   \
      {"IH_RB_WPTR", hwid::kOsssys, 0, 0x84, HDR " regIH_RB_WPTR"},                   \
      {"IH_RB_WPTR_ADDR_HI", hwid::kOsssys, 0, 0x85, HDR " regIH_RB_WPTR_ADDR_HI"},   \
      {"IH_RB_WPTR_ADDR_LO", hwid::kOsssys, 0, 0x86, HDR " regIH_RB_WPTR_ADDR_LO"}, { \
    "IH_DOORBELL_RPTR", hwid::kOsssys, 0, 0x87, HDR " regIH_DOORBELL_RPTR"            \
  }

// NBIO doorbell routing and indirect register access (used by queues.cpp
// program_nbio_doorbell_routing and AmDevice::read_reg/write_reg beyond BAR5). Offsets and
// BASE_IDX from the kernel's nbio_7_9_0_offset.h / nbio_4_3_0_offset.h (cross-checked against
// tinygrad autogen/am/regs/nbio_7_9_0.py and nbio_4_3_0.py, generated from those headers).
#define N790 "nbio_7_9_0_offset.h reg"
#define AMDHAL_NBIO79_REGS                                                                    \
  {"BIF_BX0_PCIE_INDEX2", hwid::kNbif, 0, 0x000e, N790 "BIF_BX0_PCIE_INDEX2 (BASE_IDX 0)"},   \
      {"BIF_BX0_PCIE_DATA2", hwid::kNbif, 0, 0x000f, N790 "BIF_BX0_PCIE_DATA2 (BASE_IDX 0)"}, \
      {"RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN", hwid::kNbif, 2, 0x00c0,                          \
       N790 "RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN (BASE_IDX 2)"},                               \
      {"BIFC_DOORBELL_ACCESS_EN_PF", hwid::kNbif, 8, 0xcf6e,                                  \
       N790 "BIFC_DOORBELL_ACCESS_EN_PF (BASE_IDX 8)"},                                       \
      {"DOORBELL0_CTRL_ENTRY_1", hwid::kNbif, 8, 0xcd01,                                      \
       N790 "DOORBELL0_CTRL_ENTRY_1 (BASE_IDX 8)"},                                           \
      {"DOORBELL0_CTRL_ENTRY_2", hwid::kNbif, 8, 0xcd02,                                      \
       N790 "DOORBELL0_CTRL_ENTRY_2 (BASE_IDX 8)"},                                           \
      {"DOORBELL0_CTRL_ENTRY_3", hwid::kNbif, 8, 0xcd03,                                      \
       N790 "DOORBELL0_CTRL_ENTRY_3 (BASE_IDX 8)"},                                           \
      {"DOORBELL0_CTRL_ENTRY_4", hwid::kNbif, 8, 0xcd04,                                      \
       N790 "DOORBELL0_CTRL_ENTRY_4 (BASE_IDX 8)"},                                           \
      {"S2A_DOORBELL_ENTRY_1_CTRL", hwid::kNbif, 5, 0x7a81,                                   \
       N790 "S2A_DOORBELL_ENTRY_1_CTRL (BASE_IDX 5)"},                                        \
      {"S2A_DOORBELL_ENTRY_2_CTRL", hwid::kNbif, 5, 0x7a82,                                   \
       N790 "S2A_DOORBELL_ENTRY_2_CTRL (BASE_IDX 5)"},                                        \
      {"S2A_DOORBELL_ENTRY_5_CTRL", hwid::kNbif, 5, 0x7a85,                                   \
       N790 "S2A_DOORBELL_ENTRY_5_CTRL (BASE_IDX 5)"},                                        \
  {                                                                                           \
    "S2A_DOORBELL_ENTRY_6_CTRL", hwid::kNbif, 5, 0x7a86,                                      \
        N790 "S2A_DOORBELL_ENTRY_6_CTRL (BASE_IDX 5)"                                         \
  }
#define N430 "nbio_4_3_0_offset.h reg"
#define AMDHAL_NBIO43_REGS                                                                        \
  {"BIF_BX_PF0_RSMU_INDEX", hwid::kNbif, 1, 0x0000, N430 "BIF_BX_PF0_RSMU_INDEX (BASE_IDX 1)"},   \
      {"BIF_BX_PF0_RSMU_DATA", hwid::kNbif, 1, 0x0001, N430 "BIF_BX_PF0_RSMU_DATA (BASE_IDX 1)"}, \
      {"RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN", hwid::kNbif, 2, 0x00c0,                              \
       N430 "RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN (BASE_IDX 2)"},                                   \
  {                                                                                               \
    "S2A_DOORBELL_ENTRY_2_CTRL", hwid::kNbif, 3, 0x4f7642,                                        \
        N430 "S2A_DOORBELL_ENTRY_2_CTRL (BASE_IDX 3)"                                             \
  }

// One hub's VMID 0 / aperture registers: NAME is the header's name without "reg", P the prefix
// ("GC" for GFXHUB: GCVM_*, GCMC_VM_*; "MM" for MMHUB: MMVM_*, MMMC_VM_*).
#define AMDHAL_HUB_REG(P, N, HW, OFF, HDR) \
  { P N, HW, 0, OFF, HDR " reg" P N }

// gfx942: GC 9.4.3 (gc_9_4_3_offset.h) and MMHUB 1.8.0 (mmhub_1_8_0_offset.h), all BASE_IDX 0.
#define GC943 "gc_9_4_3_offset.h"
#define MM180 "mmhub_1_8_0_offset.h"
constexpr RegisterDef kGfx942Regs[] = {
    AMDHAL_COMMON_REGS,
    AMDHAL_QUEUE_REGS_GFX9,
    AMDHAL_IH_REGS("osssys_4_4_2_offset.h"),
    AMDHAL_NBIO79_REGS,
    AMDHAL_HUB_REG("GC", "VM_L2_CNTL", hwid::kGc, 0x820, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_CNTL", hwid::kGc, 0x860, GC943),
    AMDHAL_HUB_REG("GC", "VM_INVALIDATE_ENG17_REQ", hwid::kGc, 0x894, GC943),
    AMDHAL_HUB_REG("GC", "VM_INVALIDATE_ENG17_ACK", hwid::kGc, 0x8a6, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32", hwid::kGc, 0x8cb, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32", hwid::kGc, 0x8cc, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32", hwid::kGc, 0x8eb, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32", hwid::kGc, 0x8ec, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32", hwid::kGc, 0x90b, GC943),
    AMDHAL_HUB_REG("GC", "VM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32", hwid::kGc, 0x90c, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_FB_OFFSET", hwid::kGc, 0x947, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_FB_LOCATION_BASE", hwid::kGc, 0x95c, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_FB_LOCATION_TOP", hwid::kGc, 0x95d, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_AGP_TOP", hwid::kGc, 0x95e, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_AGP_BOT", hwid::kGc, 0x95f, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_AGP_BASE", hwid::kGc, 0x960, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_SYSTEM_APERTURE_LOW_ADDR", hwid::kGc, 0x961, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_SYSTEM_APERTURE_HIGH_ADDR", hwid::kGc, 0x962, GC943),
    AMDHAL_HUB_REG("GC", "MC_VM_MX_L1_TLB_CNTL", hwid::kGc, 0x963, GC943),
    AMDHAL_HUB_REG("MM", "VM_L2_CNTL", hwid::kMmhub, 0xb60, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_CNTL", hwid::kMmhub, 0xba0, MM180),
    AMDHAL_HUB_REG("MM", "VM_INVALIDATE_ENG17_REQ", hwid::kMmhub, 0xbd4, MM180),
    AMDHAL_HUB_REG("MM", "VM_INVALIDATE_ENG17_ACK", hwid::kMmhub, 0xbe6, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32", hwid::kMmhub, 0xc0b, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32", hwid::kMmhub, 0xc0c, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32", hwid::kMmhub, 0xc2b, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32", hwid::kMmhub, 0xc2c, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32", hwid::kMmhub, 0xc4b, MM180),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32", hwid::kMmhub, 0xc4c, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_FB_OFFSET", hwid::kMmhub, 0xc87, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_FB_LOCATION_BASE", hwid::kMmhub, 0xc9c, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_FB_LOCATION_TOP", hwid::kMmhub, 0xc9d, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_AGP_TOP", hwid::kMmhub, 0xc9e, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_AGP_BOT", hwid::kMmhub, 0xc9f, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_AGP_BASE", hwid::kMmhub, 0xca0, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_SYSTEM_APERTURE_LOW_ADDR", hwid::kMmhub, 0xca1, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_SYSTEM_APERTURE_HIGH_ADDR", hwid::kMmhub, 0xca2, MM180),
    AMDHAL_HUB_REG("MM", "MC_VM_MX_L1_TLB_CNTL", hwid::kMmhub, 0xca3, MM180),
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
#undef GC943
#undef MM180

constexpr RegisterDef kGfx9Regs[] = {
    AMDHAL_COMMON_REGS,
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
constexpr RegisterDef kGfx10Regs[] = {
    AMDHAL_COMMON_REGS,
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
// gfx1100: GC 11.0.0 (gc_11_0_0_offset.h) and MMHUB 3.0.0 (mmhub_3_0_0_offset.h), BASE_IDX 0.
#define GC1100 "gc_11_0_0_offset.h"
#define MM300 "mmhub_3_0_0_offset.h"
constexpr RegisterDef kGfx11Regs[] = {
    AMDHAL_COMMON_REGS,
    AMDHAL_QUEUE_REGS_GFX11,
    AMDHAL_IH_REGS("osssys_6_0_0_offset.h"),
    AMDHAL_NBIO43_REGS,
    AMDHAL_HUB_REG("GC", "MC_VM_FB_OFFSET", hwid::kGc, 0x15a7, GC1100),
    AMDHAL_HUB_REG("GC", "VM_L2_CNTL", hwid::kGc, 0x15bc, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_FB_LOCATION_BASE", hwid::kGc, 0x1678, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_FB_LOCATION_TOP", hwid::kGc, 0x1679, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_AGP_TOP", hwid::kGc, 0x167a, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_AGP_BOT", hwid::kGc, 0x167b, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_AGP_BASE", hwid::kGc, 0x167c, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_SYSTEM_APERTURE_LOW_ADDR", hwid::kGc, 0x167d, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_SYSTEM_APERTURE_HIGH_ADDR", hwid::kGc, 0x167e, GC1100),
    AMDHAL_HUB_REG("GC", "MC_VM_MX_L1_TLB_CNTL", hwid::kGc, 0x167f, GC1100),
    AMDHAL_HUB_REG("MM", "VM_L2_CNTL", hwid::kMmhub, 0x700, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_CNTL", hwid::kMmhub, 0x740, MM300),
    AMDHAL_HUB_REG("MM", "VM_INVALIDATE_ENG17_REQ", hwid::kMmhub, 0x774, MM300),
    AMDHAL_HUB_REG("MM", "VM_INVALIDATE_ENG17_ACK", hwid::kMmhub, 0x786, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32", hwid::kMmhub, 0x7ab, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32", hwid::kMmhub, 0x7ac, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32", hwid::kMmhub, 0x7cb, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32", hwid::kMmhub, 0x7cc, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32", hwid::kMmhub, 0x7eb, MM300),
    AMDHAL_HUB_REG("MM", "VM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32", hwid::kMmhub, 0x7ec, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_FB_OFFSET", hwid::kMmhub, 0x8d7, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_FB_LOCATION_BASE", hwid::kMmhub, 0x8ec, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_FB_LOCATION_TOP", hwid::kMmhub, 0x8ed, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_AGP_TOP", hwid::kMmhub, 0x8ee, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_AGP_BOT", hwid::kMmhub, 0x8ef, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_AGP_BASE", hwid::kMmhub, 0x8f0, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_SYSTEM_APERTURE_LOW_ADDR", hwid::kMmhub, 0x8f1, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_SYSTEM_APERTURE_HIGH_ADDR", hwid::kMmhub, 0x8f2, MM300),
    AMDHAL_HUB_REG("MM", "MC_VM_MX_L1_TLB_CNTL", hwid::kMmhub, 0x8f3, MM300),
    {"GCVM_CONTEXT0_CNTL", hwid::kGc, 0, 0x1688, "gc_11_0_0_offset.h regGCVM_CONTEXT0_CNTL"},
    {"GCVM_INVALIDATE_ENG17_REQ", hwid::kGc, 0, 0x16bc,
     "gc_11_0_0_offset.h regGCVM_INVALIDATE_ENG17_REQ"},
    {"GCVM_INVALIDATE_ENG17_ACK", hwid::kGc, 0, 0x16ce,
     "gc_11_0_0_offset.h regGCVM_INVALIDATE_ENG17_ACK"},
    {"GCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32", hwid::kGc, 0, 0x16f3,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32", hwid::kGc, 0, 0x16f4,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32", hwid::kGc, 0, 0x1713,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32", hwid::kGc, 0, 0x1714,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32", hwid::kGc, 0, 0x1733,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32", hwid::kGc, 0, 0x1734,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32"},
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
#undef GC1100
#undef MM300
#undef AMDHAL_HUB_REG
#undef AMDHAL_IH_REGS
#undef AMDHAL_NBIO79_REGS
#undef AMDHAL_NBIO43_REGS
#undef N790
#undef N430
#undef AMDHAL_COMMON_REGS
#undef AMDHAL_QUEUE_REGS_GFX9
#undef AMDHAL_QUEUE_REGS_GFX11
#undef AMDHAL_SDMA_RING_REGS
#undef AMDHAL_HQD_REGS

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

Expected<ResolvedRegister> resolve_def(const RegisterDef& d, uint8_t instance,
                                       const DiscoveryTable& table) {
  ResolvedRegister r;
  if (d.hw_id == 0) {
    r.name = std::string(d.name);
    r.dword = d.offset;
    return r;
  }
  const IpBlock* ip = table.find(d.hw_id, instance);
  if (ip == nullptr) {
    return not_found(fmt::format("register {}: IP {} instance {} is not in the discovery table",
                                 d.name, hw_id_name(d.hw_id), instance));
  }
  if (d.segment >= ip->bases.size()) {
    return not_found(fmt::format("register {}: {} has no base segment {}", d.name,
                                 hw_id_name(d.hw_id), d.segment));
  }
  r.ip = hw_id_name(d.hw_id);
  r.instance = instance;
  r.name = instance == 0 ? fmt::format("{}.{}", r.ip, d.name)
                         : fmt::format("{}#{}.{}", r.ip, instance, d.name);
  r.dword = ip->bases[d.segment] + d.offset;
  return r;
}

}  // namespace

std::span<const RegisterDef> register_table(const GpuFamily& family) {
  // GC 9.4.3 (gfx942: ISA 9.4.2) has its own table; other GC 9 parts keep the common one.
  if (family.pm4 == Pm4Variant::kGfx9 && family.isa.major == 9 && family.isa.minor == 4 &&
      family.isa.stepping == 2) {
    return kGfx942Regs;
  }
  if (family.pm4 == Pm4Variant::kGfx9) return kGfx9Regs;
  if (family.pm4 == Pm4Variant::kGfx11) return kGfx11Regs;
  return kGfx10Regs;
}

Expected<ResolvedRegister> resolve_register(std::string_view text, const GpuFamily& family,
                                            const DiscoveryTable& table) {
  if (text.starts_with("0x") || text.starts_with("0X") ||
      (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])))) {
    const bool hex = text.starts_with("0x") || text.starts_with("0X");
    std::string_view digits = hex ? text.substr(2) : text;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
    if (ec != std::errc() || p != digits.data() + digits.size() || v % 4 != 0) {
      return invalid_argument(fmt::format(
          "register offset '{}': expected a byte offset into BAR5, a multiple of 4", text));
    }
    ResolvedRegister r;
    r.name = fmt::format("0x{:x}", v);
    r.dword = v / 4;
    return r;
  }
  std::string_view ip_part, name = text;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    ip_part = text.substr(0, dot);
    name = text.substr(dot + 1);
  }
  uint8_t instance = 0;
  std::optional<uint16_t> want_ip;
  if (!ip_part.empty()) {
    // "GC" or "GC#1" (instance 1).
    std::string_view ip_name = ip_part;
    if (auto hash = ip_part.find('#'); hash != std::string_view::npos) {
      ip_name = ip_part.substr(0, hash);
      const std::string_view n = ip_part.substr(hash + 1);
      unsigned v = 0;
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
      if (ec != std::errc() || p != n.data() + n.size() || v > 255) {
        return invalid_argument(fmt::format("register {}: bad instance '{}'", text, n));
      }
      instance = static_cast<uint8_t>(v);
    }
    want_ip = hw_id_from_name(ip_name);
    if (!want_ip) return not_found(fmt::format("register {}: unknown IP '{}'", text, ip_name));
  }
  for (const auto& d : register_table(family)) {
    if (!iequal(d.name, name)) continue;
    if (want_ip && d.hw_id != *want_ip) continue;
    return resolve_def(d, instance, table);
  }
  std::string known;
  for (const auto& d : register_table(family))
    known += fmt::format("{}{}", known.empty() ? "" : ", ", d.name);
  return not_found(
      fmt::format("unknown register '{}' for {} (known: {})", text, family.name, known));
}

Expected<std::vector<ResolvedRegister>> list_registers(const GpuFamily& family,
                                                       const DiscoveryTable& table,
                                                       std::string_view ip_filter) {
  std::optional<uint16_t> want;
  if (!ip_filter.empty()) {
    want = hw_id_from_name(ip_filter);
    if (!want) return not_found(fmt::format("unknown IP '{}'", ip_filter));
  }
  std::vector<ResolvedRegister> out;
  for (const auto& d : register_table(family)) {
    if (want && d.hw_id != *want) continue;
    if (d.hw_id == 0) {
      AMDHAL_ASSIGN_OR_RETURN(auto r, resolve_def(d, 0, table));
      out.push_back(std::move(r));
      continue;
    }
    for (const auto& ip : table.blocks) {
      if (ip.hw_id != d.hw_id) continue;
      auto r = resolve_def(d, ip.instance, table);
      if (r.ok()) out.push_back(std::move(*r));
    }
  }
  return out;
}

}  // namespace amdhal::am
