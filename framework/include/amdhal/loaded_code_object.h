// LoadedCodeObject: a code object copied into device memory, and its kernels ready to dispatch.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "amdhal/buffer.h"
#include "amdhal/code_object.h"
#include "amdhal/kernel.h"
#include "amdhal/status.h"

namespace amdhal {

/// Keeps the image memory alive while any of its kernels is referenced.
class LoadedCodeObject {
 public:
  LoadedCodeObject(CodeObject code_object, std::shared_ptr<Buffer> image);

  const CodeObject& code_object() const { return code_object_; }
  const std::shared_ptr<Buffer>& image() const { return image_; }
  const std::vector<std::shared_ptr<Kernel>>& kernels() const { return kernels_; }
  /// A kernel by name (or descriptor symbol); kNotFound lists the kernels there are.
  Expected<std::shared_ptr<Kernel>> kernel(std::string_view name) const;

 private:
  CodeObject code_object_;
  std::shared_ptr<Buffer> image_;
  std::vector<std::shared_ptr<Kernel>> kernels_;
};

}  // namespace amdhal
