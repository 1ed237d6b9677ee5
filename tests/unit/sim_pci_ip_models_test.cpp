// The simulated PCI function's GMC hub, IH, PSP and SMU models, driven register by register as a
// driver would, and the test firmware images the build generates.
#include <cstring>

#include <gtest/gtest.h>

#include "amdhal_sim_pci/discovery_image.h"
#include "amdhal_sim_pci/firmware_image.h"
#include "amdhal_sim_pci/pci_function.h"

namespace amdhal::sim::pci {
namespace {

std::unique_ptr<SimPciSystem> make(std::string_view spec) {
  auto s = SimPciSystem::from_spec(spec);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

uint32_t base_of(SimPciFunction& f, uint16_t hw_id) {
  for (const auto& b : sim_ip_blocks(f.family())) {
    if (b.hw_id == hw_id) return b.bases.at(0);
  }
  ADD_FAILURE() << "no IP " << hw_id;
  return 0;
}

struct Regs {
  SimPciFunction& f;
  void w(uint32_t dword, uint32_t v) { ASSERT_TRUE(f.mmio_write32(dword * 4ull, v).ok()); }
  uint32_t r(uint32_t dword) { return *f.mmio_read32(dword * 4ull); }
};

TEST(SimPciHubs, MmhubContextOnGfx942DrivesVmid0AndAcknowledgesFlushes) {
  auto sys = make("sim:gfx942");
  auto& f = sys->function(0);
  Regs g{f};
  const uint32_t mm = base_of(f, kHwIdMmhub);
  // mmhub_1_8_0_offset.h: CONTEXT0_CNTL 0xba0, BASE 0xc0b/0xc0c, START 0xc2b/c, END 0xc4b/c,
  // INVALIDATE_ENG17_REQ 0xbd4 / ACK 0xbe6, FB_LOCATION_TOP 0xc9d.
  EXPECT_EQ(g.r(mm + 0xc9d), static_cast<uint32_t>(((512ull << 20) - 1) >> 24));
  const uint64_t pte = (0x40ull << 12) | 1 | (1 << 5) | (1 << 6);
  std::memcpy(f.device().physical().vram() + 0x20000, &pte, 8);
  g.w(mm + 0xc0b, 0x20000);
  g.w(mm + 0xc0c, 0);
  g.w(mm + 0xc2b, 0);
  g.w(mm + 0xc2c, 0);
  g.w(mm + 0xc4b, 511);
  g.w(mm + 0xc4c, 0);
  g.w(mm + 0xba0, 1);
  const HubState mmhub = f.hub_state(1);
  EXPECT_TRUE(mmhub.context0_enabled);
  EXPECT_EQ(mmhub.root, 0x20000u);
  EXPECT_EQ(mmhub.va_end, 512u * 4096u);
  EXPECT_FALSE(f.hub_state(0).context0_enabled);
  VmFault fault;
  auto host = f.device().vm(0).translate(0x24, 4, Access::kRead, &fault);
  ASSERT_TRUE(host.ok()) << fault.to_string();
  EXPECT_EQ(*host, f.device().physical().vram() + 0x40024);
  g.w(mm + 0xbd4, 0x1);
  EXPECT_EQ(g.r(mm + 0xbe6), 0x1u);
  EXPECT_EQ(f.hub_state(1).invalidations, 1u);
  g.w(mm + 0xba0, 0);
  EXPECT_FALSE(f.device().vm(0).page_table_mode());
  // gmc-noack: the request is never acknowledged.
  f.set_fault(PciFault::kGmcNoAck);
  g.w(mm + 0xbe6, 0);
  g.w(mm + 0xbd4, 0x1);
  EXPECT_EQ(g.r(mm + 0xbe6), 0u);
}

TEST(SimPciIh, InterruptsBecomeIvEntriesUntilTheRingIsFull) {
  auto sys = make("sim:gfx1100");
  auto& f = sys->function(0);
  Regs g{f};
  const uint32_t oss = base_of(f, kHwIdOsssys);
  // A 64-byte ring (RB_SIZE = log2(16 dwords) = 4) at VRAM 0x8000, write-back at 0x9000.
  g.w(oss + 0x81, 0x8000 >> 8);
  g.w(oss + 0x82, 0);
  g.w(oss + 0x86, 0x9000);
  g.w(oss + 0x85, 0);
  g.w(oss + 0x83, 0);
  g.w(oss + 0x84, 0);
  g.w(oss + 0x80, 1u | (4u << 1) | (1u << 8) | (1u << 17));
  ASSERT_TRUE(f.ih_state().enabled);
  Interrupt irq;
  irq.source = Interrupt::Source::kEndOfPipe;
  irq.queue_id = 2;
  irq.context_id = 0xabc;
  f.device().raise_interrupt(irq);
  EXPECT_EQ(g.r(oss + 0x84), 32u);
  uint32_t e[8];
  std::memcpy(e, f.device().physical().vram() + 0x8000, 32);
  EXPECT_EQ(e[0] & 0xff, iv::kClientGrbmCp);
  EXPECT_EQ((e[0] >> 8) & 0xff, iv::kSrcCpEop);
  EXPECT_EQ((e[0] >> 16) & 0xff, 2u);
  EXPECT_EQ(e[4], 0xabcu);
  uint32_t wb = 0;
  std::memcpy(&wb, f.device().physical().vram() + 0x9000, 4);
  EXPECT_EQ(wb, 32u);
  // Two entries fit a 64-byte ring only if one was consumed: the second overflows.
  f.device().raise_interrupt(irq);
  EXPECT_EQ(g.r(oss + 0x84) & 1u, 1u);  // RB_OVERFLOW
  EXPECT_EQ(f.ih_state().dropped, 1u);
  g.w(oss + 0x83, 32);                                                    // consume the first
  g.w(oss + 0x80, 1u | (4u << 1) | (1u << 8) | (1u << 17) | (1u << 31));  // clear overflow
  f.device().raise_interrupt(irq);
  EXPECT_EQ(g.r(oss + 0x84), 0u);  // wrapped to 0, no overflow
  EXPECT_EQ(f.ih_state().written, 2u);
}

TEST(SimPciIh, IhStuckFaultKeepsTheRingDisabled) {
  auto sys = make("sim:gfx942,fault=ih-stuck");
  auto& f = sys->function(0);
  Regs g{f};
  const uint32_t oss = base_of(f, kHwIdOsssys);
  g.w(oss + 0x80, 1u | (10u << 1) | (1u << 17));
  EXPECT_EQ(g.r(oss + 0x80) & 1u, 0u);
  f.device().raise_interrupt(Interrupt{});
  EXPECT_EQ(f.ih_state().written, 0u);
  EXPECT_EQ(f.ih_state().dropped, 1u);
}

TEST(SimPciPsp, BootloaderRingAndLoadIpFwCheckThePayload) {
  auto sys = make("sim:gfx942");
  auto& f = sys->function(0);
  Regs g{f};
  const uint32_t mp0 = base_of(f, kHwIdMp0);
  auto c = [&](uint32_t n) { return mp0 + 0x40 + n; };
  uint8_t* vram = f.device().physical().vram();
  EXPECT_EQ(g.r(c(35)), 0x80000000u);  // bootloader ready
  EXPECT_EQ(g.r(c(81)), 0u);           // no sOS yet
  const auto images = fw::test_images("gfx942");
  const auto sos_file = fw::build_test_image(images[0]);
  fw::CommonHeader h;
  std::memcpy(&h, sos_file.data(), sizeof h);
  fw::PspFwBinDesc d[2];
  std::memcpy(d, sos_file.data() + 36, sizeof d);
  const uint8_t* ucode = sos_file.data() + h.ucode_array_offset_bytes;
  // SOS before SYS_DRV is refused; then SYS_DRV, SOS at 1 MiB.
  std::memcpy(vram + (1u << 20), ucode + d[1].offset_bytes, d[1].size_bytes);
  g.w(c(36), 1);
  g.w(c(35), 0x20000);
  EXPECT_FALSE(f.psp_state().sos_alive);
  std::memcpy(vram + (1u << 20), ucode + d[0].offset_bytes, d[0].size_bytes);
  g.w(c(35), 0x10000);
  EXPECT_TRUE(f.psp_state().sys_drv_loaded);
  std::memcpy(vram + (1u << 20), ucode + d[1].offset_bytes, d[1].size_bytes);
  g.w(c(35), 0x20000);
  EXPECT_TRUE(f.psp_state().sos_alive);
  EXPECT_NE(g.r(c(81)), 0u);
  EXPECT_EQ(g.r(c(64)), 0x80000000u);
  // KM ring at 0x10000 (4 KiB).
  g.w(c(69), 0x10000);
  g.w(c(70), 0);
  g.w(c(71), 0x1000);
  g.w(c(64), 2u << 16);
  EXPECT_EQ(g.r(c(64)), 0x80000000u);
  ASSERT_TRUE(f.psp_state().ring_created);
  // LOAD_IP_FW of the MEC payload at 2 MiB: once with the wrong type, once right.
  const auto mec_file = fw::build_test_image(images[1]);
  fw::CommonHeader mh;
  std::memcpy(&mh, mec_file.data(), sizeof mh);
  std::memcpy(vram + (2u << 20), mec_file.data() + mh.ucode_array_offset_bytes,
              mh.ucode_size_bytes);
  auto submit = [&](uint32_t wptr, uint32_t type, uint32_t fence) {
    uint32_t cmd[256] = {};
    cmd[0] = 1024;
    cmd[1] = 1;
    cmd[2] = 6;  // GFX_CMD_ID_LOAD_IP_FW
    cmd[7] = 2u << 20;
    cmd[9] = mh.ucode_size_bytes;
    cmd[10] = type;
    std::memcpy(vram + 0x20000, cmd, sizeof cmd);
    uint32_t frame[16] = {};
    frame[0] = 0x20000;
    frame[2] = 1024;
    frame[3] = 0x21000;
    frame[5] = fence;
    std::memcpy(vram + 0x10000 + (wptr - 16) * 4, frame, sizeof frame);
    g.w(c(67), wptr);
    uint32_t seen = 0, status = 0;
    std::memcpy(&seen, vram + 0x21000, 4);
    EXPECT_EQ(seen, fence);
    std::memcpy(&status, vram + 0x20000 + 864, 4);
    return status;
  };
  EXPECT_EQ(submit(16, 9 /* SDMA0 */, 1), static_cast<uint32_t>(fw::PayloadCheck::kWrongType));
  EXPECT_EQ(submit(32, 4 /* CP_MEC */, 2), 0u);
  EXPECT_TRUE(f.psp_state().loaded(4));
  EXPECT_FALSE(f.psp_state().loaded(9));
  EXPECT_EQ(f.psp_state().commands, 2u);
  g.w(c(64), 0x30000);  // destroy
  EXPECT_FALSE(f.psp_state().ring_created);
}

TEST(SimPciPsp, PspTimeoutKeepsTheBootloaderBusy) {
  auto sys = make("sim:gfx1100,fault=psp-timeout");
  auto& f = sys->function(0);
  EXPECT_EQ(*f.mmio_read32((base_of(f, kHwIdMp0) + 0x40 + 35) * 4ull), 0u);
}

TEST(SimPciSmu, MailboxAnswersTheHandshakeMessages) {
  auto sys = make("sim:gfx942");
  auto& f = sys->function(0);
  Regs g{f};
  const uint32_t mp1 = base_of(f, kHwIdMp1);
  auto send = [&](uint32_t msg, uint32_t arg) {
    g.w(mp1 + 0x240 + 90, 0);
    g.w(mp1 + 0x240 + 82, arg);
    g.w(mp1 + 0x240 + 66, msg);
    return std::pair{g.r(mp1 + 0x240 + 90), g.r(mp1 + 0x240 + 82)};
  };
  EXPECT_EQ(send(1, 41), (std::pair{1u, 42u}));
  EXPECT_EQ(send(2, 0), (std::pair{1u, f.smu_state().smu_version}));
  EXPECT_EQ(send(4, 0), (std::pair{1u, 0x08042024u}));  // GetDriverIfVersion on SMU 13.0.6
  EXPECT_EQ(send(0x77, 0).first, 0xfeu);                // unknown message
  f.set_fault(PciFault::kSmuNoResponse);
  EXPECT_EQ(send(1, 0).first, 0u);
}

TEST(SimPciFaults, NamesParseAndRoundTrip) {
  for (const char* name :
       {"gmc-noack", "ih-stuck", "psp-timeout", "psp-reject", "smu-noresponse"}) {
    auto f = parse_pci_fault(name);
    ASSERT_TRUE(f.ok()) << name;
    EXPECT_EQ(pci_fault_name(*f), name);
  }
  auto bad = parse_pci_fault("psp-explode");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("smu-noresponse"), std::string::npos);
}

TEST(SimPciFirmware, TestImagesHaveValidHeadersAndPayloads) {
  for (const auto& target : fw::test_firmware_targets()) {
    for (const auto& img : fw::test_images(target)) {
      const auto b = fw::build_test_image(img);
      fw::CommonHeader h;
      std::memcpy(&h, b.data(), sizeof h);
      EXPECT_EQ(h.size_bytes, b.size()) << img.file;
      EXPECT_EQ(h.header_version_major, img.header_major);
      EXPECT_EQ(h.ip_version_major, img.ip_major);
      EXPECT_EQ(h.crc32, fw::crc32(b.data() + h.ucode_array_offset_bytes, h.ucode_size_bytes));
      if (!img.psp_sos) {
        EXPECT_EQ(fw::check_payload(b.data() + h.ucode_array_offset_bytes, h.ucode_size_bytes,
                                    img.fw_type, img.ip_major, img.ip_minor, h.ucode_size_bytes),
                  fw::PayloadCheck::kOk)
            << img.file;
      }
    }
  }
  EXPECT_EQ(fw::crc32(reinterpret_cast<const uint8_t*>("123456789"), 9), 0xCBF43926u);
  EXPECT_TRUE(fw::test_images("gfx90a").empty());
}

}  // namespace
}  // namespace amdhal::sim::pci
