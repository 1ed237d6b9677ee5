// `amdhal info --topology DIR`: a KFD topology tree as amdhal reads it.
#include <iostream>

#include <fmt/format.h>

#include "amdhal/topology.h"
#include "cli.h"

namespace amdhal::cli {

namespace {

nlohmann::json link_json(const TopologyLink& l) {
  return {{"index", l.index},
          {"type", l.type},
          {"xgmi", l.is_xgmi()},
          {"node_from", l.node_from},
          {"node_to", l.node_to},
          {"weight", l.weight},
          {"min_bandwidth", l.min_bandwidth},
          {"max_bandwidth", l.max_bandwidth}};
}

nlohmann::json node_json(const TopologyNode& n) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : n.properties) props[k] = v;
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : n.io_links) links.push_back(link_json(l));
  nlohmann::json j = {{"index", n.index},
                      {"gpu_id", n.gpu_id},
                      {"name", n.name},
                      {"is_gpu", n.is_gpu()},
                      {"properties", props},
                      {"io_links", links},
                      {"mem_banks", n.mem_banks.size()},
                      {"caches", n.caches.size()}};
  if (n.is_gpu()) {
    j["target"] = n.gfx_target();
    j["pci_bdf"] = n.pci_bdf();
    j["compute_units"] = n.compute_units();
    j["vram_bytes"] = n.vram_bytes();
    j["render_node"] = n.render_node_path();
  }
  return j;
}

}  // namespace

int run_topology_info(Context& ctx, const std::string& dir) {
  auto topo = parse_topology(dir);
  if (!topo.ok()) return fail(topo.status());
  if (ctx.options().json) {
    nlohmann::json sys = nlohmann::json::object();
    for (const auto& [k, v] : topo->system_properties) sys[k] = v;
    nlohmann::json j = {
        {"root", dir}, {"generation_id", topo->generation_id}, {"system_properties", sys}};
    j["cpu_nodes"] = nlohmann::json::array();
    j["gpu_nodes"] = nlohmann::json::array();
    for (const auto& n : topo->cpu_nodes) j["cpu_nodes"].push_back(node_json(n));
    for (const auto& n : topo->gpu_nodes) j["gpu_nodes"].push_back(node_json(n));
    print_json(j);
    return kExitOk;
  }
  std::cout << fmt::format("Topology {} (generation {}): {} CPU node{}, {} GPU node{}\n", dir,
                           topo->generation_id, topo->cpu_nodes.size(),
                           topo->cpu_nodes.size() == 1 ? "" : "s", topo->gpu_nodes.size(),
                           topo->gpu_nodes.size() == 1 ? "" : "s");
  for (const auto& n : topo->cpu_nodes) {
    std::cout << fmt::format("  node {:<3} CPU  {} cores, {} io links\n", n.index,
                             n.cpu_cores_count(), n.io_links.size());
  }
  for (const auto& n : topo->gpu_nodes) {
    std::cout << fmt::format(
        "  node {:<3} GPU  {:<8} gpu_id {:<6} {}  {} CUs  {} VRAM  sdma {}+{} xgmi  {} xgmi links  "
        "{}\n",
        n.index, n.gfx_target(), n.gpu_id, n.pci_bdf(), n.compute_units(),
        format_bytes(n.vram_bytes()), n.num_sdma_engines(), n.num_sdma_xgmi_engines(),
        n.xgmi_link_count(), n.render_node_path());
  }
  if (!topo->inaccessible_nodes.empty()) {
    std::cout << fmt::format("  ({} node(s) not readable by this process)\n",
                             topo->inaccessible_nodes.size());
  }
  return kExitOk;
}

}  // namespace amdhal::cli
