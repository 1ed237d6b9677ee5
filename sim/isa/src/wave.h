// Private: wave state, per-dispatch and per-thread context of the interpreter.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "amdhal/code_object.h"
#include "amdhal/status.h"
#include "amdhal_sim/device.h"
#include "amdhal_sim/memory.h"
#include "amdhal_sim_isa/decoder.h"
#include "amdhal_sim_isa/executor.h"

namespace amdhal::sim::isa::detail {

/// Flat address apertures as the KFD programs them for GFX9+ (amdkfd kfd_flat_memory.c:
/// MAKE_LDS_APP_BASE_V9 = 1 << 48, MAKE_SCRATCH_APP_BASE_V9 = 2 << 48, each 4 GiB). The
/// src_shared_base / src_private_base operands return the high halves.
inline constexpr uint64_t kSharedApertureBase = 1ull << 48;
inline constexpr uint64_t kPrivateApertureBase = 2ull << 48;
inline constexpr uint64_t kApertureSize = 1ull << 32;

/// The private segment buffer V# of kernels that enable it (AMDGPUUsage "Private Segment
/// Buffer"), laid out as ROCr's scratch SRD for GFX9 (amd_aql_queue.cpp: stride 0,
/// SWIZZLE_ENABLE, NUM_RECORDS = scratch bytes, DST_SEL XYZW, NUM_FORMAT UINT, DATA_FORMAT 32,
/// ELEMENT_SIZE 4, INDEX_STRIDE 64, ADD_TID_ENABLE, TYPE buffer). Its 48-bit base names no memory:
/// MUBUF accesses through a V# whose base lies in [kScratchBufferBase, + kApertureSize) go to the
/// lanes' private memory (interp.cpp exec_mubuf); code may add the scratch wave offset to it.
inline constexpr uint64_t kScratchBufferBase = 0xFFFF'0000'0000ull;
inline constexpr uint32_t kScratchRsrcWord1 = (1u << 31) | 0xFFFFu;  ///< SWIZZLE_ENABLE | base hi
inline constexpr uint32_t kScratchRsrcWord3 = 4u | (5u << 3) | (6u << 6) | (7u << 9) | (4u << 12) |
                                              (4u << 15) | (1u << 19) | (3u << 21) | (1u << 23);

/// Rows of the vector register file: VGPRs 0-255, then AGPRs 0-255 (gfx90a/gfx94x).
inline constexpr uint32_t kVectorRows = 512;
inline constexpr uint32_t kAgprRow0 = 256;
inline constexpr uint32_t kMaxLanes = 64;

/// Everything about a dispatch that all threads share (read-only while waves run).
struct DispatchState {
  Device* device = nullptr;
  const AddressSpace* vm = nullptr;
  const IsaTarget* target = nullptr;
  KernelExecutor::Dispatch dispatch;
  KernelDescriptor kd{};
  bool have_kd = false;
  uint32_t wave_size = 64;
  uint64_t code_address = 0;
  uint32_t num_groups[3] = {1, 1, 1};
  uint32_t lds_bytes = 0;
  uint32_t private_bytes = 0;        ///< scratch bytes per lane (dword multiple)
  uint32_t system_sgpr_base = 0;     ///< first SGPR after the user SGPRs
  uint16_t null_sgpr = 0xFFFF;       ///< operand code of SGPR_NULL (gfx11: 124), else none
  std::vector<uint32_t> user_sgprs;  ///< values of the user SGPRs, in order
  uint64_t max_instructions = 0;
  /// Wall-clock end of the dispatch (DeviceConfig::kernel_timeout); time_point{} = none.
  std::chrono::steady_clock::time_point deadline{};
  std::chrono::milliseconds timeout{0};
  std::atomic<bool> stop{false};  ///< set by the first failing thread
};

/// A cached host translation of a GPU VA range with one access kind.
struct TranslationCache {
  uint64_t va = 0;
  uint64_t len = 0;
  uint8_t* host = nullptr;
};

/// Decoded instructions by PC, private to one worker thread.
class DecodeCache {
 public:
  explicit DecodeCache(uint64_t base) : base_(base) {}
  /// The instruction at `pc`, decoding it on first use; nullptr with *status set on failure.
  const Instruction* get(uint64_t pc, const DispatchState& ds, Status* status);

 private:
  uint64_t base_;
  std::vector<int32_t> slots_;  // (pc - base) / 4 -> index into insts_, -1 if not decoded
  std::vector<Instruction> insts_;
  std::unordered_map<uint64_t, int32_t> far_;  // PCs below base or far above it
};

/// One wave's architectural state.
struct Wave {
  uint32_t s[128] = {};  ///< SGPRs 0-101, FLAT_SCRATCH, XNACK_MASK, VCC 106-107, TTMP, M0, EXEC
  bool scc = false;
  uint64_t pc = 0;
  uint32_t* v = nullptr;       ///< kVectorRows x kMaxLanes, row-major (owned by the thread)
  uint8_t* scratch = nullptr;  ///< private memory: lane l at l * private_bytes
  uint32_t wave_in_group = 0;
  bool done = false;
  bool at_barrier = false;
  uint64_t instructions = 0;

  uint32_t* row(uint32_t r) { return v + static_cast<size_t>(r) * kMaxLanes; }
  uint64_t exec() const { return s[126] | (static_cast<uint64_t>(s[127]) << 32); }
  void set_exec(uint64_t m) {
    s[126] = static_cast<uint32_t>(m);
    s[127] = static_cast<uint32_t>(m >> 32);
  }
  uint64_t vcc() const { return s[106] | (static_cast<uint64_t>(s[107]) << 32); }
};

/// A few cached translations per access kind (kernels stream from several buffers at once).
struct TranslationCacheSet {
  static constexpr size_t kEntries = 4;
  TranslationCache entry[kEntries];
  size_t next = 0;
  /// Host pointer for [va, va+len) if a cached run covers it, else nullptr.
  uint8_t* find(uint64_t va, uint32_t len) {
    for (TranslationCache& c : entry) {
      if (va - c.va < c.len && len <= c.len - (va - c.va)) return c.host + (va - c.va);
    }
    return nullptr;
  }
  TranslationCache& victim() {
    TranslationCache& c = entry[next];
    next = (next + 1) % kEntries;
    return c;
  }
};

/// Per-thread execution context: LDS of the current workgroup, translation caches, counters.
struct ThreadContext {
  DispatchState* ds = nullptr;
  DecodeCache* decode = nullptr;
  uint8_t* lds = nullptr;
  uint32_t lds_bytes = 0;
  TranslationCacheSet read_cache, write_cache;
  uint64_t lane_ops = 0;
  uint64_t instructions = 0;
};

/// Runs `wave` until it ends (done), reaches s_barrier (at_barrier) or fails.
Status run_wave(Wave& wave, ThreadContext& ctx);

/// "illegal instruction on gfx942: ..." status for an instruction the interpreter cannot run.
Status illegal_instruction(const DispatchState& ds, const Instruction& in, std::string_view why);

}  // namespace amdhal::sim::isa::detail
