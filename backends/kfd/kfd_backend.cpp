// The kfd backend: GPUs owned by the amdgpu kernel driver, reached through /dev/kfd and the render
// nodes (linux/kfd_ioctl.h, libdrm_amdgpu), always through the KfdPort seam.
#include <fcntl.h>
#include <linux/kfd_ioctl.h>

#include <mutex>

#include <fmt/format.h>

#include "amdhal/backend.h"
#include "amdhal/family.h"
#include "amdhal/plugin_abi.h"
#include "kfd_device.h"
#include "kfd_device_list.h"
#include "kfd_port.h"
#include "kfd_process.h"

namespace amdhal::kfd {
namespace {

constexpr const char* kKfdPath = "/dev/kfd";

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
    return "kernel driver: /dev/kfd and /dev/dri/renderD* (KFD ioctls, libdrm_amdgpu)";
  }

  Expected<std::vector<DeviceInfo>> enumerate() override {
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

  Expected<std::shared_ptr<Device>> open(std::string_view id) override {
    AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<KfdProcess> process, shared_process());
    AMDHAL_ASSIGN_OR_RETURN(const uint32_t gpu_id, gpu_id_for(*process, id));
    AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdDevice> device,
                            open_kfd_device(std::move(process), gpu_id, anchor_));
    return std::shared_ptr<Device>(adopt<Device>(std::move(device), anchor_));
  }

 private:
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
};

Expected<std::shared_ptr<Backend>> create_kfd_backend(const PluginHost& host) {
  return adopt<Backend>(std::make_unique<KfdBackend>(host.anchor), host.anchor);
}

}  // namespace
}  // namespace amdhal::kfd

AMDHAL_BACKEND_PLUGIN(amdhal::kfd::create_kfd_backend)
