// Writes the simulator's test firmware: make_test_firmware OUT_ROOT [TARGET...] creates
// OUT_ROOT/<target>/amdgpu/*.bin for each target (all known targets when none is named).
// Format and names: sim/pci/include/amdhal_sim_pci/firmware_image.h.
#include <cstdio>
#include <string>
#include <vector>

#include "amdhal_sim_pci/firmware_image.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_ROOT [TARGET...]\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  std::vector<std::string> targets;
  for (int i = 2; i < argc; ++i) targets.emplace_back(argv[i]);
  if (targets.empty()) targets = amdhal::sim::pci::fw::test_firmware_targets();
  for (const auto& t : targets) {
    const std::string err =
        amdhal::sim::pci::fw::write_test_firmware(t, root + "/" + t + "/amdgpu");
    if (!err.empty()) {
      std::fprintf(stderr, "make_test_firmware: %s\n", err.c_str());
      return 1;
    }
  }
  return 0;
}
