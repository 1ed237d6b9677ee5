// Turns the GPU nodes of a KFD topology tree into DeviceInfo records.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "amdhal/device.h"
#include "amdhal/status.h"

namespace amdhal::kfd {

/// Parses the topology tree at `root` and describes each GPU node as a device of `backend`.
Expected<std::vector<DeviceInfo>> list_topology_devices(const std::filesystem::path& root,
                                                        std::string_view backend, bool simulated);

}  // namespace amdhal::kfd
