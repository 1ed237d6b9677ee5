// The bare-metal backend ("am"): finds AMD GPUs that no kernel driver owns, through the PciPort.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "am_device.h"
#include "am_tool.h"
#include "amdhal/backend.h"
#include "amdhal/family.h"
#include "amdhal/plugin_abi.h"
#include "amdhal/sim_device_id.h"
#include "pci_port.h"
#include "sim_pci_port.h"

namespace amdhal::am {
namespace {

constexpr uint16_t kAmdVendorId = 0x1002;

/// The simulated systems enumerate() lists, as the kfd backend does (docs/backends.md); any other
/// "sim:<target>[xN][,opts][#i]" id opens too.
constexpr const char* kListedSimSpecs[] = {"sim:gfx942", "sim:gfx1100"};

/// The enumeration record of a PCI function of family `fam`.
DeviceInfo describe(const PciFunction& f, const GpuFamily& fam) {
  const std::string bdf = f.address.to_string();
  DeviceInfo info;
  info.backend = "am";
  info.id = bdf;
  info.name = fmt::format("AMD {} [{:04x}:{:04x}]", fam.marketing, f.vendor_id, f.device_id);
  info.target = std::string(fam.name);
  info.architecture = std::string(fam.architecture);
  info.pci_bdf = bdf;
  info.pci_device_id = f.device_id;
  info.gfx_target_version = fam.gfx_target_version;
  info.vram_bytes = f.bars[0].size;  // the VRAM aperture; the full size is read at bring-up
  info.compute_units = fam.compute_units;
  info.sdma_engines = fam.sdma_engines;
  info.sdma_xgmi_engines = fam.sdma_xgmi_engines;
  info.wave_size = fam.default_wave_size;
  info.properties.emplace_back("driver", f.driver.empty() ? "none (unbound)" : f.driver);
  for (int i = 0; i < 6; ++i) {
    if (f.bars[i].size != 0) {
      info.properties.emplace_back(
          fmt::format("bar{}", i),
          fmt::format("0x{:x} size 0x{:x}", f.bars[i].base, f.bars[i].size));
    }
  }
  return info;
}

class AmBackend final : public Backend {
 public:
  explicit AmBackend(std::shared_ptr<const void> anchor) : anchor_(std::move(anchor)) {}

  std::string_view name() const override { return "am"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view description() const override {
    return "bare-metal PCI: unbound AMD GPUs through libpciaccess, own bring-up";
  }

  /// Unbound AMD GPUs libpciaccess finds, then one simulated function per family of the
  /// default set (as the kfd backend lists its simulated devices). No real device is not an
  /// error: why is kept for hardware_status().
  Expected<std::vector<DeviceInfo>> enumerate() override {
    std::vector<DeviceInfo> devices;
    auto real = enumerate_pci();
    hardware_status_.clear();
    if (real.ok()) {
      devices = std::move(*real);
    } else {
      hardware_status_ = real.status().message();
    }
    for (const char* spec : kListedSimSpecs) {
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<PciPort> port, sim_port(spec));
      AMDHAL_ASSIGN_OR_RETURN(std::vector<PciFunction> fns, port->enumerate_display(kAmdVendorId));
      for (uint32_t i = 0; i < fns.size(); ++i) {
        auto fam = find_family_by_pci_id(fns[i].device_id);
        if (!fam.ok()) continue;
        DeviceInfo d = describe(fns[i], **fam);
        mark_simulated(d, spec, i, static_cast<uint32_t>(fns.size()));
        devices.push_back(std::move(d));
      }
    }
    return devices;
  }

  std::string hardware_status() const override { return hardware_status_; }

  /// Runs the full bring-up (bringup.h) on the function and returns the device. "sim:" ids
  /// open simulated functions: every device of one spec shares one simulated system (so they
  /// are peers) while any of them is open.
  Expected<std::shared_ptr<Device>> open(std::string_view id) override {
    if (is_sim_device_id(id)) return open_sim(id);
    AMDHAL_ASSIGN_OR_RETURN(PciAddress address, PciAddress::parse(id));
    AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<PciPort> owned, make_libpciaccess_port());
    std::shared_ptr<PciPort> port(std::move(owned));
    AMDHAL_ASSIGN_OR_RETURN(std::vector<PciFunction> fns, port->enumerate_display(kAmdVendorId));
    for (const auto& f : fns) {
      if (!(f.address == address)) continue;
      auto fam = find_family_by_pci_id(f.device_id);
      if (!fam.ok()) return fam.status();
      AMDHAL_ASSIGN_OR_RETURN(auto dev, open_am_device(port, address, describe(f, **fam), anchor_));
      return std::shared_ptr<Device>(adopt<Device>(std::move(dev), anchor_));
    }
    return not_found(fmt::format("am: no AMD display function at {}", address.to_string()));
  }

 private:
  Expected<std::vector<DeviceInfo>> enumerate_pci() {
    AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<PciPort> port, make_libpciaccess_port());
    AMDHAL_ASSIGN_OR_RETURN(std::vector<PciFunction> functions,
                            port->enumerate_display(kAmdVendorId));
    std::vector<DeviceInfo> devices;
    std::vector<std::string> skipped;
    for (const auto& f : functions) {
      const std::string bdf = f.address.to_string();
      if (!f.driver.empty()) {
        skipped.push_back(fmt::format("{} bound to {}", bdf, f.driver));
        continue;
      }
      auto family = find_family_by_pci_id(f.device_id);
      if (!family.ok()) {
        skipped.push_back(fmt::format("{} has unknown device id 0x{:04x}", bdf, f.device_id));
        continue;
      }
      devices.push_back(describe(f, **family));
    }
    if (devices.empty()) {
      std::string detail = functions.empty() ? "no AMD display device on the PCI bus" : "";
      for (const auto& s : skipped) detail += (detail.empty() ? "" : "; ") + s;
      return unavailable(
          fmt::format("no unbound AMD display device found by libpciaccess ({})", detail));
    }
    return devices;
  }

  /// The sim port of a spec: the live one while any device of it is open, else a new one.
  Expected<std::shared_ptr<PciPort>> sim_port(const std::string& spec) {
    std::lock_guard lock(mu_);
    if (auto p = sims_[spec].lock()) return p;
    AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<PciPort> owned, make_sim_pci_port(spec));
    std::shared_ptr<PciPort> p(std::move(owned));
    sims_[spec] = p;
    return p;
  }

  Expected<std::shared_ptr<Device>> open_sim(std::string_view id) {
    AMDHAL_ASSIGN_OR_RETURN(SimDeviceId sid, parse_sim_device_id(id));
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<PciPort> port, sim_port(sid.spec));
    AMDHAL_ASSIGN_OR_RETURN(std::vector<PciFunction> fns, port->enumerate_display(kAmdVendorId));
    if (sid.index >= fns.size()) {
      return not_found(fmt::format("am: {} has {} device(s); there is no device {}", sid.spec,
                                   fns.size(), sid.index));
    }
    const PciFunction& f = fns[sid.index];
    AMDHAL_ASSIGN_OR_RETURN(const GpuFamily* fam, find_family_by_pci_id(f.device_id));
    DeviceInfo info = describe(f, *fam);
    mark_simulated(info, sid.spec, sid.index, static_cast<uint32_t>(fns.size()));
    info.id = std::string(id);
    AMDHAL_ASSIGN_OR_RETURN(auto dev, open_am_device(port, f.address, std::move(info), anchor_));
    return std::shared_ptr<Device>(adopt<Device>(std::move(dev), anchor_));
  }

  std::shared_ptr<const void> anchor_;
  std::string hardware_status_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<PciPort>> sims_;
};

Expected<std::shared_ptr<Backend>> create_am_backend(const PluginHost& host) {
  return std::shared_ptr<Backend>(
      adopt<Backend>(std::make_unique<AmBackend>(host.anchor), host.anchor));
}

}  // namespace
}  // namespace amdhal::am

AMDHAL_BACKEND_PLUGIN(amdhal::am::create_am_backend)

/// Diagnostic entry point for the CLI (am_tool.h): JSON request in, malloc'd JSON response out.
extern "C" __attribute__((visibility("default"))) int amdhal_am_tool_v1(const char* request,
                                                                        char** response) {
  if (request == nullptr || response == nullptr) return 1;
  std::string out;
  try {
    out = amdhal::am::run_tool(request);
  } catch (...) {
    out = std::string("{\"ok\":false,\"exit_code\":1,\"error\":\"am tool: internal error\"}");
  }
  *response = static_cast<char*>(std::malloc(out.size() + 1));
  if (*response == nullptr) return 1;
  std::memcpy(*response, out.c_str(), out.size() + 1);
  return 0;
}
