// The interpreter's KernelExecutor: sets up the initial wave state of every wave from the kernel
// descriptor and the dispatch (AMDGPUUsage.rst "Initial Kernel Execution State"), spreads the
// workgroups over host threads and runs the waves of each workgroup interleaved at s_barrier.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "wave.h"

namespace amdhal::sim::isa {

namespace {

using detail::DispatchState;
using detail::ThreadContext;
using detail::Wave;

constexpr uint32_t kLdsAlignment = 16;

/// Registers and memory one worker thread reuses for all its workgroups.
struct WorkerStorage {
  std::vector<uint32_t> vregs;   // waves x kVectorRows x kMaxLanes
  std::vector<uint8_t> scratch;  // waves x lanes x private_bytes
  std::vector<uint8_t> lds;
  std::vector<Wave> waves;
};

class Executor final : public IsaExecutor {
 public:
  Executor(const GpuFamily& family, const IsaTarget& target, ExecutorOptions options)
      : family_(family), target_(target), options_(options) {}

  Status run(Device& device, const Dispatch& dispatch) override;
  ExecutorStats last_stats() const override {
    std::lock_guard lock(stats_mutex_);
    return stats_;
  }

 private:
  Status prepare(Device& device, const Dispatch& d, DispatchState& ds) const;
  Status run_workgroup(DispatchState& ds, ThreadContext& ctx, WorkerStorage& store, uint64_t group,
                       uint64_t* waves_run) const;

  const GpuFamily& family_;
  const IsaTarget& target_;
  ExecutorOptions options_;
  mutable std::mutex stats_mutex_;
  ExecutorStats stats_;
};

Status vm_fault(DispatchState& ds, VmFault f, std::string_view what) {
  f.engine = "shader";
  f.vmid = ds.dispatch.vmid;
  ds.device->record_fault(f);
  return aborted(fmt::format("{} ({})", f.to_string(), what));
}

Status Executor::prepare(Device& device, const Dispatch& d, DispatchState& ds) const {
  if (d.vmid >= Device::kVmidCount) {
    return invalid_argument(
        fmt::format("dispatch vmid {} out of range (0-{})", d.vmid, Device::kVmidCount - 1));
  }
  ds.device = &device;
  ds.vm = &device.vm(d.vmid);
  ds.target = &target_;
  ds.null_sgpr = target_.generation == IsaGeneration::kGfx11 ? 124 : 0xFFFF;
  ds.dispatch = d;
  ds.max_instructions = options_.max_instructions_per_wave;
  ds.timeout = device.config().kernel_timeout;
  if (ds.timeout.count() > 0) ds.deadline = std::chrono::steady_clock::now() + ds.timeout;
  for (int i = 0; i < 3; ++i) {
    if (d.workgroup[i] == 0) return invalid_argument("dispatch with a zero workgroup size");
    ds.num_groups[i] =
        static_cast<uint32_t>((uint64_t{d.grid[i]} + d.workgroup[i] - 1) / d.workgroup[i]);
  }
  if (d.kernel_descriptor_address != 0) {
    VmFault f;
    Status st = ds.vm->read(d.kernel_descriptor_address, &ds.kd, sizeof(ds.kd), &f);
    if (!st.ok()) return vm_fault(ds, f, "reading the kernel descriptor");
    ds.have_kd = true;
  }
  // Wave size: the descriptor's ENABLE_WAVEFRONT_SIZE32 (AQL path); the PM4 path has no
  // descriptor and runs the family's default wave size.
  ds.wave_size = ds.have_kd ? ds.kd.wavefront_size() : family_.default_wave_size;
  if ((ds.wave_size == 32 && !target_.wave32) || (ds.wave_size == 64 && !target_.wave64)) {
    return invalid_argument(
        fmt::format("{} does not run wave{} kernels", target_.name, ds.wave_size));
  }
  ds.code_address = d.code_address;
  if (ds.code_address == 0 && ds.have_kd) {
    ds.code_address =
        d.kernel_descriptor_address + static_cast<uint64_t>(ds.kd.kernel_code_entry_byte_offset);
  }
  if (ds.code_address == 0) return invalid_argument("dispatch without a code address");
  // Kernarg preloading: firmware that supports it starts 256 bytes after the entry
  // (AMDGPUUsage "Preloaded Kernel Arguments").
  const uint32_t preload = ds.have_kd ? ds.kd.kernarg_preload_length() : 0;
  if (preload > 0) ds.code_address += 256;

  const KernelDescriptor rs = [&] {
    KernelDescriptor k{};
    k.compute_pgm_rsrc1 = d.pgm_rsrc1;
    k.compute_pgm_rsrc2 = d.pgm_rsrc2;
    k.compute_pgm_rsrc3 = d.pgm_rsrc3;
    return k;
  }();
  // LDS: the dispatch's group segment (AQL packet / PM4 engine), else COMPUTE_PGM_RSRC2.LDS_SIZE
  // (bits 23:15, 128-dword = 512-byte granules, as drivers program it), and at least the
  // descriptor's fixed group segment.
  uint32_t group_bytes = d.group_segment_bytes;
  if (group_bytes == 0) group_bytes = ((d.pgm_rsrc2 >> 15) & 0x1FF) * 512;
  ds.lds_bytes = std::max(group_bytes, ds.have_kd ? ds.kd.group_segment_fixed_size : 0);
  if (ds.lds_bytes > family_.lds_bytes) {
    return invalid_argument(fmt::format("dispatch needs {} bytes of LDS, {} has {}", ds.lds_bytes,
                                        family_.name, family_.lds_bytes));
  }
  ds.private_bytes =
      std::max(d.private_segment_bytes, ds.have_kd ? ds.kd.private_segment_fixed_size : 0);
  ds.private_bytes = (ds.private_bytes + 3) & ~3u;

  // User SGPRs (AMDGPUUsage "SGPR Register Set Up Order").
  ds.system_sgpr_base = rs.user_sgpr_count();
  if (!d.user_sgprs.empty() || !ds.have_kd) {
    ds.user_sgprs = d.user_sgprs;  // PM4: COMPUTE_USER_DATA_* exactly as programmed
  } else {
    const KernelDescriptor& kd = ds.kd;
    auto push64 = [&](uint64_t v) {
      ds.user_sgprs.push_back(static_cast<uint32_t>(v));
      ds.user_sgprs.push_back(static_cast<uint32_t>(v >> 32));
    };
    if (kd.enable_sgpr_private_segment_buffer()) {
      // The scratch V#: MUBUF through it reaches each lane's private memory (wave.h).
      ds.user_sgprs.push_back(static_cast<uint32_t>(detail::kScratchBufferBase));
      ds.user_sgprs.push_back(detail::kScratchRsrcWord1);
      ds.user_sgprs.push_back(ds.private_bytes * ds.wave_size);  // NUM_RECORDS: bytes per wave
      ds.user_sgprs.push_back(detail::kScratchRsrcWord3);
    }
    if (kd.enable_sgpr_dispatch_ptr()) push64(d.dispatch_packet_address);
    if (kd.enable_sgpr_queue_ptr()) push64(d.queue_address);  // amd_queue_t (0 if none)
    if (kd.enable_sgpr_kernarg_segment_ptr()) push64(d.kernarg_address);
    if (kd.enable_sgpr_dispatch_id()) push64(d.dispatch_id);
    if (kd.enable_sgpr_flat_scratch_init()) {
      // Absolute/offset flat scratch: scratch base of the queue (the interpreter's private
      // aperture), used by prologs to set FLAT_SCRATCH.
      push64(detail::kPrivateApertureBase);
    }
    if (preload > 0) {
      for (uint32_t i = 0; i < preload; ++i) {
        uint32_t v = 0;
        VmFault f;
        Status st =
            ds.vm->read(d.kernarg_address + 4ull * (kd.kernarg_preload_offset() + i), &v, 4, &f);
        if (!st.ok()) return vm_fault(ds, f, "preloading kernel arguments");
        ds.user_sgprs.push_back(v);
      }
    }
    if (kd.enable_sgpr_private_segment_size()) ds.user_sgprs.push_back(ds.private_bytes);
  }
  if (ds.user_sgprs.size() > 16) ds.user_sgprs.resize(16);  // only 16 user SGPRs are loaded
  return ok_status();
}

Status Executor::run_workgroup(DispatchState& ds, ThreadContext& ctx, WorkerStorage& store,
                               uint64_t group, uint64_t* waves_run) const {
  const KernelExecutor::Dispatch& d = ds.dispatch;
  const uint32_t gid[3] = {
      static_cast<uint32_t>(group % ds.num_groups[0]),
      static_cast<uint32_t>((group / ds.num_groups[0]) % ds.num_groups[1]),
      static_cast<uint32_t>(group / (uint64_t{ds.num_groups[0]} * ds.num_groups[1]))};
  uint32_t size[3];
  for (int i = 0; i < 3; ++i) {
    size[i] = std::min<uint32_t>(d.workgroup[i], d.grid[i] - gid[i] * d.workgroup[i]);
  }
  const uint32_t items = size[0] * size[1] * size[2];
  const uint32_t wsz = ds.wave_size;
  const uint32_t nwaves = (items + wsz - 1) / wsz;
  // Storage for this workgroup's waves (grown, never shrunk).
  const size_t vwords = size_t{detail::kVectorRows} * detail::kMaxLanes;
  if (store.waves.size() < nwaves) {
    store.waves.resize(nwaves);
    store.vregs.resize(vwords * nwaves);
  }
  const size_t scratch_per_wave = size_t{ds.private_bytes} * wsz;
  if (store.scratch.size() < scratch_per_wave * nwaves)
    store.scratch.resize(scratch_per_wave * nwaves);
  if (store.lds.size() < ds.lds_bytes + kLdsAlignment)
    store.lds.resize(ds.lds_bytes + kLdsAlignment);
  ctx.lds = store.lds.data();
  ctx.lds_bytes = ds.lds_bytes;

  const uint32_t rsrc2 = d.pgm_rsrc2;
  const uint32_t vgpr_ids = (rsrc2 >> 11) & 3;
  for (uint32_t wi = 0; wi < nwaves; ++wi) {
    Wave& w = store.waves[wi];
    std::memset(w.s, 0, sizeof(w.s));
    w.scc = false;
    w.done = false;
    w.at_barrier = false;
    w.instructions = 0;
    w.wave_in_group = wi;
    w.pc = ds.code_address;
    w.v = store.vregs.data() + vwords * wi;
    w.scratch = store.scratch.data() + scratch_per_wave * wi;
    for (size_t i = 0; i < ds.user_sgprs.size(); ++i) w.s[i] = ds.user_sgprs[i];
    uint32_t sg = ds.system_sgpr_base;
    if (rsrc2 & (1u << 7)) w.s[sg++] = gid[0];
    if (rsrc2 & (1u << 8)) w.s[sg++] = gid[1];
    if (rsrc2 & (1u << 9)) w.s[sg++] = gid[2];
    if (rsrc2 & (1u << 10)) {
      // {first_wavefront, 14'b0, ordered_append_term[10:0], threadgroup_size_in_wavefronts[5:0]}
      w.s[sg++] = (wi == 0 ? 1u << 31 : 0) | (nwaves & 0x3F);
    }
    if ((rsrc2 & 1u) && !target_.architected_flat_scratch) {
      w.s[sg++] = 0;  // scratch wavefront offset: the interpreter's scratch is per wave already
    }
    // Work-item ids and EXEC.
    uint32_t* v0 = w.row(0);
    uint32_t* v1 = w.row(1);
    uint32_t* v2 = w.row(2);
    uint64_t exec = 0;
    // Item wi * wsz + l in x-fastest order, counted incrementally (no divisions per lane).
    const uint32_t first = wi * wsz;
    uint32_t x = first % size[0];
    uint32_t y = (first / size[0]) % size[1];
    uint32_t z = first / (size[0] * size[1]);
    for (uint32_t l = 0; l < wsz; ++l) {
      if (first + l >= items) {
        v0[l] = 0;
        continue;
      }
      exec |= 1ull << l;
      if (target_.packed_workitem_ids) {
        v0[l] = x | (vgpr_ids >= 1 ? y << 10 : 0) | (vgpr_ids >= 2 ? z << 20 : 0);
      } else {
        v0[l] = x;
        if (vgpr_ids >= 1) v1[l] = y;
        if (vgpr_ids >= 2) v2[l] = z;
      }
      if (++x == size[0]) {
        x = 0;
        if (++y == size[1]) {
          y = 0;
          ++z;
        }
      }
    }
    w.set_exec(exec);
  }
  *waves_run += nwaves;

  // Run the waves: each to its next s_barrier or s_endpgm; when every live wave waits at the
  // barrier, release them all.
  while (true) {
    uint32_t live = 0, waiting = 0;
    for (uint32_t wi = 0; wi < nwaves; ++wi) {
      Wave& w = store.waves[wi];
      if (w.done) continue;
      if (!w.at_barrier) {
        Status st = detail::run_wave(w, ctx);
        if (!st.ok()) {
          return Status(st.code(), fmt::format("workgroup ({}, {}, {}) wave {}: {}", gid[0], gid[1],
                                               gid[2], wi, st.message()));
        }
        if (ds.stop.load(std::memory_order_relaxed)) return ok_status();
      }
      if (!w.done) {
        ++live;
        if (w.at_barrier) ++waiting;
      }
    }
    if (live == 0) break;
    if (waiting == live) {
      for (uint32_t wi = 0; wi < nwaves; ++wi) store.waves[wi].at_barrier = false;
    }
  }
  return ok_status();
}

Status Executor::run(Device& device, const Dispatch& dispatch) {
  DispatchState ds;
  AMDHAL_RETURN_IF_ERROR(prepare(device, dispatch, ds));
  const uint64_t total = uint64_t{ds.num_groups[0]} * ds.num_groups[1] * ds.num_groups[2];
  ExecutorStats stats;
  if (total == 0 || dispatch.grid[0] == 0 || dispatch.grid[1] == 0 || dispatch.grid[2] == 0) {
    std::lock_guard lock(stats_mutex_);
    stats_ = stats;
    return ok_status();
  }
  uint32_t threads = options_.threads ? options_.threads : std::thread::hardware_concurrency();
  threads = static_cast<uint32_t>(std::clamp<uint64_t>(threads, 1, total));

  std::atomic<uint64_t> next{0};
  std::mutex result_mutex;
  Status first_error;
  std::atomic<uint64_t> instructions{0}, lane_ops{0}, waves{0}, groups{0};
  auto worker = [&] {
    WorkerStorage store;
    detail::DecodeCache decode(ds.code_address);
    ThreadContext ctx;
    ctx.ds = &ds;
    ctx.decode = &decode;
    uint64_t my_waves = 0, my_groups = 0;
    while (!ds.stop.load(std::memory_order_relaxed)) {
      const uint64_t g = next.fetch_add(1, std::memory_order_relaxed);
      if (g >= total) break;
      Status st = run_workgroup(ds, ctx, store, g, &my_waves);
      ++my_groups;
      if (!st.ok()) {
        std::lock_guard lock(result_mutex);
        if (first_error.ok()) first_error = st;
        ds.stop.store(true);
        break;
      }
    }
    instructions += ctx.instructions;
    lane_ops += ctx.lane_ops;
    waves += my_waves;
    groups += my_groups;
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (uint32_t i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  // Make every store of the dispatch visible to whoever observes its completion.
  std::atomic_thread_fence(std::memory_order_seq_cst);

  stats.instructions = instructions.load();
  stats.lane_operations = lane_ops.load();
  stats.waves = waves.load();
  stats.workgroups = groups.load();
  {
    std::lock_guard lock(stats_mutex_);
    stats_ = stats;
  }
  if (!first_error.ok()) {
    return Status(first_error.code(),
                  fmt::format("{} dispatch: {}", target_.name, first_error.message()));
  }
  return ok_status();
}

}  // namespace

Expected<std::shared_ptr<IsaExecutor>> make_isa_executor(const GpuFamily& family,
                                                         const ExecutorOptions& options) {
  auto target = find_isa_target(family);
  if (!target.ok()) return target.status();
  if (!(*target)->executable) {
    std::string runs;
    for (const IsaTarget& t : isa_targets()) {
      if (t.executable) runs += (runs.empty() ? "" : ", ") + std::string(t.name);
    }
    return unimplemented(fmt::format("the ISA interpreter cannot run {} yet ({}); it runs {}",
                                     family.name, (*target)->note, runs));
  }
  return std::shared_ptr<IsaExecutor>(std::make_shared<Executor>(family, **target, options));
}

}  // namespace amdhal::sim::isa
