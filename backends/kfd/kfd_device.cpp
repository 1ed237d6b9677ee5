#include "kfd_device.h"

#include <linux/kfd_ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "amdhal/plugin_abi.h"
#include "kfd_abi.h"
#include "kfd_device_list.h"
#include "kfd_queue.h"
#include "kfd_signal.h"

namespace amdhal::kfd {
namespace {

bool simulated_port(const KfdPort& port) {
  return port.name() != "kernel";
}

uint32_t property_u32(const DeviceInfo& info, std::string_view key) {
  for (const auto& [k, v] : info.properties) {
    if (k == key) {
      uint32_t out = 0;
      std::from_chars(v.data(), v.data() + v.size(), out);
      return out;
    }
  }
  return 0;
}

}  // namespace

// ---- KfdDeviceState ----

KfdDeviceState::~KfdDeviceState() {
  for (auto& [offset, cpu] : doorbell_slices_) {
    process_->port().munmap(cpu, kDoorbellSliceBytes).ignore();
  }
}

Expected<KfdMemory> KfdDeviceState::allocate(KfdMemoryRequest request, bool map_peers) {
  request.gpu_ids = {gpu_id()};
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory memory, KfdMemory::allocate(*process_, request));
  if (map_peers) {
    std::vector<uint32_t> peers = process_->acquired_gpu_ids();
    std::erase(peers, gpu_id());
    // One MAP per peer, so that a peer without access to this memory (no P2P path) only loses
    // its own mapping.
    for (uint32_t peer : peers) memory.map_to(std::span<const uint32_t>(&peer, 1)).ignore();
  }
  return memory;
}

Expected<uint64_t*> KfdDeviceState::doorbell(uint64_t doorbell_offset) {
  const uint64_t base = doorbell_offset & ~(kDoorbellSliceBytes - 1);
  const uint64_t within = doorbell_offset & (kDoorbellSliceBytes - 1);
  std::lock_guard lock(mu_);
  for (auto& [offset, cpu] : doorbell_slices_) {
    if (offset == base) return reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(cpu) + within);
  }
  auto cpu = process_->port().mmap(nullptr, kDoorbellSliceBytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                                   process_->kfd_fd(), static_cast<off_t>(base));
  if (!cpu.ok()) {
    return cpu.status().with_context(fmt::format(
        "kfd: mapping the doorbells of GPU {} (/dev/kfd offset 0x{:x})", gpu_id(), base));
  }
  doorbell_slices_.emplace_back(base, *cpu);
  return reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(*cpu) + within);
}

Expected<KfdClockCounters> KfdDeviceState::clock_counters() const {
  return read_clock_counters(*process_, gpu_id());
}

Expected<KfdClockCounters> read_clock_counters(KfdProcess& process, uint32_t gpu_id) {
  kfd_ioctl_get_clock_counters_args args{};
  args.gpu_id = gpu_id;
  AMDHAL_RETURN_IF_ERROR(
      process.ioctl(AMDKFD_IOC_GET_CLOCK_COUNTERS, &args, "AMDKFD_IOC_GET_CLOCK_COUNTERS"));
  KfdClockCounters c;
  c.gpu_clock_counter = args.gpu_clock_counter;
  c.cpu_clock_counter = args.cpu_clock_counter;
  c.system_clock_counter = args.system_clock_counter;
  c.system_clock_freq = args.system_clock_freq;
  return c;
}

// ---- KfdDevice ----

Expected<std::shared_ptr<Buffer>> KfdDevice::adopt_memory(KfdMemory memory, MemoryDomain domain) {
  return std::shared_ptr<Buffer>(adopt<Buffer>(
      std::make_unique<KfdBuffer>(state_, std::move(memory), domain), state_->anchor()));
}

Expected<std::shared_ptr<Buffer>> KfdDevice::alloc(uint64_t size, MemoryDomain domain,
                                                   AllocFlags flags) {
  if (size == 0) return invalid_argument("alloc: size is 0");
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory memory, state_->allocate(request_for(size, domain, flags)));
  return adopt_memory(std::move(memory), domain);
}

Expected<std::shared_ptr<Buffer>> KfdDevice::alloc_doorbell_memory() {
  KfdMemoryRequest r;
  r.size = kDoorbellSliceBytes;
  r.kind = KfdMemoryKind::kDoorbell;
  r.cpu_visible = false;
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory memory, state_->allocate(r, /*map_peers=*/false));
  return adopt_memory(std::move(memory), MemoryDomain::kGtt);
}

Expected<std::shared_ptr<Buffer>> KfdDevice::alloc_mmio_remap() {
  KfdMemoryRequest r;
  r.size = kPageSize;
  r.kind = KfdMemoryKind::kMmioRemap;
  r.cpu_visible = false;
  AMDHAL_ASSIGN_OR_RETURN(KfdMemory memory, state_->allocate(r, /*map_peers=*/false));
  return adopt_memory(std::move(memory), MemoryDomain::kGtt);
}

Expected<std::shared_ptr<Queue>> KfdDevice::create_queue(QueueKind kind, QueuePriority priority) {
  AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdQueue> queue,
                          KfdQueue::create(state_, kind, priority));
  return std::shared_ptr<Queue>(adopt<Queue>(std::move(queue), state_->anchor()));
}

Expected<std::shared_ptr<Signal>> KfdDevice::create_signal(uint64_t initial_value) {
  AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdSignal> signal,
                          KfdSignal::create(state_, initial_value, /*with_event=*/true));
  return std::shared_ptr<Signal>(adopt<Signal>(std::move(signal), state_->anchor()));
}

// ---- opening ----

Expected<uint32_t> gpu_id_for(const KfdProcess& process, std::string_view id) {
  AMDHAL_ASSIGN_OR_RETURN(
      std::vector<DeviceInfo> devices,
      list_topology_devices(process.port().topology_root(), "kfd", simulated_port(process.port())));
  std::string known;
  for (const DeviceInfo& d : devices) {
    if (d.id == id) return property_u32(d, "gpu_id");
    known += (known.empty() ? "" : ", ") + d.id;
  }
  return not_found(
      fmt::format("kfd: no device {} (known: {})", id, known.empty() ? "none" : known));
}

Expected<std::unique_ptr<KfdDevice>> open_kfd_device(std::shared_ptr<KfdProcess> process,
                                                     uint32_t gpu_id,
                                                     std::shared_ptr<const void> anchor) {
  if (!process) return invalid_argument("kfd: no process");
  AMDHAL_ASSIGN_OR_RETURN(const KfdGpu* gpu, process->acquire_gpu(gpu_id));

  const uint32_t gfx = gpu->node->gfx_target_version();
  auto family = find_family_by_target_version(gfx);
  if (!family.ok()) {
    return unimplemented(fmt::format(
        "kfd: GPU {} reports gfx_target_version {} ({}): amdhal has no packet tables for it",
        gpu_id, gfx, gpu->node->gfx_target()));
  }

  AMDHAL_ASSIGN_OR_RETURN(std::vector<DeviceInfo> devices,
                          list_topology_devices(process->port().topology_root(), "kfd",
                                                simulated_port(process->port())));
  DeviceInfo info;
  bool found = false;
  for (DeviceInfo& d : devices) {
    if (property_u32(d, "gpu_id") == gpu_id) {
      info = std::move(d);
      found = true;
      break;
    }
  }
  if (!found) return not_found(fmt::format("kfd: GPU {} is not in the topology", gpu_id));
  info.properties.emplace_back(
      "kfd_version", fmt::format("{}.{}", process->major_version(), process->minor_version()));
  if (gpu->apertures.has_value()) {
    info.properties.emplace_back(
        "gpuvm_aperture",
        fmt::format("0x{:x}-0x{:x}", gpu->apertures->gpuvm_base, gpu->apertures->gpuvm_limit));
  }

  AMDHAL_ASSIGN_OR_RETURN(KfdClockCounters clocks, read_clock_counters(*process, gpu_id));
  info.properties.emplace_back("system_clock_freq_hz", std::to_string(clocks.system_clock_freq));
  auto state =
      std::make_shared<KfdDeviceState>(process, gpu, *family, std::move(info), std::move(anchor));
  return std::make_unique<KfdDevice>(std::move(state));
}

}  // namespace amdhal::kfd
