// The bare-metal backend's queues on the simulated PCI function: HQD and SDMA ring programming
// (what the simulator's registers turn into), ring tests and their named timeout, the doorbell
// range check, the VRAM heap, and a device opened through bring-up running copies, fills and
// signals on its own rings.
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "am_device.h"
#include "am_memory.h"
#include "am_sim_fixture.h"
#include "amdhal/command_buffer.h"
#include "amdhal_sim_pci/pci_function.h"
#include "bringup.h"
#include "queues.h"
#include "sim_pci_port.h"

namespace amdhal::am {
namespace {

using namespace std::chrono_literals;

using Fixture = testing::SimAm;

/// Runs the steps up to IP discovery and, with `gmc`, GMC (which may still report the parts it
/// lacks as long as VMID 0 translates through its tables).
Fixture brought_up(std::string_view spec, bool gmc_step = true) {
  Fixture f = testing::discovered_sim_am(spec);
  if (gmc_step && f.dev) {
    const Status gmc = f.dev->setup_gmc();
    EXPECT_TRUE(gmc.ok() || f.dev->gfxhub_programmed()) << gmc.message();
  }
  return f;
}

bool sim_vmid0_translates(sim::pci::SimPciFunction& fn) {
  return fn.device().vm(0).page_table_mode();
}

TEST(AmVramAllocator, AllocatesFreesAndMerges) {
  VramAllocator heap(0x200000, 0x200000 + 64 * 4096);
  auto a = heap.allocate(1);
  auto b = heap.allocate(4096 * 3);
  auto c = heap.allocate(4096, 65536);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, 0x200000u);
  EXPECT_EQ(*b, 0x201000u);
  EXPECT_EQ(*c % 65536, 0u);
  EXPECT_EQ(heap.used_bytes(), 5 * 4096u);
  auto too_big = heap.allocate(64 * 4096);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(heap.allocate(0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.allocate(4096, 3000).status().code(), StatusCode::kInvalidArgument);
  heap.free(*a);
  heap.free(*b);
  heap.free(*c);
  EXPECT_EQ(heap.used_bytes(), 0u);
  // Everything merged back: the whole window is one range again.
  auto all = heap.allocate(64 * 4096);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(*all, 0x200000u);
}

TEST(AmQueues, RegistersResolveForGfx942AndGfx1100) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    SCOPED_TRACE(spec);
    Fixture f = brought_up(spec, /*gmc_step=*/false);
    auto hw = f.dev->queue_hardware();
    ASSERT_TRUE(hw.ok()) << hw.status().message();
    // Two rings per engine, every engine of the simulated discovery table.
    EXPECT_EQ((*hw)->regs.sdma_rings.size() % kSdmaRingsPerEngine, 0u);
    EXPECT_GE((*hw)->regs.sdma_rings.size(), 4u);
    EXPECT_NE((*hw)->regs.hqd, (*hw)->regs.grbm_gfx_cntl);
  }
}

TEST(AmQueues, ComputeQueueStepRunsItsRingTest) {
  Fixture f = brought_up("sim:gfx1100");
  ASSERT_TRUE(sim_vmid0_translates(*f.fn));
  ASSERT_TRUE(f.dev->setup_doorbell_routing().ok());
  const Status st = f.dev->setup_compute_queue();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_NE(f.dev->last_detail.find("WRITE_DATA of 0xcafef00d seen"), std::string::npos)
      << f.dev->last_detail;
  // The ring test's HQD was dequeued again: no simulator queue is left running.
  EXPECT_EQ(f.fn->device().all_queues().size(), 0u);
  EXPECT_EQ(f.fn->last_queue_error(), "");
}

TEST(AmQueues, SdmaRingsStepTestsEveryEngine) {
  Fixture f = brought_up("sim:gfx1100");
  ASSERT_TRUE(sim_vmid0_translates(*f.fn));
  ASSERT_TRUE(f.dev->setup_doorbell_routing().ok());
  EXPECT_NE(f.dev->last_detail.find("SDMA0-1 slots 0x100-0x103 (S2A_DOORBELL_ENTRY_2_CTRL)"),
            std::string::npos)
      << f.dev->last_detail;
  const Status st = f.dev->setup_sdma_rings();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_NE(f.dev->last_detail.find("2 engine(s)"), std::string::npos) << f.dev->last_detail;
  EXPECT_NE(f.dev->last_detail.find("FENCE of 0xdeadbeef seen"), std::string::npos)
      << f.dev->last_detail;
  EXPECT_EQ(f.fn->dropped_doorbells(), 0u);
}

TEST(AmQueues, RingTimeoutNamesRingAddressAndValues) {
  Fixture f = brought_up("sim:gfx1100,fault=ring-timeout");
  ASSERT_TRUE(sim_vmid0_translates(*f.fn));
  ASSERT_TRUE(f.dev->setup_doorbell_routing().ok());
  const Status st = f.dev->setup_compute_queue();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(st.message().find("ring test of HQD me1/pipe0/queue0 timed out"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("expected 0xcafef00d, read 0x00000000"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("to VRAM 0x"), std::string::npos) << st.message();
  const Status sdma = f.dev->setup_sdma_rings();
  ASSERT_FALSE(sdma.ok());
  EXPECT_NE(sdma.message().find("SDMA0 GFX ring"), std::string::npos) << sdma.message();
  EXPECT_NE(sdma.message().find("expected 0xdeadbeef"), std::string::npos) << sdma.message();
}

TEST(AmQueues, DoorbellOutsideTheMecRangeDoesNotActivate) {
  Fixture f = brought_up("sim:gfx1100");
  auto hw = f.dev->queue_hardware();
  ASSERT_TRUE(hw.ok());
  ASSERT_TRUE(program_mec_doorbell_range(*f.dev, **hw).ok());
  auto heap = f.dev->vram_allocator();
  ASSERT_TRUE(heap.ok());
  auto off = (*heap)->allocate(3 * 4096);
  ASSERT_TRUE(off.ok());
  RingSetup r;
  r.ring = *off;
  r.ring_bytes = 4096;
  r.rptr = *off + 4096;
  r.wptr = *off + 4096 + 8;
  r.mqd = *off + 8192;
  r.doorbell_slot = kSdmaDoorbellFirst;  // an SDMA slot, not routed to the MEC
  const Status st = hqd_start(*f.dev, **hw, HqdSlot::from_index(5), r);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("HQD me1/pipe0/queue5: CP_HQD_ACTIVE"), std::string::npos)
      << st.message();
  EXPECT_NE(f.fn->last_queue_error().find("outside the MEC doorbell range"), std::string::npos)
      << f.fn->last_queue_error();
  // Inside the range it starts, and a dequeue stops it.
  r.doorbell_slot = HqdSlot::from_index(5).doorbell_slot();
  ASSERT_TRUE(hqd_start(*f.dev, **hw, HqdSlot::from_index(5), r).ok()) << f.fn->last_queue_error();
  ASSERT_EQ(f.fn->device().all_queues().size(), 1u);
  EXPECT_EQ(f.fn->device().all_queues()[0].name, "hqd.me1.pipe0.q5");
  ASSERT_TRUE(hqd_stop(*f.dev, **hw, HqdSlot::from_index(5)).ok());
  EXPECT_EQ(f.fn->device().all_queues().size(), 0u);
}

TEST(AmQueues, FullBringupRunsEveryStepOnGfx942AndGfx1100) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    SCOPED_TRACE(spec);
    auto port = make_sim_pci_port(spec);
    ASSERT_TRUE(port.ok());
    auto fns = (*port)->enumerate_display(0x1002);
    ASSERT_TRUE(fns.ok());
    BringupReport r = bringup(**port, fns->front().address, BringupOptions{});
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    ASSERT_EQ(r.steps.size(), 12u);
    for (const auto& s : r.steps) EXPECT_EQ(s.state, BringupStep::State::kOk) << s.name;
    EXPECT_EQ(r.steps[9].name, "doorbell routing");
    EXPECT_NE(r.steps[9].detail.find("doorbell aperture on"), std::string::npos)
        << r.steps[9].detail;
    EXPECT_NE(r.steps[9].detail.find("(bytes 0x80-0x178, CP_MEC_DOORBELL_RANGE)"),
              std::string::npos)
        << r.steps[9].detail;
    EXPECT_EQ(r.steps[9].detail.find("not programmed"), std::string::npos) << r.steps[9].detail;
    EXPECT_NE(r.steps[10].detail.find("HQD me1/pipe0/queue0 (doorbell slot 16)"), std::string::npos)
        << r.steps[10].detail;
    EXPECT_NE(r.steps[11].detail.find("ring test passed on each"), std::string::npos)
        << r.steps[11].detail;
  }
}

TEST(AmDeviceOpen, RingTimeoutFailsTheOpenNamingTheStep) {
  auto port = make_sim_pci_port("sim:gfx942,fault=ring-timeout");
  ASSERT_TRUE(port.ok());
  std::shared_ptr<PciPort> shared(std::move(*port));
  auto fns = shared->enumerate_display(0x1002);
  DeviceInfo info;
  info.id = "sim:gfx942,fault=ring-timeout";
  auto dev = open_am_device(shared, fns->front().address, info, nullptr);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(dev.status().message().find("bring-up step 'compute queue (MQD/HQD)'"),
            std::string::npos)
      << dev.status().message();
  EXPECT_NE(dev.status().message().find("expected 0xcafef00d, read 0x00000000"), std::string::npos)
      << dev.status().message();
}

TEST(AmDeviceOpen, CopiesFillsAndSignalsOnItsOwnRings) {
  auto port = make_sim_pci_port("sim:gfx1100");
  ASSERT_TRUE(port.ok());
  std::shared_ptr<PciPort> shared(std::move(*port));
  auto fns = shared->enumerate_display(0x1002);
  ASSERT_TRUE(fns.ok());
  DeviceInfo info;
  info.id = "sim:gfx1100";
  info.sdma_engines = 2;
  auto dev = open_am_device(shared, fns->front().address, info, nullptr);
  ASSERT_TRUE(dev.ok()) << dev.status().message();
  EXPECT_EQ((*dev)->info().vram_bytes, 512ull << 20);

  auto a = (*dev)->alloc(1 << 20, MemoryDomain::kVram);
  auto b = (*dev)->alloc(1 << 20, MemoryDomain::kVram);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE((*a)->gpu_address(), kVramHeapStart);
  // GTT: host pages behind a GART address, written by the GPU and seen by the CPU.
  auto gtt = (*dev)->alloc(4096, MemoryDomain::kGtt);
  ASSERT_TRUE(gtt.ok()) << gtt.status().message();
  EXPECT_EQ((*gtt)->domain(), MemoryDomain::kGtt);
  EXPECT_GE((*gtt)->gpu_address(), kGartVaBase);
  EXPECT_LT((*gtt)->gpu_address(), kGartVaBase + kGartBytes);
  {
    auto q = (*dev)->create_queue(QueueKind::kSdma);
    auto s = (*dev)->create_signal(0);
    ASSERT_TRUE(q.ok() && s.ok());
    CommandBuffer cb;
    ASSERT_TRUE(cb.fill({*gtt, 0}, 4096, 0xA5A5A5A5u).ok());
    ASSERT_TRUE(cb.signal(*s, 1).ok());
    ASSERT_TRUE((*q)->submit(cb).ok());
    ASSERT_TRUE((*s)->wait(1, 10s).ok());
    EXPECT_EQ(static_cast<const uint32_t*>((*gtt)->cpu_pointer())[1023], 0xA5A5A5A5u);
  }
  auto too_big = (*dev)->alloc(kGartBytes + 4096, MemoryDomain::kHost);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(too_big.status().message().find("GART"), std::string::npos);
  EXPECT_EQ((*dev)->alloc(0, MemoryDomain::kVram).status().code(), StatusCode::kInvalidArgument);

  std::vector<uint8_t> pattern(1 << 20);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i * 7 + 3);
  std::memcpy((*a)->cpu_pointer(), pattern.data(), pattern.size());
  for (QueueKind kind : {QueueKind::kSdma, QueueKind::kCompute}) {
    SCOPED_TRACE(std::string(queue_kind_name(kind)));
    std::memset((*b)->cpu_pointer(), 0, 1 << 20);
    auto q = (*dev)->create_queue(kind);
    ASSERT_TRUE(q.ok()) << q.status().message();
    auto sig = (*dev)->create_signal(0);
    ASSERT_TRUE(sig.ok());
    CommandBuffer cb;
    ASSERT_TRUE(cb.copy({*b, 0}, {*a, 0}, 1 << 20).ok());
    ASSERT_TRUE(cb.fill({*b, 4096}, 4096, 0x11223344u).ok());
    ASSERT_TRUE(cb.signal(*sig, 7).ok());
    ASSERT_TRUE((*q)->submit(cb).ok());
    const Status w = (*sig)->wait(7, 10s);
    ASSERT_TRUE(w.ok()) << w.message() << " / " << (*q)->state().description;
    // The write raised an interrupt with the signal's id: an IV entry in the IH ring.
    ASSERT_NE((*sig)->event_id(), 0u);
    const auto& events = (*dev)->state()->events();
    const auto until = std::chrono::steady_clock::now() + 2s;
    while (events->count((*sig)->event_id()) == 0 && std::chrono::steady_clock::now() < until) {
      events->pump();
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(events->count((*sig)->event_id()), 1u);
    const auto* out = static_cast<const uint8_t*>((*b)->cpu_pointer());
    EXPECT_EQ(std::memcmp(out, pattern.data(), 4096), 0);
    EXPECT_EQ(std::memcmp(out + 8192, pattern.data() + 8192, (1 << 20) - 8192), 0);
    uint32_t word = 0;
    std::memcpy(&word, out + 4096 + 100, 4);
    EXPECT_EQ(word, 0x11223344u);
    // The queue reports its pointers; once idle they meet.
    const QueueState s = (*q)->state();
    EXPECT_EQ(s.read_pointer % (kind == QueueKind::kSdma ? 256 * 1024 : 64 * 1024),
              s.write_pointer % (kind == QueueKind::kSdma ? 256 * 1024 : 64 * 1024))
        << s.description;
    EXPECT_NE(s.description.find(kind == QueueKind::kSdma ? "SDMA0 GFX ring" : "HQD me1"),
              std::string::npos)
        << s.description;
  }
  // A signal that is never written times out with its value in the message.
  auto idle = (*dev)->create_signal(3);
  ASSERT_TRUE(idle.ok());
  const Status t = (*idle)->wait(4, 20ms);
  EXPECT_EQ(t.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(t.message().find("is 3 after"), std::string::npos) << t.message();
}

TEST(AmDeviceOpen, DeviceWindowsLetPeersReachEachOthersVram) {
  auto port = make_sim_pci_port("sim:gfx942x2");
  ASSERT_TRUE(port.ok());
  std::shared_ptr<PciPort> shared(std::move(*port));
  auto fns = shared->enumerate_display(0x1002);
  ASSERT_TRUE(fns.ok());
  ASSERT_EQ(fns->size(), 2u);
  std::vector<std::unique_ptr<AmGpu>> devs;
  for (size_t i = 0; i < 2; ++i) {
    DeviceInfo info;
    info.id = "sim:gfx942x2#" + std::to_string(i);
    info.sdma_engines = 2;
    auto d = open_am_device(shared, (*fns)[i].address, info, nullptr);
    ASSERT_TRUE(d.ok()) << d.status().message();
    devs.push_back(std::move(*d));
  }
  auto src = devs[1]->alloc(65536, MemoryDomain::kVram);
  auto dst = devs[0]->alloc(65536, MemoryDomain::kVram);
  ASSERT_TRUE(src.ok() && dst.ok());
  // Each buffer is addressed through its own device's window.
  EXPECT_EQ((*src)->gpu_address() >> 36, (kDeviceWindowBase + kDeviceWindowBytes) >> 36);
  EXPECT_EQ((*dst)->gpu_address() >> 36, kDeviceWindowBase >> 36);
  for (size_t i = 0; i < 65536; ++i) static_cast<uint8_t*>((*src)->cpu_pointer())[i] = i % 251;
  std::memset((*dst)->cpu_pointer(), 0, 65536);
  // Device 0's SDMA engine reads device 1's VRAM, then signals a signal in device 1's VRAM.
  auto q = devs[0]->create_queue(QueueKind::kSdma);
  auto sig = devs[1]->create_signal(0);
  ASSERT_TRUE(q.ok() && sig.ok());
  CommandBuffer cb;
  ASSERT_TRUE(cb.copy({*dst, 0}, {*src, 0}, 65536).ok());
  ASSERT_TRUE(cb.signal(*sig, 5).ok());
  ASSERT_TRUE((*q)->submit(cb).ok());
  const Status w = (*sig)->wait(5, 10s);
  ASSERT_TRUE(w.ok()) << w.message() << " / " << (*q)->state().description;
  EXPECT_EQ(std::memcmp((*dst)->cpu_pointer(), (*src)->cpu_pointer(), 65536), 0);
}

TEST(AmDeviceOpen, EveryHqdCanBeTakenOnceAndReturned) {
  auto port = make_sim_pci_port("sim:gfx1100");
  ASSERT_TRUE(port.ok());
  std::shared_ptr<PciPort> shared(std::move(*port));
  auto fns = shared->enumerate_display(0x1002);
  DeviceInfo info;
  info.id = "sim:gfx1100";
  info.sdma_engines = 2;
  auto dev = open_am_device(shared, fns->front().address, info, nullptr);
  ASSERT_TRUE(dev.ok()) << dev.status().message();
  std::vector<std::shared_ptr<Queue>> qs;
  for (uint32_t i = 0; i < kHqdCount; ++i) {
    auto q = (*dev)->create_queue(QueueKind::kCompute);
    ASSERT_TRUE(q.ok()) << i << ": " << q.status().message();
    qs.push_back(*q);
  }
  auto extra = (*dev)->create_queue(QueueKind::kCompute);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(extra.status().message().find("HQDs"), std::string::npos);
  qs.pop_back();
  EXPECT_TRUE((*dev)->create_queue(QueueKind::kCompute).ok());
}

}  // namespace
}  // namespace amdhal::am
