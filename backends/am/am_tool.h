// The am backend's diagnostic entry point for the CLI (`amdhal bringup`, `amdhal regs`).
//
// The CLI links only the framework, so it reaches this through the plugin library: the plugin
// exports the C symbol `amdhal_am_tool_v1` (kToolSymbol), which takes a JSON request and returns
// a JSON response (malloc'd; the caller frees it with free()). Requests:
//   {"op":"bringup","device":"sim:gfx942"|"0000:03:00.0","firmware_dir":"...","force_unbind":b}
//   {"op":"regs","action":"read"|"write"|"list","device":...,"register":"NAME|OFFSET",
//    "value":N,"ip":"GC","yes":b,"force_unbind":b}
// Response: {"ok":b,"error":"...","exit_code":0|1|2,"device":...,"target":...,"steps":[{name,
// status,duration_ns,detail}],"registers":[{name,ip,instance,byte_offset,value}],
// "firmware_dir":"<directory the PSP step read>","smu_version":N}. An empty or absent
// "firmware_dir" in a request means the default (firmware.h default_firmware_dir).
#pragma once

#include <string>

namespace amdhal::am {

inline constexpr const char* kToolSymbol = "amdhal_am_tool_v1";
using ToolFunction = int (*)(const char* request_json, char** response_json);

/// The implementation behind the symbol: request JSON text in, response JSON text out.
std::string run_tool(const std::string& request_json);

}  // namespace amdhal::am
