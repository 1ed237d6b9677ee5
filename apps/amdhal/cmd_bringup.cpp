// `amdhal --backend am --device BDF|sim:... bringup`: bare-metal bring-up, step by step.
//
// The CLI links only the framework; the am backend's bring-up is reached through the am plugin
// library's diagnostic symbol (backends/am/am_tool.h: JSON request in, JSON response out).
#include <dlfcn.h>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"

namespace amdhal::cli {

namespace {
// backends/am/am_tool.h: kToolSymbol and ToolFunction.
constexpr const char* kAmToolSymbol = "amdhal_am_tool_v1";
using AmToolFunction = int (*)(const char* request_json, char** response_json);
}  // namespace

Expected<nlohmann::json> call_am_tool(Context& ctx, const nlohmann::json& request) {
  if (!ctx.options().backend.empty() && ctx.options().backend != "am") {
    return invalid_argument(
        fmt::format("this command needs --backend am (got --backend {})", ctx.options().backend));
  }
  const PluginRecord* am = nullptr;
  for (const auto& p : ctx.registry().plugins()) {
    if (p.name == "am" && p.loaded) am = &p;
  }
  if (am == nullptr) {
    return unavailable(fmt::format("the am backend plugin is not loaded (backends: {})",
                                   ctx.registry().backend_names()));
  }
  // The registry already loaded the library; RTLD_NOLOAD only takes another reference.
  void* handle = dlopen(am->library.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) {
    return unavailable(fmt::format("am plugin {}: {}", am->library, dlerror()));
  }
  auto fn = reinterpret_cast<AmToolFunction>(dlsym(handle, kAmToolSymbol));
  if (fn == nullptr) {
    dlclose(handle);
    return unavailable(
        fmt::format("am plugin {} has no {} (an older plugin?)", am->library, kAmToolSymbol));
  }
  char* response = nullptr;
  const int rc = fn(request.dump().c_str(), &response);
  dlclose(handle);
  if (rc != 0 || response == nullptr) return internal_error("am plugin: diagnostic call failed");
  nlohmann::json out;
  try {
    out = nlohmann::json::parse(response);
  } catch (const std::exception& e) {
    std::free(response);
    return internal_error(fmt::format("am plugin: bad response: {}", e.what()));
  }
  std::free(response);
  return out;
}

namespace {

std::string format_ns(uint64_t ns) {
  if (ns >= 1'000'000) return fmt::format("{:.2f} ms", static_cast<double>(ns) / 1e6);
  if (ns >= 1'000) return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3);
  return fmt::format("{} ns", ns);
}

int run_bringup(Context& ctx, const po::variables_map& vm) {
  nlohmann::json req = {{"op", "bringup"},
                        {"device", ctx.options().device},
                        {"force_unbind", vm["force-unbind"].as<bool>()}};
  if (vm.count("firmware-dir")) req["firmware_dir"] = vm["firmware-dir"].as<std::string>();
  auto res = call_am_tool(ctx, req);
  if (!res.ok()) return fail(res.status());
  const nlohmann::json& r = *res;
  const int code = r.value("exit_code", 1);
  if (ctx.options().json) {
    print_json(r);
    return code;
  }
  if (!r.contains("steps")) return fail(code, r.value("error", std::string("bring-up failed")));
  std::cout << fmt::format("Bring-up of {} ({}{}) through the {} PCI port\n",
                           r.value("device", std::string()), r.value("address", std::string()),
                           r.contains("target") ? ", " + r["target"].get<std::string>() : "",
                           r.value("port", std::string()));
  for (const auto& s : r["steps"]) {
    const std::string status = s.value("status", std::string());
    const std::string mark = status == "ok" ? "ok  " : status == "failed" ? "FAIL" : "--  ";
    std::cout << fmt::format("  [{}] {:<34} {:>10}  {}\n", mark, s.value("name", std::string()),
                             status == "not run" ? "" : format_ns(s.value("duration_ns", 0ull)),
                             s.value("detail", std::string()));
  }
  if (code != 0) return fail(code, r.value("error", std::string("bring-up failed")));
  std::cout << "Bring-up complete.\n";
  return kExitOk;
}

}  // namespace

Command bringup_command() {
  Command c;
  c.name = "bringup";
  c.summary = "bare-metal bring-up of an unbound GPU, step by step (am backend)";
  c.options = [](po::options_description& desc, po::positional_options_description&) {
    desc.add_options()("firmware-dir", po::value<std::string>()->value_name("DIR"),
                       "firmware images for the PSP step (default /lib/firmware/amdgpu; for a "
                       "sim: device the build's test firmware, <build>/firmware/<target>/amdgpu, "
                       "or $AMDHAL_SIM_FIRMWARE_DIR/<target>/amdgpu)")(
        "force-unbind", po::bool_switch()->default_value(false),
        "unbind the kernel driver bound to the device instead of refusing it");
  };
  c.details =
      "Steps: identify, driver binding, map BARs, VRAM size, IP discovery, GMC, IH ring, PSP\n"
      "firmware load, SMU handshake, doorbell routing, compute queue, SDMA rings. Each is printed\n"
      "with its duration; the first failure stops bring-up (exit status 1). Every step is\n"
      "implemented for gfx942 and gfx1100; other targets stop at GMC with \"not implemented yet\"\n"
      "(no hub register table for them). The PSP step reads the firmware files the kernel uses\n"
      "(psp_13_0_6_sos.bin, gc_9_4_3_mec.bin, ... for gfx942); every missing file is named.\n"
      "Simulated faults: sim:<target>,fault=discovery-signature|discovery-checksum|memsize-zero|\n"
      "gmc-noack|ih-stuck|psp-timeout|psp-reject|smu-noresponse|doorbell-unrouted|ring-timeout\n"
      "(docs/backends.md).\n\n"
      "Examples:\n"
      "  amdhal --backend am --device sim:gfx942 bringup\n"
      "  amdhal --backend am --device sim:gfx1100,bound=amdgpu bringup --force-unbind --json\n"
      "  amdhal --backend am --device 0000:03:00.0 bringup --firmware-dir ./fw\n";
  c.run = run_bringup;
  return c;
}

}  // namespace amdhal::cli
