// Simulated device ids (sim_device_id.h).
#include "amdhal/sim_device_id.h"

#include "amdhal/device.h"

#include <fmt/format.h>

namespace amdhal {

bool is_sim_device_id(std::string_view id) {
  return id.starts_with("sim:");
}

Expected<SimDeviceId> parse_sim_device_id(std::string_view id) {
  if (!is_sim_device_id(id)) return invalid_argument(fmt::format("'{}' is not a sim: id", id));
  SimDeviceId out;
  const size_t hash = id.rfind('#');
  out.spec = std::string(id.substr(0, hash));
  if (hash != std::string_view::npos) {
    const std::string_view idx = id.substr(hash + 1);
    if (idx.empty() || idx.size() > 2) {
      return invalid_argument(fmt::format("'{}': expected a device index after '#'", id));
    }
    uint32_t v = 0;
    for (char c : idx) {
      if (c < '0' || c > '9') {
        return invalid_argument(fmt::format("'{}': device index '{}' is not a number", id, idx));
      }
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    out.index = v;
  }
  return out;
}

std::string sim_device_id(std::string_view spec, uint32_t index, uint32_t device_count) {
  if (device_count <= 1 && index == 0) return std::string(spec);
  return fmt::format("{}#{}", spec, index);
}

void mark_simulated(DeviceInfo& info, std::string_view spec, uint32_t index,
                    uint32_t device_count) {
  info.id = sim_device_id(spec, index, device_count);
  info.simulated = true;
  info.name += " [simulated]";
  info.properties.emplace_back("sim_spec", std::string(spec));
  info.properties.emplace_back("sim_pci_address", info.pci_bdf);
  info.pci_bdf.clear();
}

}  // namespace amdhal
