// The bare-metal backend ("am"): finds AMD GPUs that no kernel driver owns, through the PciPort.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "am_tool.h"
#include "amdhal/backend.h"
#include "amdhal/family.h"
#include "amdhal/plugin_abi.h"
#include "pci_port.h"

namespace amdhal::am {
namespace {

constexpr uint16_t kAmdVendorId = 0x1002;

class AmBackend final : public Backend {
 public:
  explicit AmBackend(std::shared_ptr<const void> anchor) : anchor_(std::move(anchor)) {}

  std::string_view name() const override { return "am"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view description() const override {
    return "bare-metal PCI: unbound AMD GPUs through libpciaccess, own bring-up";
  }

  Expected<std::vector<DeviceInfo>> enumerate() override {
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
      const GpuFamily& fam = **family;
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
      info.properties.emplace_back("driver", "none (unbound)");
      for (int i = 0; i < 6; ++i) {
        if (f.bars[i].size != 0) {
          info.properties.emplace_back(
              fmt::format("bar{}", i),
              fmt::format("0x{:x} size 0x{:x}", f.bars[i].base, f.bars[i].size));
        }
      }
      devices.push_back(std::move(info));
    }
    if (devices.empty()) {
      std::string detail = functions.empty() ? "no AMD display device on the PCI bus" : "";
      for (const auto& s : skipped) detail += (detail.empty() ? "" : "; ") + s;
      return unavailable(
          fmt::format("no unbound AMD display device found by libpciaccess ({})", detail));
    }
    return devices;
  }

  Expected<std::shared_ptr<Device>> open(std::string_view id) override {
    return unimplemented(fmt::format(
        "am: cannot open {}: device bring-up (IP discovery, GMC, PSP, rings) is not in this build",
        id));
  }

 private:
  std::shared_ptr<const void> anchor_;
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
