// The kfd backend's view of a topology tree: GPU nodes become devices with the right properties.
#include <gtest/gtest.h>
#include <set>

#include "kfd_device_list.h"

namespace {

const std::string kFixtures = AMDHAL_SOURCE_DIR "/tests/fixtures/topology/";

TEST(KfdDeviceList, EightMi300xFromFixture) {
  auto devices = amdhal::kfd::list_topology_devices(kFixtures + "mi300x_8gpu", "kfd", false);
  ASSERT_TRUE(devices.ok()) << devices.status().to_string();
  ASSERT_EQ(devices->size(), 8u);
  std::set<std::string> bdfs;
  for (const auto& d : *devices) {
    EXPECT_EQ(d.backend, "kfd");
    EXPECT_EQ(d.target, "gfx942");
    EXPECT_EQ(d.architecture, "CDNA3");
    EXPECT_EQ(d.gfx_target_version, 90402u);
    EXPECT_EQ(d.pci_device_id, 0x74a1);
    EXPECT_EQ(d.compute_units, 304u);
    EXPECT_EQ(d.vram_bytes, 192ull << 30);
    EXPECT_EQ(d.sdma_engines, 2u);
    EXPECT_EQ(d.sdma_xgmi_engines, 14u);
    EXPECT_EQ(d.wave_size, 64u);
    EXPECT_FALSE(d.simulated);
    EXPECT_EQ(d.id, d.pci_bdf);
    bdfs.insert(d.pci_bdf);
  }
  EXPECT_EQ(bdfs.size(), 8u);
}

TEST(KfdDeviceList, Rdna3Desktop) {
  auto devices = amdhal::kfd::list_topology_devices(kFixtures + "rdna3_desktop", "kfd", true);
  ASSERT_TRUE(devices.ok()) << devices.status().to_string();
  ASSERT_EQ(devices->size(), 1u);
  const auto& d = devices->front();
  EXPECT_EQ(d.target, "gfx1100");
  EXPECT_EQ(d.compute_units, 96u);
  EXPECT_EQ(d.pci_device_id, 0x744c);
  EXPECT_TRUE(d.simulated);
}

TEST(KfdDeviceList, MissingTreeIsAnError) {
  auto devices = amdhal::kfd::list_topology_devices("/nonexistent/topology", "kfd", false);
  ASSERT_FALSE(devices.ok());
  EXPECT_NE(devices.status().message().find("/nonexistent/topology"), std::string::npos);
}

}  // namespace
