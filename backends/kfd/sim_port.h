// The KfdPort onto the simulator's virtual KFD (sim/kfd), and the simulated device ids the kfd
// backend accepts: "sim:<target>[x<count>][,key=value...][#<index>]" — "sim:gfx942" is device 0
// of a one-GPU gfx942 system, "sim:gfx942x4#2" device 2 of a four-GPU system. Every id with the
// same spec (the part before '#') shares one VirtualKfd and one KFD process, so its devices can
// map each other's memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "amdhal/sim_device_id.h"
#include "amdhal/status.h"
#include "kfd_port.h"

namespace amdhal::sim {
class VirtualKfd;
}  // namespace amdhal::sim

namespace amdhal::kfd {

/// A port whose open/close/ioctl/mmap/munmap and topology root are the virtual KFD's. Anonymous
/// mappings (fd -1) go to libc; any other path or fd is refused (ENOENT / EBADF), so the real
/// /dev and /sys are never touched.
std::shared_ptr<KfdPort> make_sim_port(std::shared_ptr<sim::VirtualKfd> vkfd);

/// The VirtualKfd behind a port made by make_sim_port, else null.
std::shared_ptr<sim::VirtualKfd> sim_port_vkfd(const KfdPort& port);

// Simulated device ids: the grammar every backend shares (amdhal/sim_device_id.h).
using amdhal::is_sim_device_id;
using amdhal::parse_sim_device_id;
using amdhal::sim_device_id;
using amdhal::SimDeviceId;

}  // namespace amdhal::kfd
