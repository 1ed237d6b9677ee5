#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "cli.h"

namespace amdhal::cli {

Registry& Context::registry() {
  if (!registry_) registry_ = Registry::load();
  return *registry_;
}

Expected<std::vector<std::shared_ptr<Backend>>> Context::selected_backends() {
  if (options_.backend.empty()) return registry().backends();
  AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Backend> b, registry().backend(options_.backend));
  return std::vector<std::shared_ptr<Backend>>{b};
}

Expected<Context::DeviceScan> Context::scan_devices() {
  if (scan_) return *scan_;
  AMDHAL_ASSIGN_OR_RETURN(auto backends, selected_backends());
  DeviceScan scan;
  for (const auto& b : backends) {
    auto found = b->enumerate();
    if (!found.ok()) {
      scan.reasons.emplace_back(std::string(b->name()), found.status().message());
      continue;
    }
    if (found->empty()) {
      scan.reasons.emplace_back(std::string(b->name()), "no devices found");
      continue;
    }
    if (std::string note = b->hardware_status(); !note.empty()) {
      scan.hardware.emplace_back(std::string(b->name()), std::move(note));
    }
    for (auto& info : *found) {
      scan.devices.push_back({static_cast<int>(scan.devices.size()), b, std::move(info)});
    }
  }
  scan_ = scan;
  return scan;
}

Expected<DeviceEntry> Context::select_device() {
  AMDHAL_ASSIGN_OR_RETURN(DeviceScan scan, scan_devices());
  auto why_none = [&] {
    std::string out;
    for (const auto& [backend, why] : scan.reasons) {
      out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", backend, why);
    }
    return out;
  };
  if (options_.device.empty()) {
    if (scan.devices.empty()) return not_found(fmt::format("no device found ({})", why_none()));
    return scan.devices.front();
  }
  const std::string& want = options_.device;
  if (!want.empty() && std::all_of(want.begin(), want.end(), ::isdigit)) {
    const size_t index = std::stoul(want);
    if (index < scan.devices.size()) return scan.devices[index];
    return not_found(fmt::format("no device with index {} ({} device{} found{}{})", want,
                                 scan.devices.size(), scan.devices.size() == 1 ? "" : "s",
                                 scan.reasons.empty() ? "" : "; ", why_none()));
  }
  for (const auto& d : scan.devices) {
    if (d.info.id == want || d.info.pci_bdf == want ||
        (want.size() == 7 && d.info.pci_bdf.size() == 12 && d.info.pci_bdf.ends_with(want))) {
      return d;
    }
  }
  return not_found(fmt::format("no device '{}' ({} device{} found{}{})", want, scan.devices.size(),
                               scan.devices.size() == 1 ? "" : "s",
                               scan.reasons.empty() ? "" : "; ", why_none()));
}

int fail(int code, std::string_view message) {
  std::fprintf(stderr, "amdhal: %.*s\n", static_cast<int>(message.size()), message.data());
  return code;
}

int fail(const Status& status) {
  const int code = status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  return fail(code, status.message());
}

void print_json(const nlohmann::json& j) {
  std::printf("%s\n", j.dump(2).c_str());
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024.0 && unit < 4) {
    v /= 1024.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[unit]);
}

}  // namespace amdhal::cli
