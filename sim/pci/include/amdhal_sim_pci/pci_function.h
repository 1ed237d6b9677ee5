// A simulated GPU seen as a PCI function: what the bare-metal backend's sim PciPort exposes.
//
// Each function wraps one sim::Device and gives it the shape of a real AMD GPU on the bus:
//  - config space with the family's first PCI device id (vendor 0x1002), class 0x030000 and
//    BARs laid out as on the real parts (BAR0/1 64-bit prefetchable VRAM aperture, BAR2/3 64-bit
//    doorbells, BAR4 I/O, BAR5 32-bit MMIO registers);
//  - a driver-binding state (unbound by default; "sim:gfx1100,bound=amdgpu" shows as bound);
//  - an MMIO register file (BAR5) that reacts to the registers the backend's bring-up uses;
//  - an IP discovery binary at VRAM end - 64 KiB in the table format of the Linux kernel's
//    drivers/gpu/drm/amd/include/discovery.h (see discovery_image.h);
//  - models of the GMC hubs, IH ring, PSP and SMU mailboxes that bring-up programs
//    (ip_models.h). The function owns the device's interrupt handler: the core's interrupts reach
//    clients only as IV entries in the IH ring.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/status.h"
#include "amdhal_sim/device.h"
#include "amdhal_sim_pci/ip_models.h"

namespace amdhal::sim::pci {

/// Registers at fixed (absolute) dword offsets in BAR5 that work before the IP bases are known.
/// MM_INDEX / MM_DATA / MM_INDEX_HI: indirect VRAM access (tinygrad am/amdev.py _read_vram writes
/// dword 0x06 with the high address bits, dword 0x00 with the low 31 bits | 0x80000000, reads
/// dword 0x01). RCC_CONFIG_MEMSIZE: VRAM size in MiB (tinygrad am/amdev.py _run_discovery,
/// "mmRCC_CONFIG_MEMSIZE = 0xde3"; the kernel's nbio_v7_9_get_memsize() reads the same register
/// as regRCC_DEV0_EPF0_RCC_CONFIG_MEMSIZE through the NBIO base).
inline constexpr uint32_t kRegMmIndex = 0x00;
inline constexpr uint32_t kRegMmData = 0x01;
inline constexpr uint32_t kRegMmIndexHi = 0x06;
inline constexpr uint32_t kRegRccConfigMemsize = 0xde3;

/// BAR numbers of the layout above.
inline constexpr int kBarVram = 0;
inline constexpr int kBarDoorbell = 2;
inline constexpr int kBarIo = 4;
inline constexpr int kBarMmio = 5;
/// BAR5 size (512 KiB of registers).
inline constexpr uint64_t kMmioBytes = 512ull << 10;

/// GFXHUB VMID 0 registers of GC 11.0.0 (Linux gc_11_0_0_offset.h, BASE_IDX 0), relative to the
/// GC segment 0 base, that the register file reacts to.
inline constexpr uint32_t kGcvmContext0Cntl = 0x1688;
inline constexpr uint32_t kGcvmInvalidateEng17Req = 0x16bc;
inline constexpr uint32_t kGcvmInvalidateEng17Ack = 0x16ce;
inline constexpr uint32_t kGcvmContext0BaseLo = 0x16f3;
inline constexpr uint32_t kGcvmContext0BaseHi = 0x16f4;
inline constexpr uint32_t kGcvmContext0StartLo = 0x1713;
inline constexpr uint32_t kGcvmContext0StartHi = 0x1714;
inline constexpr uint32_t kGcvmContext0EndLo = 0x1733;
inline constexpr uint32_t kGcvmContext0EndHi = 0x1734;

/// Faults the function can be told to show (spec option fault=NAME, or AMDHAL_SIM_FAULT=pci:NAME).
enum class PciFault : uint8_t {
  kNone,
  kDiscoverySignature,  ///< "discovery-signature": binary header signature zeroed
  kDiscoveryChecksum,   ///< "discovery-checksum": one byte of the IP table flipped
  kMemsizeZero,         ///< "memsize-zero": RCC_CONFIG_MEMSIZE reads 0
  kGmcNoAck,            ///< "gmc-noack": VM_INVALIDATE_ENG17_ACK never acknowledges
  kIhStuck,             ///< "ih-stuck": IH_RB_CNTL.RB_ENABLE never latches, no IV is written
  kPspTimeout,          ///< "psp-timeout": the PSP bootloader never reports ready (C2PMSG_35)
  kPspReject,           ///< "psp-reject": the PSP refuses the CP MEC firmware image
  kSmuNoResponse,       ///< "smu-noresponse": MP1 never answers (C2PMSG_90 stays 0)
  kRingTimeout,         ///< "ring-timeout": HQDs and SDMA rings report active but never execute
  /// "doorbell-unrouted": the NBIO SDMA doorbell range registers never latch
  /// (DOORBELL0_CTRL_ENTRY_1..4 on NBIO 7.9, S2A_DOORBELL_ENTRY_2_CTRL on NBIO 4.3), so SDMA
  /// doorbells stay unrouted
  kDoorbellUnrouted,
};

class SimQueueBlock;

class SimPciFunction {
 public:
  /// A function for device `index` of `system` (which must outlive it). `driver`: initial binding
  /// ("" = unbound).
  static Expected<std::unique_ptr<SimPciFunction>> create(Device& device, std::string driver,
                                                          PciFault fault = PciFault::kNone);
  ~SimPciFunction();
  SimPciFunction(const SimPciFunction&) = delete;
  SimPciFunction& operator=(const SimPciFunction&) = delete;

  Device& device() { return *device_; }
  const GpuFamily& family() const { return device_->family(); }
  uint16_t vendor_id() const { return 0x1002; }
  uint16_t device_id() const;
  uint32_t class_code() const { return 0x030000; }
  uint8_t revision() const { return 0xc1; }

  /// Kernel driver bound to the function, "" if none.
  std::string driver() const;
  /// Unbinds the driver (what writing the BDF to /sys/bus/pci/drivers/<drv>/unbind does).
  Status unbind();

  /// 256 bytes of standard config space. Misaligned or out-of-range offsets are kOutOfRange.
  Expected<uint32_t> config_read32(uint32_t offset) const;
  /// Writes to the command register and the BARs (BAR sizing: writing all ones reads back the
  /// size mask) are kept; other writes are ignored, as read-only fields are on hardware.
  Status config_write32(uint32_t offset, uint32_t value);

  /// Size of BAR `bar` (0 for an unused BAR or the upper half of a 64-bit BAR).
  uint64_t bar_size(int bar) const;
  /// Host memory behind BAR `bar`: VRAM, the doorbell page, or a shadow of the register file (the
  /// registers themselves are reached through mmio_read32/mmio_write32, which react to access).
  uint8_t* bar_host(int bar);
  /// Bus address the BAR is programmed with.
  uint64_t bar_address(int bar) const;

  /// MMIO register access by byte offset into BAR5 (dword aligned, < kMmioBytes).
  Expected<uint32_t> mmio_read32(uint64_t byte_offset);
  Status mmio_write32(uint64_t byte_offset, uint32_t value);

  /// VRAM offset where the IP discovery binary lives (VRAM end - 64 KiB) and its length.
  uint64_t discovery_offset() const;
  uint64_t discovery_size() const { return discovery_size_; }

  /// The injected fault, and changing it (a test re-runs bring-up without the fault).
  PciFault fault() const;
  void set_fault(PciFault fault);

  /// State of the simulated GMC hubs (0 = GFXHUB, 1 = MMHUB), IH, PSP and SMU.
  HubState hub_state(int hub) const;
  IhState ih_state() const;
  PspState psp_state() const;
  SmuState smu_state() const;

  /// Why the last HQD or SDMA ring start did not start a queue ("" if it did; queues.h).
  std::string last_queue_error() const;

  /// A 64-bit doorbell write to `slot` of BAR2: delivered to the device
  /// (sim::Device::ring_doorbell) if the NBIO routing lets it through (queues.h), else dropped with
  /// the reason recorded in last_doorbell_error(). Returns whether it was delivered.
  bool ring_doorbell(uint32_t slot, uint64_t value);
  /// Doorbell writes dropped by the NBIO routing so far, and why the last one was ("" if none).
  uint64_t dropped_doorbells() const;
  std::string last_doorbell_error() const;

  /// Indirect register access (the kernel's amdgpu_device_indirect_rreg/wreg): the byte address
  /// of a register, which may lie beyond BAR5, written to an index register and the value read
  /// or written through its data register. Pairs (dwords, discovery-relative):
  /// regBIF_BX0_PCIE_INDEX2/DATA2 0x0e/0x0f (NBIO BASE_IDX 0) and regBIF_BX_PF0_RSMU_INDEX/DATA
  /// 0x0/0x1 (NBIO BASE_IDX 1), nbio_7_9_0_offset.h / nbio_4_3_0_offset.h.

 private:
  SimPciFunction(Device& device, std::string driver, PciFault fault);
  Status init();
  uint32_t read_locked(uint32_t dword);
  void write_locked(uint32_t dword, uint32_t value);
  /// Register access by dword (BAR5 or beyond, through the indirect pairs).
  uint32_t reg_read(uint32_t dword, int depth = 0);
  void reg_write(uint32_t dword, uint32_t value, int depth = 0);
  /// If `dword` is an indirect data register, the dword its index register selects.
  bool indirect_target(uint32_t dword, uint32_t* target);

  Device* device_;
  mutable std::mutex mutex_;
  std::string driver_;
  PciFault fault_;
  std::vector<uint32_t> config_;                 // 64 dwords
  std::unordered_map<uint32_t, uint32_t> regs_;  // dword offset -> value (register file)
  std::vector<uint8_t> mmio_shadow_;             // what a mapping of BAR5 sees
  uint64_t discovery_size_ = 0;
  std::unique_ptr<SimQueueBlock> queues_;                // HQD / SDMA ring registers (queues.h)
  std::unique_ptr<SimIpModels> ips_;                     // GMC hubs, IH, PSP, SMU (ip_models.h)
  std::vector<std::pair<uint32_t, uint32_t>> indirect_;  // (index dword, data dword) pairs
};

/// Parsed "sim:<target>[xN][,vram=..][,bound=DRIVER][,fault=NAME]": a simulated system plus one
/// PCI function per device, at 0000:<0x10+i>:00.0.
class SimPciSystem {
 public:
  static Expected<std::unique_ptr<SimPciSystem>> from_spec(std::string_view spec);
  ~SimPciSystem();
  System& system() { return *system_; }
  size_t function_count() const { return functions_.size(); }
  SimPciFunction& function(size_t i) { return *functions_.at(i); }
  /// PCI bus number of function i.
  static uint8_t bus_of(size_t i) { return static_cast<uint8_t>(0x10 + i); }
  const std::string& spec() const { return spec_; }

 private:
  SimPciSystem() = default;
  std::string spec_;
  std::unique_ptr<System> system_;
  std::vector<std::unique_ptr<SimPciFunction>> functions_;
};

/// "discovery-signature" → PciFault; kInvalidArgument lists the names.
Expected<PciFault> parse_pci_fault(std::string_view name);
/// The fault's spec name ("psp-reject"), "" for kNone.
std::string_view pci_fault_name(PciFault fault);

}  // namespace amdhal::sim::pci
