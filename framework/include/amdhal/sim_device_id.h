// Ids of simulated devices, shared by every backend: "sim:<target>[x<count>][,key=value...][#i]"
// names device i (default 0) of the simulated system the spec before '#' describes
// (docs/backends.md). A single-device spec is its own id; device i of a larger system is
// "spec#i".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "amdhal/status.h"

namespace amdhal {

struct SimDeviceId {
  std::string spec;    ///< "sim:gfx942x4,vram=1G"
  uint32_t index = 0;  ///< device in that system
};

/// Whether `id` names a simulated device ("sim:" prefix).
bool is_sim_device_id(std::string_view id);
/// Splits "spec[#index]"; kInvalidArgument for a malformed index.
Expected<SimDeviceId> parse_sim_device_id(std::string_view id);
/// "spec" for index 0 of a single-device spec, else "spec#index".
std::string sim_device_id(std::string_view spec, uint32_t index, uint32_t device_count);

struct DeviceInfo;
/// Turns the record a backend built for device `index` of the simulated system `spec` into a
/// simulated device's: the sim: id, `simulated`, " [simulated]" after the name, and the spec and
/// simulated PCI address as properties (the PCI address is not a real bus address, so it leaves
/// `pci_bdf`).
void mark_simulated(DeviceInfo& info, std::string_view spec, uint32_t index, uint32_t device_count);

}  // namespace amdhal
