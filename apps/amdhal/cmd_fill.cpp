// `amdhal fill`: fill device memory with a 32-bit pattern on the GPU and report bandwidth.
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "amdhal/command_buffer.h"
#include "cli.h"

namespace amdhal::cli {
namespace {

Expected<uint32_t> parse_pattern(const std::string& text) {
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(text, &used, 0);
    if (used == text.size() && v <= 0xffffffffull) return static_cast<uint32_t>(v);
  } catch (const std::exception&) {
  }
  return invalid_argument(
      fmt::format("'{}' is not a 32-bit pattern (decimal or 0x hexadecimal)", text));
}

int run_fill(Context& ctx, const po::variables_map& vm) {
  auto size = parse_size(vm["size"].as<std::string>());
  if (!size.ok()) return fail(kExitUsage, fmt::format("fill: --size: {}", size.status().message()));
  if (*size == 0 || *size % 4 != 0) {
    return fail(kExitUsage,
                fmt::format("fill: --size {} is not a positive multiple of 4 bytes", *size));
  }
  auto engine = parse_engine(vm["engine"].as<std::string>());
  if (!engine.ok()) return fail(kExitUsage, "fill: --engine: " + engine.status().message());
  auto domain = parse_domain(vm["to"].as<std::string>());
  if (!domain.ok()) return fail(kExitUsage, "fill: --to: " + domain.status().message());
  auto pattern = parse_pattern(vm["pattern"].as<std::string>());
  if (!pattern.ok()) return fail(kExitUsage, "fill: --pattern: " + pattern.status().message());
  const bool verify = vm["verify"].as<bool>();

  auto work = open_work_device(ctx, "gfx942");
  if (!work.ok()) return fail(kExitFailure, work.status().message());
  Device& dev = *work->device;
  auto dst = dev.alloc(*size, *domain);
  if (!dst.ok()) return fail(kExitFailure, "fill: buffer: " + dst.status().message());
  auto queue = dev.create_queue(*engine);
  if (!queue.ok()) return fail(kExitFailure, "fill: " + queue.status().message());
  auto* d = static_cast<uint8_t*>((*dst)->cpu_pointer());
  if (verify && d == nullptr) return fail(kExitFailure, "fill: --verify needs CPU-visible memory");
  if (verify) std::memset(d, static_cast<int>(~*pattern & 0xff), *size);

  CommandBuffer cb;
  if (Status st = cb.fill({*dst, 0}, *size, *pattern); !st.ok()) return fail(st);
  uint64_t ns = 0;
  if (Status st = run_and_wait(dev, **queue, cb, std::chrono::seconds(60), &ns); !st.ok()) {
    return fail(kExitFailure, "fill: " + st.message());
  }
  std::optional<bool> verified;
  uint64_t bad_at = 0;
  uint32_t got = 0;
  if (verify) {
    verified = true;
    for (uint64_t i = 0; i < *size; i += 4) {
      std::memcpy(&got, d + i, 4);
      if (got != *pattern) {
        verified = false;
        bad_at = i;
        break;
      }
    }
  }
  const double gbps = ns == 0 ? 0.0 : static_cast<double>(*size) / static_cast<double>(ns);
  if (ctx.options().json) {
    nlohmann::json j = {{"command", "fill"},
                        {"device", dev.info().id},
                        {"target", dev.info().target},
                        {"engine", queue_kind_name(*engine)},
                        {"to", memory_domain_name(*domain)},
                        {"pattern", *pattern},
                        {"bytes", *size},
                        {"elapsed_ns", ns},
                        {"gbps", gbps}};
    j["verified"] = verified ? nlohmann::json(*verified) : nlohmann::json(nullptr);
    print_json(j);
  } else {
    std::cout << fmt::format(
        "filled {} ({} bytes) of {} with 0x{:08x} on {} of {} in {:.3f} ms: "
        "{:.2f} GB/s{}\n",
        format_bytes(*size), *size, memory_domain_name(*domain), *pattern, queue_kind_name(*engine),
        device_label(dev), static_cast<double>(ns) / 1e6, gbps,
        verified ? (*verified ? ", verified" : ", VERIFY FAILED") : "");
  }
  if (verified && !*verified) {
    return fail(kExitFailure,
                fmt::format("fill: verification failed at byte {}: 0x{:08x}, expected 0x{:08x}",
                            bad_at, got, *pattern));
  }
  return kExitOk;
}

}  // namespace

Command fill_command() {
  return {.name = "fill",
          .summary = "fill memory with a 32-bit pattern on the GPU and report bandwidth",
          .options =
              [](po::options_description& desc, po::positional_options_description&) {
                add_transfer_options(desc, false);
                desc.add_options()(
                    "pattern",
                    po::value<std::string>()->default_value("0xa5a5a5a5")->value_name("P"),
                    "32-bit pattern, decimal or 0x hexadecimal")(
                    "to", po::value<std::string>()->default_value("vram")->value_name("DOMAIN"),
                    "memory to fill: vram, gtt or host");
              },
          .details =
              "Times one fill of --size bytes from submission to completion and prints\n"
              "bytes, time and GB/s (with --json: bytes, elapsed_ns, gbps, verified).\n"
              "Without --device and without a GPU it runs on the simulator (sim:gfx942).\n\n"
              "Examples:\n"
              "  amdhal fill --size 256M --verify\n"
              "  amdhal fill --size 4K --pattern 0xdeadbeef --engine compute --to gtt\n",
          .run = run_fill};
}

}  // namespace amdhal::cli
