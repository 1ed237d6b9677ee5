// Firmware images as the simulated PSP sees them, and the test firmware the build generates.
//
// No AMD firmware ships with amdhal, so the build writes test images (tools/make_test_firmware)
// under <build>/firmware/<target>/amdgpu/, with the file names the kernel asks for. Each file has
// the common header of the Linux kernel's drivers/gpu/drm/amd/amdgpu/amdgpu_ucode.h
// (struct common_firmware_header, 32 bytes) and, for the PSP's sOS file, the v2.0 PSP header
// (struct psp_firmware_header_v2_0: psp_fw_bin_count and psp_fw_bin_desc {fw_type, fw_version,
// offset_bytes, size_bytes} entries, offsets relative to ucode_array_offset_bytes).
//
// Real firmware payloads are signed and checked by the PSP. The simulated PSP instead checks a
// 32-byte block the test payloads start with (PayloadSignature below: a magic, the firmware type
// and IP version it is for, the body size and a CRC-32 of the body). This block is an amdhal
// simulator convention, not an AMD format.
//
// This header is independent of the simulator core so the generator tool can be built on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amdhal::sim::pci::fw {

/// amdgpu_ucode.h struct common_firmware_header.
struct CommonHeader {
  uint32_t size_bytes;         ///< header + image(s)
  uint32_t header_size_bytes;  ///< the header alone
  uint16_t header_version_major;
  uint16_t header_version_minor;
  uint16_t ip_version_major;
  uint16_t ip_version_minor;
  uint32_t ucode_version;
  uint32_t ucode_size_bytes;
  uint32_t ucode_array_offset_bytes;  ///< payload offset from the start of the file
  uint32_t crc32;                     ///< CRC-32 of the payload
};
static_assert(sizeof(CommonHeader) == 32);

/// amdgpu_ucode.h struct psp_fw_bin_desc (entries of psp_firmware_header_v2_0).
struct PspFwBinDesc {
  uint32_t fw_type;  ///< enum psp_fw_type
  uint32_t fw_version;
  uint32_t offset_bytes;  ///< from ucode_array_offset_bytes
  uint32_t size_bytes;
};
static_assert(sizeof(PspFwBinDesc) == 16);

/// amdgpu_ucode.h enum psp_fw_type (components of the PSP sOS file).
inline constexpr uint32_t kPspFwTypeSos = 1;
inline constexpr uint32_t kPspFwTypeSysDrv = 2;

/// The block simulated firmware payloads start with (simulator convention, see the file comment).
struct PayloadSignature {
  uint32_t magic;    ///< kPayloadMagic
  uint32_t fw_type;  ///< GFX_FW_TYPE_* (psp_gfx_if.h) for IP firmware, psp_fw_type for sOS parts
  uint16_t ip_major, ip_minor;  ///< IP the image is built for
  uint32_t body_bytes;          ///< bytes after this block
  uint32_t body_crc32;
  uint32_t reserved[3];
};
static_assert(sizeof(PayloadSignature) == 32);
inline constexpr uint32_t kPayloadMagic = 0x57464841;  // "AHFW"

/// One test image: the file name the kernel uses and what goes in it.
struct TestImage {
  std::string file;  ///< "gc_9_4_3_mec.bin"
  uint32_t fw_type;  ///< GFX_FW_TYPE_* (ignored for the sOS file)
  uint16_t ip_major, ip_minor;
  uint16_t header_major, header_minor;
  bool psp_sos = false;  ///< the PSP sOS file (psp_firmware_header_v2_0 with SYS_DRV + SOS)
};

/// Test images of a simulated target ("gfx942", "gfx1100"); empty for other targets.
std::vector<TestImage> test_images(std::string_view target);
/// Targets test_images() knows.
std::vector<std::string> test_firmware_targets();
/// The bytes of one image.
std::vector<uint8_t> build_test_image(const TestImage& image);
/// Writes every image of `target` into `dir` (created if missing). Returns "" or an error line.
std::string write_test_firmware(std::string_view target, const std::string& dir);

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32()).
uint32_t crc32(const uint8_t* data, size_t len);

/// Why a payload is refused; kOk when it is accepted. The simulated PSP reports these codes in
/// the response status (low 16 bits, GFX_CMD_STATUS_MASK); they are simulator-defined.
enum class PayloadCheck : uint32_t {
  kOk = 0,
  kBadSignature = 0x0a,  ///< no PayloadSignature magic
  kWrongType = 0x0b,     ///< built for another fw_type
  kWrongIp = 0x0c,       ///< built for another IP version
  kBadSize = 0x0d,       ///< body size does not match the command's size
  kBadCrc = 0x0e,        ///< body CRC mismatch
  kRejected = 0x0f,      ///< refused by the psp-reject fault
};
std::string_view payload_check_name(PayloadCheck c);
/// Checks a payload against what the command says it is. `size` 0 = not checked (bootloader).
PayloadCheck check_payload(const uint8_t* data, size_t len, uint32_t fw_type, uint16_t ip_major,
                           uint16_t ip_minor, size_t size);

}  // namespace amdhal::sim::pci::fw
