// amdhal: command-line front end. Global options first, then a command and its own options.
#include <cstdio>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli.h"

namespace amdhal::cli {
Command exec_command();  // cmd_exec.cpp
namespace {

std::vector<Command> all_commands() {
  return {list_command(),     info_command(),     copy_command(),    fill_command(),
          dispatch_command(), decode_command(),   demo_command(),    stress_command(),
          overlap_command(),  saturate_command(), latency_command(), memtest_command(),
          bringup_command(),  regs_command(),     exec_command()};
}

po::options_description global_options(GlobalOptions& g) {
  po::options_description desc("Global options");
  desc.add_options()("help,h", "show this help, or a command's help after the command name")(
      "version", "print the version and exit")(
      "backend", po::value(&g.backend)->value_name("NAME"),
      "use only this backend (kfd, am); `amdhal list` shows those available")(
      "device", po::value(&g.device)->value_name("D"),
      "device: index from `amdhal list`, PCI address (0000:03:00.0) or id")(
      "json", po::bool_switch(&g.json), "machine-readable JSON output")(
      "verbose,v", po::value<std::vector<bool>>()->zero_tokens()->composing(),
      "more detail (repeatable)");
  return desc;
}

void print_usage(const po::options_description& global, const std::vector<Command>& cmds) {
  std::ostringstream out;
  out << "amdhal " AMDHAL_VERSION " - hardware abstraction and diagnostics for AMD GPUs\n\n"
      << "Usage: amdhal [global options] <command> [command options]\n\n"
      << "Commands:\n";
  for (const auto& c : cmds) out << fmt::format("  {:<10} {}\n", c.name, c.summary);
  out << "\n"
      << global << "\n"
      << "Run `amdhal <command> --help` for a command's options.\n"
      << "Backends are plugin libraries found in the install and build plugin directories and in\n"
      << "AMDHAL_PLUGIN_PATH (colon-separated directories or files).\n\n"
      << "Examples:\n"
      << "  amdhal list                    backends, plugins and devices found\n"
      << "  amdhal list --json             the same as one JSON object\n"
      << "  amdhal --backend kfd info      properties of the first kfd device\n"
      << "  amdhal info --topology DIR     parse a KFD topology tree (e.g. a saved copy)\n"
      << "  amdhal copy --size 256M --verify   time a copy (the simulator if no GPU)\n"
      << "  amdhal dispatch k.hsaco --kernel vector_add --grid 1024 --block 256 \\\n"
      << "      --arg buf:f32:1024:iota --arg buf:f32:1024:fill=1 --arg buf:f32:1024 \\\n"
      << "      --arg u32:1024              run a kernel, print its buffers\n"
      << "  amdhal decode --engine sdma --target gfx1100 ring.txt   decode packet dwords\n"
      << "\nExit status: 0 success, 1 the command failed, 2 usage error.\n";
  std::cout << out.str();
}

int run(int argc, char** argv) {
  GlobalOptions g;
  po::options_description global = global_options(g);
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("command-args",
                                                            po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(global).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("command-args", -1);

  const std::vector<Command> cmds = all_commands();
  // Everything after the first "--" belongs to the command (the program `exec` runs): the
  // global parser stops there and the command's parser gets "--" and the rest unchanged.
  int split = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      split = i;
      break;
    }
  }
  po::variables_map vm;
  po::parsed_options parsed(nullptr);
  try {
    parsed = po::command_line_parser(split, argv)
                 .options(all)
                 .positional(pos)
                 .allow_unregistered()
                 .run();
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(kExitUsage, fmt::format("{} (see `amdhal --help`)", e.what()));
  }
  if (vm.count("verbose"))
    g.verbose = static_cast<int>(vm["verbose"].as<std::vector<bool>>().size());

  if (vm.count("version")) {
    std::cout << "amdhal " AMDHAL_VERSION "\n";
    return kExitOk;
  }
  if (!vm.count("command")) {
    if (vm.count("help")) {
      print_usage(global, cmds);
      return kExitOk;
    }
    print_usage(global, cmds);
    return kExitUsage;
  }
  const std::string name = vm["command"].as<std::string>();
  const Command* cmd = nullptr;
  for (const auto& c : cmds) {
    if (c.name == name) cmd = &c;
  }
  if (cmd == nullptr) {
    std::string names;
    for (const auto& c : cmds) names += fmt::format("{}{}", names.empty() ? "" : ", ", c.name);
    return fail(kExitUsage, fmt::format("unknown command '{}' (commands: {})", name, names));
  }

  // The command's own options: everything the global parser did not claim, minus the name.
  std::vector<std::string> rest = po::collect_unrecognized(parsed.options, po::include_positional);
  if (!rest.empty() && rest.front() == name) rest.erase(rest.begin());
  for (int i = split; i < argc; ++i) rest.emplace_back(argv[i]);
  po::options_description cmd_desc(fmt::format("Options of `amdhal {}`", cmd->name));
  po::positional_options_description cmd_pos;
  if (cmd->options) cmd->options(cmd_desc, cmd_pos);
  if (vm.count("help")) {
    std::cout << fmt::format("amdhal {} - {}\n\n", cmd->name, cmd->summary) << cmd_desc << "\n";
    if (!cmd->details.empty()) std::cout << cmd->details << "\n";
    std::cout
        << "Global options (--backend, --device, --json, -v) go before or after the command.\n";
    return kExitOk;
  }
  po::variables_map cmd_vm;
  try {
    po::store(po::command_line_parser(rest).options(cmd_desc).positional(cmd_pos).run(), cmd_vm);
    po::notify(cmd_vm);
  } catch (const po::error& e) {
    return fail(kExitUsage,
                fmt::format("{}: {} (see `amdhal {} --help`)", cmd->name, e.what(), cmd->name));
  }

  Context ctx(g);
  if (!g.backend.empty()) {
    if (auto b = ctx.registry().backend(g.backend); !b.ok()) {
      return fail(kExitUsage, b.status().message());
    }
  }
  return cmd->run(ctx, cmd_vm);
}

}  // namespace
}  // namespace amdhal::cli

int main(int argc, char** argv) {
  try {
    return amdhal::cli::run(argc, argv);
  } catch (const std::exception& e) {
    return amdhal::cli::fail(amdhal::cli::kExitFailure,
                             fmt::format("internal error: {}", e.what()));
  }
}
