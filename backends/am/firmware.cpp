// Firmware files and headers for the PSP step (see firmware.h).
#include "firmware.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <zlib.h>

#include "discovery.h"

#ifndef AMDHAL_SIM_FIRMWARE_ROOT
#define AMDHAL_SIM_FIRMWARE_ROOT ""
#endif

namespace amdhal::am {
namespace {

// psp_gfx_if.h enum psp_gfx_fw_type.
constexpr uint32_t kCpMec = 4, kRlcG = 8, kSdma0 = 9, kSmu = 18, kCpMes = 33, kImuI = 68,
                   kSdmaTh0 = 71, kCpMesKiq = 81, kRs64Pfp = 87, kRs64Me = 88, kRs64Mec = 89;

// MODULE_FIRMWARE names of the Linux kernel (drivers/gpu/drm/amd/amdgpu/*.c named per entry).
// One LOAD_IP_FW per file: files that hold several components for the kernel (IMU I/D, SDMA
// TH0/TH1, MES ucode/data) load only their first here.
constexpr FirmwareSpec kGfx942Firmware[] = {
    {"psp_13_0_6_sos.bin", 0, hwid::kMp0, 2, true, "psp_v13_0.c"},
    {"gc_9_4_3_mec.bin", kCpMec, hwid::kGc, 1, false, "gfx_v9_4_3.c"},
    {"gc_9_4_3_rlc.bin", kRlcG, hwid::kGc, 2, false, "gfx_v9_4_3.c"},
    {"sdma_4_4_2.bin", kSdma0, hwid::kSdma0, 1, false, "sdma_v4_4_2.c"},
};
constexpr FirmwareSpec kGfx1100Firmware[] = {
    {"psp_13_0_0_sos.bin", 0, hwid::kMp0, 2, true, "psp_v13_0.c"},
    {"gc_11_0_0_pfp.bin", kRs64Pfp, hwid::kGc, 2, false, "gfx_v11_0.c"},
    {"gc_11_0_0_me.bin", kRs64Me, hwid::kGc, 2, false, "gfx_v11_0.c"},
    {"gc_11_0_0_mec.bin", kRs64Mec, hwid::kGc, 2, false, "gfx_v11_0.c"},
    {"gc_11_0_0_rlc.bin", kRlcG, hwid::kGc, 2, false, "gfx_v11_0.c"},
    {"gc_11_0_0_imu.bin", kImuI, hwid::kGc, 1, false, "imu_v11_0.c"},
    {"gc_11_0_0_mes_2.bin", kCpMes, hwid::kGc, 1, false, "mes_v11_0.c"},
    {"gc_11_0_0_mes1.bin", kCpMesKiq, hwid::kGc, 1, false, "mes_v11_0.c"},
    {"sdma_6_0_0.bin", kSdmaTh0, hwid::kSdma0, 2, false, "sdma_v6_0.c"},
    {"smu_13_0_0.bin", kSmu, hwid::kMp1, 1, false, "smu_v13_0.c"},
};

uint32_t le32(std::span<const uint8_t> b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
uint16_t le16(std::span<const uint8_t> b, size_t at) {
  uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}

}  // namespace

std::span<const FirmwareSpec> firmware_for(const GpuFamily& family) {
  if (family.name == "gfx942") return kGfx942Firmware;
  if (family.name == "gfx1100") return kGfx1100Firmware;
  return {};
}

std::string gfx_fw_type_name(uint32_t type) {
  switch (type) {
    case kCpMec:
      return "GFX_FW_TYPE_CP_MEC";
    case kRlcG:
      return "GFX_FW_TYPE_RLC_G";
    case kSdma0:
      return "GFX_FW_TYPE_SDMA0";
    case kSmu:
      return "GFX_FW_TYPE_SMU";
    case kCpMes:
      return "GFX_FW_TYPE_CP_MES";
    case kImuI:
      return "GFX_FW_TYPE_IMU_I";
    case kSdmaTh0:
      return "GFX_FW_TYPE_SDMA_UCODE_TH0";
    case kCpMesKiq:
      return "GFX_FW_TYPE_CP_MES_KIQ";
    case kRs64Pfp:
      return "GFX_FW_TYPE_RS64_PFP";
    case kRs64Me:
      return "GFX_FW_TYPE_RS64_ME";
    case kRs64Mec:
      return "GFX_FW_TYPE_RS64_MEC";
    default:
      return fmt::format("GFX_FW_TYPE {}", type);
  }
}

uint32_t crc32(std::span<const uint8_t> data) {
  return static_cast<uint32_t>(::crc32_z(::crc32_z(0, nullptr, 0), data.data(), data.size()));
}

Expected<FirmwareImage> parse_firmware(std::string path, std::vector<uint8_t> bytes,
                                       const FirmwareSpec& spec, uint16_t ip_major,
                                       uint16_t ip_minor) {
  const std::string file(spec.file);
  FirmwareImage img;
  img.path = std::move(path);
  img.spec = &spec;
  img.bytes = std::move(bytes);
  std::span<const uint8_t> b(img.bytes);
  if (b.size() < 32) {
    return data_loss(fmt::format("{}: {} bytes, shorter than the 32-byte common firmware header",
                                 file, b.size()));
  }
  UcodeHeader& h = img.header;
  h.size_bytes = le32(b, 0);
  h.header_size_bytes = le32(b, 4);
  h.header_version_major = le16(b, 8);
  h.header_version_minor = le16(b, 10);
  h.ip_version_major = le16(b, 12);
  h.ip_version_minor = le16(b, 14);
  h.ucode_version = le32(b, 16);
  h.ucode_size_bytes = le32(b, 20);
  h.ucode_array_offset_bytes = le32(b, 24);
  h.crc32 = le32(b, 28);
  if (h.size_bytes != b.size()) {
    return data_loss(fmt::format("{}: header size_bytes {} but the file has {} bytes", file,
                                 h.size_bytes, b.size()));
  }
  if (h.header_size_bytes < 32 || h.header_size_bytes > b.size() ||
      static_cast<uint64_t>(h.ucode_array_offset_bytes) + h.ucode_size_bytes > b.size() ||
      h.ucode_size_bytes == 0) {
    return data_loss(fmt::format(
        "{}: header_size_bytes {}, ucode at {} + {} bytes do not fit the {}-byte file", file,
        h.header_size_bytes, h.ucode_array_offset_bytes, h.ucode_size_bytes, b.size()));
  }
  if (h.header_version_major != spec.header_major) {
    return data_loss(fmt::format("{}: header version {}.{}, expected {}.x", file,
                                 h.header_version_major, h.header_version_minor,
                                 spec.header_major));
  }
  if (h.ip_version_major != ip_major || h.ip_version_minor != ip_minor) {
    return data_loss(fmt::format("{}: ip_version {}.{} does not match {} {}.{}", file,
                                 h.ip_version_major, h.ip_version_minor, hw_id_name(spec.hw_id),
                                 ip_major, ip_minor));
  }
  const uint32_t crc = crc32(img.payload());
  if (crc != h.crc32) {
    return data_loss(
        fmt::format("{}: payload CRC-32 0x{:08x}, header says 0x{:08x}", file, crc, h.crc32));
  }
  if (spec.psp_sos) {
    // psp_firmware_header_v2_0: psp_fw_bin_count at 32, psp_fw_bin_desc[] from 36.
    if (h.header_size_bytes < 36) return data_loss(file + ": PSP v2.0 header too short");
    const uint32_t count = le32(b, 32);
    if (count == 0 || 36ull + 16ull * count > h.header_size_bytes) {
      return data_loss(fmt::format("{}: psp_fw_bin_count {} does not fit the {}-byte header", file,
                                   count, h.header_size_bytes));
    }
    for (uint32_t i = 0; i < count; ++i) {
      const size_t at = 36 + 16 * i;
      PspComponent c;
      c.fw_type = le32(b, at);
      c.fw_version = le32(b, at + 4);
      const uint32_t off = le32(b, at + 8), size = le32(b, at + 12);
      if (static_cast<uint64_t>(off) + size > h.ucode_size_bytes || size == 0) {
        return data_loss(fmt::format("{}: component {} (type {}) at {} + {} outside the ucode",
                                     file, i, c.fw_type, off, size));
      }
      c.bytes = img.payload().subspan(off, size);
      img.components.push_back(c);
    }
  }
  return img;
}

Expected<std::vector<std::vector<uint8_t>>> read_firmware_files(
    const std::string& dir, std::span<const FirmwareSpec> specs) {
  std::vector<std::vector<uint8_t>> out;
  std::string missing;
  for (const auto& s : specs) {
    const std::string path = dir + "/" + std::string(s.file);
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      missing += fmt::format("{}{}", missing.empty() ? "" : ", ", s.file);
      out.emplace_back();
      continue;
    }
    out.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (!missing.empty()) {
    return not_found(
        fmt::format("missing firmware in {}: {} (pass --firmware-dir DIR)", dir, missing));
  }
  return out;
}

std::string default_firmware_dir(bool simulated, const GpuFamily& family) {
  if (!simulated) return "/lib/firmware/amdgpu";
  std::string root = AMDHAL_SIM_FIRMWARE_ROOT;
  if (const char* env = std::getenv("AMDHAL_SIM_FIRMWARE_DIR"); env != nullptr && *env != 0) {
    root = env;
  }
  return fmt::format("{}/{}/amdgpu", root, family.name);
}

}  // namespace amdhal::am
