// `amdhal dispatch`: run one kernel of a code object with arguments given on the command line, and
// print (or save) every buffer argument afterwards.
//
//   amdhal dispatch CODE_OBJECT --kernel NAME --grid X[,Y[,Z]] --block X[,Y[,Z]]
//                   [--arg SPEC]... [--out-dir DIR] [--queue compute|aql] [--timeout S]
//
// Each --arg, in the kernel's argument order, is a scalar TYPE:VALUE or a buffer
// buf:TYPE:COUNT[:INIT] (INIT = zero | iota | fill=V | file=PATH). Arguments are checked against
// the kernel's metadata (count, kind, size) before anything runs.
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/kernel.h"
#include "amdhal/loaded_code_object.h"
#include "cli.h"

namespace amdhal::cli {
namespace {

/// An element or scalar type of --arg.
struct ScalarType {
  std::string_view name;
  uint32_t size;
  bool is_float;
  bool is_signed;
};

constexpr ScalarType kScalarTypes[] = {
    {"i8", 1, false, true},   {"u8", 1, false, false},  {"i16", 2, false, true},
    {"u16", 2, false, false}, {"i32", 4, false, true},  {"u32", 4, false, false},
    {"i64", 8, false, true},  {"u64", 8, false, false}, {"f32", 4, true, true},
    {"f64", 8, true, true},
};

const ScalarType* find_type(std::string_view name) {
  for (const ScalarType& t : kScalarTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string type_names() {
  std::string s;
  for (const ScalarType& t : kScalarTypes) s += fmt::format("{}{}", s.empty() ? "" : " ", t.name);
  return s;
}

/// The little-endian bytes of `text` as a value of `type`.
Expected<std::vector<uint8_t>> encode_value(const ScalarType& type, const std::string& text) {
  std::vector<uint8_t> out(type.size);
  auto bad = [&](std::string_view why) {
    return invalid_argument(fmt::format("'{}' is not {} {} value{}", text,
                                        type.name.starts_with('i') ? "an" : "a", type.name, why));
  };
  try {
    size_t used = 0;
    if (type.is_float) {
      const double v = std::stod(text, &used);
      if (used != text.size()) return bad("");
      if (type.size == 4) {
        const float f = static_cast<float>(v);
        std::memcpy(out.data(), &f, 4);
      } else {
        std::memcpy(out.data(), &v, 8);
      }
      return out;
    }
    const unsigned bits = type.size * 8;
    if (type.is_signed) {
      const long long v = std::stoll(text, &used, 0);
      if (used != text.size()) return bad("");
      if (bits < 64) {
        const long long lo = -(1ll << (bits - 1)), hi = (1ll << (bits - 1)) - 1;
        if (v < lo || v > hi) return bad(fmt::format(" (range {}..{})", lo, hi));
      }
      std::memcpy(out.data(), &v, type.size);
    } else {
      if (!text.empty() && text[0] == '-') return bad(" (unsigned)");
      const unsigned long long v = std::stoull(text, &used, 0);
      if (used != text.size()) return bad("");
      if (bits < 64 && v > (1ull << bits) - 1) {
        return bad(fmt::format(" (range 0..{})", (1ull << bits) - 1));
      }
      std::memcpy(out.data(), &v, type.size);
    }
    return out;
  } catch (const std::exception&) {
    return bad("");
  }
}

/// Element `i` of a buffer of `type` as JSON.
nlohmann::json decode_value(const ScalarType& type, const uint8_t* p) {
  auto load = [&](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (type.is_float) {
    const double v = type.size == 4 ? static_cast<double>(load(float{})) : load(double{});
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    return v;
  }
  switch (type.size) {
    case 1:
      return type.is_signed ? nlohmann::json(load(int8_t{})) : nlohmann::json(load(uint8_t{}));
    case 2:
      return type.is_signed ? nlohmann::json(load(int16_t{})) : nlohmann::json(load(uint16_t{}));
    case 4:
      return type.is_signed ? nlohmann::json(load(int32_t{})) : nlohmann::json(load(uint32_t{}));
    default:
      return type.is_signed ? nlohmann::json(load(int64_t{})) : nlohmann::json(load(uint64_t{}));
  }
}

/// One parsed --arg.
struct ArgSpec {
  std::string text;  ///< as given
  bool is_buffer = false;
  const ScalarType* type = nullptr;
  std::vector<uint8_t> scalar;  ///< scalar: the value's bytes
  uint64_t count = 0;           ///< buffer: elements
  enum class Init { kZero, kIota, kFill, kFile } init = Init::kZero;
  std::vector<uint8_t> fill;  ///< kFill: one element
  std::string path;           ///< kFile
};

Expected<ArgSpec> parse_arg(const std::string& text) {
  ArgSpec a;
  a.text = text;
  auto bad = [&](const std::string& why) {
    return invalid_argument(fmt::format("--arg '{}': {}", text, why));
  };
  std::vector<std::string> parts;
  size_t start = 0;
  // INIT may be file=PATH with ':' in the path: split at most 4 fields.
  while (parts.size() < 3) {
    const size_t colon = text.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(text.substr(start));
  if (parts[0] == "buf") {
    a.is_buffer = true;
    if (parts.size() < 3) return bad("a buffer is buf:TYPE:COUNT[:INIT]");
    a.type = find_type(parts[1]);
    if (!a.type) return bad(fmt::format("unknown type '{}' (types: {})", parts[1], type_names()));
    auto count = parse_size(parts[2]);
    if (!count.ok() || *count == 0)
      return bad(fmt::format("'{}' is not an element count", parts[2]));
    a.count = *count;
    if (a.count > (uint64_t{1} << 40) / a.type->size) return bad("buffer too large");
    if (parts.size() == 4) {
      const std::string& init = parts[3];
      if (init == "zero") {
        a.init = ArgSpec::Init::kZero;
      } else if (init == "iota") {
        a.init = ArgSpec::Init::kIota;
      } else if (init.starts_with("fill=")) {
        a.init = ArgSpec::Init::kFill;
        auto v = encode_value(*a.type, init.substr(5));
        if (!v.ok()) return bad(v.status().message());
        a.fill = *v;
      } else if (init.starts_with("file=") && init.size() > 5) {
        a.init = ArgSpec::Init::kFile;
        a.path = init.substr(5);
      } else {
        return bad(fmt::format("unknown INIT '{}' (zero, iota, fill=V, file=PATH)", init));
      }
    }
    return a;
  }
  if (parts.size() != 2) {
    return bad(
        fmt::format("expected TYPE:VALUE (types: {}) or buf:TYPE:COUNT[:INIT]", type_names()));
  }
  a.type = find_type(parts[0]);
  if (!a.type) return bad(fmt::format("unknown type '{}' (types: {})", parts[0], type_names()));
  auto v = encode_value(*a.type, parts[1]);
  if (!v.ok()) return bad(v.status().message());
  a.scalar = *v;
  return a;
}

/// "1024,4" → {1024, 4, 1}.
Expected<std::array<uint32_t, 3>> parse_dims(const std::string& text, std::string_view option) {
  std::array<uint32_t, 3> d{1, 1, 1};
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto v = parse_size(part);
    if (!v.ok() || *v == 0 || *v > 0xffffffffull) {
      return invalid_argument(
          fmt::format("--{} '{}': expected X[,Y[,Z]] with each at least 1", option, text));
    }
    d[i] = static_cast<uint32_t>(*v);
    if (comma == std::string::npos) return d;
    start = comma + 1;
  }
  return invalid_argument(fmt::format("--{} '{}': at most 3 dimensions", option, text));
}

/// OpenCL scalar type names as the metadata spells them (.type_name) → element type facts.
struct PointeeType {
  std::string_view name;
  uint32_t size;
  bool is_float;
};
constexpr PointeeType kPointees[] = {
    {"char", 1, false},   {"uchar", 1, false},   {"short", 2, false},   {"ushort", 2, false},
    {"int", 4, false},    {"uint", 4, false},    {"long", 8, false},    {"ulong", 8, false},
    {"half", 2, true},    {"float", 4, true},    {"double", 8, true},   {"size_t", 8, false},
    {"int8_t", 1, false}, {"uint8_t", 1, false}, {"int32_t", 4, false}, {"uint32_t", 4, false},
};

const PointeeType* find_pointee(std::string type_name) {
  for (std::string_view q : {"const ", "volatile ", "__global ", "global ", "restrict "}) {
    while (type_name.starts_with(q)) type_name.erase(0, q.size());
  }
  while (!type_name.empty() && (type_name.back() == '*' || type_name.back() == ' ')) {
    type_name.pop_back();
  }
  for (const PointeeType& p : kPointees) {
    if (p.name == type_name) return &p;
  }
  return nullptr;
}

std::string arg_label(size_t i, const KernelArg& arg) {
  return arg.name.empty() ? fmt::format("--arg {}", i) : fmt::format("--arg {} ({})", i, arg.name);
}

/// Checks the specs against the kernel's explicit arguments: count, kind, size.
Status match_args(const KernelInfo& kernel, const std::vector<ArgSpec>& specs,
                  std::vector<const KernelArg*>& explicit_args) {
  std::string names;
  for (const KernelArg& a : kernel.args) {
    if (a.is_hidden()) continue;
    explicit_args.push_back(&a);
    names += fmt::format("{}{} {}", names.empty() ? "" : ", ", a.type_name,
                         a.name.empty() ? "?" : a.name);
  }
  if (explicit_args.size() != specs.size()) {
    return invalid_argument(fmt::format("kernel {} takes {} argument{} ({}); {} --arg given",
                                        kernel.name, explicit_args.size(),
                                        explicit_args.size() == 1 ? "" : "s", names, specs.size()));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const KernelArg& k = *explicit_args[i];
    const ArgSpec& s = specs[i];
    const std::string what = fmt::format("{} of {}", arg_label(i, k), kernel.name);
    switch (k.kind) {
      case ArgValueKind::kGlobalBuffer: {
        if (!s.is_buffer) {
          return invalid_argument(fmt::format("{}: the kernel takes a buffer ({}), got '{}'", what,
                                              k.type_name, s.text));
        }
        const PointeeType* p = find_pointee(k.type_name);
        if (p && (p->size != s.type->size || p->is_float != s.type->is_float)) {
          return invalid_argument(fmt::format(
              "{}: the kernel's buffer holds {} ({} byte{}), got elements of {} ({} byte{})", what,
              p->name, p->size, p->size == 1 ? "" : "s", s.type->name, s.type->size,
              s.type->size == 1 ? "" : "s"));
        }
        break;
      }
      case ArgValueKind::kByValue: {
        if (s.is_buffer) {
          return invalid_argument(
              fmt::format("{}: the kernel takes a value ({}, {} bytes), got "
                          "buffer '{}'",
                          what, k.type_name, k.size, s.text));
        }
        if (k.size != s.type->size) {
          return invalid_argument(fmt::format(
              "{}: the kernel takes {} bytes ({}), got {} ({} "
              "byte{})",
              what, k.size, k.type_name, s.type->name, s.type->size, s.type->size == 1 ? "" : "s"));
        }
        const PointeeType* p = find_pointee(k.type_name);
        if (p && p->is_float != s.type->is_float) {
          return invalid_argument(
              fmt::format("{}: the kernel takes {} ({}), got {}", what, k.type_name,
                          p->is_float ? "floating point" : "an integer", s.type->name));
        }
        break;
      }
      default:
        return invalid_argument(
            fmt::format("{}: argument kind {} cannot be given on the command "
                        "line",
                        what, k.value_kind_name));
    }
  }
  return ok_status();
}

/// Writes a buffer argument's initial contents.
Status init_buffer(const ArgSpec& s, uint8_t* p, const std::string& label) {
  const uint64_t bytes = s.count * s.type->size;
  switch (s.init) {
    case ArgSpec::Init::kZero:
      std::memset(p, 0, bytes);
      return ok_status();
    case ArgSpec::Init::kFill:
      for (uint64_t i = 0; i < s.count; ++i)
        std::memcpy(p + i * s.type->size, s.fill.data(), s.type->size);
      return ok_status();
    case ArgSpec::Init::kIota:
      for (uint64_t i = 0; i < s.count; ++i) {
        uint8_t* e = p + i * s.type->size;
        if (s.type->is_float) {
          if (s.type->size == 4) {
            const float f = static_cast<float>(i);
            std::memcpy(e, &f, 4);
          } else {
            const double d = static_cast<double>(i);
            std::memcpy(e, &d, 8);
          }
        } else {
          std::memcpy(e, &i, s.type->size);  // little-endian: the low bytes (modulo the width)
        }
      }
      return ok_status();
    case ArgSpec::Init::kFile: {
      std::ifstream in(s.path, std::ios::binary);
      if (!in) return errno_status(errno, fmt::format("{}: {}", label, s.path));
      std::vector<char> data((std::istreambuf_iterator<char>(in)), {});
      if (data.size() != bytes) {
        return invalid_argument(fmt::format("{}: {} holds {} bytes; buf:{}:{} needs {}", label,
                                            s.path, data.size(), s.type->name, s.count, bytes));
      }
      std::memcpy(p, data.data(), bytes);
      return ok_status();
    }
  }
  return ok_status();
}

int run_dispatch(Context& ctx, const po::variables_map& vm) {
  if (!vm.count("code-object")) return fail(kExitUsage, "dispatch: CODE_OBJECT is required");
  const std::string path = vm["code-object"].as<std::string>();
  auto grid = parse_dims(vm["grid"].as<std::string>(), "grid");
  if (!grid.ok()) return fail(kExitUsage, "dispatch: " + grid.status().message());
  std::vector<ArgSpec> specs;
  if (vm.count("arg")) {
    for (const std::string& text : vm["arg"].as<std::vector<std::string>>()) {
      auto a = parse_arg(text);
      if (!a.ok()) return fail(kExitUsage, "dispatch: " + a.status().message());
      specs.push_back(std::move(*a));
    }
  }
  const std::string queue_name = vm["queue"].as<std::string>();
  std::optional<QueueKind> queue_kind;
  if (queue_name != "auto") {
    auto k = parse_engine(queue_name);
    if (!k.ok() || *k == QueueKind::kSdma) {
      return fail(kExitUsage,
                  fmt::format("dispatch: --queue '{}': expected auto, compute or aql", queue_name));
    }
    queue_kind = *k;
  }
  const double timeout_s = vm["timeout"].as<double>();
  if (!(timeout_s > 0)) return fail(kExitUsage, "dispatch: --timeout must be positive");

  // The code object and the kernel's metadata: everything is checked before a device is opened.
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(kExitFailure, errno_status(errno, fmt::format("dispatch: {}", path)).message());
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  auto co = CodeObject::load(bytes);
  if (!co.ok())
    return fail(kExitFailure, fmt::format("dispatch: {}: {}", path, co.status().message()));
  std::string kernel_name = vm.count("kernel") ? vm["kernel"].as<std::string>() : "";
  if (kernel_name.empty()) {
    if (co->kernels().size() != 1) {
      std::string names;
      for (const KernelInfo& k : co->kernels())
        names += fmt::format("{}{}", names.empty() ? "" : ", ", k.name);
      return fail(kExitUsage, fmt::format("dispatch: --kernel is required: {} has {} kernels ({})",
                                          path, co->kernels().size(), names));
    }
    kernel_name = co->kernels()[0].name;
  }
  auto info = co->find_kernel(kernel_name);
  if (!info.ok())
    return fail(kExitUsage, fmt::format("dispatch: {}: {}", path, info.status().message()));
  std::array<uint32_t, 3> block{1, 1, 1};
  if (vm.count("block")) {
    auto b = parse_dims(vm["block"].as<std::string>(), "block");
    if (!b.ok()) return fail(kExitUsage, "dispatch: " + b.status().message());
    block = *b;
  } else if ((*info)->reqd_workgroup_size[0] != 0) {
    block = (*info)->reqd_workgroup_size;
  } else {
    block = {std::min<uint32_t>((*grid)[0], 64), 1, 1};
  }
  std::vector<const KernelArg*> kargs;
  if (Status st = match_args(**info, specs, kargs); !st.ok()) {
    return fail(kExitUsage, "dispatch: " + st.message());
  }

  auto work = open_work_device(ctx, sim_target_for(*co));
  if (!work.ok()) return fail(kExitFailure, work.status().message());
  Device& dev = *work->device;
  auto loaded = dev.load_code_object(bytes);
  if (!loaded.ok()) {
    return fail(kExitFailure,
                fmt::format("dispatch: loading {}: {}", path, loaded.status().message()));
  }
  auto kernel = (*loaded)->kernel(kernel_name);
  if (!kernel.ok()) return fail(kExitFailure, "dispatch: " + kernel.status().message());

  // Buffers and argument values.
  std::vector<std::shared_ptr<Buffer>> buffers(specs.size());
  std::vector<ArgValue> values;
  for (size_t i = 0; i < specs.size(); ++i) {
    const ArgSpec& s = specs[i];
    const std::string label = arg_label(i, *kargs[i]);
    if (!s.is_buffer) {
      values.push_back(ArgValue::bytes(s.scalar));
      continue;
    }
    auto b = dev.alloc(s.count * s.type->size, MemoryDomain::kVram);
    if (!b.ok())
      return fail(kExitFailure, fmt::format("dispatch: {}: {}", label, b.status().message()));
    auto* p = static_cast<uint8_t*>((*b)->cpu_pointer());
    if (p == nullptr)
      return fail(kExitFailure, fmt::format("dispatch: {}: buffer not CPU-visible", label));
    if (Status st = init_buffer(s, p, label); !st.ok()) {
      return fail(st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure,
                  "dispatch: " + st.message());
    }
    buffers[i] = *b;
    values.push_back(ArgValue::buffer((*b)->gpu_address()));
  }
  DispatchConfig config;
  config.grid = *grid;
  config.workgroup = block;
  auto kernargs = pack_kernargs(**info, values, config);
  if (!kernargs.ok()) return fail(kExitUsage, "dispatch: " + kernargs.status().message());
  CommandBuffer cb;
  if (Status st = cb.dispatch(*kernel, *grid, block, std::move(kernargs->bytes)); !st.ok()) {
    return fail(kExitUsage, "dispatch: " + st.message());
  }
  if (!queue_kind) {
    // PM4 dispatches launch whole work-groups only; a grid with a partial one goes to AQL.
    bool whole = true;
    for (int d = 0; d < 3; ++d) whole = whole && (*grid)[d] % block[d] == 0;
    queue_kind = whole ? QueueKind::kCompute : QueueKind::kComputeAql;
  }
  auto queue = dev.create_queue(*queue_kind);
  if (!queue.ok()) return fail(kExitFailure, "dispatch: " + queue.status().message());
  uint64_t ns = 0;
  const auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(timeout_s));
  if (Status st = run_and_wait(dev, **queue, cb, timeout, &ns); !st.ok()) {
    return fail(kExitFailure, fmt::format("dispatch: {} on {}: {}", kernel_name, device_label(dev),
                                          st.message()));
  }

  // Results.
  std::vector<std::string> written;
  if (vm.count("out-dir")) {
    const std::filesystem::path dir = vm["out-dir"].as<std::string>();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return fail(kExitFailure,
                  fmt::format("dispatch: --out-dir {}: {}", dir.string(), ec.message()));
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!buffers[i]) continue;
      const std::string name = kargs[i]->name.empty()
                                   ? fmt::format("arg{}.bin", i)
                                   : fmt::format("arg{}-{}.bin", i, kargs[i]->name);
      const std::filesystem::path file = dir / name;
      std::ofstream out(file, std::ios::binary);
      out.write(static_cast<const char*>(buffers[i]->cpu_pointer()),
                static_cast<std::streamsize>(specs[i].count * specs[i].type->size));
      if (!out)
        return fail(errno_status(errno, fmt::format("dispatch: writing {}", file.string())));
      written.push_back(file.string());
    }
  }
  if (ctx.options().json) {
    nlohmann::json j = {
        {"kernel", kernel_name}, {"device", dev.info().id}, {"target", dev.info().target},
        {"grid", *grid},         {"block", block},          {"elapsed_ns", ns}};
    nlohmann::json bufs = nlohmann::json::array();
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!buffers[i]) continue;
      nlohmann::json values_json = nlohmann::json::array();
      const auto* p = static_cast<const uint8_t*>(buffers[i]->cpu_pointer());
      for (uint64_t e = 0; e < specs[i].count; ++e) {
        values_json.push_back(decode_value(*specs[i].type, p + e * specs[i].type->size));
      }
      bufs.push_back({{"arg", i},
                      {"name", kargs[i]->name},
                      {"type", specs[i].type->name},
                      {"values", std::move(values_json)}});
    }
    j["buffers"] = std::move(bufs);
    if (!written.empty()) j["files"] = written;
    print_json(j);
    return kExitOk;
  }
  std::cout << fmt::format("{} on {}: grid {}x{}x{}, block {}x{}x{}, {:.3f} ms\n", kernel_name,
                           device_label(dev), (*grid)[0], (*grid)[1], (*grid)[2], block[0],
                           block[1], block[2], static_cast<double>(ns) / 1e6);
  const uint64_t shown = ctx.options().verbose > 0 ? ~uint64_t{0} : 16;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!buffers[i]) continue;
    const auto* p = static_cast<const uint8_t*>(buffers[i]->cpu_pointer());
    std::string line = fmt::format("  arg {} ({}) {}[{}]:", i, kargs[i]->name, specs[i].type->name,
                                   specs[i].count);
    for (uint64_t e = 0; e < std::min(specs[i].count, shown); ++e) {
      line += " " + decode_value(*specs[i].type, p + e * specs[i].type->size).dump();
    }
    if (specs[i].count > shown) line += fmt::format(" ... (-v shows all {})", specs[i].count);
    std::cout << line << "\n";
  }
  for (const std::string& f : written) std::cout << "  wrote " << f << "\n";
  return kExitOk;
}

}  // namespace

Command dispatch_command() {
  return {.name = "dispatch",
          .summary = "run a kernel of a code object and show its buffers",
          .options =
              [](po::options_description& desc, po::positional_options_description& pos) {
                desc.add_options()("code-object", po::value<std::string>()->value_name("FILE"),
                                   "the AMDGPU code object (.hsaco); also the first positional")(
                    "kernel", po::value<std::string>()->value_name("NAME"),
                    "kernel to run (optional if the code object has one)")(
                    "grid", po::value<std::string>()->required()->value_name("X[,Y[,Z]]"),
                    "total work-items per dimension")(
                    "block", po::value<std::string>()->value_name("X[,Y[,Z]]"),
                    "work-group size (default: the kernel's required size, else min(X, 64))")(
                    "arg", po::value<std::vector<std::string>>()->composing()->value_name("SPEC"),
                    "one per kernel argument, in order: TYPE:VALUE or buf:TYPE:COUNT[:INIT]")(
                    "out-dir", po::value<std::string>()->value_name("DIR"),
                    "write each buffer argument raw to DIR/arg<N>-<name>.bin")(
                    "queue", po::value<std::string>()->default_value("auto")->value_name("Q"),
                    "compute (PM4), aql, or auto: compute unless the grid has a partial "
                    "work-group")("timeout",
                                  po::value<double>()->default_value(30.0)->value_name("S"),
                                  "seconds to wait for the kernel");
                pos.add("code-object", 1);
              },
          .details =
              "TYPE is one of i8 u8 i16 u16 i32 u32 i64 u64 f32 f64. A buffer argument\n"
              "buf:TYPE:COUNT[:INIT] is COUNT elements of device memory, INIT = zero (default),\n"
              "iota (0, 1, 2, ...), fill=V or file=PATH (raw little-endian, exactly COUNT\n"
              "elements). Arguments are checked against the kernel's metadata (count, kind,\n"
              "size) first; a mismatch names the argument and exits 2. After completion the\n"
              "buffers are printed (--json: {\"kernel\", \"elapsed_ns\", \"buffers\": [{\"arg\",\n"
              "\"type\", \"values\"}]}). Without --device and without a GPU the kernel runs on\n"
              "the simulator for the code object's target.\n\n"
              "Example:\n"
              "  amdhal dispatch vector_add-gfx942.hsaco --kernel vector_add --grid 1024 \\\n"
              "      --block 256 --arg buf:f32:1024:iota --arg buf:f32:1024:fill=1 \\\n"
              "      --arg buf:f32:1024 --arg u32:1024 --json\n",
          .run = run_dispatch};
}

}  // namespace amdhal::cli
