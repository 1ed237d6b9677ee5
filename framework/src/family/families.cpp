// The GPU family table. Sources:
//  - gfx names, ISA versions, wave sizes, xnack/sramecc: LLVM AMDGPUUsage.rst, "Processors" table.
//  - gfx_target_version encoding (major*10000 + minor*100 + stepping): kernel kfd_topology.c /
//    kfd_device.c (gfx_target_version), e.g. 90402 for gfx942, 110000 for gfx1100.
//  - PCI device ids: kernel drivers/gpu/drm/amd/amdgpu/amdgpu_drv.c (pciidlist) and the pci.ids
//    database (vendor 1002).
//  - SDMA IP versions and instance counts: kernel amdgpu_discovery.c / sdma_v4_4_2.c, sdma_v5_2.c,
//    sdma_v6_0.c, sdma_v7_0.c; KFD's num_sdma_engines / num_sdma_xgmi_engines split from
//    kfd_device.c (kfd_get_num_sdma_engines / kfd_get_num_xgmi_sdma_engines).
//  - CU counts of the reference parts: AMD product specifications.
#include <algorithm>
#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "amdhal/family.h"

namespace amdhal {
namespace {

// MI210 (0x740F, the reference part) first: the simulator reports the first id as the device's.
constexpr uint16_t kGfx90aIds[] = {0x740F, 0x7408, 0x740C, 0x7410};
constexpr uint16_t kGfx942Ids[] = {0x74A0, 0x74A1, 0x74A2, 0x74A5, 0x74B5, 0x74B9};
constexpr uint16_t kGfx1030Ids[] = {0x73A0, 0x73A1, 0x73A2, 0x73A3, 0x73A5,
                                    0x73AB, 0x73AE, 0x73AF, 0x73BF};
constexpr uint16_t kGfx1100Ids[] = {0x7448, 0x744C, 0x745E};
constexpr uint16_t kGfx1200Ids[] = {0x7590};
constexpr uint16_t kGfx1201Ids[] = {0x7550, 0x7551};

// clang-format off
constexpr GpuFamily kFamilies[] = {
  {.name = "gfx90a", .architecture = "CDNA2", .marketing = "Instinct MI200", .isa = {9, 0, 10},
   .gfx_target_version = 90010, .default_wave_size = 64, .supports_wave32 = false,
   .supports_wave64 = true, .supports_xnack = true, .supports_sramecc = true,
   .pci_device_ids = kGfx90aIds, .pm4 = Pm4Variant::kGfx9, .sdma = SdmaVariant::kSdma4,
   .sdma_ip_major = 4, .sdma_ip_minor = 4, .sdma_engines = 2, .sdma_xgmi_engines = 3,
   .compute_units = 104, .lds_bytes = 64 * 1024, .max_waves_per_simd = 8,
   .reference_part = "AMD Instinct MI210"},
  {.name = "gfx942", .architecture = "CDNA3", .marketing = "Instinct MI300", .isa = {9, 4, 2},
   .gfx_target_version = 90402, .default_wave_size = 64, .supports_wave32 = false,
   .supports_wave64 = true, .supports_xnack = true, .supports_sramecc = true,
   .pci_device_ids = kGfx942Ids, .pm4 = Pm4Variant::kGfx9, .sdma = SdmaVariant::kSdma4,
   .sdma_ip_major = 4, .sdma_ip_minor = 4, .sdma_engines = 2, .sdma_xgmi_engines = 14,
   .compute_units = 304, .lds_bytes = 64 * 1024, .max_waves_per_simd = 8,
   .reference_part = "AMD Instinct MI300X"},
  {.name = "gfx1030", .architecture = "RDNA2", .marketing = "Radeon RX 6000", .isa = {10, 3, 0},
   .gfx_target_version = 100300, .default_wave_size = 32, .supports_wave32 = true,
   .supports_wave64 = true, .supports_xnack = false, .supports_sramecc = false,
   .pci_device_ids = kGfx1030Ids, .pm4 = Pm4Variant::kGfx10, .sdma = SdmaVariant::kSdma5,
   .sdma_ip_major = 5, .sdma_ip_minor = 2, .sdma_engines = 4, .sdma_xgmi_engines = 0,
   .compute_units = 80, .lds_bytes = 64 * 1024, .max_waves_per_simd = 20,
   .reference_part = "AMD Radeon RX 6900 XT"},
  {.name = "gfx1100", .architecture = "RDNA3", .marketing = "Radeon RX 7000", .isa = {11, 0, 0},
   .gfx_target_version = 110000, .default_wave_size = 32, .supports_wave32 = true,
   .supports_wave64 = true, .supports_xnack = false, .supports_sramecc = false,
   .pci_device_ids = kGfx1100Ids, .pm4 = Pm4Variant::kGfx11, .sdma = SdmaVariant::kSdma6,
   .sdma_ip_major = 6, .sdma_ip_minor = 0, .sdma_engines = 2, .sdma_xgmi_engines = 0,
   .compute_units = 96, .lds_bytes = 64 * 1024, .max_waves_per_simd = 16,
   .reference_part = "AMD Radeon RX 7900 XTX"},
  {.name = "gfx1200", .architecture = "RDNA4", .marketing = "Radeon RX 9000", .isa = {12, 0, 0},
   .gfx_target_version = 120000, .default_wave_size = 32, .supports_wave32 = true,
   .supports_wave64 = true, .supports_xnack = false, .supports_sramecc = false,
   .pci_device_ids = kGfx1200Ids, .pm4 = Pm4Variant::kGfx12, .sdma = SdmaVariant::kSdma7,
   .sdma_ip_major = 7, .sdma_ip_minor = 0, .sdma_engines = 2, .sdma_xgmi_engines = 0,
   .compute_units = 32, .lds_bytes = 64 * 1024, .max_waves_per_simd = 16,
   .reference_part = "AMD Radeon RX 9060 XT"},
  {.name = "gfx1201", .architecture = "RDNA4", .marketing = "Radeon RX 9000", .isa = {12, 0, 1},
   .gfx_target_version = 120001, .default_wave_size = 32, .supports_wave32 = true,
   .supports_wave64 = true, .supports_xnack = false, .supports_sramecc = false,
   .pci_device_ids = kGfx1201Ids, .pm4 = Pm4Variant::kGfx12, .sdma = SdmaVariant::kSdma7,
   .sdma_ip_major = 7, .sdma_ip_minor = 0, .sdma_engines = 2, .sdma_xgmi_engines = 0,
   .compute_units = 64, .lds_bytes = 64 * 1024, .max_waves_per_simd = 16,
   .reference_part = "AMD Radeon RX 9070 XT"},
};
// clang-format on

std::string known_names() {
  std::string out;
  for (const auto& f : kFamilies) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

}  // namespace

std::string_view pm4_variant_name(Pm4Variant v) {
  switch (v) {
    case Pm4Variant::kGfx9:
      return "gfx9";
    case Pm4Variant::kGfx10:
      return "gfx10";
    case Pm4Variant::kGfx11:
      return "gfx11";
    case Pm4Variant::kGfx12:
      return "gfx12";
  }
  return "unknown";
}

std::string_view sdma_variant_name(SdmaVariant v) {
  switch (v) {
    case SdmaVariant::kSdma4:
      return "sdma4";
    case SdmaVariant::kSdma5:
      return "sdma5";
    case SdmaVariant::kSdma6:
      return "sdma6";
    case SdmaVariant::kSdma7:
      return "sdma7";
  }
  return "unknown";
}

std::span<const GpuFamily> all_families() {
  return kFamilies;
}

Expected<const GpuFamily*> find_family(std::string_view name) {
  std::string_view base = name.substr(0, name.find(':'));
  for (const auto& f : kFamilies) {
    if (f.name == base) return &f;
  }
  return not_found(fmt::format("unknown GPU target '{}' (known: {})", name, known_names()));
}

Expected<const GpuFamily*> find_family_by_target_version(uint32_t v) {
  for (const auto& f : kFamilies) {
    if (f.gfx_target_version == v) return &f;
  }
  return not_found(
      fmt::format("unknown gfx_target_version {} (known targets: {})", v, known_names()));
}

Expected<const GpuFamily*> find_family_by_pci_id(uint16_t device_id) {
  for (const auto& f : kFamilies) {
    if (std::find(f.pci_device_ids.begin(), f.pci_device_ids.end(), device_id) !=
        f.pci_device_ids.end()) {
      return &f;
    }
  }
  return not_found(fmt::format("unknown AMD PCI device id 0x{:04x}", device_id));
}

std::string gfx_name(const IsaVersion& isa) {
  return fmt::format("gfx{}{:x}{:x}", isa.major, isa.minor, isa.stepping);
}

}  // namespace amdhal
