// GPU family registry: per-target facts as data (ISA version, packet variants, engines, PCI ids).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "amdhal/status.h"

namespace amdhal {

/// PM4 packet-format generation of the command processor. Packet builders key their per-family
/// tables on this value; nothing else should branch on a gfx name.
enum class Pm4Variant : uint8_t {
  kGfx9,   ///< gfx9 (Vega, CDNA1-3): soc15d.h formats, CP_COHER_CNTL in ACQUIRE_MEM
  kGfx10,  ///< gfx10.x (RDNA1-2): nvd.h formats, GCR_CNTL cache control
  kGfx11,  ///< gfx11 (RDNA3)
  kGfx12,  ///< gfx12 (RDNA4)
};

/// SDMA engine generation (IP major version). Differences such as the COPY_LINEAR count width live
/// in the SDMA packet tables keyed on this value.
enum class SdmaVariant : uint8_t {
  kSdma4,  ///< SDMA 4.x (gfx9 parts): 22-bit COPY_LINEAR byte count (vega10_sdma_pkt_open.h)
  kSdma5,  ///< SDMA 5.x (gfx10)
  kSdma6,  ///< SDMA 6.x (gfx11)
  kSdma7,  ///< SDMA 7.x (gfx12)
};

/// Name of a variant, e.g. "gfx9" or "sdma6".
std::string_view pm4_variant_name(Pm4Variant v);
std::string_view sdma_variant_name(SdmaVariant v);

/// ISA version as in "gfx<major><minor><stepping>" (minor and stepping printed in hex).
struct IsaVersion {
  uint32_t major;
  uint32_t minor;
  uint32_t stepping;
  friend bool operator==(const IsaVersion&, const IsaVersion&) = default;
};

/// One GPU target (an LLVM processor name such as gfx942) and what amdhal needs to know of it.
struct GpuFamily {
  std::string_view name;          ///< LLVM processor name: "gfx942"
  std::string_view architecture;  ///< "CDNA3", "RDNA3", ...
  std::string_view marketing;     ///< marketing family: "Instinct MI300"
  IsaVersion isa;                 ///< {9, 4, 2}
  uint32_t gfx_target_version;    ///< KFD/HSA encoding: major*10000 + minor*100 + stepping
  uint32_t default_wave_size;     ///< wave size compilers use by default (64 or 32)
  bool supports_wave32;           ///< wave32 execution available
  bool supports_wave64;           ///< wave64 execution available
  bool supports_xnack;            ///< target accepts the xnack feature
  bool supports_sramecc;          ///< target accepts the sramecc feature
  std::span<const uint16_t> pci_device_ids;  ///< PCI device ids (vendor 0x1002) of this target
  Pm4Variant pm4;                            ///< PM4 packet generation
  SdmaVariant sdma;                          ///< SDMA packet generation
  uint32_t sdma_ip_major;                    ///< SDMA IP version (major.minor), e.g. 4.4
  uint32_t sdma_ip_minor;
  uint32_t sdma_engines;            ///< general-purpose SDMA engines KFD reports (num_sdma_engines)
  uint32_t sdma_xgmi_engines;       ///< SDMA engines dedicated to XGMI (num_sdma_xgmi_engines)
  uint32_t compute_units;           ///< compute units of the reference part
  uint32_t lds_bytes;               ///< LDS per workgroup in bytes
  uint32_t max_waves_per_simd;      ///< wave slots per SIMD
  std::string_view reference_part;  ///< the product the numbers above describe
};

/// Every known family, in a stable order.
std::span<const GpuFamily> all_families();

/// Look-up by LLVM processor name; feature suffixes ("gfx942:sramecc+:xnack-") are ignored.
Expected<const GpuFamily*> find_family(std::string_view name);

/// Look-up by HSA/KFD gfx_target_version (e.g. 90402).
Expected<const GpuFamily*> find_family_by_target_version(uint32_t gfx_target_version);

/// Look-up by PCI device id (vendor 0x1002 implied).
Expected<const GpuFamily*> find_family_by_pci_id(uint16_t device_id);

/// "gfx942" from an ISA version, as LLVM spells it (minor and stepping in hex: gfx90a).
std::string gfx_name(const IsaVersion& isa);

}  // namespace amdhal
