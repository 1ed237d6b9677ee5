// latency: how long from submitting a tiny operation until the CPU sees it complete, for each
// queue kind the device offers (PM4 compute, AQL compute, SDMA): each iteration records a 4-byte
// fill of the iteration number plus a signal, submits it, waits on the CPU and checks the value
// landed. With two or more devices also GPU-to-GPU: device 1's queue waits on the GPU for a
// signal device 0 writes (WAIT_REG_MEM on compute, POLL_REGMEM on SDMA), then signals the CPU;
// the time is from device 0's submission to the CPU seeing device 1's signal.
//
// Reports min, p50, p90, p99, max and mean in microseconds per kind (nearest-rank percentiles
// over the measured iterations; --warmup iterations before them are not counted).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "amdhal/command_buffer.h"
#include "amdhal/plugin_abi.h"
#include "amdhal/workload.h"
#include "workload_common.h"

namespace amdhal {
namespace {

constexpr const char* kDefaultIterations = "200";
constexpr const char* kDefaultWarmup = "10";
constexpr const char* kAllKinds = "compute,aql,sdma,gpu-gpu";

/// Latency samples of one kind, and what became of it.
struct Series {
  std::string kind;     // "compute", "aql", "sdma", "gpu-gpu-compute", "gpu-gpu-sdma"
  std::string how;      // one line: what was measured
  std::string skipped;  // why the kind was not measured ("" if it was)
  std::string failure;  // a submission or wait that failed
  std::vector<uint64_t> ns;
  uint64_t errors = 0;  // iterations whose fill value was wrong

  Series(std::string k, std::string h) : kind(std::move(k)), how(std::move(h)) {}
};

/// Nearest-rank percentile of sorted samples.
uint64_t percentile(const std::vector<uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

class Latency final : public workload::GuardedWorkload {
 public:
  std::string_view name() const override { return "latency"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view summary() const override {
    return "submit-to-completion latency per queue kind and GPU-to-GPU signal latency";
  }
  std::vector<WorkloadOption> options() const override {
    return {{"iterations", "measured iterations per kind", kDefaultIterations},
            {"warmup", "iterations run first and not counted", kDefaultWarmup},
            {"kinds", "comma-separated: compute, aql, sdma, gpu-gpu (2+ devices)", kAllKinds}};
  }

 private:
  Expected<WorkloadReport> run_checked(WorkloadContext& ctx) override;
};

Expected<WorkloadReport> Latency::run_checked(WorkloadContext& ctx) {
  if (ctx.devices.empty()) return invalid_argument("latency: no device");
  AMDHAL_ASSIGN_OR_RETURN(
      uint64_t iterations,
      workload::option_count(ctx, "iterations", kDefaultIterations, 1, 10'000'000));
  AMDHAL_ASSIGN_OR_RETURN(uint64_t warmup,
                          workload::option_count(ctx, "warmup", kDefaultWarmup, 0, 1'000'000));
  std::vector<std::string> kinds;
  for (const std::string& k : workload::split_list(ctx.option("kinds", kAllKinds))) {
    if (k != "compute" && k != "aql" && k != "sdma" && k != "gpu-gpu") {
      return invalid_argument(
          fmt::format("--kinds: unknown '{}' (compute, aql, sdma, gpu-gpu)", k));
    }
    if (k == "gpu-gpu" && ctx.devices.size() < 2 && ctx.option("kinds", kAllKinds) != kAllKinds) {
      return invalid_argument(
          "--kinds gpu-gpu needs two or more devices (e.g. --devices sim:gfx942x2)");
    }
    if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
  }
  if (kinds.empty()) return invalid_argument("--kinds: nothing to measure");

  Device& dev = *ctx.devices[0];
  std::vector<Series> series;
  for (const std::string& k : kinds) {
    if (k == "gpu-gpu") {
      if (ctx.devices.size() >= 2) {
        series.emplace_back("gpu-gpu-compute",
                            "device 0 signals, device 1 compute waits (WAIT_REG_MEM)");
        series.emplace_back("gpu-gpu-sdma", "device 0 signals, device 1 SDMA waits (POLL_REGMEM)");
      }
      continue;
    }
    series.emplace_back(k, k == "compute" ? "PM4 compute: 4-byte fill + RELEASE_MEM signal"
                           : k == "aql"   ? "AQL compute: 4-byte fill + completion signal"
                                          : "SDMA: 4-byte fill + FENCE/TRAP signal");
  }

  workload::ProgressPacer pacer(ctx);
  const uint64_t per_series = warmup + iterations;
  const uint64_t total_steps = per_series * series.size();
  uint64_t steps = 0;
  auto tick_progress = [&](const Series& s, uint64_t i) {
    ++steps;
    if (pacer.due()) {
      pacer.update(static_cast<double>(steps) / static_cast<double>(total_steps),
                   fmt::format("{}: {}/{}", s.kind, std::min(i + 1, per_series), per_series));
    }
  };

  for (Series& s : series) {
    if (ctx.stop_requested()) break;
    const bool g2g = s.kind.starts_with("gpu-gpu");
    const QueueKind kind = s.kind == "compute" || s.kind == "gpu-gpu-compute" ? QueueKind::kCompute
                           : s.kind == "aql" ? QueueKind::kComputeAql
                                             : QueueKind::kSdma;
    Device& waiter = g2g ? *ctx.devices[1] : dev;
    auto queue = waiter.create_queue(kind);
    if (!queue.ok()) {
      s.skipped = fmt::format("no {} queue: {}", queue_kind_name(kind), queue.status().message());
      continue;
    }
    std::shared_ptr<Queue> sender_queue;
    std::shared_ptr<Signal> from;  // g2g: written by device 0, waited for by device 1
    if (g2g) {
      auto q = dev.create_queue(QueueKind::kCompute);
      if (!q.ok()) return q.status().with_context("device 0: compute queue");
      sender_queue = *q;
      AMDHAL_ASSIGN_OR_RETURN(from, dev.create_signal(0));
    }
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> done, waiter.create_signal(0));
    auto scratch = waiter.alloc(4096, MemoryDomain::kGtt, AllocFlags{true, true, false});
    if (!scratch.ok()) return scratch.status().with_context(s.kind + ": scratch buffer");
    auto* word = static_cast<volatile uint32_t*>((*scratch)->cpu_pointer());
    s.ns.reserve(iterations);
    for (uint64_t i = 0; i < per_series && s.failure.empty(); ++i) {
      if (ctx.stop_requested()) break;
      const uint64_t v = i + 1;
      const auto value = static_cast<uint32_t>(0xC0DE0000u + v);
      CommandBuffer cb;
      if (g2g) AMDHAL_RETURN_IF_ERROR(cb.wait(from, v));
      AMDHAL_RETURN_IF_ERROR(cb.fill({*scratch, 0}, 4, value));
      AMDHAL_RETURN_IF_ERROR(cb.signal(done, v));
      uint64_t t0 = 0;
      Status st;
      if (g2g) {
        // The waiting queue is armed first; the clock starts when device 0 is told to signal.
        st = (*queue)->submit(cb);
        CommandBuffer go;
        if (st.ok()) st = go.signal(from, v);
        t0 = now_ns();
        if (st.ok()) st = sender_queue->submit(go);
      } else {
        t0 = now_ns();
        st = (*queue)->submit(cb);
      }
      if (st.ok()) st = workload::wait_for(**queue, *done, v, s.kind, std::chrono::seconds(30));
      const uint64_t t1 = now_ns();
      if (!st.ok()) {
        s.failure = st.message();
        break;
      }
      if (*word != value) ++s.errors;
      if (i >= warmup) s.ns.push_back(t1 - t0);
      tick_progress(s, i);
    }
  }

  // Report.
  WorkloadReport report;
  report.interrupted = ctx.stop_requested();
  nlohmann::json j = {{"workload", "latency"},
                      {"iterations", iterations},
                      {"warmup", warmup},
                      {"interrupted", report.interrupted}};
  j["devices"] = nlohmann::json::array();
  for (const auto& d : ctx.devices) j["devices"].push_back(d->info().id);
  j["kinds"] = nlohmann::json::array();
  std::string table = fmt::format("{:<16} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "kind",
                                  "samples", "min", "p50", "p90", "p99", "max", "mean");
  std::string notes;
  uint64_t total_errors = 0;
  for (Series& s : series) {
    nlohmann::json k = {
        {"kind", s.kind}, {"what", s.how}, {"samples", s.ns.size()}, {"errors", s.errors}};
    total_errors += s.errors + (s.failure.empty() ? 0 : 1);
    if (!s.skipped.empty()) {
      k["skipped"] = s.skipped;
      notes += fmt::format("{}: not measured: {}\n", s.kind, s.skipped);
    }
    if (!s.failure.empty()) {
      k["failure"] = s.failure;
      notes += fmt::format("ERROR {}: {}\n", s.kind, s.failure);
    }
    if (s.errors != 0) {
      notes += fmt::format("ERROR {}: {} iteration{} left a wrong value\n", s.kind, s.errors,
                           s.errors == 1 ? "" : "s");
    }
    if (!s.ns.empty()) {
      std::vector<uint64_t> sorted = s.ns;
      std::sort(sorted.begin(), sorted.end());
      const double mean =
          static_cast<double>(std::accumulate(sorted.begin(), sorted.end(), uint64_t{0})) /
          static_cast<double>(sorted.size());
      const uint64_t p50 = percentile(sorted, 0.50), p90 = percentile(sorted, 0.90),
                     p99 = percentile(sorted, 0.99);
      k["ns"] = {{"min", sorted.front()}, {"p50", p50},  {"p90", p90}, {"p99", p99},
                 {"max", sorted.back()},  {"mean", mean}};
      auto us = [](double ns) { return ns / 1000.0; };
      k["us"] = {{"min", us(sorted.front())}, {"p50", us(p50)},  {"p90", us(p90)}, {"p99", us(p99)},
                 {"max", us(sorted.back())},  {"mean", us(mean)}};
      table += fmt::format("{:<16} {:>7} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}\n",
                           s.kind, sorted.size(), us(sorted.front()), us(p50), us(p90), us(p99),
                           us(sorted.back()), us(mean));
    }
    j["kinds"].push_back(k);
  }
  if (ctx.devices.size() < 2 && std::find(kinds.begin(), kinds.end(), "gpu-gpu") != kinds.end()) {
    notes += "gpu-gpu: not measured: needs two or more devices (e.g. --devices sim:gfx942x2)\n";
  }
  j["errors"] = total_errors;
  report.errors = total_errors;
  report.json = j.dump();
  report.text = fmt::format("latency on {} ({}), {} + {} warm-up per kind{}, microseconds:\n",
                            dev.info().id, workload::plural(ctx.devices.size(), "device"),
                            workload::plural(iterations, "iteration"), warmup,
                            report.interrupted ? " (interrupted)" : "") +
                table + notes;
  return report;
}

Expected<std::shared_ptr<Workload>> create(const PluginHost& host) {
  return adopt<Workload>(std::make_unique<Latency>(), host.anchor);
}

}  // namespace
}  // namespace amdhal

AMDHAL_WORKLOAD_PLUGIN(amdhal::create)
