// The wave interpreter: executes decoded instructions on a Wave. Semantics follow the CDNA3 ISA
// guide ("AMD Instinct MI300 Instruction Set Architecture", chapters 4 "Program Flow Control",
// 5 "Scalar ALU", 6 "Vector ALU", 9 "Flat Memory", 11 "Instructions") and LLVM's
// AMDGPUAsmGFX940.rst operand descriptions. Anything the interpreter does not implement is an
// illegal-instruction fault, never a guess.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "wave.h"

namespace amdhal::sim::isa::detail {

namespace {

using T = OperandType;

// ------------------------------------------------------------------------------------------
// Constants and operand values

uint32_t f32_bits(float f) {
  return std::bit_cast<uint32_t>(f);
}
float bits_f32(uint32_t u) {
  return std::bit_cast<float>(u);
}
uint64_t f64_bits(double d) {
  return std::bit_cast<uint64_t>(d);
}
double bits_f64(uint64_t u) {
  return std::bit_cast<double>(u);
}

bool is_float(T t) {
  return t == T::kF32 || t == T::kF64 || t == T::kF16;
}

// Inline float constants (AMDGPUOperandSyntax.rst "Inline constants"): 240-247 are
// 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 4.0, -4.0; 248 is 1/(2*pi).
constexpr uint32_t kInlineF32[9] = {0x3F000000, 0xBF000000, 0x3F800000, 0xBF800000, 0x40000000,
                                    0xC0000000, 0x40800000, 0xC0800000, 0x3E22F983};
constexpr uint64_t kInlineF64[9] = {0x3FE0000000000000, 0xBFE0000000000000, 0x3FF0000000000000,
                                    0xBFF0000000000000, 0x4000000000000000, 0xC000000000000000,
                                    0x4010000000000000, 0xC010000000000000, 0x3FC45F306DC9C882};
constexpr uint16_t kInlineF16[9] = {0x3800, 0xB800, 0x3C00, 0xBC00, 0x4000,
                                    0xC000, 0x4400, 0xC400, 0x3118};

bool wide(T t, uint32_t wave_size) {
  return t == T::kMask ? wave_size == 64 : operand_dwords(t) == 2;
}

// The value of a scalar operand (anything but a VGPR) as `t`. Returns false for an operand code
// the interpreter does not support (LDS direct, POPS id, reserved codes).
bool scalar_value(const Wave& w, const DispatchState& ds, const Instruction& in, uint16_t code, T t,
                  uint64_t* out) {
  const bool is64 = wide(t, ds.wave_size);
  if (code == ds.null_sgpr) {  // gfx11 SGPR_NULL reads as 0 (also as a 64-bit operand)
    *out = 0;
    return true;
  }
  if (code < 128) {
    uint64_t v = w.s[code];
    if (is64) v |= static_cast<uint64_t>(w.s[(code + 1) & 127]) << 32;
    *out = v;
    return true;
  }
  if (code <= 208) {
    const int64_t v = code <= 192 ? code - 128 : -static_cast<int64_t>(code - 192);
    *out = is64 ? static_cast<uint64_t>(v) : static_cast<uint32_t>(v);
    return true;
  }
  if (code >= 240 && code <= 248) {
    const uint32_t i = code - 240;
    if (is64) {
      *out = kInlineF64[i];
    } else if (t == T::kF16 || t == T::kB16) {
      *out = kInlineF16[i];
    } else {
      *out = kInlineF32[i];
    }
    return true;
  }
  switch (code) {
    case operand::kSharedBase:
    case operand::kSharedLimit:
      *out = kSharedApertureBase >> 32;
      return true;
    case operand::kPrivateBase:
    case operand::kPrivateLimit:
      *out = kPrivateApertureBase >> 32;
      return true;
    case operand::kVccz:
      *out = (ds.wave_size == 64 ? w.vcc() : w.s[106]) == 0;
      return true;
    case operand::kExecz:
      *out = (ds.wave_size == 64 ? w.exec() : w.s[126]) == 0;
      return true;
    case operand::kScc:
      *out = w.scc;
      return true;
    case operand::kLiteral:
      if (!in.has_literal) return false;
      if (!is64) {
        *out = in.literal;
      } else if (t == T::kF64) {
        *out = static_cast<uint64_t>(in.literal) << 32;  // f64: the literal is the high half
      } else if (t == T::kI64) {
        *out = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(in.literal)));
      } else {
        *out = in.literal;  // unsigned/untyped 64-bit: zero-extended
      }
      return true;
    default:
      return false;
  }
}

// ------------------------------------------------------------------------------------------
// Lane iteration and vector sources

template <typename F>
inline void for_lanes(uint64_t exec, F&& f) {
  if (exec == ~0ull) {
    for (uint32_t l = 0; l < 64; ++l) f(l);
    return;
  }
  while (exec) {
    const uint32_t l = static_cast<uint32_t>(std::countr_zero(exec));
    exec &= exec - 1;
    f(l);
  }
}

struct VSrc {
  const uint32_t* lo = nullptr;
  const uint32_t* hi = nullptr;
  uint32_t step = 0;
  uint64_t and_mask = ~0ull;
  uint64_t xor_mask = 0;
  uint32_t u(uint32_t l) const {
    return static_cast<uint32_t>((lo[l * step] & and_mask) ^ xor_mask);
  }
  uint64_t u64(uint32_t l) const {
    return (((static_cast<uint64_t>(hi[l * step]) << 32) | lo[l * step]) & and_mask) ^ xor_mask;
  }
  int32_t i(uint32_t l) const { return static_cast<int32_t>(u(l)); }
  float f(uint32_t l) const { return bits_f32(u(l)); }
  double d(uint32_t l) const { return bits_f64(u64(l)); }
};

/// Per-instruction execution helper.
struct Exec {
  Wave& w;
  ThreadContext& ctx;
  const DispatchState& ds;
  const Instruction& in;
  const OpInfo& op;
  uint64_t exec;
  uint32_t scalar_store[3][2] = {};

  Status bad(std::string_view why) const { return illegal_instruction(ds, in, why); }

  // Scalar (SALU) operands.
  bool sval(int i, uint64_t* v) const { return scalar_value(w, ds, in, in.src[i], op.src[i], v); }

  void swrite(uint16_t code, T t, uint64_t v) {
    if (code >= 128 || code == ds.null_sgpr) return;  // writes to constants/null are dropped
    w.s[code] = static_cast<uint32_t>(v);
    if (wide(t, ds.wave_size) && code + 1 < 128) w.s[code + 1] = static_cast<uint32_t>(v >> 32);
  }

  // Vector source `i` with VOP3 abs/neg applied to float operands.
  bool vsrc(int i, VSrc* out, T t = T::kNone) {
    if (t == T::kNone) t = op.src[i];
    const uint16_t code = in.src[i];
    VSrc s;
    if (code >= operand::kVgpr0 && code != operand::kNone) {
      const uint32_t r = code - operand::kVgpr0;
      s.lo = w.row(r);
      s.hi = w.row(std::min<uint32_t>(r + 1, kVectorRows - 1));
      s.step = 1;
    } else {
      uint64_t v = 0;
      if (!scalar_value(w, ds, in, code, t, &v)) return false;
      scalar_store[i][0] = static_cast<uint32_t>(v);
      scalar_store[i][1] = static_cast<uint32_t>(v >> 32);
      s.lo = &scalar_store[i][0];
      s.hi = &scalar_store[i][1];
      s.step = 0;
    }
    if (is_float(t)) {
      const uint64_t sign = t == T::kF64 ? (1ull << 63) : t == T::kF16 ? 0x8000u : 0x80000000u;
      if (in.abs & (1u << i)) s.and_mask = ~sign;
      if (in.neg & (1u << i)) s.xor_mask = sign;
    }
    *out = s;
    return true;
  }

  uint32_t* drow(uint32_t k = 0) { return w.row((in.dst - operand::kVgpr0 + k) % kVectorRows); }

  // Output modifiers of float results (VOP3 omod then clamp; DX10 clamp: NaN -> 0).
  float post(float f) const {
    if (in.omod == 1) f *= 2.0f;
    if (in.omod == 2) f *= 4.0f;
    if (in.omod == 3) f *= 0.5f;
    if (in.clamp) f = std::isnan(f) ? 0.0f : std::clamp(f, 0.0f, 1.0f);
    return f;
  }
  double post(double f) const {
    if (in.omod == 1) f *= 2.0;
    if (in.omod == 2) f *= 4.0;
    if (in.omod == 3) f *= 0.5;
    if (in.clamp) f = std::isnan(f) ? 0.0 : std::clamp(f, 0.0, 1.0);
    return f;
  }

  void write_mask(uint16_t code, uint64_t m) {
    if (ds.wave_size == 32) m &= 0xFFFFFFFFull;
    swrite(code, T::kMask, m);
  }
  uint64_t read_mask(uint16_t code) {
    uint64_t v = 0;
    scalar_value(w, ds, in, code, T::kMask, &v);
    return v;
  }
};

// ------------------------------------------------------------------------------------------
// Compares

template <typename V>
bool compare_int(Cond c, V a, V b) {
  switch (c) {
    case Cond::kF:
      return false;
    case Cond::kLt:
      return a < b;
    case Cond::kEq:
      return a == b;
    case Cond::kLe:
      return a <= b;
    case Cond::kGt:
      return a > b;
    case Cond::kLg:
      return a != b;
    case Cond::kGe:
      return a >= b;
    default:
      return true;  // kTru ("t")
  }
}

template <typename V>
bool compare_float(Cond c, V a, V b) {
  switch (c) {
    case Cond::kF:
      return false;
    case Cond::kLt:
      return a < b;
    case Cond::kEq:
      return a == b;
    case Cond::kLe:
      return a <= b;
    case Cond::kGt:
      return a > b;
    case Cond::kLg:
      return a < b || a > b;
    case Cond::kGe:
      return a >= b;
    case Cond::kO:
      return !std::isnan(a) && !std::isnan(b);
    case Cond::kU:
      return std::isnan(a) || std::isnan(b);
    case Cond::kNge:
      return !(a >= b);
    case Cond::kNlg:
      return !(a < b || a > b);
    case Cond::kNgt:
      return !(a > b);
    case Cond::kNle:
      return !(a <= b);
    case Cond::kNeq:
      return !(a == b);
    case Cond::kNlt:
      return !(a < b);
    case Cond::kTru:
      return true;
  }
  return false;
}

// v_cmp_class: bit 0 signaling NaN, 1 quiet NaN, 2 -inf, 3 -normal, 4 -denormal, 5 -0, 6 +0,
// 7 +denormal, 8 +normal, 9 +inf.
template <typename V>
bool float_class(V x, uint32_t mask, bool quiet_bit) {
  int bit;
  if (std::isnan(x)) {
    bit = quiet_bit ? 1 : 0;
  } else if (std::isinf(x)) {
    bit = std::signbit(x) ? 2 : 9;
  } else if (x == 0) {
    bit = std::signbit(x) ? 5 : 6;
  } else if (std::fpclassify(x) == FP_SUBNORMAL) {
    bit = std::signbit(x) ? 4 : 7;
  } else {
    bit = std::signbit(x) ? 3 : 8;
  }
  return (mask >> bit) & 1;
}

// ------------------------------------------------------------------------------------------
// Float helpers

uint16_t f32_to_f16(float f) {
  const uint32_t x = f32_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xFF) - 127 + 15;
  uint32_t mant = x & 0x7FFFFF;
  if (((x >> 23) & 0xFF) == 0xFF) return static_cast<uint16_t>(sign | 0x7C00 | (mant ? 0x200 : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7C00);
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    const uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  if (exp == 0) {
    if (mant == 0) return bits_f32(sign);
    return std::ldexp(static_cast<float>(mant), -24) * (sign ? -1.0f : 1.0f);
  }
  if (exp == 31) return bits_f32(sign | 0x7F800000 | (mant << 13));
  return bits_f32(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

template <typename I, typename V>
I cvt_sat(V x) {
  if (std::isnan(x)) return 0;
  if (x <= static_cast<V>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (x >= static_cast<V>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(x);
}

template <typename V>
V fract(V x) {
  if (std::isinf(x)) return std::numeric_limits<V>::quiet_NaN();
  const V r = x - std::floor(x);
  return std::min(r, std::nextafter(V(1), V(0)));
}

template <typename V>
V med3(V a, V b, V c) {
  return std::fmax(std::fmin(a, b), std::fmin(std::fmax(a, b), c));
}

uint32_t bfe_u32(uint32_t v, uint32_t off, uint32_t width) {
  off &= 31;
  width &= 31;
  if (width == 0) return 0;
  return (v >> off) & ((1u << width) - 1u);
}

int32_t bfe_i32(uint32_t v, uint32_t off, uint32_t width) {
  off &= 31;
  width &= 31;
  if (width == 0) return 0;
  const uint32_t x = (v >> off) & ((1u << width) - 1u);
  const uint32_t m = 1u << (width - 1);
  return static_cast<int32_t>((x ^ m) - m);
}

uint32_t perm_byte(uint64_t both, uint32_t sel) {
  // both = {src0, src1}: bytes 0-3 from src1, 4-7 from src0 (v_perm_b32).
  if (sel <= 7) return static_cast<uint32_t>((both >> (8 * sel)) & 0xFF);
  switch (sel) {
    case 8:
      return ((both >> 15) & 1) ? 0xFF : 0;
    case 9:
      return ((both >> 31) & 1) ? 0xFF : 0;
    case 10:
      return ((both >> 47) & 1) ? 0xFF : 0;
    case 11:
      return ((both >> 63) & 1) ? 0xFF : 0;
    case 12:
      return 0;
    default:
      return 0xFF;
  }
}

// ------------------------------------------------------------------------------------------
// Memory

Status record_vm_fault(ThreadContext& ctx, const Instruction& in, VmFault f) {
  f.engine = "shader";
  f.vmid = ctx.ds->dispatch.vmid;
  ctx.ds->device->record_fault(f);
  return aborted(fmt::format("{} (by {} at PC {:#x})", f.to_string(), in.mnemonic(), in.address));
}

// Host pointer for [va, va+len) through the per-thread translation cache; nullptr (and *st set)
// on a fault; nullptr with *st ok if the range is mapped but not host-contiguous.
uint8_t* translate(ThreadContext& ctx, const Instruction& in, uint64_t va, uint32_t len,
                   Access access, Status* st) {
  TranslationCacheSet& set = access == Access::kWrite ? ctx.write_cache : ctx.read_cache;
  if (uint8_t* p = set.find(va, len)) return p;
  TranslationCache& c = set.victim();
  const uint64_t page = va & ~uint64_t{0xFFF};
  uint64_t run = 0;
  VmFault f;
  auto host = ctx.ds->vm->translate_run(page, 64 * 1024, access, &run, &f);
  if (!host.ok()) {
    *st = record_vm_fault(ctx, in, f);
    return nullptr;
  }
  c.va = page;
  c.len = run;
  c.host = *host;
  if (va - c.va < c.len && len <= c.len - (va - c.va)) return c.host + (va - c.va);
  // The access runs past a host-contiguous run: the caller falls back to a checked copy.
  *st = ok_status();
  return nullptr;
}

Status mem_read(ThreadContext& ctx, const Instruction& in, uint64_t va, void* dst, uint32_t len) {
  Status st;
  if (uint8_t* p = translate(ctx, in, va, len, Access::kRead, &st)) {
    std::memcpy(dst, p, len);
    return ok_status();
  }
  if (!st.ok()) return st;
  VmFault f;
  Status s = ctx.ds->vm->read(va, dst, len, &f);
  if (!s.ok()) return record_vm_fault(ctx, in, f);
  return ok_status();
}

Status mem_write(ThreadContext& ctx, const Instruction& in, uint64_t va, const void* src,
                 uint32_t len) {
  Status st;
  if (uint8_t* p = translate(ctx, in, va, len, Access::kWrite, &st)) {
    std::memcpy(p, src, len);
    return ok_status();
  }
  if (!st.ok()) return st;
  VmFault f;
  Status s = ctx.ds->vm->write(va, src, len, &f);
  if (!s.ok()) return record_vm_fault(ctx, in, f);
  return ok_status();
}

template <typename V>
V atomic_apply(AtomicKind k, std::atomic_ref<V> ref, V data, V cmp) {
  using S = std::make_signed_t<V>;
  V old = ref.load(std::memory_order_relaxed);
  while (true) {
    V next;
    switch (k) {
      case AtomicKind::kSwap:
        next = data;
        break;
      case AtomicKind::kCmpSwap:
        next = old == cmp ? data : old;
        break;
      case AtomicKind::kAdd:
        next = old + data;
        break;
      case AtomicKind::kSub:
        next = old - data;
        break;
      case AtomicKind::kRsub:
        next = data - old;
        break;
      case AtomicKind::kSMin:
        next = static_cast<S>(data) < static_cast<S>(old) ? data : old;
        break;
      case AtomicKind::kUMin:
        next = std::min(old, data);
        break;
      case AtomicKind::kSMax:
        next = static_cast<S>(data) > static_cast<S>(old) ? data : old;
        break;
      case AtomicKind::kUMax:
        next = std::max(old, data);
        break;
      case AtomicKind::kAnd:
        next = old & data;
        break;
      case AtomicKind::kOr:
        next = old | data;
        break;
      case AtomicKind::kXor:
        next = old ^ data;
        break;
      case AtomicKind::kInc:
        next = old >= data ? 0 : old + 1;
        break;
      case AtomicKind::kDec:
        next = (old == 0 || old > data) ? data : old - 1;
        break;
      case AtomicKind::kAddF32:
        if constexpr (sizeof(V) == 4) {
          next = f32_bits(bits_f32(old) + bits_f32(data));
        } else {
          next = old;
        }
        break;
      case AtomicKind::kMinF32:
      case AtomicKind::kMaxF32:
        if constexpr (sizeof(V) == 4) {
          next = f32_bits(k == AtomicKind::kMinF32 ? std::fmin(bits_f32(old), bits_f32(data))
                                                   : std::fmax(bits_f32(old), bits_f32(data)));
        } else {
          next = old;
        }
        break;
      case AtomicKind::kAddF64:
      case AtomicKind::kMinF64:
      case AtomicKind::kMaxF64:
        if constexpr (sizeof(V) == 8) {
          const double a = bits_f64(old), b = bits_f64(data);
          next = f64_bits(k == AtomicKind::kAddF64   ? a + b
                          : k == AtomicKind::kMinF64 ? std::fmin(a, b)
                                                     : std::fmax(a, b));
        } else {
          next = old;
        }
        break;
      default:
        next = old;
        break;
    }
    if (ref.compare_exchange_weak(old, next, std::memory_order_seq_cst)) return old;
  }
}

// Loads `bytes` bytes of kind `k` into dst rows (lane l).
void load_to_regs(Exec& x, uint32_t dst_row, uint32_t l, MemKind k, const uint8_t* p) {
  uint32_t* d0 = x.w.row(dst_row % kVectorRows);
  switch (k) {
    case MemKind::kU8:
      d0[l] = p[0];
      break;
    case MemKind::kI8:
      d0[l] = static_cast<uint32_t>(static_cast<int8_t>(p[0]));
      break;
    case MemKind::kU16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      d0[l] = v;
      break;
    }
    case MemKind::kI16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      d0[l] = static_cast<uint32_t>(static_cast<int32_t>(v));
      break;
    }
    case MemKind::kU8D16:
      d0[l] = (d0[l] & 0xFFFF0000u) | p[0];
      break;
    case MemKind::kU8D16Hi:
      d0[l] = (d0[l] & 0xFFFFu) | (static_cast<uint32_t>(p[0]) << 16);
      break;
    case MemKind::kI8D16:
      d0[l] = (d0[l] & 0xFFFF0000u) |
              static_cast<uint16_t>(static_cast<int16_t>(static_cast<int8_t>(p[0])));
      break;
    case MemKind::kI8D16Hi:
      d0[l] = (d0[l] & 0xFFFFu) | (static_cast<uint32_t>(static_cast<uint16_t>(
                                       static_cast<int16_t>(static_cast<int8_t>(p[0]))))
                                   << 16);
      break;
    case MemKind::kB16D16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      d0[l] = (d0[l] & 0xFFFF0000u) | v;
      break;
    }
    case MemKind::kB16D16Hi: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      d0[l] = (d0[l] & 0xFFFFu) | (static_cast<uint32_t>(v) << 16);
      break;
    }
    default: {
      const uint32_t n = mem_kind_bytes(k) / 4;
      for (uint32_t i = 0; i < n; ++i) {
        std::memcpy(&x.w.row((dst_row + i) % kVectorRows)[l], p + 4 * i, 4);
      }
      break;
    }
  }
}

// Gathers the store data of kind `k` from rows starting at `row` (lane l) into buf; returns bytes.
uint32_t store_from_regs(Exec& x, uint32_t row, uint32_t l, MemKind k, uint8_t* buf) {
  const uint32_t v0 = x.w.row(row % kVectorRows)[l];
  switch (k) {
    case MemKind::kU8:
      buf[0] = static_cast<uint8_t>(v0);
      return 1;
    case MemKind::kB8D16Hi:
      buf[0] = static_cast<uint8_t>(v0 >> 16);
      return 1;
    case MemKind::kU16: {
      const uint16_t h = static_cast<uint16_t>(v0);
      std::memcpy(buf, &h, 2);
      return 2;
    }
    case MemKind::kB16D16HiStore: {
      const uint16_t h = static_cast<uint16_t>(v0 >> 16);
      std::memcpy(buf, &h, 2);
      return 2;
    }
    default: {
      const uint32_t n = mem_kind_bytes(k) / 4;
      for (uint32_t i = 0; i < n; ++i) {
        std::memcpy(buf + 4 * i, &x.w.row((row + i) % kVectorRows)[l], 4);
      }
      return n * 4;
    }
  }
}

// ------------------------------------------------------------------------------------------
// Scalar ALU

// HW_REG_SH_MEM_BASES (hwreg 15, AMDGPU SIDefines.h Hwreg::ID_MEM_BASES): bits [15:0] are bits
// [63:48] of the private aperture base, bits [31:16] those of the shared (LDS) aperture base
// (SIDefines.h OFFSET_SRC_PRIVATE_BASE = 0, OFFSET_SRC_SHARED_BASE = 16, 16 bits each). Code
// that casts a private or LDS pointer to a flat one reads a field and shifts it left by 16 to
// form the high dword of the aperture base.
constexpr uint32_t kHwRegShMemBases = 15;
constexpr uint32_t sh_mem_bases() {
  return static_cast<uint32_t>((kPrivateApertureBase >> 48) & 0xFFFF) |
         (static_cast<uint32_t>((kSharedApertureBase >> 48) & 0xFFFF) << 16);
}

Status exec_salu(Exec& x) {
  const Sem sem = x.op.sem;
  if (sem == Sem::kSWaitcnt || sem == Sem::kSIgnored) return ok_status();  // gfx11 SOPK forms
  const T dt = x.op.dst;
  const bool w64 = wide(dt, x.ds.wave_size) || wide(x.op.src[0], x.ds.wave_size);
  uint64_t a = 0, b = 0;
  if (x.in.encoding != Encoding::kSopk && x.op.src[0] != T::kNone && !x.sval(0, &a)) {
    return x.bad("unsupported scalar source operand");
  }
  if (x.op.src[1] != T::kNone && !x.sval(1, &b)) return x.bad("unsupported scalar source operand");
  const uint32_t a32 = static_cast<uint32_t>(a), b32 = static_cast<uint32_t>(b);
  const uint64_t mask = wide(dt, x.ds.wave_size) ? ~0ull : 0xFFFFFFFFull;
  auto put = [&](uint64_t v) { x.swrite(x.in.dst, dt, v); };
  auto put_scc = [&](uint64_t v) {
    put(v);
    x.w.scc = (v & mask) != 0;
  };
  Wave& w = x.w;
  switch (sem) {
    case Sem::kSMov:
      put(a);
      return ok_status();
    case Sem::kSCmov:
      if (w.scc) put(a);
      return ok_status();
    case Sem::kSNot:
      put_scc(~a & mask);
      return ok_status();
    case Sem::kSBrev:
      if (w64) {
        uint64_t r = 0;
        for (int i = 0; i < 64; ++i) r |= ((a >> i) & 1) << (63 - i);
        put(r);
      } else {
        uint32_t r = 0;
        for (int i = 0; i < 32; ++i) r |= ((a32 >> i) & 1u) << (31 - i);
        put(r);
      }
      return ok_status();
    case Sem::kSBcnt0:
    case Sem::kSBcnt1: {
      const uint64_t v = w64 ? a : a32;
      const uint32_t ones = static_cast<uint32_t>(std::popcount(v));
      const uint32_t r = sem == Sem::kSBcnt1 ? ones : (w64 ? 64 : 32) - ones;
      x.swrite(x.in.dst, T::kB32, r);
      w.scc = r != 0;
      return ok_status();
    }
    case Sem::kSFf0:
    case Sem::kSFf1: {
      uint64_t v = w64 ? a : a32;
      if (sem == Sem::kSFf0) v = w64 ? ~v : (~v & 0xFFFFFFFFull);
      x.swrite(x.in.dst, T::kB32, v == 0 ? 0xFFFFFFFFu : std::countr_zero(v));
      return ok_status();
    }
    case Sem::kSFlbit: {
      const uint64_t v = w64 ? a : a32;
      const uint32_t r =
          v == 0 ? 0xFFFFFFFFu
                 : static_cast<uint32_t>(w64 ? std::countl_zero(v) : std::countl_zero(a32));
      x.swrite(x.in.dst, T::kB32, r);
      return ok_status();
    }
    case Sem::kSFlbitI32: {
      uint32_t r;
      if (w64) {
        const uint64_t v = a ^ static_cast<uint64_t>(static_cast<int64_t>(a) >> 63);
        r = (a == 0 || a == ~0ull) ? 0xFFFFFFFFu : static_cast<uint32_t>(std::countl_zero(v));
      } else {
        const uint32_t v = a32 ^ static_cast<uint32_t>(static_cast<int32_t>(a32) >> 31);
        r = (a32 == 0 || a32 == ~0u) ? 0xFFFFFFFFu : static_cast<uint32_t>(std::countl_zero(v));
      }
      x.swrite(x.in.dst, T::kB32, r);
      return ok_status();
    }
    case Sem::kSSextI8:
      put(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(a32))));
      return ok_status();
    case Sem::kSSextI16:
      put(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(a32))));
      return ok_status();
    case Sem::kSBitset0:
    case Sem::kSBitset1: {
      uint64_t d = 0;
      scalar_value(w, x.ds, x.in, x.in.dst, dt, &d);
      const uint64_t bit = 1ull << (a32 & (w64 ? 63 : 31));
      put(sem == Sem::kSBitset1 ? (d | bit) : (d & ~bit));
      return ok_status();
    }
    case Sem::kSGetpc:
      put(x.in.address + x.in.size);
      return ok_status();
    case Sem::kSSetpc:
      w.pc = a;
      return ok_status();
    case Sem::kSSwappc: {
      put(x.in.address + x.in.size);
      w.pc = a;
      return ok_status();
    }
    case Sem::kSGetreg: {
      // SIMM16 = {size-1 [15:11], offset [10:6], id [5:0]} (GCN3/Vega ISA "S_GETREG_B32").
      const uint32_t id = static_cast<uint32_t>(x.in.simm16) & 0x3F;
      const uint32_t offset = (static_cast<uint32_t>(x.in.simm16) >> 6) & 0x1F;
      const uint32_t size = ((static_cast<uint32_t>(x.in.simm16) >> 11) & 0x1F) + 1;
      uint32_t value;
      if (id == kHwRegShMemBases) {
        value = sh_mem_bases();
      } else {
        return x.bad(fmt::format(
            "s_getreg_b32 of hardware register {} is not modelled by the interpreter", id));
      }
      const uint32_t field = size >= 32 ? value >> offset : (value >> offset) & ((1u << size) - 1);
      put(field);
      return ok_status();
    }
    case Sem::kSSaveexec: {
      const uint64_t exec = x.read_mask(operand::kExec);
      uint64_t e;
      switch (x.op.aux) {
        case 0:
          e = a & exec;
          break;
        case 1:
          e = a | exec;
          break;
        case 2:
          e = a ^ exec;
          break;
        case 3:
          e = a & ~exec;
          break;
        case 4:
          e = a | ~exec;
          break;
        case 5:
          e = ~(a & exec);
          break;
        case 6:
          e = ~(a | exec);
          break;
        case 7:
          e = ~(a ^ exec);
          break;
        case 8:
          e = ~a & exec;
          break;
        default:
          e = ~a | exec;
          break;
      }
      put(exec);
      x.write_mask(operand::kExec, e);
      w.scc = (x.read_mask(operand::kExec)) != 0;
      return ok_status();
    }
    case Sem::kSWrexec: {
      const uint64_t exec = x.read_mask(operand::kExec);
      // andn1 / and_not0: EXEC = ~S0 & EXEC; andn2 / and_not1: EXEC = S0 & ~EXEC (RDNA3 guide
      // S_AND_NOT0_WREXEC_B32 / S_AND_NOT1_WREXEC_B32, CDNA3 S_ANDN1/ANDN2_WREXEC_B64).
      const uint64_t e = x.op.aux == 0 ? (~a & exec) : (a & ~exec);
      x.write_mask(operand::kExec, e);
      put(e);
      w.scc = (x.read_mask(operand::kExec)) != 0;
      return ok_status();
    }
    case Sem::kSAbs: {
      const int32_t v = static_cast<int32_t>(a32);
      put_scc(static_cast<uint32_t>(v < 0 ? -static_cast<int64_t>(v) : v));
      return ok_status();
    }
    case Sem::kSAddU: {
      const uint64_t r = uint64_t{a32} + b32;
      put(static_cast<uint32_t>(r));
      w.scc = (r >> 32) != 0;
      return ok_status();
    }
    case Sem::kSSubU:
      put(a32 - b32);
      w.scc = b32 > a32;
      return ok_status();
    case Sem::kSAddI: {
      const int64_t r = int64_t{static_cast<int32_t>(a32)} + static_cast<int32_t>(b32);
      put(static_cast<uint32_t>(r));
      w.scc = r != static_cast<int32_t>(r);
      return ok_status();
    }
    case Sem::kSSubI: {
      const int64_t r = int64_t{static_cast<int32_t>(a32)} - static_cast<int32_t>(b32);
      put(static_cast<uint32_t>(r));
      w.scc = r != static_cast<int32_t>(r);
      return ok_status();
    }
    case Sem::kSAddc: {
      const uint64_t r = uint64_t{a32} + b32 + (w.scc ? 1 : 0);
      put(static_cast<uint32_t>(r));
      w.scc = (r >> 32) != 0;
      return ok_status();
    }
    case Sem::kSSubb: {
      const uint64_t sub = uint64_t{b32} + (w.scc ? 1 : 0);
      put(static_cast<uint32_t>(a32 - sub));
      w.scc = sub > a32;
      return ok_status();
    }
    case Sem::kSMinI: {
      const bool lt = static_cast<int32_t>(a32) < static_cast<int32_t>(b32);
      put(lt ? a32 : b32);
      w.scc = lt;
      return ok_status();
    }
    case Sem::kSMinU:
      put(a32 < b32 ? a32 : b32);
      w.scc = a32 < b32;
      return ok_status();
    case Sem::kSMaxI: {
      const bool gt = static_cast<int32_t>(a32) > static_cast<int32_t>(b32);
      put(gt ? a32 : b32);
      w.scc = gt;
      return ok_status();
    }
    case Sem::kSMaxU:
      put(a32 > b32 ? a32 : b32);
      w.scc = a32 > b32;
      return ok_status();
    case Sem::kSCselect:
      put(w.scc ? a : b);
      return ok_status();
    case Sem::kSAnd:
      put_scc(a & b & mask);
      return ok_status();
    case Sem::kSOr:
      put_scc((a | b) & mask);
      return ok_status();
    case Sem::kSXor:
      put_scc((a ^ b) & mask);
      return ok_status();
    case Sem::kSAndn2:
      put_scc(a & ~b & mask);
      return ok_status();
    case Sem::kSOrn2:
      put_scc((a | ~b) & mask);
      return ok_status();
    case Sem::kSNand:
      put_scc(~(a & b) & mask);
      return ok_status();
    case Sem::kSNor:
      put_scc(~(a | b) & mask);
      return ok_status();
    case Sem::kSXnor:
      put_scc(~(a ^ b) & mask);
      return ok_status();
    case Sem::kSLshl:
      put_scc(w64 ? (a << (b32 & 63)) : uint64_t{a32 << (b32 & 31)});
      return ok_status();
    case Sem::kSLshr:
      put_scc(w64 ? (a >> (b32 & 63)) : uint64_t{a32 >> (b32 & 31)});
      return ok_status();
    case Sem::kSAshr:
      put_scc(w64 ? static_cast<uint64_t>(static_cast<int64_t>(a) >> (b32 & 63))
                  : static_cast<uint32_t>(static_cast<int32_t>(a32) >> (b32 & 31)));
      return ok_status();
    case Sem::kSBfm:
      if (wide(dt, x.ds.wave_size)) {
        put(((a32 & 63) == 0 ? 0 : ((1ull << (a32 & 63)) - 1)) << (b32 & 63));
      } else {
        put(static_cast<uint32_t>(((1ull << (a32 & 31)) - 1) << (b32 & 31)));
      }
      return ok_status();
    case Sem::kSMulI32:
      put(a32 * b32);
      return ok_status();
    case Sem::kSMulHiU32:
      put(static_cast<uint32_t>((uint64_t{a32} * b32) >> 32));
      return ok_status();
    case Sem::kSMulHiI32:
      put(static_cast<uint32_t>((int64_t{static_cast<int32_t>(a32)} * static_cast<int32_t>(b32)) >>
                                32));
      return ok_status();
    case Sem::kSBfeU:
    case Sem::kSBfeI: {
      // src1: offset [5:0] (64-bit) / [4:0] (32-bit), width [22:16].
      const uint32_t width = (b32 >> 16) & 0x7F;
      if (w64) {
        const uint32_t off = b32 & 63;
        uint64_t r = width == 0 ? 0 : (a >> off) & (width >= 64 ? ~0ull : ((1ull << width) - 1));
        if (sem == Sem::kSBfeI && width > 0 && width < 64) {
          const uint64_t m = 1ull << (width - 1);
          r = (r ^ m) - m;
        }
        put_scc(r);
      } else {
        const uint32_t off = b32 & 31;
        uint32_t r = width == 0 ? 0 : (a32 >> off) & (width >= 32 ? ~0u : ((1u << width) - 1));
        if (sem == Sem::kSBfeI && width > 0 && width < 32) {
          const uint32_t m = 1u << (width - 1);
          r = (r ^ m) - m;
        }
        put_scc(r);
      }
      return ok_status();
    }
    case Sem::kSLshlAdd: {
      const uint64_t r = (uint64_t{a32} << x.op.aux) + b32;
      put(static_cast<uint32_t>(r));
      w.scc = (r >> 32) != 0;
      return ok_status();
    }
    case Sem::kSAbsdiff: {
      const int64_t d = int64_t{static_cast<int32_t>(a32)} - static_cast<int32_t>(b32);
      put_scc(static_cast<uint32_t>(d < 0 ? -d : d));
      return ok_status();
    }
    case Sem::kSPackLL:
      put((a32 & 0xFFFF) | (b32 << 16));
      return ok_status();
    case Sem::kSPackLH:
      put((a32 & 0xFFFF) | (b32 & 0xFFFF0000u));
      return ok_status();
    case Sem::kSPackHH:
      put((a32 >> 16) | (b32 & 0xFFFF0000u));
      return ok_status();
    case Sem::kSMovk:
      put(static_cast<uint32_t>(x.in.simm16));
      return ok_status();
    case Sem::kSCmovk:
      if (w.scc) put(static_cast<uint32_t>(x.in.simm16));
      return ok_status();
    case Sem::kSAddk: {
      uint64_t d = 0;
      scalar_value(w, x.ds, x.in, x.in.dst, T::kI32, &d);
      const int64_t r = int64_t{static_cast<int32_t>(d)} + x.in.simm16;
      put(static_cast<uint32_t>(r));
      w.scc = r != static_cast<int32_t>(r);
      return ok_status();
    }
    case Sem::kSMulk: {
      uint64_t d = 0;
      scalar_value(w, x.ds, x.in, x.in.dst, T::kI32, &d);
      put(static_cast<uint32_t>(static_cast<int32_t>(d) * x.in.simm16));
      return ok_status();
    }
    case Sem::kSCmp: {
      const Cond c = static_cast<Cond>(x.op.aux);
      if (x.op.src[0] == T::kI32) {
        w.scc = compare_int(c, static_cast<int32_t>(a32), static_cast<int32_t>(b32));
      } else if (x.op.src[0] == T::kB32) {
        w.scc = compare_int(c, a32, b32);
      } else {
        w.scc = compare_int(c, a, b);
      }
      return ok_status();
    }
    case Sem::kSCmpk: {
      uint64_t d = 0;
      scalar_value(w, x.ds, x.in, x.in.dst, dt, &d);
      const Cond c = static_cast<Cond>(x.op.aux);
      if (dt == T::kI32) {
        w.scc = compare_int(c, static_cast<int32_t>(d), x.in.simm16);
      } else {
        w.scc =
            compare_int(c, static_cast<uint32_t>(d), static_cast<uint32_t>(x.in.simm16) & 0xFFFF);
      }
      return ok_status();
    }
    case Sem::kSBitcmp0:
    case Sem::kSBitcmp1: {
      const uint32_t bit = b32 & (w64 ? 63 : 31);
      const bool set = ((w64 ? a : a32) >> bit) & 1;
      w.scc = sem == Sem::kSBitcmp1 ? set : !set;
      return ok_status();
    }
    default:
      return x.bad("no semantics for this scalar instruction in the interpreter");
  }
}

// ------------------------------------------------------------------------------------------
// Program control (SOPP)

Status exec_sopp(Exec& x, bool* yield) {
  Wave& w = x.w;
  const uint64_t target = x.in.address + 4 + static_cast<int64_t>(x.in.simm16) * 4;
  auto branch_if = [&](bool c) {
    if (c) w.pc = target;
  };
  const uint64_t vcc = x.read_mask(operand::kVcc);
  const uint64_t exec = x.read_mask(operand::kExec);
  switch (x.op.sem) {
    case Sem::kSNop:
    case Sem::kSWaitcnt:
    case Sem::kSIgnored:
      return ok_status();
    case Sem::kSEndpgm:
      w.done = true;
      *yield = true;
      return ok_status();
    case Sem::kSBranch:
      w.pc = target;
      return ok_status();
    case Sem::kSCbranchScc0:
      branch_if(!w.scc);
      return ok_status();
    case Sem::kSCbranchScc1:
      branch_if(w.scc);
      return ok_status();
    case Sem::kSCbranchVccz:
      branch_if(vcc == 0);
      return ok_status();
    case Sem::kSCbranchVccnz:
      branch_if(vcc != 0);
      return ok_status();
    case Sem::kSCbranchExecz:
      branch_if(exec == 0);
      return ok_status();
    case Sem::kSCbranchExecnz:
      branch_if(exec != 0);
      return ok_status();
    case Sem::kSBarrier:
      w.at_barrier = true;
      *yield = true;
      return ok_status();
    case Sem::kSSendmsg:
      // gfx11 MSG_DEALLOC_VGPRS (id 3 in SIMM16[7:0], AMDGPU SIDefines ID_DEALLOC_VGPRS_GFX11Plus):
      // sent right before s_endpgm; VGPRs are released with the wave anyway.
      if ((x.in.simm16 & 0xFF) == 3) return ok_status();
      return x.bad(fmt::format("s_sendmsg message {:#x} is not supported by the interpreter",
                               x.in.simm16 & 0xFFFF));
    default:
      return x.bad("no semantics for this program-control instruction in the interpreter");
  }
}

// ------------------------------------------------------------------------------------------
// Scalar memory

Status exec_smem(Exec& x) {
  if (x.op.sem == Sem::kSDcache) return ok_status();
  const MemKind k = static_cast<MemKind>(x.op.aux);
  const uint32_t bytes = mem_kind_bytes(k);
  uint64_t addr = 0;
  uint64_t limit = ~0ull;
  Wave& w = x.w;
  if (x.op.sem == Sem::kSLoad) {
    addr = w.s[x.in.sbase] | (static_cast<uint64_t>(w.s[x.in.sbase + 1]) << 32);
  } else if (x.op.sem == Sem::kSBufferLoad) {
    // V#: base [47:0], stride [61:48], num_records dword 2 (bytes for stride 0).
    addr = w.s[x.in.sbase] | (static_cast<uint64_t>(w.s[x.in.sbase + 1] & 0xFFFF) << 32);
    limit = w.s[x.in.sbase + 2];
  } else {
    return x.bad("no semantics for this scalar memory instruction in the interpreter");
  }
  int64_t off = x.in.offset;
  if (x.in.soffset != operand::kNone) off += w.s[x.in.soffset];
  uint32_t data[16] = {};
  if (x.op.sem == Sem::kSBufferLoad) {
    const uint64_t o = static_cast<uint64_t>(off) & ~3ull;
    for (uint32_t i = 0; i < bytes / 4; ++i) {
      if (o + 4 * i + 4 <= limit) {
        AMDHAL_RETURN_IF_ERROR(mem_read(x.ctx, x.in, addr + o + 4 * i, &data[i], 4));
      }
    }
  } else {
    // Scalar loads ignore the two low address bits (dword aligned).
    const uint64_t va = (addr + static_cast<uint64_t>(off)) & ~3ull;
    AMDHAL_RETURN_IF_ERROR(mem_read(x.ctx, x.in, va, data, bytes));
  }
  for (uint32_t i = 0; i < bytes / 4; ++i) {
    if (x.in.dst + i < 128) w.s[x.in.dst + i] = data[i];
  }
  return ok_status();
}

// ------------------------------------------------------------------------------------------
// Vector ALU

Status exec_valu(Exec& x) {
  const OpInfo& op = x.op;
  const Instruction& in = x.in;
  Wave& w = x.w;
  const uint64_t exec = x.exec;
  const Sem sem = op.sem;
  if (in.sdwa || in.dpp) return x.bad("SDWA/DPP forms are not supported by the interpreter");
  if (in.opsel != 0 && in.encoding == Encoding::kVop3) {
    return x.bad("op_sel on a VOP3 instruction is not supported by the interpreter");
  }
  const bool fdst = is_float(op.dst);
  if ((in.clamp || in.omod) && !fdst && sem != Sem::kVCmp && sem != Sem::kVCmpClass) {
    return x.bad("clamp/omod on an integer VALU instruction is not supported by the interpreter");
  }
  VSrc a, b, c;
  const int nsrc = op.src[2] != T::kNone   ? 3
                   : op.src[1] != T::kNone ? 2
                   : op.src[0] != T::kNone ? 1
                                           : 0;
  if (nsrc >= 1 && !x.vsrc(0, &a)) return x.bad("unsupported source operand");
  if (nsrc >= 2 && !x.vsrc(1, &b)) return x.bad("unsupported source operand");
  const bool carry_in = (op.flags & kOpCarryIn) != 0;
  if (nsrc >= 3 && !carry_in && sem != Sem::kVFmac && !x.vsrc(2, &c)) {
    return x.bad("unsupported source operand");
  }
  const bool f64 = op.dst == T::kF64 || op.src[0] == T::kF64;
  x.ctx.lane_ops += static_cast<uint64_t>(std::popcount(exec));

  auto vdst = [&](uint32_t k = 0) { return x.drow(k); };
  // Map helpers: write a 32-bit / 64-bit result per active lane.
  auto map32 = [&](auto&& fn) {
    uint32_t* d = vdst();
    for_lanes(exec, [&](uint32_t l) { d[l] = fn(l); });
  };
  auto map64 = [&](auto&& fn) {
    uint32_t* d0 = vdst(0);
    uint32_t* d1 = vdst(1);
    for_lanes(exec, [&](uint32_t l) {
      const uint64_t r = fn(l);
      d0[l] = static_cast<uint32_t>(r);
      d1[l] = static_cast<uint32_t>(r >> 32);
    });
  };
  auto mapf = [&](auto&& fn32, auto&& fn64) {
    if (f64) {
      map64([&](uint32_t l) { return f64_bits(x.post(fn64(l))); });
    } else {
      map32([&](uint32_t l) { return f32_bits(x.post(fn32(l))); });
    }
  };
  // Carry/condition mask helpers (VCC in e32; SGPR operands in VOP3/VOP3B).
  const uint16_t carry_out_code = in.encoding == Encoding::kVop2 ? operand::kVcc : in.sdst;
  const uint16_t carry_in_code = in.encoding == Encoding::kVop2 ? operand::kVcc : in.src[2];

  switch (sem) {
    case Sem::kVNop:
      return ok_status();
    case Sem::kVMov:
      map32([&](uint32_t l) { return a.u(l); });
      return ok_status();
    case Sem::kVMov64:
      map64([&](uint32_t l) { return a.u64(l); });
      return ok_status();
    case Sem::kVAccRead:
    case Sem::kVAccWrite:
    case Sem::kVAccMov: {
      // accvgpr_read: VGPR <- AGPR; accvgpr_write: AGPR <- VGPR/constant; accvgpr_mov: AGPR <-
      // AGPR.
      const uint32_t dst_row = (in.dst - operand::kVgpr0) + (sem == Sem::kVAccRead ? 0 : kAgprRow0);
      const uint32_t* src_row = nullptr;
      uint32_t scalar = 0;
      if (in.src[0] >= operand::kVgpr0) {
        src_row = w.row((in.src[0] - operand::kVgpr0 + (sem == Sem::kVAccWrite ? 0 : kAgprRow0)) %
                        kVectorRows);
      } else {
        uint64_t v = 0;
        if (!scalar_value(w, x.ds, in, in.src[0], T::kB32, &v)) return x.bad("unsupported source");
        scalar = static_cast<uint32_t>(v);
      }
      uint32_t* d = w.row(dst_row % kVectorRows);
      for_lanes(exec, [&](uint32_t l) { d[l] = src_row ? src_row[l] : scalar; });
      return ok_status();
    }
    case Sem::kVReadfirstlane: {
      const uint32_t lane = exec ? static_cast<uint32_t>(std::countr_zero(exec)) : 0;
      x.swrite(in.dst, T::kB32, a.u(lane));
      return ok_status();
    }
    case Sem::kVReadlane: {
      const uint32_t lane = b.u(0) & (x.ds.wave_size - 1);
      x.swrite(in.dst, T::kB32, a.u(lane));
      return ok_status();
    }
    case Sem::kVWritelane: {
      const uint32_t lane = b.u(0) & (x.ds.wave_size - 1);
      vdst()[lane] = a.u(0);
      return ok_status();
    }
    case Sem::kVCndmask: {
      const uint64_t m = x.read_mask(carry_in_code);
      map32([&](uint32_t l) { return ((m >> l) & 1) ? b.u(l) : a.u(l); });
      return ok_status();
    }
    // ---- conversions
    case Sem::kVCvtI32F64:
      map32([&](uint32_t l) { return static_cast<uint32_t>(cvt_sat<int32_t>(a.d(l))); });
      return ok_status();
    case Sem::kVCvtF64I32:
      map64([&](uint32_t l) { return f64_bits(x.post(static_cast<double>(a.i(l)))); });
      return ok_status();
    case Sem::kVCvtF32I32:
      map32([&](uint32_t l) { return f32_bits(x.post(static_cast<float>(a.i(l)))); });
      return ok_status();
    case Sem::kVCvtF32U32:
      map32([&](uint32_t l) { return f32_bits(x.post(static_cast<float>(a.u(l)))); });
      return ok_status();
    case Sem::kVCvtU32F32:
      map32([&](uint32_t l) { return cvt_sat<uint32_t>(a.f(l)); });
      return ok_status();
    case Sem::kVCvtI32F32:
      map32([&](uint32_t l) { return static_cast<uint32_t>(cvt_sat<int32_t>(a.f(l))); });
      return ok_status();
    case Sem::kVCvtU32F64:
      map32([&](uint32_t l) { return cvt_sat<uint32_t>(a.d(l)); });
      return ok_status();
    case Sem::kVCvtF64U32:
      map64([&](uint32_t l) { return f64_bits(x.post(static_cast<double>(a.u(l)))); });
      return ok_status();
    case Sem::kVCvtF32F64:
      map32([&](uint32_t l) { return f32_bits(x.post(static_cast<float>(a.d(l)))); });
      return ok_status();
    case Sem::kVCvtF64F32:
      map64([&](uint32_t l) { return f64_bits(x.post(static_cast<double>(a.f(l)))); });
      return ok_status();
    case Sem::kVCvtF16F32: {
      uint32_t* d = vdst();
      for_lanes(exec,
                [&](uint32_t l) { d[l] = (d[l] & 0xFFFF0000u) | f32_to_f16(x.post(a.f(l))); });
      return ok_status();
    }
    case Sem::kVCvtF32F16:
      map32(
          [&](uint32_t l) { return f32_bits(x.post(f16_to_f32(static_cast<uint16_t>(a.u(l))))); });
      return ok_status();
    case Sem::kVCvtF32Ubyte:
      map32([&](uint32_t l) {
        return f32_bits(static_cast<float>((a.u(l) >> (8 * op.aux)) & 0xFF));
      });
      return ok_status();
    // ---- float unary
    case Sem::kVTrunc:
      mapf([&](uint32_t l) { return std::trunc(a.f(l)); },
           [&](uint32_t l) { return std::trunc(a.d(l)); });
      return ok_status();
    case Sem::kVCeil:
      mapf([&](uint32_t l) { return std::ceil(a.f(l)); },
           [&](uint32_t l) { return std::ceil(a.d(l)); });
      return ok_status();
    case Sem::kVRndne:
      mapf([&](uint32_t l) { return std::nearbyint(a.f(l)); },
           [&](uint32_t l) { return std::nearbyint(a.d(l)); });
      return ok_status();
    case Sem::kVFloor:
      mapf([&](uint32_t l) { return std::floor(a.f(l)); },
           [&](uint32_t l) { return std::floor(a.d(l)); });
      return ok_status();
    case Sem::kVFract:
      mapf([&](uint32_t l) { return fract(a.f(l)); }, [&](uint32_t l) { return fract(a.d(l)); });
      return ok_status();
    case Sem::kVExp:
      mapf([&](uint32_t l) { return std::exp2(a.f(l)); },
           [&](uint32_t l) { return std::exp2(a.d(l)); });
      return ok_status();
    case Sem::kVLog:
      mapf([&](uint32_t l) { return std::log2(a.f(l)); },
           [&](uint32_t l) { return std::log2(a.d(l)); });
      return ok_status();
    case Sem::kVRcp:
    case Sem::kVRcpIflag:
      mapf([&](uint32_t l) { return 1.0f / a.f(l); }, [&](uint32_t l) { return 1.0 / a.d(l); });
      return ok_status();
    case Sem::kVRsq:
      mapf([&](uint32_t l) { return 1.0f / std::sqrt(a.f(l)); },
           [&](uint32_t l) { return 1.0 / std::sqrt(a.d(l)); });
      return ok_status();
    case Sem::kVSqrt:
      mapf([&](uint32_t l) { return std::sqrt(a.f(l)); },
           [&](uint32_t l) { return std::sqrt(a.d(l)); });
      return ok_status();
    case Sem::kVSin:
      mapf([&](uint32_t l) { return std::sin(a.f(l) * 6.28318530717958647692f); },
           [&](uint32_t l) { return std::sin(a.d(l) * 6.28318530717958647692); });
      return ok_status();
    case Sem::kVCos:
      mapf([&](uint32_t l) { return std::cos(a.f(l) * 6.28318530717958647692f); },
           [&](uint32_t l) { return std::cos(a.d(l) * 6.28318530717958647692); });
      return ok_status();
    case Sem::kVFrexpMant:
      mapf(
          [&](uint32_t l) {
            const float v = a.f(l);
            if (std::isinf(v) || std::isnan(v)) return v;
            int e;
            return std::frexp(v, &e);
          },
          [&](uint32_t l) {
            const double v = a.d(l);
            if (std::isinf(v) || std::isnan(v)) return v;
            int e;
            return std::frexp(v, &e);
          });
      return ok_status();
    case Sem::kVFrexpExp:
      map32([&](uint32_t l) {
        int e = 0;
        if (op.src[0] == T::kF64) {
          const double v = a.d(l);
          if (!std::isinf(v) && !std::isnan(v)) std::frexp(v, &e);
        } else {
          const float v = a.f(l);
          if (!std::isinf(v) && !std::isnan(v)) std::frexp(v, &e);
        }
        return static_cast<uint32_t>(e);
      });
      return ok_status();
    // ---- bit ops
    case Sem::kVNot:
      map32([&](uint32_t l) { return ~a.u(l); });
      return ok_status();
    case Sem::kVBfrev:
      map32([&](uint32_t l) {
        uint32_t v = a.u(l), r = 0;
        for (int i = 0; i < 32; ++i) r |= ((v >> i) & 1u) << (31 - i);
        return r;
      });
      return ok_status();
    case Sem::kVFfbh:
      map32([&](uint32_t l) {
        const uint32_t v = a.u(l);
        return v == 0 ? 0xFFFFFFFFu : static_cast<uint32_t>(std::countl_zero(v));
      });
      return ok_status();
    case Sem::kVFfbl:
      map32([&](uint32_t l) {
        const uint32_t v = a.u(l);
        return v == 0 ? 0xFFFFFFFFu : static_cast<uint32_t>(std::countr_zero(v));
      });
      return ok_status();
    case Sem::kVFfbhI32:
      map32([&](uint32_t l) {
        const uint32_t v = a.u(l);
        if (v == 0 || v == ~0u) return 0xFFFFFFFFu;
        return static_cast<uint32_t>(
            std::countl_zero(v ^ static_cast<uint32_t>(static_cast<int32_t>(v) >> 31)));
      });
      return ok_status();
    // ---- float binary / ternary
    case Sem::kVAddF:
      mapf([&](uint32_t l) { return a.f(l) + b.f(l); },
           [&](uint32_t l) { return a.d(l) + b.d(l); });
      return ok_status();
    case Sem::kVSubF:
      mapf([&](uint32_t l) { return a.f(l) - b.f(l); },
           [&](uint32_t l) { return a.d(l) - b.d(l); });
      return ok_status();
    case Sem::kVSubrevF:
      mapf([&](uint32_t l) { return b.f(l) - a.f(l); },
           [&](uint32_t l) { return b.d(l) - a.d(l); });
      return ok_status();
    case Sem::kVMulF:
      mapf([&](uint32_t l) { return a.f(l) * b.f(l); },
           [&](uint32_t l) { return a.d(l) * b.d(l); });
      return ok_status();
    case Sem::kVMinF:
      mapf([&](uint32_t l) { return std::fmin(a.f(l), b.f(l)); },
           [&](uint32_t l) { return std::fmin(a.d(l), b.d(l)); });
      return ok_status();
    case Sem::kVMaxF:
      mapf([&](uint32_t l) { return std::fmax(a.f(l), b.f(l)); },
           [&](uint32_t l) { return std::fmax(a.d(l), b.d(l)); });
      return ok_status();
    case Sem::kVLdexp:
      mapf([&](uint32_t l) { return std::ldexp(a.f(l), b.i(l)); },
           [&](uint32_t l) { return std::ldexp(a.d(l), b.i(l)); });
      return ok_status();
    case Sem::kVFma:
      mapf([&](uint32_t l) { return std::fma(a.f(l), b.f(l), c.f(l)); },
           [&](uint32_t l) { return std::fma(a.d(l), b.d(l), c.d(l)); });
      return ok_status();
    // ---- division helpers (GCN3/Vega ISA V_DIV_SCALE_*, V_DIV_FMAS_*, V_DIV_FIXUP_*). The
    // compiler's division sequence is div_scale (denominator and numerator), rcp, Newton-Raphson
    // fmas, div_fmas, div_fixup. Operands whose quotient needs no range scaling pass through
    // div_scale unchanged with VCC 0; zero, infinite and NaN operands are resolved by div_fixup.
    // Scaled operands (quotients or reciprocals near the denormal or overflow range) are refused.
    case Sem::kVDivScale: {
      uint64_t vcc = 0;
      bool refused = false;
      // S1 is the denominator, S2 the numerator; S0 is one of them.
      auto scale = [&](auto s0, auto den, auto num, int max_diff, int tiny_exp) {
        using V = decltype(s0);
        using Bits = std::conditional_t<sizeof(V) == 8, uint64_t, uint32_t>;
        constexpr int kMant = sizeof(V) == 8 ? 52 : 23;
        constexpr Bits kExpMask = sizeof(V) == 8 ? 0x7FF : 0xFF;
        auto exponent = [&](V v) {
          return static_cast<int>((std::bit_cast<Bits>(v) >> kMant) & kExpMask);
        };
        if (num == 0 || den == 0) return std::numeric_limits<V>::quiet_NaN();
        if (!std::isfinite(num) || !std::isfinite(den)) return s0;
        const V q = static_cast<V>(static_cast<double>(num) / static_cast<double>(den));
        if (exponent(num) - exponent(den) >= max_diff || exponent(den) == 0 ||
            std::fpclassify(1.0 / static_cast<double>(den)) == FP_SUBNORMAL ||
            std::fpclassify(q) == FP_SUBNORMAL || exponent(num) <= tiny_exp) {
          refused = true;
        }
        return s0;
      };
      if (f64) {
        map64([&](uint32_t l) { return f64_bits(scale(a.d(l), b.d(l), c.d(l), 768, 53)); });
      } else {
        map32([&](uint32_t l) { return f32_bits(scale(a.f(l), b.f(l), c.f(l), 96, 23)); });
      }
      if (refused) {
        return x.bad("division operands that need range scaling are not supported");
      }
      x.write_mask(in.sdst, vcc);
      return ok_status();
    }
    case Sem::kVDivFmas: {
      const uint64_t vcc = x.read_mask(operand::kVcc) & exec;
      if (vcc != 0) return x.bad("v_div_fmas with VCC set (a scaled division) is not supported");
      mapf([&](uint32_t l) { return std::fma(a.f(l), b.f(l), c.f(l)); },
           [&](uint32_t l) { return std::fma(a.d(l), b.d(l), c.d(l)); });
      return ok_status();
    }
    case Sem::kVDivFixup: {
      // S0 is the quotient, S1 the denominator, S2 the numerator.
      auto fixup = [](auto q, auto den, auto num) {
        using V = decltype(q);
        constexpr V kInf = std::numeric_limits<V>::infinity();
        const bool neg = std::signbit(den) != std::signbit(num);
        if (std::isnan(num)) return std::numeric_limits<V>::quiet_NaN();
        if (std::isnan(den)) return std::numeric_limits<V>::quiet_NaN();
        if (den == 0 && num == 0) return std::numeric_limits<V>::quiet_NaN();
        if (std::isinf(den) && std::isinf(num)) return std::numeric_limits<V>::quiet_NaN();
        if (den == 0 || std::isinf(num)) return neg ? -kInf : kInf;
        if (std::isinf(den) || num == 0) return neg ? V(-0.0) : V(0.0);
        return neg ? -std::fabs(q) : std::fabs(q);
      };
      mapf([&](uint32_t l) { return fixup(a.f(l), b.f(l), c.f(l)); },
           [&](uint32_t l) { return fixup(a.d(l), b.d(l), c.d(l)); });
      return ok_status();
    }
    case Sem::kVFmac: {
      // D = S0 * S1 + D (the accumulator is the destination register).
      uint32_t* d0 = vdst(0);
      if (f64) {
        uint32_t* d1 = vdst(1);
        for_lanes(exec, [&](uint32_t l) {
          const double acc = bits_f64((static_cast<uint64_t>(d1[l]) << 32) | d0[l]);
          const uint64_t r = f64_bits(x.post(std::fma(a.d(l), b.d(l), acc)));
          d0[l] = static_cast<uint32_t>(r);
          d1[l] = static_cast<uint32_t>(r >> 32);
        });
      } else {
        for_lanes(exec, [&](uint32_t l) {
          d0[l] = f32_bits(x.post(std::fma(a.f(l), b.f(l), bits_f32(d0[l]))));
        });
      }
      return ok_status();
    }
    case Sem::kVFmamk: {  // D = S0 * K + S1
      const float kf = bits_f32(in.literal);
      map32([&](uint32_t l) { return f32_bits(std::fma(a.f(l), kf, b.f(l))); });
      return ok_status();
    }
    case Sem::kVFmaak: {  // D = S0 * S1 + K
      const float kf = bits_f32(in.literal);
      map32([&](uint32_t l) { return f32_bits(std::fma(a.f(l), b.f(l), kf)); });
      return ok_status();
    }
    case Sem::kVMin3F:
      mapf([&](uint32_t l) { return std::fmin(std::fmin(a.f(l), b.f(l)), c.f(l)); },
           [&](uint32_t l) { return std::fmin(std::fmin(a.d(l), b.d(l)), c.d(l)); });
      return ok_status();
    case Sem::kVMax3F:
      mapf([&](uint32_t l) { return std::fmax(std::fmax(a.f(l), b.f(l)), c.f(l)); },
           [&](uint32_t l) { return std::fmax(std::fmax(a.d(l), b.d(l)), c.d(l)); });
      return ok_status();
    case Sem::kVMed3F:
      mapf([&](uint32_t l) { return med3(a.f(l), b.f(l), c.f(l)); },
           [&](uint32_t l) { return med3(a.d(l), b.d(l), c.d(l)); });
      return ok_status();
    // ---- integer
    case Sem::kVMulI24:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>(int64_t{bfe_i32(a.u(l), 0, 24)} * bfe_i32(b.u(l), 0, 24));
      });
      return ok_status();
    case Sem::kVMulHiI24:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>((int64_t{bfe_i32(a.u(l), 0, 24)} * bfe_i32(b.u(l), 0, 24)) >>
                                     32);
      });
      return ok_status();
    case Sem::kVMulU24:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>(uint64_t{a.u(l) & 0xFFFFFFu} * (b.u(l) & 0xFFFFFFu));
      });
      return ok_status();
    case Sem::kVMulHiU24:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>((uint64_t{a.u(l) & 0xFFFFFFu} * (b.u(l) & 0xFFFFFFu)) >> 32);
      });
      return ok_status();
    case Sem::kVMadI24:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>(int64_t{bfe_i32(a.u(l), 0, 24)} * bfe_i32(b.u(l), 0, 24) +
                                     c.i(l));
      });
      return ok_status();
    case Sem::kVMadU24:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>(uint64_t{a.u(l) & 0xFFFFFFu} * (b.u(l) & 0xFFFFFFu) + c.u(l));
      });
      return ok_status();
    case Sem::kVMinI:
      map32([&](uint32_t l) { return static_cast<uint32_t>(std::min(a.i(l), b.i(l))); });
      return ok_status();
    case Sem::kVMaxI:
      map32([&](uint32_t l) { return static_cast<uint32_t>(std::max(a.i(l), b.i(l))); });
      return ok_status();
    case Sem::kVMinU:
      map32([&](uint32_t l) { return std::min(a.u(l), b.u(l)); });
      return ok_status();
    case Sem::kVMaxU:
      map32([&](uint32_t l) { return std::max(a.u(l), b.u(l)); });
      return ok_status();
    case Sem::kVMin3I:
      map32([&](uint32_t l) { return static_cast<uint32_t>(std::min({a.i(l), b.i(l), c.i(l)})); });
      return ok_status();
    case Sem::kVMax3I:
      map32([&](uint32_t l) { return static_cast<uint32_t>(std::max({a.i(l), b.i(l), c.i(l)})); });
      return ok_status();
    case Sem::kVMed3I:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>(
            std::max(std::min(a.i(l), b.i(l)), std::min(std::max(a.i(l), b.i(l)), c.i(l))));
      });
      return ok_status();
    case Sem::kVMin3U:
      map32([&](uint32_t l) { return std::min({a.u(l), b.u(l), c.u(l)}); });
      return ok_status();
    case Sem::kVMax3U:
      map32([&](uint32_t l) { return std::max({a.u(l), b.u(l), c.u(l)}); });
      return ok_status();
    case Sem::kVMed3U:
      map32([&](uint32_t l) {
        return std::max(std::min(a.u(l), b.u(l)), std::min(std::max(a.u(l), b.u(l)), c.u(l)));
      });
      return ok_status();
    case Sem::kVLshr:
      map32([&](uint32_t l) { return b.u(l) >> (a.u(l) & 31); });
      return ok_status();
    case Sem::kVAshr:
      map32([&](uint32_t l) { return static_cast<uint32_t>(b.i(l) >> (a.u(l) & 31)); });
      return ok_status();
    case Sem::kVLshl:
      map32([&](uint32_t l) { return b.u(l) << (a.u(l) & 31); });
      return ok_status();
    case Sem::kVAnd:
      map32([&](uint32_t l) { return a.u(l) & b.u(l); });
      return ok_status();
    case Sem::kVOr:
      map32([&](uint32_t l) { return a.u(l) | b.u(l); });
      return ok_status();
    case Sem::kVXor:
      map32([&](uint32_t l) { return a.u(l) ^ b.u(l); });
      return ok_status();
    case Sem::kVXnor:
      map32([&](uint32_t l) { return ~(a.u(l) ^ b.u(l)); });
      return ok_status();
    case Sem::kVAddU:
      if (in.clamp) {
        map32([&](uint32_t l) {
          const uint64_t r = uint64_t{a.u(l)} + b.u(l);
          return r > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<uint32_t>(r);
        });
        return ok_status();
      }
      map32([&](uint32_t l) { return a.u(l) + b.u(l); });
      return ok_status();
    case Sem::kVSubU:
      if (in.clamp) {
        map32([&](uint32_t l) { return a.u(l) < b.u(l) ? 0u : a.u(l) - b.u(l); });
        return ok_status();
      }
      map32([&](uint32_t l) { return a.u(l) - b.u(l); });
      return ok_status();
    case Sem::kVSubrevU:
      map32([&](uint32_t l) { return b.u(l) - a.u(l); });
      return ok_status();
    case Sem::kVAddI:
      map32(
          [&](uint32_t l) { return static_cast<uint32_t>(a.i(l) + static_cast<int64_t>(b.i(l))); });
      return ok_status();
    case Sem::kVSubI:
      map32(
          [&](uint32_t l) { return static_cast<uint32_t>(a.i(l) - static_cast<int64_t>(b.i(l))); });
      return ok_status();
    case Sem::kVAddCo:
    case Sem::kVSubCo:
    case Sem::kVSubrevCo:
    case Sem::kVAddc:
    case Sem::kVSubb:
    case Sem::kVSubbrev: {
      const uint64_t cin = carry_in ? x.read_mask(carry_in_code) : 0;
      uint64_t cout = 0;
      uint32_t* d = vdst();
      for_lanes(exec, [&](uint32_t l) {
        const uint64_t ci = (cin >> l) & 1;
        uint64_t s0 = a.u(l), s1 = b.u(l);
        if (sem == Sem::kVSubrevCo || sem == Sem::kVSubbrev) std::swap(s0, s1);
        bool carry;
        uint32_t r;
        if (sem == Sem::kVAddCo || sem == Sem::kVAddc) {
          const uint64_t sum = s0 + s1 + ci;
          r = static_cast<uint32_t>(sum);
          carry = (sum >> 32) != 0;
        } else {
          const uint64_t sub = s1 + ci;
          r = static_cast<uint32_t>(s0 - sub);
          carry = sub > s0;  // borrow
        }
        d[l] = r;
        if (carry) cout |= 1ull << l;
      });
      x.write_mask(carry_out_code, cout);
      return ok_status();
    }
    case Sem::kVBfeU:
      map32([&](uint32_t l) { return bfe_u32(a.u(l), b.u(l), c.u(l)); });
      return ok_status();
    case Sem::kVBfeI:
      map32([&](uint32_t l) { return static_cast<uint32_t>(bfe_i32(a.u(l), b.u(l), c.u(l))); });
      return ok_status();
    case Sem::kVBfi:
      map32([&](uint32_t l) { return (a.u(l) & b.u(l)) | (~a.u(l) & c.u(l)); });
      return ok_status();
    case Sem::kVBfm:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>(((1ull << (a.u(l) & 31)) - 1) << (b.u(l) & 31));
      });
      return ok_status();
    case Sem::kVAlignbit:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>((((uint64_t{a.u(l)} << 32) | b.u(l)) >> (c.u(l) & 31)));
      });
      return ok_status();
    case Sem::kVAlignbyte:
      map32([&](uint32_t l) {
        return static_cast<uint32_t>((((uint64_t{a.u(l)} << 32) | b.u(l)) >> (8 * (c.u(l) & 3))));
      });
      return ok_status();
    case Sem::kVPerm:
      map32([&](uint32_t l) {
        const uint64_t both = (uint64_t{a.u(l)} << 32) | b.u(l);
        const uint32_t s = c.u(l);
        uint32_t r = 0;
        for (int i = 0; i < 4; ++i) r |= perm_byte(both, (s >> (8 * i)) & 0xFF) << (8 * i);
        return r;
      });
      return ok_status();
    case Sem::kVXad:
      map32([&](uint32_t l) { return (a.u(l) ^ b.u(l)) + c.u(l); });
      return ok_status();
    case Sem::kVLshlAdd:
      map32([&](uint32_t l) { return (a.u(l) << (b.u(l) & 31)) + c.u(l); });
      return ok_status();
    case Sem::kVAddLshl:
      map32([&](uint32_t l) { return (a.u(l) + b.u(l)) << (c.u(l) & 31); });
      return ok_status();
    case Sem::kVAdd3:
      map32([&](uint32_t l) { return a.u(l) + b.u(l) + c.u(l); });
      return ok_status();
    case Sem::kVLshlOr:
      map32([&](uint32_t l) { return (a.u(l) << (b.u(l) & 31)) | c.u(l); });
      return ok_status();
    case Sem::kVAndOr:
      map32([&](uint32_t l) { return (a.u(l) & b.u(l)) | c.u(l); });
      return ok_status();
    case Sem::kVOr3:
      map32([&](uint32_t l) { return a.u(l) | b.u(l) | c.u(l); });
      return ok_status();
    case Sem::kVLshlAdd64:
      // CDNA3: D.u64 = (S0.u64 << S1.u[2:0]) + S2.u64.
      map64([&](uint32_t l) { return (a.u64(l) << (b.u(l) & 7)) + c.u64(l); });
      return ok_status();
    case Sem::kVMulLo:
      map32([&](uint32_t l) { return a.u(l) * b.u(l); });
      return ok_status();
    case Sem::kVMulHiU:
      map32([&](uint32_t l) { return static_cast<uint32_t>((uint64_t{a.u(l)} * b.u(l)) >> 32); });
      return ok_status();
    case Sem::kVMulHiI:
      map32([&](uint32_t l) { return static_cast<uint32_t>((int64_t{a.i(l)} * b.i(l)) >> 32); });
      return ok_status();
    case Sem::kVMadU64U32:
    case Sem::kVMadI64I32: {
      uint64_t cout = 0;
      uint32_t* d0 = vdst(0);
      uint32_t* d1 = vdst(1);
      for_lanes(exec, [&](uint32_t l) {
        uint64_t r;
        bool carry;
        if (sem == Sem::kVMadU64U32) {
          const unsigned __int128 full =
              static_cast<unsigned __int128>(uint64_t{a.u(l)} * b.u(l)) + c.u64(l);
          r = static_cast<uint64_t>(full);
          carry = (full >> 64) != 0;
        } else {
          const __int128 full =
              static_cast<__int128>(int64_t{a.i(l)} * b.i(l)) + static_cast<int64_t>(c.u64(l));
          r = static_cast<uint64_t>(full);
          carry = full != static_cast<int64_t>(r);
        }
        d0[l] = static_cast<uint32_t>(r);
        d1[l] = static_cast<uint32_t>(r >> 32);
        if (carry) cout |= 1ull << l;
      });
      x.write_mask(in.sdst, cout);
      return ok_status();
    }
    case Sem::kVBcnt:
      map32([&](uint32_t l) { return static_cast<uint32_t>(std::popcount(a.u(l))) + b.u(l); });
      return ok_status();
    case Sem::kVMbcntLo:
      map32([&](uint32_t l) {
        const uint32_t below = l >= 32 ? 0xFFFFFFFFu : ((1u << l) - 1u);
        return static_cast<uint32_t>(std::popcount(a.u(l) & below)) + b.u(l);
      });
      return ok_status();
    case Sem::kVMbcntHi:
      map32([&](uint32_t l) {
        const uint32_t below = l < 32 ? 0u : ((1ull << (l - 32)) - 1u);
        return static_cast<uint32_t>(std::popcount(a.u(l) & below)) + b.u(l);
      });
      return ok_status();
    case Sem::kVLshlrev64:
      map64([&](uint32_t l) { return b.u64(l) << (a.u(l) & 63); });
      return ok_status();
    case Sem::kVLshrrev64:
      map64([&](uint32_t l) { return b.u64(l) >> (a.u(l) & 63); });
      return ok_status();
    case Sem::kVAshrrev64:
      map64([&](uint32_t l) {
        return static_cast<uint64_t>(static_cast<int64_t>(b.u64(l)) >> (a.u(l) & 63));
      });
      return ok_status();
    // ---- compares
    case Sem::kVCmp:
    case Sem::kVCmpClass: {
      const Cond cond = static_cast<Cond>(op.aux);
      const T t = op.src[0];
      uint64_t m = 0;
      for_lanes(exec, [&](uint32_t l) {
        bool r;
        if (sem == Sem::kVCmpClass) {
          r = t == T::kF64 ? float_class(a.d(l), b.u(l), (a.u64(l) >> 51) & 1)
                           : float_class(a.f(l), b.u(l), (a.u(l) >> 22) & 1);
        } else {
          switch (t) {
            case T::kF32:
              r = compare_float(cond, a.f(l), b.f(l));
              break;
            case T::kF64:
              r = compare_float(cond, a.d(l), b.d(l));
              break;
            case T::kI32:
              r = compare_int(cond, a.i(l), b.i(l));
              break;
            case T::kB32:
              r = compare_int(cond, a.u(l), b.u(l));
              break;
            case T::kI64:
              r = compare_int(cond, static_cast<int64_t>(a.u64(l)), static_cast<int64_t>(b.u64(l)));
              break;
            default:
              r = compare_int(cond, a.u64(l), b.u64(l));
              break;
          }
        }
        if (r) m |= 1ull << l;
      });
      x.write_mask(in.dst, m);
      if (op.flags & kOpCmpx) x.write_mask(operand::kExec, m);
      return ok_status();
    }
    // ---- packed f32 (VOP3P): op_sel selects the half of each 64-bit source per result half.
    case Sem::kVPkMov:
    case Sem::kVPkAddF32:
    case Sem::kVPkMulF32:
    case Sem::kVPkFmaF32: {
      if (in.neg || in.neg_hi || in.clamp)
        return x.bad("neg/clamp on packed f32 ops are not supported");
      uint32_t* d0 = vdst(0);
      uint32_t* d1 = vdst(1);
      auto half = [&](const VSrc& s, uint32_t l, bool hi) {
        return hi ? static_cast<uint32_t>(s.u64(l) >> 32) : static_cast<uint32_t>(s.u64(l));
      };
      for_lanes(exec, [&](uint32_t l) {
        uint32_t r[2];
        for (int h = 0; h < 2; ++h) {
          const uint8_t sel = h == 0 ? in.opsel : in.opsel_hi;
          const uint32_t s0 = half(a, l, (sel >> 0) & 1);
          const uint32_t s1 = half(b, l, (sel >> 1) & 1);
          switch (sem) {
            case Sem::kVPkMov:
              r[h] = h == 0 ? s0 : s1;
              break;
            case Sem::kVPkAddF32:
              r[h] = f32_bits(bits_f32(s0) + bits_f32(s1));
              break;
            case Sem::kVPkMulF32:
              r[h] = f32_bits(bits_f32(s0) * bits_f32(s1));
              break;
            default:
              r[h] = f32_bits(
                  std::fma(bits_f32(s0), bits_f32(s1), bits_f32(half(c, l, (sel >> 2) & 1))));
              break;
          }
        }
        d0[l] = r[0];
        d1[l] = r[1];
      });
      return ok_status();
    }
    default:
      return x.bad("no semantics for this vector instruction in the interpreter");
  }
}

// ------------------------------------------------------------------------------------------
// LDS

Status lds_range(Exec& x, uint64_t addr, uint32_t len, uint8_t** p) {
  if (addr + len > x.ctx.lds_bytes) {
    return aborted(
        fmt::format("LDS access [{:#x}, {:#x}) outside the workgroup's {} bytes of LDS "
                    "(by {} at PC {:#x})",
                    addr, addr + len, x.ctx.lds_bytes, x.in.mnemonic(), x.in.address));
  }
  *p = x.ctx.lds + addr;
  return ok_status();
}

Status exec_ds(Exec& x) {
  const Instruction& in = x.in;
  const OpInfo& op = x.op;
  if (in.gds) return x.bad("GDS is not supported by the interpreter");
  if (op.sem == Sem::kDsNop) return ok_status();
  const uint32_t* addr = x.w.row(in.vaddr - operand::kVgpr0);
  const uint32_t off16 = static_cast<uint32_t>(in.offset) | (uint32_t{in.offset1} << 8);
  x.ctx.lane_ops += static_cast<uint64_t>(std::popcount(x.exec));
  Status st;
  switch (op.sem) {
    case Sem::kDsWrite:
    case Sem::kDsRead: {
      const MemKind k = static_cast<MemKind>(op.aux);
      const uint32_t n = mem_kind_bytes(k);
      for_lanes(x.exec, [&](uint32_t l) {
        if (!st.ok()) return;
        uint8_t* p;
        st = lds_range(x, uint64_t{addr[l]} + off16, n, &p);
        if (!st.ok()) return;
        if (op.sem == Sem::kDsWrite) {
          uint8_t buf[16];
          store_from_regs(x, in.vdata - operand::kVgpr0, l, k, buf);
          std::memcpy(p, buf, n);
        } else {
          load_to_regs(x, in.dst - operand::kVgpr0, l, k, p);
        }
      });
      return st;
    }
    case Sem::kDsWrite2:
    case Sem::kDsRead2: {
      const MemKind k = static_cast<MemKind>(op.aux);
      const uint32_t n = mem_kind_bytes(k);
      const uint32_t unit = n * ((op.flags & kOpSt64) ? 64 : 1);
      const uint32_t dwords = n / 4;
      for_lanes(x.exec, [&](uint32_t l) {
        for (int i = 0; i < 2 && st.ok(); ++i) {
          const uint32_t o = (i == 0 ? static_cast<uint32_t>(in.offset) : in.offset1) * unit;
          uint8_t* p;
          st = lds_range(x, uint64_t{addr[l]} + o, n, &p);
          if (!st.ok()) return;
          if (op.sem == Sem::kDsWrite2) {
            uint8_t buf[8];
            store_from_regs(x, (i == 0 ? in.vdata : in.vdata1) - operand::kVgpr0, l, k, buf);
            std::memcpy(p, buf, n);
          } else {
            load_to_regs(x, in.dst - operand::kVgpr0 + i * dwords, l, k, p);
          }
        }
      });
      return st;
    }
    case Sem::kDsAtomic: {
      const AtomicKind kind = static_cast<AtomicKind>(op.aux);
      const bool is64 = (op.flags & kOp64) != 0;
      const bool rtn = (op.flags & kOpReturns) != 0;
      const uint32_t n = is64 ? 8 : 4;
      // Waves of a workgroup run on one thread, so LDS read-modify-writes need no atomics.
      for_lanes(x.exec, [&](uint32_t l) {
        if (!st.ok()) return;
        uint8_t* p;
        st = lds_range(x, uint64_t{addr[l]} + off16, n, &p);
        if (!st.ok()) return;
        const uint32_t dr = in.vdata - operand::kVgpr0;
        if (is64) {
          uint64_t old;
          std::memcpy(&old, p, 8);
          const uint64_t data =
              x.w.row(dr)[l] | (uint64_t{x.w.row((dr + 1) % kVectorRows)[l]} << 32);
          uint64_t cur = old;
          atomic_apply<uint64_t>(kind, std::atomic_ref<uint64_t>(cur), data, 0);
          std::memcpy(p, &cur, 8);
          if (rtn) {
            x.drow(0)[l] = static_cast<uint32_t>(old);
            x.drow(1)[l] = static_cast<uint32_t>(old >> 32);
          }
        } else {
          uint32_t old;
          std::memcpy(&old, p, 4);
          uint32_t cur = old;
          atomic_apply<uint32_t>(kind, std::atomic_ref<uint32_t>(cur), x.w.row(dr)[l], 0);
          std::memcpy(p, &cur, 4);
          if (rtn) x.drow(0)[l] = old;
        }
      });
      return st;
    }
    case Sem::kDsPermute:
    case Sem::kDsBpermute: {
      // Lane index = (address + offset) / 4 within the wave (GCN3/Vega ISA "DS_PERMUTE_B32",
      // "DS_BPERMUTE_B32"); on RDNA a wave64 permutes within each 32-lane half. Reading from a
      // lane whose EXEC bit is 0 gives 0; with several writers to one lane (permute), the
      // highest source lane wins. LDS memory is not touched.
      const uint32_t span = (x.ds.target->generation == IsaGeneration::kGfx9) ? 64 : 32;
      const uint32_t lanes = std::min<uint32_t>(span, x.ds.wave_size);
      const uint32_t* data = x.w.row(in.vdata - operand::kVgpr0);
      uint32_t out[kMaxLanes] = {};
      auto lane_of = [&](uint32_t l) {
        return (l & ~(lanes - 1)) | (((addr[l] + off16) >> 2) & (lanes - 1));
      };
      if (op.sem == Sem::kDsBpermute) {
        for_lanes(x.exec, [&](uint32_t l) {
          const uint32_t from = lane_of(l);
          out[l] = ((x.exec >> from) & 1) ? data[from] : 0;
        });
      } else {
        for_lanes(x.exec, [&](uint32_t l) { out[lane_of(l)] = data[l]; });
      }
      uint32_t* dst = x.drow(0);
      for_lanes(x.exec, [&](uint32_t l) { dst[l] = out[l]; });
      return ok_status();
    }
    default:
      return x.bad("no semantics for this LDS instruction in the interpreter");
  }
}

// ------------------------------------------------------------------------------------------
// FLAT / GLOBAL / SCRATCH

enum class Space { kGlobal, kLds, kPrivate };

Status exec_flat(Exec& x) {
  const Instruction& in = x.in;
  const OpInfo& op = x.op;
  Wave& w = x.w;
  ThreadContext& ctx = x.ctx;
  const DispatchState& ds = x.ds;
  x.ctx.lane_ops += static_cast<uint64_t>(std::popcount(x.exec));
  const bool scratch = in.encoding == Encoding::kScratch;
  uint64_t sbase = 0;
  if (in.saddr != operand::kNone) {
    sbase = w.s[in.saddr];
    if (!scratch) sbase |= static_cast<uint64_t>(w.s[(in.saddr + 1) & 127]) << 32;
  }
  const uint32_t* va_lo = in.vaddr != operand::kNone ? w.row(in.vaddr - operand::kVgpr0) : nullptr;
  const uint32_t* va_hi =
      in.vaddr != operand::kNone ? w.row((in.vaddr - operand::kVgpr0 + 1) % kVectorRows) : nullptr;

  // Address of lane l and the space it falls in (FLAT: by aperture).
  auto address = [&](uint32_t l, Space* space) -> uint64_t {
    if (scratch) {
      *space = Space::kPrivate;
      return (va_lo ? va_lo[l] : 0) + sbase + static_cast<int64_t>(in.offset);
    }
    uint64_t a;
    if (in.saddr != operand::kNone) {
      a = sbase + va_lo[l] + static_cast<int64_t>(in.offset);
    } else {
      a = (va_lo[l] | (static_cast<uint64_t>(va_hi[l]) << 32)) + static_cast<int64_t>(in.offset);
    }
    *space = Space::kGlobal;
    if (in.encoding == Encoding::kFlat) {
      if (a - kSharedApertureBase < kApertureSize) {
        *space = Space::kLds;
        return a - kSharedApertureBase;
      }
      if (a - kPrivateApertureBase < kApertureSize) {
        *space = Space::kPrivate;
        return a - kPrivateApertureBase;
      }
    }
    return a;
  };
  auto private_ptr = [&](uint32_t l, uint64_t a, uint32_t n, uint8_t** p) -> Status {
    if (a + n > ds.private_bytes) {
      return aborted(fmt::format(
          "private (scratch) access [{:#x}, {:#x}) of lane {} outside the {} bytes per lane of "
          "this dispatch (by {} at PC {:#x})",
          a, a + n, l, ds.private_bytes, in.mnemonic(), in.address));
    }
    *p = w.scratch + static_cast<size_t>(l) * ds.private_bytes + a;
    return ok_status();
  };

  Status st;
  // Fast path: GLOBAL dword loads/stores whose lanes hit the translation cache.
  if (in.encoding == Encoding::kGlobal && (op.sem == Sem::kMemLoad || op.sem == Sem::kMemStore)) {
    const MemKind k = static_cast<MemKind>(op.aux);
    if (k == MemKind::kB32 || k == MemKind::kB64 || k == MemKind::kB96 || k == MemKind::kB128) {
      const uint32_t n = mem_kind_bytes(k);
      const uint32_t dwords = n / 4;
      const bool load = op.sem == Sem::kMemLoad;
      TranslationCacheSet& cache = load ? ctx.read_cache : ctx.write_cache;
      const uint32_t base_row = (load ? in.dst : in.vdata) - operand::kVgpr0;
      uint32_t* rows[4];
      for (uint32_t i = 0; i < dwords; ++i) rows[i] = w.row((base_row + i) % kVectorRows);
      uint64_t slow = 0;
      for_lanes(x.exec, [&](uint32_t l) {
        Space space;
        const uint64_t a = address(l, &space);
        uint8_t* p = cache.find(a, n);
        if (p == nullptr) {
          slow |= 1ull << l;
          return;
        }
        for (uint32_t i = 0; i < dwords; ++i) {
          if (load) {
            std::memcpy(&rows[i][l], p + 4 * i, 4);
          } else {
            std::memcpy(p + 4 * i, &rows[i][l], 4);
          }
        }
      });
      // Lanes that missed the cache take the general path below.
      x.exec = slow;
      if (slow == 0) return ok_status();
    }
  }
  switch (op.sem) {
    case Sem::kMemLoad:
    case Sem::kMemStore: {
      const MemKind k = static_cast<MemKind>(op.aux);
      const uint32_t n = mem_kind_bytes(k);
      const bool load = op.sem == Sem::kMemLoad;
      for_lanes(x.exec, [&](uint32_t l) {
        if (!st.ok()) return;
        Space space;
        const uint64_t a = address(l, &space);
        uint8_t buf[16];
        uint8_t* p = nullptr;
        if (space == Space::kPrivate) {
          st = private_ptr(l, a, n, &p);
        } else if (space == Space::kLds) {
          st = lds_range(x, a, n, &p);
        }
        if (!st.ok()) return;
        if (load) {
          if (p == nullptr) {
            st = mem_read(ctx, in, a, buf, n);
            if (!st.ok()) return;
            p = buf;
          }
          load_to_regs(x, in.dst - operand::kVgpr0, l, k, p);
        } else {
          store_from_regs(x, in.vdata - operand::kVgpr0, l, k, buf);
          if (p != nullptr) {
            std::memcpy(p, buf, n);
          } else {
            st = mem_write(ctx, in, a, buf, n);
          }
        }
      });
      return st;
    }
    case Sem::kMemAtomic: {
      const AtomicKind kind = static_cast<AtomicKind>(op.aux);
      const bool is64 = (op.flags & kOp64) != 0;
      const uint32_t n = is64 ? 8 : 4;
      const uint32_t dr = in.vdata - operand::kVgpr0;
      const uint32_t dwords = is64 ? 2 : 1;
      for_lanes(x.exec, [&](uint32_t l) {
        if (!st.ok()) return;
        Space space;
        const uint64_t a = address(l, &space);
        uint8_t* p = nullptr;
        if (space == Space::kPrivate) {
          st = private_ptr(l, a, n, &p);
        } else if (space == Space::kLds) {
          st = lds_range(x, a, n, &p);
        } else {
          if (a % n != 0) {
            st = aborted(fmt::format("misaligned {}-byte atomic at {:#x} (by {} at PC {:#x})", n, a,
                                     in.mnemonic(), in.address));
            return;
          }
          Status s1;
          uint8_t* pr = translate(ctx, in, a, n, Access::kRead, &s1);
          if (!s1.ok()) {
            st = s1;
            return;
          }
          p = translate(ctx, in, a, n, Access::kWrite, &st);
          if (!st.ok()) return;
          if (pr == nullptr || p == nullptr) {
            st = aborted(fmt::format("atomic at {:#x} is not host-contiguous", a));
            return;
          }
        }
        auto data_at = [&](uint32_t r) {
          const uint32_t* lo = w.row((dr + r) % kVectorRows);
          const uint32_t* hi = w.row((dr + r + 1) % kVectorRows);
          return is64 ? (lo[l] | (uint64_t{hi[l]} << 32)) : uint64_t{lo[l]};
        };
        // cmpswap: data = {src, cmp} (the new value first, then the compare value).
        const uint64_t data = data_at(0);
        const uint64_t cmp = kind == AtomicKind::kCmpSwap ? data_at(dwords) : 0;
        uint64_t old;
        if (is64) {
          old = atomic_apply<uint64_t>(
              kind, std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(p)), data, cmp);
        } else {
          old = atomic_apply<uint32_t>(kind,
                                       std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(p)),
                                       static_cast<uint32_t>(data), static_cast<uint32_t>(cmp));
        }
        if (in.glc) {  // glc / sc0: return the pre-op value
          x.drow(0)[l] = static_cast<uint32_t>(old);
          if (is64) x.drow(1)[l] = static_cast<uint32_t>(old >> 32);
        }
      });
      return st;
    }
    default:
      return x.bad("no semantics for this memory instruction in the interpreter");
  }
}

// ------------------------------------------------------------------------------------------
// MUBUF through the private segment buffer
//
// The V# the executor passes as the private segment buffer (see wave.h) is a swizzled buffer
// with ADD_TID_ENABLE, INDEX_STRIDE = wave size and ELEMENT_SIZE = 4. Per the GCN3/Vega ISA
// guide "Buffer Addressing" (swizzled case, stride 0), a lane's access at byte offset
// o = vaddr (offen) + inst_offset lands at
//   base + soffset + (o / 4) * 4 * wave_size + lane * 4 + o % 4,
// so each lane sees its own contiguous private space, and soffset (the scratch wave offset, the
// stack and frame pointers of AMDGPUUsage "Private Segment Buffer") is a wave-level byte offset:
// a multiple of 4 * wave_size moves every lane by soffset / wave_size. The interpreter keeps each
// lane's private bytes contiguous (Wave::scratch), so it maps the swizzled byte back to the lane
// and offset that own it.

Status exec_mubuf(Exec& x) {
  const Instruction& in = x.in;
  const OpInfo& op = x.op;
  Wave& w = x.w;
  const DispatchState& ds = x.ds;
  if (op.sem == Sem::kCacheInv) return ok_status();
  if (op.sem != Sem::kMemLoad && op.sem != Sem::kMemStore) {
    return x.bad("no semantics for this buffer instruction in the interpreter");
  }
  if (in.lds) return x.bad("MUBUF loads into LDS are not supported by the interpreter");
  const uint32_t r = in.sbase;
  if (r + 3 >= 128) return x.bad("buffer resource outside the SGPR file");
  const uint32_t d0 = w.s[r], d1 = w.s[r + 1], d3 = w.s[r + 3];
  const uint64_t base = d0 | (static_cast<uint64_t>(d1 & 0xFFFF) << 32);
  if (base - kScratchBufferBase >= kApertureSize) {
    return x.bad(fmt::format(
        "buffer resource with base {:#x} is not the private segment buffer; the interpreter "
        "runs MUBUF only on private (scratch) memory",
        base));
  }
  const bool swizzle = (d1 >> 31) & 1;
  const uint32_t element = 2u << ((d3 >> 19) & 3);       // ELEMENT_SIZE: 2, 4, 8, 16 bytes
  const uint32_t index_stride = 8u << ((d3 >> 21) & 3);  // INDEX_STRIDE: 8, 16, 32, 64
  const bool add_tid = (d3 >> 23) & 1;
  if (!swizzle || !add_tid || element != 4 || index_stride != ds.wave_size) {
    return x.bad(fmt::format(
        "private segment buffer V# {:#010x} {:#010x} {:#010x} {:#010x} is not a swizzled "
        "scratch buffer (element size 4, index stride {}, ADD_TID_ENABLE)",
        d0, d1, w.s[r + 2], d3, ds.wave_size));
  }
  if (in.idxen) return x.bad("indexed (idxen) access to the private segment buffer");
  uint64_t soffset = 0;
  if (in.soffset != operand::kNone && !scalar_value(w, ds, in, in.soffset, T::kB32, &soffset)) {
    return x.bad("unsupported soffset operand");
  }
  // Wave-level byte offset of the access; per-lane offsets are added per lane.
  const uint64_t wave_off = (base - kScratchBufferBase) + static_cast<uint32_t>(soffset);
  const uint32_t* vaddr = in.offen ? w.row(in.vaddr - operand::kVgpr0) : nullptr;
  const MemKind k = static_cast<MemKind>(op.aux);
  const uint32_t n = mem_kind_bytes(k);
  const bool load = op.sem == Sem::kMemLoad;
  const uint64_t lane_bytes = ds.private_bytes;
  const uint64_t wave_span = uint64_t{4} * ds.wave_size;  // one dword of every lane
  x.ctx.lane_ops += static_cast<uint64_t>(std::popcount(x.exec));
  Status st;
  auto out_of_range = [&](uint32_t l, uint32_t owner, uint64_t a) {
    return aborted(fmt::format(
        "private (scratch) access of lane {} reaches byte {:#x} of lane {}, outside the {} bytes "
        "per lane of this dispatch (by {} at PC {:#x})",
        l, a, owner, lane_bytes, in.mnemonic(), in.address));
  };
  for_lanes(x.exec, [&](uint32_t l) {
    if (!st.ok()) return;
    const uint64_t o = uint64_t{vaddr ? vaddr[l] : 0} + static_cast<uint32_t>(in.offset);
    uint8_t buf[16];
    if (wave_off % wave_span == 0) {
      // The common case: the lane's own bytes, contiguous.
      const uint64_t a = wave_off / ds.wave_size + o;
      if (a + n > lane_bytes) {
        st = out_of_range(l, l, a + n - 1);
        return;
      }
      uint8_t* p = w.scratch + static_cast<size_t>(l) * lane_bytes + a;
      if (load) {
        load_to_regs(x, in.dst - operand::kVgpr0, l, k, p);
      } else {
        store_from_regs(x, in.vdata - operand::kVgpr0, l, k, buf);
        std::memcpy(p, buf, n);
      }
      return;
    }
    // A wave offset that is not a whole number of swizzled dwords: map byte by byte.
    if (!load) store_from_regs(x, in.vdata - operand::kVgpr0, l, k, buf);
    for (uint32_t j = 0; j < n; ++j) {
      const uint64_t lo = o + j;
      const uint64_t phys = wave_off + (lo / 4) * wave_span + uint64_t{l} * 4 + lo % 4;
      const uint32_t owner = static_cast<uint32_t>((phys / 4) % ds.wave_size);
      const uint64_t a = (phys / wave_span) * 4 + phys % 4;
      if (a >= lane_bytes) {
        st = out_of_range(l, owner, a);
        return;
      }
      uint8_t* p = w.scratch + static_cast<size_t>(owner) * lane_bytes + a;
      if (load) {
        buf[j] = *p;
      } else {
        *p = buf[j];
      }
    }
    if (load) load_to_regs(x, in.dst - operand::kVgpr0, l, k, buf);
  });
  return st;
}

// ------------------------------------------------------------------------------------------
// VOPD (gfx11 dual issue): two VOP2-like components read their sources before either writes
// (RDNA3 guide 7.6 "Dual Issue VALU"). X computes into a spare vector row (the AGPR half of the
// register file, unused on gfx11), Y runs in place, then X's row is copied to its destination.

Status exec_vopd(Exec& x) {
  const Instruction& in = x.in;
  if (in.info_y == nullptr) return x.bad("VOPD Y opcode not in the instruction tables");
  if (in.info->sem == Sem::kNone || in.info_y->sem == Sem::kNone) {
    return x.bad("no semantics for this VOPD component in the interpreter");
  }
  constexpr uint32_t kSpare = kVectorRows - 1;
  Instruction ix = in;
  ix.encoding = Encoding::kVop2;
  Instruction iy = in;
  iy.encoding = Encoding::kVop2;
  iy.info = in.info_y;
  iy.opcode = in.opcode_y;
  iy.dst = in.dst_y;
  for (int i = 0; i < 3; ++i) iy.src[i] = in.src_y[i];
  const uint32_t xrow = (in.dst - operand::kVgpr0) % kVectorRows;
  std::memcpy(x.w.row(kSpare), x.w.row(xrow), sizeof(uint32_t) * kMaxLanes);
  ix.dst = static_cast<uint16_t>(operand::kVgpr0 + kSpare);
  if (in.info->sem == Sem::kVFmac) ix.src[2] = ix.dst;  // the accumulator moved with it
  Exec ex{x.w, x.ctx, x.ds, ix, *ix.info, x.exec};
  AMDHAL_RETURN_IF_ERROR(exec_valu(ex));
  Exec ey{x.w, x.ctx, x.ds, iy, *iy.info, x.exec};
  AMDHAL_RETURN_IF_ERROR(exec_valu(ey));
  std::memcpy(x.w.row(xrow), x.w.row(kSpare), sizeof(uint32_t) * kMaxLanes);
  return ok_status();
}

}  // namespace

// ------------------------------------------------------------------------------------------

Status illegal_instruction(const DispatchState& ds, const Instruction& in, std::string_view why) {
  return aborted(fmt::format("illegal instruction on {}: {} (kernel code +{:#x}): {}",
                             ds.target->name, in.describe(), in.address - ds.code_address, why));
}

const Instruction* DecodeCache::get(uint64_t pc, const DispatchState& ds, Status* status) {
  int32_t* slot = nullptr;
  const uint64_t rel = pc - base_;
  if (pc >= base_ && rel < (64u << 20) && (rel & 3) == 0) {
    const size_t i = rel / 4;
    if (i >= slots_.size()) slots_.resize(std::max<size_t>(i + 1, slots_.size() * 2 + 256), -1);
    slot = &slots_[i];
  } else {
    auto it = far_.find(pc);
    if (it != far_.end()) return &insts_[static_cast<size_t>(it->second)];
  }
  if (slot != nullptr && *slot >= 0) return &insts_[static_cast<size_t>(*slot)];
  // Fetch up to three dwords (fewer at the end of executable memory).
  uint32_t words[3] = {};
  size_t have = 0;
  VmFault fault;
  for (size_t n = 3; n >= 1; --n) {
    VmFault f;
    if (ds.vm->translate(pc, n * 4, Access::kExecute, &f).ok() &&
        ds.vm->read(pc, words, n * 4, &f).ok()) {
      have = n;
      break;
    }
    if (n == 1) fault = f;
  }
  if (have == 0) {
    fault.engine = "shader";
    fault.vmid = ds.dispatch.vmid;
    ds.device->record_fault(fault);
    *status = aborted(fmt::format("{} (instruction fetch at PC {:#x})", fault.to_string(), pc));
    return nullptr;
  }
  auto in = decode(*ds.target, std::span<const uint32_t>(words, have), pc);
  if (!in.ok()) {
    *status =
        aborted(fmt::format("illegal instruction on {} at PC {:#x} (kernel code +{:#x}): {}",
                            ds.target->name, pc, pc - ds.code_address, in.status().message()));
    return nullptr;
  }
  insts_.push_back(*in);
  const int32_t index = static_cast<int32_t>(insts_.size() - 1);
  if (slot != nullptr) {
    *slot = index;
  } else {
    far_[pc] = index;
  }
  return &insts_.back();
}

Status run_wave(Wave& w, ThreadContext& ctx) {
  DispatchState& ds = *ctx.ds;
  while (!w.done && !w.at_barrier) {
    if (ds.stop.load(std::memory_order_relaxed)) return ok_status();
    Status st;
    const Instruction* in = ctx.decode->get(w.pc, ds, &st);
    if (in == nullptr) return st;
    if (in->info == nullptr) {
      return illegal_instruction(ds, *in, "opcode not in the instruction tables");
    }
    if (ds.max_instructions && ++w.instructions > ds.max_instructions) {
      return aborted(fmt::format("wave {} ran more than {} instructions (PC {:#x}); stopped",
                                 w.wave_in_group, ds.max_instructions, w.pc));
    }
    // The dispatch's time limit, looked at every 4096 instructions of a wave.
    if (ds.timeout.count() > 0 && (w.instructions & 0xFFF) == 0 &&
        std::chrono::steady_clock::now() >= ds.deadline) {
      return deadline_exceeded(fmt::format(
          "kernel still running after the {} ms timeout (wave {} at PC {:#x}, {} instructions); "
          "stopped",
          ds.timeout.count(), w.wave_in_group, w.pc, w.instructions));
    }
    ++ctx.instructions;
    w.pc = in->address + in->size;
    Exec x{w, ctx, ds, *in, *in->info, ds.wave_size == 64 ? w.exec() : (w.exec() & 0xFFFFFFFFull)};
    bool yield = false;
    switch (in->encoding) {
      case Encoding::kSop1:
      case Encoding::kSop2:
      case Encoding::kSopk:
      case Encoding::kSopc:
        st = exec_salu(x);
        break;
      case Encoding::kSopp:
        st = exec_sopp(x, &yield);
        break;
      case Encoding::kSmem:
        st = exec_smem(x);
        break;
      case Encoding::kVop1:
      case Encoding::kVop2:
      case Encoding::kVopc:
      case Encoding::kVop3:
      case Encoding::kVop3p:
        st = exec_valu(x);
        break;
      case Encoding::kDs:
        st = exec_ds(x);
        break;
      case Encoding::kFlat:
      case Encoding::kGlobal:
      case Encoding::kScratch:
        st = exec_flat(x);
        break;
      case Encoding::kVopd:
        st = exec_vopd(x);
        break;
      case Encoding::kMubuf:
        st = exec_mubuf(x);
        break;
      default:
        st = x.bad("encoding not supported by the interpreter");
        break;
    }
    if (!st.ok()) return st;
    if (yield) break;
  }
  return ok_status();
}

}  // namespace amdhal::sim::isa::detail
