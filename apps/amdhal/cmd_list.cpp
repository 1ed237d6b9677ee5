// `amdhal list`: every plugin looked at (with why any was refused) and every device found.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"

namespace amdhal::cli {
namespace {

nlohmann::json device_json(const DeviceEntry& d) {
  const DeviceInfo& i = d.info;
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : i.properties) props[k] = v;
  return {{"index", d.index},
          {"backend", i.backend},
          {"id", i.id},
          {"name", i.name},
          {"target", i.target},
          {"architecture", i.architecture},
          {"pci_bdf", i.pci_bdf},
          {"pci_device_id", i.pci_device_id},
          {"gfx_target_version", i.gfx_target_version},
          {"vram_bytes", i.vram_bytes},
          {"compute_units", i.compute_units},
          {"sdma_engines", i.sdma_engines},
          {"sdma_xgmi_engines", i.sdma_xgmi_engines},
          {"wave_size", i.wave_size},
          {"simulated", i.simulated},
          {"properties", props}};
}

int run_list(Context& ctx, const po::variables_map&) {
  const Registry& reg = ctx.registry();
  auto scan = ctx.scan_devices();
  if (!scan.ok()) return fail(scan.status());
  const std::string only = ctx.options().backend;

  // A loaded backend's status says whether it found devices and, if not, why.
  auto backend_status = [&](const PluginRecord& r) -> std::string {
    if (!r.loaded) return r.status;
    if (r.kind == "workload") {
      auto w = reg.workload(r.name);
      return w.ok() ? fmt::format("loaded, workload: {}", (*w)->summary()) : "loaded, workload";
    }
    for (const auto& [name, why] : scan->reasons) {
      if (name == r.name) return fmt::format("loaded, no devices: {}", why);
    }
    size_t n = 0;
    size_t simulated = 0;
    for (const auto& d : scan->devices) {
      if (d.info.backend != r.name) continue;
      ++n;
      simulated += d.info.simulated;
    }
    std::string text = fmt::format("loaded, {} device{}", n, n == 1 ? "" : "s");
    if (simulated != 0) text += fmt::format(" ({} simulated)", simulated);
    for (const auto& [name, note] : scan->hardware) {
      if (name == r.name) text += fmt::format("; no real GPU: {}", note);
    }
    return text;
  };
  std::vector<const PluginRecord*> shown;
  for (const auto& r : reg.plugins()) {
    if (!only.empty() && r.name != only) continue;
    shown.push_back(&r);
  }

  if (ctx.options().json) {
    nlohmann::json j;
    j["backends"] = nlohmann::json::array();
    for (const PluginRecord* r : shown) {
      j["backends"].push_back({{"name", r->name},
                               {"kind", r->kind},
                               {"version", r->version},
                               {"library", r->library},
                               {"loaded", r->loaded},
                               {"status", backend_status(*r)}});
    }
    j["devices"] = nlohmann::json::array();
    for (const auto& d : scan->devices) j["devices"].push_back(device_json(d));
    j["workloads"] = nlohmann::json::array();
    for (const auto& w : reg.workloads()) {
      j["workloads"].push_back(
          {{"name", w->name()}, {"version", w->version()}, {"summary", w->summary()}});
    }
    print_json(j);
    return kExitOk;
  }

  std::cout << "Backends and plugins:\n";
  if (shown.empty()) {
    std::cout << "  none found (searched:";
    for (const auto& d : Registry::default_search_dirs()) std::cout << " " << d;
    std::cout << "; set AMDHAL_PLUGIN_PATH to add more)\n";
  }
  size_t name_width = 8;  // wider for workload names such as sdma-stress
  for (const PluginRecord* r : shown) name_width = std::max(name_width, r->name.size());
  for (const PluginRecord* r : shown) {
    std::cout << fmt::format("  {:<{}} {:<8} {}\n", r->name, name_width,
                             r->version.empty() ? "-" : r->version, backend_status(*r));
    std::cout << fmt::format("  {:<{}} {:<8} {}\n", "", name_width, "", r->library);
  }
  std::cout << "\nDevices:\n";
  if (scan->devices.empty()) std::cout << "  none found\n";
  for (const auto& d : scan->devices) {
    const DeviceInfo& i = d.info;
    const bool marked = i.name.find("simulated") != std::string::npos;
    std::cout << fmt::format("  [{}] {:<4} {:<14} {:<8} {} ({} CUs, {} VRAM){}\n", d.index,
                             i.backend, i.id, i.target, i.name, i.compute_units,
                             format_bytes(i.vram_bytes),
                             i.simulated && !marked ? " [simulated]" : "");
  }
  return kExitOk;
}

}  // namespace

Command list_command() {
  return {.name = "list",
          .summary = "show backends, plugins and devices found",
          .options = nullptr,
          .details =
              "Each plugin library is listed with its status: loaded (and how many devices it\n"
              "found, or why none), or why it was refused (not loadable, wrong ABI version,\n"
              "missing symbol). Workload plugins (sdma-stress, overlap) are listed the same way.\n"
              "With --json: {\"backends\":[...],\"devices\":[...],\"workloads\":[...]}.\n",
          .run = run_list};
}

}  // namespace amdhal::cli
