// `amdhal --backend am --device D regs read|write|list`: MMIO registers through the discovered
// IP bases (am backend; see cmd_bringup.cpp for how the plugin is reached).
#include <iostream>

#include <fmt/format.h>

#include "cli.h"

namespace amdhal::cli {
namespace {

int run_regs(Context& ctx, const po::variables_map& vm) {
  const auto args =
      vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (args.empty())
    return fail(kExitUsage, "regs: read NAME|OFFSET, write NAME|OFFSET VALUE, list [IP]");
  const std::string& action = args[0];
  nlohmann::json req = {{"op", "regs"},
                        {"action", action},
                        {"device", ctx.options().device},
                        {"yes", vm["yes"].as<bool>()},
                        {"force_unbind", vm["force-unbind"].as<bool>()}};
  if (action == "read" && args.size() == 2) {
    req["register"] = args[1];
  } else if (action == "write" && args.size() == 3) {
    req["register"] = args[1];
    req["value"] = args[2];
  } else if (action == "list" && args.size() <= 2) {
    if (args.size() == 2) req["ip"] = args[1];
  } else {
    return fail(kExitUsage,
                "regs: expected `read NAME|OFFSET`, `write NAME|OFFSET VALUE` or `list [IP]`");
  }
  auto res = call_am_tool(ctx, req);
  if (!res.ok()) return fail(res.status());
  const nlohmann::json& r = *res;
  const int code = r.value("exit_code", 1);
  if (ctx.options().json) {
    print_json(r);
    return code;
  }
  if (code != 0) return fail(code, r.value("error", std::string("regs failed")));
  for (const auto& g : r["registers"]) {
    std::cout << fmt::format("{:<28} 0x{:06x}  0x{:08x}", g.value("name", std::string()),
                             g.value("byte_offset", 0ull), g.value("value", 0u));
    if (g.contains("source")) std::cout << "  " << g["source"].get<std::string>();
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace

Command regs_command() {
  Command c;
  c.name = "regs";
  c.summary = "read, write or list MMIO registers by name or offset (am backend)";
  c.options = [](po::options_description& desc, po::positional_options_description& pos) {
    desc.add_options()("yes", po::bool_switch()->default_value(false),
                       "allow register writes on real hardware")(
        "force-unbind", po::bool_switch()->default_value(false),
        "unbind the kernel driver bound to the device instead of refusing it")(
        "args", po::value<std::vector<std::string>>(), "read|write|list and their arguments");
    pos.add("args", -1);
  };
  c.details =
      "Arguments:\n"
      "  read NAME|OFFSET          NAME as in `regs list` (GC.SCRATCH_REG0, MP0_SMN_C2PMSG_81),\n"
      "                            OFFSET a byte offset into BAR5 (0x5818c)\n"
      "  write NAME|OFFSET VALUE   writes, then reads back (needs --yes on real hardware)\n"
      "  list [IP]                 known registers (optionally of one IP: GC, MP0, MP1, ...)\n\n"
      "Register addresses come from the IP discovery table (bring-up runs up to that step).\n"
      "A simulated device is created afresh for each command, so a write does not persist.\n\n"
      "Examples:\n"
      "  amdhal --backend am --device sim:gfx942 regs list\n"
      "  amdhal --backend am --device sim:gfx942 regs write GC.SCRATCH_REG0 0x1234\n";
  c.run = run_regs;
  return c;
}

}  // namespace amdhal::cli
