// Test firmware images and the simulated PSP's payload check (format: firmware_image.h).
//
// File names are those the Linux kernel requests (MODULE_FIRMWARE lines): psp_v13_0.c
// ("amdgpu/psp_13_0_6_sos.bin", "amdgpu/psp_13_0_0_sos.bin"), gfx_v9_4_3.c
// ("amdgpu/gc_9_4_3_mec.bin", "amdgpu/gc_9_4_3_rlc.bin"), sdma_v4_4_2.c ("amdgpu/sdma_4_4_2.bin"),
// gfx_v11_0.c ("amdgpu/gc_11_0_0_pfp.bin", "_me.bin", "_mec.bin", "_rlc.bin"), imu_v11_0.c
// ("amdgpu/gc_11_0_0_imu.bin"), mes_v11_0.c ("amdgpu/gc_11_0_0_mes_2.bin", "_mes1.bin"),
// sdma_v6_0.c ("amdgpu/sdma_6_0_0.bin"), smu_v13_0.c ("amdgpu/smu_13_0_0.bin"). Firmware types are
// psp_gfx_if.h enum psp_gfx_fw_type. Header versions follow the amdgpu_ucode.h header each kind
// uses (gfx v1.0 on GC 9, v2.0 for the RS64 CP of GC 11; rlc v2.0; sdma v1.0 / v2.0; psp v2.0).
#include "amdhal_sim_pci/firmware_image.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <zlib.h>

namespace amdhal::sim::pci::fw {
namespace {

// psp_gfx_if.h enum psp_gfx_fw_type.
constexpr uint32_t kGfxFwCpMec = 4, kGfxFwRlcG = 8, kGfxFwSdma0 = 9, kGfxFwSmu = 18,
                   kGfxFwCpMes = 33, kGfxFwImuI = 68, kGfxFwSdmaTh0 = 71, kGfxFwCpMesKiq = 81,
                   kGfxFwRs64Pfp = 87, kGfxFwRs64Me = 88, kGfxFwRs64Mec = 89;

void put(std::vector<uint8_t>& b, size_t at, const void* p, size_t n) {
  std::memcpy(b.data() + at, p, n);
}

std::vector<uint8_t> payload(uint32_t fw_type, uint16_t ip_major, uint16_t ip_minor,
                             uint32_t body_bytes, uint32_t seed) {
  std::vector<uint8_t> out(sizeof(PayloadSignature) + body_bytes);
  for (uint32_t i = 0; i < body_bytes; ++i) {
    out[sizeof(PayloadSignature) + i] = static_cast<uint8_t>((i * 131u + seed * 7u + 1u) & 0xff);
  }
  PayloadSignature s{};
  s.magic = kPayloadMagic;
  s.fw_type = fw_type;
  s.ip_major = ip_major;
  s.ip_minor = ip_minor;
  s.body_bytes = body_bytes;
  s.body_crc32 = crc32(out.data() + sizeof s, body_bytes);
  std::memcpy(out.data(), &s, sizeof s);
  return out;
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t len) {
  return static_cast<uint32_t>(::crc32_z(::crc32_z(0, nullptr, 0), data, len));
}

std::vector<std::string> test_firmware_targets() {
  return {"gfx942", "gfx1100"};
}

std::vector<TestImage> test_images(std::string_view target) {
  if (target == "gfx942") {
    return {
        {"psp_13_0_6_sos.bin", 0, 13, 0, 2, 0, true},
        {"gc_9_4_3_mec.bin", kGfxFwCpMec, 9, 4, 1, 0},
        {"gc_9_4_3_rlc.bin", kGfxFwRlcG, 9, 4, 2, 0},
        {"sdma_4_4_2.bin", kGfxFwSdma0, 4, 4, 1, 0},
    };
  }
  if (target == "gfx1100") {
    return {
        {"psp_13_0_0_sos.bin", 0, 13, 0, 2, 0, true},
        {"gc_11_0_0_pfp.bin", kGfxFwRs64Pfp, 11, 0, 2, 0},
        {"gc_11_0_0_me.bin", kGfxFwRs64Me, 11, 0, 2, 0},
        {"gc_11_0_0_mec.bin", kGfxFwRs64Mec, 11, 0, 2, 0},
        {"gc_11_0_0_rlc.bin", kGfxFwRlcG, 11, 0, 2, 0},
        {"gc_11_0_0_imu.bin", kGfxFwImuI, 11, 0, 1, 0},
        {"gc_11_0_0_mes_2.bin", kGfxFwCpMes, 11, 0, 1, 0},
        {"gc_11_0_0_mes1.bin", kGfxFwCpMesKiq, 11, 0, 1, 0},
        {"sdma_6_0_0.bin", kGfxFwSdmaTh0, 6, 0, 2, 0},
        {"smu_13_0_0.bin", kGfxFwSmu, 13, 0, 1, 0},
    };
  }
  return {};
}

std::vector<uint8_t> build_test_image(const TestImage& image) {
  uint32_t seed = 0;
  for (char c : image.file) seed = seed * 31u + static_cast<uint8_t>(c);
  std::vector<uint8_t> ucode;
  uint32_t header_bytes = sizeof(CommonHeader);
  std::vector<PspFwBinDesc> descs;
  if (image.psp_sos) {
    // psp_firmware_header_v2_0: common header, psp_fw_bin_count, psp_fw_bin[count].
    auto sys = payload(kPspFwTypeSysDrv, image.ip_major, image.ip_minor, 4096 - 32, seed);
    auto sos = payload(kPspFwTypeSos, image.ip_major, image.ip_minor, 8192 - 32, seed + 1);
    descs.push_back({kPspFwTypeSysDrv, 0x00010001, 0, static_cast<uint32_t>(sys.size())});
    descs.push_back({kPspFwTypeSos, 0x00210002, static_cast<uint32_t>(sys.size()),
                     static_cast<uint32_t>(sos.size())});
    ucode = sys;
    ucode.insert(ucode.end(), sos.begin(), sos.end());
    header_bytes += 4 + static_cast<uint32_t>(descs.size() * sizeof(PspFwBinDesc));
  } else {
    ucode = payload(image.fw_type, image.ip_major, image.ip_minor, 2048 - 32, seed);
  }
  const uint32_t array_offset = (header_bytes + 255u) & ~255u;  // payloads start 256-aligned
  std::vector<uint8_t> out(array_offset + ucode.size(), 0);
  CommonHeader h{};
  h.size_bytes = static_cast<uint32_t>(out.size());
  h.header_size_bytes = header_bytes;
  h.header_version_major = image.header_major;
  h.header_version_minor = image.header_minor;
  h.ip_version_major = image.ip_major;
  h.ip_version_minor = image.ip_minor;
  h.ucode_version = 0x100 + (seed & 0xff);
  h.ucode_size_bytes = static_cast<uint32_t>(ucode.size());
  h.ucode_array_offset_bytes = array_offset;
  h.crc32 = crc32(ucode.data(), ucode.size());
  put(out, 0, &h, sizeof h);
  if (image.psp_sos) {
    const uint32_t count = static_cast<uint32_t>(descs.size());
    put(out, sizeof h, &count, 4);
    put(out, sizeof h + 4, descs.data(), descs.size() * sizeof(PspFwBinDesc));
  }
  put(out, array_offset, ucode.data(), ucode.size());
  return out;
}

std::string write_test_firmware(std::string_view target, const std::string& dir) {
  const auto images = test_images(target);
  if (images.empty()) return "no test firmware for target '" + std::string(target) + "'";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  for (const auto& img : images) {
    const std::string path = dir + "/" + img.file;
    const auto bytes = build_test_image(img);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!f) return "cannot write " + path;
  }
  return "";
}

std::string_view payload_check_name(PayloadCheck c) {
  switch (c) {
    case PayloadCheck::kOk:
      return "accepted";
    case PayloadCheck::kBadSignature:
      return "bad signature";
    case PayloadCheck::kWrongType:
      return "built for another firmware type";
    case PayloadCheck::kWrongIp:
      return "built for another IP version";
    case PayloadCheck::kBadSize:
      return "size mismatch";
    case PayloadCheck::kBadCrc:
      return "CRC mismatch";
    case PayloadCheck::kRejected:
      return "rejected";
  }
  return "?";
}

PayloadCheck check_payload(const uint8_t* data, size_t len, uint32_t fw_type, uint16_t ip_major,
                           uint16_t ip_minor, size_t size) {
  PayloadSignature s{};
  if (data == nullptr || len < sizeof s) return PayloadCheck::kBadSignature;
  std::memcpy(&s, data, sizeof s);
  if (s.magic != kPayloadMagic) return PayloadCheck::kBadSignature;
  if (s.fw_type != fw_type) return PayloadCheck::kWrongType;
  if (s.ip_major != ip_major || s.ip_minor != ip_minor) return PayloadCheck::kWrongIp;
  if (sizeof s + s.body_bytes > len || (size != 0 && sizeof s + s.body_bytes != size)) {
    return PayloadCheck::kBadSize;
  }
  if (crc32(data + sizeof s, s.body_bytes) != s.body_crc32) return PayloadCheck::kBadCrc;
  return PayloadCheck::kOk;
}

}  // namespace amdhal::sim::pci::fw
