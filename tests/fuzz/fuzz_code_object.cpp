// libFuzzer target for CodeObject::load and everything a caller does with a loaded code object:
// metadata queries, kernel look-up, kernarg packing, target checks and the image copy. Any input
// must give either a code object or an error Status; crashes, sanitizer reports and
// out-of-bounds reads are bugs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "amdhal/code_object.h"
#include "amdhal/family.h"

namespace {

void exercise(const amdhal::CodeObject& co) {
  (void)co.version();
  (void)co.target_id().to_string();
  amdhal::TargetId::parse(co.target()).status().ignore();
  for (const amdhal::GpuFamily& family : amdhal::all_families()) {
    co.check_target(family).ignore();
    co.check_target(family,
                    {.xnack = amdhal::FeatureSetting::kOff, .sramecc = amdhal::FeatureSetting::kOn})
        .ignore();
  }
  for (const amdhal::KernelInfo& k : co.kernels()) {
    co.find_kernel(k.name).status().ignore();
    (void)k.descriptor.accum_offset();
    (void)k.descriptor.wavefront_size();
    // Arguments of the right kind and size, so packing gets past validation.
    std::vector<amdhal::ArgValue> args;
    for (const amdhal::KernelArg& a : k.args) {
      if (a.is_hidden()) continue;
      (void)amdhal::arg_value_kind_name(a.kind);
      if (a.kind == amdhal::ArgValueKind::kGlobalBuffer) {
        args.push_back(amdhal::ArgValue::buffer(0x1000));
      } else {
        args.push_back(amdhal::ArgValue::bytes(std::vector<uint8_t>(a.size, 0x5a)));
      }
    }
    amdhal::DispatchConfig dispatch{.grid = {1000, 3, 1}, .workgroup = {64, 1, 1}};
    amdhal::pack_kernargs(k, args, dispatch).status().ignore();
    amdhal::pack_kernargs(k, {}, dispatch).status().ignore();
  }
  co.find_kernel("no such kernel").status().ignore();
  if (co.image_size() <= (uint64_t{16} << 20)) {
    std::vector<uint8_t> image(co.image_size());
    co.copy_image(image).ignore();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  amdhal::Expected<amdhal::CodeObject> co = amdhal::CodeObject::load(bytes);
  if (co.ok()) {
    exercise(*co);
  } else {
    (void)co.status().to_string();
  }
  return 0;
}
