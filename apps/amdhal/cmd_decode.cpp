// `amdhal decode`: PM4, SDMA or AQL dwords back into named packets, with the shared decoder.
#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "amdhal/family.h"
#include "amdhal/packets/decode.h"
#include "cli.h"

namespace amdhal::cli {
namespace {

Expected<std::string> read_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_status(errno, fmt::format("cannot read {}", path));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return errno_status(errno, fmt::format("cannot read {}", path));
  return data;
}

int run_decode(Context& ctx, const po::variables_map& vm) {
  auto engine = packets::parse_engine(vm["engine"].as<std::string>());
  if (!engine.ok()) return fail(kExitUsage, engine.status().message());
  auto family = find_family(vm["target"].as<std::string>());
  if (!family.ok()) return fail(kExitUsage, family.status().message());
  const std::string path = vm["input"].as<std::string>();
  auto data = read_input(path);
  if (!data.ok()) return fail(kExitFailure, data.status().message());

  auto dwords = vm["binary"].as<bool>()
                    ? packets::dwords_from_bytes(std::span<const uint8_t>(
                          reinterpret_cast<const uint8_t*>(data->data()), data->size()))
                    : packets::parse_dword_text(*data);
  if (!dwords.ok()) {
    return fail(kExitFailure,
                fmt::format("{}: {}", path == "-" ? "stdin" : path, dwords.status().message()));
  }
  const auto decoded = packets::decode(*engine, **family, *dwords);
  if (ctx.options().json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : decoded) {
      nlohmann::json fields = nlohmann::json::object();
      for (const auto& f : p.fields) fields[f.name] = f.value;
      nlohmann::json j = {{"offset", p.offset},
                          {"name", p.name},
                          {"opcode", p.opcode},
                          {"dwords", p.dwords},
                          {"fields", fields}};
      if (!p.error.empty()) j["error"] = p.error;
      out.push_back(std::move(j));
    }
    print_json(out);
    return kExitOk;
  }
  for (const auto& p : decoded) std::cout << packets::format_packet(p) << "\n";
  return kExitOk;
}

}  // namespace

Command decode_command() {
  return {
      .name = "decode",
      .summary = "decode PM4, SDMA or AQL packet dwords into named fields",
      .options =
          [](po::options_description& desc, po::positional_options_description& pos) {
            desc.add_options()("engine", po::value<std::string>()->default_value("pm4"),
                               "packet format: pm4, sdma or aql")(
                "target", po::value<std::string>()->default_value("gfx942"),
                "GPU target whose packet tables apply (gfx90a, gfx942, gfx1030, gfx1100, "
                "gfx1200, ...)")("binary", po::bool_switch()->default_value(false),
                                 "input is raw little-endian bytes, not hex text")(
                "input", po::value<std::string>()->default_value("-"),
                "FILE to read, or - for standard input");
            pos.add("input", 1);
          },
      .details =
          "Input: whitespace-separated hex dwords, with or without 0x ('#' starts a comment),\n"
          "or raw bytes with --binary. Output: one line per packet: dword offset, the packet's\n"
          "name as the hardware documentation spells it, then its fields. With --json: an array\n"
          "of {\"offset\",\"name\",\"opcode\",\"dwords\",\"fields\":{...}}. Unknown or truncated\n"
          "packets are reported in place (name UNKNOWN, an error naming the dword offset) and\n"
          "decoding goes on; the exit status is non-zero only when the input cannot be read.\n\n"
          "Examples:\n"
          "  echo 'c0001000 0' | amdhal decode                 a PM4 NOP\n"
          "  amdhal decode --engine sdma --target gfx1100 ring.txt\n"
          "  amdhal decode --engine aql --binary queue.bin --json\n",
      .run = run_decode};
}

}  // namespace amdhal::cli
