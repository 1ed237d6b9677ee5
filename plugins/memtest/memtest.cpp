// memtest: VRAM pattern tests. For each test the whole region is written by the GPU (SDMA
// CONST_FILL for the constant fills, SDMA copies from a host-generated staging chunk for the
// others), then read back chunk by chunk by SDMA into system memory and compared on the host.
// Writing everything before reading anything back catches address faults (one cell answering for
// another) as well as bad bits.
//
// Tests: walking-ones and walking-zeros (word w holds 1 << (w % 64), or its complement),
// address (each 64-bit word holds its own GPU address), random (splitmix64 of the word index and
// --seed), and the fills 0x00, 0xFF, 0xAA, 0x55.
//
// Wrong 64-bit words at adjacent addresses are merged into bad ranges: start address, length,
// expected and found value of the first word, and the OR of every flipped bit in the range.
#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "amdhal/command_buffer.h"
#include "amdhal/plugin_abi.h"
#include "amdhal/workload.h"
#include "workload_common.h"

namespace amdhal {
namespace {

constexpr uint64_t kChunk = uint64_t{16} << 20;  // staging / read-back size
constexpr size_t kMaxRanges = 64;                // bad ranges kept per test and device
constexpr const char* kDefaultBytes = "64M";
constexpr const char* kAllTests = "walking-ones,walking-zeros,address,random,0x00,0xFF,0xAA,0x55";

enum class Test { kWalkingOnes, kWalkingZeros, kAddress, kRandom, kFill };

struct TestSpec {
  std::string name;
  Test test = Test::kFill;
  uint8_t fill = 0;  // kFill: the byte
};

Expected<std::vector<TestSpec>> parse_tests(const std::string& list) {
  std::vector<TestSpec> out;
  auto add = [&](TestSpec t) {
    for (const TestSpec& o : out) {
      if (o.name == t.name) return;
    }
    out.push_back(std::move(t));
  };
  for (std::string name : workload::split_list(list)) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "all") {
      AMDHAL_ASSIGN_OR_RETURN(std::vector<TestSpec> all, parse_tests(kAllTests));
      for (TestSpec& t : all) add(std::move(t));
    } else if (name == "walking-ones") {
      add({"walking-ones", Test::kWalkingOnes});
    } else if (name == "walking-zeros") {
      add({"walking-zeros", Test::kWalkingZeros});
    } else if (name == "address") {
      add({"address", Test::kAddress});
    } else if (name == "random") {
      add({"random", Test::kRandom});
    } else if (name == "fills") {
      for (uint8_t b : {0x00, 0xFF, 0xAA, 0x55}) add({fmt::format("0x{:02X}", b), Test::kFill, b});
    } else if (name == "0x00" || name == "0xff" || name == "0xaa" || name == "0x55") {
      const auto b = static_cast<uint8_t>(std::stoul(name.substr(2), nullptr, 16));
      add({fmt::format("0x{:02X}", b), Test::kFill, b});
    } else {
      return invalid_argument(fmt::format(
          "--tests: unknown test '{}' (walking-ones, walking-zeros, address, random, 0x00, 0xFF, "
          "0xAA, 0x55, fills, all)",
          name));
    }
  }
  if (out.empty()) return invalid_argument("--tests: no test given");
  return out;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// The value word `w` (index from the start of the region at `base`) must hold.
uint64_t expected_word(const TestSpec& t, uint64_t base, uint64_t w, uint64_t seed) {
  switch (t.test) {
    case Test::kWalkingOnes:
      return uint64_t{1} << (w % 64);
    case Test::kWalkingZeros:
      return ~(uint64_t{1} << (w % 64));
    case Test::kAddress:
      return base + w * 8;
    case Test::kRandom:
      return splitmix64(seed * 0x100000001B3ull ^ w);
    case Test::kFill:
      return t.fill * 0x0101010101010101ull;
  }
  return 0;
}

/// Adjacent wrong words, merged.
struct BadRange {
  uint64_t address = 0;              // GPU address of the first wrong word
  uint64_t length = 0;               // bytes
  uint64_t expected = 0, found = 0;  // of the first word
  uint64_t flipped = 0;              // OR of expected ^ found over the range
  uint64_t words = 0;
};

struct TestResult {
  size_t device = 0;
  uint64_t base = 0;  // GPU address of the region
  std::string name;
  uint64_t bytes_checked = 0;
  uint64_t bad_words = 0;
  uint64_t ranges_total = 0;  // including those not kept
  std::vector<BadRange> ranges;
  uint64_t write_ticks = 0, read_ticks = 0;
  bool complete = false;
};

/// Test hook: a stuck-at bit in [offset, offset + length) of the region, forced in VRAM after
/// each test's write phase and before its read-back, as a failing memory cell would read.
struct StuckBit {
  uint64_t offset = 0;
  uint64_t length = 8;
  uint32_t bit = 0;
  bool value = true;
};

Expected<std::optional<StuckBit>> parse_stuck_bit(const std::string& text, uint64_t bytes) {
  if (text.empty()) return std::optional<StuckBit>();
  const auto bad = [&](std::string_view why) {
    return invalid_argument(
        fmt::format("--inject-stuck-bit '{}': {} (expected OFFSET:BIT[:LENGTH[:0|1]])", text, why));
  };
  const std::vector<std::string> parts = [&] {
    std::vector<std::string> p;
    size_t start = 0;
    while (true) {
      const size_t colon = text.find(':', start);
      p.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    return p;
  }();
  if (parts.size() < 2 || parts.size() > 4) return bad("wrong number of fields");
  StuckBit s;
  try {
    size_t used = 0;
    s.offset = std::stoull(parts[0], &used, 0);
    if (used != parts[0].size()) return bad("bad offset");
    s.bit = static_cast<uint32_t>(std::stoul(parts[1], &used, 0));
    if (used != parts[1].size() || s.bit > 63) return bad("bit must be 0-63");
    if (parts.size() > 2) {
      AMDHAL_ASSIGN_OR_RETURN(s.length, workload::parse_size(parts[2]));
    }
    if (parts.size() > 3) {
      if (parts[3] != "0" && parts[3] != "1") return bad("the stuck value is 0 or 1");
      s.value = parts[3] == "1";
    }
  } catch (const std::exception&) {
    return bad("not numbers");
  }
  if (s.offset % 8 != 0 || s.length % 8 != 0)
    return bad("offset and length must be multiples of 8");
  if (s.offset >= bytes || s.length > bytes - s.offset) return bad("range lies outside --bytes");
  return std::optional<StuckBit>(s);
}

class Memtest final : public workload::GuardedWorkload {
 public:
  std::string_view name() const override { return "memtest"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view summary() const override {
    return "VRAM pattern tests written and read back by SDMA, bad ranges reported";
  }
  std::vector<WorkloadOption> options() const override {
    return {
        {"bytes", "VRAM tested per device (K/M/G suffixes; rounded up to 4 KiB)", kDefaultBytes},
        {"tests", "comma-separated tests, or all / fills", "all"},
        {"seed", "seed of the random test", "1"},
        {"passes", "times every test is repeated", "1"},
        {"inject-stuck-bit",
         "test hook: OFFSET:BIT[:LENGTH[:0|1]] forces bit BIT of the 64-bit words in "
         "[OFFSET, OFFSET+LENGTH) of the region (default length 8, stuck at 1) after each "
         "write phase, so the bad-range report can be checked",
         ""}};
  }

 private:
  Expected<WorkloadReport> run_checked(WorkloadContext& ctx) override;
};

Expected<WorkloadReport> Memtest::run_checked(WorkloadContext& ctx) {
  if (ctx.devices.empty()) return invalid_argument("memtest: no device");
  auto parsed_bytes = workload::parse_size(ctx.option("bytes", kDefaultBytes));
  if (!parsed_bytes.ok()) return parsed_bytes.status().with_context("--bytes");
  const uint64_t bytes = (*parsed_bytes + 4095) / 4096 * 4096;
  AMDHAL_ASSIGN_OR_RETURN(std::vector<TestSpec> tests, parse_tests(ctx.option("tests", "all")));
  AMDHAL_ASSIGN_OR_RETURN(uint64_t seed,
                          workload::option_count(ctx, "seed", "1", 0, ~uint64_t{0} >> 1));
  AMDHAL_ASSIGN_OR_RETURN(uint64_t passes, workload::option_count(ctx, "passes", "1", 1, 1000));
  AMDHAL_ASSIGN_OR_RETURN(std::optional<StuckBit> stuck,
                          parse_stuck_bit(ctx.option("inject-stuck-bit"), bytes));

  const uint64_t chunk = std::min(bytes, kChunk);
  const uint64_t chunks = (bytes + chunk - 1) / chunk;
  const uint64_t total_steps = ctx.devices.size() * passes * tests.size() * chunks * 2;
  uint64_t steps = 0;
  workload::ProgressPacer pacer(ctx);
  workload::Stopwatch clock;
  std::vector<TestResult> results;
  std::string failure;

  for (size_t d = 0; d < ctx.devices.size() && failure.empty(); ++d) {
    Device& dev = *ctx.devices[d];
    const std::string where = fmt::format("device {} ({})", d, dev.info().id);
    auto queue = dev.create_queue(QueueKind::kSdma);
    if (!queue.ok()) return queue.status().with_context(where + ": SDMA queue");
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> done, dev.create_signal(0));
    auto region = dev.alloc(bytes, MemoryDomain::kVram);
    if (!region.ok())
      return region.status().with_context(fmt::format("{}: {} bytes of VRAM", where, bytes));
    auto staging = dev.alloc(chunk, MemoryDomain::kGtt);
    if (!staging.ok()) return staging.status().with_context(where + ": staging buffer");
    auto readback = dev.alloc(chunk, MemoryDomain::kGtt);
    if (!readback.ok()) return readback.status().with_context(where + ": read-back buffer");
    auto stamps = dev.alloc(4096, MemoryDomain::kGtt, AllocFlags{true, true, false});
    if (!stamps.ok()) return stamps.status().with_context(where + ": timestamps");
    if ((*staging)->cpu_pointer() == nullptr || (*readback)->cpu_pointer() == nullptr) {
      return failed_precondition(where + ": system-memory buffers are not CPU-visible");
    }
    auto* stage = static_cast<uint64_t*>((*staging)->cpu_pointer());
    auto* back = static_cast<uint64_t*>((*readback)->cpu_pointer());
    const auto* ts = static_cast<const uint64_t*>((*stamps)->cpu_pointer());
    const uint64_t base = (*region)->gpu_address();
    uint64_t seq = 0;

    // Runs one chunk operation (`record` adds it) between two GPU timestamps; returns its ticks.
    auto run_op = [&](const std::function<Status(CommandBuffer&)>& record) -> Expected<uint64_t> {
      CommandBuffer cb;
      AMDHAL_RETURN_IF_ERROR(cb.timestamp({*stamps, 0}));
      AMDHAL_RETURN_IF_ERROR(record(cb));
      AMDHAL_RETURN_IF_ERROR(cb.timestamp({*stamps, 8}));
      AMDHAL_RETURN_IF_ERROR(cb.signal(done, ++seq));
      AMDHAL_RETURN_IF_ERROR((*queue)->submit(cb));
      AMDHAL_RETURN_IF_ERROR(workload::wait_for(**queue, *done, seq, where + " SDMA"));
      return ts[1] >= ts[0] ? ts[1] - ts[0] : 0;
    };

    for (uint64_t pass = 0; pass < passes && failure.empty(); ++pass) {
      for (const TestSpec& t : tests) {
        if (ctx.stop_requested() || !failure.empty()) break;
        TestResult r;
        r.device = d;
        r.base = base;
        r.name = t.name;
        const uint64_t test_seed = seed + pass;
        // Write phase.
        for (uint64_t c = 0; c < chunks && failure.empty() && !ctx.stop_requested(); ++c) {
          const uint64_t off = c * chunk;
          const uint64_t n = std::min(chunk, bytes - off);
          if (t.test != Test::kFill) {
            for (uint64_t w = 0; w < n / 8; ++w) {
              stage[w] = expected_word(t, base, off / 8 + w, test_seed);
            }
          }
          auto ticks = run_op([&](CommandBuffer& cb) {
            return t.test == Test::kFill ? cb.fill({*region, off}, n, t.fill * 0x01010101u)
                                         : cb.copy({*region, off}, {*staging, 0}, n);
          });
          if (!ticks.ok()) {
            failure = fmt::format("{} {}: write: {}", where, t.name, ticks.status().message());
            break;
          }
          r.write_ticks += *ticks;
          ++steps;
          if (pacer.due()) {
            pacer.update(static_cast<double>(steps) / static_cast<double>(total_steps),
                         fmt::format("device {} {} pass {}: {:.0f} MiB written", d, t.name,
                                     pass + 1, static_cast<double>(off + n) / (1 << 20)));
          }
        }
        if (!failure.empty() || ctx.stop_requested()) break;
        if (stuck) {
          // The failing cell: through the CPU mapping of VRAM when there is one, else applied to
          // the read-back below.
          if (auto* v = static_cast<uint64_t*>((*region)->cpu_pointer())) {
            const uint64_t m = uint64_t{1} << stuck->bit;
            for (uint64_t o = stuck->offset; o < stuck->offset + stuck->length; o += 8) {
              v[o / 8] = stuck->value ? v[o / 8] | m : v[o / 8] & ~m;
            }
          }
        }
        // Read-back and check.
        std::optional<BadRange> open;
        auto close_range = [&] {
          if (!open) return;
          ++r.ranges_total;
          if (r.ranges.size() < kMaxRanges) r.ranges.push_back(*open);
          open.reset();
        };
        for (uint64_t c = 0; c < chunks && failure.empty() && !ctx.stop_requested(); ++c) {
          const uint64_t off = c * chunk;
          const uint64_t n = std::min(chunk, bytes - off);
          std::memset(back, 0x5A, n);
          auto ticks = run_op([&](CommandBuffer& cb) {
            return cb.copy({*readback, 0}, {*region, off}, n);
          });
          if (!ticks.ok()) {
            failure = fmt::format("{} {}: read-back: {}", where, t.name, ticks.status().message());
            break;
          }
          r.read_ticks += *ticks;
          if (stuck && (*region)->cpu_pointer() == nullptr) {
            const uint64_t m = uint64_t{1} << stuck->bit;
            for (uint64_t o = std::max(stuck->offset, off);
                 o < std::min(stuck->offset + stuck->length, off + n); o += 8) {
              back[(o - off) / 8] =
                  stuck->value ? back[(o - off) / 8] | m : back[(o - off) / 8] & ~m;
            }
          }
          for (uint64_t w = 0; w < n / 8; ++w) {
            const uint64_t want = expected_word(t, base, off / 8 + w, test_seed);
            const uint64_t got = back[w];
            const uint64_t address = base + off + w * 8;
            if (got == want) {
              close_range();
              continue;
            }
            ++r.bad_words;
            if (open && open->address + open->length == address) {
              open->length += 8;
              open->flipped |= want ^ got;
              ++open->words;
            } else {
              close_range();
              open = BadRange{address, 8, want, got, want ^ got, 1};
            }
          }
          r.bytes_checked += n;
          ++steps;
          if (pacer.due()) {
            pacer.update(static_cast<double>(steps) / static_cast<double>(total_steps),
                         fmt::format("device {} {} pass {}: {:.0f} MiB checked", d, t.name,
                                     pass + 1, static_cast<double>(r.bytes_checked) / (1 << 20)));
          }
        }
        close_range();
        r.complete = r.bytes_checked == bytes;
        results.push_back(std::move(r));
      }
    }
  }

  // Report.
  WorkloadReport report;
  report.interrupted = ctx.stop_requested();
  const double wall = clock.seconds();
  uint64_t total_bad = 0;
  nlohmann::json j = {{"workload", "memtest"}, {"bytes", bytes},
                      {"passes", passes},      {"seed", seed},
                      {"seconds", wall},       {"interrupted", report.interrupted}};
  j["devices"] = nlohmann::json::array();
  for (const auto& d : ctx.devices) j["devices"].push_back(d->info().id);
  j["tests"] = nlohmann::json::array();
  std::string table = fmt::format("{:<4} {:<14} {:>12} {:>10} {:>10} {:>9} {:>7}\n", "dev", "test",
                                  "bytes", "write GB/s", "read GB/s", "bad words", "ranges");
  std::string details;
  auto gbps = [](uint64_t n, uint64_t ticks) {
    return ticks
               ? static_cast<double>(n) / (static_cast<double>(ticks) / workload::kGpuClockHz) / 1e9
               : 0.0;
  };
  for (const TestResult& r : results) {
    total_bad += r.bad_words;
    nlohmann::json tj = {{"device", ctx.devices[r.device]->info().id},
                         {"device_index", r.device},
                         {"test", r.name},
                         {"bytes_checked", r.bytes_checked},
                         {"complete", r.complete},
                         {"bad_words", r.bad_words},
                         {"bad_ranges_total", r.ranges_total},
                         {"write_gbps", gbps(r.bytes_checked, r.write_ticks)},
                         {"read_gbps", gbps(r.bytes_checked, r.read_ticks)}};
    tj["bad_ranges"] = nlohmann::json::array();
    for (const BadRange& b : r.ranges) {
      tj["bad_ranges"].push_back({{"address", fmt::format("0x{:x}", b.address)},
                                  {"offset", b.address - r.base},
                                  {"length", b.length},
                                  {"words", b.words},
                                  {"expected", fmt::format("0x{:016x}", b.expected)},
                                  {"found", fmt::format("0x{:016x}", b.found)},
                                  {"flipped_bits", fmt::format("0x{:016x}", b.flipped)}});
      details += fmt::format(
          "BAD device {} {}: 0x{:x} (offset 0x{:x}), {} bytes ({} word{}): expected 0x{:016x}, "
          "found 0x{:016x}, flipped bits 0x{:016x}\n",
          r.device, r.name, b.address, b.address - r.base, b.length, b.words,
          b.words == 1 ? "" : "s", b.expected, b.found, b.flipped);
    }
    if (r.ranges_total > r.ranges.size()) {
      details += fmt::format("BAD device {} {}: {} more bad ranges not listed\n", r.device, r.name,
                             r.ranges_total - r.ranges.size());
    }
    j["tests"].push_back(tj);
    table += fmt::format("{:<4} {:<14} {:>12} {:>10.2f} {:>10.2f} {:>9} {:>7}\n", r.device, r.name,
                         r.bytes_checked, gbps(r.bytes_checked, r.write_ticks),
                         gbps(r.bytes_checked, r.read_ticks), r.bad_words, r.ranges_total);
  }
  if (!failure.empty()) j["failure"] = failure;
  j["bad_words"] = total_bad;
  j["errors"] = total_bad + (failure.empty() ? 0 : 1);
  report.errors = total_bad + (failure.empty() ? 0 : 1);
  report.json = j.dump();
  report.text = fmt::format("memtest: {} bytes of VRAM on {}, {}, {} in {:.2f} s{}\n", bytes,
                            workload::plural(ctx.devices.size(), "device"),
                            fmt::format("{} pass{}", passes, passes == 1 ? "" : "es"),
                            workload::plural(results.size(), "test run"), wall,
                            report.interrupted ? " (interrupted)" : "") +
                table + details + (failure.empty() ? "" : fmt::format("ERROR {}\n", failure)) +
                (total_bad == 0 && failure.empty()
                     ? "no errors\n"
                     : fmt::format("{} wrong\n", workload::plural(total_bad, "word")));
  return report;
}

Expected<std::shared_ptr<Workload>> create(const PluginHost& host) {
  return adopt<Workload>(std::make_unique<Memtest>(), host.anchor);
}

}  // namespace
}  // namespace amdhal

AMDHAL_WORKLOAD_PLUGIN(amdhal::create)
