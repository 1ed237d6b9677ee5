// Bring-up of the bare-metal backend on the simulated PCI function: discovery parse, the named
// errors for a corrupted table and a bound device, --force-unbind, register round trips.
#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>

#include "am_sim_fixture.h"
#include "amdhal_sim_pci/pci_function.h"
#include "bringup.h"
#include "discovery.h"
#include "registers.h"
#include "sim_pci_port.h"

namespace amdhal::am {
namespace {

using Fixture = testing::SimAm;

Fixture open(std::string_view spec) {
  Fixture f = testing::open_sim_am(spec);
  EXPECT_EQ(f.functions, 1u);
  return f;
}

std::string to_hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

const BringupStep& step(const BringupReport& r, std::string_view name) {
  for (const auto& s : r.steps) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no step " << name;
  return r.steps.front();
}

TEST(AmDiscovery, ParsesTheSimulatedBinary) {
  auto f = open("sim:gfx942");
  auto* sys = sim_pci_system(*f.port);
  ASSERT_NE(sys, nullptr);
  auto& fn = sys->function(0);
  std::span<const uint8_t> bin(fn.device().physical().vram() + fn.discovery_offset(),
                               kDiscoveryReadSize);
  auto t = parse_discovery(bin);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->table_version, 3);
  EXPECT_EQ(t->num_dies, 1);
  const IpBlock* gc = t->find(hwid::kGc);
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->version(), "9.4.3");
  EXPECT_EQ(gc->bases.size(), 4u);
  ASSERT_NE(t->find(hwid::kSdma0), nullptr);
  ASSERT_NE(t->find(hwid::kSdma1), nullptr);
  ASSERT_NE(t->find(hwid::kMp0), nullptr);
  ASSERT_NE(t->find(hwid::kOsssys), nullptr);
  ASSERT_NE(t->find(hwid::kNbif), nullptr);
  EXPECT_EQ(t->find(hwid::kSdma0)->version(), "4.4.2");
}

TEST(AmDiscovery, RejectsCorruptedTables) {
  auto f = open("sim:gfx1100");
  auto& fn = sim_pci_system(*f.port)->function(0);
  const uint8_t* src = fn.device().physical().vram() + fn.discovery_offset();
  std::vector<uint8_t> bin(src, src + kDiscoveryReadSize);
  ASSERT_TRUE(parse_discovery(bin).ok());

  auto sig = bin;
  sig[0] ^= 0xff;
  auto r = parse_discovery(sig);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("bad binary signature"), std::string::npos);

  auto sum = bin;
  sum[200] ^= 0x01;  // inside the IP table
  r = parse_discovery(sum);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos);

  r = parse_discovery(std::span<const uint8_t>(bin.data(), 20));
  ASSERT_FALSE(r.ok());
}

TEST(AmBringup, RunsTheStepsInOrderUpToSmu) {
  auto f = open("sim:gfx942");
  BringupOptions opt;
  opt.stop_after = "SMU handshake";
  BringupReport r = bringup(*f.port, f.address, opt);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  for (const char* name :
       {"identify", "driver binding", "map BARs", "VRAM size", "IP discovery",
        "GMC (GART and GPUVM page tables)", "IH ring", "PSP firmware load", "SMU handshake"}) {
    EXPECT_EQ(step(r, name).state, BringupStep::State::kOk) << name << ": " << step(r, name).detail;
  }
  EXPECT_EQ(step(r, "SDMA rings").state, BringupStep::State::kNotRun);
  ASSERT_TRUE(r.device);
  EXPECT_EQ(r.device->vram_bytes(), 512ull << 20);
  EXPECT_EQ(std::string(r.device->family()->name), "gfx942");
  EXPECT_EQ(r.steps.size(), bringup_step_names().size());
}

TEST(AmBringup, MissingDiscoverySignatureIsTheNamedError) {
  auto f = open("sim:gfx942,fault=discovery-signature");
  BringupReport r = bringup(*f.port, f.address, {});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(step(r, "IP discovery").state, BringupStep::State::kFailed);
  EXPECT_NE(r.status.message().find("IP discovery"), std::string::npos);
  EXPECT_NE(r.status.message().find("bad binary signature 0x00000000"), std::string::npos);
}

TEST(AmBringup, ZeroMemsizeNamesTheRegister) {
  auto f = open("sim:gfx1100,fault=memsize-zero");
  BringupReport r = bringup(*f.port, f.address, {});
  EXPECT_EQ(step(r, "VRAM size").state, BringupStep::State::kFailed);
  EXPECT_NE(r.status.message().find("RCC_CONFIG_MEMSIZE"), std::string::npos);
  EXPECT_NE(r.status.message().find("read 0x00000000"), std::string::npos);
}

TEST(AmBringup, BoundDeviceIsRefusedWithTheDriverNamed) {
  auto f = open("sim:gfx1100,bound=amdgpu");
  BringupReport r = bringup(*f.port, f.address, {});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status.message().find("'amdgpu'"), std::string::npos);
  EXPECT_NE(r.status.message().find("/sys/bus/pci/drivers/amdgpu/unbind"), std::string::npos);
  EXPECT_NE(r.status.message().find("--force-unbind"), std::string::npos);
  EXPECT_EQ(step(r, "map BARs").state, BringupStep::State::kNotRun);  // nothing touched
  EXPECT_EQ(sim_pci_system(*f.port)->function(0).driver(), "amdgpu");
}

TEST(AmBringup, ForceUnbindUnbindsAndContinues) {
  auto f = open("sim:gfx1100,bound=amdgpu");
  BringupOptions opt;
  opt.force_unbind = true;
  BringupReport r = bringup(*f.port, f.address, opt);
  EXPECT_EQ(step(r, "driver binding").state, BringupStep::State::kOk);
  EXPECT_NE(step(r, "driver binding").detail.find("unbound kernel driver 'amdgpu'"),
            std::string::npos);
  EXPECT_EQ(step(r, "IP discovery").state, BringupStep::State::kOk);
  EXPECT_EQ(sim_pci_system(*f.port)->function(0).driver(), "");
}

/// Walks the backend's VMID 0 tables with the simulator's GFX9 page-table walker.
void expect_tables_walk(sim::pci::SimPciSystem& sys, const AmDevice& dev) {
  auto& sim_dev = sys.function(0).device();
  const Vmid0Tables& t = dev.vmid0_tables();
  ASSERT_NE(t.table_count, 0u);
  sim::AddressSpace& vm = sim_dev.vm(0);
  sim::PageTableConfig cfg;
  cfg.root_address = t.root;
  cfg.levels = t.levels;
  cfg.va_start = t.va_start;
  cfg.va_end = t.va_end;
  ASSERT_TRUE(vm.set_page_table(cfg).ok());
  for (uint64_t va : {uint64_t{0}, uint64_t{0x1234}, uint64_t{(3u << 20) + 8}, t.va_end - 4}) {
    sim::VmFault fault;
    auto host = vm.translate(va, 4, sim::Access::kWrite, &fault);
    ASSERT_TRUE(host.ok()) << fault.to_string();
    EXPECT_EQ(*host, sim_dev.physical().vram() + va);
  }
  sim::VmFault fault;
  EXPECT_FALSE(vm.translate(t.va_end, 4, sim::Access::kRead, &fault).ok());
}

TEST(AmBringup, SmallBarReadsDiscoveryThroughMmIndex) {
  // A port whose BAR0 is smaller than VRAM: discovery must go through MM_INDEX/MM_DATA.
  class SmallBarPort : public PciPort {
   public:
    explicit SmallBarPort(std::unique_ptr<PciPort> inner) : inner_(std::move(inner)) {}
    std::string_view name() const override { return "small-bar"; }
    bool is_real_hardware() const override { return false; }
    Expected<std::vector<PciFunction>> enumerate_display(uint16_t v) override {
      auto fns = inner_->enumerate_display(v);
      if (fns.ok()) {
        for (auto& fn : *fns) fn.bars[0].size = 256ull << 20;  // 256 MiB window of 512 MiB
      }
      return fns;
    }
    Expected<uint32_t> config_read32(const PciAddress& a, uint32_t o) override {
      return inner_->config_read32(a, o);
    }
    Status config_write32(const PciAddress& a, uint32_t o, uint32_t v) override {
      return inner_->config_write32(a, o, v);
    }
    Expected<void*> map_bar(const PciAddress& a, int b, uint64_t o, uint64_t s, bool w) override {
      return inner_->map_bar(a, b, o, s, w);
    }
    Status unmap_bar(const PciAddress& a, void* m, uint64_t s) override {
      return inner_->unmap_bar(a, m, s);
    }
    Status unbind_driver(const PciAddress& a) override { return inner_->unbind_driver(a); }
    Expected<uint32_t> reg_read32(const PciAddress& a, int b, void* m, uint64_t o) override {
      return inner_->reg_read32(a, b, m, o);
    }
    Status reg_write32(const PciAddress& a, int b, void* m, uint64_t o, uint32_t v) override {
      return inner_->reg_write32(a, b, m, o, v);
    }

   private:
    std::unique_ptr<PciPort> inner_;
  };
  auto f = open("sim:gfx942");
  sim::pci::SimPciSystem* sys = sim_pci_system(*f.port);
  SmallBarPort port(std::move(f.port));
  BringupOptions opt;
  opt.stop_after = "GMC (GART and GPUVM page tables)";
  BringupReport r = bringup(port, f.address, opt);
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(step(r, "VRAM size").state, BringupStep::State::kOk);
  EXPECT_NE(step(r, "VRAM size").detail.find("partly reachable"), std::string::npos);
  EXPECT_EQ(step(r, "IP discovery").state, BringupStep::State::kOk)
      << step(r, "IP discovery").detail;
  // The page-table pool lies beyond the 256 MiB window: written through MM_INDEX/MM_DATA.
  ASSERT_TRUE(r.device);
  expect_tables_walk(*sys, *r.device);
}

TEST(AmGmc, Vmid0TablesWalkOnTheSimulator) {
  auto f = open("sim:gfx942");
  BringupOptions opt;
  opt.stop_after = "GMC (GART and GPUVM page tables)";
  BringupReport r = bringup(*f.port, f.address, opt);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  const auto& gmc = step(r, "GMC (GART and GPUVM page tables)");
  EXPECT_NE(gmc.detail.find("page tables written"), std::string::npos);
  EXPECT_NE(gmc.detail.find("GC 9.4.3"), std::string::npos);
  ASSERT_TRUE(r.device);
  EXPECT_TRUE(r.device->gfxhub_programmed());
  EXPECT_TRUE(r.device->mmhub_programmed());
  expect_tables_walk(*sim_pci_system(*f.port), *r.device);
}

TEST(AmGmc, Gfx90aHasNoHubRegistersYet) {
  auto f = open("sim:gfx90a");
  BringupReport r = bringup(*f.port, f.address, {});
  const auto& gmc = step(r, "GMC (GART and GPUVM page tables)");
  EXPECT_EQ(gmc.state, BringupStep::State::kFailed);
  EXPECT_NE(gmc.detail.find("not implemented yet"), std::string::npos);
  EXPECT_NE(gmc.detail.find("GC 9.4.2"), std::string::npos);
  ASSERT_TRUE(r.device);
  EXPECT_FALSE(r.device->gfxhub_programmed());
}

TEST(AmGmc, Gfx11ProgramsBothHubsAndTheSimulatorTranslatesThroughThem) {
  auto f = open("sim:gfx1100");
  BringupOptions opt;
  opt.stop_after = "GMC (GART and GPUVM page tables)";
  BringupReport r = bringup(*f.port, f.address, opt);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  const auto& gmc = step(r, "GMC (GART and GPUVM page tables)");
  EXPECT_NE(gmc.detail.find("TLB flush acknowledged on both hubs"), std::string::npos);
  ASSERT_TRUE(r.device);
  EXPECT_TRUE(r.device->gfxhub_programmed());
  EXPECT_TRUE(r.device->mmhub_programmed());
  // The hub registers alone switched the simulator's VMID 0 to the backend's tables.
  auto& sim_dev = sim_pci_system(*f.port)->function(0).device();
  sim::AddressSpace& vm = sim_dev.vm(0);
  ASSERT_TRUE(vm.page_table_mode());
  EXPECT_EQ(vm.page_table().root_address, r.device->vmid0_tables().root);
  EXPECT_EQ(vm.page_table().levels, 4u);
  EXPECT_EQ(vm.page_table().va_end, kGartVaBase + kGartBytes);  // VRAM and the GART
  EXPECT_GE(vm.tlb_stats().flushes, 1u);
  sim::VmFault fault;
  auto host = vm.translate(0x123458, 4, sim::Access::kRead, &fault);
  ASSERT_TRUE(host.ok()) << fault.to_string();
  EXPECT_EQ(*host, sim_dev.physical().vram() + 0x123458);
  // A second run starts from this state and gets as far again.
  BringupReport again = bringup(*f.port, f.address, opt);
  EXPECT_EQ(step(again, "GMC (GART and GPUVM page tables)").detail, gmc.detail);
}

TEST(AmRegisters, ReadWriteRoundTripOnTheSimulatedFunction) {
  auto f = open("sim:gfx942");
  BringupOptions opt;
  opt.stop_after = "IP discovery";
  BringupReport r = bringup(*f.port, f.address, opt);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  AmDevice& dev = *r.device;
  auto reg = resolve_register("GC.SCRATCH_REG0", *dev.family(), dev.discovery());
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  EXPECT_EQ(reg->name, "GC.SCRATCH_REG0");
  const IpBlock* gc = dev.discovery().find(hwid::kGc);
  EXPECT_EQ(reg->dword, gc->bases[1] + 0x2040);
  ASSERT_TRUE(dev.write_reg(reg->dword, 0xdeadbeef).ok());
  EXPECT_EQ(*dev.read_reg(reg->dword), 0xdeadbeefu);
  // The same register by byte offset.
  auto raw = resolve_register("0x" + to_hex(reg->byte_offset()), *dev.family(), dev.discovery());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*dev.read_reg(raw->dword), 0xdeadbeefu);
  // Names resolve per instance; a missing instance is named.
  auto missing = resolve_register("GC#1.SCRATCH_REG0", *dev.family(), dev.discovery());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("instance 1"), std::string::npos);
  EXPECT_FALSE(resolve_register("NOPE", *dev.family(), dev.discovery()).ok());
  EXPECT_FALSE(resolve_register("0x3", *dev.family(), dev.discovery()).ok());
  auto memsize = resolve_register("RCC_CONFIG_MEMSIZE", *dev.family(), dev.discovery());
  ASSERT_TRUE(memsize.ok());
  EXPECT_EQ(*dev.read_reg(memsize->dword), 512u);
  auto list = list_registers(*dev.family(), dev.discovery(), "MP0");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 8u);  // C2PMSG_35/36/64/67/69/70/71/81
}

}  // namespace
}  // namespace amdhal::am
