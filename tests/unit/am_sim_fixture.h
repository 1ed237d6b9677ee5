// Test set-up shared by the am backend's tests on the simulated PCI function: the port of a
// simulator spec and its first AMD display function, and an AmDevice brought through the steps
// every later step needs (identify, map BARs, VRAM size, IP discovery).
#pragma once

#include <memory>
#include <string_view>

#include <gtest/gtest.h>

#include "amdhal_sim_pci/pci_function.h"
#include "bringup.h"
#include "sim_pci_port.h"

namespace amdhal::am::testing {

struct SimAm {
  std::unique_ptr<PciPort> port;
  PciFunction function;                    ///< the first AMD display function
  PciAddress address;                      ///< its address
  size_t functions = 0;                    ///< AMD display functions the port enumerated
  sim::pci::SimPciFunction* fn = nullptr;  ///< the simulated function behind `address`
  std::unique_ptr<AmDevice> dev;           ///< set by discovered_sim_am()
};

/// The simulated PCI port of `spec` (e.g. "sim:gfx942") and its first AMD display function.
inline SimAm open_sim_am(std::string_view spec) {
  SimAm f;
  auto port = make_sim_pci_port(spec);
  EXPECT_TRUE(port.ok()) << port.status().message();
  if (!port.ok()) return f;
  f.port = std::move(*port);
  auto fns = f.port->enumerate_display(0x1002);
  EXPECT_TRUE(fns.ok() && !fns->empty());
  if (!fns.ok() || fns->empty()) return f;
  f.functions = fns->size();
  f.function = fns->front();
  f.address = f.function.address;
  f.fn = &sim_pci_system(*f.port)->function(0);
  return f;
}

/// open_sim_am(), then an AmDevice through identify, map BARs, VRAM size and IP discovery.
inline SimAm discovered_sim_am(std::string_view spec) {
  SimAm f = open_sim_am(spec);
  if (f.port == nullptr || f.fn == nullptr) return f;
  f.dev = std::make_unique<AmDevice>(*f.port, f.function);
  EXPECT_TRUE(f.dev->identify().ok());
  EXPECT_TRUE(f.dev->map_bars().ok());
  EXPECT_TRUE(f.dev->read_vram_size().ok());
  EXPECT_TRUE(f.dev->read_discovery().ok());
  return f;
}

}  // namespace amdhal::am::testing
