#include "kfd_device_list.h"

#include <fmt/format.h>

#include "amdhal/family.h"
#include "amdhal/topology.h"

namespace amdhal::kfd {

Expected<std::vector<DeviceInfo>> list_topology_devices(const std::filesystem::path& root,
                                                        std::string_view backend, bool simulated) {
  AMDHAL_ASSIGN_OR_RETURN(Topology topo, parse_topology(root));
  std::vector<DeviceInfo> devices;
  for (const TopologyNode& node : topo.gpu_nodes) {
    DeviceInfo info;
    info.backend = std::string(backend);
    info.pci_bdf = node.pci_bdf();
    info.id = info.pci_bdf.empty() ? fmt::format("gpu_id:{}", node.gpu_id) : info.pci_bdf;
    info.target = node.gfx_target();
    info.gfx_target_version = node.gfx_target_version();
    info.pci_device_id = static_cast<uint16_t>(node.device_id());
    info.vram_bytes = node.vram_bytes();
    info.compute_units = node.compute_units();
    info.sdma_engines = node.num_sdma_engines();
    info.sdma_xgmi_engines = node.num_sdma_xgmi_engines();
    info.wave_size = node.wave_front_size();
    info.simulated = simulated;
    if (auto fam = find_family_by_target_version(info.gfx_target_version); fam.ok()) {
      info.architecture = std::string((*fam)->architecture);
      info.name = fmt::format("AMD {} ({})", (*fam)->marketing, info.target);
    } else {
      info.architecture = "unknown";
      info.name = fmt::format("AMD GPU {}", node.name.empty() ? info.target : node.name);
    }
    info.properties.emplace_back("kfd_node", std::to_string(node.index));
    info.properties.emplace_back("gpu_id", std::to_string(node.gpu_id));
    info.properties.emplace_back("render_node", node.render_node_path());
    info.properties.emplace_back("num_xcc", std::to_string(node.num_xcc()));
    info.properties.emplace_back("lds_size_in_kb", std::to_string(node.lds_size_in_kb()));
    info.properties.emplace_back("xgmi_links", std::to_string(node.xgmi_link_count()));
    if (node.hive_id() != 0)
      info.properties.emplace_back("hive_id", fmt::format("0x{:x}", node.hive_id()));
    devices.push_back(std::move(info));
  }
  return devices;
}

}  // namespace amdhal::kfd
