// Kernel: one kernel of a code object that has been copied to GPU memory, with the addresses a
// dispatch needs.
#pragma once

#include <cstdint>
#include <memory>

#include "amdhal/code_object.h"

namespace amdhal {

/// A kernel resident on a device. Created by a device's code-object loading from the
/// code object's metadata and the GPU address the image was copied to.
class Kernel {
 public:
  /// `load_base` is the GPU address of the image's vaddr 0; `owner` keeps the image memory alive.
  Kernel(KernelInfo info, uint64_t load_base, std::shared_ptr<const void> owner = nullptr)
      : info_(std::move(info)), load_base_(load_base), owner_(std::move(owner)) {}

  const KernelInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  const KernelDescriptor& descriptor() const { return info_.descriptor; }
  /// GPU address of the 64-byte kernel descriptor (AQL kernel_object).
  uint64_t descriptor_address() const { return load_base_ + info_.descriptor_address; }
  /// GPU address of the first instruction (COMPUTE_PGM_LO/HI << 8).
  uint64_t code_address() const { return load_base_ + info_.code_address; }

 private:
  KernelInfo info_;
  uint64_t load_base_;
  std::shared_ptr<const void> owner_;
};

}  // namespace amdhal
