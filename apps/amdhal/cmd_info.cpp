// `amdhal info`: properties of one device, or of a KFD topology tree (--topology DIR).
#include <iostream>

#include <fmt/format.h>

#include "cli.h"

namespace amdhal::cli {
namespace {

int run_device_info(Context& ctx) {
  auto entry = ctx.select_device();
  if (!entry.ok()) return fail(entry.status());
  const DeviceInfo& i = entry->info;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"index", std::to_string(entry->index)},
      {"backend", i.backend},
      {"id", i.id},
      {"name", i.name},
      {"target", i.target},
      {"architecture", i.architecture},
      {"gfx_target_version", std::to_string(i.gfx_target_version)},
      {"pci_bdf", i.pci_bdf},
      {"pci_device_id", fmt::format("0x{:04x}", i.pci_device_id)},
      {"vram", format_bytes(i.vram_bytes)},
      {"compute_units", std::to_string(i.compute_units)},
      {"sdma_engines", std::to_string(i.sdma_engines)},
      {"sdma_xgmi_engines", std::to_string(i.sdma_xgmi_engines)},
      {"wave_size", std::to_string(i.wave_size)},
      {"simulated", i.simulated ? "yes" : "no"},
  };
  for (const auto& p : i.properties) rows.push_back(p);
  if (ctx.options().json) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : rows) j[k] = v;
    j["vram_bytes"] = i.vram_bytes;
    print_json(j);
    return kExitOk;
  }
  for (const auto& [k, v] : rows) std::cout << fmt::format("{:<20} {}\n", k, v);
  return kExitOk;
}

int run_info(Context& ctx, const po::variables_map& vm) {
  if (vm.count("topology")) return run_topology_info(ctx, vm["topology"].as<std::string>());
  return run_device_info(ctx);
}

}  // namespace

Command info_command() {
  return {.name = "info",
          .summary = "show a device's properties, or parse a KFD topology tree",
          .options =
              [](po::options_description& desc, po::positional_options_description&) {
                desc.add_options()("topology", po::value<std::string>()->value_name("DIR"),
                                   "read this KFD topology tree instead of a device (the "
                                   "directory holding generation_id and nodes/)");
              },
          .details =
              "Examples:\n"
              "  amdhal info                       the first device found\n"
              "  amdhal --device 1 info --json     device 1 as JSON\n"
              "  amdhal info --topology /sys/devices/virtual/kfd/kfd/topology\n",
          .run = run_info};
}

}  // namespace amdhal::cli
