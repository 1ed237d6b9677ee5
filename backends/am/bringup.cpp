// Bare-metal bring-up steps (order and sources: bringup.h, docs/backends.md "am backend").
#include "bringup.h"

#include <chrono>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "registers.h"

namespace amdhal::am {
namespace {

constexpr uint16_t kAmdVendorId = 0x1002;
// BAR numbers of AMD dGPUs (tinygrad am docs; the kernel's amdgpu_device_init maps BAR5 as
// rmmio on SOC15 parts, amdgpu_doorbell_init uses BAR2, the VRAM aperture is BAR0).
constexpr int kBarVram = 0;
constexpr int kBarDoorbell = 2;
constexpr int kBarMmio = 5;
// Fixed registers read before the IP bases are known (registers.cpp gives the sources).
constexpr uint32_t kRegMmIndex = 0x00, kRegMmData = 0x01, kRegMmIndexHi = 0x06;
constexpr uint32_t kRegRccConfigMemsize = 0xde3;

const char* const kStepNames[] = {
    "identify",      "driver binding",
    "map BARs",      "VRAM size",
    "IP discovery",  "GMC (GART and GPUVM page tables)",
    "IH ring",       "PSP firmware load",
    "SMU handshake", "compute queue (MQD/HQD)",
    "SDMA rings",    "doorbell routing",
};

}  // namespace

std::string_view step_state_name(BringupStep::State s) {
  switch (s) {
    case BringupStep::State::kOk:
      return "ok";
    case BringupStep::State::kFailed:
      return "failed";
    case BringupStep::State::kNotRun:
      return "not run";
  }
  return "?";
}

std::vector<std::string> bringup_step_names() {
  return std::vector<std::string>(std::begin(kStepNames), std::end(kStepNames));
}

AmDevice::~AmDevice() {
  unmap_bars();
}

void AmDevice::unmap_bars() {
  if (vram_ != nullptr) (void)port_->unmap_bar(fn_.address, vram_, vram_map_bytes_);
  if (doorbells_ != nullptr) (void)port_->unmap_bar(fn_.address, doorbells_, doorbell_bytes_);
  if (mmio_ != nullptr) (void)port_->unmap_bar(fn_.address, mmio_, mmio_bytes_);
  vram_ = doorbells_ = mmio_ = nullptr;
}

Expected<uint32_t> AmDevice::read_reg(uint64_t dword) {
  if (mmio_ == nullptr) return failed_precondition("registers read before BAR5 was mapped");
  if (dword * 4 + 4 > mmio_bytes_) {
    return out_of_range(
        fmt::format("register dword 0x{:x} outside BAR5 (0x{:x} bytes)", dword, mmio_bytes_));
  }
  return port_->reg_read32(fn_.address, kBarMmio, mmio_, dword * 4);
}

Status AmDevice::write_reg(uint64_t dword, uint32_t value) {
  if (mmio_ == nullptr) return failed_precondition("register written before BAR5 was mapped");
  if (family_ == nullptr) return failed_precondition("register written before identification");
  if (dword * 4 + 4 > mmio_bytes_) {
    return out_of_range(
        fmt::format("register dword 0x{:x} outside BAR5 (0x{:x} bytes)", dword, mmio_bytes_));
  }
  return port_->reg_write32(fn_.address, kBarMmio, mmio_, dword * 4, value);
}

Status AmDevice::identify() {
  const std::string bdf = fn_.address.to_string();
  AMDHAL_ASSIGN_OR_RETURN(uint32_t id, port_->config_read32(fn_.address, 0x00));
  AMDHAL_ASSIGN_OR_RETURN(uint32_t cls, port_->config_read32(fn_.address, 0x08));
  const uint16_t vendor = static_cast<uint16_t>(id);
  const uint16_t device = static_cast<uint16_t>(id >> 16);
  const uint32_t class_code = cls >> 8;
  if (vendor != kAmdVendorId) {
    return failed_precondition(
        fmt::format("{}: vendor id 0x{:04x} is not AMD (0x1002)", bdf, vendor));
  }
  if ((class_code >> 16) != 0x03) {
    return failed_precondition(
        fmt::format("{}: class 0x{:06x} is not a display controller (0x03xxxx)", bdf, class_code));
  }
  auto fam = find_family_by_pci_id(device);
  if (!fam.ok()) {
    return failed_precondition(fmt::format(
        "{}: device id 0x{:04x} is not in the family registry; refusing to touch it", bdf, device));
  }
  family_ = *fam;
  last_detail = fmt::format("{:04x}:{:04x} class 0x{:06x}: {} ({})", vendor, device, class_code,
                            family_->name, family_->marketing);
  return ok_status();
}

Status AmDevice::check_binding(const BringupOptions& options) {
  const std::string bdf = fn_.address.to_string();
  if (fn_.driver.empty()) {
    last_detail = "no kernel driver bound";
    return ok_status();
  }
  if (!options.force_unbind) {
    return failed_precondition(
        fmt::format("{} is bound to kernel driver '{}'; unbind it first (echo {} | sudo tee "
                    "/sys/bus/pci/drivers/{}/unbind) or pass --force-unbind",
                    bdf, fn_.driver, bdf, fn_.driver));
  }
  const std::string was = fn_.driver;
  AMDHAL_RETURN_IF_ERROR(port_->unbind_driver(fn_.address));
  // Confirm through a fresh enumeration that nothing is bound any more.
  AMDHAL_ASSIGN_OR_RETURN(auto all, port_->enumerate_display(kAmdVendorId));
  for (const auto& f : all) {
    if (f.address == fn_.address && !f.driver.empty()) {
      return failed_precondition(
          fmt::format("{}: still bound to '{}' after unbinding '{}'", bdf, f.driver, was));
    }
  }
  fn_.driver.clear();
  last_detail = fmt::format("unbound kernel driver '{}' (--force-unbind)", was);
  return ok_status();
}

Status AmDevice::map_bars() {
  const auto& bars = fn_.bars;
  if (bars[kBarMmio].size == 0 || bars[kBarVram].size == 0) {
    return failed_precondition(
        fmt::format("{}: BAR0 (VRAM, 0x{:x} bytes) or BAR5 (registers, 0x{:x} bytes) is empty",
                    fn_.address.to_string(), bars[kBarVram].size, bars[kBarMmio].size));
  }
  AMDHAL_ASSIGN_OR_RETURN(mmio_,
                          port_->map_bar(fn_.address, kBarMmio, 0, bars[kBarMmio].size, true));
  mmio_bytes_ = bars[kBarMmio].size;
  AMDHAL_ASSIGN_OR_RETURN(vram_,
                          port_->map_bar(fn_.address, kBarVram, 0, bars[kBarVram].size, true));
  vram_map_bytes_ = bars[kBarVram].size;
  if (bars[kBarDoorbell].size != 0) {
    AMDHAL_ASSIGN_OR_RETURN(
        doorbells_, port_->map_bar(fn_.address, kBarDoorbell, 0, bars[kBarDoorbell].size, true));
    doorbell_bytes_ = bars[kBarDoorbell].size;
  }
  last_detail = fmt::format(
      "BAR0 VRAM aperture 0x{:x} bytes, BAR2 doorbells 0x{:x}, BAR5 MMIO "
      "0x{:x}",
      vram_map_bytes_, doorbell_bytes_, mmio_bytes_);
  return ok_status();
}

Status AmDevice::read_vram_size() {
  AMDHAL_ASSIGN_OR_RETURN(uint32_t mib, read_reg(kRegRccConfigMemsize));
  if (mib == 0 || mib == 0xffffffffu) {
    return failed_precondition(fmt::format(
        "RCC_CONFIG_MEMSIZE (dword 0x{:x}): read 0x{:08x}, expected a VRAM size in MiB (non-zero, "
        "not all ones); the device may be powered down or not posted",
        kRegRccConfigMemsize, mib));
  }
  vram_bytes_ = static_cast<uint64_t>(mib) << 20;
  last_detail = fmt::format("{} MiB ({} through BAR0)", mib,
                            vram_map_bytes_ >= vram_bytes_ ? "all reachable" : "partly reachable");
  return ok_status();
}

Status AmDevice::read_discovery() {
  if (vram_bytes_ < kDiscoveryTmrOffset) return failed_precondition("VRAM size not known");
  const uint64_t pos = vram_bytes_ - kDiscoveryTmrOffset;
  std::vector<uint8_t> bin(kDiscoveryReadSize);
  if (pos + bin.size() <= vram_map_bytes_) {
    // Large BAR: read through the VRAM aperture, dword by dword (device memory).
    const volatile uint32_t* src =
        reinterpret_cast<const volatile uint32_t*>(static_cast<uint8_t*>(vram_) + pos);
    for (size_t i = 0; i < bin.size() / 4; ++i) {
      const uint32_t v = src[i];
      std::memcpy(&bin[i * 4], &v, 4);
    }
  } else {
    // Small BAR: MM_INDEX / MM_INDEX_HI / MM_DATA (tinygrad am/amdev.py _read_vram).
    for (size_t i = 0; i < bin.size() / 4; ++i) {
      const uint64_t a = pos + i * 4;
      AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(a >> 31)));
      AMDHAL_RETURN_IF_ERROR(
          write_reg(kRegMmIndex, static_cast<uint32_t>(a & 0x7fffffffu) | 0x80000000u));
      AMDHAL_ASSIGN_OR_RETURN(uint32_t v, read_reg(kRegMmData));
      std::memcpy(&bin[i * 4], &v, 4);
    }
  }
  auto table = parse_discovery(bin);
  if (!table.ok()) {
    return table.status().with_context(fmt::format("reading VRAM offset 0x{:x}", pos));
  }
  const IpBlock* gc = table->find(hwid::kGc);
  if (gc == nullptr) return data_loss("IP discovery: no GC block in the table");
  if (gc->major != family_->isa.major) {
    return data_loss(fmt::format("IP discovery: GC {} does not match {} (ISA major {})",
                                 gc->version(), family_->name, family_->isa.major));
  }
  discovery_ = std::move(*table);
  std::string list;
  for (const auto& b : discovery_.blocks) {
    list += fmt::format("{}{}{} {}", list.empty() ? "" : ", ", b.name(),
                        b.instance != 0 ? fmt::format("#{}", b.instance) : "", b.version());
  }
  last_detail = fmt::format("{} IP blocks: {}", discovery_.blocks.size(), list);
  return ok_status();
}

Status AmDevice::write_vram64(uint64_t offset, uint64_t value) {
  if (offset % 8 != 0 || offset + 8 > vram_bytes_) {
    return out_of_range(fmt::format("VRAM write at 0x{:x} outside VRAM or misaligned", offset));
  }
  if (offset + 8 <= vram_map_bytes_) {
    auto* p = reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(vram_) + offset);
    p[0] = static_cast<uint32_t>(value);
    p[1] = static_cast<uint32_t>(value >> 32);
    return ok_status();
  }
  for (int half = 0; half < 2; ++half) {
    const uint64_t a = offset + 4 * half;
    AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmIndexHi, static_cast<uint32_t>(a >> 31)));
    AMDHAL_RETURN_IF_ERROR(
        write_reg(kRegMmIndex, static_cast<uint32_t>(a & 0x7fffffffu) | 0x80000000u));
    AMDHAL_RETURN_IF_ERROR(write_reg(kRegMmData, static_cast<uint32_t>(value >> (32 * half))));
  }
  return ok_status();
}

Status AmDevice::setup_gmc() {
  AMDHAL_ASSIGN_OR_RETURN(vmid0_, write_vmid0_tables(vram_bytes_, [this](uint64_t off, uint64_t v) {
                            return write_vram64(off, v);
                          }));
  const IpBlock* gc = discovery_.find(hwid::kGc);
  const std::string gc_version = gc != nullptr ? gc->version() : "?";
  const std::string tables = fmt::format(
      "VMID 0 page tables written: root at VRAM 0x{:x}, {} tables, VA [0x0, 0x{:x}) mapped 1:1 "
      "with 2 MiB pages",
      vmid0_.root, vmid0_.table_count, vmid0_.va_end);
  // GFXHUB VMID 0: the GCVM_CONTEXT0_* registers, where the register table has them.
  auto reg = [&](std::string_view name) {
    return resolve_register(fmt::format("GC.{}", name), *family_, discovery_);
  };
  auto cntl = reg("GCVM_CONTEXT0_CNTL");
  if (!cntl.ok()) {
    return unimplemented(fmt::format(
        "not implemented yet: GMC (GART and GPUVM page tables): hub register programming for GC "
        "{} ({}; the GFXHUB/MMHUB VM_CONTEXT0_* offsets of this GC are not in amdhal's register "
        "table yet)",
        gc_version, tables));
  }
  AMDHAL_ASSIGN_OR_RETURN(auto base_lo, reg("GCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32"));
  AMDHAL_ASSIGN_OR_RETURN(auto base_hi, reg("GCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32"));
  AMDHAL_ASSIGN_OR_RETURN(auto start_lo, reg("GCVM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32"));
  AMDHAL_ASSIGN_OR_RETURN(auto start_hi, reg("GCVM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32"));
  AMDHAL_ASSIGN_OR_RETURN(auto end_lo, reg("GCVM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32"));
  AMDHAL_ASSIGN_OR_RETURN(auto end_hi, reg("GCVM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32"));
  AMDHAL_ASSIGN_OR_RETURN(auto inv_req, reg("GCVM_INVALIDATE_ENG17_REQ"));
  AMDHAL_ASSIGN_OR_RETURN(auto inv_ack, reg("GCVM_INVALIDATE_ENG17_ACK"));
  // Base: the PDB2 address with the valid bit, as amdgpu_gmc_pd_addr() hands it to the hub
  // (gfxhub_v3_0_init_gart_aperture_regs); start/end in 4 KiB pages, end inclusive.
  const uint64_t base = vmid0_.root | pte::kValid;
  const uint64_t first = vmid0_.va_start >> 12;
  const uint64_t last = (vmid0_.va_end >> 12) - 1;
  AMDHAL_RETURN_IF_ERROR(write_reg(base_lo.dword, static_cast<uint32_t>(base)));
  AMDHAL_RETURN_IF_ERROR(write_reg(base_hi.dword, static_cast<uint32_t>(base >> 32)));
  AMDHAL_RETURN_IF_ERROR(write_reg(start_lo.dword, static_cast<uint32_t>(first)));
  AMDHAL_RETURN_IF_ERROR(write_reg(start_hi.dword, static_cast<uint32_t>(first >> 32)));
  AMDHAL_RETURN_IF_ERROR(write_reg(end_lo.dword, static_cast<uint32_t>(last)));
  AMDHAL_RETURN_IF_ERROR(write_reg(end_hi.dword, static_cast<uint32_t>(last >> 32)));
  // CNTL: ENABLE_CONTEXT (bit 0), PAGE_TABLE_DEPTH (bits 2:1) = levels - 1 (gc_11_0_0_sh_mask.h
  // GCVM_CONTEXT0_CNTL__ENABLE_CONTEXT / __PAGE_TABLE_DEPTH).
  const uint32_t cntl_value = 1u | ((vmid0_.levels - 1) << 1);
  AMDHAL_RETURN_IF_ERROR(write_reg(cntl->dword, cntl_value));
  // TLB flush for VMID 0 on invalidation engine 17: request bit 0 (PER_VMID_INVALIDATE_REQ),
  // poll the ACK register's bit 0 (gmc_v11_0_flush_vm_hub).
  AMDHAL_RETURN_IF_ERROR(write_reg(inv_req.dword, 1u));
  uint32_t ack = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  do {
    AMDHAL_ASSIGN_OR_RETURN(ack, read_reg(inv_ack.dword));
  } while ((ack & 1u) == 0 && std::chrono::steady_clock::now() < deadline);
  if ((ack & 1u) == 0) {
    return deadline_exceeded(fmt::format(
        "GMC: TLB invalidation not acknowledged: {} (dword 0x{:x}) read 0x{:08x}, expected bit 0 "
        "set within 100 ms",
        inv_ack.name, inv_ack.dword, ack));
  }
  AMDHAL_ASSIGN_OR_RETURN(uint32_t readback, read_reg(cntl->dword));
  if (readback != cntl_value) {
    return failed_precondition(
        fmt::format("GMC: {} (dword 0x{:x}) read 0x{:08x} after writing 0x{:08x}", cntl->name,
                    cntl->dword, readback, cntl_value));
  }
  gfxhub_programmed_ = true;
  return unimplemented(fmt::format(
      "not implemented yet: GMC (GART and GPUVM page tables): MMHUB VMID 0 and the GART for "
      "system memory ({}; GFXHUB VMID 0 programmed and its TLB flush acknowledged)",
      tables));
}

BringupReport bringup(PciPort& port, const PciAddress& address, const BringupOptions& options) {
  BringupReport report;
  for (const auto& n : bringup_step_names())
    report.steps.push_back({n, BringupStep::State::kNotRun, 0, {}});

  auto functions = port.enumerate_display(kAmdVendorId);
  std::optional<PciFunction> fn;
  if (functions.ok()) {
    for (auto& f : *functions) {
      if (f.address == address) fn = f;
    }
  }
  if (!fn) {
    report.status = functions.ok()
                        ? not_found(fmt::format("no AMD display function at {} on port {}",
                                                address.to_string(), port.name()))
                        : functions.status();
    report.steps[0].state = BringupStep::State::kFailed;
    report.steps[0].detail = report.status.message();
    return report;
  }
  report.device = std::make_unique<AmDevice>(port, *fn);
  AmDevice& dev = *report.device;

  // One entry per name in kStepNames, in order.
  auto not_yet = [&](size_t i) {
    return unimplemented("not implemented yet: " + report.steps[i].name);
  };
  std::vector<std::function<Status()>> impl = {
      [&] { return dev.identify(); },       [&] { return dev.check_binding(options); },
      [&] { return dev.map_bars(); },       [&] { return dev.read_vram_size(); },
      [&] { return dev.read_discovery(); }, [&] { return dev.setup_gmc(); },
      [&] { return not_yet(6); },  // IH ring
      [&] { return not_yet(7); },  // PSP firmware load
      [&] { return not_yet(8); },  // SMU handshake
      [&] { return not_yet(9); },  // compute queue (MQD/HQD)
      [&] { return not_yet(10); },  // SDMA rings
      [&] { return not_yet(11); },  // doorbell routing
  };
  for (size_t i = 0; i < report.steps.size(); ++i) {
    BringupStep& step = report.steps[i];
    const auto t0 = std::chrono::steady_clock::now();
    dev.last_detail.clear();
    Status s = impl.at(i)();
    step.duration_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    if (!s.ok()) {
      step.state = BringupStep::State::kFailed;
      step.detail = s.message();
      report.status = s.with_context(fmt::format("bring-up step '{}'", step.name));
      for (size_t k = i + 1; k < report.steps.size(); ++k) {
        report.steps[k].detail = fmt::format("not run: bring-up stopped at '{}'", step.name);
      }
      return report;
    }
    step.state = BringupStep::State::kOk;
    step.detail = dev.last_detail;
    if (!options.stop_after.empty() && step.name == options.stop_after) break;
  }
  return report;
}

}  // namespace amdhal::am
