// PM4 type-3 packets for the command processor's compute queues (MEC): one struct of named fields
// per packet, a builder per packet that range-checks every field and writes a whole packet or
// nothing, a size query per packet, and one decoder that turns dwords back into named fields.
//
// Builders and decoder read the same per-family layout tables (framework/src/packets/
// pm4_tables.cpp), keyed on Pm4Variant; docs/packets.md lists every layout and its public source
// (Linux soc15d.h for gfx9, nvd.h for gfx10-12, Mesa sid.h, tinygrad autogen pm4_*.py).
//
// Field names are lower_snake_case as in the kernel headers. A 64-bit quantity that the hardware
// splits into *_lo/*_hi dwords is one field here (`address`, `data`, `ib_base`); its alignment is
// checked (an address whose reserved low bits are set is rejected).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/packets/decoded.h"
#include "amdhal/packets/stream.h"
#include "amdhal/status.h"

namespace amdhal::packets {

// ---------------------------------------------------------------------------------------------
// Header and opcodes (soc15d.h / nvd.h: PACKET3(op, n) = 3 << 30 | (n & 0x3FFF) << 16 | op << 8,
// n = payload dwords - 1).

/// IT opcodes amdhal builds and decodes (soc15d.h and nvd.h PACKET3_*; Mesa sid.h PKT3_*).
enum class Pm4Opcode : uint8_t {
  kNop = 0x10,
  kDispatchDirect = 0x15,
  kDispatchIndirect = 0x16,
  kWriteData = 0x37,
  kWaitRegMem = 0x3C,
  kIndirectBuffer = 0x3F,
  kCopyData = 0x40,
  kDmaData = 0x50,
  kEventWrite = 0x46,
  kReleaseMem = 0x49,
  kAcquireMem = 0x58,
  kSetShReg = 0x76,
  kWaitRegMem64 = 0x93,  ///< nvd.h only: gfx10 and later
};

/// A type-3 header: `3 << 30 | (count & 0x3FFF) << 16 | opcode << 8`.
constexpr uint32_t pm4_type3_header(Pm4Opcode opcode, uint32_t count) {
  return (3u << 30) | ((count & 0x3FFFu) << 16) | (static_cast<uint32_t>(opcode) << 8);
}

/// The one-dword type-3 NOP the kernel pads compute rings with (PACKET3(PACKET3_NOP, 0x3FFF)).
inline constexpr uint32_t kPm4NopOneDword = 0xFFFF1000u;
/// The type-2 filler dword (CP_PACKET2 in soc15d.h / nvd.h).
inline constexpr uint32_t kPm4Type2Filler = 0x80000000u;

/// Largest packet a type-3 header can describe: count 0x3FFF -> 0x4000 payload dwords + header.
inline constexpr size_t kPm4MaxPacketDwords = 0x4001;

// ---------------------------------------------------------------------------------------------
// Field values (the enumerations of soc15d.h / nvd.h / kfd_pm4_headers_ai.h).

/// RELEASE_MEM / EVENT_WRITE event types (Mesa sid.h V_028A90_*; kfd_pm4_headers_ai.h).
inline constexpr uint32_t kPm4EventCsPartialFlush = 7;         ///< EVENT_WRITE, event_index 4
inline constexpr uint32_t kPm4EventCacheFlushAndInvTs = 0x14;  ///< RELEASE_MEM, event_index 5
inline constexpr uint32_t kPm4EventIndexPartialFlush = 4;      ///< EVENT_INDEX for *_PARTIAL_FLUSH
inline constexpr uint32_t kPm4EventIndexEndOfPipe = 5;         ///< RELEASE_MEM end-of-pipe
/// RELEASE_MEM data_sel: what the end-of-pipe write stores (soc15d.h DATA_SEL).
inline constexpr uint32_t kPm4DataSelNone = 0;
inline constexpr uint32_t kPm4DataSel32 = 1;         ///< low 32 bits of `data`
inline constexpr uint32_t kPm4DataSel64 = 2;         ///< all 64 bits of `data`
inline constexpr uint32_t kPm4DataSelTimestamp = 3;  ///< 64-bit GPU clock counter
/// RELEASE_MEM int_sel (soc15d.h INT_SEL; kfd_pm4_headers_ai.h mec_release_mem_int_sel_enum).
inline constexpr uint32_t kPm4IntSelNone = 0;
inline constexpr uint32_t kPm4IntSelInterruptOnly = 1;
inline constexpr uint32_t kPm4IntSelAfterWriteConfirm = 2;  ///< interrupt once the data is written
/// WAIT_REG_MEM function (soc15d.h WAIT_REG_MEM_FUNCTION).
inline constexpr uint32_t kPm4WaitAlways = 0;
inline constexpr uint32_t kPm4WaitLess = 1;
inline constexpr uint32_t kPm4WaitLessEqual = 2;
inline constexpr uint32_t kPm4WaitEqual = 3;
inline constexpr uint32_t kPm4WaitNotEqual = 4;
inline constexpr uint32_t kPm4WaitGreaterEqual = 5;
inline constexpr uint32_t kPm4WaitGreater = 6;
/// WAIT_REG_MEM mem_space.
inline constexpr uint32_t kPm4SpaceRegister = 0;
inline constexpr uint32_t kPm4SpaceMemory = 1;
/// WRITE_DATA / COPY_DATA selectors (soc15d.h PACKET3_WRITE_DATA__DST_SEL__*, COPY_DATA__*).
inline constexpr uint32_t kPm4SelRegister = 0;
inline constexpr uint32_t kPm4SelMemory = 5;         ///< WRITE_DATA/COPY_DATA dst_sel memory
inline constexpr uint32_t kPm4CopySrcMemory = 1;     ///< COPY_DATA src_sel memory
inline constexpr uint32_t kPm4CopySrcImmediate = 5;  ///< COPY_DATA src_sel immediate data
inline constexpr uint32_t kPm4CopySrcGpuClock = 9;   ///< COPY_DATA src_sel GPU clock count

/// COMPUTE_DISPATCH_INITIATOR bits (kernel gc_*_sh_mask.h; tinygrad autogen am/regs.py).
inline constexpr uint32_t kDispatchInitiatorComputeShaderEn = 1u << 0;
inline constexpr uint32_t kDispatchInitiatorForceStartAt000 = 1u << 2;
inline constexpr uint32_t kDispatchInitiatorCsW32En = 1u << 15;  ///< gfx10+ only: wave32

/// The initiator for a plain compute dispatch: COMPUTE_SHADER_EN | FORCE_START_AT_000, plus
/// CS_W32_EN for wave32. kInvalidArgument if the family has no wave32 (gfx9).
Expected<uint32_t> pm4_dispatch_initiator(Pm4Variant v, bool wave32);

// ---------------------------------------------------------------------------------------------
// Register offsets: absolute dword register addresses. SET_SH_REG carries reg - kPm4ShRegBase.
// gfx9: kernel gc_9_4_3_offset.h (segment 0 base 0x2000); gfx10-12: gc_10_3_0_offset.h,
// gc_11_0_0_offset.h, gc_12_0_0_offset.h (segment 0 base 0x1260); cross-checked against tinygrad
// autogen am/regs.py and Mesa's R_00B8xx names (byte address / 4).

inline constexpr uint32_t kPm4ShRegBase = 0x2C00;  ///< PACKET3_SET_SH_REG_START
inline constexpr uint32_t kPm4ShRegEnd = 0x3000;   ///< PACKET3_SET_SH_REG_END (exclusive)

inline constexpr uint32_t kRegComputeDispatchInitiator = 0x2E00;
inline constexpr uint32_t kRegComputeDimX = 0x2E01;
inline constexpr uint32_t kRegComputeStartX = 0x2E04;      ///< START_Y/Z follow
inline constexpr uint32_t kRegComputeNumThreadX = 0x2E07;  ///< NUM_THREAD_Y/Z follow
inline constexpr uint32_t kRegComputePgmLo = 0x2E0C;
inline constexpr uint32_t kRegComputePgmHi = 0x2E0D;
inline constexpr uint32_t kRegComputePgmRsrc1 = 0x2E12;
inline constexpr uint32_t kRegComputePgmRsrc2 = 0x2E13;
inline constexpr uint32_t kRegComputeResourceLimits = 0x2E15;
inline constexpr uint32_t kRegComputeTmpringSize = 0x2E18;
inline constexpr uint32_t kRegComputeRestartX = 0x2E1B;   ///< RESTART_Y/Z follow
inline constexpr uint32_t kRegComputeUserData0 = 0x2E40;  ///< USER_DATA_1..15 follow
inline constexpr uint32_t kComputeUserDataRegs = 16;
/// COMPUTE_PGM_RSRC3 moved between generations: 0x2E2D on gfx9 (gc_9_4_3 0x0e2d + 0x2000;
/// ROCT kfdtest Dispatch.cpp), 0x2E28 on gfx10-12 (0x1bc8 + 0x1260).
inline constexpr uint32_t kRegComputePgmRsrc3Gfx9 = 0x2E2D;
inline constexpr uint32_t kRegComputePgmRsrc3Gfx10 = 0x2E28;

/// Per-family compute register addresses (only those that differ need the lookup).
struct Pm4ComputeRegs {
  uint32_t pgm_rsrc3;
};
Pm4ComputeRegs pm4_compute_regs(Pm4Variant v);

/// Name of a compute SH register ("COMPUTE_PGM_LO"), or empty if amdhal has no name for it.
std::string_view pm4_sh_reg_name(Pm4Variant v, uint32_t reg);

// ---------------------------------------------------------------------------------------------
// Packets. Members default to the value a compute queue normally wants; a member that the
// variant's layout lacks must stay 0 (the builder rejects it, naming the field and the family).

/// NOP of `dwords` total dwords (header included). 1 is the header-only form (count 0x3FFF);
/// otherwise the payload is `dwords - 1` zero dwords. At most kPm4MaxPacketDwords - 1.
struct Pm4Nop {
  uint32_t dwords = 1;
};

/// INDIRECT_BUFFER: run `ib_size` dwords at `ib_base` (4-byte aligned). 4 dwords on every family.
struct Pm4IndirectBuffer {
  uint64_t ib_base = 0;
  uint32_t ib_size = 0;       ///< dwords, 20 bits
  uint32_t chain = 0;         ///< 1: chain (do not return)
  uint32_t valid = 1;         ///< INDIRECT_BUFFER_VALID (bit 23), required on compute queues
  uint32_t vmid = 0;          ///< 4 bits; 0 on user queues
  uint32_t cache_policy = 0;  ///< 2 bits: 0 LRU, 1 stream, 2 bypass
};

/// SET_SH_REG: write `values` to consecutive SH registers starting at `reg` (an absolute dword
/// register address in [kPm4ShRegBase, kPm4ShRegEnd)). The span must outlive the emit call.
struct Pm4SetShReg {
  uint32_t reg = 0;
  std::span<const uint32_t> values;
};

/// DISPATCH_DIRECT: a grid of dim_x * dim_y * dim_z workgroups. 5 dwords on every family.
struct Pm4DispatchDirect {
  uint32_t dim_x = 1;
  uint32_t dim_y = 1;
  uint32_t dim_z = 1;
  uint32_t dispatch_initiator = kDispatchInitiatorComputeShaderEn;
};

/// DISPATCH_INDIRECT as a compute queue takes it: the workgroup counts (3 x uint32) are read from
/// `address` (4-byte aligned). 4 dwords (Mesa radv, compute queue form).
struct Pm4DispatchIndirect {
  uint64_t address = 0;
  uint32_t dispatch_initiator = kDispatchInitiatorComputeShaderEn;
};

/// ACQUIRE_MEM: make memory visible to what follows. gfx9: 7 dwords, cache actions in
/// coher_cntl (CP_COHER_CNTL bits, soc15d.h PACKET3_ACQUIRE_MEM_CP_COHER_CNTL_*); gfx10+: 8
/// dwords, cache actions in gcr_cntl (nvd.h PACKET3_ACQUIRE_MEM_GCR_CNTL_*), coher_cntl usually 0.
/// coher_size / coher_base are in 256-byte units, 56 bits (32 + 24).
struct Pm4AcquireMem {
  uint32_t coher_cntl = 0;                    ///< 31 bits
  uint32_t engine_sel = 0;                    ///< bit 31 of the CP_COHER_CNTL dword
  uint64_t coher_size = 0xFFFFFFFFFFFFFFull;  ///< all of memory (kernel: 0xffffffff, 0xffffff)
  uint64_t coher_base = 0;
  uint32_t poll_interval = 0xA;  ///< what the kernel uses
  uint32_t gcr_cntl = 0;         ///< gfx10+ only, 19 bits
};

/// ACQUIRE_MEM coher_cntl bits (gfx9; soc15d.h PACKET3_ACQUIRE_MEM_CP_COHER_CNTL_*).
inline constexpr uint32_t kCoherCntlTcNcActionEna = 1u << 3;
inline constexpr uint32_t kCoherCntlTcWcActionEna = 1u << 4;
inline constexpr uint32_t kCoherCntlTcInvMetadataActionEna = 1u << 5;
inline constexpr uint32_t kCoherCntlTcl1VolActionEna = 1u << 15;
inline constexpr uint32_t kCoherCntlTcWbActionEna = 1u << 18;
inline constexpr uint32_t kCoherCntlTcl1ActionEna = 1u << 22;
inline constexpr uint32_t kCoherCntlTcActionEna = 1u << 23;
inline constexpr uint32_t kCoherCntlShKcacheActionEna = 1u << 27;
inline constexpr uint32_t kCoherCntlShIcacheActionEna = 1u << 29;
/// ACQUIRE_MEM gcr_cntl bits (gfx10+; nvd.h PACKET3_ACQUIRE_MEM_GCR_CNTL_*).
inline constexpr uint32_t kGcrGliInvAll = 1u << 0;  ///< GLI_INV is 2 bits: 1 = all
inline constexpr uint32_t kGcrGlmWb = 1u << 4;
inline constexpr uint32_t kGcrGlmInv = 1u << 5;
inline constexpr uint32_t kGcrGlkWb = 1u << 6;
inline constexpr uint32_t kGcrGlkInv = 1u << 7;
inline constexpr uint32_t kGcrGlvInv = 1u << 8;
inline constexpr uint32_t kGcrGl1Inv = 1u << 9;
inline constexpr uint32_t kGcrGl2Inv = 1u << 14;
inline constexpr uint32_t kGcrGl2Wb = 1u << 15;

/// RELEASE_MEM: at the end of the pipe, optionally flush caches, then write `data` (32 or 64
/// bits), the GPU clock, or nothing to `address`, and optionally raise an interrupt carrying
/// `int_ctxid`. 8 dwords on every family; the cache-action bits of the first dword differ:
/// gfx9 has the EOP_TC*_ACTION_EN bits (soc15d.h), gfx10+ the GCR bits (nvd.h).
struct Pm4ReleaseMem {
  uint32_t event_type = kPm4EventCacheFlushAndInvTs;  ///< 6 bits
  uint32_t event_index = kPm4EventIndexEndOfPipe;     ///< 4 bits
  // gfx9 only (soc15d.h EOP_*_ACTION_EN; kfd_pm4_headers_ai.h bitfields2):
  uint32_t tcl1_vol_action_ena = 0;  ///< bit 12
  uint32_t tc_vol_action_ena = 0;    ///< bit 13
  uint32_t tc_wb_action_ena = 0;     ///< bit 15: write back L2
  uint32_t tcl1_action_ena = 0;      ///< bit 16
  uint32_t tc_action_ena = 0;        ///< bit 17: invalidate L2
  uint32_t tc_nc_action_ena = 0;     ///< bit 19
  uint32_t tc_wc_action_ena = 0;     ///< bit 20
  uint32_t tc_md_action_ena = 0;     ///< bit 21
  // gfx10+ only (nvd.h PACKET3_RELEASE_MEM_GCR_*):
  uint32_t gcr_glm_wb = 0;       ///< bit 12
  uint32_t gcr_glm_inv = 0;      ///< bit 13
  uint32_t gcr_glv_inv = 0;      ///< bit 14
  uint32_t gcr_gl1_inv = 0;      ///< bit 15
  uint32_t gcr_gl2_us = 0;       ///< bit 16
  uint32_t gcr_gl2_range = 0;    ///< bits 18:17
  uint32_t gcr_gl2_discard = 0;  ///< bit 19
  uint32_t gcr_gl2_inv = 0;      ///< bit 20
  uint32_t gcr_gl2_wb = 0;       ///< bit 21
  uint32_t gcr_seq = 0;          ///< bits 23:22
  // every family:
  uint32_t cache_policy = 0;  ///< bits 26:25 (0 LRU, 1 stream, 2 NOA, 3 bypass)
  uint32_t dst_sel = 0;       ///< 0 memory controller, 1 TC/L2
  uint32_t int_sel = kPm4IntSelNone;
  uint32_t data_sel = kPm4DataSel64;
  uint64_t address = 0;  ///< 4-byte aligned; 8-byte aligned when data_sel writes 64 bits
  uint64_t data = 0;
  uint32_t int_ctxid = 0;  ///< reported with the interrupt (KFD event id)
};

/// WAIT_REG_MEM: poll a dword in memory (mem_space 1, `poll_addr` 4-byte aligned) or a register
/// (mem_space 0, `poll_addr` low dword = register, high dword = write register for operation 1)
/// until `(value & mask) <function> reference`. 7 dwords on every family.
struct Pm4WaitRegMem {
  uint32_t function = kPm4WaitGreaterEqual;
  uint32_t mem_space = kPm4SpaceMemory;
  uint32_t operation = 0;
  uint32_t engine_sel = 0;
  uint32_t cache_policy = 0;
  uint64_t poll_addr = 0;
  uint32_t reference = 0;
  uint32_t mask = 0xFFFFFFFFu;
  uint32_t poll_interval = 4;  ///< 16 bits
};

/// WAIT_REG_MEM64 (gfx10+ only; nvd.h opcode 0x93): as WAIT_REG_MEM on a 64-bit value at an
/// 8-byte aligned address. 9 dwords.
struct Pm4WaitRegMem64 {
  uint32_t function = kPm4WaitGreaterEqual;
  uint32_t mem_space = kPm4SpaceMemory;
  uint32_t operation = 0;
  uint32_t engine_sel = 0;
  uint32_t cache_policy = 0;
  uint64_t poll_addr = 0;
  uint64_t reference = 0;
  uint64_t mask = ~0ull;
  uint32_t poll_interval = 4;
};

/// WRITE_DATA: write `data` (1 or more dwords) to `dst_addr` (memory, 4-byte aligned, for
/// dst_sel 5; a register for dst_sel 0). 4 + data.size() dwords. The span must outlive the call.
struct Pm4WriteData {
  uint32_t dst_sel = kPm4SelMemory;
  uint32_t addr_incr = 0;  ///< 1: write every dword to the same address
  uint32_t wr_confirm = 1;
  uint32_t cache_policy = 0;
  uint32_t engine_sel = 0;
  uint64_t dst_addr = 0;
  std::span<const uint32_t> data;
};

/// EVENT_WRITE: 2 dwords; 4 dwords (with an 8-byte aligned `address`) when event_index is 1-3
/// (ZPASS_DONE / SAMPLE_PIPELINESTAT / SAMPLE_STREAMOUTSTAT, which write to memory).
struct Pm4EventWrite {
  uint32_t event_type = kPm4EventCsPartialFlush;
  uint32_t event_index = kPm4EventIndexPartialFlush;
  uint64_t address = 0;  ///< only with event_index 1-3; must be 0 otherwise
};

/// COPY_DATA: copy 32 or 64 bits (count_sel) from a register / memory / immediate / the GPU clock
/// (src_sel) to a register / memory (dst_sel). 6 dwords on every family.
struct Pm4CopyData {
  uint32_t src_sel = kPm4CopySrcMemory;
  uint32_t dst_sel = kPm4SelMemory;
  uint32_t src_cache_policy = 0;
  uint32_t count_sel = 0;  ///< 0: 32 bits, 1: 64 bits
  uint32_t wr_confirm = 1;
  uint32_t dst_cache_policy = 0;
  uint32_t engine_sel = 0;
  uint64_t src_addr = 0;  ///< address, register, or immediate data, per src_sel
  uint64_t dst_addr = 0;
};

/// DMA_DATA src_sel / dst_sel values (soc15d.h, nvd.h PACKET3_DMA_DATA_SRC_SEL / DST_SEL).
inline constexpr uint32_t kPm4DmaSelAddress = 0;  ///< address through SAS/DAS
inline constexpr uint32_t kPm4DmaSelData = 2;     ///< src only: the dword in src_addr
inline constexpr uint32_t kPm4DmaSelL2 = 3;       ///< address through L2

/// DMA_DATA: the command processor's DMA engine copies `byte_count` bytes from `src_addr` (or
/// replicates the dword `src_addr` holds, src_sel 2 = DATA) to `dst_addr`. 7 dwords on every
/// family; BYTE_COUNT is 21 bits on gfx9 (soc15d.h "COMMAND [30:21] | BYTE_COUNT [20:0]") and 26
/// bits on gfx10+ (nvd.h "COMMAND [31:26] | BYTE_COUNT [25:0]"). cp_sync makes the CP wait for
/// the transfer before the next packet.
struct Pm4DmaData {
  uint32_t engine_sel = 0;        ///< 0 ME, 1 PFP
  uint32_t src_cache_policy = 0;  ///< 2 bits
  uint32_t src_volatile = 0;      ///< gfx9 only
  uint32_t dst_sel = kPm4DmaSelL2;
  uint32_t dst_cache_policy = 0;
  uint32_t dst_volatile = 0;  ///< gfx9 only
  uint32_t src_sel = kPm4DmaSelL2;
  uint32_t cp_sync = 1;
  uint64_t src_addr = 0;  ///< source address, or the fill dword for src_sel DATA
  uint64_t dst_addr = 0;
  uint32_t byte_count = 0;
  uint32_t dis_wc = 0;    ///< gfx9 only
  uint32_t src_swap = 0;  ///< gfx9 only
  uint32_t dst_swap = 0;  ///< gfx9 only
  uint32_t sas = 0;       ///< source is a register
  uint32_t das = 0;       ///< destination is a register
  uint32_t saic = 0;      ///< source address does not increment
  uint32_t daic = 0;      ///< destination address does not increment
  uint32_t raw_wait = 0;
};

/// Every packet kind, for size queries and table look-ups.
enum class Pm4PacketKind : uint8_t {
  kNop,
  kIndirectBuffer,
  kSetShReg,
  kDispatchDirect,
  kDispatchIndirect,
  kAcquireMem,
  kReleaseMem,
  kWaitRegMem,
  kWaitRegMem64,
  kWriteData,
  kEventWrite,
  kCopyData,
  kDmaData,
};
inline constexpr size_t kPm4PacketKindCount = 13;

/// Upper-case packet name ("RELEASE_MEM").
std::string_view pm4_packet_name(Pm4PacketKind kind);

/// Dwords a packet of `kind` occupies on `v`, header included. For the variable-length packets
/// `payload` is: NOP - total dwords; SET_SH_REG - register values; WRITE_DATA - data dwords;
/// EVENT_WRITE - 0 for the short form, 2 for the form with an address. Returns 0 if `v` has no
/// such packet (WAIT_REG_MEM64 on gfx9).
size_t pm4_packet_dwords(Pm4Variant v, Pm4PacketKind kind, size_t payload = 0);

/// Exact size of the packet the matching emit() call writes, 0 if `v` has no such packet.
size_t pm4_packet_dwords(Pm4Variant v, const Pm4Nop& p);
size_t pm4_packet_dwords(Pm4Variant v, const Pm4SetShReg& p);
size_t pm4_packet_dwords(Pm4Variant v, const Pm4WriteData& p);
size_t pm4_packet_dwords(Pm4Variant v, const Pm4EventWrite& p);

/// One field of a packet layout: its name and where it lives. A field wider than 32 bits spans
/// two dwords (low 32 bits in `dword`, the rest from bit 0 of `dword + 1`); its low `align_bits`
/// bits must be zero.
struct Pm4FieldInfo {
  std::string_view name;
  uint8_t dword;  ///< dword index in the packet; 0 is the header
  uint8_t shift;
  uint8_t width;       ///< bits, 1..64
  uint8_t align_bits;  ///< low bits that must be 0 (addresses)
};

/// The fixed fields of a packet on `v`, in packet order. Empty for NOP (it has none) and for a
/// packet `v` lacks (pm4_packet_dwords() returns 0 for those). Variable payloads (SET_SH_REG
/// values, WRITE_DATA data, NOP length) are not listed.
std::span<const Pm4FieldInfo> pm4_packet_fields(Pm4Variant v, Pm4PacketKind kind);

/// Builders: append one packet or return an error and write nothing. Errors: kInvalidArgument
/// naming the packet, field and family when a value does not fit its field, an address is
/// misaligned, or a field the family lacks is non-zero; kUnimplemented when the family has no
/// such packet; kResourceExhausted (from PacketStream) when the stream is too small.
Status emit(PacketStream& s, Pm4Variant v, const Pm4Nop& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4IndirectBuffer& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4SetShReg& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4DispatchDirect& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4DispatchIndirect& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4AcquireMem& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4ReleaseMem& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4WaitRegMem& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4WaitRegMem64& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4WriteData& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4EventWrite& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4CopyData& p);
Status emit(PacketStream& s, Pm4Variant v, const Pm4DmaData& p);

/// Register state for one kernel launch on a PM4 compute queue (tinygrad AMDComputeQueue.exec).
struct Pm4DispatchSetup {
  uint64_t code_address = 0;  ///< kernel entry, 256-byte aligned, below 2^48 (PGM_HI is 8 bits)
  uint32_t pgm_rsrc1 = 0;
  uint32_t pgm_rsrc2 = 0;
  uint32_t pgm_rsrc3 = 0;
  uint32_t tmpring_size = 0;     ///< COMPUTE_TMPRING_SIZE (scratch waves and wave size)
  uint32_t resource_limits = 0;  ///< COMPUTE_RESOURCE_LIMITS
  std::array<uint32_t, 3> workgroup_size = {1, 1, 1};  ///< NUM_THREAD_X/Y/Z, each 1..1024
  std::array<uint32_t, 3> start = {0, 0, 0};           ///< COMPUTE_START_X/Y/Z
  std::array<uint32_t, 3> restart = {0, 0, 0};         ///< COMPUTE_RESTART_X/Y/Z
  std::span<const uint32_t> user_data;                 ///< COMPUTE_USER_DATA_0.., at most 16 dwords
};

/// Dwords emit_dispatch_setup writes for `setup` on `v`.
size_t pm4_dispatch_setup_dwords(Pm4Variant v, const Pm4DispatchSetup& setup);

/// Emits the SET_SH_REG packets that program a launch: PGM_LO/HI, RSRC1/2, RSRC3 (per-family
/// register), TMPRING_SIZE, RESTART_X..Z, USER_DATA_0.. (if any), RESOURCE_LIMITS,
/// START_X..Z + NUM_THREAD_X..Z. All packets or none are written.
Status emit_dispatch_setup(PacketStream& s, Pm4Variant v, const Pm4DispatchSetup& setup);

/// Decodes a PM4 dword stream. Never reads past `dwords`; every problem becomes a record whose
/// `error` names it and its dword offset: truncated packets (the rest of the input is consumed),
/// unknown opcodes (name "UNKNOWN"; decoding continues after the length the header gives),
/// lengths the opcode cannot have, and type-0/type-1 headers. A type-2 dword is a one-dword
/// filler ("PACKET2"). Header predicate / shader_type bits are reported as fields when set.
std::vector<DecodedPacket> decode_pm4(Pm4Variant v, std::span<const uint32_t> dwords);

}  // namespace amdhal::packets
