// `amdhal latency`: the latency workload plugin (submit-to-completion per queue kind, GPU-to-GPU
// signals) run through the shared workload runner in cmd_stress.cpp.
#include "amdhal/workload.h"
#include "cli.h"

namespace amdhal::cli {

Command latency_command() {
  return {
      .name = "latency",
      .summary = "submit-to-completion latency per queue kind, GPU-to-GPU signal latency",
      .options =
          [](po::options_description& desc, po::positional_options_description&) {
            auto add = desc.add_options();
            add("devices", po::value<std::string>()->value_name("LIST"),
                "comma-separated devices; sim:gfx942x2 means both GPUs (needed for gpu-gpu); "
                "default: --device");
            add("iterations", po::value<std::string>()->default_value("200"),
                "measured iterations per kind");
            add("warmup", po::value<std::string>()->default_value("10"),
                "iterations run first and not counted");
            add("kinds", po::value<std::string>()->default_value("compute,aql,sdma,gpu-gpu"),
                "what to measure: compute (PM4), aql, sdma, gpu-gpu (two or more devices)");
          },
      .details =
          "Each iteration records a 4-byte fill plus a signal on a queue of the kind, submits\n"
          "it and waits on the CPU until the signal is visible; the time is submission to\n"
          "CPU-visible completion, and the filled value is checked. gpu-gpu: device 1's queue\n"
          "(compute: WAIT_REG_MEM, SDMA: POLL_REGMEM) waits for a signal device 0 writes, then\n"
          "signals the CPU; the time runs from device 0's submission. Kinds a device does not\n"
          "offer are listed as not measured. Reports min, p50, p90, p99, max and mean in\n"
          "microseconds; --json has them in nanoseconds too.\n\n"
          "Examples:\n"
          "  amdhal latency --iterations 1000\n"
          "  amdhal latency --devices sim:gfx942x2 --kinds gpu-gpu\n"
          "  amdhal --json latency --kinds sdma --iterations 100 --warmup 5\n",
      .run =
          [](Context& ctx, const po::variables_map& vm) {
            return run_workload_command(ctx, vm, "latency", "latency",
                                        {"iterations", "warmup", "kinds"});
          }};
}

}  // namespace amdhal::cli
