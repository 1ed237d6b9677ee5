// saturation: every selected GPU at once runs large vector_add dispatches on a compute queue while
// SDMA engines copy large buffers over every link of a ring (GPU i → i+1) or between neighbours
// (i → i+1 and i → i-1), round after round for --seconds. Reports per engine the busy fraction of
// the wall time (from GPU timestamps around each operation) and GB/s while busy, the aggregate
// copy bandwidth, and verifies every kernel result and every copied byte on the CPU.
//
// With one GPU there are no links: its SDMA engine copies within its own VRAM.
#include <algorithm>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/plugin_abi.h"
#include "amdhal/workload.h"
#include "workload_common.h"

namespace amdhal {
namespace {

using workload::kGpuClockHz;

constexpr uint32_t kBlock = 256;
constexpr const char* kDefaultWorkItems = "4194304";
constexpr const char* kDefaultBytes = "64M";

/// One engine's work and totals: a compute queue (link < 0) or an SDMA queue serving one link.
struct Lane {
  size_t device = 0;  // index in ctx.devices
  size_t peer = 0;    // copy destination (SDMA lanes)
  bool compute = false;
  std::shared_ptr<Queue> queue;
  std::shared_ptr<Signal> done;
  std::shared_ptr<Buffer> stamps;
  uint64_t seq = 0;
  // compute: a, b, c = a + b; SDMA: src → dst
  std::shared_ptr<Buffer> a, b, c, src, dst;
  std::vector<uint8_t> kernargs;
  // Totals.
  uint64_t operations = 0, bytes = 0, work_items = 0, busy_ticks = 0, errors = 0;
  std::string first_error;

  std::string label() const {
    return compute ? std::string("compute") : fmt::format("sdma->{}", peer);
  }
};

class Saturation final : public workload::GuardedWorkload {
 public:
  std::string_view name() const override { return "saturation"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view summary() const override {
    return "every GPU computing and every link copying at once: busy fractions, aggregate GB/s";
  }
  std::vector<WorkloadOption> options() const override {
    return {{"work-items", "work-items of each vector_add dispatch (millions on hardware)",
             kDefaultWorkItems},
            {"bytes", "bytes of each copy per link (64M-256M on hardware; K/M/G suffixes)",
             kDefaultBytes},
            {"pattern", "links: ring (GPU i -> i+1) or neighbours (i -> i+1 and i -> i-1)", "ring"},
            {"seconds", "keep going for this long (the round in flight finishes)", "5"},
            {"rounds", "stop after this many rounds (0: --seconds decides)", "0"}};
  }

 private:
  Expected<WorkloadReport> run_checked(WorkloadContext& ctx) override;
};

Expected<WorkloadReport> Saturation::run_checked(WorkloadContext& ctx) {
  if (ctx.devices.empty()) return invalid_argument("saturation: no device");
  AMDHAL_ASSIGN_OR_RETURN(
      uint64_t work_items,
      workload::option_count(ctx, "work-items", kDefaultWorkItems, 1, uint64_t{1} << 30));
  work_items = (work_items + kBlock - 1) / kBlock * kBlock;
  const std::string bytes_text = ctx.option("bytes", kDefaultBytes);
  auto bytes_parsed = workload::parse_size(bytes_text);
  if (!bytes_parsed.ok()) return bytes_parsed.status().with_context("--bytes");
  const uint64_t bytes = *bytes_parsed;
  if (bytes > (uint64_t{4} << 30)) return invalid_argument("--bytes: at most 4G per link");
  const std::string pattern = ctx.option("pattern", "ring");
  if (pattern != "ring" && pattern != "neighbours" && pattern != "neighbors") {
    return invalid_argument(fmt::format("--pattern: unknown '{}' (ring or neighbours)", pattern));
  }
  AMDHAL_ASSIGN_OR_RETURN(double seconds, workload::option_seconds(ctx, "seconds", "5"));
  AMDHAL_ASSIGN_OR_RETURN(uint64_t max_rounds,
                          workload::option_count(ctx, "rounds", "0", 0, uint64_t{1} << 32));

  // Links: (from, to) pairs; one SDMA queue each on the sending GPU.
  const size_t n = ctx.devices.size();
  std::vector<std::pair<size_t, size_t>> links;
  if (n == 1) {
    links.emplace_back(0, 0);
  } else {
    for (size_t i = 0; i < n; ++i) {
      links.emplace_back(i, (i + 1) % n);
      if (pattern != "ring" && n > 2) links.emplace_back(i, (i + n - 1) % n);
    }
  }

  // Lanes: one compute lane per device, then one SDMA lane per link.
  std::vector<Lane> lanes;
  std::vector<workload::LoadedKernel> kernels(n);
  for (size_t d = 0; d < n; ++d) {
    Lane l;
    l.device = d;
    l.peer = d;
    l.compute = true;
    lanes.push_back(std::move(l));
  }
  for (const auto& [from, to] : links) {
    Lane l;
    l.device = from;
    l.peer = to;
    lanes.push_back(std::move(l));
  }
  const uint64_t kernel_bytes = work_items * 4;
  for (size_t i = 0; i < lanes.size(); ++i) {
    Lane& l = lanes[i];
    Device& dev = *ctx.devices[l.device];
    const std::string where = fmt::format("device {} ({}) {}", l.device, dev.info().id, l.label());
    auto queue = dev.create_queue(l.compute ? QueueKind::kCompute : QueueKind::kSdma);
    if (!queue.ok()) return queue.status().with_context(where + ": queue");
    l.queue = *queue;
    AMDHAL_ASSIGN_OR_RETURN(l.done, dev.create_signal(0));
    auto stamps = dev.alloc(4096, MemoryDomain::kGtt, AllocFlags{true, true, false});
    if (!stamps.ok()) return stamps.status().with_context(where + ": timestamps");
    l.stamps = *stamps;
    if (l.compute) {
      auto k = workload::load_kernel(dev, ctx.kernel_dir, "vector_add");
      if (!k.ok()) return k.status().with_context(where);
      kernels[l.device] = *k;
      for (auto* buf : {&l.a, &l.b, &l.c}) {
        auto b = dev.alloc(kernel_bytes, MemoryDomain::kVram);
        if (!b.ok()) return b.status().with_context(where + ": kernel buffer");
        *buf = *b;
        if ((*buf)->cpu_pointer() == nullptr) {
          return failed_precondition(
              where + ": buffers must be CPU-visible to verify (VRAM needs a large BAR)");
        }
      }
      auto* a = static_cast<float*>(l.a->cpu_pointer());
      auto* b = static_cast<float*>(l.b->cpu_pointer());
      for (uint64_t k = 0; k < work_items; ++k) {
        a[k] = static_cast<float>(k % 1000003);
        b[k] = static_cast<float>(l.device) + 0.5f;
      }
      DispatchConfig config;
      config.grid = {static_cast<uint32_t>(work_items), 1, 1};
      config.workgroup = {kBlock, 1, 1};
      const std::vector<ArgValue> args = {
          ArgValue::buffer(l.a->gpu_address()), ArgValue::buffer(l.b->gpu_address()),
          ArgValue::buffer(l.c->gpu_address()), ArgValue::u32(static_cast<uint32_t>(work_items))};
      auto packed = pack_kernargs(kernels[l.device].kernel->info(), args, config);
      if (!packed.ok()) return packed.status().with_context(where);
      l.kernargs = std::move(packed->bytes);
    } else {
      auto src = dev.alloc(bytes, MemoryDomain::kVram);
      if (!src.ok()) return src.status().with_context(where + ": source buffer");
      l.src = *src;
      auto dst = ctx.devices[l.peer]->alloc(bytes, MemoryDomain::kVram);
      if (!dst.ok()) return dst.status().with_context(where + ": destination buffer");
      l.dst = *dst;
      if (l.src->cpu_pointer() == nullptr || l.dst->cpu_pointer() == nullptr) {
        return failed_precondition(
            where + ": buffers must be CPU-visible to verify (VRAM needs a large BAR)");
      }
      std::mt19937_64 rng(0x5A7 + i);
      auto* s = static_cast<uint8_t*>(l.src->cpu_pointer());
      for (uint64_t k = 0; k < bytes; k += 8) {
        const uint64_t v = rng();
        std::memcpy(s + k, &v, std::min<uint64_t>(8, bytes - k));
      }
    }
  }

  // Rounds: prepare every destination, submit everything, wait for everything, verify.
  workload::Stopwatch clock;
  workload::ProgressPacer pacer(ctx);
  uint64_t rounds = 0;
  std::string failure;
  while (failure.empty()) {
    if (ctx.stop_requested()) break;
    if (max_rounds != 0 ? rounds >= max_rounds : (rounds > 0 && clock.seconds() >= seconds)) break;
    for (Lane& l : lanes) {
      if (l.compute) {
        std::memset(l.c->cpu_pointer(), 0xFF, kernel_bytes);  // NaN: a skipped lane shows
      } else {
        // One wrong byte per page and the last byte: a skipped or partial copy shows up.
        auto* d = static_cast<uint8_t*>(l.dst->cpu_pointer());
        const auto* s = static_cast<const uint8_t*>(l.src->cpu_pointer());
        for (uint64_t k = 0; k < bytes; k += 4096) d[k] = static_cast<uint8_t>(~s[k]);
        d[bytes - 1] = static_cast<uint8_t>(~s[bytes - 1]);
      }
      CommandBuffer cb;
      Status st = cb.timestamp({l.stamps, 0});
      if (st.ok()) {
        st = l.compute
                 ? cb.dispatch(kernels[l.device].kernel, {static_cast<uint32_t>(work_items), 1, 1},
                               {kBlock, 1, 1}, l.kernargs)
                 : cb.copy({l.dst, 0}, {l.src, 0}, bytes);
      }
      if (st.ok() && l.compute) st = cb.barrier();
      if (st.ok()) st = cb.timestamp({l.stamps, 8});
      if (st.ok()) st = cb.signal(l.done, ++l.seq);
      if (st.ok()) st = l.queue->submit(cb);
      if (!st.ok()) {
        failure = fmt::format("device {} {}: submit: {}", l.device, l.label(), st.message());
        break;
      }
    }
    if (!failure.empty()) break;
    for (Lane& l : lanes) {
      Status st = workload::wait_for(*l.queue, *l.done, l.seq,
                                     fmt::format("device {} {}", l.device, l.label()));
      if (!st.ok()) {
        failure = st.message();
        break;
      }
      const auto* ts = static_cast<const uint64_t*>(l.stamps->cpu_pointer());
      if (ts[1] >= ts[0]) l.busy_ticks += ts[1] - ts[0];
      ++l.operations;
      if (l.compute) {
        l.work_items += work_items;
        const auto* a = static_cast<const float*>(l.a->cpu_pointer());
        const auto* b = static_cast<const float*>(l.b->cpu_pointer());
        const auto* c = static_cast<const float*>(l.c->cpu_pointer());
        uint64_t bad = 0, first = 0;
        for (uint64_t k = 0; k < work_items; ++k) {
          if (c[k] != a[k] + b[k]) {
            if (bad++ == 0) first = k;
          }
        }
        if (bad != 0) {
          l.errors += bad;
          if (l.first_error.empty()) {
            l.first_error = fmt::format(
                "round {}: {} wrong results, first c[{}] = {} (expected {}) at 0x{:x}", rounds, bad,
                first, c[first], a[first] + b[first], l.c->gpu_address() + first * 4);
          }
        }
      } else {
        l.bytes += bytes;
        const auto* s = static_cast<const uint8_t*>(l.src->cpu_pointer());
        const auto* d = static_cast<const uint8_t*>(l.dst->cpu_pointer());
        if (std::memcmp(s, d, bytes) != 0) {
          uint64_t bad = 0, first = 0;
          for (uint64_t k = 0; k < bytes; ++k) {
            if (s[k] != d[k] && bad++ == 0) first = k;
          }
          l.errors += bad;
          if (l.first_error.empty()) {
            l.first_error = fmt::format(
                "round {}: {} bytes wrong, first at 0x{:x} (offset {}): expected 0x{:02x}, "
                "found 0x{:02x}",
                rounds, bad, l.dst->gpu_address() + first, first, s[first], d[first]);
          }
        }
      }
    }
    if (!failure.empty()) break;
    ++rounds;
    if (pacer.due()) {
      uint64_t moved = 0;
      for (const Lane& l : lanes) moved += l.bytes;
      const double t = clock.seconds();
      const double fraction = max_rounds != 0 ? static_cast<double>(rounds) / max_rounds
                              : seconds > 0   ? std::min(1.0, t / seconds)
                                              : 1.0;
      pacer.update(fraction, fmt::format("{:.1f} s, {}, {:.1f} MiB copied", t,
                                         workload::plural(rounds, "round"),
                                         static_cast<double>(moved) / (1 << 20)));
    }
  }
  const double wall = clock.seconds();

  // Report.
  WorkloadReport report;
  report.interrupted = ctx.stop_requested();
  nlohmann::json j = {{"workload", "saturation"},
                      {"pattern", pattern == "ring" ? "ring" : "neighbours"},
                      {"work_items", work_items},
                      {"bytes", bytes},
                      {"rounds", rounds},
                      {"seconds", wall},
                      {"interrupted", report.interrupted}};
  j["devices"] = nlohmann::json::array();
  for (const auto& d : ctx.devices) j["devices"].push_back(d->info().id);
  j["links"] = nlohmann::json::array();
  for (const auto& [from, to] : links) j["links"].push_back({{"from", from}, {"to", to}});
  j["engines"] = nlohmann::json::array();
  uint64_t total_bytes = 0, total_items = 0, total_errors = 0;
  std::string table =
      fmt::format("{:<4} {:<14} {:<10} {:>6} {:>12} {:>12} {:>9} {:>6} {:>7}\n", "dev", "device",
                  "engine", "ops", "bytes", "work-items", "GB/s", "busy", "errors");
  for (const Lane& l : lanes) {
    const double busy_s = static_cast<double>(l.busy_ticks) / kGpuClockHz;
    const double busy = wall > 0 ? std::min(1.0, busy_s / wall) : 0.0;
    const double gbps = busy_s > 0 && !l.compute ? static_cast<double>(l.bytes) / busy_s / 1e9 : 0;
    nlohmann::json e = {{"device", ctx.devices[l.device]->info().id},
                        {"device_index", l.device},
                        {"engine", l.label()},
                        {"kind", l.compute ? "compute" : "sdma"},
                        {"operations", l.operations},
                        {"bytes", l.bytes},
                        {"work_items", l.work_items},
                        {"gpu_busy_ns", l.busy_ticks * workload::kNsPerTick},
                        {"busy_fraction", busy},
                        {"gbps", gbps},
                        {"errors", l.errors}};
    if (!l.compute) e["to"] = l.peer;
    if (!l.first_error.empty()) e["first_error"] = l.first_error;
    j["engines"].push_back(e);
    total_bytes += l.bytes;
    total_items += l.work_items;
    total_errors += l.errors;
    table += fmt::format("{:<4} {:<14} {:<10} {:>6} {:>12} {:>12} {:>9} {:>5.0f}% {:>7}\n",
                         l.device, ctx.devices[l.device]->info().id, l.label(), l.operations,
                         l.bytes, l.work_items, l.compute ? "-" : fmt::format("{:.2f}", gbps),
                         busy * 100, l.errors);
  }
  if (!failure.empty()) ++total_errors;
  const double aggregate = wall > 0 ? static_cast<double>(total_bytes) / wall / 1e9 : 0.0;
  j["totals"] = {{"bytes", total_bytes},
                 {"work_items", total_items},
                 {"errors", total_errors},
                 {"gbps", aggregate}};
  if (!failure.empty()) j["failure"] = failure;
  report.errors = total_errors;
  report.json = j.dump();
  report.text = fmt::format(
      "saturation: {}, {} {} link{}{}, {} in {:.2f} s{}\n{}"
      "total: {} bytes copied ({:.2f} GB/s aggregate, wall clock), {} work-items computed, {}\n",
      workload::plural(n, "device"), links.size(), n == 1 ? "local copy" : "peer-to-peer",
      links.size() == 1 ? "" : "s",
      n == 1 ? std::string() : fmt::format(" ({})", j["pattern"].get<std::string>()),
      workload::plural(rounds, "round"), wall, report.interrupted ? " (interrupted)" : "", table,
      total_bytes, aggregate, total_items,
      total_errors == 0 ? "every result verified" : workload::plural(total_errors, "error"));
  for (const Lane& l : lanes) {
    if (!l.first_error.empty()) {
      report.text += fmt::format("ERROR device {} {}: {}\n", l.device, l.label(), l.first_error);
    }
  }
  if (!failure.empty()) report.text += fmt::format("ERROR {}\n", failure);
  return report;
}

Expected<std::shared_ptr<Workload>> create(const PluginHost& host) {
  return adopt<Workload>(std::make_unique<Saturation>(), host.anchor);
}

}  // namespace
}  // namespace amdhal

AMDHAL_WORKLOAD_PLUGIN(amdhal::create)
