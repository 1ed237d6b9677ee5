// Simulated PCI function: config space, BARs, driver binding and the MMIO register file.
#include "amdhal_sim_pci/pci_function.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "amdhal_sim_pci/discovery_image.h"
#include "queues.h"

namespace amdhal::sim::pci {
namespace {

// Config-space BAR flag bits (PCI Local Bus spec 6.2.5.1): bit 0 I/O, bits 2:1 type (10b =
// 64-bit), bit 3 prefetchable.
constexpr uint32_t kBarMem64Pref = 0x4 | 0x8;
constexpr uint32_t kBarIoFlag = 0x1;
constexpr uint64_t kDoorbellBarBytes = 2ull << 20;  // 2 MiB doorbell aperture, as on dGPUs
constexpr uint64_t kIoBarBytes = 256;

// The names faults go by in a device spec (fault=NAME) and AMDHAL_SIM_FAULT=pci:NAME.
constexpr std::pair<std::string_view, PciFault> kFaultNames[] = {
    {"discovery-signature", PciFault::kDiscoverySignature},
    {"discovery-checksum", PciFault::kDiscoveryChecksum},
    {"memsize-zero", PciFault::kMemsizeZero},
    {"ring-timeout", PciFault::kRingTimeout},
    {"gmc-noack", PciFault::kGmcNoAck},
    {"ih-stuck", PciFault::kIhStuck},
    {"psp-timeout", PciFault::kPspTimeout},
    {"psp-reject", PciFault::kPspReject},
    {"smu-noresponse", PciFault::kSmuNoResponse},
    {"doorbell-unrouted", PciFault::kDoorbellUnrouted},
};

}  // namespace

Expected<PciFault> parse_pci_fault(std::string_view name) {
  std::string known;
  for (const auto& [n, f] : kFaultNames) {
    if (n == name) return f;
    known += known.empty() ? "" : ", ";
    known += n;
  }
  return invalid_argument(fmt::format("unknown simulated PCI fault '{}' (known: {})", name, known));
}

SimPciFunction::SimPciFunction(Device& device, std::string driver, PciFault fault)
    : device_(&device),
      driver_(std::move(driver)),
      fault_(fault),
      config_(64, 0),
      mmio_shadow_(kMmioBytes, 0) {}

SimPciFunction::~SimPciFunction() {
  // The IH model receives the core's interrupts; stop them before it goes away.
  if (ips_) device_->set_interrupt_handler(nullptr);
}

std::string_view pci_fault_name(PciFault fault) {
  for (const auto& [n, f] : kFaultNames) {
    if (f == fault) return n;
  }
  return "";
}

PciFault SimPciFunction::fault() const {
  std::lock_guard lock(mutex_);
  return fault_;
}

void SimPciFunction::set_fault(PciFault fault) {
  std::lock_guard lock(mutex_);
  fault_ = fault;
}

HubState SimPciFunction::hub_state(int hub) const {
  std::lock_guard lock(mutex_);
  return ips_->hub(hub);
}
IhState SimPciFunction::ih_state() const {
  return ips_->ih();  // the IH model has its own lock (interrupts arrive without mutex_)
}
PspState SimPciFunction::psp_state() const {
  std::lock_guard lock(mutex_);
  return ips_->psp();
}
SmuState SimPciFunction::smu_state() const {
  std::lock_guard lock(mutex_);
  return ips_->smu();
}

Expected<std::unique_ptr<SimPciFunction>> SimPciFunction::create(Device& device, std::string driver,
                                                                 PciFault fault) {
  if (device.family().pci_device_ids.empty()) {
    return invalid_argument(
        fmt::format("simulated PCI function: {} has no PCI device id", device.family().name));
  }
  std::unique_ptr<SimPciFunction> f(new SimPciFunction(device, std::move(driver), fault));
  AMDHAL_RETURN_IF_ERROR(f->init());
  return f;
}

uint16_t SimPciFunction::device_id() const {
  return family().pci_device_ids.front();
}

Status SimPciFunction::init() {
  const uint32_t i = device_->index();
  config_[0] = vendor_id() | (static_cast<uint32_t>(device_id()) << 16);
  config_[1] = 0x0006;  // command: memory space + bus master
  config_[2] = revision() | (class_code() << 8);
  config_[3] = 0;
  // BAR0/1: VRAM aperture; BAR2/3: doorbells; BAR4: I/O; BAR5: registers. Bus addresses are made
  // up per function (64-bit apertures above 4 GiB, registers below).
  const uint64_t vram_bus = 0x3800'0000'0000ull + (static_cast<uint64_t>(i) << 40);
  const uint64_t db_bus = 0x3000'0000'0000ull + (static_cast<uint64_t>(i) << 32);
  config_[4] = static_cast<uint32_t>(vram_bus) | kBarMem64Pref;
  config_[5] = static_cast<uint32_t>(vram_bus >> 32);
  config_[6] = static_cast<uint32_t>(db_bus) | kBarMem64Pref;
  config_[7] = static_cast<uint32_t>(db_bus >> 32);
  config_[8] = (0xe000 - 0x100 * i) | kBarIoFlag;
  config_[9] = 0xfc000000u - static_cast<uint32_t>(i) * 0x100000u;
  config_[11] = vendor_id() | (static_cast<uint32_t>(device_id()) << 16);  // subsystem

  // The discovery binary at VRAM end - 64 KiB.
  const std::vector<SimIpBlock> blocks = sim_ip_blocks(family());
  std::vector<uint8_t> bin = build_discovery_binary(blocks);
  ips_ = std::make_unique<SimIpModels>(*device_, blocks, regs_, fault_);
  SimIpModels* ips = ips_.get();
  device_->set_interrupt_handler([ips](const Interrupt& irq) { ips->on_interrupt(irq); });
  PhysicalMemory& mem = device_->physical();
  if (mem.vram_size() < kDiscoveryTmrOffset) {
    return invalid_argument("simulated PCI function: VRAM smaller than 64 KiB");
  }
  queues_ = std::make_unique<SimQueueBlock>(*device_, blocks, fault_ == PciFault::kRingTimeout,
                                            fault_ == PciFault::kDoorbellUnrouted);
  for (const auto& b : blocks) {
    if (b.hw_id != kHwIdNbif || b.instance != 0 || b.bases.size() < 2) continue;
    indirect_.emplace_back(b.bases[0] + 0x0e, b.bases[0] + 0x0f);  // PCIE_INDEX2 / PCIE_DATA2
    indirect_.emplace_back(b.bases[1] + 0x00, b.bases[1] + 0x01);  // RSMU_INDEX / RSMU_DATA
  }
  if (fault_ == PciFault::kDiscoverySignature) std::memset(bin.data(), 0, 4);
  if (fault_ == PciFault::kDiscoveryChecksum) bin[60 + 80 + 4 + 4] ^= 0x01;  // first IP's version
  discovery_size_ = bin.size();
  uint8_t* dst = mem.vram_at(discovery_offset(), bin.size());
  if (dst == nullptr) return internal_error("simulated PCI function: discovery outside VRAM");
  std::memcpy(dst, bin.data(), bin.size());
  return ok_status();
}

uint64_t SimPciFunction::discovery_offset() const {
  return device_->physical().vram_size() - kDiscoveryTmrOffset;
}

std::string SimPciFunction::driver() const {
  std::lock_guard lock(mutex_);
  return driver_;
}

Status SimPciFunction::unbind() {
  std::lock_guard lock(mutex_);
  driver_.clear();
  return ok_status();
}

Expected<uint32_t> SimPciFunction::config_read32(uint32_t offset) const {
  if (offset % 4 != 0 || offset >= 256) {
    return out_of_range(fmt::format("config space offset 0x{:x} (dword-aligned, < 0x100)", offset));
  }
  std::lock_guard lock(mutex_);
  return config_[offset / 4];
}

Status SimPciFunction::config_write32(uint32_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset >= 256) {
    return out_of_range(fmt::format("config space offset 0x{:x} (dword-aligned, < 0x100)", offset));
  }
  std::lock_guard lock(mutex_);
  const uint32_t dw = offset / 4;
  if (dw == 1) {
    config_[1] = (config_[1] & 0xffff0000u) | (value & 0xffffu);
  } else if (dw >= 4 && dw <= 9) {
    const int bar = static_cast<int>(dw - 4);
    const bool upper = (bar == 1 || bar == 3);
    const uint64_t size = upper ? bar_size(bar - 1) : bar_size(bar);
    const uint32_t flags = upper ? 0 : (config_[dw] & (bar == 4 ? 0x3u : 0xfu));
    const uint64_t mask = ~(size - 1);
    const uint32_t keep = upper ? static_cast<uint32_t>(mask >> 32)
                                : static_cast<uint32_t>(mask) & (bar == 4 ? ~0x3u : ~0xfu);
    config_[dw] = (value & keep) | flags;
  }
  return ok_status();
}

uint64_t SimPciFunction::bar_size(int bar) const {
  switch (bar) {
    case kBarVram:
      return device_->physical().vram_size();
    case kBarDoorbell:
      return kDoorbellBarBytes;
    case kBarIo:
      return kIoBarBytes;
    case kBarMmio:
      return kMmioBytes;
    default:
      return 0;
  }
}

uint64_t SimPciFunction::bar_address(int bar) const {
  std::lock_guard lock(mutex_);
  switch (bar) {
    case kBarVram:
    case kBarDoorbell:
      return (static_cast<uint64_t>(config_[4 + bar + 1]) << 32) | (config_[4 + bar] & ~0xfu);
    case kBarIo:
      return config_[8] & ~0x3u;
    case kBarMmio:
      return config_[9] & ~0xfu;
    default:
      return 0;
  }
}

uint8_t* SimPciFunction::bar_host(int bar) {
  switch (bar) {
    case kBarVram:
      return device_->physical().vram();
    case kBarDoorbell:
      return reinterpret_cast<uint8_t*>(const_cast<uint64_t*>(device_->doorbells()));
    case kBarMmio:
      return mmio_shadow_.data();
    default:
      return nullptr;
  }
}

uint32_t SimPciFunction::read_locked(uint32_t dword) {
  switch (dword) {
    case kRegRccConfigMemsize:
      return fault_ == PciFault::kMemsizeZero
                 ? 0
                 : static_cast<uint32_t>(device_->physical().vram_size() >> 20);
    case kRegMmData: {
      // MM_INDEX bit 31 selects the memory aperture; bits 30:0 plus MM_INDEX_HI << 31 address it.
      const uint64_t addr =
          (static_cast<uint64_t>(regs_[kRegMmIndexHi]) << 31) | (regs_[kRegMmIndex] & 0x7fffffffu);
      const uint8_t* p = device_->physical().vram_at(addr, 4);
      if (p == nullptr) return 0xffffffffu;  // reads outside VRAM return all ones, as on the bus
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      if (uint32_t v = 0; ips_->on_read(dword, &v)) return v;
      auto it = regs_.find(dword);
      return it == regs_.end() ? 0 : it->second;
    }
  }
}

void SimPciFunction::write_locked(uint32_t dword, uint32_t value) {
  if (dword == kRegRccConfigMemsize) return;  // read-only strap
  if (dword == kRegMmData) {
    const uint64_t addr =
        (static_cast<uint64_t>(regs_[kRegMmIndexHi]) << 31) | (regs_[kRegMmIndex] & 0x7fffffffu);
    if (uint8_t* p = device_->physical().vram_at(addr, 4)) std::memcpy(p, &value, 4);
    return;
  }
  regs_[dword] = value;
  ips_->on_write(dword, value);
}

bool SimPciFunction::indirect_target(uint32_t dword, uint32_t* target) {
  for (const auto& [index, data] : indirect_) {
    if (dword != data) continue;
    std::lock_guard lock(mutex_);
    auto it = regs_.find(index);
    *target = (it == regs_.end() ? 0 : it->second) / 4;  // the index holds a byte address
    return true;
  }
  return false;
}

uint32_t SimPciFunction::reg_read(uint32_t dword, int depth) {
  if (uint32_t target = 0; depth == 0 && indirect_target(dword, &target)) {
    return reg_read(target, depth + 1);
  }
  if (queues_ && queues_->handles(dword)) return queues_->read(dword);  // own lock (queues.h)
  std::lock_guard lock(mutex_);
  return read_locked(dword);
}

void SimPciFunction::reg_write(uint32_t dword, uint32_t value, int depth) {
  if (uint32_t target = 0; depth == 0 && indirect_target(dword, &target)) {
    reg_write(target, value, depth + 1);
    return;
  }
  if (queues_ && queues_->handles(dword)) {
    queues_->write(dword, value);  // own lock (queues.h)
    return;
  }
  std::lock_guard lock(mutex_);
  write_locked(dword, value);
}

Expected<uint32_t> SimPciFunction::mmio_read32(uint64_t byte_offset) {
  if (byte_offset % 4 != 0 || byte_offset + 4 > kMmioBytes) {
    return out_of_range(fmt::format("MMIO offset 0x{:x} outside BAR5 (0x{:x} bytes) or misaligned",
                                    byte_offset, kMmioBytes));
  }
  return reg_read(static_cast<uint32_t>(byte_offset / 4));
}

Status SimPciFunction::mmio_write32(uint64_t byte_offset, uint32_t value) {
  if (byte_offset % 4 != 0 || byte_offset + 4 > kMmioBytes) {
    return out_of_range(fmt::format("MMIO offset 0x{:x} outside BAR5 (0x{:x} bytes) or misaligned",
                                    byte_offset, kMmioBytes));
  }
  reg_write(static_cast<uint32_t>(byte_offset / 4), value);
  return ok_status();
}

std::string SimPciFunction::last_queue_error() const {
  return queues_ ? queues_->last_error() : std::string();
}

bool SimPciFunction::ring_doorbell(uint32_t slot, uint64_t value) {
  if (queues_ && !queues_->doorbell_routed(slot)) return false;
  device_->ring_doorbell(slot, value);
  return true;
}

uint64_t SimPciFunction::dropped_doorbells() const {
  return queues_ ? queues_->dropped_doorbells() : 0;
}

std::string SimPciFunction::last_doorbell_error() const {
  return queues_ ? queues_->last_doorbell_error() : std::string();
}

// ---- SimPciSystem ----

SimPciSystem::~SimPciSystem() {
  functions_.clear();
  system_.reset();
}

Expected<std::unique_ptr<SimPciSystem>> SimPciSystem::from_spec(std::string_view text) {
  AMDHAL_ASSIGN_OR_RETURN(SystemSpec spec, SystemSpec::parse(text));
  std::string driver;
  PciFault fault = PciFault::kNone;
  std::vector<std::pair<std::string, std::string>> rest;
  for (const auto& [k, v] : spec.options) {
    if (k == "bound") {
      driver = v;
    } else if (k == "fault") {
      AMDHAL_ASSIGN_OR_RETURN(fault, parse_pci_fault(v));
    } else {
      rest.emplace_back(k, v);
    }
  }
  // AMDHAL_SIM_FAULT=pci:NAME applies to every simulated PCI function.
  if (const char* env = std::getenv("AMDHAL_SIM_FAULT"); env != nullptr) {
    std::string_view e(env);
    if (e.starts_with("pci:")) {
      AMDHAL_ASSIGN_OR_RETURN(fault, parse_pci_fault(e.substr(4)));
    }
  }
  spec.options = std::move(rest);
  std::unique_ptr<SimPciSystem> s(new SimPciSystem());
  s->spec_ = std::string(text);
  AMDHAL_ASSIGN_OR_RETURN(s->system_, System::create(spec));
  for (size_t i = 0; i < s->system_->device_count(); ++i) {
    AMDHAL_ASSIGN_OR_RETURN(auto f, SimPciFunction::create(s->system_->device(i), driver, fault));
    s->functions_.push_back(std::move(f));
  }
  return s;
}

}  // namespace amdhal::sim::pci
