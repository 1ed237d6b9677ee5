// The files the interposer serves instead of the kernel's: a private directory ("fake root")
// that mirrors the absolute paths it claims (root + "/sys/module/amdgpu/initstate" answers
// "/sys/module/amdgpu/initstate"). Reads, directory listings and fstat then go through libc
// untouched.
#pragma once

#include <string>
#include <vector>

#include "amdhal/status.h"
#include "amdhal_sim_kfd/virtual_kfd.h"

namespace amdhal::interpose {

/// Creates `root`'s process-independent part: proc/modules (`real_modules`, the real file's
/// contents or "", plus the amdgpu line lsmod prints) and sys/module/amdgpu (initstate "live",
/// refcnt, holders/), and the directory the KFD topology link goes into.
Status build_static_tree(const std::string& root, const std::string& real_modules);

/// Adds what needs the simulated GPUs: the KFD topology link
/// (sys/devices/virtual/kfd/kfd/topology → the virtual KFD's tree), one PCI device directory per
/// GPU (vendor, device, mem_info_vram_*, gpu_busy_percent, drm/cardN, drm/renderD<minor>) and the
/// sys/class/drm, sys/dev/char/226:N and sys/bus/pci/devices links to it.
/// Returns the absolute PCI device paths it created (to be claimed).
Expected<std::vector<std::string>> build_gpu_tree(const std::string& root,
                                                  const sim::VirtualKfd& vkfd);

/// Rewrites the device attributes that change (mem_info_vram_used, mem_info_vram_total,
/// gpu_busy_percent, gpu_metrics) in the PCI device directory `dev_abs` (as returned by
/// build_gpu_tree) from `usage`; `activity_acc` is the accumulated busy samples
/// (gpu_metrics gfx_activity_acc). Files are replaced atomically (rename).
Status write_usage(const std::string& root, const std::string& dev_abs,
                   const sim::VirtualKfd::Usage& usage, uint32_t activity_acc);

/// "0000:03:00.0" for a KFD node's domain and location_id (bus << 8 | device << 3 | function).
std::string pci_address(uint64_t domain, uint64_t location_id);

}  // namespace amdhal::interpose
