// Backend: what each backend plugin (kfd, am) implements: find devices and open them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/device.h"
#include "amdhal/status.h"

namespace amdhal {

/// A way of reaching GPUs. Implemented inside a plugin library; created by the loader.
class Backend {
 public:
  virtual ~Backend() = default;
  /// Short name used by --backend: "kfd", "am".
  virtual std::string_view name() const = 0;
  /// Version string of the plugin.
  virtual std::string_view version() const = 0;
  /// One line on what the backend talks to.
  virtual std::string_view description() const = 0;
  /// Devices this backend can reach. An error says why none can be reached at all
  /// (e.g. "/dev/kfd: ENOENT"); an empty list means it looked and found none.
  virtual Expected<std::vector<DeviceInfo>> enumerate() = 0;
  /// Why the last enumerate() found no real hardware (e.g. "/dev/kfd: ENOENT ..."), when it
  /// still returned devices (simulated ones); empty otherwise.
  virtual std::string hardware_status() const { return {}; }
  /// Opens a device by the `id` enumerate() reported.
  virtual Expected<std::shared_ptr<Device>> open(std::string_view id) = 0;
};

}  // namespace amdhal
