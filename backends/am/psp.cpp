// PSP firmware load (sequence and sources: psp.h; files and headers: firmware.h).
#include "psp.h"

#include <cstring>

#include <fmt/format.h>

#include "bringup.h"
#include "firmware.h"

namespace amdhal::am {

Status AmDevice::psp_submit_load(const FirmwareImage& image, uint32_t* status) {
  const uint64_t area = vram_bytes_ - kBringupAreaFromEnd;
  const uint64_t staging = area + kPspFwStagingOffset;
  const uint64_t cmd = area + kPspCmdOffset;
  const uint64_t fence = area + kPspFenceOffset;
  const uint64_t ring = area + kPspRingOffset;
  const auto payload = image.payload();
  if (payload.size() > kPspFwStagingBytes) {
    return out_of_range(fmt::format("PSP: {} payload of {} bytes exceeds the {} MiB staging area",
                                    image.spec->file, payload.size(), kPspFwStagingBytes >> 20));
  }
  AMDHAL_RETURN_IF_ERROR(write_vram_bytes(staging, payload));
  // struct psp_gfx_cmd_resp: buf_size, buf_version, cmd_id, resp_buf_addr_lo/hi, resp_offset,
  // resp_buf_size, then cmd_load_ip_fw at byte 28.
  std::vector<uint8_t> c(psp::kCmdRespBytes, 0);
  auto put = [&](size_t at, uint32_t v) { std::memcpy(c.data() + at, &v, 4); };
  const uint64_t fw_mc = mc_address(staging);
  put(0, psp::kCmdRespBytes);
  put(4, psp::kCmdBufVersion);
  put(8, psp::kCmdLoadIpFw);
  put(28, static_cast<uint32_t>(fw_mc));
  put(32, static_cast<uint32_t>(fw_mc >> 32));
  put(36, static_cast<uint32_t>(payload.size()));
  put(40, image.spec->gfx_fw_type);
  put(psp::kRespStatusOffset, 0xffffffffu);  // overwritten by the PSP's answer
  AMDHAL_RETURN_IF_ERROR(write_vram_bytes(cmd, c));
  AMDHAL_RETURN_IF_ERROR(write_vram32(fence, 0));
  // struct psp_gfx_rb_frame at the write pointer.
  const uint32_t seq = ++psp_fence_seq_;
  std::vector<uint8_t> f(psp::kFrameBytes, 0);
  auto putf = [&](size_t at, uint32_t v) { std::memcpy(f.data() + at, &v, 4); };
  putf(0, static_cast<uint32_t>(mc_address(cmd)));
  putf(4, static_cast<uint32_t>(mc_address(cmd) >> 32));
  putf(8, psp::kCmdRespBytes);
  putf(12, static_cast<uint32_t>(mc_address(fence)));
  putf(16, static_cast<uint32_t>(mc_address(fence) >> 32));
  putf(20, seq);
  const uint32_t ring_dwords = static_cast<uint32_t>(kPspRingBytes / 4);
  AMDHAL_RETURN_IF_ERROR(write_vram_bytes(ring + psp_wptr_dwords_ * 4ull, f));
  psp_wptr_dwords_ = (psp_wptr_dwords_ + psp::kFrameBytes / 4) % ring_dwords;
  AMDHAL_ASSIGN_OR_RETURN(auto c67, reg("MP0.MP0_SMN_C2PMSG_67"));
  AMDHAL_RETURN_IF_ERROR(write_reg(c67.dword, psp_wptr_dwords_));
  // psp_cmd_submit_buf: wait for the fence, then read resp.status.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  uint32_t got = 0;
  for (;;) {
    AMDHAL_ASSIGN_OR_RETURN(got, read_vram32(fence));
    if (got == seq) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return deadline_exceeded(fmt::format(
          "PSP firmware load: {} ({}): fence at VRAM 0x{:x} read {}, expected {} within 200 ms",
          image.spec->file, gfx_fw_type_name(image.spec->gfx_fw_type), fence, got, seq));
    }
  }
  AMDHAL_ASSIGN_OR_RETURN(*status, read_vram32(cmd + psp::kRespStatusOffset));
  return ok_status();
}

Status AmDevice::load_firmware(const BringupOptions& options) {
  if (!gmc_done_) return failed_precondition("PSP: GMC is not set up");
  const auto specs = firmware_for(*family_);
  if (specs.empty()) {
    return unimplemented(fmt::format(
        "not implemented yet: PSP firmware load for {} (no firmware list for it)", family_->name));
  }
  firmware_dir_ = options.firmware_dir.empty()
                      ? default_firmware_dir(!port_->is_real_hardware(), *family_)
                      : options.firmware_dir;
  AMDHAL_ASSIGN_OR_RETURN(auto files, read_firmware_files(firmware_dir_, specs));
  std::vector<FirmwareImage> images;
  for (size_t i = 0; i < specs.size(); ++i) {
    const IpBlock* ip = discovery_.find(specs[i].hw_id);
    if (ip == nullptr) {
      return failed_precondition(fmt::format("PSP: {} is for {}, which IP discovery did not list",
                                             specs[i].file, hw_id_name(specs[i].hw_id)));
    }
    AMDHAL_ASSIGN_OR_RETURN(auto img,
                            parse_firmware(firmware_dir_ + "/" + std::string(specs[i].file),
                                           std::move(files[i]), specs[i], ip->major, ip->minor));
    images.push_back(std::move(img));
  }
  auto r = [&](int n) { return reg(fmt::format("MP0.MP0_SMN_C2PMSG_{}", n)); };
  AMDHAL_ASSIGN_OR_RETURN(auto c35, r(35));
  AMDHAL_ASSIGN_OR_RETURN(auto c36, r(36));
  AMDHAL_ASSIGN_OR_RETURN(auto c64, r(64));
  AMDHAL_ASSIGN_OR_RETURN(auto c69, r(69));
  AMDHAL_ASSIGN_OR_RETURN(auto c70, r(70));
  AMDHAL_ASSIGN_OR_RETURN(auto c71, r(71));
  AMDHAL_ASSIGN_OR_RETURN(auto c81, r(81));
  const uint64_t area = vram_bytes_ - kBringupAreaFromEnd;
  const uint64_t staging = area + kPspFwStagingOffset;

  // 1. sOS through the bootloader, unless it is already running (a second bring-up).
  const FirmwareImage& sos = images.front();
  AMDHAL_ASSIGN_OR_RETURN(uint32_t alive, read_reg(c81.dword));
  const bool sos_was_alive = alive != 0;
  if (!sos_was_alive) {
    for (uint32_t type : {psp::kPspFwTypeSysDrv, psp::kPspFwTypeSos}) {
      const PspComponent* comp = nullptr;
      for (const auto& c : sos.components) {
        if (c.fw_type == type) comp = &c;
      }
      if (comp == nullptr) {
        return data_loss(fmt::format("{}: no {} component in the PSP header", sos.spec->file,
                                     type == psp::kPspFwTypeSos ? "SOS" : "SYS_DRV"));
      }
      const std::string what =
          fmt::format("PSP bootloader not ready for {} of {}",
                      type == psp::kPspFwTypeSos ? "SOS" : "SYS_DRV", sos.spec->file);
      AMDHAL_RETURN_IF_ERROR(wait_reg(c35, 0x80000000u, 0x80000000u, what));
      if (comp->bytes.size() > kPspFwStagingBytes) {
        return out_of_range(fmt::format("{}: component of {} bytes exceeds the staging area",
                                        sos.spec->file, comp->bytes.size()));
      }
      AMDHAL_RETURN_IF_ERROR(write_vram_bytes(staging, comp->bytes));
      AMDHAL_RETURN_IF_ERROR(
          write_reg(c36.dword, static_cast<uint32_t>(mc_address(staging) >> 20)));
      AMDHAL_RETURN_IF_ERROR(write_reg(
          c35.dword, type == psp::kPspFwTypeSos ? psp::kBlLoadSosDrv : psp::kBlLoadSysDrv));
      AMDHAL_RETURN_IF_ERROR(wait_reg(c35, 0x80000000u, 0x80000000u, what));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    do {
      AMDHAL_ASSIGN_OR_RETURN(alive, read_reg(c81.dword));
    } while (alive == 0 && std::chrono::steady_clock::now() < deadline);
    if (alive == 0) {
      return deadline_exceeded(fmt::format(
          "PSP firmware load: sOS from {} did not start: {} (dword 0x{:x}) read 0x00000000, "
          "expected non-zero (sOS alive) within 100 ms",
          sos.path, c81.name, c81.dword));
    }
  }
  // 2. The KM ring (destroying one an earlier run left).
  if (sos_was_alive) {
    AMDHAL_RETURN_IF_ERROR(write_reg(c64.dword, psp::kCtrlDestroyRings));
    AMDHAL_RETURN_IF_ERROR(
        wait_reg(c64, psp::kResponseFlag, psp::kResponseFlag, "PSP ring destroy"));
  }
  AMDHAL_RETURN_IF_ERROR(
      wait_reg(c64, psp::kResponseFlag, psp::kResponseFlag, "PSP sOS not ready for its ring"));
  const uint64_t ring = area + kPspRingOffset;
  for (uint64_t off = 0; off < kPspRingBytes; off += 8) {
    AMDHAL_RETURN_IF_ERROR(write_vram64(ring + off, 0));
  }
  AMDHAL_RETURN_IF_ERROR(write_reg(c69.dword, static_cast<uint32_t>(mc_address(ring))));
  AMDHAL_RETURN_IF_ERROR(write_reg(c70.dword, static_cast<uint32_t>(mc_address(ring) >> 32)));
  AMDHAL_RETURN_IF_ERROR(write_reg(c71.dword, static_cast<uint32_t>(kPspRingBytes)));
  AMDHAL_RETURN_IF_ERROR(write_reg(c64.dword, psp::kRingTypeKm << 16));
  uint32_t resp = 0;
  AMDHAL_RETURN_IF_ERROR(wait_reg(c64, psp::kResponseFlag, psp::kResponseFlag,
                                  "PSP ring creation not answered", &resp));
  if ((resp & psp::kStatusMask) != 0) {
    return failed_precondition(fmt::format(
        "PSP ring creation: {} (dword 0x{:x}) read 0x{:08x}, expected status 0 in bits 15:0",
        c64.name, c64.dword, resp));
  }
  psp_ring_created_ = true;
  psp_wptr_dwords_ = 0;
  // 3. Each IP firmware through LOAD_IP_FW.
  loaded_fw_.clear();
  std::string names;
  for (size_t i = 1; i < images.size(); ++i) {
    uint32_t status = 0;
    AMDHAL_RETURN_IF_ERROR(psp_submit_load(images[i], &status));
    if ((status & psp::kStatusMask) != 0) {
      return failed_precondition(fmt::format(
          "PSP firmware load: {} ({}) rejected by the PSP: status 0x{:04x} in the response",
          images[i].path, gfx_fw_type_name(images[i].spec->gfx_fw_type),
          status & psp::kStatusMask));
    }
    loaded_fw_.push_back(images[i].spec->gfx_fw_type);
    names += fmt::format("{}{}", names.empty() ? "" : ", ", images[i].spec->file);
  }
  const IpBlock* mp0 = discovery_.find(hwid::kMp0);
  last_detail = fmt::format(
      "MP0 {}: sOS {} ({}, C2PMSG_81 0x{:08x}); KM ring at VRAM 0x{:x}; {} IP firmware loaded "
      "({}) from {}",
      mp0 != nullptr ? mp0->version() : "?", sos_was_alive ? "already running" : "loaded",
      sos.spec->file, alive, ring, loaded_fw_.size(), names, firmware_dir_);
  return ok_status();
}

}  // namespace amdhal::am
