// Instruction decoder: a code stream (dwords) -> Instruction (4, 8 or 12 bytes) with the encoding
// family, the table row, and every operand field unpacked. The interpreter executes Instructions;
// tests compare their sizes and mnemonics against llvm-objdump-19.
//
// gfx11 (RDNA3) moves several formats (LLVM *_gfx11 encoding records, AMDGPUAsmGFX11.rst, RDNA3
// ISA guide "Microcode Formats"): SMEM [31:26]=111101, VOP3 110101 (10-bit opcode, VOPC at
// 0x000, VOP2 at 0x100, VOP1 at 0x180), VOP3P [31:24]=11001100, VOPD [31:26]=110010, DS 110110
// (opcode [25:18]), FLAT 110111 (opcode [24:18], SADDR "off" = 124, SVE bit 55), MUBUF 111000
// (opcode [25:18]); VOP3/VOP3P take a literal (12 bytes); operand 124 is NULL and 125 M0.
//
// Encodings (GFX9 / CDNA3 microcode formats, LLVM SIInstrFormats.td and the *_vi / *_gfx940
// records of the *Instructions.td files; CDNA3 ISA guide chapter 10 "Microcode Formats"):
//   SOP2 [31:30]=10, SOPK [31:28]=1011, SOP1 [31:23]=101111101, SOPC 101111110, SOPP 101111111,
//   SMEM [31:26]=110000, VOP2 [31]=0, VOP1 [31:25]=0111111, VOPC 0111110,
//   VOP3 [31:26]=110100 (VOP3P when [31:23]=110100111), DS 110110, FLAT/GLOBAL/SCRATCH 110111,
//   MUBUF 111000, MTBUF 111010, MIMG 111100, EXP 110001, VINTRP 110101.
// A source operand of 255 (SOP*, VOP1/2/C) adds a 32-bit literal dword; 249 (SDWA) or 250 (DPP)
// in VOP1/VOP2/VOPC src0 adds an extension dword.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "amdhal/status.h"
#include "amdhal_sim_isa/tables.h"

namespace amdhal::sim::isa {

/// Source/destination operand codes (9-bit scalar operand space; AMDGPUAsmGFX940.rst, CDNA3
/// ISA guide "Scalar/Vector Operands"). VGPR n is 256 + n.
namespace operand {
inline constexpr uint16_t kVcc = 106;  ///< VCC_LO; VCC_HI is 107
inline constexpr uint16_t kFlatScratchLo = 102;
inline constexpr uint16_t kXnackMaskLo = 104;
inline constexpr uint16_t kTtmp0 = 108;
inline constexpr uint16_t kM0 = 124;
inline constexpr uint16_t kNull = 125;     ///< gfx11 SGPR_NULL
inline constexpr uint16_t kExec = 126;     ///< EXEC_LO; EXEC_HI is 127
inline constexpr uint16_t kZero = 128;     ///< inline integer 0; 129-192 are 1..64
inline constexpr uint16_t kIntNeg1 = 193;  ///< 193-208 are -1..-16
inline constexpr uint16_t kSharedBase = 235;
inline constexpr uint16_t kSharedLimit = 236;
inline constexpr uint16_t kPrivateBase = 237;
inline constexpr uint16_t kPrivateLimit = 238;
inline constexpr uint16_t kPopsExitingWaveId = 239;
inline constexpr uint16_t kHalf = 240;    ///< 240-247: 0.5 -0.5 1.0 -1.0 2.0 -2.0 4.0 -4.0
inline constexpr uint16_t kInv2Pi = 248;  ///< 1/(2*pi)
inline constexpr uint16_t kSdwa = 249;
inline constexpr uint16_t kDpp = 250;
inline constexpr uint16_t kVccz = 251;
inline constexpr uint16_t kExecz = 252;
inline constexpr uint16_t kScc = 253;
inline constexpr uint16_t kLdsDirect = 254;
inline constexpr uint16_t kLiteral = 255;
inline constexpr uint16_t kVgpr0 = 256;
inline constexpr uint16_t kNone = 0xFFFF;
}  // namespace operand

/// One decoded instruction. Fields an encoding does not have keep their defaults.
struct Instruction {
  uint64_t address = 0;  ///< GPU VA (or offset) of the first byte
  uint8_t size = 0;      ///< 4, 8 or 12 bytes
  Encoding encoding = Encoding::kUnknown;
  uint16_t opcode = 0;            ///< opcode field of the encoding
  const OpInfo* info = nullptr;   ///< table row; nullptr for an opcode the tables do not know
  uint32_t words[3] = {0, 0, 0};  ///< raw dwords

  // Register operands as operand codes (see namespace operand). For VOP3/VOPC-in-VOP3 `dst` is
  // the vdst field read as VGPR (256+n) or, for scalar results, as SGPR code.
  uint16_t dst = operand::kNone;
  uint16_t sdst = operand::kNone;  ///< VOP3B carry/condition destination
  uint16_t src[3] = {operand::kNone, operand::kNone, operand::kNone};
  uint32_t literal = 0;
  bool has_literal = false;

  // VOP3 / VOP3P modifiers.
  uint8_t abs = 0;     ///< bit i: |src i|
  uint8_t neg = 0;     ///< bit i: -src i
  uint8_t neg_hi = 0;  ///< VOP3P
  uint8_t opsel = 0;
  uint8_t opsel_hi = 0;
  bool clamp = false;
  uint8_t omod = 0;
  bool sdwa = false;  ///< VOP1/VOP2/VOPC with an SDWA extension dword
  bool dpp = false;   ///< VOP1/VOP2/VOPC with a DPP extension dword

  // Scalar ops with a 16-bit immediate (SOPK, SOPP).
  int32_t simm16 = 0;

  // Memory ops.
  int32_t offset = 0;   ///< SMEM/FLAT/MUBUF byte offset (sign-extended where signed); DS offset0
  uint8_t offset1 = 0;  ///< DS offset1
  uint16_t sbase = operand::kNone;    ///< SMEM base SGPR pair; MUBUF resource (4 SGPRs)
  uint16_t soffset = operand::kNone;  ///< SMEM/MUBUF SGPR offset
  uint16_t vaddr = operand::kNone;    ///< DS/FLAT/MUBUF address VGPR (256+n); kNone if off
  uint16_t vdata = operand::kNone;    ///< store/atomic data VGPR (256+n); DS data0
  uint16_t vdata1 = operand::kNone;   ///< DS data1
  uint16_t saddr = operand::kNone;    ///< GLOBAL/SCRATCH SGPR base; kNone if off
  bool glc = false;                   ///< glc / sc0: atomics return the pre-op value
  bool slc = false;                   ///< slc / nt
  bool sc1 = false;                   ///< gfx940 sc1
  bool gds = false;
  bool acc = false;                   ///< gfx90a+ DS/FLAT/MUBUF data in AGPRs
  bool offen = false, idxen = false;  ///< MUBUF
  bool lds = false;                   ///< MUBUF: load into LDS (gfx9 bit 16)

  // VOPD (gfx11 dual issue): X is info/opcode/dst/src[0..1] (src[2] as a VOP2 would have it);
  // Y is below. Both components may use the one literal.
  const OpInfo* info_y = nullptr;
  uint16_t opcode_y = 0;
  uint16_t dst_y = operand::kNone;
  uint16_t src_y[3] = {operand::kNone, operand::kNone, operand::kNone};

  /// Mnemonic as llvm-objdump prints it, with the _e32/_e64 suffix of VOP1/VOP2/VOPC ops
  /// ("v_add_f32_e32", "v_cmp_gt_i32_e64"); "<unknown>" if there is no table row.
  std::string mnemonic() const;
  /// "SOP2 opcode 0x24 at 0x1a00 (s_mul_i32)" for messages.
  std::string describe() const;
};

/// Decodes one instruction at `code[0]` (the stream may be shorter than 3 dwords at its end).
/// Errors: kDataLoss if the stream ends inside the instruction; kInvalidArgument for a word that
/// matches no encoding. An encoding with an opcode missing from the tables decodes with
/// info == nullptr (the interpreter turns that into an illegal-instruction fault).
Expected<Instruction> decode(const IsaTarget& target, std::span<const uint32_t> code,
                             uint64_t address);

}  // namespace amdhal::sim::isa
