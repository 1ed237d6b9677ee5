// KFD topology value types: property look-ups, node accessors, node look-ups.
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "amdhal/family.h"
#include "amdhal/topology.h"

namespace amdhal {

std::optional<uint64_t> TopologyProperties::find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.first == key) return e.second;
  }
  return std::nullopt;
}

uint64_t TopologyProperties::get(std::string_view key, uint64_t fallback) const {
  return find(key).value_or(fallback);
}

void TopologyProperties::set(std::string_view key, uint64_t value) {
  for (Entry& e : entries_) {
    if (e.first == key) {
      e.second = value;
      return;
    }
  }
  entries_.emplace_back(std::string(key), value);
}

bool TopologyProperties::erase(std::string_view key) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.first == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::string TopologyNode::gfx_target() const {
  const uint32_t v = gfx_target_version();
  if (v == 0) return {};
  // KFD encodes major * 10000 + minor * 100 + stepping (kfd_device.c); LLVM prints minor and
  // stepping in hex (gfx90a = 9.0.10).
  return gfx_name(IsaVersion{v / 10000, (v / 100) % 100, v % 100});
}

uint32_t TopologyNode::compute_units() const {
  const uint32_t per_cu = simd_per_cu();
  return per_cu == 0 ? 0 : simd_count() / per_cu;
}

std::string TopologyNode::render_node_path() const {
  if (!is_gpu()) return {};
  return fmt::format("/dev/dri/renderD{}", drm_render_minor());
}

std::string TopologyNode::pci_bdf() const {
  if (!is_gpu()) return {};
  const uint32_t loc = location_id();
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain(), (loc >> 8) & 0xff, (loc >> 3) & 0x1f,
                     loc & 0x7);
}

uint64_t TopologyNode::vram_bytes() const {
  uint64_t total = 0;
  bool any = false;
  for (const TopologyMemBank& bank : mem_banks) {
    if (bank.is_vram()) {
      total += bank.size_in_bytes;
      any = true;
    }
  }
  return any ? total : local_mem_size();
}

size_t TopologyNode::xgmi_link_count() const {
  return static_cast<size_t>(std::count_if(io_links.begin(), io_links.end(),
                                           [](const TopologyLink& l) { return l.is_xgmi(); }));
}

Expected<const TopologyNode*> Topology::find_gpu(uint32_t gpu_id) const {
  std::string known;
  for (const TopologyNode& node : gpu_nodes) {
    if (node.gpu_id == gpu_id) return &node;
    known += known.empty() ? fmt::format("{}", node.gpu_id) : fmt::format(", {}", node.gpu_id);
  }
  return not_found(fmt::format("no GPU node with gpu_id {} in the KFD topology (gpu_ids: {})",
                               gpu_id, known.empty() ? "none" : known));
}

Expected<const TopologyNode*> Topology::find_node(uint32_t index) const {
  for (const auto* list : {&cpu_nodes, &gpu_nodes}) {
    for (const TopologyNode& node : *list) {
      if (node.index == index) return &node;
    }
  }
  return not_found(fmt::format("no node {} in the KFD topology ({} nodes)", index, node_count()));
}

std::vector<const TopologyNode*> Topology::all_nodes() const {
  std::vector<const TopologyNode*> out;
  out.reserve(node_count());
  for (const TopologyNode& n : cpu_nodes) out.push_back(&n);
  for (const TopologyNode& n : gpu_nodes) out.push_back(&n);
  std::sort(out.begin(), out.end(),
            [](const TopologyNode* a, const TopologyNode* b) { return a->index < b->index; });
  return out;
}

std::filesystem::path default_topology_root() {
  return "/sys/devices/virtual/kfd/kfd/topology";
}

}  // namespace amdhal
