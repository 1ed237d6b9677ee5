// PciPort onto the real PCI bus: libpciaccess for enumeration, config space and BAR mappings;
// sysfs (/sys/bus/pci/devices/<bdf>/driver) for driver binding.
#include <pciaccess.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <fmt/format.h>

#include "pci_port.h"

namespace amdhal::am {

std::string PciAddress::to_string() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

Expected<PciAddress> PciAddress::parse(std::string_view text) {
  auto bad = [&] {
    return invalid_argument(
        fmt::format("'{}' is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:03:00.0)", text));
  };
  auto hex = [](std::string_view s, uint32_t max, uint32_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc() && p == s.data() + s.size() && out <= max;
  };
  PciAddress a;
  std::string_view rest = text;
  uint32_t v = 0;
  const size_t first = rest.find(':');
  if (first == std::string_view::npos) return bad();
  if (rest.find(':', first + 1) != std::string_view::npos) {
    if (!hex(rest.substr(0, first), 0xffff, v)) return bad();
    a.domain = v;
    rest = rest.substr(first + 1);
  }
  const size_t colon = rest.find(':');
  const size_t dot = rest.find('.');
  if (colon == std::string_view::npos || dot == std::string_view::npos || dot < colon) return bad();
  if (!hex(rest.substr(0, colon), 0xff, v)) return bad();
  a.bus = static_cast<uint8_t>(v);
  if (!hex(rest.substr(colon + 1, dot - colon - 1), 0x1f, v)) return bad();
  a.device = static_cast<uint8_t>(v);
  if (!hex(rest.substr(dot + 1), 0x7, v)) return bad();
  a.function = static_cast<uint8_t>(v);
  return a;
}

namespace {

std::string sysfs_driver(const PciAddress& addr) {
  std::error_code ec;
  const auto link = std::filesystem::read_symlink(
      fmt::format("/sys/bus/pci/devices/{}/driver", addr.to_string()), ec);
  return ec ? std::string() : link.filename().string();
}

class PciAccessPort final : public PciPort {
 public:
  PciAccessPort() = default;
  ~PciAccessPort() override { pci_system_cleanup(); }

  std::string_view name() const override { return "libpciaccess"; }

  Expected<std::vector<PciFunction>> enumerate_display(uint16_t vendor_id) override {
    pci_id_match match{};
    match.vendor_id = vendor_id;
    match.device_id = PCI_MATCH_ANY;
    match.subvendor_id = PCI_MATCH_ANY;
    match.subdevice_id = PCI_MATCH_ANY;
    match.device_class = 0x030000;  // PCI base class 0x03: display controller
    match.device_class_mask = 0xff0000;
    pci_device_iterator* it = pci_id_match_iterator_create(&match);
    if (it == nullptr) return resource_exhausted("libpciaccess: cannot create a device iterator");
    std::vector<PciFunction> out;
    while (pci_device* dev = pci_device_next(it)) {
      const int err = pci_device_probe(dev);
      PciFunction f;
      f.address = {dev->domain, dev->bus, dev->dev, dev->func};
      f.vendor_id = dev->vendor_id;
      f.device_id = dev->device_id;
      f.subsystem_vendor_id = dev->subvendor_id;
      f.subsystem_device_id = dev->subdevice_id;
      f.class_code = dev->device_class;
      f.revision = dev->revision;
      if (err == 0) {
        for (int i = 0; i < 6; ++i) {
          f.bars[i] = {dev->regions[i].base_addr, dev->regions[i].size, dev->regions[i].is_IO != 0,
                       dev->regions[i].is_64 != 0, dev->regions[i].is_prefetchable != 0};
        }
      }
      f.driver = sysfs_driver(f.address);
      out.push_back(std::move(f));
    }
    pci_iterator_destroy(it);
    return out;
  }

  Expected<uint32_t> config_read32(const PciAddress& addr, uint32_t offset) override {
    AMDHAL_ASSIGN_OR_RETURN(pci_device * dev, find(addr));
    uint32_t value = 0;
    if (int err = pci_device_cfg_read_u32(dev, &value, offset); err != 0) {
      return errno_status(err, fmt::format("{}: config read at 0x{:x}", addr.to_string(), offset));
    }
    return value;
  }

  Status config_write32(const PciAddress& addr, uint32_t offset, uint32_t value) override {
    AMDHAL_ASSIGN_OR_RETURN(pci_device * dev, find(addr));
    if (int err = pci_device_cfg_write_u32(dev, value, offset); err != 0) {
      return errno_status(err, fmt::format("{}: config write at 0x{:x}", addr.to_string(), offset));
    }
    return ok_status();
  }

  Expected<void*> map_bar(const PciAddress& addr, int bar, uint64_t offset, uint64_t size,
                          bool writable) override {
    AMDHAL_ASSIGN_OR_RETURN(pci_device * dev, find(addr));
    if (bar < 0 || bar > 5)
      return invalid_argument(fmt::format("BAR index {} out of range 0-5", bar));
    if (int err = pci_device_probe(dev); err != 0) {
      return errno_status(err, fmt::format("{}: probe", addr.to_string()));
    }
    const auto& region = dev->regions[bar];
    if (region.size == 0) {
      return not_found(fmt::format("{}: BAR{} is not implemented", addr.to_string(), bar));
    }
    if (offset > region.size || size > region.size - offset) {
      return out_of_range(fmt::format("{}: BAR{} range 0x{:x}+0x{:x} exceeds its size 0x{:x}",
                                      addr.to_string(), bar, offset, size, region.size));
    }
    void* mapping = nullptr;
    const int err = pci_device_map_range(dev, region.base_addr + offset, size,
                                         writable ? PCI_DEV_MAP_FLAG_WRITABLE : 0, &mapping);
    if (err != 0) {
      return errno_status(err, fmt::format("{}: map BAR{} (run as root?)", addr.to_string(), bar));
    }
    return mapping;
  }

  Status unmap_bar(const PciAddress& addr, void* mapping, uint64_t size) override {
    AMDHAL_ASSIGN_OR_RETURN(pci_device * dev, find(addr));
    if (int err = pci_device_unmap_range(dev, mapping, size); err != 0) {
      return errno_status(err, fmt::format("{}: unmap BAR range", addr.to_string()));
    }
    return ok_status();
  }

  Status unbind_driver(const PciAddress& addr) override {
    const std::string driver = sysfs_driver(addr);
    if (driver.empty()) return ok_status();
    const std::string path = fmt::format("/sys/bus/pci/drivers/{}/unbind", driver);
    std::ofstream out(path);
    if (!out) return errno_status(errno, fmt::format("open {} (needs root)", path));
    out << addr.to_string();
    out.flush();
    if (!out) return errno_status(errno, fmt::format("write {} to {}", addr.to_string(), path));
    return ok_status();
  }

 private:
  Expected<pci_device*> find(const PciAddress& addr) {
    pci_device* dev = pci_device_find_by_slot(addr.domain, addr.bus, addr.device, addr.function);
    if (dev == nullptr) return not_found(fmt::format("no PCI function at {}", addr.to_string()));
    return dev;
  }
};

}  // namespace

Expected<std::unique_ptr<PciPort>> make_libpciaccess_port() {
  // libpciaccess keeps one process-wide state; pci_system_init is reference-free, so the port
  // owns it for its lifetime.
  if (int err = pci_system_init(); err != 0) {
    return errno_status(err, "libpciaccess: pci_system_init");
  }
  return std::unique_ptr<PciPort>(std::make_unique<PciAccessPort>());
}

}  // namespace amdhal::am
