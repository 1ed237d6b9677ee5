// sdma-stress: drives every SDMA engine (and XGMI SDMA engine) of every given device at once with
// copies, fills and peer-to-peer copies, verifies every byte on the CPU and reports per engine:
// bytes moved, GB/s while busy, commands, busy fraction (from GPU timestamps) and errors with the
// first bad address and the expected and found bytes.
//
// Each engine has its own thread that prepares, submits, waits for and verifies one operation
// after another, so the engines run concurrently. Before each operation the destination is set to
// the complement of what the operation must write, so a skipped or partial operation shows up as a
// miscompare everywhere.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "amdhal/command_buffer.h"
#include "amdhal/plugin_abi.h"
#include "amdhal/workload.h"
#include "workload_common.h"

namespace amdhal {
namespace {

using workload::kGpuClockHz;

enum class Op { kCopy, kFill, kPeer };

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kCopy:
      return "copy";
    case Op::kFill:
      return "fill";
    case Op::kPeer:
      return "p2p";
  }
  return "?";
}

using workload::parse_size;

struct Pattern {
  enum Kind { kIota, kRandom, kConstant } kind = kIota;
  uint32_t word = 0;  // kConstant
};

Expected<Pattern> parse_pattern(const std::string& text) {
  if (text == "iota") return Pattern{Pattern::kIota, 0};
  if (text == "random") return Pattern{Pattern::kRandom, 0};
  if (text.starts_with("0x") && text.size() > 2 && text.size() <= 10 &&
      text.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
    const uint32_t v = static_cast<uint32_t>(std::stoul(text.substr(2), nullptr, 16));
    // A byte (0xAA) repeats in every byte; a longer value is a 32-bit word.
    const uint32_t word = text.size() <= 4 ? v * 0x01010101u : v;
    return Pattern{Pattern::kConstant, word};
  }
  return invalid_argument(
      fmt::format("--pattern '{}': expected iota, random or a hex constant like 0xAA", text));
}

struct FirstError {
  uint64_t address = 0;  // GPU virtual address of the first bad byte
  uint64_t offset = 0;   // its offset in the operation's destination
  uint8_t expected = 0;
  uint8_t found = 0;
  uint64_t mismatched_bytes = 0;
  std::string operation;
  uint64_t size = 0;
  std::string device;
};

struct Engine {
  size_t device_index = 0;
  std::shared_ptr<Device> device;
  QueueKind kind = QueueKind::kSdma;
  uint32_t index = 0;  // among engines of this kind on the device
  std::shared_ptr<Queue> queue;
  std::shared_ptr<Buffer> src, dst, peer_dst, stamps;
  std::shared_ptr<Signal> done;
  uint64_t seq = 0;
  // The operation in flight.
  Op op = Op::kCopy;
  uint64_t size = 0;
  uint32_t fill_word = 0;
  // Totals.
  uint64_t bytes = 0, copy_bytes = 0, fill_bytes = 0, peer_bytes = 0;
  uint64_t operations = 0, commands = 0, busy_ticks = 0, errors = 0;
  std::optional<FirstError> first_error;
  std::string failure;  // a submission or wait that failed

  std::string label() const {
    return fmt::format("{}{}", kind == QueueKind::kSdmaXgmi ? "sdma-xgmi" : "sdma", index);
  }
};

/// Fills `n` bytes with the pattern; `seed` varies per engine.
void write_pattern(uint8_t* p, uint64_t n, const Pattern& pattern, uint64_t seed) {
  if (pattern.kind == Pattern::kRandom) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
    for (uint64_t i = 0; i < n; i += 8) {
      const uint64_t v = rng();
      std::memcpy(p + i, &v, std::min<uint64_t>(8, n - i));
    }
    return;
  }
  for (uint64_t i = 0; i < n; i += 4) {
    const uint32_t v =
        pattern.kind == Pattern::kIota ? static_cast<uint32_t>(i / 4 + seed) : pattern.word;
    std::memcpy(p + i, &v, std::min<uint64_t>(4, n - i));
  }
}

uint8_t fill_byte(uint32_t word, uint64_t i) {
  return static_cast<uint8_t>(word >> (8 * (i % 4)));
}

class SdmaStress final : public workload::GuardedWorkload {
 public:
  std::string_view name() const override { return "sdma-stress"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view summary() const override {
    return "every SDMA engine of every device at once: copies, fills, P2P, every byte verified";
  }
  std::vector<WorkloadOption> options() const override {
    return {
        {"sizes", "transfer sizes, comma-separated, K/M/G suffixes", "4K,1M,16M"},
        {"pattern", "source data: iota, random or a hex constant (0xAA)", "iota"},
        {"seconds", "run time in seconds (the operations in flight finish)", "5"},
        {"iterations", "stop after this many operations per engine (0: --seconds decides)", "0"},
        {"engines", "SDMA engines used per device (0: all, XGMI engines included)", "0"},
        {"ops", "operations: copy,fill,p2p (p2p needs two or more devices)", "copy,fill,p2p"},
        {"inject-corruption",
         "test hook: after the first operation of the first engine, flip the byte at this "
         "offset of its destination before verifying (the error path must report it)",
         ""}};
  }

 private:
  Expected<WorkloadReport> run_checked(WorkloadContext& ctx) override;
};

Expected<WorkloadReport> SdmaStress::run_checked(WorkloadContext& ctx) {
  if (ctx.devices.empty()) return invalid_argument("sdma-stress: no device");
  // Options.
  std::vector<uint64_t> sizes;
  for (const std::string& s : workload::split_list(ctx.option("sizes", "4K,1M,16M"))) {
    AMDHAL_ASSIGN_OR_RETURN(uint64_t v, parse_size(s));
    sizes.push_back(v);
  }
  if (sizes.empty()) return invalid_argument("--sizes: no size given");
  const uint64_t max_size = *std::max_element(sizes.begin(), sizes.end());
  AMDHAL_ASSIGN_OR_RETURN(Pattern pattern, parse_pattern(ctx.option("pattern", "iota")));
  double seconds = 5;
  uint64_t iterations = 0;
  uint32_t engines_per_device = 0;
  std::optional<uint64_t> inject;
  try {
    seconds = std::stod(ctx.option("seconds", "5"));
    iterations = std::stoull(ctx.option("iterations", "0"));
    engines_per_device = static_cast<uint32_t>(std::stoul(ctx.option("engines", "0")));
    if (const std::string v = ctx.option("inject-corruption"); !v.empty()) {
      inject = std::stoull(v, nullptr, 0);
    }
  } catch (const std::exception&) {
    return invalid_argument(
        "--seconds, --iterations, --engines and --inject-corruption take numbers");
  }
  if (seconds < 0) return invalid_argument("--seconds must not be negative");
  std::vector<Op> ops;
  for (const std::string& o : workload::split_list(ctx.option("ops", "copy,fill,p2p"))) {
    if (o == "copy") {
      ops.push_back(Op::kCopy);
    } else if (o == "fill") {
      ops.push_back(Op::kFill);
    } else if (o == "p2p") {
      if (ctx.devices.size() > 1) ops.push_back(Op::kPeer);
    } else {
      return invalid_argument(fmt::format("--ops: unknown operation '{}' (copy, fill, p2p)", o));
    }
  }
  if (ops.empty()) {
    return invalid_argument("--ops: nothing to run (p2p alone needs two or more devices)");
  }

  // Engines: one queue per SDMA engine; the driver spreads queues over the least-used engines.
  std::vector<Engine> engines;
  for (size_t d = 0; d < ctx.devices.size(); ++d) {
    const DeviceInfo& info = ctx.devices[d]->info();
    uint32_t used = 0;
    auto add = [&](QueueKind kind, uint32_t count) {
      for (uint32_t i = 0; i < count; ++i) {
        if (engines_per_device != 0 && used >= engines_per_device) return;
        Engine e;
        e.device_index = d;
        e.device = ctx.devices[d];
        e.kind = kind;
        e.index = i;
        engines.push_back(std::move(e));
        ++used;
      }
    };
    add(QueueKind::kSdma, std::max<uint32_t>(info.sdma_engines, 1));
    add(QueueKind::kSdmaXgmi, info.sdma_xgmi_engines);
  }
  for (size_t i = 0; i < engines.size(); ++i) {
    Engine& e = engines[i];
    Device& dev = *e.device;
    const std::string where =
        fmt::format("device {} ({}) {}", e.device_index, dev.info().id, e.label());
    auto queue = dev.create_queue(e.kind);
    if (!queue.ok()) return queue.status().with_context(fmt::format("{}: queue", where));
    e.queue = *queue;
    auto src = dev.alloc(max_size, MemoryDomain::kGtt);
    if (!src.ok()) return src.status().with_context(fmt::format("{}: source buffer", where));
    e.src = *src;
    auto dst = dev.alloc(max_size, MemoryDomain::kVram);
    if (!dst.ok()) return dst.status().with_context(fmt::format("{}: destination buffer", where));
    e.dst = *dst;
    if (ctx.devices.size() > 1) {
      Device& peer = *ctx.devices[(e.device_index + 1) % ctx.devices.size()];
      auto pd = peer.alloc(max_size, MemoryDomain::kVram);
      if (!pd.ok()) return pd.status().with_context(fmt::format("{}: peer buffer", where));
      e.peer_dst = *pd;
    }
    auto stamps = dev.alloc(4096, MemoryDomain::kGtt, AllocFlags{true, true, false});
    if (!stamps.ok()) return stamps.status().with_context(fmt::format("{}: timestamps", where));
    e.stamps = *stamps;
    auto done = dev.create_signal(0);
    if (!done.ok()) return done.status().with_context(fmt::format("{}: signal", where));
    e.done = *done;
    for (const auto& b : {e.src, e.dst, e.stamps}) {
      if (b->cpu_pointer() == nullptr) {
        return failed_precondition(fmt::format(
            "{}: buffers must be CPU-visible to verify (VRAM needs a large BAR)", where));
      }
    }
    if (e.peer_dst && e.peer_dst->cpu_pointer() == nullptr) {
      return failed_precondition(fmt::format("{}: peer buffer is not CPU-visible", where));
    }
    write_pattern(static_cast<uint8_t*>(e.src->cpu_pointer()), max_size, pattern, i);
  }

  // One worker thread per engine: prepare, submit, wait, verify, again, until the time or the
  // iteration count is reached, the stop flag is set, or an engine fails. The calling thread
  // watches the clock and the stop flag and reports progress.
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::atomic<bool> halt{false};  // time is up, stop requested, or an engine failed
  std::vector<std::atomic<uint64_t>> live_bytes(engines.size());
  std::vector<std::atomic<uint64_t>> live_errors(engines.size());
  auto run_engine = [&](size_t i) {
    Engine& e = engines[i];
    std::mt19937 fill_rng(static_cast<uint32_t>(12345 + i));
    for (uint64_t round = 0;; ++round) {
      if (iterations != 0 && round >= iterations) break;
      if (ctx.stop_requested() || (round > 0 && halt.load())) break;
      const size_t combo = round + i;
      e.op = ops[combo % ops.size()];
      e.size = sizes[(combo / ops.size()) % sizes.size()];
      const auto* s = static_cast<const uint8_t*>(e.src->cpu_pointer());
      const std::shared_ptr<Buffer>& target = e.op == Op::kPeer ? e.peer_dst : e.dst;
      auto* d = static_cast<uint8_t*>(target->cpu_pointer());
      if (e.op == Op::kFill) {
        e.size = std::max<uint64_t>(4, e.size & ~uint64_t{3});
        e.fill_word = pattern.kind == Pattern::kConstant ? pattern.word
                      : pattern.kind == Pattern::kIota   ? static_cast<uint32_t>(round + i)
                                                         : static_cast<uint32_t>(fill_rng());
        for (uint64_t k = 0; k < e.size; ++k) {
          d[k] = static_cast<uint8_t>(~fill_byte(e.fill_word, k));
        }
      } else {
        for (uint64_t k = 0; k < e.size; ++k) d[k] = static_cast<uint8_t>(~s[k]);
      }
      CommandBuffer cb;
      Status st = cb.timestamp({e.stamps, 0});
      if (st.ok()) {
        st = e.op == Op::kFill ? cb.fill({target, 0}, e.size, e.fill_word)
                               : cb.copy({target, 0}, {e.src, 0}, e.size);
      }
      if (st.ok()) st = cb.timestamp({e.stamps, 8});
      if (st.ok()) st = cb.signal(e.done, ++e.seq);
      if (st.ok()) st = e.queue->submit(cb);
      if (!st.ok()) {
        e.failure = st.with_context("submit").message();
        ++e.errors;
        live_errors[i] = e.errors;
        halt = true;
        return;
      }
      e.commands += cb.commands().size();
      st = workload::wait_for(*e.queue, *e.done, e.seq,
                              fmt::format("{} of {}", op_name(e.op), e.size),
                              std::chrono::seconds(10));
      if (!st.ok()) {
        e.failure = st.message();
        ++e.errors;
        live_errors[i] = e.errors;
        halt = true;
        return;
      }
      const auto* ts = static_cast<const uint64_t*>(e.stamps->cpu_pointer());
      if (ts[1] >= ts[0]) e.busy_ticks += ts[1] - ts[0];
      ++e.operations;
      e.bytes += e.size;
      (e.op == Op::kCopy   ? e.copy_bytes
       : e.op == Op::kFill ? e.fill_bytes
                           : e.peer_bytes) += e.size;
      live_bytes[i] = e.bytes;
      if (inject && i == 0 && round == 0) d[*inject % e.size] ^= 0xFF;
      bool good = true;
      if (e.op == Op::kFill) {
        for (uint64_t k = 0; k < e.size && good; ++k) good = d[k] == fill_byte(e.fill_word, k);
      } else {
        good = std::memcmp(d, s, e.size) == 0;
      }
      if (good) continue;
      uint64_t bad = 0;
      std::optional<uint64_t> first;
      for (uint64_t k = 0; k < e.size; ++k) {
        const uint8_t want = e.op == Op::kFill ? fill_byte(e.fill_word, k) : s[k];
        if (d[k] == want) continue;
        if (!first) first = k;
        ++bad;
      }
      e.errors += 1;
      live_errors[i] = e.errors;
      if (!e.first_error) {
        const uint8_t want = e.op == Op::kFill ? fill_byte(e.fill_word, *first) : s[*first];
        const size_t dev =
            e.op == Op::kPeer ? (e.device_index + 1) % ctx.devices.size() : e.device_index;
        e.first_error = FirstError{target->gpu_address() + *first,
                                   *first,
                                   want,
                                   d[*first],
                                   bad,
                                   std::string(op_name(e.op)),
                                   e.size,
                                   ctx.devices[dev]->info().id};
      }
    }
  };
  {
    std::vector<std::thread> workers;
    workers.reserve(engines.size());
    std::atomic<size_t> finished{0};
    for (size_t i = 0; i < engines.size(); ++i) {
      workers.emplace_back([&, i] {
        run_engine(i);
        ++finished;
      });
    }
    auto last_progress = std::chrono::steady_clock::time_point();
    while (finished.load() < engines.size()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (ctx.stop_requested() || (iterations == 0 && elapsed() >= seconds)) halt = true;
      if (ctx.progress &&
          std::chrono::steady_clock::now() - last_progress >= std::chrono::milliseconds(100)) {
        last_progress = std::chrono::steady_clock::now();
        uint64_t bytes = 0, errors = 0;
        for (size_t i = 0; i < engines.size(); ++i) {
          bytes += live_bytes[i].load();
          errors += live_errors[i].load();
        }
        const double t = elapsed();
        const double fraction = iterations != 0 ? -1.0
                                : seconds > 0   ? std::min(1.0, t / seconds)
                                                : 1.0;
        ctx.progress(fraction, fmt::format("{:.1f} s, {:.1f} MiB moved, {} error{}", t,
                                           static_cast<double>(bytes) / (1 << 20), errors,
                                           errors == 1 ? "" : "s"));
      }
    }
    for (auto& w : workers) w.join();
  }
  uint64_t rounds = engines.empty() ? 0 : ~uint64_t{0};
  for (const Engine& e : engines) rounds = std::min(rounds, e.operations);
  const double wall = elapsed();

  // Report.
  WorkloadReport report;
  report.interrupted = ctx.stop_requested();
  nlohmann::json j;
  j["workload"] = "sdma-stress";
  j["devices"] = nlohmann::json::array();
  for (const auto& d : ctx.devices) j["devices"].push_back(d->info().id);
  j["sizes"] = sizes;
  j["pattern"] = ctx.option("pattern", "iota");
  j["rounds"] = rounds;
  j["seconds"] = wall;
  j["interrupted"] = report.interrupted;
  j["engines"] = nlohmann::json::array();
  uint64_t total_bytes = 0, total_ops = 0, total_errors = 0;
  std::string table = fmt::format("{:<4} {:<14} {:<12} {:>12} {:>8} {:>9} {:>6} {:>6}\n", "dev",
                                  "device", "engine", "bytes", "ops", "GB/s", "busy", "errors");
  for (const Engine& e : engines) {
    const double busy_s = static_cast<double>(e.busy_ticks) / kGpuClockHz;
    const double gbps = busy_s > 0 ? static_cast<double>(e.bytes) / busy_s / 1e9 : 0.0;
    const double busy = wall > 0 ? std::min(1.0, busy_s / wall) : 0.0;
    nlohmann::json ej = {{"device", e.device->info().id},
                         {"device_index", e.device_index},
                         {"engine", e.label()},
                         {"kind", queue_kind_name(e.kind)},
                         {"bytes", e.bytes},
                         {"copy_bytes", e.copy_bytes},
                         {"fill_bytes", e.fill_bytes},
                         {"p2p_bytes", e.peer_bytes},
                         {"operations", e.operations},
                         {"commands", e.commands},
                         {"gpu_busy_ns", static_cast<uint64_t>(busy_s * 1e9)},
                         {"busy_fraction", busy},
                         {"gbps", gbps},
                         {"errors", e.errors}};
    if (e.first_error) {
      const FirstError& f = *e.first_error;
      ej["first_error"] = {{"address", fmt::format("0x{:x}", f.address)},
                           {"offset", f.offset},
                           {"operation", f.operation},
                           {"size", f.size},
                           {"device", f.device},
                           {"expected", fmt::format("0x{:02x}", f.expected)},
                           {"found", fmt::format("0x{:02x}", f.found)},
                           {"mismatched_bytes", f.mismatched_bytes}};
    }
    if (!e.failure.empty()) ej["failure"] = e.failure;
    j["engines"].push_back(ej);
    total_bytes += e.bytes;
    total_ops += e.operations;
    total_errors += e.errors;
    table += fmt::format("{:<4} {:<14} {:<12} {:>12} {:>8} {:>9.2f} {:>5.0f}% {:>6}\n",
                         e.device_index, e.device->info().id, e.label(), e.bytes, e.operations,
                         gbps, busy * 100, e.errors);
  }
  j["totals"] = {{"bytes", total_bytes},
                 {"operations", total_ops},
                 {"errors", total_errors},
                 {"gbps", wall > 0 ? static_cast<double>(total_bytes) / wall / 1e9 : 0.0}};
  report.errors = total_errors;
  report.json = j.dump();
  report.text = fmt::format(
      "sdma-stress: {} engine{} on {} device{}, {} round{} in {:.2f} s{}\n{}"
      "total: {} bytes in {} operations, {:.2f} GB/s aggregate (wall clock), {} error{}\n",
      engines.size(), engines.size() == 1 ? "" : "s", ctx.devices.size(),
      ctx.devices.size() == 1 ? "" : "s", rounds, rounds == 1 ? "" : "s", wall,
      report.interrupted ? " (interrupted)" : "", table, total_bytes, total_ops,
      wall > 0 ? static_cast<double>(total_bytes) / wall / 1e9 : 0.0, total_errors,
      total_errors == 1 ? "" : "s");
  for (const Engine& e : engines) {
    if (e.first_error) {
      const FirstError& f = *e.first_error;
      report.text += fmt::format(
          "ERROR device {} {}: {} of {} bytes to {}: first bad byte at 0x{:x} (offset {}): "
          "expected 0x{:02x}, found 0x{:02x}; {} bytes wrong\n",
          e.device_index, e.label(), f.operation, f.size, f.device, f.address, f.offset, f.expected,
          f.found, f.mismatched_bytes);
    }
    if (!e.failure.empty()) {
      report.text += fmt::format("ERROR device {} {}: {}\n", e.device_index, e.label(), e.failure);
    }
  }
  return report;
}

Expected<std::shared_ptr<Workload>> create(const PluginHost& host) {
  return adopt<Workload>(std::make_unique<SdmaStress>(), host.anchor);
}

}  // namespace
}  // namespace amdhal

AMDHAL_WORKLOAD_PLUGIN(amdhal::create)
