// `amdhal saturate`: the saturation workload plugin (every GPU computing, every link copying)
// run through the shared workload runner in cmd_stress.cpp.
#include "amdhal/workload.h"
#include "cli.h"

namespace amdhal::cli {

Command saturate_command() {
  return {
      .name = "saturate",
      .summary = "every GPU computing and every link copying at once, results verified",
      .options =
          [](po::options_description& desc, po::positional_options_description&) {
            auto add = desc.add_options();
            add("devices", po::value<std::string>()->value_name("LIST"),
                "comma-separated devices; sim:gfx942x4 means all four GPUs; default: "
                "--device");
            add("work-items", po::value<std::string>()->default_value("4194304"),
                "work-items of each vector_add dispatch (on hardware use more, e.g. "
                "67108864; the simulator interprets every instruction)");
            add("bytes", po::value<std::string>()->default_value("64M"),
                "bytes of each copy per link (64M-256M on hardware; K/M/G suffixes)");
            add("pattern", po::value<std::string>()->default_value("ring"),
                "links: ring (GPU i -> i+1) or neighbours (i -> i+1 and i -> i-1)");
            add("seconds", po::value<std::string>()->default_value("5"),
                "run for this long (the round in flight finishes)");
            add("rounds", po::value<std::string>()->default_value("0"),
                "stop after this many rounds (0: --seconds decides)");
            add("kernel-dir", po::value<std::string>()->value_name("DIR"),
                "where vector_add-<target>.hsaco is (default: the build tree's tests/kernels)");
          },
      .details =
          "Each round, every GPU runs a vector_add over --work-items on a compute queue while\n"
          "one SDMA queue per link copies --bytes to the peer GPU (ring: i -> i+1 mod N;\n"
          "neighbours: also i -> i-1). With one GPU the copy stays in its own VRAM. Every\n"
          "kernel result and every copied byte is checked on the CPU after each round.\n"
          "Reports per engine: operations, bytes, GB/s while busy and the busy fraction of\n"
          "the wall time (GPU timestamps), and the aggregate copy bandwidth. Ctrl-C stops\n"
          "after the round in flight with the summary so far (exit status 130); exit status\n"
          "1 if any result was wrong.\n\n"
          "Examples:\n"
          "  amdhal saturate --devices sim:gfx942x4 --seconds 3\n"
          "  amdhal saturate --work-items 16777216 --bytes 256M --pattern neighbours --seconds 60\n"
          "  amdhal --json saturate --rounds 2 --bytes 4M\n",
      .run =
          [](Context& ctx, const po::variables_map& vm) {
            return run_workload_command(ctx, vm, "saturation", "saturate",
                                        {"work-items", "bytes", "pattern", "seconds", "rounds"});
          }};
}

}  // namespace amdhal::cli
