// Instruction decoder for the GFX9 / CDNA microcode formats (see decoder.h for the format
// selection bits; field layouts from LLVM SIInstrFormats.td, *Instructions.td "_vi"/"_gfx940"
// encoding records, and the CDNA3 ISA guide chapter 10 "Microcode Formats").
#include "amdhal_sim_isa/decoder.h"

#include <fmt/format.h>

namespace amdhal::sim::isa {

namespace {

constexpr uint32_t bits(uint32_t v, unsigned lo, unsigned width) {
  return (v >> lo) & ((width >= 32) ? 0xFFFFFFFFu : ((1u << width) - 1u));
}

int32_t sext(uint32_t v, unsigned width) {
  const uint32_t m = 1u << (width - 1);
  v &= (width >= 32) ? 0xFFFFFFFFu : ((1u << width) - 1u);
  return static_cast<int32_t>((v ^ m) - m);
}

Status truncated(uint64_t address, size_t need, size_t have) {
  return data_loss(fmt::format("instruction at {:#x} needs {} bytes, the code stream has {}",
                               address, need * 4, have * 4));
}

// Adds a literal dword if any 9-bit source is 255 (or the row always takes one).
Status take_literal(Instruction& in, std::span<const uint32_t> code, size_t at) {
  bool need = (in.info != nullptr && (in.info->flags & kOpKLiteral) != 0);
  for (uint16_t s : in.src) need = need || s == operand::kLiteral;
  if (!need) return ok_status();
  if (code.size() <= at) return truncated(in.address, at + 1, code.size());
  in.literal = code[at];
  in.words[at] = code[at];
  in.has_literal = true;
  in.size = static_cast<uint8_t>((at + 1) * 4);
  return ok_status();
}

Status sdwa_dpp(Instruction& in, std::span<const uint32_t> code) {
  if (in.src[0] != operand::kSdwa && in.src[0] != operand::kDpp) return ok_status();
  if (code.size() < 2) return truncated(in.address, 2, code.size());
  in.sdwa = in.src[0] == operand::kSdwa;
  in.dpp = in.src[0] == operand::kDpp;
  in.words[1] = code[1];
  in.size = 8;
  // The real src0 is in the extension dword (VGPR in bits 7:0; SDWA bit 23 marks an SGPR).
  in.src[0] = static_cast<uint16_t>(operand::kVgpr0 + bits(code[1], 0, 8));
  return ok_status();
}

Expected<Instruction> decode_gfx9(const IsaTarget& t, std::span<const uint32_t> code,
                                  uint64_t address) {
  if (code.empty()) return truncated(address, 1, 0);
  Instruction in;
  in.address = address;
  const uint32_t w = code[0];
  in.words[0] = w;
  in.size = 4;
  auto need2 = [&]() -> Status {
    if (code.size() < 2) return truncated(address, 2, code.size());
    in.words[1] = code[1];
    in.size = 8;
    return ok_status();
  };

  if (bits(w, 23, 9) == 0x17D) {  // SOP1
    in.encoding = Encoding::kSop1;
    in.opcode = static_cast<uint16_t>(bits(w, 8, 8));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(bits(w, 16, 7));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 8));
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 23, 9) == 0x17E) {  // SOPC
    in.encoding = Encoding::kSopc;
    in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 8));
    in.src[1] = static_cast<uint16_t>(bits(w, 8, 8));
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 23, 9) == 0x17F) {  // SOPP
    in.encoding = Encoding::kSopp;
    in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.simm16 = sext(w, 16);
  } else if (bits(w, 28, 4) == 0xB) {  // SOPK
    in.encoding = Encoding::kSopk;
    in.opcode = static_cast<uint16_t>(bits(w, 23, 5));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(bits(w, 16, 7));
    in.simm16 = sext(w, 16);
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 30, 2) == 0x2) {  // SOP2
    in.encoding = Encoding::kSop2;
    in.opcode = static_cast<uint16_t>(bits(w, 23, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(bits(w, 16, 7));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 8));
    in.src[1] = static_cast<uint16_t>(bits(w, 8, 8));
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 25, 7) == 0x3F) {  // VOP1
    in.encoding = Encoding::kVop1;
    in.opcode = static_cast<uint16_t>(bits(w, 9, 8));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 17, 8));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
    AMDHAL_RETURN_IF_ERROR(sdwa_dpp(in, code));
    if (in.info && in.info->sem == Sem::kVReadfirstlane)
      in.dst = static_cast<uint16_t>(bits(w, 17, 8));
    if (!in.sdwa && !in.dpp) AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 25, 7) == 0x3E) {  // VOPC
    in.encoding = Encoding::kVopc;
    in.opcode = static_cast<uint16_t>(bits(w, 17, 8));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = operand::kVcc;
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
    in.src[1] = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 9, 8));
    AMDHAL_RETURN_IF_ERROR(sdwa_dpp(in, code));
    if (!in.sdwa && !in.dpp) AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 31, 1) == 0) {  // VOP2
    in.encoding = Encoding::kVop2;
    in.opcode = static_cast<uint16_t>(bits(w, 25, 6));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 17, 8));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
    in.src[1] = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 9, 8));
    if (in.info && (in.info->flags & kOpCarryIn)) in.src[2] = operand::kVcc;
    if (in.info && (in.info->flags & kOpCarryOut)) in.sdst = operand::kVcc;
    // v_fmac: the accumulator is the destination.
    if (in.info && in.info->sem == Sem::kVFmac) in.src[2] = in.dst;
    AMDHAL_RETURN_IF_ERROR(sdwa_dpp(in, code));
    if (!in.sdwa && !in.dpp) AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else {
    switch (bits(w, 26, 6)) {
      case 0x30: {  // SMEM
        AMDHAL_RETURN_IF_ERROR(need2());
        in.encoding = Encoding::kSmem;
        in.opcode = static_cast<uint16_t>(bits(w, 18, 8));
        in.info = find_op(t, in.encoding, in.opcode);
        in.sbase = static_cast<uint16_t>(bits(w, 0, 6) * 2);
        in.dst = static_cast<uint16_t>(bits(w, 6, 7));
        in.glc = bits(w, 16, 1);
        const bool imm = bits(w, 17, 1);
        const bool soe = bits(w, 14, 1);
        const uint32_t w1 = code[1];
        if (imm) {
          in.offset = sext(bits(w1, 0, 21), 21);
          if (soe) in.soffset = static_cast<uint16_t>(bits(w1, 25, 7));
        } else {
          in.offset = 0;
          in.soffset = static_cast<uint16_t>(bits(w1, 0, 7));
        }
        break;
      }
      case 0x34: {  // VOP3 / VOP3P
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        in.src[0] = static_cast<uint16_t>(bits(w1, 0, 9));
        in.src[1] = static_cast<uint16_t>(bits(w1, 9, 9));
        in.src[2] = static_cast<uint16_t>(bits(w1, 18, 9));
        in.neg = static_cast<uint8_t>(bits(w1, 29, 3));
        in.clamp = bits(w, 15, 1);
        if (bits(w, 23, 9) == 0x1A7) {
          in.encoding = Encoding::kVop3p;
          in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
          in.info = find_op(t, in.encoding, in.opcode);
          in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 0, 8));
          in.neg_hi = static_cast<uint8_t>(bits(w, 8, 3));
          in.opsel = static_cast<uint8_t>(bits(w, 11, 3));
          in.opsel_hi = static_cast<uint8_t>(bits(w1, 27, 2) | (bits(w, 14, 1) << 2));
          break;
        }
        in.encoding = Encoding::kVop3;
        in.opcode = static_cast<uint16_t>(bits(w, 16, 10));
        in.info = find_op(t, in.encoding, in.opcode);
        in.omod = static_cast<uint8_t>(bits(w1, 27, 2));
        const bool vop3b = in.info && (in.info->flags & kOpVop3b);
        if (vop3b) {
          in.sdst = static_cast<uint16_t>(bits(w, 8, 7));
        } else {
          in.abs = static_cast<uint8_t>(bits(w, 8, 3));
          in.opsel = static_cast<uint8_t>(bits(w, 11, 4));
        }
        // Scalar results: compares (VOPC forms), v_readlane, v_readfirstlane.
        const bool scalar_dst =
            in.info && (in.info->sem == Sem::kVCmp || in.info->sem == Sem::kVCmpClass ||
                        in.info->sem == Sem::kVReadlane || in.info->sem == Sem::kVReadfirstlane ||
                        (in.opcode < 0x100 && (in.info->flags & kOpPromoted)));
        in.dst = scalar_dst ? static_cast<uint16_t>(bits(w, 0, 8))
                            : static_cast<uint16_t>(operand::kVgpr0 + bits(w, 0, 8));
        if (in.info && in.info->sem == Sem::kVWritelane) {
          // v_writelane_b32: vdst is read-modify-written; src2 is unused.
          in.src[2] = operand::kNone;
        }
        break;
      }
      case 0x36: {  // DS
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        in.encoding = Encoding::kDs;
        in.opcode = static_cast<uint16_t>(bits(w, 17, 8));
        in.info = find_op(t, in.encoding, in.opcode);
        in.offset = static_cast<int32_t>(bits(w, 0, 8));
        in.offset1 = static_cast<uint8_t>(bits(w, 8, 8));
        in.gds = bits(w, 16, 1);
        in.acc = t.has_agprs && bits(w, 25, 1);
        const uint16_t base = in.acc ? operand::kVgpr0 + 256 : operand::kVgpr0;
        in.vaddr = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 0, 8));
        in.vdata = static_cast<uint16_t>(base + bits(w1, 8, 8));
        in.vdata1 = static_cast<uint16_t>(base + bits(w1, 16, 8));
        in.dst = static_cast<uint16_t>(base + bits(w1, 24, 8));
        break;
      }
      case 0x37: {  // FLAT / GLOBAL / SCRATCH
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        const uint32_t seg = bits(w, 14, 2);
        in.encoding = seg == 0   ? Encoding::kFlat
                      : seg == 1 ? Encoding::kScratch
                      : seg == 2 ? Encoding::kGlobal
                                 : Encoding::kUnknown;
        if (in.encoding == Encoding::kUnknown) {
          return invalid_argument(
              fmt::format("FLAT word {:#010x} at {:#x} has reserved segment 3", w, address));
        }
        in.opcode = static_cast<uint16_t>(bits(w, 18, 7));
        in.info = find_op(t, in.encoding, in.opcode);
        // FLAT: 12-bit unsigned offset; GLOBAL/SCRATCH: 13-bit signed (FLATInstructions.td).
        in.offset = seg == 0 ? static_cast<int32_t>(bits(w, 0, 12)) : sext(bits(w, 0, 13), 13);
        in.glc = bits(w, 16, 1);
        in.slc = bits(w, 17, 1);
        in.sc1 = t.gfx940_encodings && bits(w, 25, 1);
        in.acc = t.has_agprs && bits(w1, 23, 1);
        const uint16_t base = in.acc ? operand::kVgpr0 + 256 : operand::kVgpr0;
        // SADDR: 0x7F is "off"; the FLAT segment has no SADDR at all (FLATInstructions.td
        // encodes the field as 0 there, and the hardware ignores it).
        const uint32_t saddr = bits(w1, 16, 7);
        in.saddr = (saddr == 0x7F || seg == 0) ? operand::kNone : static_cast<uint16_t>(saddr);
        bool use_vaddr = true;
        if (in.encoding == Encoding::kScratch) {
          // gfx940: SVE (bit 13) enables the VGPR address; earlier: VADDR iff SADDR is off.
          use_vaddr = t.gfx940_encodings ? bits(w, 13, 1) != 0 : in.saddr == operand::kNone;
        }
        in.vaddr =
            use_vaddr ? static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 0, 8)) : operand::kNone;
        in.vdata = static_cast<uint16_t>(base + bits(w1, 8, 8));
        in.dst = static_cast<uint16_t>(base + bits(w1, 24, 8));
        break;
      }
      case 0x38:  // MUBUF
      case 0x3A:  // MTBUF
      case 0x3C:  // MIMG
      case 0x31:  // EXP
        AMDHAL_RETURN_IF_ERROR(need2());
        in.encoding = bits(w, 26, 6) == 0x38   ? Encoding::kMubuf
                      : bits(w, 26, 6) == 0x3A ? Encoding::kMtbuf
                      : bits(w, 26, 6) == 0x3C ? Encoding::kMimg
                                               : Encoding::kExp;
        in.opcode = static_cast<uint16_t>(in.encoding == Encoding::kMubuf   ? bits(w, 18, 7)
                                          : in.encoding == Encoding::kMtbuf ? bits(w, 15, 4)
                                          : in.encoding == Encoding::kMimg  ? bits(w, 18, 7)
                                                                            : 0);
        in.info = find_op(t, in.encoding, in.opcode);
        if (in.encoding == Encoding::kMubuf) {
          // MUBUF (BUFInstructions.td "MUBUF_Real_vi"/"_gfx90a"): offset [11:0], offen 12,
          // idxen 13, glc/sc0 14, lds 16, slc/nt 17; vaddr [39:32], vdata [47:40],
          // srsrc [52:48] (SGPR / 4), acc 55 (gfx90a+), soffset [63:56].
          const uint32_t w1 = code[1];
          in.offset = static_cast<int32_t>(bits(w, 0, 12));
          in.offen = bits(w, 12, 1);
          in.idxen = bits(w, 13, 1);
          in.glc = bits(w, 14, 1);
          in.lds = bits(w, 16, 1);
          in.slc = bits(w, 17, 1);
          in.acc = t.has_agprs && bits(w1, 23, 1);
          const uint16_t base = in.acc ? operand::kVgpr0 + 256 : operand::kVgpr0;
          in.vaddr = (in.offen || in.idxen)
                         ? static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 0, 8))
                         : operand::kNone;
          in.vdata = static_cast<uint16_t>(base + bits(w1, 8, 8));
          in.dst = in.vdata;
          in.sbase = static_cast<uint16_t>(bits(w1, 16, 5) * 4);
          in.soffset = static_cast<uint16_t>(bits(w1, 24, 8));
        }
        break;
      case 0x35:  // VINTRP (one dword)
        in.encoding = Encoding::kVintrp;
        in.opcode = static_cast<uint16_t>(bits(w, 16, 2));
        in.info = find_op(t, in.encoding, in.opcode);
        break;
      default:
        return invalid_argument(fmt::format(
            "word {:#010x} at {:#x} matches no {} instruction encoding", w, address, t.name));
    }
  }
  return in;
}

// ---- gfx11 (RDNA3): field layouts of the *_gfx11 encoding records (SOPInstructions.td,
// SMInstructions.td "SMEM_Real_gfx11", VOPInstructions.td "VOP3e_gfx11"/"VOP3Pe_gfx11",
// VOPDInstructions.td "VOPDe"/"VOPD_MADKe", DSInstructions.td "DS_Real_gfx11",
// FLATInstructions.td "FLAT_Real_gfx11", BUFInstructions.td "MUBUF_Real_gfx11"), checked with
// llvm-mc-19 -mcpu=gfx1100 -show-encoding.

constexpr uint16_t kGfx11Null = 124;  // SGPR_NULL; M0 is 125 on gfx11

bool is_dpp_src(uint16_t s) {
  // gfx11 src0 250 = DPP16, 233/234 = DPP8 (FI 0/1): an extension dword follows.
  return s == operand::kDpp || s == 233 || s == 234;
}

// VOP1/VOP2/VOPC with a DPP dword: the real src0 VGPR is in bits 7:0 of the extension.
Status dpp_gfx11(Instruction& in, std::span<const uint32_t> code, size_t at) {
  if (code.size() <= at) return truncated(in.address, at + 1, code.size());
  in.dpp = true;
  in.words[at] = code[at];
  in.size = static_cast<uint8_t>((at + 1) * 4);
  in.src[0] = static_cast<uint16_t>(operand::kVgpr0 + bits(code[at], 0, 8));
  return ok_status();
}

Expected<Instruction> decode_gfx11(const IsaTarget& t, std::span<const uint32_t> code,
                                   uint64_t address) {
  if (code.empty()) return truncated(address, 1, 0);
  Instruction in;
  in.address = address;
  const uint32_t w = code[0];
  in.words[0] = w;
  in.size = 4;
  auto need2 = [&]() -> Status {
    if (code.size() < 2) return truncated(address, 2, code.size());
    in.words[1] = code[1];
    in.size = 8;
    return ok_status();
  };
  auto sdst = [](uint32_t v) -> uint16_t { return static_cast<uint16_t>(v); };

  if (bits(w, 23, 9) == 0x17D) {  // SOP1
    in.encoding = Encoding::kSop1;
    in.opcode = static_cast<uint16_t>(bits(w, 8, 8));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = sdst(bits(w, 16, 7));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 8));
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 23, 9) == 0x17E) {  // SOPC
    in.encoding = Encoding::kSopc;
    in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 8));
    in.src[1] = static_cast<uint16_t>(bits(w, 8, 8));
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 23, 9) == 0x17F) {  // SOPP
    in.encoding = Encoding::kSopp;
    in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.simm16 = sext(w, 16);
  } else if (bits(w, 28, 4) == 0xB) {  // SOPK
    in.encoding = Encoding::kSopk;
    in.opcode = static_cast<uint16_t>(bits(w, 23, 5));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = sdst(bits(w, 16, 7));
    in.simm16 = sext(w, 16);
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 30, 2) == 0x2) {  // SOP2
    in.encoding = Encoding::kSop2;
    in.opcode = static_cast<uint16_t>(bits(w, 23, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = sdst(bits(w, 16, 7));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 8));
    in.src[1] = static_cast<uint16_t>(bits(w, 8, 8));
    AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
  } else if (bits(w, 25, 7) == 0x3F) {  // VOP1
    in.encoding = Encoding::kVop1;
    in.opcode = static_cast<uint16_t>(bits(w, 9, 8));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 17, 8));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
    if (in.info && in.info->sem == Sem::kVReadfirstlane) in.dst = sdst(bits(w, 17, 8));
    if (is_dpp_src(in.src[0])) {
      AMDHAL_RETURN_IF_ERROR(dpp_gfx11(in, code, 1));
    } else {
      AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
    }
  } else if (bits(w, 25, 7) == 0x3E) {  // VOPC: v_cmp writes VCC_LO/VCC, v_cmpx EXEC only
    in.encoding = Encoding::kVopc;
    in.opcode = static_cast<uint16_t>(bits(w, 17, 8));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = (in.info && (in.info->flags & kOpCmpx)) ? operand::kExec : operand::kVcc;
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
    in.src[1] = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 9, 8));
    if (is_dpp_src(in.src[0])) {
      AMDHAL_RETURN_IF_ERROR(dpp_gfx11(in, code, 1));
    } else {
      AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
    }
  } else if (bits(w, 31, 1) == 0) {  // VOP2
    in.encoding = Encoding::kVop2;
    in.opcode = static_cast<uint16_t>(bits(w, 25, 6));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 17, 8));
    in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
    in.src[1] = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 9, 8));
    if (in.info && (in.info->flags & kOpCarryIn)) in.src[2] = operand::kVcc;
    if (in.info && (in.info->flags & kOpCarryOut)) in.sdst = operand::kVcc;
    if (in.info && in.info->sem == Sem::kVFmac) in.src[2] = in.dst;
    if (is_dpp_src(in.src[0])) {
      AMDHAL_RETURN_IF_ERROR(dpp_gfx11(in, code, 1));
    } else {
      AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 1));
    }
  } else if (bits(w, 24, 8) == 0xCC) {  // VOP3P
    AMDHAL_RETURN_IF_ERROR(need2());
    const uint32_t w1 = code[1];
    in.encoding = Encoding::kVop3p;
    in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
    in.info = find_op(t, in.encoding, in.opcode);
    in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 0, 8));
    in.src[0] = static_cast<uint16_t>(bits(w1, 0, 9));
    in.src[1] = static_cast<uint16_t>(bits(w1, 9, 9));
    in.src[2] = static_cast<uint16_t>(bits(w1, 18, 9));
    in.neg = static_cast<uint8_t>(bits(w1, 29, 3));
    in.neg_hi = static_cast<uint8_t>(bits(w, 8, 3));
    in.opsel = static_cast<uint8_t>(bits(w, 11, 3));
    in.opsel_hi = static_cast<uint8_t>(bits(w1, 27, 2) | (bits(w, 14, 1) << 2));
    in.clamp = bits(w, 15, 1);
    if (is_dpp_src(in.src[0])) {
      AMDHAL_RETURN_IF_ERROR(dpp_gfx11(in, code, 2));
    } else {
      AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 2));
    }
  } else {
    switch (bits(w, 26, 6)) {
      case 0x3D: {  // SMEM
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        in.encoding = Encoding::kSmem;
        in.opcode = static_cast<uint16_t>(bits(w, 18, 8));
        in.info = find_op(t, in.encoding, in.opcode);
        in.sbase = static_cast<uint16_t>(bits(w, 0, 6) * 2);
        in.dst = sdst(bits(w, 6, 7));
        in.glc = bits(w, 14, 1);
        in.offset = sext(bits(w1, 0, 21), 21);
        const uint32_t soff = bits(w1, 25, 7);
        in.soffset = soff == kGfx11Null ? operand::kNone : static_cast<uint16_t>(soff);
        break;
      }
      case 0x32: {  // VOPD
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        in.encoding = Encoding::kVopd;
        in.opcode = static_cast<uint16_t>(bits(w, 22, 4));
        in.opcode_y = static_cast<uint16_t>(bits(w, 17, 5));
        const OpInfo* x = find_op(t, in.encoding, in.opcode);
        in.info_y = find_op(t, in.encoding, in.opcode_y);
        in.info = (in.opcode <= 12 && in.info_y != nullptr) ? x : nullptr;
        in.src[0] = static_cast<uint16_t>(bits(w, 0, 9));
        in.src[1] = static_cast<uint16_t>(operand::kVgpr0 + bits(w, 9, 8));
        const uint32_t vdst_x = bits(w1, 24, 8);
        in.dst = static_cast<uint16_t>(operand::kVgpr0 + vdst_x);
        in.src_y[0] = static_cast<uint16_t>(bits(w1, 0, 9));
        in.src_y[1] = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 9, 8));
        // vdstY[0] is not encoded: it is the inverse of vdstX[0] (the two banks differ).
        in.dst_y =
            static_cast<uint16_t>(operand::kVgpr0 + ((bits(w1, 17, 7) << 1) | ((vdst_x & 1) ^ 1)));
        auto fill = [&](const OpInfo* op, uint16_t dst, uint16_t* src) {
          if (op == nullptr) return;
          if (op->flags & kOpCarryIn) src[2] = operand::kVcc;
          if (op->sem == Sem::kVFmac) src[2] = dst;
          if (op->src[1] == OperandType::kNone) src[1] = operand::kNone;
        };
        fill(x, in.dst, in.src);
        fill(in.info_y, in.dst_y, in.src_y);
        const bool lit = in.src[0] == operand::kLiteral || in.src_y[0] == operand::kLiteral ||
                         (x && (x->flags & kOpKLiteral)) ||
                         (in.info_y && (in.info_y->flags & kOpKLiteral));
        if (lit) {
          if (code.size() < 3) return truncated(address, 3, code.size());
          in.literal = code[2];
          in.words[2] = code[2];
          in.has_literal = true;
          in.size = 12;
        }
        break;
      }
      case 0x35: {  // VOP3 / VOP3B
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        in.encoding = Encoding::kVop3;
        in.opcode = static_cast<uint16_t>(bits(w, 16, 10));
        in.info = find_op(t, in.encoding, in.opcode);
        in.src[0] = static_cast<uint16_t>(bits(w1, 0, 9));
        in.src[1] = static_cast<uint16_t>(bits(w1, 9, 9));
        in.src[2] = static_cast<uint16_t>(bits(w1, 18, 9));
        in.neg = static_cast<uint8_t>(bits(w1, 29, 3));
        in.omod = static_cast<uint8_t>(bits(w1, 27, 2));
        in.clamp = bits(w, 15, 1);
        const bool vop3b = in.info && (in.info->flags & kOpVop3b);
        if (vop3b) {
          in.sdst = static_cast<uint16_t>(bits(w, 8, 7));
        } else {
          in.abs = static_cast<uint8_t>(bits(w, 8, 3));
          in.opsel = static_cast<uint8_t>(bits(w, 11, 4));
        }
        // Scalar results: compares (VOPC forms; v_cmpx names EXEC), readlane, readfirstlane.
        const bool scalar_dst =
            in.info && (in.info->sem == Sem::kVCmp || in.info->sem == Sem::kVCmpClass ||
                        in.info->sem == Sem::kVReadlane || in.info->sem == Sem::kVReadfirstlane ||
                        (in.opcode < 0x100 && (in.info->flags & kOpPromoted)));
        in.dst = scalar_dst ? sdst(bits(w, 0, 8))
                            : static_cast<uint16_t>(operand::kVgpr0 + bits(w, 0, 8));
        if (in.info && in.info->sem == Sem::kVWritelane) in.src[2] = operand::kNone;
        // Operands the row does not use are not read (their fields are 0 = s0).
        if (in.info) {
          for (int i = 0; i < 3; ++i) {
            if (in.info->src[i] == OperandType::kNone) in.src[i] = operand::kNone;
          }
        }
        if (is_dpp_src(in.src[0])) {
          AMDHAL_RETURN_IF_ERROR(dpp_gfx11(in, code, 2));
        } else {
          AMDHAL_RETURN_IF_ERROR(take_literal(in, code, 2));
        }
        break;
      }
      case 0x36: {  // DS
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        in.encoding = Encoding::kDs;
        in.opcode = static_cast<uint16_t>(bits(w, 18, 8));
        in.info = find_op(t, in.encoding, in.opcode);
        in.offset = static_cast<int32_t>(bits(w, 0, 8));
        in.offset1 = static_cast<uint8_t>(bits(w, 8, 8));
        in.gds = bits(w, 17, 1);
        in.vaddr = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 0, 8));
        in.vdata = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 8, 8));
        in.vdata1 = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 16, 8));
        in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 24, 8));
        break;
      }
      case 0x37: {  // FLAT / GLOBAL / SCRATCH
        AMDHAL_RETURN_IF_ERROR(need2());
        const uint32_t w1 = code[1];
        const uint32_t seg = bits(w, 16, 2);
        in.encoding = seg == 0   ? Encoding::kFlat
                      : seg == 1 ? Encoding::kScratch
                      : seg == 2 ? Encoding::kGlobal
                                 : Encoding::kUnknown;
        if (in.encoding == Encoding::kUnknown) {
          return invalid_argument(
              fmt::format("FLAT word {:#010x} at {:#x} has reserved segment 3", w, address));
        }
        in.opcode = static_cast<uint16_t>(bits(w, 18, 7));
        in.info = find_op(t, in.encoding, in.opcode);
        // FLAT: 12-bit unsigned offset; GLOBAL/SCRATCH: 13-bit signed.
        in.offset = seg == 0 ? static_cast<int32_t>(bits(w, 0, 12)) : sext(bits(w, 0, 13), 13);
        in.glc = bits(w, 14, 1);
        in.slc = bits(w, 15, 1);
        const uint32_t saddr = bits(w1, 16, 7);
        in.saddr =
            (saddr == kGfx11Null || seg == 0) ? operand::kNone : static_cast<uint16_t>(saddr);
        // SCRATCH: SVE (bit 55) enables the VGPR address; FLAT/GLOBAL always have one.
        const bool use_vaddr = in.encoding != Encoding::kScratch || bits(w1, 23, 1) != 0;
        in.vaddr =
            use_vaddr ? static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 0, 8)) : operand::kNone;
        in.vdata = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 8, 8));
        in.dst = static_cast<uint16_t>(operand::kVgpr0 + bits(w1, 24, 8));
        break;
      }
      case 0x38:  // MUBUF
      case 0x3A:  // MTBUF
      case 0x3C:  // MIMG
      case 0x3E:  // EXP
        AMDHAL_RETURN_IF_ERROR(need2());
        in.encoding = bits(w, 26, 6) == 0x38   ? Encoding::kMubuf
                      : bits(w, 26, 6) == 0x3A ? Encoding::kMtbuf
                      : bits(w, 26, 6) == 0x3C ? Encoding::kMimg
                                               : Encoding::kExp;
        in.opcode = static_cast<uint16_t>(in.encoding == Encoding::kMubuf   ? bits(w, 18, 8)
                                          : in.encoding == Encoding::kMtbuf ? bits(w, 15, 4)
                                          : in.encoding == Encoding::kMimg  ? bits(w, 18, 8)
                                                                            : 0);
        in.info = find_op(t, in.encoding, in.opcode);
        break;
      case 0x33:  // VINTERP (11001101) / LDSDIR (11001110)
        if (bits(w, 24, 8) == 0xCD) {
          AMDHAL_RETURN_IF_ERROR(need2());
          in.encoding = Encoding::kVintrp;
          in.opcode = static_cast<uint16_t>(bits(w, 16, 7));
        } else {
          in.encoding = Encoding::kVintrp;
          in.opcode = static_cast<uint16_t>(bits(w, 20, 2));
        }
        in.info = nullptr;
        break;
      default:
        return invalid_argument(fmt::format(
            "word {:#010x} at {:#x} matches no {} instruction encoding", w, address, t.name));
    }
  }
  return in;
}

}  // namespace

Expected<Instruction> decode(const IsaTarget& target, std::span<const uint32_t> code,
                             uint64_t address) {
  if (target.generation == IsaGeneration::kGfx11) return decode_gfx11(target, code, address);
  return decode_gfx9(target, code, address);
}

std::string Instruction::mnemonic() const {
  if (info == nullptr) return "<unknown>";
  std::string m(info->name);
  if (info->flags & kOpNoSuffix) return m;
  switch (encoding) {
    case Encoding::kVop1:
    case Encoding::kVop2:
    case Encoding::kVopc:
      m += sdwa ? "_sdwa" : dpp ? "_dpp" : "_e32";
      break;
    case Encoding::kVop3:
      if (info->flags & kOpPromoted) m += "_e64";
      break;
    default:
      break;
  }
  return m;
}

std::string Instruction::describe() const {
  std::string words_text;
  for (unsigned i = 0; i < size / 4u && i < 3; ++i) {
    words_text += fmt::format("{}{:08X}", i ? " " : "", words[i]);
  }
  std::string name = info ? mnemonic() : std::string("not in the tables");
  if (encoding == Encoding::kVopd) {
    name =
        fmt::format("{} :: {}", info ? std::string(info->name) : std::string("?"),
                    info_y ? std::string(info_y->name) : fmt::format("Y opcode {:#x}", opcode_y));
  }
  return fmt::format("{} opcode {:#x} at {:#x} ({}; {})", encoding_name(encoding), opcode, address,
                     name, words_text);
}

}  // namespace amdhal::sim::isa
