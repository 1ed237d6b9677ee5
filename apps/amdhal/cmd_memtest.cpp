// `amdhal memtest`: the memtest workload plugin (VRAM pattern tests, bad ranges) run through the
// shared workload runner in cmd_stress.cpp.
#include "amdhal/workload.h"
#include "cli.h"

namespace amdhal::cli {

Command memtest_command() {
  return {.name = "memtest",
          .summary = "VRAM pattern tests through the GPU's SDMA engines, bad ranges reported",
          .options =
              [](po::options_description& desc, po::positional_options_description&) {
                auto add = desc.add_options();
                add("devices", po::value<std::string>()->value_name("LIST"),
                    "comma-separated devices, tested one after another; default: --device");
                add("bytes", po::value<std::string>()->default_value("64M"),
                    "VRAM tested per device (K/M/G suffixes, rounded up to 4 KiB)");
                add("tests", po::value<std::string>()->default_value("all"),
                    "comma-separated: walking-ones, walking-zeros, address, random, 0x00, 0xFF, "
                    "0xAA, 0x55; fills (the four fills) or all");
                add("seed", po::value<std::string>()->default_value("1"),
                    "seed of the random test (pass p uses seed + p)");
                add("passes", po::value<std::string>()->default_value("1"),
                    "times every test is repeated");
                add("inject-stuck-bit", po::value<std::string>()->value_name("OFF:BIT[:LEN[:V]]"),
                    "test hook: force bit BIT of the 64-bit words in [OFF, OFF+LEN) of the "
                    "region (LEN default 8, V stuck value default 1) after each write phase, so "
                    "the bad-range report can be checked");
              },
          .details =
              "For each test the GPU writes the whole region (SDMA fill for 0x00/0xFF/0xAA/0x55,\n"
              "SDMA copies of host-generated data for walking ones/zeros, address-in-address and\n"
              "seeded random), then SDMA reads it back chunk by chunk into system memory and the\n"
              "host compares every 64-bit word. Wrong words at adjacent addresses are merged\n"
              "into bad ranges: GPU address, offset, length, expected and found value of the\n"
              "first word, and the bits flipped anywhere in the range. Exit status 1 if any word\n"
              "was wrong; Ctrl-C stops with the summary so far (exit status 130).\n\n"
              "Examples:\n"
              "  amdhal memtest --bytes 1G\n"
              "  amdhal memtest --tests walking-ones,address --passes 3\n"
              "  amdhal --json memtest --bytes 4M --tests random --seed 42\n",
          .run =
              [](Context& ctx, const po::variables_map& vm) {
                return run_workload_command(
                    ctx, vm, "memtest", "memtest",
                    {"bytes", "tests", "seed", "passes", "inject-stuck-bit"});
              }};
}

}  // namespace amdhal::cli
