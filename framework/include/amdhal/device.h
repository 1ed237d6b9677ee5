// Device and DeviceInfo: one GPU as a backend presents it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "amdhal/buffer.h"
#include "amdhal/queue.h"
#include "amdhal/signal.h"
#include "amdhal/status.h"

namespace amdhal {

class LoadedCodeObject;

/// What a backend knows of a device before opening it.
struct DeviceInfo {
  std::string backend;       ///< "kfd", "am"
  std::string id;            ///< selector that opens it: "0000:03:00.0", "sim:gfx942"
  std::string name;          ///< product name: "AMD Instinct MI300X"
  std::string target;        ///< LLVM processor name: "gfx942"
  std::string architecture;  ///< "CDNA3"
  std::string pci_bdf;       ///< PCI address, empty if unknown
  uint16_t pci_device_id = 0;
  uint32_t gfx_target_version = 0;
  uint64_t vram_bytes = 0;
  uint32_t compute_units = 0;
  uint32_t sdma_engines = 0;
  uint32_t sdma_xgmi_engines = 0;
  uint32_t wave_size = 0;
  bool simulated = false;  ///< backed by the simulator, not hardware
  /// Further backend-specific properties shown by `amdhal info` (key, value).
  std::vector<std::pair<std::string, std::string>> properties;
};

/// An opened GPU: allocates memory, creates queues and signals.
class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceInfo& info() const = 0;
  virtual Expected<std::shared_ptr<Buffer>> alloc(uint64_t size, MemoryDomain domain,
                                                  AllocFlags flags = {}) = 0;
  virtual Expected<std::shared_ptr<Queue>> create_queue(
      QueueKind kind, QueuePriority priority = QueuePriority::kNormal) = 0;
  virtual Expected<std::shared_ptr<Signal>> create_signal(uint64_t initial_value = 0) = 0;
  /// Loads an AMDGPU code object: checks its target against this device, copies its image into
  /// CPU-visible, executable device memory and returns its kernels. Backends whose memory is not
  /// CPU-visible override this.
  virtual Expected<std::shared_ptr<LoadedCodeObject>> load_code_object(
      std::span<const uint8_t> bytes);
};

}  // namespace amdhal
