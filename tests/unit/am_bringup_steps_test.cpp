// Bring-up steps GMC, IH, PSP and SMU on the simulated PCI function: every step on sim:gfx942 and
// sim:gfx1100, the GART, IH interrupt delivery and draining, the firmware the PSP accepted, each
// injected fault as a named error, a re-run after a failure, and teardown.
#include <sys/mman.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "am_sim_fixture.h"
#include "amdhal_sim_pci/firmware_image.h"
#include "amdhal_sim_pci/pci_function.h"
#include "bringup.h"
#include "firmware.h"
#include "ih.h"
#include "registers.h"
#include "sim_pci_port.h"

namespace amdhal::am {
namespace {

constexpr const char* kGmc = "GMC (GART and GPUVM page tables)";
constexpr const char* kIh = "IH ring";
constexpr const char* kPsp = "PSP firmware load";
constexpr const char* kSmu = "SMU handshake";

using Fixture = testing::SimAm;

Fixture open(std::string_view spec) {
  return testing::open_sim_am(spec);
}

const BringupStep& step(const BringupReport& r, std::string_view name) {
  for (const auto& s : r.steps) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no step " << name;
  return r.steps.front();
}

BringupOptions through_smu() {
  BringupOptions o;
  o.stop_after = kSmu;
  return o;
}

std::string dump(const BringupReport& r) {
  std::string out;
  for (const auto& s : r.steps) {
    out +=
        std::string(s.name) + ": " + std::string(step_state_name(s.state)) + ": " + s.detail + "\n";
  }
  return out;
}

class AmBringupSteps : public ::testing::TestWithParam<const char*> {};

TEST_P(AmBringupSteps, EveryStepThroughSmuSucceeds) {
  auto f = open(GetParam());
  BringupReport r = bringup(*f.port, f.address, through_smu());
  ASSERT_TRUE(r.status.ok()) << r.status.message() << "\n" << dump(r);
  for (const char* name : {"identify", "driver binding", "map BARs", "VRAM size", "IP discovery",
                           kGmc, kIh, kPsp, kSmu}) {
    EXPECT_EQ(step(r, name).state, BringupStep::State::kOk) << name;
  }
  EXPECT_EQ(step(r, "compute queue (MQD/HQD)").state, BringupStep::State::kNotRun);
  AmDevice& dev = *r.device;
  const bool gfx942 = std::string(dev.family()->name) == "gfx942";
  // GMC: both hubs programmed in the simulator with the backend's tables.
  EXPECT_NE(step(r, kGmc).detail.find("TLB flush acknowledged on both hubs"), std::string::npos);
  EXPECT_NE(step(r, kGmc).detail.find(gfx942 ? "GC 9.4.3, MMHUB 1.8.0" : "GC 11.0.0, MMHUB 3.0.0"),
            std::string::npos)
      << step(r, kGmc).detail;
  EXPECT_TRUE(dev.gfxhub_programmed());
  EXPECT_TRUE(dev.mmhub_programmed());
  for (int hub = 0; hub < 2; ++hub) {
    const auto h = f.fn->hub_state(hub);
    EXPECT_TRUE(h.context0_enabled) << hub;
    EXPECT_EQ(h.root, dev.vmid0_tables().root) << hub;
    EXPECT_EQ(h.levels, 4u);
    EXPECT_EQ(h.va_end, kGartVaBase + kGartBytes);
    EXPECT_GE(h.invalidations, 1u);
    EXPECT_EQ(h.system_high, static_cast<uint32_t>((dev.vram_bytes() - 1) >> 18));
    EXPECT_TRUE(h.l1_tlb_enabled && h.l2_enabled);
  }
  sim::AddressSpace& vm = f.fn->device().vm(0);
  ASSERT_TRUE(vm.page_table_mode());
  sim::VmFault fault;
  auto host = vm.translate(0x345678, 4, sim::Access::kWrite, &fault);
  ASSERT_TRUE(host.ok()) << fault.to_string();
  EXPECT_EQ(*host, f.fn->device().physical().vram() + 0x345678);
  // IH enabled on the ring the backend placed.
  const auto ih = f.fn->ih_state();
  EXPECT_TRUE(ih.enabled);
  EXPECT_EQ(ih.base, dev.vram_bytes() - kBringupAreaFromEnd + kIhRingOffset);
  EXPECT_EQ(ih.ring_bytes, kIhRingBytes);
  EXPECT_NE(step(r, kIh).detail.find(gfx942 ? "OSSSYS 4.4.2" : "OSSSYS 6.0.0"), std::string::npos);
  // PSP: sOS alive, ring created, every IP firmware of the target accepted, in order.
  const auto psp = f.fn->psp_state();
  EXPECT_TRUE(psp.sos_alive);
  EXPECT_TRUE(psp.ring_created);
  const auto specs = firmware_for(*dev.family());
  ASSERT_EQ(psp.loaded_fw_types.size(), specs.size() - 1);
  for (size_t i = 1; i < specs.size(); ++i) {
    EXPECT_EQ(psp.loaded_fw_types[i - 1], specs[i].gfx_fw_type) << specs[i].file;
  }
  EXPECT_EQ(dev.loaded_firmware(), psp.loaded_fw_types);
  EXPECT_NE(step(r, kPsp).detail.find(gfx942 ? "gc_9_4_3_mec.bin" : "gc_11_0_0_mes_2.bin"),
            std::string::npos)
      << step(r, kPsp).detail;
  // SMU: the version the simulated MP1 reports.
  const auto smu = f.fn->smu_state();
  EXPECT_EQ(dev.smu_version(), smu.smu_version);
  EXPECT_EQ(dev.smu_driver_if_version(), smu.driver_if_version);
  EXPECT_EQ(smu.messages, 3u);
  EXPECT_NE(step(r, kSmu).detail.find(gfx942 ? "SMU firmware 85.64.0" : "SMU firmware 78.74.0"),
            std::string::npos)
      << step(r, kSmu).detail;
  EXPECT_NE(step(r, kSmu).detail.find("test message answered 0x1235"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Targets, AmBringupSteps, ::testing::Values("sim:gfx942", "sim:gfx1100"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param).substr(4);
                         });

TEST(AmGart, MappedHostPagesAreReachedThroughVmid0OnBothTargets) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    auto f = open(spec);
    BringupReport r = bringup(*f.port, f.address, through_smu());
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    AmDevice& dev = *r.device;
    const size_t bytes = 3 * 4096;
    void* host = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(host, MAP_FAILED);
    auto va = dev.gart_map(host, bytes);
    ASSERT_TRUE(va.ok()) << va.status().message();
    EXPECT_GE(*va, kGartVaBase);
    EXPECT_LT(*va, kGartVaBase + kGartBytes);
    // The PTE the backend wrote has SYSTEM set and the host page's address.
    auto pte_value = dev.read_vram64(dev.gart_tables().pte_offset(*va + 4096));
    ASSERT_TRUE(pte_value.ok());
    EXPECT_EQ(*pte_value & pte::kSystem, pte::kSystem);
    EXPECT_EQ(*pte_value & pte::kAddressMask, reinterpret_cast<uint64_t>(host) + 4096);
    // The simulator's walker reaches the host memory through the backend's tables.
    sim::AddressSpace& vm = f.fn->device().vm(0);
    ASSERT_TRUE(vm.write32(*va + 4096 + 8, 0xfeedbeef, nullptr).ok());
    uint32_t seen = 0;
    std::memcpy(&seen, static_cast<uint8_t*>(host) + 4096 + 8, 4);
    EXPECT_EQ(seen, 0xfeedbeefu) << spec;
    // A second mapping gets a different range; unmapping makes the VA fault again.
    auto va2 = dev.gart_map(static_cast<uint8_t*>(host) + 4096, 4096, false);
    ASSERT_TRUE(va2.ok());
    EXPECT_NE(*va2, *va);
    sim::VmFault fault;
    EXPECT_FALSE(vm.translate(*va2, 4, sim::Access::kWrite, &fault).ok());  // read-only
    ASSERT_TRUE(dev.gart_unmap(*va).ok());
    EXPECT_FALSE(vm.translate(*va, 4, sim::Access::kRead, &fault).ok());
    EXPECT_FALSE(dev.gart_unmap(*va).ok());
    EXPECT_FALSE(dev.gart_map(static_cast<uint8_t*>(host) + 8, 4096).ok());  // misaligned
    ASSERT_TRUE(dev.gart_unmap(*va2).ok());
    munmap(host, bytes);
  }
}

TEST(AmIh, InterruptsFromTheCoreAreDrainedAsIvEntries) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    auto f = open(spec);
    BringupReport r = bringup(*f.port, f.address, through_smu());
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    AmDevice& dev = *r.device;
    const bool gfx11 = std::string(dev.family()->name) == "gfx1100";
    auto empty = dev.ih_drain();
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
    sim::Interrupt eop;
    eop.source = sim::Interrupt::Source::kEndOfPipe;
    eop.queue_id = 3;
    eop.context_id = 0x77;
    eop.gpu_clock = 0x123456789aull;
    f.fn->device().raise_interrupt(eop);
    sim::Interrupt trap;
    trap.source = sim::Interrupt::Source::kSdmaTrap;
    trap.queue_id = 1;
    trap.context_id = 0x5;
    f.fn->device().raise_interrupt(trap);
    auto got = dev.ih_drain();
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), 2u) << spec;
    const IvEntry& a = (*got)[0];
    EXPECT_EQ(a.client_id, ivsrc::kClientGrbmCp);
    EXPECT_EQ(a.src_id, ivsrc::kCpEop);
    EXPECT_EQ(a.ring_id, 3);
    EXPECT_EQ(a.src_data[0], 0x77u);
    EXPECT_EQ(a.timestamp, 0x123456789aull);
    const IvEntry& b = (*got)[1];
    EXPECT_EQ(b.client_id, gfx11 ? ivsrc::kClientGfx : ivsrc::kClientSdma0);
    EXPECT_EQ(b.src_id, gfx11 ? ivsrc::kSdmaTrapGfx11 : ivsrc::kSdmaTrapGfx9);
    EXPECT_EQ(b.src_data[0], 0x5u);
    // The read pointer followed: nothing new, and the simulated IH sees the RPTR.
    auto again = dev.ih_drain();
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty());
    EXPECT_EQ(f.fn->ih_state().rptr, 2 * kIvEntryBytes);
    EXPECT_EQ(f.fn->ih_state().written, 2u);
  }
}

TEST(AmIh, SdmaTrapOnASimQueueInVmid0ArrivesThroughTheRing) {
  auto f = open("sim:gfx942");
  BringupReport r = bringup(*f.port, f.address, through_smu());
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  AmDevice& dev = *r.device;
  // A ring in VRAM, addressed through the backend's VMID 0 tables (VA = VRAM offset).
  const uint64_t ring = 4ull << 20, rptr = ring + 0x1000;
  ASSERT_TRUE(dev.write_vram32(ring, 6).ok());         // SDMA TRAP (op 6)
  ASSERT_TRUE(dev.write_vram32(ring + 4, 0x42).ok());  // int_context
  ASSERT_TRUE(dev.write_vram64(rptr, 0).ok());
  sim::QueueDesc q;
  q.type = sim::QueueType::kSdma;
  q.vmid = 0;
  q.ring_address = ring;
  q.ring_bytes = 4096;
  q.rptr_address = rptr;
  q.doorbell_index = 900;
  q.name = "test.sdma";
  auto id = f.fn->device().create_queue(q);
  ASSERT_TRUE(id.ok()) << id.status().message();
  f.fn->device().ring_doorbell(900, 8);
  std::vector<IvEntry> got;
  for (int i = 0; i < 2000 && got.empty(); ++i) {
    auto e = dev.ih_drain();
    ASSERT_TRUE(e.ok());
    got = *e;
    if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(f.fn->device().destroy_queue(*id).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client_id, ivsrc::kClientSdma0);
  EXPECT_EQ(got[0].src_id, ivsrc::kSdmaTrapGfx9);
  EXPECT_EQ(got[0].src_data[0], 0x42u);
  EXPECT_EQ(got[0].ring_id, *id & 0xff);
}

TEST(AmIh, DecodeFollowsTheIvLayout) {
  const uint32_t dw[8] = {0x8312b514u, 0x89abcdefu, 0x80004567u, 0x00020009u, 1, 2, 3, 4};
  IvEntry e = decode_iv(std::span<const uint32_t, 8>(dw));
  EXPECT_EQ(e.client_id, 0x14);
  EXPECT_EQ(e.src_id, 0xb5);
  EXPECT_EQ(e.ring_id, 0x12);
  EXPECT_EQ(e.vmid, 3);
  EXPECT_TRUE(e.vmid_src);
  EXPECT_EQ(e.timestamp, 0x456789abcdefull);
  EXPECT_EQ(e.pasid, 9);
  EXPECT_EQ(e.node_id, 2);
  EXPECT_EQ(e.src_data[3], 4u);
}

// ---- faults: each is the named error ----

struct FaultCase {
  const char* spec;
  const char* step;
  std::vector<std::string> needles;
};

class AmBringupFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(AmBringupFaults, FaultIsTheNamedError) {
  const FaultCase& c = GetParam();
  auto f = open(c.spec);
  BringupReport r = bringup(*f.port, f.address, through_smu());
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(step(r, c.step).state, BringupStep::State::kFailed) << dump(r);
  for (const auto& n : c.needles) {
    EXPECT_NE(r.status.message().find(n), std::string::npos)
        << "'" << n << "' not in " << r.status.message();
  }
  EXPECT_NE(r.status.message().find(std::string("bring-up step '") + c.step), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, AmBringupFaults,
    ::testing::Values(
        FaultCase{"sim:gfx942,fault=gmc-noack",
                  kGmc,
                  {"TLB invalidation not acknowledged", "GC.GCVM_INVALIDATE_ENG17_ACK",
                   "read 0x00000000", "== 0x00000001"}},
        FaultCase{"sim:gfx1100,fault=ih-stuck",
                  kIh,
                  {"OSSSYS.IH_RB_CNTL", "expected RB_ENABLE (bit 0) set", "read 0x"}},
        FaultCase{"sim:gfx942,fault=psp-timeout",
                  kPsp,
                  {"PSP bootloader not ready for SYS_DRV of psp_13_0_6_sos.bin",
                   "MP0.MP0_SMN_C2PMSG_35", "read 0x00000000", "expected (value & 0x80000000)"}},
        FaultCase{
            "sim:gfx942,fault=psp-reject",
            kPsp,
            {"gc_9_4_3_mec.bin", "GFX_FW_TYPE_CP_MEC", "rejected by the PSP", "status 0x000f"}},
        FaultCase{"sim:gfx1100,fault=psp-reject",
                  kPsp,
                  {"gc_11_0_0_mec.bin", "GFX_FW_TYPE_RS64_MEC", "status 0x000f"}},
        FaultCase{
            "sim:gfx1100,fault=smu-noresponse",
            kSmu,
            {"no answer to PPSMC_MSG_TestMessage", "MP1.MP1_SMN_C2PMSG_90", "read 0x00000000"}}),
    [](const ::testing::TestParamInfo<FaultCase>& info) {
      std::string name = std::string(info.param.spec).substr(4);  // "gfx942,fault=gmc-noack"
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(AmBringupRerun, AFailedRunLeavesADeviceASecondRunCompletes) {
  for (const char* spec : {"sim:gfx942,fault=psp-reject", "sim:gfx1100,fault=smu-noresponse",
                           "sim:gfx942,fault=ih-stuck", "sim:gfx1100,fault=gmc-noack"}) {
    auto f = open(spec);
    {
      BringupReport bad = bringup(*f.port, f.address, through_smu());
      ASSERT_FALSE(bad.status.ok()) << spec;
    }
    f.fn->set_fault(sim::pci::PciFault::kNone);
    BringupReport good = bringup(*f.port, f.address, through_smu());
    EXPECT_TRUE(good.status.ok()) << spec << ": " << good.status.message() << "\n" << dump(good);
  }
}

TEST(AmBringupRerun, SecondRunWithoutTeardownFindsTheSosRunning) {
  auto f = open("sim:gfx1100");
  BringupReport first = bringup(*f.port, f.address, through_smu());
  ASSERT_TRUE(first.status.ok()) << first.status.message();
  // The first device stays alive (no teardown): the PSP's sOS and ring are still up.
  BringupReport second = bringup(*f.port, f.address, through_smu());
  ASSERT_TRUE(second.status.ok()) << second.status.message() << "\n" << dump(second);
  EXPECT_NE(step(second, kPsp).detail.find("already running"), std::string::npos);
  EXPECT_TRUE(f.fn->psp_state().ring_created);
}

TEST(AmTeardown, DestroyingTheDeviceDisablesWhatBringupEnabled) {
  auto f = open("sim:gfx942");
  {
    BringupReport r = bringup(*f.port, f.address, through_smu());
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_TRUE(f.fn->ih_state().enabled);
    EXPECT_TRUE(f.fn->psp_state().ring_created);
  }
  EXPECT_FALSE(f.fn->psp_state().ring_created);
  EXPECT_TRUE(f.fn->psp_state().sos_alive);  // firmware stays loaded, as on hardware
  EXPECT_FALSE(f.fn->ih_state().enabled);
  EXPECT_FALSE(f.fn->hub_state(0).context0_enabled);
  EXPECT_FALSE(f.fn->hub_state(1).context0_enabled);
  EXPECT_FALSE(f.fn->device().vm(0).page_table_mode());
  // Interrupts after teardown are dropped, not written.
  sim::Interrupt irq;
  f.fn->device().raise_interrupt(irq);
  EXPECT_EQ(f.fn->ih_state().written, 0u);
  EXPECT_GE(f.fn->ih_state().dropped, 1u);
}

// ---- firmware files ----

std::string temp_dir(const char* name) {
  auto d = std::filesystem::temp_directory_path() /
           (std::string("amdhal_fw_") + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(AmFirmware, MissingFilesAreAllNamed) {
  const std::string dir = temp_dir("missing");
  ASSERT_EQ(sim::pci::fw::write_test_firmware("gfx942", dir), "");
  std::filesystem::remove(dir + "/gc_9_4_3_rlc.bin");
  std::filesystem::remove(dir + "/sdma_4_4_2.bin");
  auto f = open("sim:gfx942");
  BringupOptions o = through_smu();
  o.firmware_dir = dir;
  BringupReport r = bringup(*f.port, f.address, o);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(step(r, kPsp).state, BringupStep::State::kFailed);
  EXPECT_EQ(r.status.code(), StatusCode::kNotFound);
  const std::string m = r.status.message();
  EXPECT_NE(m.find("missing firmware in " + dir + ": gc_9_4_3_rlc.bin, sdma_4_4_2.bin"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("gc_9_4_3_mec.bin"), std::string::npos);
  std::filesystem::remove_all(dir);
  // An empty directory names every file.
  const std::string none = temp_dir("none");
  o.firmware_dir = none;
  auto g = open("sim:gfx1100");
  BringupReport all = bringup(*g.port, g.address, o);
  ASSERT_FALSE(all.status.ok());
  for (const auto& s : firmware_for(*all.device->family())) {
    EXPECT_NE(all.status.message().find(std::string(s.file)), std::string::npos) << s.file;
  }
  std::filesystem::remove_all(none);
}

TEST(AmFirmware, HeaderChecksNameTheFileAndField) {
  const auto specs = firmware_for(*find_family_by_pci_id(0x74A0).value());
  const FirmwareSpec& mec = specs[1];
  auto img = sim::pci::fw::build_test_image({"gc_9_4_3_mec.bin", mec.gfx_fw_type, 9, 4, 1, 0});
  ASSERT_TRUE(parse_firmware("x", img, mec, 9, 4).ok());
  auto wrong_ip = parse_firmware("x", img, mec, 9, 5);
  ASSERT_FALSE(wrong_ip.ok());
  EXPECT_NE(
      wrong_ip.status().message().find("gc_9_4_3_mec.bin: ip_version 9.4 does not match GC 9.5"),
      std::string::npos)
      << wrong_ip.status().message();
  auto bad_crc = img;
  bad_crc.back() ^= 0x40;
  auto c = parse_firmware("x", bad_crc, mec, 9, 4);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("CRC-32"), std::string::npos);
  auto short_file = img;
  short_file.resize(100);
  auto s = parse_firmware("x", short_file, mec, 9, 4);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("size_bytes"), std::string::npos);
  auto bad_version =
      sim::pci::fw::build_test_image({"gc_9_4_3_mec.bin", mec.gfx_fw_type, 9, 4, 3, 0});
  auto v = parse_firmware("x", bad_version, mec, 9, 4);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("header version 3.0, expected 1.x"), std::string::npos);
}

TEST(AmFirmware, CorruptedFileInTheDirectoryFailsThePspStep) {
  const std::string dir = temp_dir("corrupt");
  ASSERT_EQ(sim::pci::fw::write_test_firmware("gfx1100", dir), "");
  {
    std::fstream fs(dir + "/sdma_6_0_0.bin", std::ios::in | std::ios::out | std::ios::binary);
    fs.seekp(300);
    fs.put('\x5a');
  }
  auto f = open("sim:gfx1100");
  BringupOptions o = through_smu();
  o.firmware_dir = dir;
  BringupReport r = bringup(*f.port, f.address, o);
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("sdma_6_0_0.bin: payload CRC-32"), std::string::npos)
      << r.status.message();
  std::filesystem::remove_all(dir);
}

TEST(AmFirmware, BackendAndSimulatorAgreeOnTheFiles) {
  for (const char* target : {"gfx942", "gfx1100"}) {
    const auto sim_images = sim::pci::fw::test_images(target);
    const GpuFamily* fam = nullptr;
    for (uint16_t id : {0x74A0, 0x744C}) {
      auto r = find_family_by_pci_id(id);
      if (r.ok() && (*r)->name == target) fam = *r;
    }
    ASSERT_NE(fam, nullptr) << target;
    const auto specs = firmware_for(*fam);
    ASSERT_EQ(specs.size(), sim_images.size()) << target;
    for (size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(specs[i].file, sim_images[i].file);
      EXPECT_EQ(specs[i].psp_sos, sim_images[i].psp_sos);
      if (!specs[i].psp_sos) {
        EXPECT_EQ(specs[i].gfx_fw_type, sim_images[i].fw_type);
      }
      EXPECT_EQ(specs[i].header_major, sim_images[i].header_major);
    }
  }
}

TEST(AmRegistersTable, EveryStepRegisterResolvesOnBothTargets) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    auto f = open(spec);
    BringupOptions o;
    o.stop_after = "IP discovery";
    BringupReport r = bringup(*f.port, f.address, o);
    ASSERT_TRUE(r.status.ok());
    const AmDevice& dev = *r.device;
    for (const char* name :
         {"GC.GCVM_CONTEXT0_CNTL", "GC.GCMC_VM_FB_LOCATION_BASE", "GC.GCVM_INVALIDATE_ENG17_ACK",
          "MMHUB.MMVM_CONTEXT0_CNTL", "MMHUB.MMMC_VM_SYSTEM_APERTURE_HIGH_ADDR",
          "MMHUB.MMVM_INVALIDATE_ENG17_REQ", "OSSSYS.IH_RB_CNTL", "OSSSYS.IH_RB_WPTR",
          "MP0.MP0_SMN_C2PMSG_35", "MP0.MP0_SMN_C2PMSG_69", "MP1.MP1_SMN_C2PMSG_90"}) {
      auto reg = resolve_register(name, *dev.family(), dev.discovery());
      EXPECT_TRUE(reg.ok()) << spec << " " << name << ": " << reg.status().message();
    }
    // Registers of different IPs never share a dword.
    auto all = list_registers(*dev.family(), dev.discovery(), "");
    ASSERT_TRUE(all.ok());
    std::map<uint64_t, std::string> seen;
    for (const auto& rr : *all) {
      auto [it, fresh] = seen.emplace(rr.dword, rr.name);
      EXPECT_TRUE(fresh) << spec << ": " << rr.name << " and " << it->second << " at dword 0x"
                         << std::hex << rr.dword;
    }
  }
}

}  // namespace
}  // namespace amdhal::am
