// `amdhal copy` and the pieces `fill` and `dispatch` share with it: opening a device to run work on
// (falling back to the simulator), sizes with K/M/G suffixes, engine and domain names, waiting
// for completion with the queue's state in errors.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "amdhal/backend.h"
#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/family.h"
#include "cli.h"

namespace amdhal::cli {

Expected<uint64_t> parse_size(std::string_view text) {
  const std::string original(text);
  auto bad = [&] {
    return invalid_argument(fmt::format(
        "'{}' is not a size (a number with an optional K, M, G or T suffix, e.g. 64M)", original));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 19) return bad();
  uint64_t value = std::stoull(std::string(text.substr(0, digits)));
  std::string suffix(text.substr(digits));
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.ends_with("IB")) {
    suffix.resize(suffix.size() - 2);
  } else if (suffix.size() == 2 && suffix.back() == 'B') {
    suffix.pop_back();
  } else if (suffix == "B") {
    suffix.clear();
  }
  int shift = 0;
  if (suffix.empty()) {
    shift = 0;
  } else if (suffix == "K") {
    shift = 10;
  } else if (suffix == "M") {
    shift = 20;
  } else if (suffix == "G") {
    shift = 30;
  } else if (suffix == "T") {
    shift = 40;
  } else {
    return bad();
  }
  if (shift > 0 && value > (~uint64_t{0} >> shift)) return bad();
  return value << shift;
}

Expected<QueueKind> parse_engine(std::string_view name) {
  if (name == "sdma") return QueueKind::kSdma;
  if (name == "compute") return QueueKind::kCompute;
  if (name == "aql") return QueueKind::kComputeAql;
  return invalid_argument(
      fmt::format("unknown engine '{}' (engines: sdma, compute, aql)", std::string(name)));
}

Expected<MemoryDomain> parse_domain(std::string_view name) {
  if (name == "vram") return MemoryDomain::kVram;
  if (name == "gtt") return MemoryDomain::kGtt;
  if (name == "host") return MemoryDomain::kHost;
  return invalid_argument(
      fmt::format("unknown memory domain '{}' (domains: vram, gtt, host)", std::string(name)));
}

Expected<WorkDevice> open_work_device(Context& ctx, std::string_view sim_target) {
  const std::string& want = ctx.options().device;
  const std::string backend_name = ctx.options().backend.empty() ? "kfd" : ctx.options().backend;
  auto open_sim = [&](const std::string& id, bool announce) -> Expected<WorkDevice> {
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Backend> backend, ctx.registry().backend(backend_name));
    if (announce) {
      std::fprintf(stderr, "amdhal: no GPU found; running on the simulator (%s, backend %s)\n",
                   id.c_str(), backend_name.c_str());
    }
    auto device = backend->open(id);
    if (!device.ok()) {
      return Status(device.status().code(), fmt::format("opening {} on backend {}: {}", id,
                                                        backend_name, device.status().message()));
    }
    return WorkDevice{*device, backend};
  };
  if (want.starts_with("sim:")) return open_sim(want, false);

  if (!want.empty()) {
    AMDHAL_ASSIGN_OR_RETURN(DeviceEntry entry, ctx.select_device());
    auto device = entry.backend->open(entry.info.id);
    if (!device.ok()) {
      return Status(device.status().code(), fmt::format("opening device {} ({}): {}", entry.index,
                                                        entry.info.id, device.status().message()));
    }
    return WorkDevice{*device, entry.backend};
  }
  // No --device: the first real GPU, else the simulator.
  AMDHAL_ASSIGN_OR_RETURN(Context::DeviceScan scan, ctx.scan_devices());
  for (const DeviceEntry& entry : scan.devices) {
    if (entry.info.simulated) continue;
    auto device = entry.backend->open(entry.info.id);
    if (!device.ok()) {
      return Status(device.status().code(), fmt::format("opening device {} ({}): {}", entry.index,
                                                        entry.info.id, device.status().message()));
    }
    return WorkDevice{*device, entry.backend};
  }
  return open_sim("sim:" + std::string(sim_target), true);
}

std::string sim_target_for(const CodeObject& co) {
  const std::string& processor = co.target_id().processor;
  if (find_family(processor).ok()) return processor;
  // A generic target (gfx11-generic): the first known processor it runs on.
  for (const GpuFamily& f : all_families()) {
    if (co.check_target(f).ok()) return std::string(f.name);
  }
  return "gfx942";
}

Status run_and_wait(Device& device, Queue& queue, CommandBuffer commands,
                    std::chrono::nanoseconds timeout, uint64_t* elapsed_ns) {
  AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Signal> done, device.create_signal(0));
  AMDHAL_RETURN_IF_ERROR(commands.signal(done, 1));
  const auto start = std::chrono::steady_clock::now();
  AMDHAL_RETURN_IF_ERROR(queue.submit(commands));
  const auto deadline = start + timeout;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
    Status st =
        done->wait(1, std::clamp<std::chrono::nanoseconds>(left, std::chrono::nanoseconds(0),
                                                           std::chrono::milliseconds(100)));
    if (st.ok()) break;
    const QueueState qs = queue.state();
    if (st.code() != StatusCode::kDeadlineExceeded) {
      return Status(st.code(), fmt::format("{}; {}", st.message(), qs.description));
    }
    if (qs.hung) return aborted(fmt::format("the queue hung: {}", qs.description));
    if (std::chrono::steady_clock::now() >= deadline) {
      return deadline_exceeded(fmt::format("not finished after {:.1f} s: {}",
                                           std::chrono::duration<double>(timeout).count(),
                                           qs.description));
    }
  }
  if (elapsed_ns) {
    *elapsed_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count());
  }
  return ok_status();
}

std::string device_label(const Device& device) {
  const DeviceInfo& i = device.info();
  return i.id == i.target || i.id.ends_with(i.target) ? i.id
                                                      : fmt::format("{} ({})", i.id, i.target);
}

namespace {

/// Bytes per nanosecond = GB/s.
double gbps(uint64_t bytes, uint64_t ns) {
  return ns == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(ns);
}

int run_copy(Context& ctx, const po::variables_map& vm) {
  auto size = parse_size(vm["size"].as<std::string>());
  if (!size.ok()) return fail(kExitUsage, fmt::format("copy: --size: {}", size.status().message()));
  if (*size == 0) return fail(kExitUsage, "copy: --size must be at least 1 byte");
  auto engine = parse_engine(vm["engine"].as<std::string>());
  if (!engine.ok()) return fail(kExitUsage, "copy: --engine: " + engine.status().message());
  auto from = parse_domain(vm["from"].as<std::string>());
  if (!from.ok()) return fail(kExitUsage, "copy: --from: " + from.status().message());
  auto to = parse_domain(vm["to"].as<std::string>());
  if (!to.ok()) return fail(kExitUsage, "copy: --to: " + to.status().message());
  const bool verify = vm["verify"].as<bool>();
  const long long repeat = vm["repeat"].as<long long>();
  if (repeat < 1 || repeat > 100000) {
    return fail(kExitUsage, fmt::format("copy: --repeat {}: expected 1 to 100000", repeat));
  }

  auto work = open_work_device(ctx, "gfx942");
  if (!work.ok()) return fail(kExitFailure, work.status().message());
  Device& dev = *work->device;
  auto src = dev.alloc(*size, *from);
  if (!src.ok()) return fail(kExitFailure, "copy: source buffer: " + src.status().message());
  auto dst = dev.alloc(*size, *to);
  if (!dst.ok()) return fail(kExitFailure, "copy: destination buffer: " + dst.status().message());
  auto queue = dev.create_queue(*engine);
  if (!queue.ok()) return fail(kExitFailure, "copy: " + queue.status().message());

  auto* s = static_cast<uint8_t*>((*src)->cpu_pointer());
  auto* d = static_cast<uint8_t*>((*dst)->cpu_pointer());
  if (verify && (s == nullptr || d == nullptr)) {
    return fail(kExitFailure, "copy: --verify needs CPU-visible source and destination memory");
  }
  if (verify) {
    std::mt19937_64 rng(*size);
    for (uint64_t i = 0; i < *size; i += 8) {
      const uint64_t v = rng();
      std::memcpy(s + i, &v, std::min<uint64_t>(8, *size - i));
    }
    std::memset(d, 0, *size);
  }

  CommandBuffer cb;
  if (Status st = cb.copy({*dst, 0}, {*src, 0}, *size); !st.ok()) return fail(st);
  // The first copy is cold (first touch of fresh memory, queue start); later ones are warm.
  std::vector<uint64_t> runs;
  for (long long i = 0; i < repeat; ++i) {
    uint64_t one = 0;
    if (Status st = run_and_wait(dev, **queue, cb, std::chrono::seconds(60), &one); !st.ok()) {
      return fail(kExitFailure, "copy: " + st.message());
    }
    runs.push_back(one);
  }
  const uint64_t ns = runs.front();
  std::vector<uint64_t> later(runs.begin() + 1, runs.end());
  std::sort(later.begin(), later.end());
  const uint64_t median_later = later.empty() ? 0 : later[later.size() / 2];
  std::optional<bool> verified;
  uint64_t bad_at = 0;
  if (verify) {
    verified = std::memcmp(s, d, *size) == 0;
    if (!*verified) {
      while (bad_at < *size && s[bad_at] == d[bad_at]) ++bad_at;
    }
  }

  if (ctx.options().json) {
    nlohmann::json j = {{"command", "copy"},
                        {"device", dev.info().id},
                        {"target", dev.info().target},
                        {"engine", queue_kind_name(*engine)},
                        {"from", memory_domain_name(*from)},
                        {"to", memory_domain_name(*to)},
                        {"bytes", *size},
                        {"elapsed_ns", ns},
                        {"gbps", gbps(*size, ns)}};
    j["verified"] = verified ? nlohmann::json(*verified) : nlohmann::json(nullptr);
    if (repeat > 1) {
      j["runs_ns"] = runs;
      j["later_median_ns"] = median_later;
      j["later_min_ns"] = later.front();
      j["later_gbps"] = gbps(*size, median_later);
    }
    print_json(j);
  } else {
    std::cout << fmt::format(
        "copied {} ({} bytes) {} -> {} on {} of {} in {:.3f} ms: {:.2f} GB/s{}\n",
        format_bytes(*size), *size, memory_domain_name(*from), memory_domain_name(*to),
        queue_kind_name(*engine), device_label(dev), static_cast<double>(ns) / 1e6, gbps(*size, ns),
        verified ? (*verified ? ", verified" : ", VERIFY FAILED") : "");
    if (repeat > 1) {
      std::cout << fmt::format("  {} more: median {:.3f} ms ({:.2f} GB/s), min {:.3f} ms\n",
                               later.size(), static_cast<double>(median_later) / 1e6,
                               gbps(*size, median_later), static_cast<double>(later.front()) / 1e6);
    }
  }
  if (verified && !*verified) {
    return fail(kExitFailure,
                fmt::format("copy: verification failed: first difference at byte {} (expected "
                            "0x{:02x}, got 0x{:02x})",
                            bad_at, s[bad_at], d[bad_at]));
  }
  return kExitOk;
}

}  // namespace

void add_transfer_options(po::options_description& desc, bool is_copy) {
  desc.add_options()("size", po::value<std::string>()->default_value("64M")->value_name("SIZE"),
                     is_copy ? "bytes to copy; K, M, G suffixes (powers of 1024)"
                             : "bytes to fill, a multiple of 4; K, M, G suffixes")(
      "engine", po::value<std::string>()->default_value("sdma")->value_name("E"),
      "engine: sdma, compute (CP DMA) or aql")("verify", po::bool_switch(),
                                               "check the result byte for byte on the CPU");
}

Command copy_command() {
  return {.name = "copy",
          .summary = "copy memory on the GPU and report bandwidth",
          .options =
              [](po::options_description& desc, po::positional_options_description&) {
                add_transfer_options(desc, true);
                desc.add_options()(
                    "from", po::value<std::string>()->default_value("gtt")->value_name("DOMAIN"),
                    "source memory: vram, gtt or host")(
                    "to", po::value<std::string>()->default_value("vram")->value_name("DOMAIN"),
                    "destination memory: vram, gtt or host")(
                    "repeat", po::value<long long>()->default_value(1)->value_name("N"),
                    "copy N times on the same buffers: the first copy is reported as before "
                    "(cold: first touch of fresh memory), then the median and minimum of the "
                    "others (warm)");
              },
          .details =
              "Times one copy of --size bytes from submission to completion and prints\n"
              "bytes, time and GB/s (with --json: bytes, elapsed_ns, gbps, verified).\n"
              "--repeat N copies N times and adds the median and minimum of copies 2..N\n"
              "(--json: runs_ns, later_median_ns, later_min_ns, later_gbps).\n"
              "Without --device and without a GPU it runs on the simulator (sim:gfx942).\n\n"
              "Examples:\n"
              "  amdhal copy --size 256M --verify\n"
              "  amdhal copy --size 64M --from host --to vram --repeat 5\n"
              "  amdhal copy --size 1G --engine compute --from vram --to vram\n"
              "  amdhal --device sim:gfx1100 --json copy --size 4K\n",
          .run = run_copy};
}

}  // namespace amdhal::cli
