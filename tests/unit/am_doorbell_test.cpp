// The "doorbell routing" bring-up step on the simulated PCI function: the NBIO doorbell aperture
// and SDMA doorbell ranges the kernel programs (nbio_v7_9.c on gfx942, nbio_v4_3.c on gfx1100)
// read back with the values of their field layouts, the NBIO 4.3 range is reached through the
// indirect RSMU index/data pair, and an SDMA doorbell left unrouted fails by name (the routing
// step names register, expected and read value; an SDMA ring test without routing times out and
// the simulator says why).
#include <algorithm>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "am_sim_fixture.h"
#include "amdhal_sim_pci/discovery_image.h"
#include "amdhal_sim_pci/pci_function.h"
#include "bringup.h"
#include "queues.h"
#include "registers.h"
#include "sim_pci_port.h"

namespace amdhal::am {
namespace {

using Fixture = testing::SimAm;

/// Identify, map BARs, VRAM size, IP discovery and (with `gmc`) GMC.
Fixture brought_up(std::string_view spec, bool gmc = false) {
  Fixture f = testing::discovered_sim_am(spec);
  if (gmc && f.dev) {
    EXPECT_TRUE(f.dev->setup_gmc().ok());
  }
  return f;
}

uint32_t read_named(Fixture& f, std::string_view name) {
  auto r = resolve_register(name, *f.dev->family(), f.dev->discovery());
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().message();
  if (!r.ok()) return 0xdeadbeef;
  auto v = f.dev->read_reg(r->dword);
  EXPECT_TRUE(v.ok()) << name << ": " << v.status().message();
  return v.ok() ? *v : 0xdeadbeef;
}

/// S2A_DOORBELL_ENTRY_n_CTRL (nbio_*_sh_mask.h): ENABLE 0, AWID 5:1, RANGE_OFFSET 16:7,
/// RANGE_SIZE 24:17, AWADDR_31_28_VALUE 31:28.
constexpr uint32_t s2a(uint32_t awid, uint32_t offset, uint32_t size, uint32_t awaddr) {
  return 1u | (awid << 1) | (offset << 7) | (size << 17) | (awaddr << 28);
}

/// "read 0x00000000, expected 0x<v>", as the routing step words a register that did not latch.
std::string fmt_expected(uint32_t v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "read 0x00000000, expected 0x%08x", v);
  return buf;
}

TEST(AmDoorbellRouting, Nbio79RangesReadBackPerSdmaEngine) {
  Fixture f = brought_up("sim:gfx942");
  const Status st = f.dev->setup_doorbell_routing();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(read_named(f, "NBIO.RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN") & 1u, 1u);
  EXPECT_EQ(read_named(f, "NBIO.BIFC_DOORBELL_ACCESS_EN_PF"), 0xfffffu);
  // Engine e: first doorbell dword 0x200 + 4e (slots 0x100 + 2e, two rings), 4 dwords;
  // DOORBELL0_CTRL_ENTRY: RANGE_OFFSET 9:0, RANGE_SIZE 14:10.
  for (uint32_t e = 0; e < 4; ++e) {
    SCOPED_TRACE(e);
    EXPECT_EQ(read_named(f, "NBIO.DOORBELL0_CTRL_ENTRY_" + std::to_string(e + 1)),
              (0x200u + 4 * e) | (4u << 10));
  }
  // nbio_v7_9_sdma_doorbell_range: AWID / RANGE_OFFSET and AWADDR per engine.
  EXPECT_EQ(read_named(f, "NBIO.S2A_DOORBELL_ENTRY_1_CTRL"), s2a(0xe, 0xe, 4, 0x1));
  EXPECT_EQ(read_named(f, "NBIO.S2A_DOORBELL_ENTRY_2_CTRL"), s2a(0x8, 0x8, 4, 0x2));
  EXPECT_EQ(read_named(f, "NBIO.S2A_DOORBELL_ENTRY_5_CTRL"), s2a(0x9, 0x9, 4, 0x8));
  EXPECT_EQ(read_named(f, "NBIO.S2A_DOORBELL_ENTRY_6_CTRL"), s2a(0xa, 0xa, 4, 0x9));
  EXPECT_NE(f.dev->last_detail.find("NBIO 7.9.0 doorbell aperture on"), std::string::npos)
      << f.dev->last_detail;
  EXPECT_NE(f.dev->last_detail.find("SDMA3 slots 0x106-0x107 (DOORBELL0_CTRL_ENTRY_4 + "
                                    "S2A_DOORBELL_ENTRY_6_CTRL)"),
            std::string::npos)
      << f.dev->last_detail;
}

TEST(AmDoorbellRouting, Nbio43RangeReadsBackThroughTheRsmuPair) {
  Fixture f = brought_up("sim:gfx1100");
  const Status st = f.dev->setup_doorbell_routing();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(read_named(f, "NBIO.RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN") & 1u, 1u);
  // One range for both engines: dwords 0x200..0x207, AWID 0xe, AWADDR 0x3 (nbio_v4_3.c).
  const uint32_t want = s2a(0xe, 0x200, 8, 0x3);
  EXPECT_EQ(read_named(f, "NBIO.S2A_DOORBELL_ENTRY_2_CTRL"), want);
  // The register lies beyond BAR5: the simulator serves it through RSMU_INDEX/RSMU_DATA (NBIO
  // segment 1 + 0x0 / 0x1) with the byte address in the index.
  auto s2a_reg =
      resolve_register("NBIO.S2A_DOORBELL_ENTRY_2_CTRL", *f.dev->family(), f.dev->discovery());
  auto index = resolve_register("NBIO.BIF_BX_PF0_RSMU_INDEX", *f.dev->family(), f.dev->discovery());
  auto data = resolve_register("NBIO.BIF_BX_PF0_RSMU_DATA", *f.dev->family(), f.dev->discovery());
  ASSERT_TRUE(s2a_reg.ok() && index.ok() && data.ok());
  EXPECT_GT(s2a_reg->byte_offset(), sim::pci::kMmioBytes);
  ASSERT_TRUE(
      f.fn->mmio_write32(index->byte_offset(), static_cast<uint32_t>(s2a_reg->byte_offset())).ok());
  auto v = f.fn->mmio_read32(data->byte_offset());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, want);
  EXPECT_NE(f.dev->last_detail.find("NBIO 4.3.0"), std::string::npos) << f.dev->last_detail;
  EXPECT_NE(f.dev->last_detail.find("SDMA0-1 slots 0x100-0x103"), std::string::npos)
      << f.dev->last_detail;
}

TEST(AmDoorbellRouting, UnroutedFaultNamesRegisterExpectedAndReadValue) {
  struct Case {
    const char* spec;
    const char* reg;
    uint32_t expected;
  };
  for (const Case& c : {Case{"sim:gfx942,fault=doorbell-unrouted", "NBIO.DOORBELL0_CTRL_ENTRY_1",
                             0x200u | 4u << 10},
                        Case{"sim:gfx1100,fault=doorbell-unrouted",
                             "NBIO.S2A_DOORBELL_ENTRY_2_CTRL", s2a(0xe, 0x200, 8, 0x3)}}) {
    SCOPED_TRACE(c.spec);
    Fixture f = brought_up(c.spec);
    const Status st = f.dev->setup_doorbell_routing();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(st.message().find(c.reg), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(fmt_expected(c.expected)), std::string::npos) << st.message();
  }
}

TEST(AmDoorbellRouting, SdmaRingWithoutRoutingTimesOutAndTheSimulatorSaysWhy) {
  // The routing step fails (its SDMA range never latches), the aperture and the MEC range work:
  // compute runs, the SDMA ring is refused for its unrouted doorbell and its ring test times out.
  Fixture f = brought_up("sim:gfx942,fault=doorbell-unrouted", /*gmc=*/true);
  ASSERT_FALSE(f.dev->setup_doorbell_routing().ok());
  const Status compute = f.dev->setup_compute_queue();
  EXPECT_TRUE(compute.ok()) << compute.message();
  auto sdma = ring_test(*f.dev, QueueKind::kSdma, 0);
  ASSERT_FALSE(sdma.ok());
  EXPECT_EQ(sdma.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(sdma.status().message().find("ring test of SDMA0 GFX ring timed out"),
            std::string::npos)
      << sdma.status().message();
  EXPECT_NE(f.fn->last_queue_error().find(
                "sdma0.gfx: doorbell dword 0x200 is outside the NBIO doorbell range of SDMA0"),
            std::string::npos)
      << f.fn->last_queue_error();
  EXPECT_NE(f.fn->last_queue_error().find("DOORBELL0_CTRL_ENTRY_1 0x00000000"), std::string::npos)
      << f.fn->last_queue_error();
  // The ring test's doorbell write itself was dropped as unrouted.
  EXPECT_GE(f.fn->dropped_doorbells(), 1u);
  EXPECT_NE(f.fn->last_doorbell_error().find("doorbell slot 256 (dword 0x200) dropped"),
            std::string::npos)
      << f.fn->last_doorbell_error();
}

TEST(AmDoorbellRouting, FullBringupRoutesBeforeTheRings) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    SCOPED_TRACE(spec);
    auto port = make_sim_pci_port(spec);
    ASSERT_TRUE(port.ok());
    auto fns = (*port)->enumerate_display(0x1002);
    ASSERT_TRUE(fns.ok());
    BringupReport r = bringup(**port, fns->front().address, BringupOptions{});
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    const auto names = bringup_step_names();
    const auto at = [&](std::string_view n) { return std::find(names.begin(), names.end(), n); };
    EXPECT_LT(at("doorbell routing"), at("compute queue (MQD/HQD)"));
    EXPECT_LT(at("doorbell routing"), at("SDMA rings"));
    sim::pci::SimPciFunction& fn = sim_pci_system(**port)->function(0);
    EXPECT_EQ(fn.dropped_doorbells(), 0u);
    // Teardown closes the doorbell aperture again: a doorbell written afterwards is dropped.
    r.device.reset();
    EXPECT_FALSE(fn.ring_doorbell(0x100, 8));
    EXPECT_NE(fn.last_doorbell_error().find("the doorbell aperture is disabled"), std::string::npos)
        << fn.last_doorbell_error();
  }
}

}  // namespace
}  // namespace amdhal::am
