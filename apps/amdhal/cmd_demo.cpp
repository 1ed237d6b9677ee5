// `amdhal demo`: the short end-to-end job `make run` shows. On one device: an SDMA queue copies
// input into device memory and fills a second buffer, then signals; a compute queue waits on that
// signal on the GPU, runs vector_add, and signals the CPU; GPU timestamps mark each step. The
// result is checked element by element.
#include <bit>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "amdhal/code_object.h"
#include "amdhal/command_buffer.h"
#include "amdhal/loaded_code_object.h"
#include "cli.h"

namespace amdhal::cli {
namespace {

namespace fs = std::filesystem;

/// vector_add-<target>.hsaco from the build tree's kernel corpus, next to the executable.
std::string default_code_object(const std::string& target) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return (exe.parent_path() / ".." / "tests" / "kernels" /
          fmt::format("vector_add-{}.hsaco", target))
      .lexically_normal()
      .string();
}

Expected<std::vector<uint8_t>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_status(errno, fmt::format("cannot read {}", path));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Step {
  std::string what;
  uint64_t gpu_clock;
};

int run_demo(Context& ctx, const po::variables_map& vm) {
  const uint32_t n = vm["elements"].as<uint32_t>();
  if (n == 0 || n > (64u << 20)) {
    return fail(kExitUsage,
                fmt::format("demo: --elements {} must be between 1 and {}", n, 64u << 20));
  }
  auto work = open_work_device(ctx, "gfx942");
  if (!work.ok()) return fail(work.status());
  Device& dev = *work->device;
  const std::string target = dev.info().target;
  const std::string co_path =
      vm.count("code-object") ? vm["code-object"].as<std::string>() : default_code_object(target);
  auto bytes = read_file(co_path);
  if (!bytes.ok()) {
    return fail(kExitFailure,
                fmt::format("demo: {} (pass --code-object with vector_add built for {})",
                            bytes.status().message(), target));
  }
  auto loaded = dev.load_code_object(*bytes);
  if (!loaded.ok()) return fail(loaded.status().with_context("demo: " + co_path));
  auto kernel = (*loaded)->kernel("vector_add");
  if (!kernel.ok()) return fail(kernel.status().with_context("demo"));

  const uint64_t size = uint64_t{n} * sizeof(float);
  auto check = [&](auto&& e, std::string_view what) -> Status {
    return e.ok() ? ok_status() : e.status().with_context(fmt::format("demo: {}", what));
  };
  auto input = dev.alloc(size, MemoryDomain::kGtt);
  auto a = dev.alloc(size, MemoryDomain::kVram);
  auto b = dev.alloc(size, MemoryDomain::kVram);
  auto c = dev.alloc(size, MemoryDomain::kVram);
  auto stamps = dev.alloc(4096, MemoryDomain::kGtt, AllocFlags{true, true, false});
  for (const auto* e : {&input, &a, &b, &c, &stamps}) {
    if (Status st = check(*e, "allocating buffers"); !st.ok()) return fail(st);
  }
  auto* in = static_cast<float*>((*input)->cpu_pointer());
  for (uint32_t i = 0; i < n; ++i) in[i] = static_cast<float>(i);
  auto* ts = static_cast<uint64_t*>((*stamps)->cpu_pointer());
  std::memset(ts, 0, 4096);

  auto sdma = dev.create_queue(QueueKind::kSdma);
  if (!sdma.ok()) return fail(sdma.status().with_context("demo: SDMA queue"));
  const bool whole_groups = n % 64 == 0;
  auto compute = dev.create_queue(whole_groups ? QueueKind::kCompute : QueueKind::kComputeAql);
  if (!compute.ok()) return fail(compute.status().with_context("demo: compute queue"));
  auto copied = dev.create_signal(0);
  auto done = dev.create_signal(0);
  if (!copied.ok() || !done.ok()) return fail(internal_error("demo: cannot create signals"));

  // Kernel arguments from the kernel's own metadata: a, b, c, n (+ hidden arguments).
  const std::array<ArgValue, 4> args = {ArgValue::buffer((*a)->gpu_address()),
                                        ArgValue::buffer((*b)->gpu_address()),
                                        ArgValue::buffer((*c)->gpu_address()), ArgValue::u32(n)};
  DispatchConfig config;
  config.grid = {n, 1, 1};
  config.workgroup = {64, 1, 1};
  auto kernargs = pack_kernargs((*kernel)->info(), args, config);
  if (!kernargs.ok()) return fail(kernargs.status().with_context("demo: kernel arguments"));

  // SDMA: copy the input, fill b with 1.0f, timestamp, signal 1.
  CommandBuffer copy;
  Status st = copy.timestamp({*stamps, 0});
  if (st.ok()) st = copy.copy({*a, 0}, {*input, 0}, size);
  if (st.ok()) st = copy.fill({*b, 0}, size, std::bit_cast<uint32_t>(1.0f));
  if (st.ok()) st = copy.timestamp({*stamps, 8});
  if (st.ok()) st = copy.signal(*copied, 1);
  // Compute: wait for the copy on the GPU, add, timestamp, then the CPU is told.
  CommandBuffer add;
  if (st.ok()) st = add.wait(*copied, 1);
  if (st.ok()) st = add.timestamp({*stamps, 16});
  if (st.ok()) st = add.dispatch(*kernel, {n, 1, 1}, {64, 1, 1}, kernargs->bytes);
  if (st.ok()) st = add.barrier();
  if (st.ok()) st = add.timestamp({*stamps, 24});
  if (!st.ok()) return fail(st.with_context("demo: recording"));

  const auto start = std::chrono::steady_clock::now();
  // The compute queue is submitted first: its GPU-side wait is what orders the two queues.
  uint64_t elapsed_ns = 0;
  if (Status s = (*sdma)->submit(copy); !s.ok()) return fail(s.with_context("demo: submit copy"));
  if (Status s =
          run_and_wait(dev, **compute, std::move(add), std::chrono::seconds(30), &elapsed_ns);
      !s.ok()) {
    return fail(s.with_context("demo: copy + dispatch"));
  }
  const double wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  // Check c[i] == i + 1.
  std::vector<float> result(n);
  auto readback = dev.alloc(size, MemoryDomain::kGtt);
  if (!readback.ok()) return fail(readback.status().with_context("demo: read-back buffer"));
  CommandBuffer back;
  if (Status s = back.copy({*readback, 0}, {*c, 0}, size); !s.ok()) return fail(s);
  if (Status s = run_and_wait(dev, **sdma, std::move(back), std::chrono::seconds(30)); !s.ok()) {
    return fail(s.with_context("demo: read-back"));
  }
  std::memcpy(result.data(), (*readback)->cpu_pointer(), size);
  uint32_t bad = 0;
  uint32_t first_bad = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (result[i] != static_cast<float>(i) + 1.0f && bad++ == 0) first_bad = i;
  }
  const std::vector<Step> steps = {{"copy + fill start (SDMA)", ts[0]},
                                   {"copy + fill done (SDMA)", ts[1]},
                                   {"wait satisfied (compute)", ts[2]},
                                   {"vector_add done (compute)", ts[3]}};
  if (ctx.options().json) {
    nlohmann::json j = {{"device", device_label(dev)}, {"elements", n},
                        {"verified", bad == 0},        {"mismatches", bad},
                        {"wall_ms", wall_ms},          {"steps", nlohmann::json::array()}};
    for (const auto& s : steps)
      j["steps"].push_back({{"step", s.what}, {"gpu_clock", s.gpu_clock}});
    print_json(j);
  } else {
    std::cout << fmt::format(
        "demo on {}: {} floats, c = a + b with a copied by SDMA, b filled by "
        "SDMA, the add on a {} queue that waited for the SDMA signal\n",
        device_label(dev), n, whole_groups ? "PM4 compute" : "AQL");
    for (const auto& s : steps) {
      std::cout << fmt::format(
          "  {:<28} GPU clock {:>14}  (+{} ticks)\n", s.what, s.gpu_clock,
          s.gpu_clock >= steps[0].gpu_clock ? s.gpu_clock - steps[0].gpu_clock : 0);
    }
    std::cout << fmt::format(
        "  result: {}; {:.2f} ms from submission to the CPU seeing the signal\n",
        bad == 0 ? "every element correct" : fmt::format("{} wrong", bad), wall_ms);
  }
  if (bad != 0) {
    return fail(kExitFailure,
                fmt::format("demo: {} of {} elements wrong (first at {}: {} instead of {})", bad, n,
                            first_bad, result[first_bad], first_bad + 1.0f));
  }
  if (ts[1] < ts[0] || ts[2] < ts[1] || ts[3] < ts[2]) {
    return fail(kExitFailure, "demo: GPU timestamps out of order: the GPU-side wait did not hold");
  }
  return kExitOk;
}

}  // namespace

Command demo_command() {
  return {.name = "demo",
          .summary = "copy + dispatch + signal across an SDMA and a compute queue, checked",
          .options =
              [](po::options_description& desc, po::positional_options_description&) {
                desc.add_options()("elements", po::value<uint32_t>()->default_value(1 << 20),
                                   "floats to add")(
                    "code-object", po::value<std::string>()->value_name("FILE"),
                    "vector_add code object for the device's target (default: the build "
                    "tree's tests/kernels/vector_add-<target>.hsaco)");
              },
          .details =
              "Without --device and without a GPU it runs on the simulator (sim:gfx942).\n\n"
              "Examples:\n"
              "  amdhal demo\n"
              "  amdhal --device sim:gfx942x2#1 demo --elements 4096\n",
          .run = run_demo};
}

}  // namespace amdhal::cli
