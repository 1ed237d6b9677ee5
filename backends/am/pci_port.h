// PciPort: the seam between the bare-metal backend and the PCI bus. Enumeration, config space,
// BAR mappings and driver binding all go through it, so the same backend code runs on a real GPU
// (libpciaccess) and on the simulator's PCI function.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/status.h"

namespace amdhal::am {

/// A PCI function address, printed as "0000:03:00.0".
struct PciAddress {
  uint32_t domain = 0;
  uint8_t bus = 0;
  uint8_t device = 0;
  uint8_t function = 0;
  std::string to_string() const;
  /// Parses "DDDD:BB:DD.F" or "BB:DD.F".
  static Expected<PciAddress> parse(std::string_view text);
  friend bool operator==(const PciAddress&, const PciAddress&) = default;
};

/// One base address register as the bus reports it.
struct PciBar {
  uint64_t base = 0;
  uint64_t size = 0;
  bool is_io = false;
  bool is_64bit = false;
  bool is_prefetchable = false;
};

/// What enumeration reports of one PCI function.
struct PciFunction {
  PciAddress address;
  uint16_t vendor_id = 0;
  uint16_t device_id = 0;
  uint16_t subsystem_vendor_id = 0;
  uint16_t subsystem_device_id = 0;
  uint32_t class_code = 0;  ///< 24-bit class/subclass/prog-if, 0x03xxxx for display
  uint8_t revision = 0;
  std::array<PciBar, 6> bars{};
  std::string driver;  ///< kernel driver bound to it ("amdgpu"), empty if unbound
};

class PciPort {
 public:
  virtual ~PciPort() = default;
  /// Short name for messages: "libpciaccess", "sim".
  virtual std::string_view name() const = 0;
  /// Every display-class function of the given vendor.
  virtual Expected<std::vector<PciFunction>> enumerate_display(uint16_t vendor_id) = 0;
  virtual Expected<uint32_t> config_read32(const PciAddress& addr, uint32_t offset) = 0;
  virtual Status config_write32(const PciAddress& addr, uint32_t offset, uint32_t value) = 0;
  /// Maps `size` bytes at `offset` into BAR `bar`.
  virtual Expected<void*> map_bar(const PciAddress& addr, int bar, uint64_t offset, uint64_t size,
                                  bool writable) = 0;
  virtual Status unmap_bar(const PciAddress& addr, void* mapping, uint64_t size) = 0;
  /// 32-bit register access at `byte_offset` into a BAR mapping made by map_bar. The default is a
  /// volatile load/store through the mapping (what a real BAR needs); the sim port overrides both
  /// to reach the simulated register file, which reacts to each access.
  virtual Expected<uint32_t> reg_read32(const PciAddress& addr, int bar, void* mapping,
                                        uint64_t byte_offset) {
    (void)addr;
    (void)bar;
    const uint32_t value =
        *reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(mapping) + byte_offset);
    return value;
  }
  virtual Status reg_write32(const PciAddress& addr, int bar, void* mapping, uint64_t byte_offset,
                             uint32_t value) {
    (void)addr;
    (void)bar;
    *reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(mapping) + byte_offset) = value;
    return Status();
  }
  /// 64-bit doorbell store at `byte_offset` into a BAR2 mapping made by map_bar: a volatile
  /// 64-bit store through the mapping (one bus write, as the doorbell needs); the sim port
  /// overrides it to ring the simulated device's doorbell slot (which wakes the queue bound to
  /// it). Offsets must be 8-byte aligned and inside the mapping.
  virtual Status doorbell_write64(const PciAddress& addr, void* mapping, uint64_t byte_offset,
                                  uint64_t value) {
    (void)addr;
    *reinterpret_cast<volatile uint64_t*>(static_cast<uint8_t*>(mapping) + byte_offset) = value;
    return Status();
  }
  /// True for a port onto real hardware (register writes then need explicit consent).
  virtual bool is_real_hardware() const { return true; }
  /// Unbinds the kernel driver from the function (needs root).
  virtual Status unbind_driver(const PciAddress& addr) = 0;
};

/// The port onto the real bus, through libpciaccess and sysfs.
Expected<std::unique_ptr<PciPort>> make_libpciaccess_port();

}  // namespace amdhal::am
