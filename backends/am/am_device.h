// The public Device of the bare-metal backend: a GPU brought up by bringup() (bringup.h) and
// used through its own rings. AmDeviceState is what every object made from the device (buffers,
// queues, signals) holds on to: the PciPort, the AmDevice with its BAR mappings, the VRAM heap,
// the queue hardware bookkeeping and the plugin anchor.
//
// Memory domains: VRAM from the heap (am_memory.h); GTT and host memory are anonymous host pages
// mapped into VMID 0's GART (AmDevice::gart_map; on the simulator only: real hardware needs the
// pinned pages' bus addresses).
//
// Device windows: every buffer and signal a Device hands out is addressed through its device's
// window, VA kDeviceWindowBase + index * kDeviceWindowBytes + VRAM offset, where index is the
// function's position in its system. Each device maps its own VRAM there (2 MiB VRAM leaves, as
// gmc.h's 1:1 range) and, on the simulator, every peer's VRAM too (4 KiB SYSTEM PTEs to the
// peer's BAR0 pages), so a buffer's address means the same memory on every device of the system
// and peer-to-peer copies and cross-device signals work. The tables hang below VMID 0's PDB2
// entry 1 (VA [512 GiB, 1 TiB): gmc.h leaves it unused, and the context's range reaches the GART
// above it) and come from the VRAM heap. Rings, pointers, MQDs and staging keep the 1:1 VA. On
// real hardware only the own window is mapped (peer BAR bus addresses are not known to the
// port), so peers' buffers are not reachable there.
#pragma once

#include <memory>
#include <string>

#include "am_memory.h"
#include "am_signal.h"
#include "amdhal/device.h"
#include "amdhal/status.h"
#include "bringup.h"
#include "pci_port.h"

namespace amdhal::am {

class AmDeviceState {
 public:
  AmDeviceState(std::shared_ptr<PciPort> port, std::unique_ptr<AmDevice> device, DeviceInfo info,
                std::shared_ptr<VramAllocator> heap, QueueHardware* queues, uint64_t window,
                std::shared_ptr<const void> anchor)
      : window_(window),
        port_(std::move(port)),
        device_(std::move(device)),
        info_(std::move(info)),
        heap_(std::move(heap)),
        queues_(queues),
        anchor_(std::move(anchor)),
        events_(std::make_shared<IhEvents>(device_.get())) {}
  AmDeviceState(const AmDeviceState&) = delete;
  AmDeviceState& operator=(const AmDeviceState&) = delete;

  AmDevice& hw() { return *device_; }
  const GpuFamily& family() const { return *device_->family(); }
  const DeviceInfo& info() const { return info_; }
  VramAllocator& heap() { return *heap_; }
  QueueHardware& queues() { return *queues_; }
  const std::shared_ptr<const void>& anchor() const { return anchor_; }
  /// VA of VRAM offset 0 in this device's window (0: no window, buffers use the 1:1 VA).
  uint64_t window() const { return window_; }
  /// The IH ring's entries by context id (signal waits, am_signal.h).
  const std::shared_ptr<IhEvents>& events() const { return events_; }

  /// `size` bytes of VRAM from the heap (page-rounded); cpu: CPU address filled in (null beyond
  /// the BAR0 aperture).
  Expected<VramBlock> allocate(uint64_t size, uint64_t alignment = 4096);

 private:
  uint64_t window_;
  std::shared_ptr<PciPort> port_;  // outlives device_ (declared first, destroyed last)
  std::unique_ptr<AmDevice> device_;
  DeviceInfo info_;
  std::shared_ptr<VramAllocator> heap_;
  QueueHardware* queues_;  // owned by device_
  std::shared_ptr<const void> anchor_;
  std::shared_ptr<IhEvents> events_;  // holds device_.get(); signals keep the state alive
};

class AmGpu final : public Device {
 public:
  explicit AmGpu(std::shared_ptr<AmDeviceState> state) : state_(std::move(state)) {}
  const DeviceInfo& info() const override { return state_->info(); }
  Expected<std::shared_ptr<Buffer>> alloc(uint64_t size, MemoryDomain domain,
                                          AllocFlags flags = {}) override;
  Expected<std::shared_ptr<Queue>> create_queue(
      QueueKind kind, QueuePriority priority = QueuePriority::kNormal) override;
  Expected<std::shared_ptr<Signal>> create_signal(uint64_t initial_value = 0) override;
  const std::shared_ptr<AmDeviceState>& state() const { return state_; }

 private:
  std::shared_ptr<AmDeviceState> state_;
};

/// Start and stride of the device windows (above).
inline constexpr uint64_t kDeviceWindowBase = 512ull << 30;
inline constexpr uint64_t kDeviceWindowBytes = 64ull << 30;
inline constexpr uint32_t kMaxDeviceWindows = 8;

/// Runs the full bring-up (bringup.h) on function `address` of `port` and wraps the device.
/// `info` is the enumeration record (id, name, ...) to report; the VRAM size and the SDMA engines
/// are filled in from what bring-up found, and each step's detail becomes a property. Any failing
/// step fails the open, naming it.
Expected<std::unique_ptr<AmGpu>> open_am_device(std::shared_ptr<PciPort> port,
                                                const PciAddress& address, DeviceInfo info,
                                                std::shared_ptr<const void> anchor);

}  // namespace amdhal::am
