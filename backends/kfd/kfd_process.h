// KfdProcess: this process's view of KFD, shared by every device opened through one port.
//
// KFD keeps one kfd_process per OS process (keyed by its mm, kernel kfd_process.c), whatever the
// number of /dev/kfd file descriptors: the event page can be set once, and each GPU's VM can be
// acquired with one render-node file. So the backend opens /dev/kfd once, acquires each GPU once
// and keeps the render-node fds and the event page here for as long as any device, buffer, queue
// or signal made from it lives.
//
// Open sequence (tinygrad ops_amd.py KFDIface, ROCT openclose.c / fmm.c):
//   open /dev/kfd O_RDWR|O_CLOEXEC → AMDKFD_IOC_GET_VERSION (major must be KFD_IOCTL_MAJOR_VERSION)
//   → topology (port->topology_root()); per GPU on first use: open /dev/dri/renderD<minor>
//   → AMDKFD_IOC_GET_PROCESS_APERTURES_NEW (count, then fill) → AMDKFD_IOC_ACQUIRE_VM.
// AMDKFD_IOC_RUNTIME_ENABLE (KFD 1.14+) is not in the kfd_ioctl.h (1.11) this builds against and
// is not sent.
#pragma once

#include <linux/kfd_ioctl.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "amdhal/status.h"
#include "amdhal/topology.h"
#include "kfd_port.h"

namespace amdhal::kfd {

class KfdMemory;

/// One GPU whose VM this process has acquired.
struct KfdGpu {
  uint32_t gpu_id = 0;
  const TopologyNode* node = nullptr;  ///< points into KfdProcess::topology()
  int render_fd = -1;
  /// The GPU's apertures from GET_PROCESS_APERTURES_NEW, if KFD reported them.
  std::optional<kfd_process_device_apertures> apertures;
};

class KfdProcess {
 public:
  /// Opens /dev/kfd through `port`, checks the interface version and reads the topology.
  static Expected<std::shared_ptr<KfdProcess>> open(std::shared_ptr<KfdPort> port);

  KfdProcess(const KfdProcess&) = delete;
  KfdProcess& operator=(const KfdProcess&) = delete;
  /// Releases the event page, closes the render nodes, then /dev/kfd.
  ~KfdProcess();

  KfdPort& port() const { return *port_; }
  int kfd_fd() const { return kfd_fd_; }
  uint32_t major_version() const { return major_; }
  uint32_t minor_version() const { return minor_; }
  const Topology& topology() const { return topology_; }

  /// An ioctl on /dev/kfd; errors carry the ioctl name, the errno and what it means.
  Status ioctl(unsigned long request, void* arg, std::string_view name);

  /// Opens the GPU's render node and acquires its VM, once; later calls return the same record.
  Expected<const KfdGpu*> acquire_gpu(uint32_t gpu_id);
  /// The acquired GPU, or nullptr.
  const KfdGpu* gpu(uint32_t gpu_id) const;
  /// gpu_ids of every acquired GPU, in acquisition order.
  std::vector<uint32_t> acquired_gpu_ids() const;

  /// The handle to pass as event_page_offset with the next CREATE_EVENT, allocating the page on
  /// `gpu_id` (GTT, uncached, kEventPageBytes) the first time; 0 once KFD has accepted a page.
  Expected<uint64_t> event_page_offset_for_create(uint32_t gpu_id);
  /// Records that CREATE_EVENT accepted the event page.
  void event_page_accepted();
  /// GPU address of the event page (0 before the first event): slot i is at + 8 * i, where GPU
  /// work writes an event's id before raising its interrupt (kernel kfd_events.c only wakes
  /// events whose slot was written).
  uint64_t event_page_address() const;

 private:
  KfdProcess(std::shared_ptr<KfdPort> port, int kfd_fd);

  std::shared_ptr<KfdPort> port_;
  int kfd_fd_ = -1;
  uint32_t major_ = 0;
  uint32_t minor_ = 0;
  Topology topology_;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<KfdGpu>> gpus_;
  std::unique_ptr<KfdMemory> event_page_;
  bool event_page_set_ = false;
};

}  // namespace amdhal::kfd
