// JSON front of bring-up and register access (see am_tool.h).
#include "am_tool.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bringup.h"
#include "registers.h"
#include "sim_pci_port.h"

namespace amdhal::am {
namespace {

using nlohmann::json;

json steps_json(const std::vector<BringupStep>& steps) {
  json out = json::array();
  for (const auto& s : steps) {
    out.push_back({{"name", s.name},
                   {"status", std::string(step_state_name(s.state))},
                   {"duration_ns", s.duration_ns},
                   {"detail", s.detail}});
  }
  return out;
}

json error_json(const Status& s, int exit_code) {
  return {{"ok", false}, {"error", s.message()}, {"exit_code", exit_code}};
}

/// The port and address for a --device value.
struct Target {
  std::unique_ptr<PciPort> port;
  PciAddress address;
};

Expected<Target> open_target(const std::string& device) {
  Target t;
  if (device.empty()) {
    return invalid_argument(
        "am: name the device with --device (a PCI address such as 0000:03:00.0, or sim:gfx942)");
  }
  if (is_sim_device(device)) {
    AMDHAL_ASSIGN_OR_RETURN(t.port, make_sim_pci_port(device));
    AMDHAL_ASSIGN_OR_RETURN(auto fns, t.port->enumerate_display(0x1002));
    if (fns.empty()) return not_found(fmt::format("{}: no simulated function", device));
    t.address = fns.front().address;
    return t;
  }
  auto addr = PciAddress::parse(device);
  if (!addr.ok()) {
    return invalid_argument(fmt::format(
        "am: --device '{}' is neither a PCI address (0000:03:00.0) nor sim:<target>", device));
  }
  t.address = *addr;
  AMDHAL_ASSIGN_OR_RETURN(t.port, make_libpciaccess_port());
  return t;
}

Expected<uint32_t> parse_u32(const json& v) {
  if (v.is_number_unsigned()) return static_cast<uint32_t>(v.get<uint64_t>());
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    try {
      size_t used = 0;
      const unsigned long long x = std::stoull(s, &used, 0);
      if (used == s.size() && x <= 0xffffffffull) return static_cast<uint32_t>(x);
    } catch (...) {
    }
    return invalid_argument(fmt::format("register value '{}': expected a 32-bit number", s));
  }
  return invalid_argument("register value missing");
}

json do_bringup(const json& req) {
  auto target = open_target(req.value("device", std::string()));
  if (!target.ok()) {
    return error_json(target.status(),
                      target.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  BringupOptions opt;
  opt.firmware_dir = req.value("firmware_dir", opt.firmware_dir);
  opt.force_unbind = req.value("force_unbind", false);
  BringupReport r = bringup(*target->port, target->address, opt);
  json out = {{"ok", r.status.ok()},
              {"device", req.value("device", std::string())},
              {"address", target->address.to_string()},
              {"port", std::string(target->port->name())},
              {"steps", steps_json(r.steps)},
              {"exit_code", r.status.ok() ? 0 : 1}};
  if (r.device && r.device->family()) out["target"] = std::string(r.device->family()->name);
  if (!r.status.ok()) out["error"] = r.status.message();
  if (r.device) {
    json blocks = json::array();
    for (const auto& b : r.device->discovery().blocks) {
      blocks.push_back({{"name", b.name()},
                        {"hw_id", b.hw_id},
                        {"instance", b.instance},
                        {"version", b.version()},
                        {"bases", b.bases}});
    }
    out["ip_blocks"] = blocks;
    out["vram_bytes"] = r.device->vram_bytes();
    // Where the PSP step read firmware (resolved default for sim: devices, see firmware.h).
    if (!r.device->firmware_dir().empty()) out["firmware_dir"] = r.device->firmware_dir();
    if (r.device->smu_version() != 0) out["smu_version"] = r.device->smu_version();
  }
  return out;
}

json do_regs(const json& req) {
  auto target = open_target(req.value("device", std::string()));
  if (!target.ok()) {
    return error_json(target.status(),
                      target.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  const std::string action = req.value("action", std::string());
  if (action == "write" && target->port->is_real_hardware() && !req.value("yes", false)) {
    return error_json(invalid_argument("regs write on real hardware needs --yes"), 2);
  }
  BringupOptions opt;
  opt.force_unbind = req.value("force_unbind", false);
  opt.stop_after = "IP discovery";
  BringupReport r = bringup(*target->port, target->address, opt);
  if (!r.status.ok() || !r.device) {
    json e = error_json(r.status.ok() ? internal_error("no device") : r.status, 1);
    e["steps"] = steps_json(r.steps);
    return e;
  }
  AmDevice& dev = *r.device;
  const GpuFamily& fam = *dev.family();
  json regs = json::array();
  auto reg_json = [&](const ResolvedRegister& rr, uint32_t value) {
    return json{{"name", rr.name},
                {"ip", rr.ip},
                {"instance", rr.instance},
                {"byte_offset", rr.byte_offset()},
                {"value", value}};
  };
  if (action == "list") {
    auto list = list_registers(fam, dev.discovery(), req.value("ip", std::string()));
    if (!list.ok()) return error_json(list.status(), 2);
    for (const auto& rr : *list) {
      auto v = dev.read_reg(rr.dword);
      if (!v.ok()) return error_json(v.status(), 1);
      json j = reg_json(rr, *v);
      for (const auto& d : register_table(fam)) {
        if (rr.name.ends_with(std::string(d.name))) j["source"] = std::string(d.source);
      }
      regs.push_back(j);
    }
  } else if (action == "read" || action == "write") {
    auto rr = resolve_register(req.value("register", std::string()), fam, dev.discovery());
    if (!rr.ok()) {
      return error_json(rr.status(), rr.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
    }
    if (action == "write") {
      auto value = parse_u32(req.contains("value") ? req["value"] : json());
      if (!value.ok()) return error_json(value.status(), 2);
      if (Status s = dev.write_reg(rr->dword, *value); !s.ok()) return error_json(s, 1);
    }
    auto v = dev.read_reg(rr->dword);
    if (!v.ok()) return error_json(v.status(), 1);
    regs.push_back(reg_json(*rr, *v));
  } else {
    return error_json(
        invalid_argument(fmt::format("regs: unknown action '{}' (read, write, list)", action)), 2);
  }
  return {{"ok", true},
          {"exit_code", 0},
          {"device", req.value("device", std::string())},
          {"address", target->address.to_string()},
          {"target", std::string(fam.name)},
          {"registers", regs}};
}

}  // namespace

std::string run_tool(const std::string& request_json) {
  json req;
  try {
    req = json::parse(request_json);
  } catch (const std::exception& e) {
    return error_json(invalid_argument(fmt::format("am tool: bad request: {}", e.what())), 2)
        .dump();
  }
  const std::string op = req.value("op", std::string());
  json out;
  if (op == "bringup") {
    out = do_bringup(req);
  } else if (op == "regs") {
    out = do_regs(req);
  } else {
    out = error_json(invalid_argument(fmt::format("am tool: unknown op '{}'", op)), 2);
  }
  return out.dump();
}

}  // namespace amdhal::am
