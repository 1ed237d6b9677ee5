// `amdhal overlap`: the overlap workload plugin (compute/copy overlap, P2P ring, GPU-side sync
// both ways) run through the shared workload runner in cmd_stress.cpp.
#include <fmt/format.h>

#include "amdhal/workload.h"
#include "cli.h"

namespace amdhal::cli {
namespace {

int run_overlap(Context& ctx, const po::variables_map& vm) {
  WorkloadOptionMap options;
  for (const char* name : {"scenario", "kernel", "elements", "copy-size", "chunks", "trace"}) {
    if (vm.count(name)) options[name] = vm[name].as<std::string>();
  }
  const std::string devices = vm.count("devices") ? vm["devices"].as<std::string>() : "";
  const std::string kernel_dir = vm.count("kernel-dir") ? vm["kernel-dir"].as<std::string>() : "";
  return run_workload(ctx, "overlap", "overlap", options, devices, kernel_dir);
}

}  // namespace

Command overlap_command() {
  return {.name = "overlap",
          .summary = "compute/copy overlap and GPU-side sync, timed per engine, with a trace",
          .options =
              [](po::options_description& desc, po::positional_options_description&) {
                auto add = desc.add_options();
                add("scenario", po::value<std::string>()->default_value("all"),
                    "compute-copy (1), p2p-ring (2, 2+ devices), sync (3), pipeline (4), "
                    "comma-separated, or all");
                add("devices", po::value<std::string>()->value_name("LIST"),
                    "comma-separated devices; sim:gfx942x2 means both GPUs; default: --device");
                add("kernel", po::value<std::string>()->default_value("collatz"),
                    "compute kernel: collatz or vector_add");
                add("elements", po::value<std::string>()->default_value("65536"),
                    "work-items per kernel launch");
                add("copy-size", po::value<std::string>()->default_value("16M"),
                    "bytes per SDMA copy (K/M/G suffixes)");
                add("chunks", po::value<std::string>()->default_value("8"),
                    "pipeline: chunks the work is split into (2-32)");
                add("trace", po::value<std::string>()->value_name("FILE"),
                    "write Chrome trace-event JSON (one track per device x engine; open in "
                    "https://ui.perfetto.dev)");
                add("kernel-dir", po::value<std::string>()->value_name("DIR"),
                    "where <kernel>-<target>.hsaco are (default: the build tree's tests/kernels)");
              },
          .details =
              "Scenarios: compute-copy runs a kernel and an SDMA copy at once on one GPU and\n"
              "reports how much copy time was hidden behind compute; p2p-ring has every GPU\n"
              "compute while it sends a peer-to-peer copy to the next; sync makes SDMA wait on\n"
              "a compute signal and compute wait on an SDMA signal, and checks the order by GPU\n"
              "timestamps and by the data; pipeline computes chunk i while SDMA sends chunk\n"
              "i-1 (to the next GPU if there is one). Results are verified on the CPU.\n\n"
              "Examples:\n"
              "  amdhal overlap --trace overlap.json\n"
              "  amdhal overlap --devices sim:gfx942x2 --scenario p2p-ring\n"
              "  amdhal --json overlap --scenario sync --kernel vector_add\n",
          .run = run_overlap};
}

}  // namespace amdhal::cli
