// The kfd backend: GPUs owned by the amdgpu kernel driver, reached through /dev/kfd and the render
// nodes (linux/kfd_ioctl.h, libdrm_amdgpu), always through the KfdPort seam.
#include <fcntl.h>
#include <linux/kfd_ioctl.h>

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "amdhal/backend.h"
#include "amdhal/family.h"
#include "amdhal/plugin_abi.h"
#include "amdhal_sim_kfd/virtual_kfd.h"
#include "kfd_device.h"
#include "kfd_device_list.h"
#include "kfd_port.h"
#include "kfd_process.h"
#include "sim_port.h"

namespace amdhal::kfd {
namespace {

constexpr const char* kKfdPath = "/dev/kfd";

/// The simulated systems enumerate() lists: one device per family in a compact default set.
/// Any other "sim:<target>[xN][,opts][#i]" id opens too (docs/backends.md).
constexpr const char* kListedSimSpecs[] = {"sim:gfx942", "sim:gfx1100"};

/// A simulated device: the KfdDevice opened through the virtual KFD, with the id it was opened
/// by ("sim:gfx942x4#1") instead of the simulated PCI address.
class SimKfdDevice final : public Device {
 public:
  SimKfdDevice(std::unique_ptr<KfdDevice> inner, DeviceInfo info)
      : inner_(std::move(inner)), info_(std::move(info)) {}
  const DeviceInfo& info() const override { return info_; }
  Expected<std::shared_ptr<Buffer>> alloc(uint64_t size, MemoryDomain domain,
                                          AllocFlags flags) override {
    return inner_->alloc(size, domain, flags);
  }
  Expected<std::shared_ptr<Queue>> create_queue(QueueKind kind, QueuePriority priority) override {
    return inner_->create_queue(kind, priority);
  }
  Expected<std::shared_ptr<Signal>> create_signal(uint64_t initial_value) override {
    return inner_->create_signal(initial_value);
  }
  Expected<std::shared_ptr<LoadedCodeObject>> load_code_object(
      std::span<const uint8_t> bytes) override {
    return inner_->load_code_object(bytes);
  }

 private:
  std::unique_ptr<KfdDevice> inner_;
  DeviceInfo info_;
};

/// Rewrites the topology-derived records of a simulated system with their sim: ids.
void name_sim_devices(std::vector<DeviceInfo>& devices, std::string_view spec) {
  const auto n = static_cast<uint32_t>(devices.size());
  for (uint32_t i = 0; i < n; ++i) mark_simulated(devices[i], spec, i, n);
}

/// Adds what a user can do about a failed open of /dev/kfd.
Status explain_open_failure(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return Status(
          s.code(),
          s.message() + ": the amdgpu kernel driver is not loaded or no AMD GPU is present");
    case StatusCode::kPermissionDenied:
      return Status(s.code(), s.message() +
                                  ": add the user to the 'render' group (and 'video' on "
                                  "some distributions), then log in again");
    default:
      return s;
  }
}

class KfdBackend final : public Backend {
 public:
  explicit KfdBackend(std::shared_ptr<const void> anchor) : anchor_(std::move(anchor)) {}

  std::string_view name() const override { return "kfd"; }
  std::string_view version() const override { return AMDHAL_VERSION; }
  std::string_view description() const override {
    return "kernel driver: /dev/kfd and /dev/dri/renderD* (KFD ioctls, libdrm_amdgpu); "
           "sim:<target> devices through the simulator's virtual KFD";
  }

  /// Real GPUs (when /dev/kfd exists), then one simulated device per family of the default set.
  /// A real /dev/kfd that cannot be used (permissions, version) is still an error.
  Expected<std::vector<DeviceInfo>> enumerate() override {
    std::vector<DeviceInfo> devices;
    auto real = enumerate_kernel();
    hardware_status_.clear();
    if (real.ok()) {
      devices = std::move(*real);
    } else if (real.status().code() != StatusCode::kNotFound) {
      return real.status();
    } else {
      hardware_status_ = real.status().message();
    }
    for (const char* spec : kListedSimSpecs) {
      AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<sim::VirtualKfd> vkfd, virtual_kfd(spec));
      AMDHAL_ASSIGN_OR_RETURN(std::vector<DeviceInfo> sims,
                              list_topology_devices(vkfd->topology_root(), "kfd", true));
      name_sim_devices(sims, spec);
      for (DeviceInfo& d : sims) devices.push_back(std::move(d));
    }
    return devices;
  }

  std::string hardware_status() const override { return hardware_status_; }

  Expected<std::shared_ptr<Device>> open(std::string_view id) override {
    if (is_sim_device_id(id)) return open_sim(id);
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<KfdProcess> process, shared_process());
    AMDHAL_ASSIGN_OR_RETURN(const uint32_t gpu_id, gpu_id_for(*process, id));
    AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdDevice> device,
                            open_kfd_device(std::move(process), gpu_id, anchor_));
    return std::shared_ptr<Device>(adopt<Device>(std::move(device), anchor_));
  }

 private:
  std::string hardware_status_;
  Expected<std::vector<DeviceInfo>> enumerate_kernel() {
    std::unique_ptr<KfdPort> port = make_kernel_port();
    auto fd = port->open(kKfdPath, O_RDWR);
    if (!fd.ok()) return explain_open_failure(fd.status());
    kfd_ioctl_get_version_args version{};
    Status st = port->ioctl(*fd, AMDKFD_IOC_GET_VERSION, &version, "AMDKFD_IOC_GET_VERSION");
    port->close(*fd).ignore();
    AMDHAL_RETURN_IF_ERROR(st);
    if (version.major_version != KFD_IOCTL_MAJOR_VERSION) {
      return failed_precondition(fmt::format(
          "{}: KFD interface version {}.{} is not supported (this build speaks {}.x)", kKfdPath,
          version.major_version, version.minor_version, KFD_IOCTL_MAJOR_VERSION));
    }
    return list_topology_devices(port->topology_root(), "kfd", /*simulated=*/false);
  }

  /// The VirtualKfd of a spec: the live one while any device of it is open, else a new one.
  Expected<std::shared_ptr<sim::VirtualKfd>> virtual_kfd(const std::string& spec) {
    std::lock_guard lock(mu_);
    if (auto v = sims_[spec].vkfd.lock()) return v;
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<sim::VirtualKfd> v, sim::VirtualKfd::create(spec));
    sims_[spec].vkfd = v;
    return v;
  }

  /// "sim:<spec>[#i]": device i of the spec's virtual KFD, through one KfdProcess per spec.
  Expected<std::shared_ptr<Device>> open_sim(std::string_view id) {
    AMDHAL_ASSIGN_OR_RETURN(SimDeviceId sid, parse_sim_device_id(id));
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<sim::VirtualKfd> vkfd, virtual_kfd(sid.spec));
    if (sid.index >= vkfd->device_count()) {
      return not_found(fmt::format("kfd: {} has {} device(s); there is no device {}", sid.spec,
                                   vkfd->device_count(), sid.index));
    }
    std::shared_ptr<KfdProcess> process;
    {
      std::lock_guard lock(mu_);
      process = sims_[sid.spec].process.lock();
    }
    if (!process) {
      AMDHAL_ASSIGN_OR_RETURN(process, KfdProcess::open(make_sim_port(vkfd)));
      std::lock_guard lock(mu_);
      if (auto p = sims_[sid.spec].process.lock()) {
        process = p;
      } else {
        sims_[sid.spec].process = process;
      }
    }
    AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdDevice> device,
                            open_kfd_device(process, vkfd->gpu_id(sid.index), anchor_));
    std::vector<DeviceInfo> one{device->info()};
    name_sim_devices(one, sid.spec);
    DeviceInfo info = std::move(one.front());
    info.id = std::string(id);
    return std::shared_ptr<Device>(
        adopt<Device>(std::make_unique<SimKfdDevice>(std::move(device), std::move(info)), anchor_));
  }

  /// KFD keeps one process context per OS process: every device opened here shares one
  /// KfdProcess (one /dev/kfd fd, one event page, one acquired VM per GPU) while any lives.
  Expected<std::shared_ptr<KfdProcess>> shared_process() {
    std::lock_guard lock(mu_);
    if (auto p = process_.lock()) return p;
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<KfdProcess> p,
                            KfdProcess::open(std::shared_ptr<KfdPort>(make_kernel_port())));
    process_ = p;
    return p;
  }

  std::shared_ptr<const void> anchor_;
  std::mutex mu_;
  std::weak_ptr<KfdProcess> process_;
  struct SimEntry {
    std::weak_ptr<sim::VirtualKfd> vkfd;  // kept alive by the process's port
    std::weak_ptr<KfdProcess> process;    // kept alive by the devices
  };
  std::map<std::string, SimEntry> sims_;
};

Expected<std::shared_ptr<Backend>> create_kfd_backend(const PluginHost& host) {
  return adopt<Backend>(std::make_unique<KfdBackend>(host.anchor), host.anchor);
}

}  // namespace
}  // namespace amdhal::kfd

AMDHAL_BACKEND_PLUGIN(amdhal::kfd::create_kfd_backend)
