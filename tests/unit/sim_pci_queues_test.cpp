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
