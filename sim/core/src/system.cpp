// SystemSpec ("sim:gfx942x4,vram=1G") parsing and System: a set of simulated devices.
#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "amdhal_sim/device.h"

namespace amdhal::sim {

namespace {

constexpr std::string_view kSpecSyntax =
    "sim:<target>[x<count>][,vram=<size>[K|M|G]][,watchdog=<ms>][,timeout=<ms>]";
constexpr uint64_t kMinVram = 1ull << 20;
constexpr uint64_t kMaxVram = 1024ull << 30;

std::string known_targets() {
  std::string out;
  for (const GpuFamily& f : all_families()) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Parses leading decimal digits; returns the rest, or nullopt-like failure via *ok.
bool parse_number(std::string_view digits, uint64_t* value) {
  if (!all_digits(digits)) return false;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *value);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

Expected<uint64_t> parse_size(std::string_view text, std::string_view spec) {
  std::string_view digits = text;
  uint64_t scale = 1;
  if (!text.empty()) {
    switch (std::toupper(static_cast<unsigned char>(text.back()))) {
      case 'K':
        scale = 1ull << 10;
        break;
      case 'M':
        scale = 1ull << 20;
        break;
      case 'G':
        scale = 1ull << 30;
        break;
      default:
        break;
    }
    if (scale != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (!parse_number(digits, &n)) {
    return invalid_argument(fmt::format(
        "bad vram size '{}' in '{}': expected a number with an optional K, M or G suffix", text,
        spec));
  }
  if (n > kMaxVram / scale || n * scale > kMaxVram || n * scale < kMinVram) {
    return invalid_argument(
        fmt::format("vram size '{}' in '{}' is out of range (1M-1024G)", text, spec));
  }
  if ((n * scale) % 4096 != 0) {
    return invalid_argument(
        fmt::format("vram size '{}' in '{}' is not a multiple of 4 KiB", text, spec));
  }
  return n * scale;
}

Expected<std::chrono::milliseconds> parse_duration(std::string_view key, std::string_view text,
                                                   std::string_view spec) {
  std::string_view digits = text;
  uint64_t scale = 1;
  if (digits.ends_with("ms")) {
    digits.remove_suffix(2);
  } else if (digits.ends_with("s")) {
    digits.remove_suffix(1);
    scale = 1000;
  }
  uint64_t n = 0;
  if (!parse_number(digits, &n) || n == 0 || n > (uint64_t{1} << 40) / scale) {
    return invalid_argument(
        fmt::format("bad {} '{}' in '{}': expected a positive number of milliseconds (or '<n>s')",
                    key, text, spec));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(n * scale));
}

std::string format_size(uint64_t bytes) {
  if (bytes % (1ull << 30) == 0) return fmt::format("{}G", bytes >> 30);
  if (bytes % (1ull << 20) == 0) return fmt::format("{}M", bytes >> 20);
  if (bytes % (1ull << 10) == 0) return fmt::format("{}K", bytes >> 10);
  return fmt::format("{}", bytes);
}

}  // namespace

Expected<SystemSpec> SystemSpec::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sim:";
  if (!text.starts_with(kPrefix)) {
    return invalid_argument(
        fmt::format("simulator device '{}' does not start with 'sim:' ({}); "
                    "known targets: {}",
                    text, kSpecSyntax, known_targets()));
  }
  std::string_view body = text.substr(kPrefix.size());
  const size_t comma = body.find(',');
  std::string_view target = body.substr(0, comma);
  std::string_view rest =
      comma == std::string_view::npos ? std::string_view{} : body.substr(comma + 1);
  if (target.empty()) {
    return invalid_argument(
        fmt::format("simulator device '{}' names no target ({}); known "
                    "targets: {}",
                    text, kSpecSyntax, known_targets()));
  }

  SystemSpec spec;
  // "gfx942x4": a trailing x<digits> after the processor name is the device count. The 'x' of the
  // "gfx" prefix itself never is (gfx999 is an unknown target, not "gf" times 999).
  const size_t x = target.rfind('x');
  if (x != std::string_view::npos && x > 3 && all_digits(target.substr(x + 1))) {
    std::string_view count_text = target.substr(x + 1);
    uint64_t count = 0;
    if (!parse_number(count_text, &count) || count < 1 || count > kMaxDevices) {
      return invalid_argument(fmt::format("device count '{}' in '{}' is out of range (1-{})",
                                          count_text, text, kMaxDevices));
    }
    spec.count = static_cast<uint32_t>(count);
    target = target.substr(0, x);
  }
  auto family = find_family(target);
  if (!family.ok()) {
    return invalid_argument(fmt::format("unknown simulator target '{}' in '{}'; known targets: {}",
                                        target, text, known_targets()));
  }
  spec.family = *family;

  std::vector<std::string> seen;
  while (!rest.empty() || comma != std::string_view::npos) {
    const size_t next = rest.find(',');
    std::string_view option = rest.substr(0, next);
    const size_t eq = option.find('=');
    if (option.empty() || eq == std::string_view::npos || eq == 0) {
      return invalid_argument(
          fmt::format("option '{}' in '{}' is not key=value ({})", option, text, kSpecSyntax));
    }
    std::string key(option.substr(0, eq));
    std::string_view value = option.substr(eq + 1);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return invalid_argument(fmt::format("option '{}' given twice in '{}'", key, text));
    }
    seen.push_back(key);
    if (key == "vram") {
      AMDHAL_ASSIGN_OR_RETURN(spec.vram_bytes, parse_size(value, text));
    } else if (key == "watchdog") {
      AMDHAL_ASSIGN_OR_RETURN(spec.watchdog, parse_duration(key, value, text));
    } else if (key == "timeout") {
      AMDHAL_ASSIGN_OR_RETURN(spec.kernel_timeout, parse_duration(key, value, text));
    } else {
      spec.options.emplace_back(std::move(key), std::string(value));
    }
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return spec;
}

std::string SystemSpec::to_string() const {
  std::string out = fmt::format("sim:{}", family != nullptr ? family->name : "?");
  if (count != 1) out += fmt::format("x{}", count);
  out += fmt::format(",vram={}", format_size(vram_bytes));
  if (watchdog != std::chrono::milliseconds(5000)) {
    out += fmt::format(",watchdog={}ms", watchdog.count());
  }
  if (kernel_timeout.count() != 0) out += fmt::format(",timeout={}ms", kernel_timeout.count());
  for (const auto& [k, v] : options) out += fmt::format(",{}={}", k, v);
  return out;
}

Expected<std::unique_ptr<System>> System::create(const SystemSpec& spec) {
  if (spec.family == nullptr) {
    return invalid_argument("simulator system spec has no target family");
  }
  if (spec.count < 1 || spec.count > SystemSpec::kMaxDevices) {
    return invalid_argument(fmt::format("simulator device count {} is out of range (1-{})",
                                        spec.count, SystemSpec::kMaxDevices));
  }
  std::unique_ptr<System> system(new System());
  system->spec_ = spec;
  system->devices_.reserve(spec.count);
  for (uint32_t i = 0; i < spec.count; ++i) {
    DeviceConfig config;
    config.family = spec.family;
    config.vram_bytes = spec.vram_bytes;
    config.index = i;
    config.watchdog = spec.watchdog;
    config.kernel_timeout = spec.kernel_timeout;
    AMDHAL_ASSIGN_OR_RETURN(auto device, Device::create(config, system.get()));
    system->devices_.push_back(std::move(device));
  }
  return system;
}

Expected<std::unique_ptr<System>> System::from_spec(std::string_view text) {
  AMDHAL_ASSIGN_OR_RETURN(SystemSpec spec, SystemSpec::parse(text));
  return create(spec);
}

System::~System() {
  // Stop every queue of every device first: an engine may be copying to a peer device.
  for (auto& device : devices_) device->destroy_all_queues();
  devices_.clear();
}

}  // namespace amdhal::sim
