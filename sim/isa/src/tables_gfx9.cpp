// GFX9 / CDNA instruction tables (gfx90a, gfx940-gfx942): opcode numbers of the *_vi, *_gfx90a
// and *_gfx940 encoding records in LLVM's lib/Target/AMDGPU/*Instructions.td, mnemonics and
// operand types as in llvm/docs/AMDGPU/AMDGPUAsmGFX940.rst, semantics from the CDNA3 ISA guide.
// Each row was checked against llvm-mc-19 --disassemble --mcpu=gfx942 (docs/isa.md).
#include <array>
#include <string>

#include "tables_internal.h"

namespace amdhal::sim::isa::detail {
namespace {

using T = OperandType;
constexpr T N = T::kNone, U = T::kB32, I = T::kI32, F = T::kF32, H = T::kF16, W = T::kB16,
            D = T::kB64, L = T::kI64, E = T::kF64, M = T::kMask;

constexpr uint8_t k(Cond c) {
  return static_cast<uint8_t>(c);
}
constexpr uint8_t k(MemKind m) {
  return static_cast<uint8_t>(m);
}
constexpr uint8_t k(AtomicKind a) {
  return static_cast<uint8_t>(a);
}

void sop2(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, uint8_t aux = 0) {
    b.add(Encoding::kSop2, {op, name, s, d, {a, c, N}, aux, 0});
  };
  r(0, "s_add_u32", Sem::kSAddU, U, U, U);
  r(1, "s_sub_u32", Sem::kSSubU, U, U, U);
  r(2, "s_add_i32", Sem::kSAddI, I, I, I);
  r(3, "s_sub_i32", Sem::kSSubI, I, I, I);
  r(4, "s_addc_u32", Sem::kSAddc, U, U, U);
  r(5, "s_subb_u32", Sem::kSSubb, U, U, U);
  r(6, "s_min_i32", Sem::kSMinI, I, I, I);
  r(7, "s_min_u32", Sem::kSMinU, U, U, U);
  r(8, "s_max_i32", Sem::kSMaxI, I, I, I);
  r(9, "s_max_u32", Sem::kSMaxU, U, U, U);
  r(10, "s_cselect_b32", Sem::kSCselect, U, U, U);
  r(11, "s_cselect_b64", Sem::kSCselect, D, D, D);
  const char* logic[] = {"and", "or", "xor", "andn2", "orn2", "nand", "nor", "xnor"};
  const Sem logic_sem[] = {Sem::kSAnd,  Sem::kSOr,   Sem::kSXor, Sem::kSAndn2,
                           Sem::kSOrn2, Sem::kSNand, Sem::kSNor, Sem::kSXnor};
  for (int i = 0; i < 8; ++i) {
    r(12 + 2 * i, b.name(std::string("s_") + logic[i] + "_b32"), logic_sem[i], U, U, U);
    r(13 + 2 * i, b.name(std::string("s_") + logic[i] + "_b64"), logic_sem[i], D, D, D);
  }
  r(28, "s_lshl_b32", Sem::kSLshl, U, U, U);
  r(29, "s_lshl_b64", Sem::kSLshl, D, D, U);
  r(30, "s_lshr_b32", Sem::kSLshr, U, U, U);
  r(31, "s_lshr_b64", Sem::kSLshr, D, D, U);
  r(32, "s_ashr_i32", Sem::kSAshr, I, I, U);
  r(33, "s_ashr_i64", Sem::kSAshr, L, L, U);
  r(34, "s_bfm_b32", Sem::kSBfm, U, U, U);
  r(35, "s_bfm_b64", Sem::kSBfm, D, U, U);
  r(36, "s_mul_i32", Sem::kSMulI32, I, I, I);
  r(37, "s_bfe_u32", Sem::kSBfeU, U, U, U);
  r(38, "s_bfe_i32", Sem::kSBfeI, I, I, U);
  r(39, "s_bfe_u64", Sem::kSBfeU, D, D, U);
  r(40, "s_bfe_i64", Sem::kSBfeI, L, L, U);
  r(41, "s_cbranch_g_fork", Sem::kNone, N, D, D);
  r(42, "s_absdiff_i32", Sem::kSAbsdiff, U, I, I);
  r(43, "s_rfe_restore_b64", Sem::kNone, N, D, U);
  r(44, "s_mul_hi_u32", Sem::kSMulHiU32, U, U, U);
  r(45, "s_mul_hi_i32", Sem::kSMulHiI32, I, I, I);
  for (uint8_t s = 1; s <= 4; ++s) {
    r(45 + s, b.name("s_lshl" + std::to_string(s) + "_add_u32"), Sem::kSLshlAdd, U, U, U, s);
  }
  r(50, "s_pack_ll_b32_b16", Sem::kSPackLL, U, U, U);
  r(51, "s_pack_lh_b32_b16", Sem::kSPackLH, U, U, U);
  r(52, "s_pack_hh_b32_b16", Sem::kSPackHH, U, U, U);
}

void sopk(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, uint8_t aux = 0,
               uint16_t flags = 0) {
    b.add(Encoding::kSopk, {op, name, s, d, {N, N, N}, aux, flags});
  };
  r(0, "s_movk_i32", Sem::kSMovk, I);
  r(1, "s_cmovk_i32", Sem::kSCmovk, I);
  const char* conds[] = {"eq", "lg", "gt", "ge", "lt", "le"};
  const Cond cc[] = {Cond::kEq, Cond::kLg, Cond::kGt, Cond::kGe, Cond::kLt, Cond::kLe};
  for (int i = 0; i < 6; ++i) {
    r(2 + i, b.name(std::string("s_cmpk_") + conds[i] + "_i32"), Sem::kSCmpk, I, k(cc[i]),
      kOpSrc0Sgpr);
    r(8 + i, b.name(std::string("s_cmpk_") + conds[i] + "_u32"), Sem::kSCmpk, U, k(cc[i]),
      kOpSrc0Sgpr);
  }
  r(14, "s_addk_i32", Sem::kSAddk, I);
  r(15, "s_mulk_i32", Sem::kSMulk, I);
  r(16, "s_cbranch_i_fork", Sem::kNone, D);
  r(17, "s_getreg_b32", Sem::kSGetreg, U);
  r(18, "s_setreg_b32", Sem::kNone, U);
  r(20, "s_setreg_imm32_b32", Sem::kNone, N, 0, kOpKLiteral);
  r(21, "s_call_b64", Sem::kNone, D);
}

void sop1(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, uint8_t aux = 0) {
    b.add(Encoding::kSop1, {op, name, s, d, {a, N, N}, aux, 0});
  };
  r(0, "s_mov_b32", Sem::kSMov, U, U);
  r(1, "s_mov_b64", Sem::kSMov, D, D);
  r(2, "s_cmov_b32", Sem::kSCmov, U, U);
  r(3, "s_cmov_b64", Sem::kSCmov, D, D);
  r(4, "s_not_b32", Sem::kSNot, U, U);
  r(5, "s_not_b64", Sem::kSNot, D, D);
  r(6, "s_wqm_b32", Sem::kNone, U, U);
  r(7, "s_wqm_b64", Sem::kNone, D, D);
  r(8, "s_brev_b32", Sem::kSBrev, U, U);
  r(9, "s_brev_b64", Sem::kSBrev, D, D);
  r(10, "s_bcnt0_i32_b32", Sem::kSBcnt0, U, U);
  r(11, "s_bcnt0_i32_b64", Sem::kSBcnt0, U, D);
  r(12, "s_bcnt1_i32_b32", Sem::kSBcnt1, U, U);
  r(13, "s_bcnt1_i32_b64", Sem::kSBcnt1, U, D);
  r(14, "s_ff0_i32_b32", Sem::kSFf0, U, U);
  r(15, "s_ff0_i32_b64", Sem::kSFf0, U, D);
  r(16, "s_ff1_i32_b32", Sem::kSFf1, U, U);
  r(17, "s_ff1_i32_b64", Sem::kSFf1, U, D);
  r(18, "s_flbit_i32_b32", Sem::kSFlbit, U, U);
  r(19, "s_flbit_i32_b64", Sem::kSFlbit, U, D);
  r(20, "s_flbit_i32", Sem::kSFlbitI32, U, I);
  r(21, "s_flbit_i32_i64", Sem::kSFlbitI32, U, L);
  r(22, "s_sext_i32_i8", Sem::kSSextI8, I, U);
  r(23, "s_sext_i32_i16", Sem::kSSextI16, I, U);
  r(24, "s_bitset0_b32", Sem::kSBitset0, U, U);
  r(25, "s_bitset0_b64", Sem::kSBitset0, D, U);
  r(26, "s_bitset1_b32", Sem::kSBitset1, U, U);
  r(27, "s_bitset1_b64", Sem::kSBitset1, D, U);
  r(28, "s_getpc_b64", Sem::kSGetpc, D, N);
  r(29, "s_setpc_b64", Sem::kSSetpc, N, D);
  r(30, "s_swappc_b64", Sem::kSSwappc, D, D);
  r(31, "s_rfe_b64", Sem::kNone, N, D);
  // s_<op>_saveexec_b64: aux = the logic op (0 and, 1 or, 2 xor, 3 andn2, 4 orn2, 5 nand, 6 nor,
  // 7 xnor, 8 andn1, 9 orn1): EXEC = op(SRC, EXEC) (andn1/orn1: op(~SRC, EXEC)).
  const char* save[] = {"and", "or", "xor", "andn2", "orn2", "nand", "nor", "xnor"};
  for (uint8_t i = 0; i < 8; ++i) {
    r(32 + i, b.name(std::string("s_") + save[i] + "_saveexec_b64"), Sem::kSSaveexec, D, D, i);
  }
  r(40, "s_quadmask_b32", Sem::kNone, U, U);
  r(41, "s_quadmask_b64", Sem::kNone, D, D);
  r(42, "s_movrels_b32", Sem::kNone, U, U);
  r(43, "s_movrels_b64", Sem::kNone, D, D);
  r(44, "s_movreld_b32", Sem::kNone, U, U);
  r(45, "s_movreld_b64", Sem::kNone, D, D);
  r(46, "s_cbranch_join", Sem::kNone, N, U);
  r(48, "s_abs_i32", Sem::kSAbs, I, I);
  r(50, "s_set_gpr_idx_idx", Sem::kNone, N, U);
  r(51, "s_andn1_saveexec_b64", Sem::kSSaveexec, D, D, 8);
  r(52, "s_orn1_saveexec_b64", Sem::kSSaveexec, D, D, 9);
  // s_andn1_wrexec_b64: EXEC = ~SRC & EXEC (aux 0); s_andn2_wrexec_b64: EXEC = SRC & ~EXEC (aux 1).
  r(53, "s_andn1_wrexec_b64", Sem::kSWrexec, D, D, 0);
  r(54, "s_andn2_wrexec_b64", Sem::kSWrexec, D, D, 1);
  r(55, "s_bitreplicate_b64_b32", Sem::kNone, D, U);
}

void sopc(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T a, T c, uint8_t aux = 0) {
    b.add(Encoding::kSopc, {op, name, s, N, {a, c, N}, aux, 0});
  };
  const char* conds[] = {"eq", "lg", "gt", "ge", "lt", "le"};
  const Cond cc[] = {Cond::kEq, Cond::kLg, Cond::kGt, Cond::kGe, Cond::kLt, Cond::kLe};
  for (int i = 0; i < 6; ++i) {
    r(i, b.name(std::string("s_cmp_") + conds[i] + "_i32"), Sem::kSCmp, I, I, k(cc[i]));
    r(6 + i, b.name(std::string("s_cmp_") + conds[i] + "_u32"), Sem::kSCmp, U, U, k(cc[i]));
  }
  r(12, "s_bitcmp0_b32", Sem::kSBitcmp0, U, U);
  r(13, "s_bitcmp1_b32", Sem::kSBitcmp1, U, U);
  r(14, "s_bitcmp0_b64", Sem::kSBitcmp0, D, U);
  r(15, "s_bitcmp1_b64", Sem::kSBitcmp1, D, U);
  r(16, "s_setvskip", Sem::kNone, U, U);
  r(17, "s_set_gpr_idx_on", Sem::kNone, U, U);
  r(18, "s_cmp_eq_u64", Sem::kSCmp, D, D, k(Cond::kEq));
  r(19, "s_cmp_lg_u64", Sem::kSCmp, D, D, k(Cond::kLg));
}

void sopp(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s) {
    b.add(Encoding::kSopp, {op, name, s, N, {N, N, N}, 0, 0});
  };
  r(0, "s_nop", Sem::kSNop);
  r(1, "s_endpgm", Sem::kSEndpgm);
  r(2, "s_branch", Sem::kSBranch);
  r(3, "s_wakeup", Sem::kSIgnored);
  r(4, "s_cbranch_scc0", Sem::kSCbranchScc0);
  r(5, "s_cbranch_scc1", Sem::kSCbranchScc1);
  r(6, "s_cbranch_vccz", Sem::kSCbranchVccz);
  r(7, "s_cbranch_vccnz", Sem::kSCbranchVccnz);
  r(8, "s_cbranch_execz", Sem::kSCbranchExecz);
  r(9, "s_cbranch_execnz", Sem::kSCbranchExecnz);
  r(10, "s_barrier", Sem::kSBarrier);
  r(11, "s_setkill", Sem::kNone);
  r(12, "s_waitcnt", Sem::kSWaitcnt);
  r(13, "s_sethalt", Sem::kNone);
  r(14, "s_sleep", Sem::kSIgnored);
  r(15, "s_setprio", Sem::kSIgnored);
  r(16, "s_sendmsg", Sem::kNone);
  r(17, "s_sendmsghalt", Sem::kNone);
  r(18, "s_trap", Sem::kNone);
  r(19, "s_icache_inv", Sem::kSIgnored);
  r(20, "s_incperflevel", Sem::kSIgnored);
  r(21, "s_decperflevel", Sem::kSIgnored);
  r(22, "s_ttracedata", Sem::kSIgnored);
  r(23, "s_cbranch_cdbgsys", Sem::kNone);
  r(24, "s_cbranch_cdbguser", Sem::kNone);
  r(25, "s_cbranch_cdbgsys_or_user", Sem::kNone);
  r(26, "s_cbranch_cdbgsys_and_user", Sem::kNone);
  r(27, "s_endpgm_saved", Sem::kNone);
  r(28, "s_set_gpr_idx_off", Sem::kNone);
  r(29, "s_set_gpr_idx_mode", Sem::kNone);
}

void smem(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, MemKind m) {
    b.add(Encoding::kSmem, {op, name, s, U, {D, N, N}, k(m), 0});
  };
  r(0, "s_load_dword", Sem::kSLoad, MemKind::kB32);
  r(1, "s_load_dwordx2", Sem::kSLoad, MemKind::kB64);
  r(2, "s_load_dwordx4", Sem::kSLoad, MemKind::kB128);
  r(3, "s_load_dwordx8", Sem::kSLoad, MemKind::kB256);
  r(4, "s_load_dwordx16", Sem::kSLoad, MemKind::kB512);
  r(8, "s_buffer_load_dword", Sem::kSBufferLoad, MemKind::kB32);
  r(9, "s_buffer_load_dwordx2", Sem::kSBufferLoad, MemKind::kB64);
  r(10, "s_buffer_load_dwordx4", Sem::kSBufferLoad, MemKind::kB128);
  r(11, "s_buffer_load_dwordx8", Sem::kSBufferLoad, MemKind::kB256);
  r(12, "s_buffer_load_dwordx16", Sem::kSBufferLoad, MemKind::kB512);
  r(16, "s_store_dword", Sem::kNone, MemKind::kB32);
  r(17, "s_store_dwordx2", Sem::kNone, MemKind::kB64);
  r(18, "s_store_dwordx4", Sem::kNone, MemKind::kB128);
  // Cache maintenance: the interpreter has no scalar cache, so these are no-ops.
  r(32, "s_dcache_inv", Sem::kSDcache, MemKind::kB32);
  r(33, "s_dcache_wb", Sem::kSDcache, MemKind::kB32);
  r(34, "s_dcache_inv_vol", Sem::kSDcache, MemKind::kB32);
  r(35, "s_dcache_wb_vol", Sem::kSDcache, MemKind::kB32);
  r(36, "s_memtime", Sem::kNone, MemKind::kB64);
  r(37, "s_memrealtime", Sem::kNone, MemKind::kB64);
}

// VOP1 (also reachable through VOP3 at 0x140 + op).
void vop1(TableBuilder& b, bool gfx940) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, uint8_t aux = 0,
               uint16_t flags = 0) {
    b.add(Encoding::kVop1, {op, name, s, d, {a, N, N}, aux, flags});
  };
  r(0, "v_nop", Sem::kVNop, N, N, 0, kOpNoSuffix);
  r(1, "v_mov_b32", Sem::kVMov, U, U);
  r(2, "v_readfirstlane_b32", Sem::kVReadfirstlane, U, U, 0, kOpNoSuffix | kOpNoVop3);
  r(3, "v_cvt_i32_f64", Sem::kVCvtI32F64, I, E);
  r(4, "v_cvt_f64_i32", Sem::kVCvtF64I32, E, I);
  r(5, "v_cvt_f32_i32", Sem::kVCvtF32I32, F, I);
  r(6, "v_cvt_f32_u32", Sem::kVCvtF32U32, F, U);
  r(7, "v_cvt_u32_f32", Sem::kVCvtU32F32, U, F);
  r(8, "v_cvt_i32_f32", Sem::kVCvtI32F32, I, F);
  r(10, "v_cvt_f16_f32", Sem::kVCvtF16F32, H, F);
  r(11, "v_cvt_f32_f16", Sem::kVCvtF32F16, F, H);
  r(12, "v_cvt_rpi_i32_f32", Sem::kNone, I, F);
  r(13, "v_cvt_flr_i32_f32", Sem::kNone, I, F);
  r(14, "v_cvt_off_f32_i4", Sem::kNone, F, U);
  r(15, "v_cvt_f32_f64", Sem::kVCvtF32F64, F, E);
  r(16, "v_cvt_f64_f32", Sem::kVCvtF64F32, E, F);
  for (uint8_t i = 0; i < 4; ++i) {
    r(17 + i, b.name("v_cvt_f32_ubyte" + std::to_string(i)), Sem::kVCvtF32Ubyte, F, U, i);
  }
  r(21, "v_cvt_u32_f64", Sem::kVCvtU32F64, U, E);
  r(22, "v_cvt_f64_u32", Sem::kVCvtF64U32, E, U);
  r(23, "v_trunc_f64", Sem::kVTrunc, E, E);
  r(24, "v_ceil_f64", Sem::kVCeil, E, E);
  r(25, "v_rndne_f64", Sem::kVRndne, E, E);
  r(26, "v_floor_f64", Sem::kVFloor, E, E);
  r(27, "v_fract_f32", Sem::kVFract, F, F);
  r(28, "v_trunc_f32", Sem::kVTrunc, F, F);
  r(29, "v_ceil_f32", Sem::kVCeil, F, F);
  r(30, "v_rndne_f32", Sem::kVRndne, F, F);
  r(31, "v_floor_f32", Sem::kVFloor, F, F);
  r(32, "v_exp_f32", Sem::kVExp, F, F);
  r(33, "v_log_f32", Sem::kVLog, F, F);
  r(34, "v_rcp_f32", Sem::kVRcp, F, F);
  r(35, "v_rcp_iflag_f32", Sem::kVRcpIflag, F, F);
  r(36, "v_rsq_f32", Sem::kVRsq, F, F);
  r(37, "v_rcp_f64", Sem::kVRcp, E, E);
  r(38, "v_rsq_f64", Sem::kVRsq, E, E);
  r(39, "v_sqrt_f32", Sem::kVSqrt, F, F);
  r(40, "v_sqrt_f64", Sem::kVSqrt, E, E);
  r(41, "v_sin_f32", Sem::kVSin, F, F);
  r(42, "v_cos_f32", Sem::kVCos, F, F);
  r(43, "v_not_b32", Sem::kVNot, U, U);
  r(44, "v_bfrev_b32", Sem::kVBfrev, U, U);
  r(45, "v_ffbh_u32", Sem::kVFfbh, U, U);
  r(46, "v_ffbl_b32", Sem::kVFfbl, U, U);
  r(47, "v_ffbh_i32", Sem::kVFfbhI32, U, I);
  r(48, "v_frexp_exp_i32_f64", Sem::kVFrexpExp, I, E);
  r(49, "v_frexp_mant_f64", Sem::kVFrexpMant, E, E);
  r(50, "v_fract_f64", Sem::kVFract, E, E);
  r(51, "v_frexp_exp_i32_f32", Sem::kVFrexpExp, I, F);
  r(52, "v_frexp_mant_f32", Sem::kVFrexpMant, F, F);
  r(53, "v_clrexcp", Sem::kNone, N, N, 0, kOpNoSuffix);
  if (gfx940) r(56, "v_mov_b64", Sem::kVMov64, D, D);
  r(57, "v_cvt_f16_u16", Sem::kNone, H, W);
  r(58, "v_cvt_f16_i16", Sem::kNone, H, W);
  r(59, "v_cvt_u16_f16", Sem::kNone, W, H);
  r(60, "v_cvt_i16_f16", Sem::kNone, W, H);
  r(61, "v_rcp_f16", Sem::kNone, H, H);
  r(62, "v_sqrt_f16", Sem::kNone, H, H);
  r(63, "v_rsq_f16", Sem::kNone, H, H);
  r(64, "v_log_f16", Sem::kNone, H, H);
  r(65, "v_exp_f16", Sem::kNone, H, H);
  r(81, "v_swap_b32", Sem::kNone, U, U, 0, kOpNoSuffix | kOpNoVop3);
  r(82, "v_accvgpr_mov_b32", Sem::kVAccMov, U, U, 0, kOpNoSuffix | kOpNoVop3);
}

// VOP2 (also reachable through VOP3 at 0x100 + op).
void vop2(TableBuilder& b, bool gfx940) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, uint16_t flags = 0,
               T c2 = N) {
    b.add(Encoding::kVop2, {op, name, s, d, {a, c, c2}, 0, flags});
  };
  r(0, "v_cndmask_b32", Sem::kVCndmask, U, U, U, kOpCarryIn, M);
  r(1, "v_add_f32", Sem::kVAddF, F, F, F);
  r(2, "v_sub_f32", Sem::kVSubF, F, F, F);
  r(3, "v_subrev_f32", Sem::kVSubrevF, F, F, F);
  r(4, "v_fmac_f64", Sem::kVFmac, E, E, E);
  r(5, "v_mul_f32", Sem::kVMulF, F, F, F);
  r(6, "v_mul_i32_i24", Sem::kVMulI24, I, I, I);
  r(7, "v_mul_hi_i32_i24", Sem::kVMulHiI24, I, I, I);
  r(8, "v_mul_u32_u24", Sem::kVMulU24, U, U, U);
  r(9, "v_mul_hi_u32_u24", Sem::kVMulHiU24, U, U, U);
  r(10, "v_min_f32", Sem::kVMinF, F, F, F);
  r(11, "v_max_f32", Sem::kVMaxF, F, F, F);
  r(12, "v_min_i32", Sem::kVMinI, I, I, I);
  r(13, "v_max_i32", Sem::kVMaxI, I, I, I);
  r(14, "v_min_u32", Sem::kVMinU, U, U, U);
  r(15, "v_max_u32", Sem::kVMaxU, U, U, U);
  r(16, "v_lshrrev_b32", Sem::kVLshr, U, U, U);
  r(17, "v_ashrrev_i32", Sem::kVAshr, I, U, I);
  r(18, "v_lshlrev_b32", Sem::kVLshl, U, U, U);
  r(19, "v_and_b32", Sem::kVAnd, U, U, U);
  r(20, "v_or_b32", Sem::kVOr, U, U, U);
  r(21, "v_xor_b32", Sem::kVXor, U, U, U);
  if (gfx940) {
    r(23, "v_fmamk_f32", Sem::kVFmamk, F, F, F, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
    r(24, "v_fmaak_f32", Sem::kVFmaak, F, F, F, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  } else {
    r(22, "v_mac_f32", Sem::kNone, F, F, F);
    r(23, "v_madmk_f32", Sem::kNone, F, F, F, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
    r(24, "v_madak_f32", Sem::kNone, F, F, F, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  }
  r(25, "v_add_co_u32", Sem::kVAddCo, U, U, U, kOpCarryOut | kOpVop3b);
  r(26, "v_sub_co_u32", Sem::kVSubCo, U, U, U, kOpCarryOut | kOpVop3b);
  r(27, "v_subrev_co_u32", Sem::kVSubrevCo, U, U, U, kOpCarryOut | kOpVop3b);
  r(28, "v_addc_co_u32", Sem::kVAddc, U, U, U, kOpCarryIn | kOpCarryOut | kOpVop3b, M);
  r(29, "v_subb_co_u32", Sem::kVSubb, U, U, U, kOpCarryIn | kOpCarryOut | kOpVop3b, M);
  r(30, "v_subbrev_co_u32", Sem::kVSubbrev, U, U, U, kOpCarryIn | kOpCarryOut | kOpVop3b, M);
  const char* h[] = {"v_add_f16",     "v_sub_f16",     "v_subrev_f16", "v_mul_f16",
                     "v_mac_f16",     nullptr,         nullptr,        "v_add_u16",
                     "v_sub_u16",     "v_subrev_u16",  "v_mul_lo_u16", "v_lshlrev_b16",
                     "v_lshrrev_b16", "v_ashrrev_i16", "v_max_f16",    "v_min_f16",
                     "v_max_u16",     "v_max_i16",     "v_min_u16",    "v_min_i16",
                     "v_ldexp_f16"};
  for (int i = 0; i < 21; ++i) {
    if (h[i]) r(31 + i, h[i], Sem::kNone, W, W, W);
  }
  r(36, "v_madmk_f16", Sem::kNone, H, H, H, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  r(37, "v_madak_f16", Sem::kNone, H, H, H, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  r(52, "v_add_u32", Sem::kVAddU, U, U, U);
  r(53, "v_sub_u32", Sem::kVSubU, U, U, U);
  r(54, "v_subrev_u32", Sem::kVSubrevU, U, U, U);
  r(55, "v_dot2c_f32_f16", Sem::kNone, F, U, U);
  r(56, "v_dot2c_i32_i16", Sem::kNone, I, U, U);
  r(57, "v_dot4c_i32_i8", Sem::kNone, I, U, U);
  r(58, "v_dot8c_i32_i4", Sem::kNone, I, U, U);
  r(59, "v_fmac_f32", Sem::kVFmac, F, F, F);
  r(60, "v_pk_fmac_f16", Sem::kNone, U, U, U, kOpNoVop3);
  r(61, "v_xnor_b32", Sem::kVXnor, U, U, U);
}

// VOPC: compares generated from the regular opcode layout of VOPCInstructions.td (*_vi):
// class 0x10-0x15; float compares f16 0x20, f32 0x40, f64 0x60 (+0x10 for v_cmpx);
// integer compares i16 0xA0, u16 0xA8, i32 0xC0, u32 0xC8, i64 0xE0, u64 0xE8 (+0x10 v_cmpx).
void vopc(TableBuilder& b) {
  // class: src1 is a 32-bit mask of classes.
  b.add(Encoding::kVopc, {0x10, "v_cmp_class_f32", Sem::kVCmpClass, M, {F, U, N}, 0, 0});
  b.add(Encoding::kVopc, {0x11, "v_cmpx_class_f32", Sem::kVCmpClass, M, {F, U, N}, 0, kOpCmpx});
  b.add(Encoding::kVopc, {0x12, "v_cmp_class_f64", Sem::kVCmpClass, M, {E, U, N}, 0, 0});
  b.add(Encoding::kVopc, {0x13, "v_cmpx_class_f64", Sem::kVCmpClass, M, {E, U, N}, 0, kOpCmpx});
  b.add(Encoding::kVopc, {0x14, "v_cmp_class_f16", Sem::kNone, M, {H, U, N}, 0, 0});
  b.add(Encoding::kVopc, {0x15, "v_cmpx_class_f16", Sem::kNone, M, {H, U, N}, 0, kOpCmpx});
  const char* fc[] = {"f", "lt",  "eq",  "le",  "gt",  "lg",  "ge",  "o",
                      "u", "nge", "nlg", "ngt", "nle", "neq", "nlt", "tru"};
  struct FT {
    uint16_t base;
    const char* suffix;
    T type;
  };
  for (FT ft : {FT{0x20, "f16", H}, FT{0x40, "f32", F}, FT{0x60, "f64", E}}) {
    for (uint8_t c = 0; c < 16; ++c) {
      for (int x = 0; x < 2; ++x) {
        std::string name = std::string(x ? "v_cmpx_" : "v_cmp_") + fc[c] + "_" + ft.suffix;
        b.add(Encoding::kVopc, {static_cast<uint16_t>(ft.base + 0x10 * x + c),
                                b.name(name),
                                ft.type == H ? Sem::kNone : Sem::kVCmp,
                                M,
                                {ft.type, ft.type, N},
                                c,
                                static_cast<uint16_t>(x ? kOpCmpx : 0)});
      }
    }
  }
  const char* ic[] = {"f", "lt", "eq", "le", "gt", "ne", "ge", "t"};
  struct IT {
    uint16_t base;
    const char* suffix;
    T type;
  };
  for (IT it : {IT{0xA0, "i16", W}, IT{0xA8, "u16", W}, IT{0xC0, "i32", I}, IT{0xC8, "u32", U},
                IT{0xE0, "i64", L}, IT{0xE8, "u64", D}}) {
    for (uint8_t c = 0; c < 8; ++c) {
      for (int x = 0; x < 2; ++x) {
        std::string name = std::string(x ? "v_cmpx_" : "v_cmp_") + ic[c] + "_" + it.suffix;
        // Integer "t" (true) shares the float "o" slot in Cond numbering; map it to kTru.
        const uint8_t cond = c == 7 ? k(Cond::kTru) : c;
        b.add(Encoding::kVopc, {static_cast<uint16_t>(it.base + 0x10 * x + c),
                                b.name(name),
                                it.type == W ? Sem::kNone : Sem::kVCmp,
                                M,
                                {it.type, it.type, N},
                                cond,
                                static_cast<uint16_t>(x ? kOpCmpx : 0)});
      }
    }
  }
}

// VOP3-only opcodes (VOP3 0x1C0-0x2FF).
void vop3(TableBuilder& b, bool gfx940) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, T e, uint8_t aux = 0,
               uint16_t flags = 0) {
    b.add(Encoding::kVop3, {op, name, s, d, {a, c, e}, aux, flags});
  };
  r(0x1c2, "v_mad_i32_i24", Sem::kVMadI24, I, I, I, I);
  r(0x1c3, "v_mad_u32_u24", Sem::kVMadU24, U, U, U, U);
  r(0x1c4, "v_cubeid_f32", Sem::kNone, F, F, F, F);
  r(0x1c5, "v_cubesc_f32", Sem::kNone, F, F, F, F);
  r(0x1c6, "v_cubetc_f32", Sem::kNone, F, F, F, F);
  r(0x1c7, "v_cubema_f32", Sem::kNone, F, F, F, F);
  r(0x1c8, "v_bfe_u32", Sem::kVBfeU, U, U, U, U);
  r(0x1c9, "v_bfe_i32", Sem::kVBfeI, I, I, U, U);
  r(0x1ca, "v_bfi_b32", Sem::kVBfi, U, U, U, U);
  r(0x1cb, "v_fma_f32", Sem::kVFma, F, F, F, F);
  r(0x1cc, "v_fma_f64", Sem::kVFma, E, E, E, E);
  r(0x1cd, "v_lerp_u8", Sem::kNone, U, U, U, U);
  r(0x1ce, "v_alignbit_b32", Sem::kVAlignbit, U, U, U, U);
  r(0x1cf, "v_alignbyte_b32", Sem::kVAlignbyte, U, U, U, U);
  r(0x1d0, "v_min3_f32", Sem::kVMin3F, F, F, F, F);
  r(0x1d1, "v_min3_i32", Sem::kVMin3I, I, I, I, I);
  r(0x1d2, "v_min3_u32", Sem::kVMin3U, U, U, U, U);
  r(0x1d3, "v_max3_f32", Sem::kVMax3F, F, F, F, F);
  r(0x1d4, "v_max3_i32", Sem::kVMax3I, I, I, I, I);
  r(0x1d5, "v_max3_u32", Sem::kVMax3U, U, U, U, U);
  r(0x1d6, "v_med3_f32", Sem::kVMed3F, F, F, F, F);
  r(0x1d7, "v_med3_i32", Sem::kVMed3I, I, I, I, I);
  r(0x1d8, "v_med3_u32", Sem::kVMed3U, U, U, U, U);
  r(0x1d9, "v_sad_u8", Sem::kNone, U, U, U, U);
  r(0x1da, "v_sad_hi_u8", Sem::kNone, U, U, U, U);
  r(0x1db, "v_sad_u16", Sem::kNone, U, U, U, U);
  r(0x1dc, "v_sad_u32", Sem::kNone, U, U, U, U);
  r(0x1dd, "v_cvt_pk_u8_f32", Sem::kNone, U, F, U, U);
  r(0x1de, "v_div_fixup_f32", Sem::kVDivFixup, F, F, F, F);
  r(0x1df, "v_div_fixup_f64", Sem::kVDivFixup, E, E, E, E);
  r(0x1e0, "v_div_scale_f32", Sem::kVDivScale, F, F, F, F, 0, kOpVop3b);
  r(0x1e1, "v_div_scale_f64", Sem::kVDivScale, E, E, E, E, 0, kOpVop3b);
  r(0x1e2, "v_div_fmas_f32", Sem::kVDivFmas, F, F, F, F);
  r(0x1e3, "v_div_fmas_f64", Sem::kVDivFmas, E, E, E, E);
  r(0x1e4, "v_msad_u8", Sem::kNone, U, U, U, U);
  r(0x1e8, "v_mad_u64_u32", Sem::kVMadU64U32, D, U, U, D, 0, kOpVop3b);
  r(0x1e9, "v_mad_i64_i32", Sem::kVMadI64I32, L, I, I, L, 0, kOpVop3b);
  r(0x1ed, "v_perm_b32", Sem::kVPerm, U, U, U, U);
  r(0x1f3, "v_xad_u32", Sem::kVXad, U, U, U, U);
  r(0x1fd, "v_lshl_add_u32", Sem::kVLshlAdd, U, U, U, U);
  r(0x1fe, "v_add_lshl_u32", Sem::kVAddLshl, U, U, U, U);
  r(0x1ff, "v_add3_u32", Sem::kVAdd3, U, U, U, U);
  r(0x200, "v_lshl_or_b32", Sem::kVLshlOr, U, U, U, U);
  r(0x201, "v_and_or_b32", Sem::kVAndOr, U, U, U, U);
  r(0x202, "v_or3_b32", Sem::kVOr3, U, U, U, U);
  if (gfx940) r(0x208, "v_lshl_add_u64", Sem::kVLshlAdd64, D, D, U, D);
  r(0x280, "v_add_f64", Sem::kVAddF, E, E, E, N);
  r(0x281, "v_mul_f64", Sem::kVMulF, E, E, E, N);
  r(0x282, "v_min_f64", Sem::kVMinF, E, E, E, N);
  r(0x283, "v_max_f64", Sem::kVMaxF, E, E, E, N);
  r(0x284, "v_ldexp_f64", Sem::kVLdexp, E, E, I, N);
  r(0x285, "v_mul_lo_u32", Sem::kVMulLo, U, U, U, N);
  r(0x286, "v_mul_hi_u32", Sem::kVMulHiU, U, U, U, N);
  r(0x287, "v_mul_hi_i32", Sem::kVMulHiI, I, I, I, N);
  r(0x288, "v_ldexp_f32", Sem::kVLdexp, F, F, I, N);
  r(0x289, "v_readlane_b32", Sem::kVReadlane, U, U, U, N);
  r(0x28a, "v_writelane_b32", Sem::kVWritelane, U, U, U, N);
  r(0x28b, "v_bcnt_u32_b32", Sem::kVBcnt, U, U, U, N);
  r(0x28c, "v_mbcnt_lo_u32_b32", Sem::kVMbcntLo, U, U, U, N);
  r(0x28d, "v_mbcnt_hi_u32_b32", Sem::kVMbcntHi, U, U, U, N);
  r(0x28f, "v_lshlrev_b64", Sem::kVLshlrev64, D, U, D, N);
  r(0x290, "v_lshrrev_b64", Sem::kVLshrrev64, D, U, D, N);
  r(0x291, "v_ashrrev_i64", Sem::kVAshrrev64, L, U, L, N);
  r(0x292, "v_trig_preop_f64", Sem::kNone, E, E, U, N);
  r(0x293, "v_bfm_b32", Sem::kVBfm, U, U, U, N);
  r(0x294, "v_cvt_pknorm_i16_f32", Sem::kNone, U, F, F, N);
  r(0x295, "v_cvt_pknorm_u16_f32", Sem::kNone, U, F, F, N);
  r(0x296, "v_cvt_pkrtz_f16_f32", Sem::kNone, U, F, F, N);
  r(0x297, "v_cvt_pk_u16_u32", Sem::kNone, U, U, U, N);
  r(0x298, "v_cvt_pk_i16_i32", Sem::kNone, U, I, I, N);
  r(0x29c, "v_add_i32", Sem::kVAddI, I, I, I, N);
  r(0x29d, "v_sub_i32", Sem::kVSubI, I, I, I, N);
  r(0x2a0, "v_pack_b32_f16", Sem::kNone, U, H, H, N);
  r(0x2a1, "v_mul_legacy_f32", Sem::kNone, F, F, F, N);
}

// VOP3P (7-bit opcode; gfx90a/gfx940 records of VOP3PInstructions.td).
void vop3p(TableBuilder& b, bool has_agprs) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, T e) {
    b.add(Encoding::kVop3p, {op, name, s, d, {a, c, e}, 0, 0});
  };
  r(0x00, "v_pk_mad_i16", Sem::kNone, U, U, U, U);
  r(0x0e, "v_pk_fma_f16", Sem::kNone, U, U, U, U);
  r(0x20, "v_fma_mix_f32", Sem::kNone, F, U, U, U);
  r(0x21, "v_fma_mixlo_f16", Sem::kNone, U, U, U, U);
  r(0x22, "v_fma_mixhi_f16", Sem::kNone, U, U, U, U);
  r(0x30, "v_pk_fma_f32", Sem::kVPkFmaF32, D, D, D, D);
  r(0x31, "v_pk_mul_f32", Sem::kVPkMulF32, D, D, D, N);
  r(0x32, "v_pk_add_f32", Sem::kVPkAddF32, D, D, D, N);
  r(0x33, "v_pk_mov_b32", Sem::kVPkMov, D, D, D, N);
  if (has_agprs) {
    r(0x58, "v_accvgpr_read_b32", Sem::kVAccRead, U, U, N, N);
    r(0x59, "v_accvgpr_write_b32", Sem::kVAccWrite, U, U, N, N);
  }
}

void ds(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, uint8_t aux, uint16_t flags = 0) {
    b.add(Encoding::kDs, {op, name, s, N, {N, N, N}, aux, flags});
  };
  // Atomics without return 0-12 (u32) and 64-76 (u64), with return at +32.
  struct A {
    uint16_t op;
    const char* stem;
    AtomicKind kind;
  };
  const A a32[] = {{0, "add_u32", AtomicKind::kAdd},   {1, "sub_u32", AtomicKind::kSub},
                   {2, "rsub_u32", AtomicKind::kRsub}, {3, "inc_u32", AtomicKind::kInc},
                   {4, "dec_u32", AtomicKind::kDec},   {5, "min_i32", AtomicKind::kSMin},
                   {6, "max_i32", AtomicKind::kSMax},  {7, "min_u32", AtomicKind::kUMin},
                   {8, "max_u32", AtomicKind::kUMax},  {9, "and_b32", AtomicKind::kAnd},
                   {10, "or_b32", AtomicKind::kOr},    {11, "xor_b32", AtomicKind::kXor}};
  for (const A& a : a32) {
    r(a.op, b.name(std::string("ds_") + a.stem), Sem::kDsAtomic, k(a.kind));
    std::string stem = a.stem;
    const size_t us = stem.find('_');
    std::string rtn = "ds_" + stem.substr(0, us) + "_rtn" + stem.substr(us);
    r(a.op + 32, b.name(rtn), Sem::kDsAtomic, k(a.kind), kOpReturns);
    std::string stem64 =
        stem.substr(0, us) + (stem.substr(us) == "_b32" ? "_b64" : stem.substr(us, 2) + "64");
    r(a.op + 64, b.name("ds_" + stem64), Sem::kDsAtomic, k(a.kind), kOp64);
    const size_t us64 = stem64.find('_');
    r(a.op + 96, b.name("ds_" + stem64.substr(0, us64) + "_rtn" + stem64.substr(us64)),
      Sem::kDsAtomic, k(a.kind), kOp64 | kOpReturns);
  }
  r(12, "ds_mskor_b32", Sem::kNone, 0);
  r(13, "ds_write_b32", Sem::kDsWrite, k(MemKind::kB32));
  r(14, "ds_write2_b32", Sem::kDsWrite2, k(MemKind::kB32));
  r(15, "ds_write2st64_b32", Sem::kDsWrite2, k(MemKind::kB32), kOpSt64);
  r(16, "ds_cmpst_b32", Sem::kNone, 0);
  r(17, "ds_cmpst_f32", Sem::kNone, 0);
  r(18, "ds_min_f32", Sem::kDsAtomic, k(AtomicKind::kMinF32));
  r(19, "ds_max_f32", Sem::kDsAtomic, k(AtomicKind::kMaxF32));
  r(20, "ds_nop", Sem::kDsNop, 0);
  r(21, "ds_add_f32", Sem::kDsAtomic, k(AtomicKind::kAddF32));
  r(30, "ds_write_b8", Sem::kDsWrite, k(MemKind::kU8));
  r(31, "ds_write_b16", Sem::kDsWrite, k(MemKind::kU16));
  r(45, "ds_wrxchg_rtn_b32", Sem::kDsAtomic, k(AtomicKind::kSwap), kOpReturns);
  r(48, "ds_cmpst_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(50, "ds_min_rtn_f32", Sem::kDsAtomic, k(AtomicKind::kMinF32), kOpReturns);
  r(51, "ds_max_rtn_f32", Sem::kDsAtomic, k(AtomicKind::kMaxF32), kOpReturns);
  r(53, "ds_add_rtn_f32", Sem::kDsAtomic, k(AtomicKind::kAddF32), kOpReturns);
  r(54, "ds_read_b32", Sem::kDsRead, k(MemKind::kB32));
  r(55, "ds_read2_b32", Sem::kDsRead2, k(MemKind::kB32));
  r(56, "ds_read2st64_b32", Sem::kDsRead2, k(MemKind::kB32), kOpSt64);
  r(57, "ds_read_i8", Sem::kDsRead, k(MemKind::kI8));
  r(58, "ds_read_u8", Sem::kDsRead, k(MemKind::kU8));
  r(59, "ds_read_i16", Sem::kDsRead, k(MemKind::kI16));
  r(60, "ds_read_u16", Sem::kDsRead, k(MemKind::kU16));
  r(61, "ds_swizzle_b32", Sem::kNone, 0);
  r(62, "ds_permute_b32", Sem::kDsPermute, 0);
  r(63, "ds_bpermute_b32", Sem::kDsBpermute, 0);
  r(77, "ds_write_b64", Sem::kDsWrite, k(MemKind::kB64));
  r(78, "ds_write2_b64", Sem::kDsWrite2, k(MemKind::kB64));
  r(79, "ds_write2st64_b64", Sem::kDsWrite2, k(MemKind::kB64), kOpSt64);
  r(92, "ds_add_f64", Sem::kDsAtomic, k(AtomicKind::kAddF64), kOp64);
  r(109, "ds_wrxchg_rtn_b64", Sem::kDsAtomic, k(AtomicKind::kSwap), kOp64 | kOpReturns);
  r(118, "ds_read_b64", Sem::kDsRead, k(MemKind::kB64));
  r(119, "ds_read2_b64", Sem::kDsRead2, k(MemKind::kB64));
  r(120, "ds_read2st64_b64", Sem::kDsRead2, k(MemKind::kB64), kOpSt64);
  r(124, "ds_add_rtn_f64", Sem::kDsAtomic, k(AtomicKind::kAddF64), kOp64 | kOpReturns);
  r(222, "ds_write_b96", Sem::kDsWrite, k(MemKind::kB96));
  r(223, "ds_write_b128", Sem::kDsWrite, k(MemKind::kB128));
  r(254, "ds_read_b96", Sem::kDsRead, k(MemKind::kB96));
  r(255, "ds_read_b128", Sem::kDsRead, k(MemKind::kB128));
}

// FLAT, GLOBAL and SCRATCH share opcode numbers (FLATInstructions.td *_vi); atomics exist for
// FLAT and GLOBAL only. MUBUF's untyped loads and stores have the same numbers
// (BUFInstructions.td "MUBUF_Real_vi"); its atomics are not in the tables.
void flat(TableBuilder& b, Encoding enc, const char* prefix) {
  auto r = [&](uint16_t op, const std::string& stem, Sem s, uint8_t aux, uint16_t flags = 0) {
    b.add(enc, {op, b.name(prefix + stem), s, N, {N, N, N}, aux, flags});
  };
  r(16, "load_ubyte", Sem::kMemLoad, k(MemKind::kU8));
  r(17, "load_sbyte", Sem::kMemLoad, k(MemKind::kI8));
  r(18, "load_ushort", Sem::kMemLoad, k(MemKind::kU16));
  r(19, "load_sshort", Sem::kMemLoad, k(MemKind::kI16));
  r(20, "load_dword", Sem::kMemLoad, k(MemKind::kB32));
  r(21, "load_dwordx2", Sem::kMemLoad, k(MemKind::kB64));
  r(22, "load_dwordx3", Sem::kMemLoad, k(MemKind::kB96));
  r(23, "load_dwordx4", Sem::kMemLoad, k(MemKind::kB128));
  r(24, "store_byte", Sem::kMemStore, k(MemKind::kU8));
  r(25, "store_byte_d16_hi", Sem::kMemStore, k(MemKind::kB8D16Hi));
  r(26, "store_short", Sem::kMemStore, k(MemKind::kU16));
  r(27, "store_short_d16_hi", Sem::kMemStore, k(MemKind::kB16D16HiStore));
  r(28, "store_dword", Sem::kMemStore, k(MemKind::kB32));
  r(29, "store_dwordx2", Sem::kMemStore, k(MemKind::kB64));
  r(30, "store_dwordx3", Sem::kMemStore, k(MemKind::kB96));
  r(31, "store_dwordx4", Sem::kMemStore, k(MemKind::kB128));
  r(32, "load_ubyte_d16", Sem::kMemLoad, k(MemKind::kU8D16));
  r(33, "load_ubyte_d16_hi", Sem::kMemLoad, k(MemKind::kU8D16Hi));
  r(34, "load_sbyte_d16", Sem::kMemLoad, k(MemKind::kI8D16));
  r(35, "load_sbyte_d16_hi", Sem::kMemLoad, k(MemKind::kI8D16Hi));
  r(36, "load_short_d16", Sem::kMemLoad, k(MemKind::kB16D16));
  r(37, "load_short_d16_hi", Sem::kMemLoad, k(MemKind::kB16D16Hi));
  if (enc == Encoding::kScratch || enc == Encoding::kMubuf) return;
  struct A {
    uint16_t op;
    const char* stem;
    AtomicKind kind;
  };
  const A atomics[] = {{64, "swap", AtomicKind::kSwap}, {65, "cmpswap", AtomicKind::kCmpSwap},
                       {66, "add", AtomicKind::kAdd},   {67, "sub", AtomicKind::kSub},
                       {68, "smin", AtomicKind::kSMin}, {69, "umin", AtomicKind::kUMin},
                       {70, "smax", AtomicKind::kSMax}, {71, "umax", AtomicKind::kUMax},
                       {72, "and", AtomicKind::kAnd},   {73, "or", AtomicKind::kOr},
                       {74, "xor", AtomicKind::kXor},   {75, "inc", AtomicKind::kInc},
                       {76, "dec", AtomicKind::kDec}};
  for (const A& a : atomics) {
    r(a.op, std::string("atomic_") + a.stem, Sem::kMemAtomic, k(a.kind));
    r(a.op + 32, std::string("atomic_") + a.stem + "_x2", Sem::kMemAtomic, k(a.kind), kOp64);
  }
  r(77, "atomic_add_f32", Sem::kMemAtomic, k(AtomicKind::kAddF32));
  r(78, "atomic_pk_add_f16", Sem::kNone, 0);
  r(79, "atomic_add_f64", Sem::kMemAtomic, k(AtomicKind::kAddF64), kOp64);
  r(80, "atomic_min_f64", Sem::kMemAtomic, k(AtomicKind::kMinF64), kOp64);
  r(81, "atomic_max_f64", Sem::kMemAtomic, k(AtomicKind::kMaxF64), kOp64);
  r(82, "atomic_pk_add_bf16", Sem::kNone, 0);
}

// MUBUF cache controls (BUFInstructions.td): L1 write-back/invalidate on all GFX9, L2
// write-back and invalidate on gfx90a (buffer_wbl2 0x28, buffer_invl2 0x29; gfx940 renames
// 0x29 buffer_inv). The interpreter has no caches: all are no-ops.
void mubuf_cache(TableBuilder& b, bool gfx940) {
  auto r = [&](uint16_t op, std::string_view name) {
    b.add(Encoding::kMubuf, {op, name, Sem::kCacheInv, N, {N, N, N}, 0, 0});
  };
  r(0x28, "buffer_wbl2");
  r(0x29, gfx940 ? "buffer_inv" : "buffer_invl2");
  r(0x3E, "buffer_wbinvl1");
  r(0x3F, "buffer_wbinvl1_vol");
}

}  // namespace

void build_gfx9_tables(const IsaTarget& target, TableBuilder& b) {
  const bool gfx940 = target.gfx940_encodings;
  sop2(b);
  sopk(b);
  sop1(b);
  sopc(b);
  sopp(b);
  smem(b);
  vop1(b, gfx940);
  vop2(b, gfx940);
  vopc(b);
  vop3(b, gfx940);
  vop3p(b, target.has_agprs);
  ds(b);
  flat(b, Encoding::kFlat, "flat_");
  flat(b, Encoding::kGlobal, "global_");
  flat(b, Encoding::kScratch, "scratch_");
  flat(b, Encoding::kMubuf, "buffer_");
  mubuf_cache(b, gfx940);
  // VOP3 forms of VOPC (0x000-0x0FF), VOP2 (0x100 + op) and VOP1 (0x140 + op) ops.
  b.add_vop3_forms(Encoding::kVopc, 0x000);
  b.add_vop3_forms(Encoding::kVop2, 0x100);
  b.add_vop3_forms(Encoding::kVop1, 0x140);
}

}  // namespace amdhal::sim::isa::detail
