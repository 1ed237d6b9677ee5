// PciPort onto the simulated PCI functions of sim/pci.
#include "sim_pci_port.h"

#include <fmt/format.h>

namespace amdhal::am {

class SimPciPort final : public PciPort {
 public:
  explicit SimPciPort(std::unique_ptr<sim::pci::SimPciSystem> sys) : sys_(std::move(sys)) {}
  std::string_view name() const override { return "sim"; }
  bool is_real_hardware() const override { return false; }
  sim::pci::SimPciSystem& system() { return *sys_; }

  Expected<std::vector<PciFunction>> enumerate_display(uint16_t vendor_id) override {
    std::vector<PciFunction> out;
    for (size_t i = 0; i < sys_->function_count(); ++i) {
      auto& f = sys_->function(i);
      if (f.vendor_id() != vendor_id) continue;
      PciFunction pf;
      pf.address = address_of(i);
      pf.vendor_id = f.vendor_id();
      pf.device_id = f.device_id();
      pf.subsystem_vendor_id = f.vendor_id();
      pf.subsystem_device_id = f.device_id();
      pf.class_code = f.class_code();
      pf.revision = f.revision();
      for (int b = 0; b < 6; ++b) {
        pf.bars[b].size = f.bar_size(b);
        pf.bars[b].base = f.bar_address(b);
        pf.bars[b].is_io = (b == sim::pci::kBarIo);
        pf.bars[b].is_64bit = (b == sim::pci::kBarVram || b == sim::pci::kBarDoorbell);
        pf.bars[b].is_prefetchable = pf.bars[b].is_64bit;
      }
      pf.driver = f.driver();
      out.push_back(std::move(pf));
    }
    return out;
  }

  Expected<uint32_t> config_read32(const PciAddress& addr, uint32_t offset) override {
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    return f->config_read32(offset);
  }
  Status config_write32(const PciAddress& addr, uint32_t offset, uint32_t value) override {
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    return f->config_write32(offset, value);
  }
  Expected<void*> map_bar(const PciAddress& addr, int bar, uint64_t offset, uint64_t size,
                          bool writable) override {
    (void)writable;
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    uint8_t* host = (bar >= 0 && bar < 6) ? f->bar_host(bar) : nullptr;
    if (host == nullptr || size == 0 || offset + size > f->bar_size(bar)) {
      return out_of_range(fmt::format("{}: cannot map BAR{} [0x{:x}, +0x{:x}) (BAR size 0x{:x})",
                                      addr.to_string(), bar, offset, size,
                                      (bar >= 0 && bar < 6) ? f->bar_size(bar) : 0));
    }
    return static_cast<void*>(host + offset);
  }
  Status unmap_bar(const PciAddress& addr, void* mapping, uint64_t size) override {
    (void)mapping;
    (void)size;
    return find(addr).status();
  }
  Status unbind_driver(const PciAddress& addr) override {
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    return f->unbind();
  }
  Expected<uint32_t> reg_read32(const PciAddress& addr, int bar, void* mapping,
                                uint64_t byte_offset) override {
    if (bar != sim::pci::kBarMmio) return PciPort::reg_read32(addr, bar, mapping, byte_offset);
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    return f->mmio_read32(byte_offset);
  }
  Status reg_write32(const PciAddress& addr, int bar, void* mapping, uint64_t byte_offset,
                     uint32_t value) override {
    if (bar != sim::pci::kBarMmio) {
      return PciPort::reg_write32(addr, bar, mapping, byte_offset, value);
    }
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    return f->mmio_write32(byte_offset, value);
  }

  Status doorbell_write64(const PciAddress& addr, void* mapping, uint64_t byte_offset,
                          uint64_t value) override {
    (void)mapping;
    AMDHAL_ASSIGN_OR_RETURN(sim::pci::SimPciFunction * f, find(addr));
    const uint64_t slot = byte_offset / 8;
    if (byte_offset % 8 != 0 || slot >= sim::Device::kDoorbellSlots) {
      return out_of_range(fmt::format(
          "{}: doorbell byte offset 0x{:x} is not an 8-byte slot of the simulated doorbell page "
          "({} slots)",
          addr.to_string(), byte_offset, sim::Device::kDoorbellSlots));
    }
    // Through the function's NBIO routing: an unrouted doorbell is dropped, as on the bus (the
    // reason is in SimPciFunction::last_doorbell_error()).
    (void)f->ring_doorbell(static_cast<uint32_t>(slot), value);
    return ok_status();
  }

  static PciAddress address_of(size_t i) {
    return PciAddress{0, sim::pci::SimPciSystem::bus_of(i), 0, 0};
  }

 private:
  Expected<sim::pci::SimPciFunction*> find(const PciAddress& addr) {
    for (size_t i = 0; i < sys_->function_count(); ++i) {
      if (address_of(i) == addr) return &sys_->function(i);
    }
    return not_found(fmt::format("no simulated PCI function at {}", addr.to_string()));
  }

  std::unique_ptr<sim::pci::SimPciSystem> sys_;
};

sim::pci::SimPciSystem* sim_pci_system(PciPort& port) {
  auto* sim = dynamic_cast<SimPciPort*>(&port);
  return sim == nullptr ? nullptr : &sim->system();
}

Expected<std::unique_ptr<PciPort>> make_sim_pci_port(std::string_view spec) {
  AMDHAL_ASSIGN_OR_RETURN(auto sys, sim::pci::SimPciSystem::from_spec(spec));
  return std::unique_ptr<PciPort>(std::make_unique<SimPciPort>(std::move(sys)));
}

}  // namespace amdhal::am
