// Bare-metal bring-up of an AMD GPU that no kernel driver owns, as a list of timed steps.
//
// Order (tinygrad am/amdev.py AMDev.__init__ and the kernel's amdgpu_device_ip_init, see
// docs/backends.md "am backend"): identify the function (vendor/class/device id against the family
// registry) → refuse a bound driver (or unbind with force_unbind) → map BARs → VRAM size
// (RCC_CONFIG_MEMSIZE) → IP discovery → GMC → IH → PSP → SMU → GFX compute queue → SDMA rings →
// doorbells. Steps not implemented yet fail with "not implemented yet: <step>"; the first failing
// step stops bring-up and the remaining steps are reported as not run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/status.h"
#include "discovery.h"
#include "gmc.h"
#include "pci_port.h"

namespace amdhal::am {

struct BringupOptions {
  std::string firmware_dir = "/lib/firmware/amdgpu";
  bool force_unbind = false;  ///< unbind a kernel driver instead of refusing the device
  /// Stop after this step succeeds ("" = run all); `regs` stops after "ip discovery".
  std::string stop_after;
};

struct BringupStep {
  enum class State { kOk, kFailed, kNotRun };
  std::string name;
  State state = State::kNotRun;
  uint64_t duration_ns = 0;
  std::string detail;  ///< what the step found, or the error
};
std::string_view step_state_name(BringupStep::State s);  // "ok", "failed", "not run"

/// An identified, mapped device and what bring-up learned of it. Unmaps its BARs on destruction.
class AmDevice {
 public:
  AmDevice(PciPort& port, PciFunction function) : port_(&port), fn_(std::move(function)) {}
  ~AmDevice();
  AmDevice(const AmDevice&) = delete;
  AmDevice& operator=(const AmDevice&) = delete;

  PciPort& port() { return *port_; }
  const PciFunction& function() const { return fn_; }
  const GpuFamily* family() const { return family_; }
  uint64_t vram_bytes() const { return vram_bytes_; }
  const DiscoveryTable& discovery() const { return discovery_; }
  bool mapped() const { return mmio_ != nullptr; }

  /// MMIO register access by absolute dword offset (BAR5).
  Expected<uint32_t> read_reg(uint64_t dword);
  Status write_reg(uint64_t dword, uint32_t value);

  // The steps (each one function; bringup() runs them in order).
  Status identify();
  Status check_binding(const BringupOptions& options);
  Status map_bars();
  Status read_vram_size();
  Status read_discovery();
  /// GMC: writes the VMID 0 page tables; on families whose register table has the GCVM
  /// registers (gfx11) programs GFXHUB VMID 0 and flushes its TLB. MMHUB and the GART are not
  /// implemented yet, so the step fails after that, saying how far it got.
  Status setup_gmc();
  const Vmid0Tables& vmid0_tables() const { return vmid0_; }
  /// True once GFXHUB VMID 0 was programmed and its TLB flush acknowledged.
  bool gfxhub_programmed() const { return gfxhub_programmed_; }
  /// 64-bit VRAM write through BAR0, or MM_INDEX/MM_DATA beyond the aperture.
  Status write_vram64(uint64_t offset, uint64_t value);
  void unmap_bars();

  std::string last_detail;  ///< set by a step that succeeded: what it found

 private:
  PciPort* port_;
  PciFunction fn_;
  const GpuFamily* family_ = nullptr;
  void* vram_ = nullptr;  // BAR0 mapping (the whole aperture)
  uint64_t vram_map_bytes_ = 0;
  void* mmio_ = nullptr;  // BAR5 mapping
  uint64_t mmio_bytes_ = 0;
  void* doorbells_ = nullptr;  // BAR2 mapping
  uint64_t doorbell_bytes_ = 0;
  uint64_t vram_bytes_ = 0;
  DiscoveryTable discovery_;
  Vmid0Tables vmid0_;
  bool gfxhub_programmed_ = false;
};

struct BringupReport {
  std::vector<BringupStep> steps;
  Status status;                     ///< ok if every step ran and succeeded
  std::unique_ptr<AmDevice> device;  ///< the device as bring-up left it (null if not found)
};

/// The names of the steps, in order.
std::vector<std::string> bringup_step_names();

/// Finds `address` on `port` and runs the steps.
BringupReport bringup(PciPort& port, const PciAddress& address, const BringupOptions& options);

}  // namespace amdhal::am
