// overlap: compute/communication overlap scenarios, with GPU timestamps around every operation on
// every engine, results verified, and a Chrome trace-event file (--trace) for Perfetto.
//
//   compute-copy  (1) one GPU: a kernel on a compute queue and an SDMA copy at the same time;
//                     reports how much of the copy time was hidden behind the kernel.
//   p2p-ring      (2) every GPU computes while its SDMA engine sends a peer-to-peer copy to the
//                     next GPU in a ring (two or more devices).
//   sync          (3) GPU-side synchronisation both ways: an SDMA queue waits (POLL_REGMEM) for a
//                     compute signal (RELEASE_MEM) before copying the kernel's output back, and a
//                     compute queue waits (WAIT_REG_MEM) for an SDMA signal (FENCE) before running
//                     on the data the copy brought; timestamps and data both check the order.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/kernel.h"
#include "amdhal/loaded_code_object.h"
#include "amdhal/plugin_abi.h"
#include "amdhal/workload.h"
#include "workload_common.h"

namespace amdhal {
namespace {

using workload::kNsPerTick;
constexpr uint32_t kBlock = 64;

/// One operation as the GPU timed it.
struct TimedOp {
  size_t device = 0;
  std::string engine;  // "compute", "sdma"
  std::string name;
  uint64_t start = 0;  // GPU clock ticks
  uint64_t end = 0;
};

/// A device's queues, kernel and timestamp slots.
struct Gpu {
  size_t index = 0;
  std::shared_ptr<Device> device;
  std::shared_ptr<Queue> compute, sdma;
  std::shared_ptr<LoadedCodeObject> code;
  std::shared_ptr<Kernel> kernel;
  std::shared_ptr<Buffer> stamps;
  uint32_t next_slot = 0;

  /// The next free 8-byte timestamp slot.
  BufferRange slot() { return {stamps, 8ull * next_slot++}; }
  uint64_t read(const BufferRange& r) const {
    return static_cast<const uint64_t*>(stamps->cpu_pointer())[r.offset / 8];
  }
};

/// One kernel launch with its buffers: collatz (steps of each start value) or vector_add.
struct ComputeJob {
  std::string kernel_name;
  uint32_t n = 0;
  uint32_t max_steps = 0;
  std::shared_ptr<Buffer> in, in2, out;  // collatz: in = start, out = steps; vector_add: a, b, c
  std::vector<uint8_t> kernargs;

  /// The expected output for input word `i`, given the input words `x`.
  uint32_t expected(uint32_t x, uint32_t y) const {
    if (kernel_name == "vector_add") {
      float a, b;
      std::memcpy(&a, &x, 4);
      std::memcpy(&b, &y, 4);
      const float c = a + b;
      uint32_t r;
      std::memcpy(&r, &c, 4);
      return r;
    }
    uint64_t v = x;
    uint32_t count = 0;
    while (v > 1 && count < max_steps) {
      v = (v & 1) ? 3 * v + 1 : v >> 1;
      ++count;
    }
    return count;
  }
  /// Number of wrong output words, given the input words the kernel should have seen.
  uint64_t check(const uint32_t* input, const uint32_t* out_words) const {
    const auto* b = static_cast<const uint32_t*>(in2 ? in2->cpu_pointer() : nullptr);
    uint64_t bad = 0;
    for (uint32_t i = 0; i < n; ++i) bad += out_words[i] != expected(input[i], b ? b[i] : 0);
    return bad;
  }
};

using workload::wait_for;

uint64_t overlap_ticks(const TimedOp& a, const TimedOp& b) {
  const uint64_t lo = std::max(a.start, b.start);
  const uint64_t hi = std::min(a.end, b.end);
  return hi > lo ? hi - lo : 0;
}

class Overlap final : public workload::GuardedWorkload {
 public:
  std::string_view name() const override { return "overlap"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view summary() const override {
    return "compute/copy overlap and GPU-side sync across engines and GPUs, with a trace";
  }
  std::vector<WorkloadOption> options() const override {
    return {{"scenario",
             "comma-separated: compute-copy, p2p-ring, sync, pipeline, or all (p2p-ring needs 2+ "
             "devices)",
             "all"},
            {"kernel", "compute kernel: collatz (compute-bound) or vector_add", "collatz"},
            {"elements", "work-items of each kernel launch", "65536"},
            {"copy-size", "bytes of each SDMA copy (K/M/G suffixes)", "16M"},
            {"chunks", "pipeline: chunks the work is split into (2-32)", "8"},
            {"trace", "write Chrome trace-event JSON (open in Perfetto) to this file", ""}};
  }

 private:
  Expected<WorkloadReport> run_checked(WorkloadContext& ctx) override;
};

using workload::parse_size;

Expected<WorkloadReport> Overlap::run_checked(WorkloadContext& ctx) {
  if (ctx.devices.empty()) return invalid_argument("overlap: no device");
  const std::string kernel_name = ctx.option("kernel", "collatz");
  if (kernel_name != "collatz" && kernel_name != "vector_add") {
    return invalid_argument(
        fmt::format("--kernel '{}': expected collatz or vector_add", kernel_name));
  }
  uint32_t elements = 0;
  try {
    elements = static_cast<uint32_t>(std::stoul(ctx.option("elements", "65536")));
  } catch (const std::exception&) {
    return invalid_argument("--elements takes a number");
  }
  if (elements == 0 || elements > (64u << 20)) {
    return invalid_argument("--elements must be between 1 and 67108864");
  }
  elements = (elements + kBlock - 1) / kBlock * kBlock;
  auto copy_size_parsed = parse_size(ctx.option("copy-size", "16M"));
  if (!copy_size_parsed.ok()) return copy_size_parsed.status().with_context("--copy-size");
  const uint64_t copy_size = *copy_size_parsed;
  uint32_t chunks = 8;
  try {
    chunks = static_cast<uint32_t>(std::stoul(ctx.option("chunks", "8")));
  } catch (const std::exception&) {
    return invalid_argument("--chunks takes a number");
  }
  if (chunks < 2 || chunks > 32) return invalid_argument("--chunks must be between 2 and 32");
  std::vector<std::string> scenarios;
  {
    const std::string list = ctx.option("scenario", "all");
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = list.find(',', start);
      std::string s = list.substr(start, comma == std::string::npos ? comma : comma - start);
      if (s == "all") {
        scenarios.push_back("compute-copy");
        if (ctx.devices.size() > 1) scenarios.push_back("p2p-ring");
        scenarios.push_back("sync");
        scenarios.push_back("pipeline");
      } else if (s == "compute-copy" || s == "1" || s == "sync" || s == "3" || s == "pipeline" ||
                 s == "4") {
        scenarios.push_back(s == "1"   ? "compute-copy"
                            : s == "3" ? "sync"
                            : s == "4" ? "pipeline"
                                       : s);
      } else if (s == "p2p-ring" || s == "2") {
        if (ctx.devices.size() < 2) {
          return invalid_argument(
              "--scenario p2p-ring needs two or more devices (e.g. --device sim:gfx942x2)");
        }
        scenarios.push_back("p2p-ring");
      } else if (!s.empty()) {
        return invalid_argument(fmt::format(
            "--scenario: unknown '{}' (compute-copy, p2p-ring, sync, pipeline or all)", s));
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }

  // Per device: queues, kernel, timestamps.
  std::vector<Gpu> gpus(ctx.devices.size());
  for (size_t d = 0; d < gpus.size(); ++d) {
    Gpu& g = gpus[d];
    g.index = d;
    g.device = ctx.devices[d];
    const std::string where = fmt::format("device {} ({})", d, g.device->info().id);
    auto compute = g.device->create_queue(QueueKind::kCompute);
    if (!compute.ok()) return compute.status().with_context(where + ": compute queue");
    g.compute = *compute;
    auto sdma = g.device->create_queue(QueueKind::kSdma);
    if (!sdma.ok()) return sdma.status().with_context(where + ": SDMA queue");
    g.sdma = *sdma;
    auto kernel = workload::load_kernel(*g.device, ctx.kernel_dir, kernel_name);
    if (!kernel.ok()) return kernel.status().with_context(where);
    g.code = kernel->code;
    g.kernel = kernel->kernel;
    auto stamps = g.device->alloc(4096, MemoryDomain::kGtt, AllocFlags{true, true, false});
    if (!stamps.ok()) return stamps.status().with_context(where + ": timestamps");
    g.stamps = *stamps;
    std::memset(g.stamps->cpu_pointer(), 0, 4096);
  }

  auto make_job = [&](Gpu& g) -> Expected<ComputeJob> {
    ComputeJob job;
    job.kernel_name = kernel_name;
    job.n = elements;
    job.max_steps = 1000;
    const uint64_t bytes = uint64_t{elements} * 4;
    AMDHAL_ASSIGN_OR_RETURN(job.in, g.device->alloc(bytes, MemoryDomain::kVram));
    AMDHAL_ASSIGN_OR_RETURN(job.out, g.device->alloc(bytes, MemoryDomain::kVram));
    auto* in = static_cast<uint32_t*>(job.in->cpu_pointer());
    auto* out = static_cast<uint32_t*>(job.out->cpu_pointer());
    if (in == nullptr || out == nullptr) {
      return failed_precondition("kernel buffers must be CPU-visible to verify");
    }
    for (uint32_t i = 0; i < elements; ++i) {
      const float f = static_cast<float>(i);
      std::memcpy(&in[i], &f, 4);
      if (kernel_name == "collatz") in[i] = i + 1;
      out[i] = 0xDEADBEEF;
    }
    std::vector<ArgValue> args;
    DispatchConfig config;
    config.grid = {elements, 1, 1};
    config.workgroup = {kBlock, 1, 1};
    if (kernel_name == "vector_add") {
      AMDHAL_ASSIGN_OR_RETURN(job.in2, g.device->alloc(bytes, MemoryDomain::kVram));
      auto* b = static_cast<uint32_t*>(job.in2->cpu_pointer());
      const float half = 0.5f;
      for (uint32_t i = 0; i < elements; ++i) std::memcpy(&b[i], &half, 4);
      args = {ArgValue::buffer(job.in->gpu_address()), ArgValue::buffer(job.in2->gpu_address()),
              ArgValue::buffer(job.out->gpu_address()), ArgValue::u32(elements)};
    } else {
      args = {ArgValue::buffer(job.in->gpu_address()), ArgValue::buffer(job.out->gpu_address()),
              ArgValue::u32(elements), ArgValue::u32(job.max_steps)};
    }
    AMDHAL_ASSIGN_OR_RETURN(KernargBlock block, pack_kernargs(g.kernel->info(), args, config));
    job.kernargs = std::move(block.bytes);
    return job;
  };
  auto record_kernel = [&](Gpu& g, CommandBuffer& cb, const ComputeJob& job, BufferRange& t0,
                           BufferRange& t1) -> Status {
    t0 = g.slot();
    t1 = g.slot();
    AMDHAL_RETURN_IF_ERROR(cb.timestamp(t0));
    AMDHAL_RETURN_IF_ERROR(cb.dispatch(g.kernel, {job.n, 1, 1}, {kBlock, 1, 1}, job.kernargs));
    AMDHAL_RETURN_IF_ERROR(cb.barrier());
    return cb.timestamp(t1);
  };
  auto record_copy = [&](Gpu& g, CommandBuffer& cb, BufferRange dst, BufferRange src, uint64_t size,
                         BufferRange& t0, BufferRange& t1) -> Status {
    t0 = g.slot();
    t1 = g.slot();
    AMDHAL_RETURN_IF_ERROR(cb.timestamp(t0));
    AMDHAL_RETURN_IF_ERROR(cb.copy(dst, src, size));
    return cb.timestamp(t1);
  };
  auto fill_source = [](Buffer& b, uint64_t size, uint32_t seed) {
    auto* p = static_cast<uint8_t*>(b.cpu_pointer());
    for (uint64_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>((i * 7 + seed) ^ (i >> 11));
  };

  std::vector<TimedOp> all_ops;
  nlohmann::json results = nlohmann::json::array();
  std::string text;
  uint64_t total_errors = 0;
  size_t done_scenarios = 0;

  for (const std::string& scenario : scenarios) {
    if (ctx.stop_requested()) break;
    if (ctx.progress) {
      ctx.progress(
          static_cast<double>(done_scenarios) / scenarios.size(),
          fmt::format("scenario {} ({}/{})", scenario, done_scenarios + 1, scenarios.size()));
    }
    nlohmann::json r = {{"scenario", scenario}};
    std::vector<TimedOp> ops;
    uint64_t errors = 0;
    std::vector<std::string> problems;

    if (scenario == "compute-copy" || scenario == "p2p-ring") {
      // Per participating device: a kernel on compute and a copy on SDMA, all at once.
      const size_t count = scenario == "compute-copy" ? 1 : gpus.size();
      struct Lane {
        ComputeJob job;
        std::shared_ptr<Buffer> src, dst;
        std::shared_ptr<Signal> kdone, cdone;
        BufferRange k0, k1, c0, c1;
        size_t peer = 0;
      };
      std::vector<Lane> lanes(count);
      for (size_t d = 0; d < count; ++d) {
        Gpu& g = gpus[d];
        Lane& l = lanes[d];
        l.peer = scenario == "compute-copy" ? d : (d + 1) % gpus.size();
        AMDHAL_ASSIGN_OR_RETURN(l.job, make_job(g));
        AMDHAL_ASSIGN_OR_RETURN(l.src, g.device->alloc(copy_size, MemoryDomain::kVram));
        AMDHAL_ASSIGN_OR_RETURN(l.dst, gpus[l.peer].device->alloc(copy_size, MemoryDomain::kVram));
        if (!l.src->cpu_pointer() || !l.dst->cpu_pointer()) {
          return failed_precondition("copy buffers must be CPU-visible to verify");
        }
        fill_source(*l.src, copy_size, static_cast<uint32_t>(d));
        std::memset(l.dst->cpu_pointer(), 0, copy_size);
        AMDHAL_ASSIGN_OR_RETURN(l.kdone, g.device->create_signal(0));
        AMDHAL_ASSIGN_OR_RETURN(l.cdone, g.device->create_signal(0));
      }
      for (size_t d = 0; d < count; ++d) {
        Gpu& g = gpus[d];
        Lane& l = lanes[d];
        CommandBuffer k, c;
        AMDHAL_RETURN_IF_ERROR(record_kernel(g, k, l.job, l.k0, l.k1));
        AMDHAL_RETURN_IF_ERROR(k.signal(l.kdone, 1));
        AMDHAL_RETURN_IF_ERROR(record_copy(g, c, {l.dst, 0}, {l.src, 0}, copy_size, l.c0, l.c1));
        AMDHAL_RETURN_IF_ERROR(c.signal(l.cdone, 1));
        AMDHAL_RETURN_IF_ERROR(g.compute->submit(k));
        AMDHAL_RETURN_IF_ERROR(g.sdma->submit(c));
      }
      uint64_t copy_ticks = 0, hidden_ticks = 0;
      for (size_t d = 0; d < count; ++d) {
        Gpu& g = gpus[d];
        Lane& l = lanes[d];
        AMDHAL_RETURN_IF_ERROR(wait_for(*g.compute, *l.kdone, 1, "kernel"));
        AMDHAL_RETURN_IF_ERROR(wait_for(*g.sdma, *l.cdone, 1, "copy"));
        TimedOp k{d, "compute", kernel_name, g.read(l.k0), g.read(l.k1)};
        TimedOp c{d, "sdma", l.peer == d ? "copy" : fmt::format("p2p copy to device {}", l.peer),
                  g.read(l.c0), g.read(l.c1)};
        copy_ticks += c.end > c.start ? c.end - c.start : 0;
        hidden_ticks += overlap_ticks(k, c);
        ops.push_back(k);
        ops.push_back(c);
        const uint64_t bad = l.job.check(static_cast<const uint32_t*>(l.job.in->cpu_pointer()),
                                         static_cast<const uint32_t*>(l.job.out->cpu_pointer()));
        if (bad != 0) problems.push_back(fmt::format("device {}: {} wrong kernel results", d, bad));
        errors += bad;
        if (std::memcmp(l.src->cpu_pointer(), l.dst->cpu_pointer(), copy_size) != 0) {
          problems.push_back(fmt::format("device {}: copy to device {} differs", d, l.peer));
          ++errors;
        }
      }
      const double hidden = copy_ticks ? static_cast<double>(hidden_ticks) / copy_ticks : 0.0;
      r["copy_ns"] = copy_ticks * kNsPerTick;
      r["hidden_ns"] = hidden_ticks * kNsPerTick;
      r["hidden_fraction"] = hidden;
      text += fmt::format(
          "{}: {} device{}, {} x {} work-items + {} copy: {:.0f}% of copy time "
          "({:.3f} of {:.3f} ms) hidden behind compute{}\n",
          scenario, count, count == 1 ? "" : "s", kernel_name, elements, copy_size, hidden * 100,
          hidden_ticks * kNsPerTick / 1e6, copy_ticks * kNsPerTick / 1e6,
          errors ? "" : "; results verified");
    } else if (scenario == "sync") {
      Gpu& g = gpus[0];
      const uint64_t bytes = uint64_t{elements} * 4;
      // (a) SDMA waits for the kernel, then copies its output back.
      AMDHAL_ASSIGN_OR_RETURN(ComputeJob a, make_job(g));
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Buffer> readback,
                              g.device->alloc(bytes, MemoryDomain::kGtt));
      std::memset(readback->cpu_pointer(), 0xEE, bytes);
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> kdone, g.device->create_signal(0));
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> cdone, g.device->create_signal(0));
      CommandBuffer k, c;
      BufferRange k0, k1, c0, c1;
      AMDHAL_RETURN_IF_ERROR(c.wait(kdone, 1));
      AMDHAL_RETURN_IF_ERROR(record_copy(g, c, {readback, 0}, {a.out, 0}, bytes, c0, c1));
      AMDHAL_RETURN_IF_ERROR(c.signal(cdone, 1));
      AMDHAL_RETURN_IF_ERROR(record_kernel(g, k, a, k0, k1));
      AMDHAL_RETURN_IF_ERROR(k.signal(kdone, 1));
      AMDHAL_RETURN_IF_ERROR(g.sdma->submit(c));  // waits on the GPU until the kernel is done
      AMDHAL_RETURN_IF_ERROR(g.compute->submit(k));
      AMDHAL_RETURN_IF_ERROR(wait_for(*g.sdma, *cdone, 1, "SDMA copy waiting for compute"));
      TimedOp ka{0, "compute", kernel_name + " (sdma waits)", g.read(k0), g.read(k1)};
      TimedOp ca{0, "sdma", "copy back after kernel", g.read(c0), g.read(c1)};
      const bool order_a = ca.start >= ka.end;
      const uint64_t bad_a = a.check(static_cast<const uint32_t*>(a.in->cpu_pointer()),
                                     static_cast<const uint32_t*>(readback->cpu_pointer()));
      if (!order_a) problems.push_back("SDMA copy started before the kernel it waited for ended");
      if (bad_a)
        problems.push_back(fmt::format("{} words copied back wrong (copied too early?)", bad_a));
      errors += (order_a ? 0 : 1) + bad_a;
      ops.push_back(ka);
      ops.push_back(ca);

      // (b) compute waits for an SDMA copy that brings its input.
      AMDHAL_ASSIGN_OR_RETURN(ComputeJob b, make_job(g));
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Buffer> staging,
                              g.device->alloc(bytes, MemoryDomain::kGtt));
      auto* fresh = static_cast<uint32_t*>(staging->cpu_pointer());
      for (uint32_t i = 0; i < elements; ++i) {
        const float f = static_cast<float>(elements - i);
        std::memcpy(&fresh[i], &f, 4);
        if (kernel_name == "collatz") fresh[i] = 3 * i + 7;
      }
      std::memset(b.in->cpu_pointer(), 0, bytes);  // stale input the kernel must not see
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> copied, g.device->create_signal(0));
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> ran, g.device->create_signal(0));
      CommandBuffer k2, c2;
      BufferRange k2_0, k2_1, c2_0, c2_1;
      AMDHAL_RETURN_IF_ERROR(k2.wait(copied, 1));
      AMDHAL_RETURN_IF_ERROR(record_kernel(g, k2, b, k2_0, k2_1));
      AMDHAL_RETURN_IF_ERROR(k2.signal(ran, 1));
      AMDHAL_RETURN_IF_ERROR(record_copy(g, c2, {b.in, 0}, {staging, 0}, bytes, c2_0, c2_1));
      AMDHAL_RETURN_IF_ERROR(c2.signal(copied, 1));
      AMDHAL_RETURN_IF_ERROR(g.compute->submit(k2));  // waits on the GPU until the copy is done
      AMDHAL_RETURN_IF_ERROR(g.sdma->submit(c2));
      AMDHAL_RETURN_IF_ERROR(wait_for(*g.compute, *ran, 1, "kernel waiting for SDMA"));
      TimedOp cb_op{0, "sdma", "copy input", g.read(c2_0), g.read(c2_1)};
      TimedOp kb{0, "compute", kernel_name + " (waits for sdma)", g.read(k2_0), g.read(k2_1)};
      const bool order_b = kb.start >= cb_op.end;
      const uint64_t bad_b = b.check(fresh, static_cast<const uint32_t*>(b.out->cpu_pointer()));
      if (!order_b) problems.push_back("kernel started before the SDMA copy it waited for ended");
      if (bad_b)
        problems.push_back(fmt::format("{} kernel results computed from stale input", bad_b));
      errors += (order_b ? 0 : 1) + bad_b;
      ops.push_back(cb_op);
      ops.push_back(kb);
      r["sdma_waits_for_compute"] = {{"ordered", order_a},
                                     {"wrong_words", bad_a},
                                     {"gap_ns", order_a ? (ca.start - ka.end) * kNsPerTick : 0}};
      r["compute_waits_for_sdma"] = {{"ordered", order_b},
                                     {"wrong_words", bad_b},
                                     {"gap_ns", order_b ? (kb.start - cb_op.end) * kNsPerTick : 0}};
      text += fmt::format(
          "sync: SDMA waited for compute: {} (gap {:.3f} ms); compute waited for SDMA: {} (gap "
          "{:.3f} ms); {}\n",
          order_a ? "in order" : "OUT OF ORDER",
          order_a ? (ca.start - ka.end) * kNsPerTick / 1e6 : 0.0,
          order_b ? "in order" : "OUT OF ORDER",
          order_b ? (kb.start - cb_op.end) * kNsPerTick / 1e6 : 0.0,
          bad_a + bad_b == 0 ? "data verified" : "DATA WRONG");
    }

    if (scenario == "pipeline") {
      // (4) Double-buffered: compute chunk i while SDMA sends chunk i-1. The compute queue runs
      // the chunks back to back, signalling after each; the SDMA queue waits for chunk i's
      // signal, then copies its results to the destination (the next GPU if there is one).
      Gpu& g = gpus[0];
      const uint32_t per = std::max<uint32_t>(kBlock, elements / chunks / kBlock * kBlock);
      const uint32_t count = std::min<uint32_t>(chunks, elements / per);
      const uint64_t chunk_bytes = uint64_t{per} * 4;
      AMDHAL_ASSIGN_OR_RETURN(ComputeJob job, make_job(g));
      Device& dst_dev = *gpus[gpus.size() > 1 ? 1 : 0].device;
      AMDHAL_ASSIGN_OR_RETURN(
          std::shared_ptr<Buffer> dst,
          dst_dev.alloc(uint64_t{elements} * 4,
                        gpus.size() > 1 ? MemoryDomain::kVram : MemoryDomain::kGtt));
      if (dst->cpu_pointer() == nullptr) return failed_precondition("destination not CPU-visible");
      std::memset(dst->cpu_pointer(), 0xEE, uint64_t{elements} * 4);
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> computed, g.device->create_signal(0));
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> sent, g.device->create_signal(0));
      CommandBuffer k, c;
      std::vector<std::array<BufferRange, 4>> slots(count);
      for (uint32_t i = 0; i < count; ++i) {
        const uint64_t off = uint64_t{i} * chunk_bytes;
        std::vector<ArgValue> args;
        if (kernel_name == "vector_add") {
          args = {ArgValue::buffer(job.in->gpu_address() + off),
                  ArgValue::buffer(job.in2->gpu_address() + off),
                  ArgValue::buffer(job.out->gpu_address() + off), ArgValue::u32(per)};
        } else {
          args = {ArgValue::buffer(job.in->gpu_address() + off),
                  ArgValue::buffer(job.out->gpu_address() + off), ArgValue::u32(per),
                  ArgValue::u32(job.max_steps)};
        }
        DispatchConfig config;
        config.grid = {per, 1, 1};
        config.workgroup = {kBlock, 1, 1};
        AMDHAL_ASSIGN_OR_RETURN(KernargBlock block, pack_kernargs(g.kernel->info(), args, config));
        auto& sl = slots[i];
        for (auto& r : sl) r = g.slot();
        AMDHAL_RETURN_IF_ERROR(k.timestamp(sl[0]));
        AMDHAL_RETURN_IF_ERROR(k.dispatch(g.kernel, {per, 1, 1}, {kBlock, 1, 1}, block.bytes));
        AMDHAL_RETURN_IF_ERROR(k.barrier());
        AMDHAL_RETURN_IF_ERROR(k.timestamp(sl[1]));
        AMDHAL_RETURN_IF_ERROR(k.signal(computed, i + 1));
        AMDHAL_RETURN_IF_ERROR(c.wait(computed, i + 1));
        AMDHAL_RETURN_IF_ERROR(c.timestamp(sl[2]));
        AMDHAL_RETURN_IF_ERROR(c.copy({dst, off}, {job.out, off}, chunk_bytes));
        AMDHAL_RETURN_IF_ERROR(c.timestamp(sl[3]));
      }
      AMDHAL_RETURN_IF_ERROR(c.signal(sent, 1));
      AMDHAL_RETURN_IF_ERROR(g.sdma->submit(c));
      AMDHAL_RETURN_IF_ERROR(g.compute->submit(k));
      AMDHAL_RETURN_IF_ERROR(wait_for(*g.sdma, *sent, 1, "pipeline"));
      uint64_t copy_ticks = 0, hidden_ticks = 0, out_of_order = 0;
      std::vector<TimedOp> kernels, copies;
      for (uint32_t i = 0; i < count; ++i) {
        kernels.push_back({0, "compute", fmt::format("{} chunk {}", kernel_name, i),
                           g.read(slots[i][0]), g.read(slots[i][1])});
        copies.push_back(
            {0, "sdma", fmt::format("send chunk {}", i), g.read(slots[i][2]), g.read(slots[i][3])});
        out_of_order += copies[i].start < kernels[i].end;
      }
      for (const TimedOp& cp : copies) {
        copy_ticks += cp.end > cp.start ? cp.end - cp.start : 0;
        for (const TimedOp& kk : kernels) hidden_ticks += overlap_ticks(kk, cp);
      }
      ops.insert(ops.end(), kernels.begin(), kernels.end());
      ops.insert(ops.end(), copies.begin(), copies.end());
      // Only the chunks processed: count * per words.
      ComputeJob part = job;
      part.n = count * per;
      const uint64_t bad = part.check(static_cast<const uint32_t*>(job.in->cpu_pointer()),
                                      static_cast<const uint32_t*>(dst->cpu_pointer()));
      if (bad) problems.push_back(fmt::format("{} words wrong at the destination", bad));
      if (out_of_order) {
        problems.push_back(fmt::format("{} chunks sent before their kernel ended", out_of_order));
      }
      errors += bad + out_of_order;
      const double hidden = copy_ticks ? static_cast<double>(hidden_ticks) / copy_ticks : 0.0;
      r["chunks"] = count;
      r["copy_ns"] = copy_ticks * kNsPerTick;
      r["hidden_ns"] = hidden_ticks * kNsPerTick;
      r["hidden_fraction"] = hidden;
      r["ordered"] = out_of_order == 0;
      text += fmt::format(
          "pipeline: {} chunks of {} work-items, sent to {}: {:.0f}% of send time hidden behind "
          "compute; {}\n",
          count, per, gpus.size() > 1 ? "device 1" : "GTT", hidden * 100,
          bad + out_of_order == 0 ? "in order, data verified" : "ERRORS");
    }

    r["errors"] = errors;
    r["problems"] = problems;
    r["operations"] = nlohmann::json::array();
    for (const TimedOp& op : ops) {
      r["operations"].push_back({{"device", op.device},
                                 {"engine", op.engine},
                                 {"name", op.name},
                                 {"start_tick", op.start},
                                 {"duration_ns", (op.end - op.start) * kNsPerTick}});
    }
    for (const std::string& p : problems) text += fmt::format("  ERROR {}: {}\n", scenario, p);
    results.push_back(r);
    total_errors += errors;
    all_ops.insert(all_ops.end(), ops.begin(), ops.end());
    ++done_scenarios;
  }

  WorkloadReport report;
  report.interrupted = ctx.stop_requested() && done_scenarios < scenarios.size();
  report.errors = total_errors;
  nlohmann::json j = {{"workload", "overlap"},
                      {"kernel", kernel_name},
                      {"elements", elements},
                      {"copy_size", copy_size},
                      {"scenarios", results},
                      {"errors", total_errors},
                      {"interrupted", report.interrupted}};
  j["devices"] = nlohmann::json::array();
  for (const auto& d : ctx.devices) j["devices"].push_back(d->info().id);

  if (const std::string path = ctx.option("trace"); !path.empty()) {
    uint64_t base = ~uint64_t{0};
    for (const TimedOp& op : all_ops) base = std::min(base, op.start);
    nlohmann::json events = nlohmann::json::array();
    for (size_t d = 0; d < gpus.size(); ++d) {
      events.push_back(
          {{"name", "process_name"},
           {"ph", "M"},
           {"pid", d},
           {"tid", 0},
           {"args", {{"name", fmt::format("device {} ({})", d, gpus[d].device->info().id)}}}});
      events.push_back({{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", d},
                        {"tid", 0},
                        {"args", {{"name", "compute"}}}});
      events.push_back({{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", d},
                        {"tid", 1},
                        {"args", {{"name", "sdma"}}}});
    }
    for (const TimedOp& op : all_ops) {
      events.push_back({{"name", op.name},
                        {"cat", op.engine},
                        {"ph", "X"},
                        {"pid", op.device},
                        {"tid", op.engine == "compute" ? 0 : 1},
                        {"ts", static_cast<double>((op.start - base) * kNsPerTick) / 1000.0},
                        {"dur", static_cast<double>((op.end - op.start) * kNsPerTick) / 1000.0}});
    }
    nlohmann::json trace = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
    std::ofstream out(path);
    out << trace.dump(1) << "\n";
    if (!out) return unavailable(fmt::format("cannot write trace file {}", path));
    j["trace"] = path;
    text += fmt::format("trace: {} ({} events; open in https://ui.perfetto.dev)\n", path,
                        all_ops.size());
  }
  report.json = j.dump();
  report.text =
      fmt::format("overlap on {} device{} ({} scenario{}{}), {} error{}\n", gpus.size(),
                  gpus.size() == 1 ? "" : "s", done_scenarios, done_scenarios == 1 ? "" : "s",
                  report.interrupted ? ", interrupted" : "", total_errors,
                  total_errors == 1 ? "" : "s") +
      text;
  return report;
}

Expected<std::shared_ptr<Workload>> create(const PluginHost& host) {
  return adopt<Workload>(std::make_unique<Overlap>(), host.anchor);
}

}  // namespace
}  // namespace amdhal

AMDHAL_WORKLOAD_PLUGIN(amdhal::create)
