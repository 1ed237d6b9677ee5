#include "amdhal/device.h"

#include <algorithm>

#include <fmt/format.h>

#include "amdhal/family.h"
#include "amdhal/loaded_code_object.h"

namespace amdhal {

LoadedCodeObject::LoadedCodeObject(CodeObject code_object, std::shared_ptr<Buffer> image)
    : code_object_(std::move(code_object)), image_(std::move(image)) {
  for (const KernelInfo& k : code_object_.kernels()) {
    // Each kernel holds the image buffer so the code outlives every dispatch that names it.
    kernels_.push_back(std::make_shared<Kernel>(k, image_->gpu_address(), image_));
  }
}

Expected<std::shared_ptr<Kernel>> LoadedCodeObject::kernel(std::string_view name) const {
  for (const auto& k : kernels_) {
    if (k->info().name == name || k->info().symbol == name) return k;
  }
  std::string names;
  for (const auto& k : kernels_) names += fmt::format("{}{}", names.empty() ? "" : ", ", k->name());
  return not_found(fmt::format("no kernel '{}' in the code object (it has: {})", name,
                               names.empty() ? "none" : names));
}

Expected<std::shared_ptr<LoadedCodeObject>> Device::load_code_object(
    std::span<const uint8_t> bytes) {
  AMDHAL_ASSIGN_OR_RETURN(CodeObject co, CodeObject::load(bytes));
  AMDHAL_ASSIGN_OR_RETURN(const GpuFamily* family, find_family(info().target));
  AMDHAL_RETURN_IF_ERROR(co.check_target(*family));
  // Code must sit at a 256-byte aligned address (COMPUTE_PGM_LO holds address >> 8); the image
  // keeps its own alignment on top of that.
  const uint64_t size = std::max<uint64_t>(co.image_size(), 256);
  AllocFlags flags;
  flags.cpu_visible = true;
  flags.executable = true;
  AMDHAL_ASSIGN_OR_RETURN(std::shared_ptr<Buffer> image, alloc(size, MemoryDomain::kVram, flags));
  const uint64_t align = std::max<uint64_t>(co.image_alignment(), 256);
  if (image->gpu_address() % align != 0) {
    return failed_precondition(fmt::format(
        "code object image needs {}-byte alignment; device memory at 0x{:x} does not have it",
        align, image->gpu_address()));
  }
  if (image->cpu_pointer() == nullptr) {
    return unimplemented("loading a code object needs CPU-visible device memory on this backend");
  }
  AMDHAL_RETURN_IF_ERROR(co.copy_image(
      std::span<uint8_t>(static_cast<uint8_t*>(image->cpu_pointer()), image->size())));
  return std::make_shared<LoadedCodeObject>(std::move(co), std::move(image));
}

}  // namespace amdhal
