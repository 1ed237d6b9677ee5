// RDNA3 instruction tables (gfx1100-gfx1103): opcode numbers of the *_gfx11 encoding records in
// LLVM's lib/Target/AMDGPU/{SOPInstructions,SMInstructions,VOP1Instructions,VOP2Instructions,
// VOP3Instructions,VOP3PInstructions,VOPCInstructions,VOPDInstructions,DSInstructions,
// FLATInstructions,BUFInstructions}.td, mnemonics as in llvm/docs/AMDGPU/AMDGPUAsmGFX11.rst,
// semantics from the "RDNA3 Instruction Set Architecture" guide (chapter 16 "Instructions").
// Every row is checked against llvm-mc-19 --disassemble --mcpu=gfx1100
// (SimIsaDecode.Gfx11TableRowsAgreeWithLlvmMc) and the corpus against llvm-objdump-19.
//
// The semantics ids are shared with gfx9: a gfx11 op gets an existing Sem only where the RDNA3
// guide gives it the same behaviour (renamed ops such as v_add_nc_u32 = v_add_u32,
// v_clz_i32_u32 = v_ffbh_u32, s_and_not1_b32 = s_andn2_b32, s_ctz_i32_b32 = s_ff1_i32_b32);
// anything else is Sem::kNone (decoded, an illegal-instruction fault when executed).
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
  r(6, "s_absdiff_i32", Sem::kSAbsdiff, U, I, I);
  r(8, "s_lshl_b32", Sem::kSLshl, U, U, U);
  r(9, "s_lshl_b64", Sem::kSLshl, D, D, U);
  r(10, "s_lshr_b32", Sem::kSLshr, U, U, U);
  r(11, "s_lshr_b64", Sem::kSLshr, D, D, U);
  r(12, "s_ashr_i32", Sem::kSAshr, I, I, U);
  r(13, "s_ashr_i64", Sem::kSAshr, L, L, U);
  for (uint8_t s = 1; s <= 4; ++s) {
    r(13 + s, b.name("s_lshl" + std::to_string(s) + "_add_u32"), Sem::kSLshlAdd, U, U, U, s);
  }
  r(18, "s_min_i32", Sem::kSMinI, I, I, I);
  r(19, "s_min_u32", Sem::kSMinU, U, U, U);
  r(20, "s_max_i32", Sem::kSMaxI, I, I, I);
  r(21, "s_max_u32", Sem::kSMaxU, U, U, U);
  const char* logic[] = {"and", "or", "xor", "nand", "nor", "xnor", "and_not1", "or_not1"};
  const Sem logic_sem[] = {Sem::kSAnd, Sem::kSOr,   Sem::kSXor,   Sem::kSNand,
                           Sem::kSNor, Sem::kSXnor, Sem::kSAndn2, Sem::kSOrn2};
  for (int i = 0; i < 8; ++i) {
    r(22 + 2 * i, b.name(std::string("s_") + logic[i] + "_b32"), logic_sem[i], U, U, U);
    r(23 + 2 * i, b.name(std::string("s_") + logic[i] + "_b64"), logic_sem[i], D, D, D);
  }
  r(38, "s_bfe_u32", Sem::kSBfeU, U, U, U);
  r(39, "s_bfe_i32", Sem::kSBfeI, I, I, U);
  r(40, "s_bfe_u64", Sem::kSBfeU, D, D, U);
  r(41, "s_bfe_i64", Sem::kSBfeI, L, L, U);
  r(42, "s_bfm_b32", Sem::kSBfm, U, U, U);
  r(43, "s_bfm_b64", Sem::kSBfm, D, U, U);
  r(44, "s_mul_i32", Sem::kSMulI32, I, I, I);
  r(45, "s_mul_hi_u32", Sem::kSMulHiU32, U, U, U);
  r(46, "s_mul_hi_i32", Sem::kSMulHiI32, I, I, I);
  r(48, "s_cselect_b32", Sem::kSCselect, U, U, U);
  r(49, "s_cselect_b64", Sem::kSCselect, D, D, D);
  r(50, "s_pack_ll_b32_b16", Sem::kSPackLL, U, U, U);
  r(51, "s_pack_lh_b32_b16", Sem::kSPackLH, U, U, U);
  r(52, "s_pack_hh_b32_b16", Sem::kSPackHH, U, U, U);
  r(53, "s_pack_hl_b32_b16", Sem::kNone, U, U, U);
}

void sopk(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, uint8_t aux = 0,
               uint16_t flags = 0) {
    b.add(Encoding::kSopk, {op, name, s, d, {N, N, N}, aux, flags});
  };
  r(0, "s_movk_i32", Sem::kSMovk, I);
  r(1, "s_version", Sem::kSIgnored, N);
  r(2, "s_cmovk_i32", Sem::kSCmovk, I);
  const char* conds[] = {"eq", "lg", "gt", "ge", "lt", "le"};
  const Cond cc[] = {Cond::kEq, Cond::kLg, Cond::kGt, Cond::kGe, Cond::kLt, Cond::kLe};
  for (int i = 0; i < 6; ++i) {
    r(3 + i, b.name(std::string("s_cmpk_") + conds[i] + "_i32"), Sem::kSCmpk, I, k(cc[i]),
      kOpSrc0Sgpr);
    r(9 + i, b.name(std::string("s_cmpk_") + conds[i] + "_u32"), Sem::kSCmpk, U, k(cc[i]),
      kOpSrc0Sgpr);
  }
  r(15, "s_addk_i32", Sem::kSAddk, I);
  r(16, "s_mulk_i32", Sem::kSMulk, I);
  r(17, "s_getreg_b32", Sem::kSGetreg, U);
  r(18, "s_setreg_b32", Sem::kNone, U);
  r(19, "s_setreg_imm32_b32", Sem::kNone, N, 0, kOpKLiteral);
  r(20, "s_call_b64", Sem::kNone, D);
  r(22, "s_subvector_loop_begin", Sem::kNone, U);
  r(23, "s_subvector_loop_end", Sem::kNone, U);
  // The split counters of gfx10+: an in-order interpreter has nothing outstanding to wait for.
  r(24, "s_waitcnt_vscnt", Sem::kSWaitcnt, N);
  r(25, "s_waitcnt_vmcnt", Sem::kSWaitcnt, N);
  r(26, "s_waitcnt_expcnt", Sem::kSWaitcnt, N);
  r(27, "s_waitcnt_lgkmcnt", Sem::kSWaitcnt, N);
}

void sop1(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, uint8_t aux = 0) {
    b.add(Encoding::kSop1, {op, name, s, d, {a, N, N}, aux, 0});
  };
  r(0, "s_mov_b32", Sem::kSMov, U, U);
  r(1, "s_mov_b64", Sem::kSMov, D, D);
  r(2, "s_cmov_b32", Sem::kSCmov, U, U);
  r(3, "s_cmov_b64", Sem::kSCmov, D, D);
  r(4, "s_brev_b32", Sem::kSBrev, U, U);
  r(5, "s_brev_b64", Sem::kSBrev, D, D);
  r(8, "s_ctz_i32_b32", Sem::kSFf1, U, U);
  r(9, "s_ctz_i32_b64", Sem::kSFf1, U, D);
  r(10, "s_clz_i32_u32", Sem::kSFlbit, U, U);
  r(11, "s_clz_i32_u64", Sem::kSFlbit, U, D);
  r(12, "s_cls_i32", Sem::kSFlbitI32, U, I);
  r(13, "s_cls_i32_i64", Sem::kSFlbitI32, U, L);
  r(14, "s_sext_i32_i8", Sem::kSSextI8, I, U);
  r(15, "s_sext_i32_i16", Sem::kSSextI16, I, U);
  r(16, "s_bitset0_b32", Sem::kSBitset0, U, U);
  r(17, "s_bitset0_b64", Sem::kSBitset0, D, U);
  r(18, "s_bitset1_b32", Sem::kSBitset1, U, U);
  r(19, "s_bitset1_b64", Sem::kSBitset1, D, U);
  r(20, "s_bitreplicate_b64_b32", Sem::kNone, D, U);
  r(21, "s_abs_i32", Sem::kSAbs, I, I);
  r(22, "s_bcnt0_i32_b32", Sem::kSBcnt0, U, U);
  r(23, "s_bcnt0_i32_b64", Sem::kSBcnt0, U, D);
  r(24, "s_bcnt1_i32_b32", Sem::kSBcnt1, U, U);
  r(25, "s_bcnt1_i32_b64", Sem::kSBcnt1, U, D);
  r(26, "s_quadmask_b32", Sem::kNone, U, U);
  r(27, "s_quadmask_b64", Sem::kNone, D, D);
  r(28, "s_wqm_b32", Sem::kNone, U, U);
  r(29, "s_wqm_b64", Sem::kNone, D, D);
  r(30, "s_not_b32", Sem::kSNot, U, U);
  r(31, "s_not_b64", Sem::kSNot, D, D);
  // s_<op>_saveexec_{b32,b64}; aux is the logic op of kSSaveexec (0 and, 1 or, 2 xor, 3 andn2 =
  // and_not1, 4 orn2 = or_not1, 5 nand, 6 nor, 7 xnor, 8 andn1 = and_not0, 9 orn1 = or_not0).
  // The b32 forms are the wave32 ones (EXEC_LO); kMask operands are one SGPR in wave32.
  struct S {
    const char* stem;
    uint8_t aux;
  };
  const S save[] = {{"and", 0},  {"or", 1},       {"xor", 2},     {"nand", 5},     {"nor", 6},
                    {"xnor", 7}, {"and_not0", 8}, {"or_not0", 9}, {"and_not1", 3}, {"or_not1", 4}};
  for (uint8_t i = 0; i < 10; ++i) {
    r(32 + 2 * i, b.name(std::string("s_") + save[i].stem + "_saveexec_b32"), Sem::kSSaveexec, U, U,
      save[i].aux);
    r(33 + 2 * i, b.name(std::string("s_") + save[i].stem + "_saveexec_b64"), Sem::kSSaveexec, D, D,
      save[i].aux);
  }
  // kSWrexec aux 0: EXEC = ~S0 & EXEC (and_not0), aux 1: EXEC = S0 & ~EXEC (and_not1).
  r(52, "s_and_not0_wrexec_b32", Sem::kSWrexec, U, U, 0);
  r(53, "s_and_not0_wrexec_b64", Sem::kSWrexec, D, D, 0);
  r(54, "s_and_not1_wrexec_b32", Sem::kSWrexec, U, U, 1);
  r(55, "s_and_not1_wrexec_b64", Sem::kSWrexec, D, D, 1);
  r(64, "s_movrels_b32", Sem::kNone, U, U);
  r(65, "s_movrels_b64", Sem::kNone, D, D);
  r(66, "s_movreld_b32", Sem::kNone, U, U);
  r(67, "s_movreld_b64", Sem::kNone, D, D);
  r(68, "s_movrelsd_2_b32", Sem::kNone, U, U);
  r(71, "s_getpc_b64", Sem::kSGetpc, D, N);
  r(72, "s_setpc_b64", Sem::kSSetpc, N, D);
  r(73, "s_swappc_b64", Sem::kSSwappc, D, D);
  r(74, "s_rfe_b64", Sem::kNone, N, D);
  r(76, "s_sendmsg_rtn_b32", Sem::kNone, U, N);
  r(77, "s_sendmsg_rtn_b64", Sem::kNone, D, N);
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
  r(16, "s_cmp_eq_u64", Sem::kSCmp, D, D, k(Cond::kEq));
  r(17, "s_cmp_lg_u64", Sem::kSCmp, D, D, k(Cond::kLg));
}

void sopp(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s) {
    b.add(Encoding::kSopp, {op, name, s, N, {N, N, N}, 0, 0});
  };
  r(0, "s_nop", Sem::kSNop);
  r(1, "s_setkill", Sem::kNone);
  r(2, "s_sethalt", Sem::kNone);
  r(3, "s_sleep", Sem::kSIgnored);
  // Scheduling hints without architectural effect in an in-order interpreter (RDNA3 guide 4.5:
  // instruction prefetch, clauses, ALU dependency delays, dependency-counter waits).
  r(4, "s_set_inst_prefetch_distance", Sem::kSIgnored);
  r(5, "s_clause", Sem::kSIgnored);
  r(7, "s_delay_alu", Sem::kSIgnored);
  r(8, "s_waitcnt_depctr", Sem::kSIgnored);
  r(9, "s_waitcnt", Sem::kSWaitcnt);
  r(10, "s_wait_idle", Sem::kSIgnored);
  r(11, "s_wait_event", Sem::kSIgnored);
  r(16, "s_trap", Sem::kNone);
  r(17, "s_round_mode", Sem::kNone);
  r(18, "s_denorm_mode", Sem::kNone);
  r(31, "s_code_end", Sem::kNone);  // padding after the last kernel: never executed
  r(32, "s_branch", Sem::kSBranch);
  r(33, "s_cbranch_scc0", Sem::kSCbranchScc0);
  r(34, "s_cbranch_scc1", Sem::kSCbranchScc1);
  r(35, "s_cbranch_vccz", Sem::kSCbranchVccz);
  r(36, "s_cbranch_vccnz", Sem::kSCbranchVccnz);
  r(37, "s_cbranch_execz", Sem::kSCbranchExecz);
  r(38, "s_cbranch_execnz", Sem::kSCbranchExecnz);
  r(39, "s_cbranch_cdbgsys", Sem::kNone);
  r(40, "s_cbranch_cdbguser", Sem::kNone);
  r(41, "s_cbranch_cdbgsys_or_user", Sem::kNone);
  r(42, "s_cbranch_cdbgsys_and_user", Sem::kNone);
  r(48, "s_endpgm", Sem::kSEndpgm);
  r(49, "s_endpgm_saved", Sem::kNone);
  r(52, "s_wakeup", Sem::kSIgnored);
  r(53, "s_setprio", Sem::kSIgnored);
  r(54, "s_sendmsg", Sem::kSSendmsg);
  r(55, "s_sendmsghalt", Sem::kNone);
  r(56, "s_incperflevel", Sem::kSIgnored);
  r(57, "s_decperflevel", Sem::kSIgnored);
  r(58, "s_ttracedata", Sem::kSIgnored);
  r(59, "s_ttracedata_imm", Sem::kSIgnored);
  r(60, "s_icache_inv", Sem::kSIgnored);
  r(61, "s_barrier", Sem::kSBarrier);
}

void smem(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, MemKind m) {
    b.add(Encoding::kSmem, {op, name, s, U, {D, N, N}, k(m), 0});
  };
  r(0, "s_load_b32", Sem::kSLoad, MemKind::kB32);
  r(1, "s_load_b64", Sem::kSLoad, MemKind::kB64);
  r(2, "s_load_b128", Sem::kSLoad, MemKind::kB128);
  r(3, "s_load_b256", Sem::kSLoad, MemKind::kB256);
  r(4, "s_load_b512", Sem::kSLoad, MemKind::kB512);
  r(8, "s_buffer_load_b32", Sem::kSBufferLoad, MemKind::kB32);
  r(9, "s_buffer_load_b64", Sem::kSBufferLoad, MemKind::kB64);
  r(10, "s_buffer_load_b128", Sem::kSBufferLoad, MemKind::kB128);
  r(11, "s_buffer_load_b256", Sem::kSBufferLoad, MemKind::kB256);
  r(12, "s_buffer_load_b512", Sem::kSBufferLoad, MemKind::kB512);
  r(32, "s_gl1_inv", Sem::kSDcache, MemKind::kB32);
  r(33, "s_dcache_inv", Sem::kSDcache, MemKind::kB32);
}

// VOP1 (also VOP3 at 0x180 + op).
void vop1(TableBuilder& b) {
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
  r(12, "v_cvt_nearest_i32_f32", Sem::kNone, I, F);
  r(13, "v_cvt_floor_i32_f32", Sem::kNone, I, F);
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
  r(28, "v_mov_b16", Sem::kNone, W, W, 0, kOpNoVop3);  // no e64 form in LLVM 19
  r(32, "v_fract_f32", Sem::kVFract, F, F);
  r(33, "v_trunc_f32", Sem::kVTrunc, F, F);
  r(34, "v_ceil_f32", Sem::kVCeil, F, F);
  r(35, "v_rndne_f32", Sem::kVRndne, F, F);
  r(36, "v_floor_f32", Sem::kVFloor, F, F);
  r(37, "v_exp_f32", Sem::kVExp, F, F);
  r(39, "v_log_f32", Sem::kVLog, F, F);
  r(42, "v_rcp_f32", Sem::kVRcp, F, F);
  r(43, "v_rcp_iflag_f32", Sem::kVRcpIflag, F, F);
  r(46, "v_rsq_f32", Sem::kVRsq, F, F);
  r(47, "v_rcp_f64", Sem::kVRcp, E, E);
  r(49, "v_rsq_f64", Sem::kVRsq, E, E);
  r(51, "v_sqrt_f32", Sem::kVSqrt, F, F);
  r(52, "v_sqrt_f64", Sem::kVSqrt, E, E);
  r(53, "v_sin_f32", Sem::kVSin, F, F);
  r(54, "v_cos_f32", Sem::kVCos, F, F);
  r(55, "v_not_b32", Sem::kVNot, U, U);
  r(56, "v_bfrev_b32", Sem::kVBfrev, U, U);
  r(57, "v_clz_i32_u32", Sem::kVFfbh, U, U);
  r(58, "v_ctz_i32_b32", Sem::kVFfbl, U, U);
  r(59, "v_cls_i32", Sem::kVFfbhI32, U, I);
  r(60, "v_frexp_exp_i32_f64", Sem::kVFrexpExp, I, E);
  r(61, "v_frexp_mant_f64", Sem::kVFrexpMant, E, E);
  r(62, "v_fract_f64", Sem::kVFract, E, E);
  r(63, "v_frexp_exp_i32_f32", Sem::kVFrexpExp, I, F);
  r(64, "v_frexp_mant_f32", Sem::kVFrexpMant, F, F);
  r(66, "v_movreld_b32", Sem::kNone, U, U);
  r(67, "v_movrels_b32", Sem::kNone, U, U);
  r(68, "v_movrelsd_b32", Sem::kNone, U, U);
  r(72, "v_movrelsd_2_b32", Sem::kNone, U, U);
  const char* h[] = {"v_cvt_f16_u16",    "v_cvt_f16_i16",       "v_cvt_u16_f16",
                     "v_cvt_i16_f16",    "v_rcp_f16",           "v_sqrt_f16",
                     "v_rsq_f16",        "v_log_f16",           "v_exp_f16",
                     "v_frexp_mant_f16", "v_frexp_exp_i16_f16", "v_floor_f16",
                     "v_ceil_f16",       "v_trunc_f16",         "v_rndne_f16",
                     "v_fract_f16",      "v_sin_f16",           "v_cos_f16",
                     "v_sat_pk_u8_i16",  "v_cvt_norm_i16_f16",  "v_cvt_norm_u16_f16"};
  for (uint16_t i = 0; i < 21; ++i) r(80 + i, h[i], Sem::kNone, W, W);
  r(101, "v_swap_b32", Sem::kNone, U, U, 0, kOpNoSuffix | kOpNoVop3);
  r(103, "v_permlane64_b32", Sem::kNone, U, U, 0, kOpNoSuffix | kOpNoVop3);
  r(104, "v_swaprel_b32", Sem::kNone, U, U, 0, kOpNoSuffix | kOpNoVop3);
  r(105, "v_not_b16", Sem::kNone, W, W);
  r(106, "v_cvt_i32_i16", Sem::kNone, I, W);
  r(107, "v_cvt_u32_u16", Sem::kNone, U, W);
}

// VOP2 (also VOP3 at 0x100 + op).
void vop2(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, uint16_t flags = 0,
               T c2 = N) {
    b.add(Encoding::kVop2, {op, name, s, d, {a, c, c2}, 0, flags});
  };
  r(1, "v_cndmask_b32", Sem::kVCndmask, U, U, U, kOpCarryIn, M);
  r(2, "v_dot2acc_f32_f16", Sem::kNone, F, U, U, kOpNoSuffix | kOpNoVop3);
  r(3, "v_add_f32", Sem::kVAddF, F, F, F);
  r(4, "v_sub_f32", Sem::kVSubF, F, F, F);
  r(5, "v_subrev_f32", Sem::kVSubrevF, F, F, F);
  r(6, "v_fmac_dx9_zero_f32", Sem::kNone, F, F, F);
  r(7, "v_mul_dx9_zero_f32", Sem::kNone, F, F, F);
  r(8, "v_mul_f32", Sem::kVMulF, F, F, F);
  r(9, "v_mul_i32_i24", Sem::kVMulI24, I, I, I);
  r(10, "v_mul_hi_i32_i24", Sem::kVMulHiI24, I, I, I);
  r(11, "v_mul_u32_u24", Sem::kVMulU24, U, U, U);
  r(12, "v_mul_hi_u32_u24", Sem::kVMulHiU24, U, U, U);
  r(15, "v_min_f32", Sem::kVMinF, F, F, F);
  r(16, "v_max_f32", Sem::kVMaxF, F, F, F);
  r(17, "v_min_i32", Sem::kVMinI, I, I, I);
  r(18, "v_max_i32", Sem::kVMaxI, I, I, I);
  r(19, "v_min_u32", Sem::kVMinU, U, U, U);
  r(20, "v_max_u32", Sem::kVMaxU, U, U, U);
  r(24, "v_lshlrev_b32", Sem::kVLshl, U, U, U);
  r(25, "v_lshrrev_b32", Sem::kVLshr, U, U, U);
  r(26, "v_ashrrev_i32", Sem::kVAshr, I, U, I);
  r(27, "v_and_b32", Sem::kVAnd, U, U, U);
  r(28, "v_or_b32", Sem::kVOr, U, U, U);
  r(29, "v_xor_b32", Sem::kVXor, U, U, U);
  r(30, "v_xnor_b32", Sem::kVXnor, U, U, U);
  // Carry in/out through VCC (e32) or SGRPs (the VOP3B e64 forms).
  const uint16_t cf = kOpCarryIn | kOpCarryOut | kOpVop3b;
  r(32, "v_add_co_ci_u32", Sem::kVAddc, U, U, U, cf, M);
  r(33, "v_sub_co_ci_u32", Sem::kVSubb, U, U, U, cf, M);
  r(34, "v_subrev_co_ci_u32", Sem::kVSubbrev, U, U, U, cf, M);
  r(37, "v_add_nc_u32", Sem::kVAddU, U, U, U);
  r(38, "v_sub_nc_u32", Sem::kVSubU, U, U, U);
  r(39, "v_subrev_nc_u32", Sem::kVSubrevU, U, U, U);
  r(43, "v_fmac_f32", Sem::kVFmac, F, F, F);
  r(44, "v_fmamk_f32", Sem::kVFmamk, F, F, F, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  r(45, "v_fmaak_f32", Sem::kVFmaak, F, F, F, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  r(47, "v_cvt_pk_rtz_f16_f32", Sem::kNone, U, F, F);
  r(50, "v_add_f16", Sem::kNone, H, H, H);
  r(51, "v_sub_f16", Sem::kNone, H, H, H);
  r(52, "v_subrev_f16", Sem::kNone, H, H, H);
  r(53, "v_mul_f16", Sem::kNone, H, H, H);
  r(54, "v_fmac_f16", Sem::kNone, H, H, H);
  r(55, "v_fmamk_f16", Sem::kNone, H, H, H, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  r(56, "v_fmaak_f16", Sem::kNone, H, H, H, kOpKLiteral | kOpNoSuffix | kOpNoVop3);
  r(57, "v_max_f16", Sem::kNone, H, H, H);
  r(58, "v_min_f16", Sem::kNone, H, H, H);
  r(59, "v_ldexp_f16", Sem::kNone, H, H, W);
  r(60, "v_pk_fmac_f16", Sem::kNone, U, U, U, kOpNoSuffix | kOpNoVop3);
}

// VOPC (VOPCInstructions.td *_gfx11): f16 0x00, f32 0x10, f64 0x20 (16 conditions each);
// i16 0x30, u16 0x38 (no f/t), i32 0x40, u32 0x48, i64 0x50, u64 0x58 (8 conditions each);
// class f16/f32/f64 0x7D-0x7F; v_cmpx_* at +0x80. On gfx10+ v_cmpx writes EXEC only.
void vopc(TableBuilder& b) {
  const char* fc[] = {"f", "lt",  "eq",  "le",  "gt",  "lg",  "ge",  "o",
                      "u", "nge", "nlg", "ngt", "nle", "neq", "nlt", "t"};
  for (int x = 0; x < 2; ++x) {
    const uint16_t xb = x ? 0x80 : 0;
    const char* pre = x ? "v_cmpx_" : "v_cmp_";
    const uint16_t xf = x ? kOpCmpx : 0;
    struct FT {
      uint16_t base;
      const char* suffix;
      T type;
    };
    for (FT ft : {FT{0x00, "f16", H}, FT{0x10, "f32", F}, FT{0x20, "f64", E}}) {
      for (uint8_t c = 0; c < 16; ++c) {
        b.add(Encoding::kVopc, {static_cast<uint16_t>(xb + ft.base + c),
                                b.name(std::string(pre) + fc[c] + "_" + ft.suffix),
                                ft.type == H ? Sem::kNone : Sem::kVCmp,
                                M,
                                {ft.type, ft.type, N},
                                c,
                                xf});
      }
    }
    const char* ic[] = {"f", "lt", "eq", "le", "gt", "ne", "ge", "t"};
    struct IT {
      uint16_t base;
      const char* suffix;
      T type;
    };
    for (IT it : {IT{0x30, "i16", W}, IT{0x38, "u16", W}, IT{0x40, "i32", I}, IT{0x48, "u32", U},
                  IT{0x50, "i64", L}, IT{0x58, "u64", D}}) {
      for (uint8_t c = 0; c < 8; ++c) {
        if (it.type == W && (c == 0 || c == 7)) continue;  // no 16-bit f/t compares on gfx11
        const uint8_t cond = c == 7 ? k(Cond::kTru) : c;
        b.add(Encoding::kVopc, {static_cast<uint16_t>(xb + it.base + c),
                                b.name(std::string(pre) + ic[c] + "_" + it.suffix),
                                it.type == W ? Sem::kNone : Sem::kVCmp,
                                M,
                                {it.type, it.type, N},
                                cond,
                                xf});
      }
    }
    b.add(Encoding::kVopc, {static_cast<uint16_t>(xb + 0x7D),
                            b.name(std::string(pre) + "class_f16"),
                            Sem::kNone,
                            M,
                            {H, U, N},
                            0,
                            xf});
    b.add(Encoding::kVopc, {static_cast<uint16_t>(xb + 0x7E),
                            b.name(std::string(pre) + "class_f32"),
                            Sem::kVCmpClass,
                            M,
                            {F, U, N},
                            0,
                            xf});
    b.add(Encoding::kVopc, {static_cast<uint16_t>(xb + 0x7F),
                            b.name(std::string(pre) + "class_f64"),
                            Sem::kVCmpClass,
                            M,
                            {E, U, N},
                            0,
                            xf});
  }
}

// VOP3-only opcodes (0x200-0x36F).
void vop3(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, T e, uint16_t flags = 0) {
    b.add(Encoding::kVop3, {op, name, s, d, {a, c, e}, 0, flags});
  };
  r(0x209, "v_fma_dx9_zero_f32", Sem::kNone, F, F, F, F);
  r(0x20a, "v_mad_i32_i24", Sem::kVMadI24, I, I, I, I);
  r(0x20b, "v_mad_u32_u24", Sem::kVMadU24, U, U, U, U);
  r(0x20c, "v_cubeid_f32", Sem::kNone, F, F, F, F);
  r(0x20d, "v_cubesc_f32", Sem::kNone, F, F, F, F);
  r(0x20e, "v_cubetc_f32", Sem::kNone, F, F, F, F);
  r(0x20f, "v_cubema_f32", Sem::kNone, F, F, F, F);
  r(0x210, "v_bfe_u32", Sem::kVBfeU, U, U, U, U);
  r(0x211, "v_bfe_i32", Sem::kVBfeI, I, I, U, U);
  r(0x212, "v_bfi_b32", Sem::kVBfi, U, U, U, U);
  r(0x213, "v_fma_f32", Sem::kVFma, F, F, F, F);
  r(0x214, "v_fma_f64", Sem::kVFma, E, E, E, E);
  r(0x215, "v_lerp_u8", Sem::kNone, U, U, U, U);
  r(0x216, "v_alignbit_b32", Sem::kVAlignbit, U, U, U, U);
  r(0x217, "v_alignbyte_b32", Sem::kVAlignbyte, U, U, U, U);
  r(0x218, "v_mullit_f32", Sem::kNone, F, F, F, F);
  r(0x219, "v_min3_f32", Sem::kVMin3F, F, F, F, F);
  r(0x21a, "v_min3_i32", Sem::kVMin3I, I, I, I, I);
  r(0x21b, "v_min3_u32", Sem::kVMin3U, U, U, U, U);
  r(0x21c, "v_max3_f32", Sem::kVMax3F, F, F, F, F);
  r(0x21d, "v_max3_i32", Sem::kVMax3I, I, I, I, I);
  r(0x21e, "v_max3_u32", Sem::kVMax3U, U, U, U, U);
  r(0x21f, "v_med3_f32", Sem::kVMed3F, F, F, F, F);
  r(0x220, "v_med3_i32", Sem::kVMed3I, I, I, I, I);
  r(0x221, "v_med3_u32", Sem::kVMed3U, U, U, U, U);
  r(0x222, "v_sad_u8", Sem::kNone, U, U, U, U);
  r(0x223, "v_sad_hi_u8", Sem::kNone, U, U, U, U);
  r(0x224, "v_sad_u16", Sem::kNone, U, U, U, U);
  r(0x225, "v_sad_u32", Sem::kNone, U, U, U, U);
  r(0x226, "v_cvt_pk_u8_f32", Sem::kNone, U, F, U, U);
  r(0x227, "v_div_fixup_f32", Sem::kVDivFixup, F, F, F, F);
  r(0x228, "v_div_fixup_f64", Sem::kVDivFixup, E, E, E, E);
  r(0x237, "v_div_fmas_f32", Sem::kVDivFmas, F, F, F, F);
  r(0x238, "v_div_fmas_f64", Sem::kVDivFmas, E, E, E, E);
  r(0x239, "v_msad_u8", Sem::kNone, U, U, U, U);
  r(0x23a, "v_qsad_pk_u16_u8", Sem::kNone, D, D, U, D);
  r(0x23b, "v_mqsad_pk_u16_u8", Sem::kNone, D, D, U, D);
  r(0x23d, "v_mqsad_u32_u8", Sem::kNone, U, D, U, U);
  r(0x240, "v_xor3_b32", Sem::kNone, U, U, U, U);
  r(0x241, "v_mad_u16", Sem::kNone, W, W, W, W);
  r(0x244, "v_perm_b32", Sem::kVPerm, U, U, U, U);
  r(0x245, "v_xad_u32", Sem::kVXad, U, U, U, U);
  r(0x246, "v_lshl_add_u32", Sem::kVLshlAdd, U, U, U, U);
  r(0x247, "v_add_lshl_u32", Sem::kVAddLshl, U, U, U, U);
  r(0x248, "v_fma_f16", Sem::kNone, H, H, H, H);
  const char* m16[] = {"v_min3_f16", "v_min3_i16", "v_min3_u16", "v_max3_f16", "v_max3_i16",
                       "v_max3_u16", "v_med3_f16", "v_med3_i16", "v_med3_u16"};
  for (uint16_t i = 0; i < 9; ++i) r(0x249 + i, m16[i], Sem::kNone, W, W, W, W);
  r(0x253, "v_mad_i16", Sem::kNone, W, W, W, W);
  r(0x254, "v_div_fixup_f16", Sem::kNone, H, H, H, H);
  r(0x255, "v_add3_u32", Sem::kVAdd3, U, U, U, U);
  r(0x256, "v_lshl_or_b32", Sem::kVLshlOr, U, U, U, U);
  r(0x257, "v_and_or_b32", Sem::kVAndOr, U, U, U, U);
  r(0x258, "v_or3_b32", Sem::kVOr3, U, U, U, U);
  r(0x259, "v_mad_u32_u16", Sem::kNone, U, W, W, U);
  r(0x25a, "v_mad_i32_i16", Sem::kNone, I, W, W, I);
  r(0x25b, "v_permlane16_b32", Sem::kNone, U, U, U, U);
  r(0x25c, "v_permlanex16_b32", Sem::kNone, U, U, U, U);
  r(0x25d, "v_cndmask_b16", Sem::kNone, W, W, W, M);
  const char* mm[] = {"v_maxmin_f32", "v_minmax_f32", "v_maxmin_f16", "v_minmax_f16",
                      "v_maxmin_u32", "v_minmax_u32", "v_maxmin_i32", "v_minmax_i32"};
  for (uint16_t i = 0; i < 8; ++i) r(0x25e + i, mm[i], Sem::kNone, U, U, U, U);
  r(0x266, "v_dot2_f16_f16", Sem::kNone, U, U, U, U);
  r(0x267, "v_dot2_bf16_bf16", Sem::kNone, U, U, U, U);
  r(0x2fc, "v_div_scale_f32", Sem::kVDivScale, F, F, F, F, kOpVop3b);
  r(0x2fd, "v_div_scale_f64", Sem::kVDivScale, E, E, E, E, kOpVop3b);
  r(0x2fe, "v_mad_u64_u32", Sem::kVMadU64U32, D, U, U, D, kOpVop3b);
  r(0x2ff, "v_mad_i64_i32", Sem::kVMadI64I32, L, I, I, L, kOpVop3b);
  r(0x300, "v_add_co_u32", Sem::kVAddCo, U, U, U, N, kOpVop3b);
  r(0x301, "v_sub_co_u32", Sem::kVSubCo, U, U, U, N, kOpVop3b);
  r(0x302, "v_subrev_co_u32", Sem::kVSubrevCo, U, U, U, N, kOpVop3b);
  r(0x303, "v_add_nc_u16", Sem::kNone, W, W, W, N);
  r(0x304, "v_sub_nc_u16", Sem::kNone, W, W, W, N);
  r(0x305, "v_mul_lo_u16", Sem::kNone, W, W, W, N);
  r(0x306, "v_cvt_pk_i16_f32", Sem::kNone, U, F, F, N);
  r(0x307, "v_cvt_pk_u16_f32", Sem::kNone, U, F, F, N);
  r(0x309, "v_max_u16", Sem::kNone, W, W, W, N);
  r(0x30a, "v_max_i16", Sem::kNone, W, W, W, N);
  r(0x30b, "v_min_u16", Sem::kNone, W, W, W, N);
  r(0x30c, "v_min_i16", Sem::kNone, W, W, W, N);
  r(0x30d, "v_add_nc_i16", Sem::kNone, W, W, W, N);
  r(0x30e, "v_sub_nc_i16", Sem::kNone, W, W, W, N);
  r(0x311, "v_pack_b32_f16", Sem::kNone, U, H, H, N);
  r(0x312, "v_cvt_pk_norm_i16_f16", Sem::kNone, U, H, H, N);
  r(0x313, "v_cvt_pk_norm_u16_f16", Sem::kNone, U, H, H, N);
  r(0x31c, "v_ldexp_f32", Sem::kVLdexp, F, F, I, N);
  r(0x31d, "v_bfm_b32", Sem::kVBfm, U, U, U, N);
  r(0x31e, "v_bcnt_u32_b32", Sem::kVBcnt, U, U, U, N);
  r(0x31f, "v_mbcnt_lo_u32_b32", Sem::kVMbcntLo, U, U, U, N);
  r(0x320, "v_mbcnt_hi_u32_b32", Sem::kVMbcntHi, U, U, U, N);
  r(0x321, "v_cvt_pk_norm_i16_f32", Sem::kNone, U, F, F, N);
  r(0x322, "v_cvt_pk_norm_u16_f32", Sem::kNone, U, F, F, N);
  r(0x323, "v_cvt_pk_u16_u32", Sem::kNone, U, U, U, N);
  r(0x324, "v_cvt_pk_i16_i32", Sem::kNone, U, I, I, N);
  r(0x325, "v_sub_nc_i32", Sem::kVSubI, I, I, I, N);
  r(0x326, "v_add_nc_i32", Sem::kVAddI, I, I, I, N);
  r(0x327, "v_add_f64", Sem::kVAddF, E, E, E, N);
  r(0x328, "v_mul_f64", Sem::kVMulF, E, E, E, N);
  r(0x329, "v_min_f64", Sem::kVMinF, E, E, E, N);
  r(0x32a, "v_max_f64", Sem::kVMaxF, E, E, E, N);
  r(0x32b, "v_ldexp_f64", Sem::kVLdexp, E, E, I, N);
  r(0x32c, "v_mul_lo_u32", Sem::kVMulLo, U, U, U, N);
  r(0x32d, "v_mul_hi_u32", Sem::kVMulHiU, U, U, U, N);
  r(0x32e, "v_mul_hi_i32", Sem::kVMulHiI, I, I, I, N);
  r(0x32f, "v_trig_preop_f64", Sem::kNone, E, E, U, N);
  r(0x338, "v_lshlrev_b16", Sem::kNone, W, W, W, N);
  r(0x339, "v_lshrrev_b16", Sem::kNone, W, W, W, N);
  r(0x33a, "v_ashrrev_i16", Sem::kNone, W, W, W, N);
  r(0x33c, "v_lshlrev_b64", Sem::kVLshlrev64, D, U, D, N);
  r(0x33d, "v_lshrrev_b64", Sem::kVLshrrev64, D, U, D, N);
  r(0x33e, "v_ashrrev_i64", Sem::kVAshrrev64, L, U, L, N);
  r(0x360, "v_readlane_b32", Sem::kVReadlane, U, U, U, N);
  r(0x361, "v_writelane_b32", Sem::kVWritelane, U, U, U, N);
  r(0x362, "v_and_b16", Sem::kNone, W, W, W, N);
  r(0x363, "v_or_b16", Sem::kNone, W, W, W, N);
  r(0x364, "v_xor_b16", Sem::kNone, W, W, W, N);
}

// VOP3P (7-bit opcode, VOP3PInstructions.td *_gfx11). None are executed yet.
void vop3p(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, T d = U) {
    b.add(Encoding::kVop3p, {op, name, Sem::kNone, d, {U, U, U}, 0, 0});
  };
  const char* p[] = {"v_pk_mad_i16",     "v_pk_mul_lo_u16",  "v_pk_add_i16",     "v_pk_sub_i16",
                     "v_pk_lshlrev_b16", "v_pk_lshrrev_b16", "v_pk_ashrrev_i16", "v_pk_max_i16",
                     "v_pk_min_i16",     "v_pk_mad_u16",     "v_pk_add_u16",     "v_pk_sub_u16",
                     "v_pk_max_u16",     "v_pk_min_u16",     "v_pk_fma_f16",     "v_pk_add_f16",
                     "v_pk_mul_f16",     "v_pk_min_f16",     "v_pk_max_f16",     "v_dot2_f32_f16"};
  for (uint16_t i = 0; i < 20; ++i) r(i, p[i]);
  r(22, "v_dot4_i32_iu8");
  r(23, "v_dot4_u32_u8");
  r(24, "v_dot8_i32_iu4");
  r(25, "v_dot8_u32_u4");
  r(26, "v_dot2_f32_bf16");
  r(32, "v_fma_mix_f32", F);
  r(33, "v_fma_mixlo_f16");
  r(34, "v_fma_mixhi_f16");
  r(64, "v_wmma_f32_16x16x16_f16");
  r(65, "v_wmma_f32_16x16x16_bf16");
  r(66, "v_wmma_f16_16x16x16_f16");
  r(67, "v_wmma_bf16_16x16x16_bf16");
  r(68, "v_wmma_i32_16x16x16_iu8");
  r(69, "v_wmma_i32_16x16x16_iu4");
}

// VOPD components (VOPDInstructions.td / VOPInstructions.td VOPD records): X opcodes 0-12, Y
// opcodes 0-12 and 16-18. Each component behaves as its VOP2/VOP1 namesake (cndmask reads
// VCC_LO, fmac accumulates into its destination, fmaak/fmamk take the instruction's literal).
void vopd(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, T d, T a, T c, uint16_t flags = 0,
               T c2 = N) {
    b.add(Encoding::kVopd,
          {op, name, s, d, {a, c, c2}, 0, static_cast<uint16_t>(flags | kOpNoSuffix | kOpNoVop3)});
  };
  r(0, "v_dual_fmac_f32", Sem::kVFmac, F, F, F);
  r(1, "v_dual_fmaak_f32", Sem::kVFmaak, F, F, F, kOpKLiteral);
  r(2, "v_dual_fmamk_f32", Sem::kVFmamk, F, F, F, kOpKLiteral);
  r(3, "v_dual_mul_f32", Sem::kVMulF, F, F, F);
  r(4, "v_dual_add_f32", Sem::kVAddF, F, F, F);
  r(5, "v_dual_sub_f32", Sem::kVSubF, F, F, F);
  r(6, "v_dual_subrev_f32", Sem::kVSubrevF, F, F, F);
  r(7, "v_dual_mul_dx9_zero_f32", Sem::kNone, F, F, F);
  r(8, "v_dual_mov_b32", Sem::kVMov, U, U, N);
  r(9, "v_dual_cndmask_b32", Sem::kVCndmask, U, U, U, kOpCarryIn, M);
  r(10, "v_dual_max_f32", Sem::kVMaxF, F, F, F);
  r(11, "v_dual_min_f32", Sem::kVMinF, F, F, F);
  r(12, "v_dual_dot2acc_f32_f16", Sem::kNone, F, U, U);
  r(16, "v_dual_add_nc_u32", Sem::kVAddU, U, U, U);
  r(17, "v_dual_lshlrev_b32", Sem::kVLshl, U, U, U);
  r(18, "v_dual_and_b32", Sem::kVAnd, U, U, U);
}

void ds(TableBuilder& b) {
  auto r = [&](uint16_t op, std::string_view name, Sem s, uint8_t aux, uint16_t flags = 0) {
    b.add(Encoding::kDs, {op, name, s, N, {N, N, N}, aux, flags});
  };
  // Atomics without return 0-11 (32-bit) and 64-75 (64-bit), with return at +32.
  struct A {
    const char* op;
    const char* t32;
    const char* t64;
    AtomicKind kind;
  };
  const A atomics[] = {
      {"add", "u32", "u64", AtomicKind::kAdd},   {"sub", "u32", "u64", AtomicKind::kSub},
      {"rsub", "u32", "u64", AtomicKind::kRsub}, {"inc", "u32", "u64", AtomicKind::kInc},
      {"dec", "u32", "u64", AtomicKind::kDec},   {"min", "i32", "i64", AtomicKind::kSMin},
      {"max", "i32", "i64", AtomicKind::kSMax},  {"min", "u32", "u64", AtomicKind::kUMin},
      {"max", "u32", "u64", AtomicKind::kUMax},  {"and", "b32", "b64", AtomicKind::kAnd},
      {"or", "b32", "b64", AtomicKind::kOr},     {"xor", "b32", "b64", AtomicKind::kXor}};
  for (uint16_t i = 0; i < 12; ++i) {
    const A& a = atomics[i];
    const std::string op = std::string("ds_") + a.op;
    r(i, b.name(op + "_" + a.t32), Sem::kDsAtomic, k(a.kind));
    r(32 + i, b.name(op + "_rtn_" + a.t32), Sem::kDsAtomic, k(a.kind), kOpReturns);
    r(64 + i, b.name(op + "_" + a.t64), Sem::kDsAtomic, k(a.kind), kOp64);
    r(96 + i, b.name(op + "_rtn_" + a.t64), Sem::kDsAtomic, k(a.kind), kOp64 | kOpReturns);
  }
  r(12, "ds_mskor_b32", Sem::kNone, 0);
  r(13, "ds_store_b32", Sem::kDsWrite, k(MemKind::kB32));
  r(14, "ds_store_2addr_b32", Sem::kDsWrite2, k(MemKind::kB32));
  r(15, "ds_store_2addr_stride64_b32", Sem::kDsWrite2, k(MemKind::kB32), kOpSt64);
  r(16, "ds_cmpstore_b32", Sem::kNone, 0);
  r(17, "ds_cmpstore_f32", Sem::kNone, 0);
  r(18, "ds_min_f32", Sem::kDsAtomic, k(AtomicKind::kMinF32));
  r(19, "ds_max_f32", Sem::kDsAtomic, k(AtomicKind::kMaxF32));
  r(20, "ds_nop", Sem::kDsNop, 0);
  r(21, "ds_add_f32", Sem::kDsAtomic, k(AtomicKind::kAddF32));
  r(30, "ds_store_b8", Sem::kDsWrite, k(MemKind::kU8));
  r(31, "ds_store_b16", Sem::kDsWrite, k(MemKind::kU16));
  r(44, "ds_mskor_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(45, "ds_storexchg_rtn_b32", Sem::kDsAtomic, k(AtomicKind::kSwap), kOpReturns);
  r(46, "ds_storexchg_2addr_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(47, "ds_storexchg_2addr_stride64_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(48, "ds_cmpstore_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(49, "ds_cmpstore_rtn_f32", Sem::kNone, 0, kOpReturns);
  r(50, "ds_min_rtn_f32", Sem::kDsAtomic, k(AtomicKind::kMinF32), kOpReturns);
  r(51, "ds_max_rtn_f32", Sem::kDsAtomic, k(AtomicKind::kMaxF32), kOpReturns);
  r(52, "ds_wrap_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(53, "ds_swizzle_b32", Sem::kNone, 0);
  r(54, "ds_load_b32", Sem::kDsRead, k(MemKind::kB32));
  r(55, "ds_load_2addr_b32", Sem::kDsRead2, k(MemKind::kB32));
  r(56, "ds_load_2addr_stride64_b32", Sem::kDsRead2, k(MemKind::kB32), kOpSt64);
  r(57, "ds_load_i8", Sem::kDsRead, k(MemKind::kI8));
  r(58, "ds_load_u8", Sem::kDsRead, k(MemKind::kU8));
  r(59, "ds_load_i16", Sem::kDsRead, k(MemKind::kI16));
  r(60, "ds_load_u16", Sem::kDsRead, k(MemKind::kU16));
  r(61, "ds_consume", Sem::kNone, 0);
  r(62, "ds_append", Sem::kNone, 0);
  r(76, "ds_mskor_b64", Sem::kNone, 0);
  r(77, "ds_store_b64", Sem::kDsWrite, k(MemKind::kB64));
  r(78, "ds_store_2addr_b64", Sem::kDsWrite2, k(MemKind::kB64));
  r(79, "ds_store_2addr_stride64_b64", Sem::kDsWrite2, k(MemKind::kB64), kOpSt64);
  r(80, "ds_cmpstore_b64", Sem::kNone, 0);
  r(81, "ds_cmpstore_f64", Sem::kNone, 0);
  r(82, "ds_min_f64", Sem::kDsAtomic, k(AtomicKind::kMinF64), kOp64);
  r(83, "ds_max_f64", Sem::kDsAtomic, k(AtomicKind::kMaxF64), kOp64);
  r(108, "ds_mskor_rtn_b64", Sem::kNone, 0, kOpReturns);
  r(109, "ds_storexchg_rtn_b64", Sem::kDsAtomic, k(AtomicKind::kSwap), kOp64 | kOpReturns);
  r(110, "ds_storexchg_2addr_rtn_b64", Sem::kNone, 0, kOpReturns);
  r(111, "ds_storexchg_2addr_stride64_rtn_b64", Sem::kNone, 0, kOpReturns);
  r(112, "ds_cmpstore_rtn_b64", Sem::kNone, 0, kOpReturns);
  r(113, "ds_cmpstore_rtn_f64", Sem::kNone, 0, kOpReturns);
  r(114, "ds_min_rtn_f64", Sem::kDsAtomic, k(AtomicKind::kMinF64), kOp64 | kOpReturns);
  r(115, "ds_max_rtn_f64", Sem::kDsAtomic, k(AtomicKind::kMaxF64), kOp64 | kOpReturns);
  r(118, "ds_load_b64", Sem::kDsRead, k(MemKind::kB64));
  r(119, "ds_load_2addr_b64", Sem::kDsRead2, k(MemKind::kB64));
  r(120, "ds_load_2addr_stride64_b64", Sem::kDsRead2, k(MemKind::kB64), kOpSt64);
  r(121, "ds_add_rtn_f32", Sem::kDsAtomic, k(AtomicKind::kAddF32), kOpReturns);
  r(126, "ds_condxchg32_rtn_b64", Sem::kNone, 0, kOpReturns);
  r(160, "ds_store_b8_d16_hi", Sem::kDsWrite, k(MemKind::kB8D16Hi));
  r(161, "ds_store_b16_d16_hi", Sem::kDsWrite, k(MemKind::kB16D16HiStore));
  r(162, "ds_load_u8_d16", Sem::kDsRead, k(MemKind::kU8D16));
  r(163, "ds_load_u8_d16_hi", Sem::kDsRead, k(MemKind::kU8D16Hi));
  r(164, "ds_load_i8_d16", Sem::kDsRead, k(MemKind::kI8D16));
  r(165, "ds_load_i8_d16_hi", Sem::kDsRead, k(MemKind::kI8D16Hi));
  r(166, "ds_load_u16_d16", Sem::kDsRead, k(MemKind::kB16D16));
  r(167, "ds_load_u16_d16_hi", Sem::kDsRead, k(MemKind::kB16D16Hi));
  r(173, "ds_bvh_stack_rtn_b32", Sem::kNone, 0, kOpReturns);
  r(176, "ds_store_addtid_b32", Sem::kNone, 0);
  r(177, "ds_load_addtid_b32", Sem::kNone, 0);
  r(178, "ds_permute_b32", Sem::kDsPermute, 0);
  r(179, "ds_bpermute_b32", Sem::kDsBpermute, 0);
  r(222, "ds_store_b96", Sem::kDsWrite, k(MemKind::kB96));
  r(223, "ds_store_b128", Sem::kDsWrite, k(MemKind::kB128));
  r(254, "ds_load_b96", Sem::kDsRead, k(MemKind::kB96));
  r(255, "ds_load_b128", Sem::kDsRead, k(MemKind::kB128));
}

// FLAT, GLOBAL and SCRATCH share opcode numbers (FLATInstructions.td *_gfx11); atomics exist for
// FLAT and GLOBAL only.
void flat(TableBuilder& b, Encoding enc, const char* prefix) {
  auto r = [&](uint16_t op, const std::string& stem, Sem s, uint8_t aux, uint16_t flags = 0) {
    b.add(enc, {op, b.name(prefix + stem), s, N, {N, N, N}, aux, flags});
  };
  r(16, "load_u8", Sem::kMemLoad, k(MemKind::kU8));
  r(17, "load_i8", Sem::kMemLoad, k(MemKind::kI8));
  r(18, "load_u16", Sem::kMemLoad, k(MemKind::kU16));
  r(19, "load_i16", Sem::kMemLoad, k(MemKind::kI16));
  r(20, "load_b32", Sem::kMemLoad, k(MemKind::kB32));
  r(21, "load_b64", Sem::kMemLoad, k(MemKind::kB64));
  r(22, "load_b96", Sem::kMemLoad, k(MemKind::kB96));
  r(23, "load_b128", Sem::kMemLoad, k(MemKind::kB128));
  r(24, "store_b8", Sem::kMemStore, k(MemKind::kU8));
  r(25, "store_b16", Sem::kMemStore, k(MemKind::kU16));
  r(26, "store_b32", Sem::kMemStore, k(MemKind::kB32));
  r(27, "store_b64", Sem::kMemStore, k(MemKind::kB64));
  r(28, "store_b96", Sem::kMemStore, k(MemKind::kB96));
  r(29, "store_b128", Sem::kMemStore, k(MemKind::kB128));
  r(30, "load_d16_u8", Sem::kMemLoad, k(MemKind::kU8D16));
  r(31, "load_d16_i8", Sem::kMemLoad, k(MemKind::kI8D16));
  r(32, "load_d16_b16", Sem::kMemLoad, k(MemKind::kB16D16));
  r(33, "load_d16_hi_u8", Sem::kMemLoad, k(MemKind::kU8D16Hi));
  r(34, "load_d16_hi_i8", Sem::kMemLoad, k(MemKind::kI8D16Hi));
  r(35, "load_d16_hi_b16", Sem::kMemLoad, k(MemKind::kB16D16Hi));
  r(36, "store_d16_hi_b8", Sem::kMemStore, k(MemKind::kB8D16Hi));
  r(37, "store_d16_hi_b16", Sem::kMemStore, k(MemKind::kB16D16HiStore));
  if (enc == Encoding::kScratch) return;
  if (enc == Encoding::kGlobal) {
    r(40, "load_addtid_b32", Sem::kNone, 0);
    r(41, "store_addtid_b32", Sem::kNone, 0);
    r(55, "atomic_csub_u32", Sem::kNone, 0);
  }
  struct A {
    uint16_t op;
    const char* stem;
    AtomicKind kind;
    uint16_t flags;
  };
  const A atomics[] = {{51, "swap_b32", AtomicKind::kSwap, 0},
                       {52, "cmpswap_b32", AtomicKind::kCmpSwap, 0},
                       {53, "add_u32", AtomicKind::kAdd, 0},
                       {54, "sub_u32", AtomicKind::kSub, 0},
                       {56, "min_i32", AtomicKind::kSMin, 0},
                       {57, "min_u32", AtomicKind::kUMin, 0},
                       {58, "max_i32", AtomicKind::kSMax, 0},
                       {59, "max_u32", AtomicKind::kUMax, 0},
                       {60, "and_b32", AtomicKind::kAnd, 0},
                       {61, "or_b32", AtomicKind::kOr, 0},
                       {62, "xor_b32", AtomicKind::kXor, 0},
                       {63, "inc_u32", AtomicKind::kInc, 0},
                       {64, "dec_u32", AtomicKind::kDec, 0},
                       {65, "swap_b64", AtomicKind::kSwap, kOp64},
                       {66, "cmpswap_b64", AtomicKind::kCmpSwap, kOp64},
                       {67, "add_u64", AtomicKind::kAdd, kOp64},
                       {68, "sub_u64", AtomicKind::kSub, kOp64},
                       {69, "min_i64", AtomicKind::kSMin, kOp64},
                       {70, "min_u64", AtomicKind::kUMin, kOp64},
                       {71, "max_i64", AtomicKind::kSMax, kOp64},
                       {72, "max_u64", AtomicKind::kUMax, kOp64},
                       {73, "and_b64", AtomicKind::kAnd, kOp64},
                       {74, "or_b64", AtomicKind::kOr, kOp64},
                       {75, "xor_b64", AtomicKind::kXor, kOp64},
                       {76, "inc_u64", AtomicKind::kInc, kOp64},
                       {77, "dec_u64", AtomicKind::kDec, kOp64},
                       {81, "min_f32", AtomicKind::kMinF32, 0},
                       {82, "max_f32", AtomicKind::kMaxF32, 0},
                       {86, "add_f32", AtomicKind::kAddF32, 0}};
  for (const A& a : atomics) {
    r(a.op, std::string("atomic_") + a.stem, Sem::kMemAtomic, k(a.kind), a.flags);
  }
  r(80, "atomic_cmpswap_f32", Sem::kNone, 0);
}

// MUBUF: only the cache invalidations clang emits for acquire fences (the interpreter has no
// caches; loads/stores through a V# are not implemented).
void mubuf(TableBuilder& b) {
  b.add(Encoding::kMubuf, {43, "buffer_gl0_inv", Sem::kCacheInv, N, {N, N, N}, 0, 0});
  b.add(Encoding::kMubuf, {44, "buffer_gl1_inv", Sem::kCacheInv, N, {N, N, N}, 0, 0});
}

}  // namespace

void build_gfx11_tables(const IsaTarget&, TableBuilder& b) {
  sop2(b);
  sopk(b);
  sop1(b);
  sopc(b);
  sopp(b);
  smem(b);
  vop1(b);
  vop2(b);
  vopc(b);
  vop3(b);
  vop3p(b);
  vopd(b);
  ds(b);
  flat(b, Encoding::kFlat, "flat_");
  flat(b, Encoding::kGlobal, "global_");
  flat(b, Encoding::kScratch, "scratch_");
  mubuf(b);
  // VOP3 forms of VOPC (0x000-0x0FF), VOP2 (0x100 + op) and VOP1 (0x180 + op) ops.
  b.add_vop3_forms(Encoding::kVopc, 0x000);
  b.add_vop3_forms(Encoding::kVop2, 0x100);
  b.add_vop3_forms(Encoding::kVop1, 0x180);
}

}  // namespace amdhal::sim::isa::detail
