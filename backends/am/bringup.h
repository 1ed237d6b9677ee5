// Bare-metal bring-up of an AMD GPU that no kernel driver owns, as a list of timed steps.
//
// Order (tinygrad am/amdev.py AMDev.__init__ and the kernel's amdgpu_device_ip_init, see
// docs/backends.md "am backend"): identify the function (vendor/class/device id against the family
// registry) → refuse a bound driver (or unbind with force_unbind) → map BARs → VRAM size
// (RCC_CONFIG_MEMSIZE) → IP discovery → GMC → IH → PSP → SMU → doorbell routing (NBIO aperture and
// SDMA ranges, MEC range: before any ring, as the kernel's common IP block does) → GFX compute
// queue → SDMA rings. Every step is implemented for gfx942 and gfx1100 (gmc.h, ih.h,
// psp.h, smu.h, firmware.h); other families stop at GMC with "not implemented yet". The
// first failing step stops bring-up and the remaining steps are reported as not run. A failed run
// leaves state a second bring-up starts from; ~AmDevice undoes what the steps enabled.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "am_memory.h"
#include "amdhal/family.h"
#include "amdhal/status.h"
#include "discovery.h"
#include "firmware.h"
#include "gmc.h"
#include "ih.h"
#include "pci_port.h"
#include "queues.h"
#include "registers.h"

namespace amdhal::am {

struct BringupOptions {
  /// Firmware for the PSP step; "" = the default (firmware.h default_firmware_dir():
  /// /lib/firmware/amdgpu, or the build's test firmware for a simulated device).
  std::string firmware_dir;
  bool force_unbind = false;  ///< unbind a kernel driver instead of refusing the device
  /// Stop after this step succeeds ("" = run all); `regs` stops after "ip discovery".
  std::string stop_after;
};

struct BringupStep {
  enum class State { kOk, kFailed, kNotRun };
  std::string name;
  State state = State::kNotRun;
  uint64_t duration_ns = 0;
  std::string detail;  ///< what the step found, or the error
};
std::string_view step_state_name(BringupStep::State s);  // "ok", "failed", "not run"

/// An identified, mapped device and what bring-up learned of it. Unmaps its BARs on destruction.
class AmDevice {
 public:
  AmDevice(PciPort& port, PciFunction function) : port_(&port), fn_(std::move(function)) {}
  ~AmDevice();
  AmDevice(const AmDevice&) = delete;
  AmDevice& operator=(const AmDevice&) = delete;

  PciPort& port() { return *port_; }
  const PciFunction& function() const { return fn_; }
  const GpuFamily* family() const { return family_; }
  uint64_t vram_bytes() const { return vram_bytes_; }
  const DiscoveryTable& discovery() const { return discovery_; }
  bool mapped() const { return mmio_ != nullptr; }

  /// MMIO register access by absolute dword offset: through BAR5, or, for a register beyond BAR5
  /// once IP discovery has run, through the NBIO index/data pair (PCIE_INDEX2/DATA2 on NBIO 7.9,
  /// RSMU_INDEX/DATA on NBIO 4.3: the kernel's amdgpu_device_indirect_rreg/wreg with
  /// nbio_v7_9/nbio_v4_3 get_pcie_index_offset/get_pcie_data_offset).
  Expected<uint32_t> read_reg(uint64_t dword);
  Status write_reg(uint64_t dword, uint32_t value);

  // The steps (each one function; bringup() runs them in order).
  Status identify();
  Status check_binding(const BringupOptions& options);
  Status map_bars();
  Status read_vram_size();
  Status read_discovery();
  /// GMC: writes the VMID 0 page tables (VRAM 1:1 and the GART, layout in gmc.h), then programs
  /// GFXHUB and MMHUB: system aperture, L1 TLB / L2, VMID 0 context, TLB flush with ACK.
  Status setup_gmc();
  const Vmid0Tables& vmid0_tables() const { return vmid0_; }
  const GartTables& gart_tables() const { return gart_; }
  /// True once GFXHUB / MMHUB VMID 0 was programmed and its TLB flush acknowledged.
  bool gfxhub_programmed() const { return gfxhub_programmed_; }
  bool mmhub_programmed() const { return mmhub_programmed_; }
  /// MC address of VRAM offset `offset` (MC_VM_FB_LOCATION_BASE + offset; what the PSP and
  /// the IH are given).
  uint64_t mc_address(uint64_t vram_offset) const { return fb_start_ + vram_offset; }
  /// First VRAM offset bring-up keeps for itself (gmc.h): allocators use [0, this).
  uint64_t reserved_vram_start() const { return vram_bytes_ - kReservedFromEnd; }
  /// Maps `bytes` (rounded up to 4 KiB) of page-aligned host memory at `host` into the GART and
  /// returns its GPU VA (in [kGartVaBase, kGartVaBase + kGartBytes)). The memory stays the
  /// caller's and must outlive the mapping. On the simulator a host page's bus address is its
  /// host address; on real hardware this needs pinned pages' bus addresses and is kUnimplemented.
  Expected<uint64_t> gart_map(void* host, uint64_t bytes, bool writable = true);
  /// Removes a mapping gart_map made (PTEs invalidated, TLBs flushed).
  Status gart_unmap(uint64_t gpu_va);
  /// Flushes VMID 0's TLBs on every programmed hub (engine 17 request, ACK polled).
  Status flush_vmid0_tlb();

  /// IH: allocates the IH ring in the bring-up area, programs IH_RB_* and enables it (ih.h).
  Status setup_ih();
  /// Reads the IV entries the GPU wrote since the last call (up to `max_entries`), advancing
  /// IH_RB_RPTR. Thread-safe. An overflow is cleared and counted in ih_overflows().
  Expected<std::vector<IvEntry>> ih_drain(size_t max_entries = 512);
  uint64_t ih_overflows() const { return ih_overflows_; }

  /// PSP: loads the sOS through the bootloader and each IP firmware through the KM ring (psp.h).
  Status load_firmware(const BringupOptions& options);
  /// GFX_FW_TYPE_* the PSP accepted, in load order, and where they were read from.
  const std::vector<uint32_t>& loaded_firmware() const { return loaded_fw_; }
  const std::string& firmware_dir() const { return firmware_dir_; }

  /// SMU: TestMessage, GetSmuVersion, GetDriverIfVersion through the MP1 mailbox (smu.h).
  Status smu_handshake();
  uint32_t smu_version() const { return smu_version_; }
  uint32_t smu_driver_if_version() const { return smu_driver_if_; }

  /// Undoes what bring-up enabled: closes the NBIO doorbell aperture (soc15/soc21 common hw_fini),
  /// destroys the PSP ring, disables the IH ring and both hubs' VMID 0 contexts. Run by the
  /// destructor; stop queues that use VMID 0 first.
  void teardown();

  /// 32/64-bit VRAM reads and bulk writes (BAR0, or MM_INDEX/MM_DATA beyond the aperture).
  Expected<uint64_t> read_vram64(uint64_t offset);
  Expected<uint32_t> read_vram32(uint64_t offset);
  Status write_vram32(uint64_t offset, uint32_t value);
  Status write_vram_bytes(uint64_t offset, std::span<const uint8_t> bytes);
  /// 64-bit VRAM write through BAR0, or MM_INDEX/MM_DATA beyond the aperture.
  Status write_vram64(uint64_t offset, uint64_t value);
  void unmap_bars();

  std::string last_detail;  ///< set by a step that succeeded: what it found

  // ---- doorbell routing, compute queue, SDMA rings (steps 10-12; queues.h) ----
  /// Programs CP_MEC_DOORBELL_RANGE_LOWER/UPPER, brings up HQD me1/pipe0/queue0 on a VRAM ring
  /// from its MQD and runs the ring test (PM4 WRITE_DATA through the doorbell).
  Status setup_compute_queue();
  /// Brings up ring 0 of every SDMA engine and runs the ring test (SDMA FENCE) on each.
  Status setup_sdma_rings();
  /// Routes the doorbells amdhal hands out, as the kernel's soc15/soc21 common init and
  /// nbio_v7_9.c / nbio_v4_3.c do: enables the NBIO doorbell aperture, programs the NBIO SDMA
  /// doorbell ranges (program_nbio_doorbell_routing, queues.h) and CP_MEC_DOORBELL_RANGE, reads
  /// them back, and checks every HQD/SDMA doorbell against them and against BAR2.
  Status setup_doorbell_routing();
  /// The VRAM heap ([kVramHeapStart, VRAM size - 32 MiB), am_memory.h), once the size is known.
  Expected<std::shared_ptr<VramAllocator>> vram_allocator();
  /// Queue registers and HQD/SDMA ring bookkeeping, once IP discovery has run.
  Expected<QueueHardware*> queue_hardware();
  /// CPU address of VRAM [offset, offset + bytes) through BAR0, null beyond the aperture.
  void* vram_cpu(uint64_t offset, uint64_t bytes) const;
  /// Stores `value` into 64-bit doorbell `slot` of BAR2 (through the PciPort).
  Status write_doorbell64(uint32_t slot, uint64_t value);

 private:
  PciPort* port_;
  PciFunction fn_;
  const GpuFamily* family_ = nullptr;
  void* vram_ = nullptr;  // BAR0 mapping (the whole aperture)
  uint64_t vram_map_bytes_ = 0;
  void* mmio_ = nullptr;  // BAR5 mapping
  uint64_t mmio_bytes_ = 0;
  void* doorbells_ = nullptr;  // BAR2 mapping
  uint64_t doorbell_bytes_ = 0;
  uint64_t vram_bytes_ = 0;
  DiscoveryTable discovery_;
  Vmid0Tables vmid0_;
  bool gfxhub_programmed_ = false;
  // GMC / IH / PSP / SMU state (bringup.cpp, ih.cpp, psp.cpp, smu.cpp).
  Expected<ResolvedRegister> reg(std::string_view name) const;
  /// Polls `r` until (value & mask) == expected, or fails naming `what`, the register, the
  /// expected and the last read value.
  Status wait_reg(const ResolvedRegister& r, uint32_t mask, uint32_t expected,
                  std::string_view what, uint32_t* last = nullptr, int timeout_ms = 100);
  Status program_hub(std::string_view prefix, std::string_view ip, std::string* detail);
  Status flush_hub(std::string_view prefix, std::string_view ip);
  Status psp_submit_load(const FirmwareImage& image, uint32_t* status);
  /// Register access beyond BAR5 through the NBIO index/data pair.
  Expected<uint32_t> indirect_reg(uint64_t dword, const uint32_t* write_value);
  std::mutex indirect_mu_;
  bool gmc_done_ = false;
  bool mmhub_programmed_ = false;
  uint64_t fb_start_ = 0;
  GartTables gart_;
  std::mutex gart_mu_;
  std::vector<bool> gart_used_;                 // per GART page
  std::map<uint64_t, uint64_t> gart_mappings_;  // VA -> pages
  std::mutex ih_mu_;
  bool ih_enabled_ = false;
  uint64_t ih_ring_ = 0;
  uint32_t ih_rptr_ = 0;
  uint64_t ih_overflows_ = 0;
  bool psp_ring_created_ = false;
  bool doorbell_aperture_open_ = false;  // set by the doorbell routing step, closed by teardown
  uint32_t psp_wptr_dwords_ = 0;
  uint32_t psp_fence_seq_ = 0;
  std::vector<uint32_t> loaded_fw_;
  std::string firmware_dir_;
  uint32_t smu_version_ = 0, smu_driver_if_ = 0;
  std::mutex queue_setup_mu_;  // guards the two below
  std::shared_ptr<VramAllocator> vram_heap_;
  std::unique_ptr<QueueHardware> queue_hw_;
};

struct BringupReport {
  std::vector<BringupStep> steps;
  Status status;                     ///< ok if every step ran and succeeded
  std::unique_ptr<AmDevice> device;  ///< the device as bring-up left it (null if not found)
};

/// The names of the steps, in order.
std::vector<std::string> bringup_step_names();

/// Finds `address` on `port` and runs the steps.
BringupReport bringup(PciPort& port, const PciAddress& address, const BringupOptions& options);

}  // namespace amdhal::am
