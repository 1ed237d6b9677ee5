// The simulated PCI function: config space, BARs, driver binding, MMIO register file and the IP
// discovery binary it leaves at VRAM end - 64 KiB.
#include <cstring>

#include <gtest/gtest.h>

#include "amdhal_sim_pci/discovery_image.h"
#include "amdhal_sim_pci/pci_function.h"

namespace amdhal::sim::pci {
namespace {

std::unique_ptr<SimPciSystem> make(std::string_view spec) {
  auto s = SimPciSystem::from_spec(spec);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

uint16_t sum16(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; ++i) s += p[i];
  return static_cast<uint16_t>(s);
}

TEST(SimPciFunction, ConfigSpaceHasRealIds) {
  auto sys = make("sim:gfx942");
  ASSERT_TRUE(sys);
  ASSERT_EQ(sys->function_count(), 1u);
  auto& f = sys->function(0);
  auto id = f.config_read32(0);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id & 0xffff, 0x1002u);
  EXPECT_EQ(*id >> 16, 0x74A0u);  // gfx942's first PCI id in the family registry
  auto cls = f.config_read32(8);
  ASSERT_TRUE(cls.ok());
  EXPECT_EQ(*cls >> 8, 0x030000u);
  EXPECT_FALSE(f.config_read32(2).ok());    // misaligned
  EXPECT_FALSE(f.config_read32(256).ok());  // past config space
}

TEST(SimPciFunction, BarSizingReadsBackTheSizeMask) {
  auto sys = make("sim:gfx1100,vram=64M");
  ASSERT_TRUE(sys);
  auto& f = sys->function(0);
  EXPECT_EQ(f.bar_size(kBarVram), 64ull << 20);
  EXPECT_EQ(f.bar_size(kBarMmio), kMmioBytes);
  const uint32_t saved = *f.config_read32(0x24);
  ASSERT_TRUE(f.config_write32(0x24, 0xffffffffu).ok());
  EXPECT_EQ(*f.config_read32(0x24), static_cast<uint32_t>(~(kMmioBytes - 1)));
  ASSERT_TRUE(f.config_write32(0x24, saved).ok());
  EXPECT_EQ(*f.config_read32(0x24), saved);
}

TEST(SimPciFunction, BindingOptionAndUnbind) {
  auto sys = make("sim:gfx1100,bound=amdgpu");
  ASSERT_TRUE(sys);
  EXPECT_EQ(sys->function(0).driver(), "amdgpu");
  ASSERT_TRUE(sys->function(0).unbind().ok());
  EXPECT_EQ(sys->function(0).driver(), "");
  auto unbound = make("sim:gfx1100");
  EXPECT_EQ(unbound->function(0).driver(), "");
}

TEST(SimPciFunction, MemsizeAndScratchRegisters) {
  auto sys = make("sim:gfx942,vram=256M");
  ASSERT_TRUE(sys);
  auto& f = sys->function(0);
  EXPECT_EQ(*f.mmio_read32(kRegRccConfigMemsize * 4), 256u);
  ASSERT_TRUE(f.mmio_write32(0x30100, 0xcafe).ok());  // any register keeps its value
  EXPECT_EQ(*f.mmio_read32(0x30100), 0xcafeu);
  EXPECT_FALSE(f.mmio_read32(kMmioBytes).ok());
}

TEST(SimPciFunction, IndirectVramAccessThroughMmIndex) {
  auto sys = make("sim:gfx942");
  auto& f = sys->function(0);
  const uint64_t pos = f.discovery_offset();
  ASSERT_TRUE(f.mmio_write32(kRegMmIndexHi * 4, static_cast<uint32_t>(pos >> 31)).ok());
  ASSERT_TRUE(
      f.mmio_write32(kRegMmIndex * 4, static_cast<uint32_t>(pos & 0x7fffffff) | 0x80000000u).ok());
  EXPECT_EQ(*f.mmio_read32(kRegMmData * 4), kBinarySignature);
}

TEST(SimPciFunction, DiscoveryBinaryHasValidHeadersAndChecksums) {
  auto sys = make("sim:gfx942");
  auto& f = sys->function(0);
  const uint8_t* b = f.device().physical().vram() + f.discovery_offset();
  uint32_t sig;
  std::memcpy(&sig, b, 4);
  EXPECT_EQ(sig, kBinarySignature);
  uint16_t checksum, size, toff, tsum, tsize;
  std::memcpy(&checksum, b + 8, 2);
  std::memcpy(&size, b + 10, 2);
  std::memcpy(&toff, b + 12, 2);
  std::memcpy(&tsum, b + 14, 2);
  EXPECT_EQ(sum16(b + 10, size - 10), checksum);
  std::memcpy(&sig, b + toff, 4);
  EXPECT_EQ(sig, kDiscoveryTableSignature);
  std::memcpy(&tsize, b + toff + 6, 2);
  EXPECT_EQ(sum16(b + toff, tsize), tsum);
  EXPECT_EQ(f.discovery_offset(), f.device().physical().vram_size() - (64u << 10));
}

TEST(SimPciFunction, FaultOptionCorruptsSignature) {
  auto sys = make("sim:gfx942,fault=discovery-signature");
  auto& f = sys->function(0);
  uint32_t sig;
  std::memcpy(&sig, f.device().physical().vram() + f.discovery_offset(), 4);
  EXPECT_EQ(sig, 0u);
  auto bad = SimPciSystem::from_spec("sim:gfx942,fault=nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("discovery-signature"), std::string::npos);
}

TEST(SimPciFunction, Gfx11GcvmInvalidateIsAcknowledgedAndCntlEnablesTranslation) {
  auto sys = make("sim:gfx1100");
  auto& f = sys->function(0);
  uint32_t gc0 = 0;
  for (const auto& b : sim_ip_blocks(f.family())) {
    if (b.hw_id == kHwIdGc) gc0 = b.bases[0];
  }
  auto wr = [&](uint32_t reg, uint32_t v) {
    ASSERT_TRUE(f.mmio_write32((gc0 + reg) * 4ull, v).ok());
  };
  wr(kGcvmInvalidateEng17Req, 0x5);
  EXPECT_EQ(*f.mmio_read32((gc0 + kGcvmInvalidateEng17Ack) * 4ull), 0x5u);
  // A one-level table (PTB only) at VRAM 0x10000 mapping VA page 0 to VRAM page 0x20.
  const uint64_t pte = (0x20ull << 12) | 1 | (1 << 5) | (1 << 6);
  std::memcpy(f.device().physical().vram() + 0x10000, &pte, 8);
  wr(kGcvmContext0BaseLo, 0x10000);
  wr(kGcvmContext0BaseHi, 0);
  wr(kGcvmContext0StartLo, 0);
  wr(kGcvmContext0StartHi, 0);
  wr(kGcvmContext0EndLo, 511);
  wr(kGcvmContext0EndHi, 0);
  wr(kGcvmContext0Cntl, 1);  // enable, depth 0 (one level)
  ASSERT_TRUE(f.device().vm(0).page_table_mode());
  VmFault fault;
  auto host = f.device().vm(0).translate(0x10, 4, Access::kRead, &fault);
  ASSERT_TRUE(host.ok()) << fault.to_string();
  EXPECT_EQ(*host, f.device().physical().vram() + 0x20010);
  wr(kGcvmContext0Cntl, 0);
  EXPECT_FALSE(f.device().vm(0).page_table_mode());
}

}  // namespace
}  // namespace amdhal::sim::pci
