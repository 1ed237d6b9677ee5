// SMU handshake through the MP1 mailbox (protocol and sources: smu.h).
#include "smu.h"

#include <fmt/format.h>

#include "bringup.h"

namespace amdhal::am {

namespace smu {
std::string response_name(uint32_t r) {
  switch (r) {
    case 0x1:
      return "OK";
    case 0xff:
      return "failed";
    case 0xfe:
      return "unknown message";
    case 0xfd:
      return "bad prerequisite";
    case 0xfc:
      return "busy";
    default:
      return fmt::format("0x{:x}", r);
  }
}
std::string version_string(uint32_t v) {
  return fmt::format("{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}
}  // namespace smu

Status AmDevice::smu_handshake() {
  auto r = [&](int n) { return reg(fmt::format("MP1.MP1_SMN_C2PMSG_{}", n)); };
  AMDHAL_ASSIGN_OR_RETURN(auto msg, r(66));
  AMDHAL_ASSIGN_OR_RETURN(auto arg, r(82));
  AMDHAL_ASSIGN_OR_RETURN(auto resp, r(90));
  const IpBlock* mp1 = discovery_.find(hwid::kMp1);
  if (mp1 == nullptr) return failed_precondition("SMU: IP discovery lists no MP1");
  auto send = [&](uint32_t id, std::string_view name, uint32_t param) -> Expected<uint32_t> {
    AMDHAL_RETURN_IF_ERROR(write_reg(resp.dword, 0));
    AMDHAL_RETURN_IF_ERROR(write_reg(arg.dword, param));
    AMDHAL_RETURN_IF_ERROR(write_reg(msg.dword, id));
    uint32_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    do {
      AMDHAL_ASSIGN_OR_RETURN(got, read_reg(resp.dword));
    } while (got == 0 && std::chrono::steady_clock::now() < deadline);
    if (got == 0) {
      return deadline_exceeded(fmt::format(
          "SMU handshake: no answer to {} ({}): {} (dword 0x{:x}) read 0x00000000, expected a "
          "response (non-zero) within 100 ms",
          name, id, resp.name, resp.dword));
    }
    if (got != smu::kRespOk) {
      return failed_precondition(fmt::format(
          "SMU handshake: {} ({}) answered {} ({}): {} (dword 0x{:x}) read 0x{:08x}, expected "
          "0x00000001",
          name, id, smu::response_name(got), got, resp.name, resp.dword, got));
    }
    return read_reg(arg.dword);
  };
  AMDHAL_ASSIGN_OR_RETURN(uint32_t test,
                          send(smu::kMsgTestMessage, "PPSMC_MSG_TestMessage", 0x1234));
  AMDHAL_ASSIGN_OR_RETURN(smu_version_, send(smu::kMsgGetSmuVersion, "PPSMC_MSG_GetSmuVersion", 0));
  AMDHAL_ASSIGN_OR_RETURN(
      smu_driver_if_, send(smu::msg_get_driver_if_version(mp1->major, mp1->minor, mp1->revision),
                           "PPSMC_MSG_GetDriverIfVersion", 0));
  last_detail = fmt::format(
      "MP1 {}: SMU firmware {} (0x{:08x}), driver interface 0x{:x}; test message answered 0x{:x}",
      mp1->version(), smu::version_string(smu_version_), smu_version_, smu_driver_if_, test);
  return ok_status();
}

}  // namespace amdhal::am
