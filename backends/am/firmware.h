// Firmware the PSP step loads: which files a target needs (the names the Linux kernel requests),
// reading them, and the amdgpu_ucode.h headers.
//
// Header: struct common_firmware_header (drivers/gpu/drm/amd/amdgpu/amdgpu_ucode.h): size_bytes,
// header_size_bytes, header_version_major/minor (u16), ip_version_major/minor (u16),
// ucode_version, ucode_size_bytes, ucode_array_offset_bytes, crc32. The PSP sOS file uses
// struct psp_firmware_header_v2_0 (psp_fw_bin_count, then psp_fw_bin_desc {fw_type, fw_version,
// offset_bytes, size_bytes} with offsets from ucode_array_offset_bytes; enum psp_fw_type
// PSP_FW_TYPE_PSP_SOS = 1, PSP_FW_TYPE_PSP_SYS_DRV = 2).
//
// Default directory: /lib/firmware/amdgpu on real hardware. For a simulated device (a port that
// is not real hardware) the build's test firmware, <AMDHAL_SIM_FIRMWARE_DIR or the build tree's
// firmware/>/<target>/amdgpu, which sim/pci's generator writes (sim/pci/tools).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/status.h"

namespace amdhal::am {

/// One firmware file of a target and how the PSP loads it.
struct FirmwareSpec {
  std::string_view file;    ///< "gc_9_4_3_mec.bin" (under the firmware directory)
  uint32_t gfx_fw_type;     ///< psp_gfx_if.h GFX_FW_TYPE_* for LOAD_IP_FW; 0 for the sOS file
  uint16_t hw_id;           ///< IP whose discovered version the header's ip_version must match
  uint16_t header_major;    ///< amdgpu_ucode.h header version accepted
  bool psp_sos = false;     ///< bootloader-loaded sOS file (psp_firmware_header_v2_0)
  std::string_view source;  ///< kernel file whose MODULE_FIRMWARE names it
};

/// The files bring-up loads for `family` (empty: no PSP support for it yet).
std::span<const FirmwareSpec> firmware_for(const GpuFamily& family);

/// "GFX_FW_TYPE_CP_MEC" for a psp_gfx_if.h firmware type.
std::string gfx_fw_type_name(uint32_t type);

/// amdgpu_ucode.h struct common_firmware_header.
struct UcodeHeader {
  uint32_t size_bytes = 0, header_size_bytes = 0;
  uint16_t header_version_major = 0, header_version_minor = 0;
  uint16_t ip_version_major = 0, ip_version_minor = 0;
  uint32_t ucode_version = 0, ucode_size_bytes = 0, ucode_array_offset_bytes = 0, crc32 = 0;
};

/// One component of a PSP sOS file (psp_fw_bin_desc).
struct PspComponent {
  uint32_t fw_type = 0;  ///< psp_fw_type
  uint32_t fw_version = 0;
  std::span<const uint8_t> bytes;
};

/// A firmware file read and checked.
struct FirmwareImage {
  std::string path;
  const FirmwareSpec* spec = nullptr;
  std::vector<uint8_t> bytes;
  UcodeHeader header;
  std::span<const uint8_t> payload() const {
    return std::span<const uint8_t>(bytes).subspan(header.ucode_array_offset_bytes,
                                                   header.ucode_size_bytes);
  }
  /// sOS file: its components (SYS_DRV, SOS, ...).
  std::vector<PspComponent> components;
};

/// Parses and checks a file's header: sizes inside the file, header version as `spec` expects,
/// ip_version equal to `ip_major.ip_minor`, CRC-32 of the payload. Errors are kDataLoss naming
/// the file and the field ("gc_9_4_3_mec.bin: ip_version 9.5 does not match GC 9.4").
Expected<FirmwareImage> parse_firmware(std::string path, std::vector<uint8_t> bytes,
                                       const FirmwareSpec& spec, uint16_t ip_major,
                                       uint16_t ip_minor);

/// Reads every file of `specs` from `dir`. Missing or unreadable files are all named in one
/// kNotFound error ("missing firmware in DIR: a.bin, b.bin"), not just the first.
Expected<std::vector<std::vector<uint8_t>>> read_firmware_files(
    const std::string& dir, std::span<const FirmwareSpec> specs);

/// CRC-32 (IEEE 802.3, reflected; zlib's crc32()).
uint32_t crc32(std::span<const uint8_t> data);

/// Default firmware directory: /lib/firmware/amdgpu, or for a simulated device the build's test
/// firmware for `family` (AMDHAL_SIM_FIRMWARE_DIR overrides the root).
std::string default_firmware_dir(bool simulated, const GpuFamily& family);

}  // namespace amdhal::am
