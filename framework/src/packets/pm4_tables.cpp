// The per-family PM4 layout tables. Every bit position cites its public source:
//   [soc15d]  Linux drivers/gpu/drm/amd/amdgpu/soc15d.h (gfx9 PM4)
//   [nvd]     Linux drivers/gpu/drm/amd/amdgpu/nvd.h (gfx10-12 PM4; gfx_v10/11/12_0.c use it)
//   [kfd_ai]  Linux drivers/gpu/drm/amd/amdkfd/kfd_pm4_headers_ai.h (struct pm4_mec_release_mem)
//   [sid]     Mesa src/amd/common/sid.h
//   [pal]     GPUOpen-Drivers/pal gfx9/gfx10 PM4 headers (PM4_ME_ACQUIRE_MEM__GFX09/__GFX10,
//             PM4_ME_WAIT_REG_MEM64)
//   [radv]    Mesa radv_cmd_buffer.c (DISPATCH_INDIRECT on a compute queue)
// Field order is packet order; names are the kernel's lower_snake_case names, with *_lo/*_hi
// pairs merged into one 64-bit field.
#include "packets/pm4_tables.h"

namespace amdhal::packets::pm4_detail {
namespace {

using F = Pm4FieldInfo;

// clang-format off
// INDIRECT_BUFFER 0x3F, count 2 [soc15d PACKET3_INDIRECT_BUFFER__*; nvd INDIRECT_BUFFER_*].
constexpr F kIndirectBufferFields[] = {
    {"ib_base", 1, 0, 64, 2},       // IB_BASE_LO [31:2], IB_BASE_HI [31:0]
    {"ib_size", 3, 0, 20, 0},       // IB_SIZE [19:0]
    {"chain", 3, 20, 1, 0},         // CHAIN [20]
    {"valid", 3, 23, 1, 0},         // VALID [23] (INDIRECT_BUFFER_VALID)
    {"vmid", 3, 24, 4, 0},          // VMID [27:24]
    {"cache_policy", 3, 28, 2, 0},  // CACHE_POLICY [29:28]
};

// SET_SH_REG 0x76 [soc15d PACKET3_SET_SH_REG__REG_OFFSET [15:0], PACKET3_SET_SH_REG_START 0x2C00].
constexpr F kSetShRegFields[] = {{"reg_offset", 1, 0, 16, 0}};

// DISPATCH_DIRECT 0x15, count 3: dim x, y, z, initiator [sid PKT3_DISPATCH_DIRECT; radv].
constexpr F kDispatchDirectFields[] = {
    {"dim_x", 1, 0, 32, 0},
    {"dim_y", 2, 0, 32, 0},
    {"dim_z", 3, 0, 32, 0},
    {"dispatch_initiator", 4, 0, 32, 0},
};

// DISPATCH_INDIRECT 0x16, compute-queue form, count 2: address lo/hi, initiator [radv].
constexpr F kDispatchIndirectFields[] = {
    {"address", 1, 0, 64, 2},
    {"dispatch_initiator", 3, 0, 32, 0},
};

// ACQUIRE_MEM 0x58. gfx9: count 5 [soc15d comment "1. HEADER 2. COHER_CNTL [30:0] 2.1 ENGINE_SEL
// [31:31] 3. COHER_SIZE 4. COHER_SIZE_HI 5. COHER_BASE_LO 6. COHER_BASE_HI [23:0] 7.
// POLL_INTERVAL [15:0]"; COHER_SIZE_HI_VG10 is 24 bits]. gfx10+: count 6, GCR_CNTL [18:0] as the
// 8th dword [nvd comment / pal PM4_ME_ACQUIRE_MEM__GFX10 bitfields8].
constexpr F kAcquireMemGfx9Fields[] = {
    {"coher_cntl", 1, 0, 31, 0},
    {"engine_sel", 1, 31, 1, 0},
    {"coher_size", 2, 0, 56, 0},  // COHER_SIZE [31:0] + COHER_SIZE_HI [23:0]
    {"coher_base", 4, 0, 56, 0},  // COHER_BASE_LO [31:0] + COHER_BASE_HI [23:0]
    {"poll_interval", 6, 0, 16, 0},
};
constexpr F kAcquireMemGfx10Fields[] = {
    {"coher_cntl", 1, 0, 31, 0},
    {"engine_sel", 1, 31, 1, 0},
    {"coher_size", 2, 0, 56, 0},
    {"coher_base", 4, 0, 56, 0},
    {"poll_interval", 6, 0, 16, 0},
    {"gcr_cntl", 7, 0, 19, 0},
};

// RELEASE_MEM 0x49, count 6 on every family (gfx_v9_0 / v10 / v11 / v12 ring_emit_fence:
// PACKET3(PACKET3_RELEASE_MEM, 6)). Dword 1: EVENT_TYPE [5:0], EVENT_INDEX [11:8], cache actions,
// CACHE_POLICY [26:25]. Dword 2: DST_SEL [17:16], INT_SEL [26:24], DATA_SEL [31:29]. Then
// address lo/hi, data lo/hi, int_ctxid [kfd_ai struct pm4_mec_release_mem; soc15d / nvd macros].
// gfx9 cache actions [soc15d EOP_*_ACTION_EN; kfd_ai bitfields2].
constexpr F kReleaseMemGfx9Fields[] = {
    {"event_type", 1, 0, 6, 0},
    {"event_index", 1, 8, 4, 0},
    {"tcl1_vol_action_ena", 1, 12, 1, 0},  // EOP_TCL1_VOL_ACTION_EN (1 << 12)
    {"tc_vol_action_ena", 1, 13, 1, 0},    // EOP_TC_VOL_ACTION_EN (1 << 13)
    {"tc_wb_action_ena", 1, 15, 1, 0},     // EOP_TC_WB_ACTION_EN (1 << 15)
    {"tcl1_action_ena", 1, 16, 1, 0},      // EOP_TCL1_ACTION_EN (1 << 16)
    {"tc_action_ena", 1, 17, 1, 0},        // EOP_TC_ACTION_EN (1 << 17)
    {"tc_nc_action_ena", 1, 19, 1, 0},     // EOP_TC_NC_ACTION_EN (1 << 19)
    {"tc_wc_action_ena", 1, 20, 1, 0},     // kfd_ai tc_wc_action_ena; sid EVENT_TC_WC_ACTION_ENA
    {"tc_md_action_ena", 1, 21, 1, 0},     // EOP_TC_MD_ACTION_EN (1 << 21)
    {"cache_policy", 1, 25, 2, 0},
    {"dst_sel", 2, 16, 2, 0},   // DST_SEL(x) ((x) << 16)
    {"int_sel", 2, 24, 3, 0},   // INT_SEL(x) ((x) << 24)
    {"data_sel", 2, 29, 3, 0},  // DATA_SEL(x) ((x) << 29)
    {"address", 3, 0, 64, 2},   // address_lo_32b [31:2], address_hi
    {"data", 5, 0, 64, 0},      // data_lo, data_hi
    {"int_ctxid", 7, 0, 32, 0},
};
// gfx10+ cache actions [nvd PACKET3_RELEASE_MEM_GCR_*]. GL2_RANGE is 2 bits (GL2_DISCARD is next
// at 19) and SEQ 2 bits, as GCR_CNTL's GL2_RANGE [12:11] and SEQ [17:16] in ACQUIRE_MEM.
constexpr F kReleaseMemGfx10Fields[] = {
    {"event_type", 1, 0, 6, 0},
    {"event_index", 1, 8, 4, 0},
    {"gcr_glm_wb", 1, 12, 1, 0},       // PACKET3_RELEASE_MEM_GCR_GLM_WB (1 << 12)
    {"gcr_glm_inv", 1, 13, 1, 0},      // GCR_GLM_INV (1 << 13)
    {"gcr_glv_inv", 1, 14, 1, 0},      // GCR_GLV_INV (1 << 14)
    {"gcr_gl1_inv", 1, 15, 1, 0},      // GCR_GL1_INV (1 << 15)
    {"gcr_gl2_us", 1, 16, 1, 0},       // GCR_GL2_US (1 << 16)
    {"gcr_gl2_range", 1, 17, 2, 0},    // GCR_GL2_RANGE (1 << 17)
    {"gcr_gl2_discard", 1, 19, 1, 0},  // GCR_GL2_DISCARD (1 << 19)
    {"gcr_gl2_inv", 1, 20, 1, 0},      // GCR_GL2_INV (1 << 20)
    {"gcr_gl2_wb", 1, 21, 1, 0},       // GCR_GL2_WB (1 << 21)
    {"gcr_seq", 1, 22, 2, 0},          // GCR_SEQ (1 << 22)
    {"cache_policy", 1, 25, 2, 0},     // PACKET3_RELEASE_MEM_CACHE_POLICY(x) ((x) << 25)
    {"dst_sel", 2, 16, 2, 0},          // PACKET3_RELEASE_MEM_DST_SEL(x) ((x) << 16)
    {"int_sel", 2, 24, 3, 0},          // PACKET3_RELEASE_MEM_INT_SEL(x) ((x) << 24)
    {"data_sel", 2, 29, 3, 0},         // PACKET3_RELEASE_MEM_DATA_SEL(x) ((x) << 29)
    {"address", 3, 0, 64, 2},
    {"data", 5, 0, 64, 0},
    {"int_ctxid", 7, 0, 32, 0},
};

// WAIT_REG_MEM 0x3C, count 5 [soc15d PACKET3_WAIT_REG_MEM__FUNCTION [2:0], MEM_SPACE [5:4],
// OPERATION [7:6], WAIT_REG_MEM_ENGINE(x) << 8, CACHE_POLICY [26:25], MEM_POLL_ADDR_LO/HI,
// REFERENCE, MASK, POLL_INTERVAL [15:0]; nvd WAIT_REG_MEM_* same shifts].
constexpr F kWaitRegMemFields[] = {
    {"function", 1, 0, 3, 0},
    {"mem_space", 1, 4, 2, 0},
    {"operation", 1, 6, 2, 0},
    {"engine_sel", 1, 8, 2, 0},
    {"cache_policy", 1, 25, 2, 0},
    {"poll_addr", 2, 0, 64, 0},  // memory: address (4-byte aligned); register: reg, write reg
    {"reference", 4, 0, 32, 0},
    {"mask", 5, 0, 32, 0},
    {"poll_interval", 6, 0, 16, 0},
};

// WAIT_REG_MEM64 0x93, count 7 [nvd PACKET3_WAIT_REG_MEM64; pal PM4_ME_WAIT_REG_MEM64: control as
// WAIT_REG_MEM, mem_poll_addr_lo [31:3], mem_poll_addr_hi, reference, reference_hi, mask,
// mask_hi, poll_interval [15:0]].
constexpr F kWaitRegMem64Fields[] = {
    {"function", 1, 0, 3, 0},
    {"mem_space", 1, 4, 2, 0},
    {"operation", 1, 6, 2, 0},
    {"engine_sel", 1, 8, 2, 0},
    {"cache_policy", 1, 25, 2, 0},
    {"poll_addr", 2, 0, 64, 0},
    {"reference", 4, 0, 64, 0},
    {"mask", 6, 0, 64, 0},
    {"poll_interval", 8, 0, 16, 0},
};

// WRITE_DATA 0x37, count 2 + n [soc15d PACKET3_WRITE_DATA__DST_SEL [11:8], ADDR_INCR [16],
// WR_CONFIRM [20], CACHE_POLICY [26:25], WRITE_DATA_ENGINE_SEL(x) << 30, DST_MEM_ADDR_LO/HI].
constexpr F kWriteDataFields[] = {
    {"dst_sel", 1, 8, 4, 0},
    {"addr_incr", 1, 16, 1, 0},
    {"wr_confirm", 1, 20, 1, 0},
    {"cache_policy", 1, 25, 2, 0},
    {"engine_sel", 1, 30, 2, 0},
    {"dst_addr", 2, 0, 64, 0},
};

// EVENT_WRITE 0x46 [soc15d PACKET3_EVENT_WRITE__EVENT_TYPE [5:0], EVENT_INDEX [11:8],
// ADDRESS_LO [31:3], ADDRESS_HI]: count 0, or count 2 with the address.
constexpr F kEventWriteFields[] = {
    {"event_type", 1, 0, 6, 0},
    {"event_index", 1, 8, 4, 0},
    {"address", 2, 0, 64, 3},
};

// COPY_DATA 0x40, count 4 [soc15d PACKET3_COPY_DATA__SRC_SEL [3:0], DST_SEL [11:8],
// SRC_CACHE_POLICY [14:13], COUNT_SEL [16], WR_CONFIRM [20], DST_CACHE_POLICY [26:25]; sid
// COPY_DATA_ENGINE_PFP (1 << 30); src lo/hi, dst lo/hi].
constexpr F kCopyDataFields[] = {
    {"src_sel", 1, 0, 4, 0},
    {"dst_sel", 1, 8, 4, 0},
    {"src_cache_policy", 1, 13, 2, 0},
    {"count_sel", 1, 16, 1, 0},
    {"wr_confirm", 1, 20, 1, 0},
    {"dst_cache_policy", 1, 25, 2, 0},
    {"engine_sel", 1, 30, 2, 0},
    {"src_addr", 2, 0, 64, 0},
    {"dst_addr", 4, 0, 64, 0},
};

// DMA_DATA 0x50, count 5. CONTROL: ENGINE [0], SRC_CACHE_POLICY [14:13], SRC_VOLATILE [15] (gfx9),
// DST_SEL [21:20], DST_CACHE_POLICY [26:25], DST_VOLATILE [27] (gfx9), SRC_SEL [30:29],
// CP_SYNC [31]; then SRC_ADDR (or DATA) lo/hi, DST_ADDR lo/hi, COMMAND. gfx9 COMMAND: BYTE_COUNT
// [20:0], DIS_WC [21], SRC_SWAP [23:22], DST_SWAP [25:24], SAS [26], DAS [27], SAIC [28],
// DAIC [29], RAW_WAIT [30] [soc15d PACKET3_DMA_DATA_*]. gfx10+: BYTE_COUNT [25:0], SAS..RAW_WAIT
// at the same bits [nvd PACKET3_DMA_DATA_*].
constexpr F kDmaDataGfx9Fields[] = {
    {"engine_sel", 1, 0, 1, 0},
    {"src_cache_policy", 1, 13, 2, 0},
    {"src_volatile", 1, 15, 1, 0},
    {"dst_sel", 1, 20, 2, 0},
    {"dst_cache_policy", 1, 25, 2, 0},
    {"dst_volatile", 1, 27, 1, 0},
    {"src_sel", 1, 29, 2, 0},
    {"cp_sync", 1, 31, 1, 0},
    {"src_addr", 2, 0, 64, 0},
    {"dst_addr", 4, 0, 64, 0},
    {"byte_count", 6, 0, 21, 0},
    {"dis_wc", 6, 21, 1, 0},
    {"src_swap", 6, 22, 2, 0},
    {"dst_swap", 6, 24, 2, 0},
    {"sas", 6, 26, 1, 0},
    {"das", 6, 27, 1, 0},
    {"saic", 6, 28, 1, 0},
    {"daic", 6, 29, 1, 0},
    {"raw_wait", 6, 30, 1, 0},
};
constexpr F kDmaDataGfx10Fields[] = {
    {"engine_sel", 1, 0, 1, 0},
    {"src_cache_policy", 1, 13, 2, 0},
    {"dst_sel", 1, 20, 2, 0},
    {"dst_cache_policy", 1, 25, 2, 0},
    {"src_sel", 1, 29, 2, 0},
    {"cp_sync", 1, 31, 1, 0},
    {"src_addr", 2, 0, 64, 0},
    {"dst_addr", 4, 0, 64, 0},
    {"byte_count", 6, 0, 26, 0},
    {"sas", 6, 26, 1, 0},
    {"das", 6, 27, 1, 0},
    {"saic", 6, 28, 1, 0},
    {"daic", 6, 29, 1, 0},
    {"raw_wait", 6, 30, 1, 0},
};
// clang-format on

using K = Pm4PacketKind;
using O = Pm4Opcode;

// NOP 0x10 [soc15d PACKET3_NOP]: any length, payload ignored. The header-only form with count
// 0x3FFF is what the kernel pads compute rings with (gfx_v9_4_3 / gfx_v10_0 compute ring funcs:
// .nop = PACKET3(PACKET3_NOP, 0x3FFF)). Its one field, "dwords", is the packet length.
constexpr PacketLayout kNop = {K::kNop, "NOP", O::kNop, 1, 1, Payload::kNopFill, {}};
constexpr PacketLayout kIndirectBuffer = {
    K::kIndirectBuffer, "INDIRECT_BUFFER",     O::kIndirectBuffer, 4, 4,
    Payload::kNone,     kIndirectBufferFields,
};
constexpr PacketLayout kSetShReg = {
    K::kSetShReg, "SET_SH_REG", O::kSetShReg, 2, 2, Payload::kRegisterValues, kSetShRegFields,
};
constexpr PacketLayout kDispatchDirect = {
    K::kDispatchDirect, "DISPATCH_DIRECT",     O::kDispatchDirect, 5, 5,
    Payload::kNone,     kDispatchDirectFields,
};
constexpr PacketLayout kDispatchIndirect = {
    K::kDispatchIndirect, "DISPATCH_INDIRECT",     O::kDispatchIndirect, 4, 4,
    Payload::kNone,       kDispatchIndirectFields,
};
constexpr PacketLayout kAcquireMemGfx9 = {
    K::kAcquireMem, "ACQUIRE_MEM", O::kAcquireMem, 7, 7, Payload::kNone, kAcquireMemGfx9Fields,
};
constexpr PacketLayout kAcquireMemGfx10 = {
    K::kAcquireMem, "ACQUIRE_MEM", O::kAcquireMem, 8, 8, Payload::kNone, kAcquireMemGfx10Fields,
};
constexpr PacketLayout kReleaseMemGfx9 = {
    K::kReleaseMem, "RELEASE_MEM", O::kReleaseMem, 8, 8, Payload::kNone, kReleaseMemGfx9Fields,
};
constexpr PacketLayout kReleaseMemGfx10 = {
    K::kReleaseMem, "RELEASE_MEM", O::kReleaseMem, 8, 8, Payload::kNone, kReleaseMemGfx10Fields,
};
constexpr PacketLayout kWaitRegMem = {
    K::kWaitRegMem, "WAIT_REG_MEM", O::kWaitRegMem, 7, 7, Payload::kNone, kWaitRegMemFields,
};
constexpr PacketLayout kWaitRegMem64 = {
    K::kWaitRegMem64, "WAIT_REG_MEM64", O::kWaitRegMem64, 9, 9, Payload::kNone, kWaitRegMem64Fields,
};
constexpr PacketLayout kWriteData = {
    K::kWriteData, "WRITE_DATA", O::kWriteData, 4, 4, Payload::kDataDwords, kWriteDataFields,
};
constexpr PacketLayout kEventWrite = {
    K::kEventWrite, "EVENT_WRITE", O::kEventWrite, 4, 2, Payload::kNone, kEventWriteFields,
};
constexpr PacketLayout kCopyData = {
    K::kCopyData, "COPY_DATA", O::kCopyData, 6, 6, Payload::kNone, kCopyDataFields,
};
constexpr PacketLayout kDmaDataGfx9 = {
    K::kDmaData, "DMA_DATA", O::kDmaData, 7, 7, Payload::kNone, kDmaDataGfx9Fields,
};
constexpr PacketLayout kDmaDataGfx10 = {
    K::kDmaData, "DMA_DATA", O::kDmaData, 7, 7, Payload::kNone, kDmaDataGfx10Fields,
};

// One row per family, in Pm4PacketKind order. gfx10, gfx11 and gfx12 share nvd.h's layouts (the
// kernel's gfx_v10_0.c, gfx_v11_0.c and gfx_v12_0.c all encode with nvd.h); they differ from gfx9
// in ACQUIRE_MEM (GCR_CNTL), RELEASE_MEM (GCR bits), WAIT_REG_MEM64, COMPUTE_PGM_RSRC3 and
// DISPATCH_INITIATOR.CS_W32_EN.
// clang-format off
constexpr std::array<const PacketLayout*, kPm4PacketKindCount> kGfx9Packets = {
    &kNop, &kIndirectBuffer, &kSetShReg, &kDispatchDirect, &kDispatchIndirect,
    &kAcquireMemGfx9, &kReleaseMemGfx9, &kWaitRegMem,
    nullptr,  // no WAIT_REG_MEM64 in soc15d.h
    &kWriteData, &kEventWrite, &kCopyData, &kDmaDataGfx9,
};
constexpr std::array<const PacketLayout*, kPm4PacketKindCount> kGfx10Packets = {
    &kNop, &kIndirectBuffer, &kSetShReg, &kDispatchDirect, &kDispatchIndirect,
    &kAcquireMemGfx10, &kReleaseMemGfx10, &kWaitRegMem,
    &kWaitRegMem64,
    &kWriteData, &kEventWrite, &kCopyData, &kDmaDataGfx10,
};
// clang-format on

constexpr Pm4VariantTable kTables[] = {
    {Pm4Variant::kGfx9, kGfx9Packets, kRegComputePgmRsrc3Gfx9, false},
    {Pm4Variant::kGfx10, kGfx10Packets, kRegComputePgmRsrc3Gfx10, true},
    {Pm4Variant::kGfx11, kGfx10Packets, kRegComputePgmRsrc3Gfx10, true},
    {Pm4Variant::kGfx12, kGfx10Packets, kRegComputePgmRsrc3Gfx10, true},
};

// Every kind's layout sits at its own index.
constexpr bool tables_consistent() {
  for (const auto& t : kTables) {
    for (size_t i = 0; i < kPm4PacketKindCount; ++i) {
      if (t.packets[i] != nullptr && static_cast<size_t>(t.packets[i]->kind) != i) return false;
    }
  }
  for (size_t i = 0; i < std::size(kTables); ++i) {
    if (static_cast<size_t>(kTables[i].variant) != i) return false;
  }
  return true;
}
static_assert(tables_consistent(), "PM4 variant tables out of order");

}  // namespace

const Pm4VariantTable& variant_table(Pm4Variant v) {
  const auto index = static_cast<size_t>(v);
  return index < std::size(kTables) ? kTables[index] : kTables[0];
}

const PacketLayout* find_layout_by_opcode(Pm4Variant v, uint32_t opcode) {
  for (const PacketLayout* layout : variant_table(v).packets) {
    if (layout != nullptr && static_cast<uint32_t>(layout->opcode) == opcode) return layout;
  }
  return nullptr;
}

std::string_view any_family_name(uint32_t opcode) {
  for (const auto& t : kTables) {
    for (const PacketLayout* layout : t.packets) {
      if (layout != nullptr && static_cast<uint32_t>(layout->opcode) == opcode) {
        return layout->name;
      }
    }
  }
  return {};
}

}  // namespace amdhal::packets::pm4_detail
