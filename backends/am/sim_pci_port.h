// The PciPort onto simulated PCI functions (sim/pci): "sim:gfx942", "sim:gfx1100,bound=amdgpu".
#pragma once

#include <memory>
#include <string_view>

#include "amdhal_sim_pci/pci_function.h"
#include "pci_port.h"

namespace amdhal::am {

/// The simulated system behind a sim port (tests inspect the functions through it), or null if
/// `port` is not a sim port.
sim::pci::SimPciSystem* sim_pci_system(PciPort& port);

/// A port exposing the functions of the simulated system `spec` at 0000:<0x10+i>:00.0.
Expected<std::unique_ptr<PciPort>> make_sim_pci_port(std::string_view spec);

/// True for device names the sim port handles ("sim:...").
inline bool is_sim_device(std::string_view device) {
  return device.starts_with("sim:");
}

}  // namespace amdhal::am
