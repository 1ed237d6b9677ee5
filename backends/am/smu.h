// SMU (MP1) message mailbox.
//
// Protocol (Linux drivers/gpu/drm/amd/pm/swsmu/smu_cmn.c __smu_cmn_send_msg and
// smu_cmn_wait_for_response; registers as smu_v13_0_0 / smu_v13_0_6 set them up): clear the
// response register MP1_SMN_C2PMSG_90, write the argument to C2PMSG_82, the message id to
// C2PMSG_66, poll C2PMSG_90 until non-zero (1 = OK, 0xFF = failed, 0xFE = unknown message,
// 0xFD = bad prerequisite, 0xFC = busy), then read the reply from C2PMSG_82.
// Message ids (smu_v13_0_0_ppsmc.h, smu_v13_0_6_ppsmc.h): TestMessage 1, GetSmuVersion 2,
// GetDriverIfVersion 3 on SMU 13.0.0 and 4 on SMU 13.0.6.
// Version word (smu_cmn_get_smc_version): program 31:24, major 23:16, minor 15:8, debug 7:0.
#pragma once

#include <cstdint>
#include <string>

namespace amdhal::am::smu {

inline constexpr uint32_t kMsgTestMessage = 1;
inline constexpr uint32_t kMsgGetSmuVersion = 2;
/// GetDriverIfVersion for an MP1 IP version.
inline uint32_t msg_get_driver_if_version(uint8_t major, uint8_t minor, uint8_t revision) {
  return (major == 13 && minor == 0 && revision == 6) ? 4u : 3u;
}
inline constexpr uint32_t kRespOk = 1;

/// "OK", "failed", "unknown message", "bad prerequisite", "busy", or "0x.." for others.
std::string response_name(uint32_t response);
/// "85.64.0" from a version word (program byte omitted when zero, debug when zero).
std::string version_string(uint32_t version);

}  // namespace amdhal::am::smu
