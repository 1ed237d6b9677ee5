// Instruction tables of the ISA interpreter: per target and encoding family, opcode -> mnemonic,
// operand types and the semantics the interpreter runs for it. The tables are data (arrays of
// OpInfo built once per target); the decoder and the interpreter read nothing else, so a new
// target is a new set of tables plus a row in the target list, not a new code path.
//
// Sources of the facts (opcode numbers, encodings, operand types):
//  - LLVM lib/Target/AMDGPU/{SOPInstructions,SMInstructions,VOP1Instructions,VOP2Instructions,
//    VOP3Instructions,VOP3PInstructions,VOPCInstructions,DSInstructions,FLATInstructions,
//    BUFInstructions,SIInstrFormats}.td (the *_vi / *_gfx940 / *_gfx90a encoding records),
//  - LLVM docs/AMDGPU/AMDGPUAsmGFX940.rst and AMDGPUOperandSyntax.rst (operands, inline
//    constants, literals),
//  - "AMD Instinct MI300 Instruction Set Architecture" (CDNA3) chapters 4-10 (microcode formats,
//    instruction semantics),
//  - for gfx11: the *_gfx11 records of the same .td files and VOPDInstructions.td, LLVM
//    docs/AMDGPU/AMDGPUAsmGFX11.rst, and the "RDNA3 Instruction Set Architecture" guide.
// Every table row was checked against llvm-mc-19 / llvm-objdump-19 --mcpu=gfx942 / gfx1100
// disassembly (see docs/isa.md, "How the tables were checked").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "amdhal/family.h"
#include "amdhal/status.h"

namespace amdhal::sim::isa {

/// Encoding families (microcode formats). Names follow the ISA guides.
enum class Encoding : uint8_t {
  kUnknown,
  kSop1,
  kSop2,
  kSopk,
  kSopc,
  kSopp,
  kSmem,
  kVop1,
  kVop2,
  kVopc,
  kVop3,  ///< VOP3A and VOP3B (the table row says which)
  kVop3p,
  kDs,
  kFlat,
  kGlobal,
  kScratch,
  kMubuf,
  kMtbuf,
  kMimg,
  kExp,
  kVintrp,
  kVopd,  ///< gfx11 dual-issue VALU (v_dual_*): two VOP2-like components X and Y
};
/// "SOP1", "VOP3", "GLOBAL", ...
std::string_view encoding_name(Encoding e);

/// Type of one operand: decides register width (1 or 2 registers), the value an inline constant
/// stands for (AMDGPUOperandSyntax.rst "Inline constants": integer constants are sign-extended,
/// float constants take the operand's float format, 64-bit operands use the f64 encoding), and
/// how a 32-bit literal widens to 64 bits (f64: high half; signed: sign-extended; else
/// zero-extended; LLVM review D70274/#186575).
enum class OperandType : uint8_t {
  kNone,
  kB32,  ///< 32-bit untyped or unsigned integer
  kI32,  ///< 32-bit signed integer
  kF32,
  kB16,  ///< 16-bit integer (low half of a 32-bit register)
  kF16,
  kB64,  ///< 64-bit untyped or unsigned integer (register pair)
  kI64,  ///< 64-bit signed integer
  kF64,
  kMask,  ///< lane mask: SGPR pair in wave64, one SGPR in wave32 (VCC-like)
};
/// Registers an operand of this type occupies in wave64 (1 or 2).
uint32_t operand_dwords(OperandType t);

/// What the interpreter does for an instruction (one value per behaviour, shared by targets).
/// Families of similar instructions share one value and are told apart by OpInfo::aux
/// (compare condition, memory size, atomic kind).
enum class Sem : uint16_t {
  kNone,  ///< known encoding, no semantics: executing it is an illegal-instruction fault
  // ---- scalar ALU
  kSMov,
  kSCmov,
  kSNot,
  kSBrev,
  kSBcnt0,
  kSBcnt1,
  kSFf0,
  kSFf1,
  kSFlbit,
  kSFlbitI32,
  kSSextI8,
  kSSextI16,
  kSBitset0,
  kSBitset1,
  kSGetpc,
  kSSetpc,
  kSSwappc,
  kSGetreg,  ///< s_getreg_b32: hardware registers the interpreter models (SH_MEM_BASES)
  kSSaveexec,
  kSWrexec,
  kSAbs,
  kSAddU,
  kSSubU,
  kSAddI,
  kSSubI,
  kSAddc,
  kSSubb,
  kSMinI,
  kSMinU,
  kSMaxI,
  kSMaxU,
  kSCselect,
  kSAnd,
  kSOr,
  kSXor,
  kSAndn2,
  kSOrn2,
  kSNand,
  kSNor,
  kSXnor,
  kSLshl,
  kSLshr,
  kSAshr,
  kSBfm,
  kSMulI32,
  kSMulHiU32,
  kSMulHiI32,
  kSBfeU,
  kSBfeI,
  kSLshlAdd,
  kSAbsdiff,
  kSPackLL,
  kSPackLH,
  kSPackHH,
  kSMovk,
  kSCmovk,
  kSAddk,
  kSMulk,
  kSCmp,
  kSCmpk,
  kSBitcmp0,
  kSBitcmp1,
  // ---- program control
  kSNop,
  kSEndpgm,
  kSBranch,
  kSCbranchScc0,
  kSCbranchScc1,
  kSCbranchVccz,
  kSCbranchVccnz,
  kSCbranchExecz,
  kSCbranchExecnz,
  kSBarrier,
  kSWaitcnt,
  kSIgnored,
  kSSendmsg,  ///< s_sendmsg: only messages without architectural effect (gfx11 DEALLOC_VGPRS)
  // ---- scalar memory
  kSLoad,
  kSBufferLoad,
  kSDcache,
  // ---- vector ALU
  kVNop,
  kVMov,
  kVMov64,
  kVReadfirstlane,
  kVReadlane,
  kVWritelane,
  kVCndmask,
  kVAccRead,
  kVAccWrite,
  kVAccMov,
  kVCvtI32F64,
  kVCvtF64I32,
  kVCvtF32I32,
  kVCvtF32U32,
  kVCvtU32F32,
  kVCvtI32F32,
  kVCvtF16F32,
  kVCvtF32F16,
  kVCvtF32F64,
  kVCvtF64F32,
  kVCvtF32Ubyte,
  kVCvtU32F64,
  kVCvtF64U32,
  kVTrunc,
  kVCeil,
  kVRndne,
  kVFloor,
  kVFract,
  kVExp,
  kVLog,
  kVRcp,
  kVRcpIflag,
  kVRsq,
  kVSqrt,
  kVSin,
  kVCos,
  kVNot,
  kVBfrev,
  kVFfbh,
  kVFfbl,
  kVFfbhI32,
  kVFrexpExp,
  kVFrexpMant,
  kVAddF,
  kVSubF,
  kVSubrevF,
  kVMulF,
  kVMinF,
  kVMaxF,
  kVFma,
  kVFmac,
  kVFmamk,
  kVFmaak,
  kVLdexp,
  kVMulI24,
  kVMulHiI24,
  kVMulU24,
  kVMulHiU24,
  kVMinI,
  kVMaxI,
  kVMinU,
  kVMaxU,
  kVLshr,
  kVAshr,
  kVLshl,
  kVAnd,
  kVOr,
  kVXor,
  kVXnor,
  kVAddCo,
  kVSubCo,
  kVSubrevCo,
  kVAddc,
  kVSubb,
  kVSubbrev,
  kVAddU,
  kVSubU,
  kVSubrevU,
  kVAddI,
  kVSubI,
  kVMadI24,
  kVMadU24,
  kVBfeU,
  kVBfeI,
  kVBfi,
  kVAlignbit,
  kVAlignbyte,
  kVMin3F,
  kVMin3I,
  kVMin3U,
  kVMax3F,
  kVMax3I,
  kVMax3U,
  kVMed3F,
  kVMed3I,
  kVMed3U,
  kVDivFixup,
  kVDivScale,
  kVDivFmas,
  kVMadU64U32,
  kVMadI64I32,
  kVPerm,
  kVXad,
  kVLshlAdd,
  kVAddLshl,
  kVAdd3,
  kVLshlOr,
  kVAndOr,
  kVOr3,
  kVLshlAdd64,
  kVMulLo,
  kVMulHiU,
  kVMulHiI,
  kVBcnt,
  kVMbcntLo,
  kVMbcntHi,
  kVLshlrev64,
  kVLshrrev64,
  kVAshrrev64,
  kVBfm,
  kVCmp,
  kVCmpClass,
  kVPkMov,
  kVPkAddF32,
  kVPkMulF32,
  kVPkFmaF32,
  // ---- LDS
  kDsWrite,
  kDsWrite2,
  kDsRead,
  kDsRead2,
  kDsAtomic,
  kDsNop,
  kDsPermute,   ///< ds_permute_b32: lane-to-lane scatter through the LDS crossbar (no LDS access)
  kDsBpermute,  ///< ds_bpermute_b32: lane-to-lane gather
  // ---- flat / global / scratch memory; MUBUF loads/stores (through the private segment
  // buffer V# only)
  kMemLoad,
  kMemStore,
  kMemAtomic,
  kCacheInv,  ///< cache write-back/invalidation (gfx11 buffer_gl0_inv/gl1_inv, s_gl1_inv; gfx9
              ///< buffer_wbinvl1*, buffer_wbl2, buffer_invl2/buffer_inv): no caches here
};
/// Compare conditions (VOPC, SOPC, SOPK). Float compares use all 16 in this order (the VOPC
/// opcode order: f, lt, eq, le, gt, lg, ge, o, u, nge, nlg, ngt, nle, neq, nlt, tru); integer
/// compares use the first 8 with "ne" for "lg" and "t" for "o".
enum class Cond : uint8_t {
  kF,
  kLt,
  kEq,
  kLe,
  kGt,
  kLg,
  kGe,
  kO,
  kU,
  kNge,
  kNlg,
  kNgt,
  kNle,
  kNeq,
  kNlt,
  kTru,
};

/// Memory data kinds (aux of kDsRead/kDsWrite/kMemLoad/kMemStore/kSLoad).
enum class MemKind : uint8_t {
  kU8,
  kI8,
  kU16,
  kI16,
  kB32,
  kB64,
  kB96,
  kB128,
  kB256,
  kB512,
  kU8D16,
  kU8D16Hi,
  kI8D16,
  kI8D16Hi,
  kB16D16,
  kB16D16Hi,  ///< d16 loads into half a VGPR
  kB8D16Hi,
  kB16D16HiStore,  ///< stores of a VGPR's high half
};
/// Bytes a MemKind moves.
uint32_t mem_kind_bytes(MemKind k);

/// Atomic operations (aux of kDsAtomic / kMemAtomic).
enum class AtomicKind : uint8_t {
  kSwap,
  kCmpSwap,
  kAdd,
  kSub,
  kRsub,
  kSMin,
  kUMin,
  kSMax,
  kUMax,
  kAnd,
  kOr,
  kXor,
  kInc,
  kDec,
  kAddF32,
  kMinF32,
  kMaxF32,
  kAddF64,
  kMinF64,
  kMaxF64,
};

/// Flags of a table row.
enum OpFlags : uint16_t {
  kOpNoSuffix = 1u << 0,   ///< VOP1/VOP2/VOPC op printed without _e32/_e64
  kOpNoVop3 = 1u << 1,     ///< VOP1/VOP2/VOPC op without a VOP3 form
  kOpKLiteral = 1u << 2,   ///< always followed by a 32-bit literal (v_fmamk_f32, v_fmaak_f32)
  kOpCmpx = 1u << 3,       ///< compare also writes EXEC
  kOpVop3b = 1u << 4,      ///< VOP3B: scalar destination (carry/condition) in bits 14:8
  kOpReturns = 1u << 5,    ///< atomic with return (DS _rtn_; FLAT glc/sc0 decides instead)
  kOp64 = 1u << 6,         ///< 64-bit data (atomics _x2 / _u64)
  kOpSt64 = 1u << 7,       ///< DS read2st64/write2st64: offsets in units of 64 elements
  kOpCarryIn = 1u << 8,    ///< VOP2 e32 reads VCC as carry-in / condition (v_cndmask, addc)
  kOpCarryOut = 1u << 9,   ///< VOP2 e32 writes VCC as carry-out
  kOpSrc0Sgpr = 1u << 10,  ///< SOPK simm16 op with a register source (s_cmpk_*: sdst is read)
  kOpPromoted = 1u << 11,  ///< VOP3 row that is the VOP3 form of a VOP1/VOP2/VOPC op (_e64)
};

/// One row of an instruction table.
struct OpInfo {
  uint16_t opcode = 0;
  std::string_view name;  ///< mnemonic, without the _e32/_e64 suffix of VOP1/VOP2/VOPC forms
  Sem sem = Sem::kNone;
  OperandType dst = OperandType::kNone;
  OperandType src[3] = {OperandType::kNone, OperandType::kNone, OperandType::kNone};
  uint8_t aux = 0;     ///< Cond, MemKind, AtomicKind or a small parameter (shift, byte index)
  uint16_t flags = 0;  ///< OpFlags
};

/// ISA generation of a target: selects the decoder and the tables.
enum class IsaGeneration : uint8_t {
  kGfx9,   ///< GCN encodings: gfx90a (CDNA2), gfx940/941/942 (CDNA3)
  kGfx11,  ///< RDNA3 encodings: gfx1100-gfx1103
};

/// Per-target facts the interpreter needs (AMDGPUUsage "Processors" target properties and the
/// ISA guides). Code asks these fields, never a gfx name.
struct IsaTarget {
  std::string_view name;  ///< LLVM processor name: "gfx942"
  IsaGeneration generation;
  bool packed_workitem_ids;       ///< work-item ids packed in v0 (X 9:0, Y 19:10, Z 29:20)
  bool architected_flat_scratch;  ///< FLAT_SCRATCH set by hardware, no wave offset SGPR
  bool has_agprs;                 ///< accumulation VGPRs (gfx90a, gfx94x)
  bool gfx940_encodings;          ///< gfx940 opcode variants (v_mov_b64, v_lshl_add_u64)
  bool wave32;                    ///< wave32 supported
  bool wave64;                    ///< wave64 supported
  bool executable;                ///< the interpreter runs this target (else decode only)
  std::string_view note;          ///< why not executable, if so
};

/// Targets the ISA layer knows.
std::span<const IsaTarget> isa_targets();
/// The IsaTarget of a family; kUnimplemented naming the known targets for any other.
Expected<const IsaTarget*> find_isa_target(const GpuFamily& family);
Expected<const IsaTarget*> find_isa_target(std::string_view name);

/// The instruction table of `encoding` for `target` (empty if the target has none). Rows are in
/// opcode order; VOP3 rows include the VOP3 forms of VOP1/VOP2/VOPC ops.
std::span<const OpInfo> instruction_table(const IsaTarget& target, Encoding encoding);
/// The row for `opcode`, or nullptr.
const OpInfo* find_op(const IsaTarget& target, Encoding encoding, uint32_t opcode);

}  // namespace amdhal::sim::isa
