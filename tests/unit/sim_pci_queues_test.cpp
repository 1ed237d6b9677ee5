// The simulated PCI function's queue registers on their own (sim/pci/src/queues.*): what HQD and
// SDMA ring register writes turn into in the simulator core, without the backend.
#include <gtest/gtest.h>

#include "amdhal_sim_pci/discovery_image.h"
#include "amdhal_sim_pci/pci_function.h"

namespace amdhal::sim::pci {
namespace {

struct Regs {
  uint32_t gc0 = 0, gc1 = 0;
};

Regs gc_bases(const GpuFamily& f) {
  Regs r;
  for (const auto& b : sim_ip_blocks(f)) {
    if (b.hw_id == kHwIdGc) {
      r.gc0 = b.bases.at(0);
      r.gc1 = b.bases.at(1);
    }
  }
  return r;
}

void write(SimPciFunction& fn, uint32_t dword, uint32_t value) {
  ASSERT_TRUE(fn.mmio_write32(uint64_t{dword} * 4, value).ok());
}

uint32_t read(SimPciFunction& fn, uint32_t dword) {
  auto v = fn.mmio_read32(uint64_t{dword} * 4);
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : 0;
}

/// NBIO 4.3 (gfx1100): S2A_DOORBELL_ENTRY_2_CTRL at NBIO segment 3 + 0x4f7642 (beyond BAR5,
/// through RSMU_INDEX/RSMU_DATA at segment 1 + 0x0/0x1) routes SDMA doorbell dwords
/// [first, first + size): PORT2_ENABLE bit 0, RANGE_OFFSET 16:7, RANGE_SIZE 24:17
/// (nbio_4_3_0_offset.h / nbio_4_3_0_sh_mask.h).
void route_sdma_nbio43(SimPciFunction& fn, uint32_t first, uint32_t size) {
  for (const auto& b : sim_ip_blocks(fn.family())) {
    if (b.hw_id != kHwIdNbif) continue;
    write(fn, b.bases.at(1) + 0x0, (b.bases.at(3) + 0x4f7642) * 4);
    write(fn, b.bases.at(1) + 0x1, 1u | (first << 7) | (size << 17));
  }
}

// gfx1100: SDMA0 QUEUE0 registers inside GC segment 0 at 0x80 (gc_11_0_0_offset.h).
constexpr uint32_t kRbCntl = 0x80, kRbBase = 0x81, kRbBaseHi = 0x82, kRbRptr = 0x83;
constexpr uint32_t kDoorbell = 0x92, kDoorbellOffset = 0xab;

TEST(SimPciQueues, SdmaRingEnableStartsACoreQueueAndDisableStopsIt) {
  auto sys = SimPciSystem::from_spec("sim:gfx1100");
  ASSERT_TRUE(sys.ok()) << sys.status().message();
  SimPciFunction& fn = (*sys)->function(0);
  Device& dev = fn.device();
  // The ring and its read pointer must be reachable in VMID 0: map 64 KiB of VRAM 1:1 there.
  ASSERT_TRUE(
      dev.vm(0).map(0x100000, dev.physical().vram_at(0x100000, 65536), 65536, kMapReadWrite).ok());
  const Regs g = gc_bases(dev.family());
  write(fn, g.gc0 + kRbBase, 0x100000 >> 8);
  write(fn, g.gc0 + kRbBaseHi, 0);
  write(fn, g.gc0 + kDoorbellOffset, (0x100u * 2) << 2);
  // RB_ENABLE with the doorbell still disabled: refused, with the reason.
  write(fn, g.gc0 + kRbCntl, (10u << 1) | 1u);  // 1024 dwords
  EXPECT_EQ(dev.all_queues().size(), 0u);
  EXPECT_NE(fn.last_queue_error().find("SDMA_GFX_DOORBELL 0x00000000 has ENABLE clear"),
            std::string::npos)
      << fn.last_queue_error();
  write(fn, g.gc0 + kRbCntl, 10u << 1);
  write(fn, g.gc0 + kDoorbell, 1u << 28);
  // Doorbell enabled, but NBIO routes no SDMA doorbell yet: refused, naming the range register.
  write(fn, g.gc0 + kRbCntl, (10u << 1) | 1u);
  EXPECT_EQ(dev.all_queues().size(), 0u);
  EXPECT_NE(fn.last_queue_error().find("sdma0.gfx: doorbell dword 0x200 is outside the NBIO SDMA "
                                       "doorbell range (S2A_DOORBELL_ENTRY_2_CTRL 0x00000000"),
            std::string::npos)
      << fn.last_queue_error();
  write(fn, g.gc0 + kRbCntl, 10u << 1);
  route_sdma_nbio43(fn, 0x200, 8);
  write(fn, g.gc0 + kRbCntl, (10u << 1) | 1u);
  ASSERT_EQ(dev.all_queues().size(), 1u) << fn.last_queue_error();
  EXPECT_EQ(dev.all_queues()[0].name, "sdma0.gfx");
  EXPECT_EQ(dev.all_queues()[0].type, QueueType::kSdma);
  EXPECT_EQ(read(fn, g.gc0 + kRbRptr), 0u);
  // The second engine's registers are 0x600 further (sdma_v6_0.c SDMA1_REG_OFFSET): untouched.
  EXPECT_EQ(read(fn, g.gc0 + 0x600 + kRbCntl), 0u);
  write(fn, g.gc0 + kRbCntl, 10u << 1);
  EXPECT_EQ(dev.all_queues().size(), 0u);
}

TEST(SimPciQueues, HqdRegistersAreSelectedPerQueueThroughGrbmGfxCntl) {
  auto sys = SimPciSystem::from_spec("sim:gfx1100");
  ASSERT_TRUE(sys.ok());
  SimPciFunction& fn = (*sys)->function(0);
  const Regs g = gc_bases(fn.device().family());
  const uint32_t grbm = g.gc1 + 0x0900, hqd_pq_base = g.gc0 + 0x1fb1;
  write(fn, grbm, (1u << 2) | 0u | (3u << 8));  // me1 pipe0 queue3
  write(fn, hqd_pq_base, 0x1234);
  write(fn, grbm, (1u << 2) | 1u | (3u << 8));  // me1 pipe1 queue3
  EXPECT_EQ(read(fn, hqd_pq_base), 0u);
  write(fn, grbm, (1u << 2) | 0u | (3u << 8));
  EXPECT_EQ(read(fn, hqd_pq_base), 0x1234u);
  // Activating with no doorbell enabled is refused and says why.
  write(fn, g.gc0 + 0x1fab, 1);
  EXPECT_EQ(read(fn, g.gc0 + 0x1fab), 0u);
  EXPECT_NE(fn.last_queue_error().find("hqd.me1.pipe0.q3"), std::string::npos)
      << fn.last_queue_error();
  EXPECT_NE(fn.last_queue_error().find("DOORBELL_EN clear"), std::string::npos);
}

TEST(SimPciQueues, DoorbellWritesNeedTheApertureAndARoutedRange) {
  auto sys = SimPciSystem::from_spec("sim:gfx1100");
  ASSERT_TRUE(sys.ok());
  SimPciFunction& fn = (*sys)->function(0);
  uint32_t nbio_seg2 = 0;
  for (const auto& b : sim_ip_blocks(fn.family())) {
    if (b.hw_id == kHwIdNbif) nbio_seg2 = b.bases.at(2);
  }
  // Aperture closed (RCC_DEV0_EPF0_RCC_DOORBELL_APER_EN, NBIO segment 2 + 0xc0, resets to 0).
  EXPECT_FALSE(fn.ring_doorbell(0x100, 8));
  EXPECT_NE(fn.last_doorbell_error().find("doorbell slot 256 dropped: the doorbell aperture is "
                                          "disabled"),
            std::string::npos)
      << fn.last_doorbell_error();
  write(fn, nbio_seg2 + 0xc0, 1);
  EXPECT_EQ(read(fn, nbio_seg2 + 0xc0), 1u);
  // Open, but slot 0x100 (dword 0x200) is in no range yet.
  EXPECT_FALSE(fn.ring_doorbell(0x100, 8));
  EXPECT_NE(fn.last_doorbell_error().find("(dword 0x200) dropped"), std::string::npos)
      << fn.last_doorbell_error();
  route_sdma_nbio43(fn, 0x200, 8);
  EXPECT_TRUE(fn.ring_doorbell(0x100, 8));
  EXPECT_TRUE(fn.ring_doorbell(0x103, 8));
  EXPECT_FALSE(fn.ring_doorbell(0x104, 8));  // one past the 8-dword range
  EXPECT_EQ(fn.dropped_doorbells(), 3u);
}

TEST(SimPciQueues, DoorbellUnroutedFaultIsKnownByName) {
  auto f = parse_pci_fault("doorbell-unrouted");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, PciFault::kDoorbellUnrouted);
  EXPECT_EQ(pci_fault_name(*f), "doorbell-unrouted");
  auto bad = parse_pci_fault("doorbell-unroute");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("doorbell-unrouted"), std::string::npos);
}

TEST(SimPciQueues, RingTimeoutFaultIsKnownByName) {
  auto f = parse_pci_fault("ring-timeout");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, PciFault::kRingTimeout);
  auto bad = parse_pci_fault("ring-timeot");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ring-timeout"), std::string::npos);
}

}  // namespace
}  // namespace amdhal::sim::pci
