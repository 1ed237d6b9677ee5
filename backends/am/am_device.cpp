// AmDeviceState, AmGpu and opening a device through bring-up (am_device.h).
#include "am_device.h"

#include <fmt/format.h>

#include "am_queue.h"
#include "am_signal.h"
#include "amdhal/plugin_abi.h"

namespace amdhal::am {

Expected<VramBlock> AmDeviceState::allocate(uint64_t size, uint64_t alignment) {
  AMDHAL_ASSIGN_OR_RETURN(uint64_t offset, heap_->allocate(size, alignment));
  const uint64_t bytes = (size + 4095) & ~uint64_t{4095};
  return VramBlock(heap_, offset, bytes, device_->vram_cpu(offset, bytes));
}

Expected<std::shared_ptr<Buffer>> AmGpu::alloc(uint64_t size, MemoryDomain domain,
                                               AllocFlags flags) {
  if (size == 0) {
    return invalid_argument(
        fmt::format("am: allocation of 0 bytes of {}", memory_domain_name(domain)));
  }
  if (domain != MemoryDomain::kVram) {
    // System memory through the GART (gmc.h): anonymous host pages, mapped into VMID 0.
    if (size > kGartBytes) {
      return resource_exhausted(
          fmt::format("am: {} bytes of {} memory requested; the GART maps {} MiB in all", size,
                      memory_domain_name(domain), kGartBytes >> 20));
    }
    AMDHAL_ASSIGN_OR_RETURN(void* host, AmSystemBuffer::allocate_host(size));
    auto va = state_->hw().gart_map(host, size, /*writable=*/true);
    if (!va.ok()) {
      AmSystemBuffer::free_host(host, size);
      return va.status().with_context(
          fmt::format("am: mapping {} bytes of {} memory", size, memory_domain_name(domain)));
    }
    std::weak_ptr<AmDeviceState> weak = state_;
    auto unmap = [weak](uint64_t gpu_va) -> Status {
      auto s = weak.lock();
      return s ? s->hw().gart_unmap(gpu_va) : failed_precondition("device gone");
    };
    auto buf = std::make_unique<AmSystemBuffer>(host, size, *va, domain, std::move(unmap), state_);
    return std::shared_ptr<Buffer>(adopt<Buffer>(std::move(buf), state_->anchor()));
  }
  AMDHAL_ASSIGN_OR_RETURN(VramBlock block, state_->allocate(size));
  if (flags.cpu_visible && block.cpu() == nullptr) {
    return resource_exhausted(
        fmt::format("am: CPU-visible VRAM at 0x{:x} (+{} bytes) is beyond the BAR0 aperture",
                    block.offset(), size));
  }
  auto buf = std::make_unique<AmBuffer>(std::move(block), size, domain, flags.cpu_visible,
                                        state_->window(), state_);
  return std::shared_ptr<Buffer>(adopt<Buffer>(std::move(buf), state_->anchor()));
}

Expected<std::shared_ptr<Queue>> AmGpu::create_queue(QueueKind kind, QueuePriority priority) {
  (void)priority;  // HQD priority registers are left at their defaults
  AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<AmQueue> q, AmQueue::create(state_, kind));
  return std::shared_ptr<Queue>(adopt<Queue>(std::move(q), state_->anchor()));
}

Expected<std::shared_ptr<Signal>> AmGpu::create_signal(uint64_t initial_value) {
  AMDHAL_ASSIGN_OR_RETURN(VramBlock block, state_->allocate(4096));
  AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<AmSignal> s,
                          AmSignal::create(std::move(block), initial_value, state_,
                                           state_->events(), state_->window()));
  return std::shared_ptr<Signal>(adopt<Signal>(std::move(s), state_->anchor()));
}

namespace {

constexpr uint64_t kTable = 4096;
constexpr uint64_t k2M = 2ull << 20, k1G = 1ull << 30;

/// Maps the device windows of every function of `port` into `dev`'s VMID 0 (am_device.h) and
/// returns the VA of `dev`'s own window, or 0 (with `why`) when the layout does not fit.
Expected<uint64_t> map_device_windows(PciPort& port, AmDevice& dev, VramAllocator& heap,
                                      std::vector<VramBlock>& tables, std::string* why) {
  AMDHAL_ASSIGN_OR_RETURN(std::vector<PciFunction> fns, port.enumerate_display(0x1002));
  uint32_t self = ~0u;
  for (uint32_t i = 0; i < fns.size(); ++i) {
    if (fns[i].address == dev.function().address) self = i;
  }
  if (self == ~0u) return not_found("am: device windows: the device is not on its port");
  if (fns.size() > kMaxDeviceWindows) {
    *why = fmt::format("{} devices, device windows hold {}", fns.size(), kMaxDeviceWindows);
    return uint64_t{0};
  }
  const Vmid0Tables& vm = dev.vmid0_tables();
  const uint64_t pdb2_index = kDeviceWindowBase >> 39;
  // Which windows to map: always our own; peers on the simulator, where a peer's BAR0 mapping is
  // its VRAM and a system page's bus address is its host address (sim/core memory.h).
  struct Window {
    uint32_t index;
    uint64_t bytes;
    uint8_t* peer_host;  // null: our own VRAM
  };
  std::vector<Window> windows;
  for (uint32_t i = 0; i < fns.size(); ++i) {
    const uint64_t bytes = i == self ? dev.vram_bytes() : fns[i].bars[0].size;
    if (bytes > kDeviceWindowBytes || bytes % k2M != 0) {
      *why = fmt::format("device {} has 0x{:x} bytes of VRAM (windows hold 0x{:x})", i, bytes,
                         kDeviceWindowBytes);
      return uint64_t{0};
    }
    if (i == self) {
      windows.push_back({i, bytes, nullptr});
    } else if (!port.is_real_hardware()) {
      AMDHAL_ASSIGN_OR_RETURN(void* host, port.map_bar(fns[i].address, 0, 0, bytes, true));
      windows.push_back({i, bytes, static_cast<uint8_t*>(host)});
    }
  }
  auto table = [&]() -> Expected<uint64_t> {
    AMDHAL_ASSIGN_OR_RETURN(uint64_t off, heap.allocate(kTable, kTable));
    tables.emplace_back(VramBlock(nullptr, off, kTable, nullptr));
    for (uint64_t e = 0; e < kTable; e += 8) AMDHAL_RETURN_IF_ERROR(dev.write_vram64(off + e, 0));
    return off;
  };
  const uint64_t leaf = pte::kValid | pte::kReadable | pte::kWriteable | pte::kExecutable;
  AMDHAL_ASSIGN_OR_RETURN(uint64_t pdb1, table());
  for (const Window& w : windows) {
    const uint64_t base = kDeviceWindowBase + uint64_t{w.index} * kDeviceWindowBytes;
    for (uint64_t g = 0; g * k1G < w.bytes; ++g) {
      AMDHAL_ASSIGN_OR_RETURN(uint64_t pdb0, table());
      const uint64_t pdb1_index = ((base + g * k1G) >> 30) & 511;
      AMDHAL_RETURN_IF_ERROR(
          dev.write_vram64(pdb1 + 8 * pdb1_index, (pdb0 & pte::kAddressMask) | pte::kValid));
      for (uint64_t e = 0; e < 512 && g * k1G + e * k2M < w.bytes; ++e) {
        const uint64_t off = g * k1G + e * k2M;
        if (w.peer_host == nullptr) {
          // Our VRAM: a 2 MiB leaf, as the 1:1 range (gmc.h).
          AMDHAL_RETURN_IF_ERROR(
              dev.write_vram64(pdb0 + 8 * e, (off & pte::kAddressMask) | leaf | pte::kPdeIsPte));
          continue;
        }
        // A peer's VRAM: a PTB of 4 KiB SYSTEM pages (the host mapping need not be 2 MiB aligned).
        AMDHAL_ASSIGN_OR_RETURN(uint64_t ptb, table());
        AMDHAL_RETURN_IF_ERROR(
            dev.write_vram64(pdb0 + 8 * e, (ptb & pte::kAddressMask) | pte::kValid));
        const auto host = reinterpret_cast<uint64_t>(w.peer_host) + off;
        for (uint64_t p = 0; p < 512; ++p) {
          AMDHAL_RETURN_IF_ERROR(dev.write_vram64(
              ptb + 8 * p, ((host + p * kTable) & pte::kAddressMask) | leaf | pte::kSystem));
        }
      }
    }
  }
  // Hang it below PDB2 entry 1 (unused by gmc.h's layout), then flush VMID 0's TLBs.
  AMDHAL_RETURN_IF_ERROR(
      dev.write_vram64(vm.root + 8 * pdb2_index, (pdb1 & pte::kAddressMask) | pte::kValid));
  AMDHAL_RETURN_IF_ERROR(dev.flush_vmid0_tlb());
  return kDeviceWindowBase + uint64_t{self} * kDeviceWindowBytes;
}

}  // namespace

Expected<std::unique_ptr<AmGpu>> open_am_device(std::shared_ptr<PciPort> port,
                                                const PciAddress& address, DeviceInfo info,
                                                std::shared_ptr<const void> anchor) {
  BringupReport report = bringup(*port, address, BringupOptions{});
  if (!report.status.ok())
    return report.status.with_context(fmt::format("am: opening {}", info.id));
  if (report.device == nullptr) return internal_error("am: bring-up returned no device");
  for (const BringupStep& step : report.steps) {
    info.properties.emplace_back(fmt::format("bringup: {}", step.name), step.detail);
  }
  AmDevice& dev = *report.device;
  AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<VramAllocator> heap, dev.vram_allocator());
  AMDHAL_ASSIGN_OR_RETURN(QueueHardware * queues, dev.queue_hardware());
  info.vram_bytes = dev.vram_bytes();
  // Page tables of the device windows live for as long as the device: never freed to the heap.
  std::vector<VramBlock> window_tables;
  std::string no_window;
  AMDHAL_ASSIGN_OR_RETURN(uint64_t window,
                          map_device_windows(*port, dev, *heap, window_tables, &no_window));
  info.properties.emplace_back(
      "device_window", window != 0 ? fmt::format("0x{:x} (+ VRAM offset; peers mapped: {})", window,
                                                 port->is_real_hardware() ? "no" : "yes")
                                   : "none: " + no_window);
  const uint32_t engines =
      static_cast<uint32_t>(queues->regs.sdma_rings.size()) / kSdmaRingsPerEngine;
  info.sdma_engines = std::min(info.sdma_engines, engines);
  info.sdma_xgmi_engines = engines - info.sdma_engines;
  info.properties.emplace_back("vram_heap",
                               fmt::format("0x{:x}-0x{:x}", heap->begin(), heap->end()));
  info.properties.emplace_back("compute_queues",
                               fmt::format("{} HQDs of MEC1 (PM4 or AQL)", kHqdCount));
  info.properties.emplace_back(
      "sdma_rings",
      fmt::format("{} ({} per engine)", queues->regs.sdma_rings.size(), kSdmaRingsPerEngine));
  info.properties.emplace_back("signals", "VRAM; waits drain the IH ring, then poll");
  auto state =
      std::make_shared<AmDeviceState>(std::move(port), std::move(report.device), std::move(info),
                                      heap, queues, window, std::move(anchor));
  return std::make_unique<AmGpu>(std::move(state));
}

}  // namespace amdhal::am
