// Private: the NT_AMDGPU_METADATA msgpack document of a code object, decoded with msgpack-c.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "amdhal/code_object.h"
#include "amdhal/status.h"

namespace amdhal::code_object_internal {

/// What the metadata document says. Kernel descriptors are filled in later from the ELF image.
struct ParsedMetadata {
  std::array<uint32_t, 2> version{};  ///< amdhsa.version
  std::string target;                 ///< amdhsa.target
  std::vector<KernelInfo> kernels;    ///< amdhsa.kernels (descriptor fields left empty)
};

/// Decodes the note's descriptor bytes. Never throws; malformed msgpack, wrong value types and
/// missing required keys give a data_loss Status naming the key.
Expected<ParsedMetadata> parse_metadata(std::span<const uint8_t> msgpack_bytes);

}  // namespace amdhal::code_object_internal
