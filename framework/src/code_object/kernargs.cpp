// Kernel argument kinds and kernarg segment packing.
//
// Layout rules: every argument sits at the `.offset` and `.size` its metadata gives; the segment
// is `.kernarg_segment_size` bytes and must be at least 16-byte aligned in memory (LLVM
// llvm/docs/AMDGPUUsage.rst, "Kernel Dispatch", step 3). Hidden argument values follow
// AMDGPUUsage "Code Object V5 Metadata" (hidden_block_count_* counts only full work-groups,
// hidden_remainder_* is the size of the partial work-group or 0, hidden_group_size_* is the
// work-group size, hidden_grid_dims is 1..3) and "Code Object V3 Metadata" for the older kinds
// (hidden_global_offset_*, hidden_printf_buffer, ...).

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "amdhal/code_object.h"

namespace amdhal {
namespace {

struct KindName {
  ArgValueKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {ArgValueKind::kByValue, "by_value"},
    {ArgValueKind::kGlobalBuffer, "global_buffer"},
    {ArgValueKind::kDynamicSharedPointer, "dynamic_shared_pointer"},
    {ArgValueKind::kSampler, "sampler"},
    {ArgValueKind::kImage, "image"},
    {ArgValueKind::kPipe, "pipe"},
    {ArgValueKind::kQueue, "queue"},
    {ArgValueKind::kHiddenGlobalOffsetX, "hidden_global_offset_x"},
    {ArgValueKind::kHiddenGlobalOffsetY, "hidden_global_offset_y"},
    {ArgValueKind::kHiddenGlobalOffsetZ, "hidden_global_offset_z"},
    {ArgValueKind::kHiddenNone, "hidden_none"},
    {ArgValueKind::kHiddenPrintfBuffer, "hidden_printf_buffer"},
    {ArgValueKind::kHiddenHostcallBuffer, "hidden_hostcall_buffer"},
    {ArgValueKind::kHiddenDefaultQueue, "hidden_default_queue"},
    {ArgValueKind::kHiddenCompletionAction, "hidden_completion_action"},
    {ArgValueKind::kHiddenMultigridSyncArg, "hidden_multigrid_sync_arg"},
    {ArgValueKind::kHiddenBlockCountX, "hidden_block_count_x"},
    {ArgValueKind::kHiddenBlockCountY, "hidden_block_count_y"},
    {ArgValueKind::kHiddenBlockCountZ, "hidden_block_count_z"},
    {ArgValueKind::kHiddenGroupSizeX, "hidden_group_size_x"},
    {ArgValueKind::kHiddenGroupSizeY, "hidden_group_size_y"},
    {ArgValueKind::kHiddenGroupSizeZ, "hidden_group_size_z"},
    {ArgValueKind::kHiddenRemainderX, "hidden_remainder_x"},
    {ArgValueKind::kHiddenRemainderY, "hidden_remainder_y"},
    {ArgValueKind::kHiddenRemainderZ, "hidden_remainder_z"},
    {ArgValueKind::kHiddenGridDims, "hidden_grid_dims"},
    {ArgValueKind::kHiddenHeapV1, "hidden_heap_v1"},
    {ArgValueKind::kHiddenDynamicLdsSize, "hidden_dynamic_lds_size"},
    {ArgValueKind::kHiddenPrivateBase, "hidden_private_base"},
    {ArgValueKind::kHiddenSharedBase, "hidden_shared_base"},
    {ArgValueKind::kHiddenQueuePtr, "hidden_queue_ptr"},
};

std::string_view type_label(ArgValue::Type t) {
  switch (t) {
    case ArgValue::Type::kBuffer:
      return "buffer";
    case ArgValue::Type::kI32:
      return "i32";
    case ArgValue::Type::kU32:
      return "u32";
    case ArgValue::Type::kI64:
      return "i64";
    case ArgValue::Type::kU64:
      return "u64";
    case ArgValue::Type::kF32:
      return "f32";
    case ArgValue::Type::kF64:
      return "f64";
    case ArgValue::Type::kBytes:
      return "bytes";
  }
  return "?";
}

bool is_float_value(ArgValue::Type t) {
  return t == ArgValue::Type::kF32 || t == ArgValue::Type::kF64;
}
bool is_integer_value(ArgValue::Type t) {
  return t == ArgValue::Type::kI32 || t == ArgValue::Type::kU32 || t == ArgValue::Type::kI64 ||
         t == ArgValue::Type::kU64;
}

// Scalar OpenCL/HIP type names as they appear in `.type_name`.
bool is_float_type_name(std::string_view n) {
  return n == "float" || n == "double" || n == "half" || n == "_Float16";
}
bool is_integer_type_name(std::string_view n) {
  constexpr std::string_view kNames[] = {"char",          "uchar",         "short",
                                         "ushort",        "int",           "uint",
                                         "long",          "ulong",         "bool",
                                         "size_t",        "int8_t",        "uint8_t",
                                         "int16_t",       "uint16_t",      "int32_t",
                                         "uint32_t",      "int64_t",       "uint64_t",
                                         "unsigned int",  "unsigned char", "unsigned short",
                                         "unsigned long", "long long",     "unsigned long long",
                                         "signed char"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

std::string arg_label(size_t index, const KernelArg& arg) {
  if (arg.name.empty()) return fmt::format("argument {}", index);
  return fmt::format("argument {} ({})", index, arg.name);
}

std::string describe_arg(const KernelArg& arg) {
  std::string type = arg.type_name.empty() ? "" : fmt::format(" {}", arg.type_name);
  return fmt::format("{}{} of {} bytes", arg.value_kind_name, type, arg.size);
}

void store_le(std::vector<uint8_t>& out, uint32_t offset, uint32_t size, uint64_t value) {
  for (uint32_t i = 0; i < size && i < 8; ++i)
    out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

}  // namespace

std::string_view arg_value_kind_name(ArgValueKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

ArgValueKind parse_arg_value_kind(std::string_view name) {
  for (const KindName& k : kKindNames) {
    if (k.name == name) return k.kind;
  }
  return ArgValueKind::kUnknown;
}

bool is_hidden_kind(ArgValueKind kind) {
  return kind >= ArgValueKind::kHiddenGlobalOffsetX && kind <= ArgValueKind::kHiddenQueuePtr;
}

bool KernelArg::is_hidden() const {
  return is_hidden_kind(kind) || std::string_view(value_kind_name).starts_with("hidden_");
}

size_t KernelInfo::explicit_arg_count() const {
  return static_cast<size_t>(
      std::count_if(args.begin(), args.end(), [](const KernelArg& a) { return !a.is_hidden(); }));
}

std::string ArgValue::describe() const {
  switch (type_) {
    case Type::kBuffer: {
      uint64_t va = 0;
      std::memcpy(&va, bytes_.data(), sizeof(va));
      return fmt::format("buffer {:#x}", va);
    }
    case Type::kBytes:
      return fmt::format("bytes ({} bytes)", bytes_.size());
    default:
      return fmt::format("{} ({} bytes)", type_label(type_), bytes_.size());
  }
}

namespace {

Status check_explicit(const KernelInfo& kernel, size_t index, const KernelArg& arg,
                      const ArgValue& value) {
  auto mismatch = [&](std::string_view expected) {
    return invalid_argument(fmt::format("{} of {}: expected {}, got {}", arg_label(index, arg),
                                        kernel.name, expected, value.describe()));
  };
  switch (arg.kind) {
    case ArgValueKind::kGlobalBuffer:
      if (value.type() != ArgValue::Type::kBuffer) {
        return mismatch(fmt::format("a buffer address for {}", describe_arg(arg)));
      }
      break;
    case ArgValueKind::kByValue:
      if (value.type() == ArgValue::Type::kBuffer) {
        return mismatch(fmt::format("a value for {}", describe_arg(arg)));
      }
      if (is_float_value(value.type()) && is_integer_type_name(arg.type_name)) {
        return mismatch(fmt::format("an integer for {}", describe_arg(arg)));
      }
      if (is_integer_value(value.type()) && is_float_type_name(arg.type_name)) {
        return mismatch(fmt::format("a floating-point value for {}", describe_arg(arg)));
      }
      break;
    default:
      break;
  }
  if (value.size() != arg.size) return mismatch(describe_arg(arg));
  return ok_status();
}

}  // namespace

Expected<KernargBlock> pack_kernargs(const KernelInfo& kernel, std::span<const ArgValue> args,
                                     const DispatchConfig& dispatch) {
  // The dispatch shape.
  const auto& grid = dispatch.grid;
  const auto& wg = dispatch.workgroup;
  std::string shape = fmt::format("grid {}x{}x{}, work-group {}x{}x{}", grid[0], grid[1], grid[2],
                                  wg[0], wg[1], wg[2]);
  for (int d = 0; d < 3; ++d) {
    if (grid[d] == 0 || wg[d] == 0) {
      return invalid_argument(fmt::format("dispatch of {}: {}: every dimension must be at least 1",
                                          kernel.name, shape));
    }
  }
  uint64_t flat = uint64_t{wg[0]} * wg[1] * wg[2];
  if (kernel.max_flat_workgroup_size != 0 && flat > kernel.max_flat_workgroup_size) {
    return invalid_argument(
        fmt::format("dispatch of {}: work-group of {} work-items exceeds the kernel's "
                    ".max_flat_workgroup_size {}",
                    kernel.name, flat, kernel.max_flat_workgroup_size));
  }
  const auto& reqd = kernel.reqd_workgroup_size;
  if (reqd[0] != 0 && (reqd[0] != wg[0] || reqd[1] != wg[1] || reqd[2] != wg[2])) {
    return invalid_argument(
        fmt::format("dispatch of {}: kernel requires work-group {}x{}x{}, got {}", kernel.name,
                    reqd[0], reqd[1], reqd[2], shape));
  }
  uint32_t dims = dispatch.dimensions;
  if (dims == 0) {
    dims = (grid[2] > 1 || wg[2] > 1) ? 3 : (grid[1] > 1 || wg[1] > 1) ? 2 : 1;
  } else if (dims > 3) {
    return invalid_argument(
        fmt::format("dispatch of {}: {} dimensions; must be 1, 2 or 3", kernel.name, dims));
  } else {
    for (uint32_t d = dims; d < 3; ++d) {
      if (grid[d] != 1 || wg[d] != 1) {
        return invalid_argument(
            fmt::format("dispatch of {}: {} is not {}-dimensional", kernel.name, shape, dims));
      }
    }
  }

  // Explicit arguments.
  size_t expected = kernel.explicit_arg_count();
  if (args.size() != expected) {
    std::string names;
    for (const KernelArg& a : kernel.args) {
      if (a.is_hidden()) continue;
      if (!names.empty()) names += ", ";
      names += a.name.empty() ? a.value_kind_name : a.name;
    }
    return invalid_argument(fmt::format("kernel {} takes {} arguments ({}), got {}", kernel.name,
                                        expected, names, args.size()));
  }

  KernargBlock block;
  block.bytes.assign(kernel.kernarg_segment_size, 0);
  block.alignment = std::max<uint32_t>(kernel.kernarg_segment_align, 16);
  size_t explicit_index = 0;
  for (const KernelArg& arg : kernel.args) {
    if (uint64_t{arg.offset} + arg.size > block.bytes.size()) {
      return invalid_argument(
          fmt::format("kernel {}: {} at offset {} size {} ends past .kernarg_segment_size {}",
                      kernel.name, arg.name.empty() ? arg.value_kind_name : arg.name, arg.offset,
                      arg.size, block.bytes.size()));
    }
    if (!arg.is_hidden()) {
      const ArgValue& value = args[explicit_index];
      AMDHAL_RETURN_IF_ERROR(check_explicit(kernel, explicit_index, arg, value));
      if (arg.size != 0)
        std::memcpy(block.bytes.data() + arg.offset, value.data().data(), arg.size);
      ++explicit_index;
      continue;
    }

    std::optional<uint64_t> value;
    bool report_if_zero = false;
    switch (arg.kind) {
      case ArgValueKind::kHiddenBlockCountX:
        value = grid[0] / wg[0];
        break;
      case ArgValueKind::kHiddenBlockCountY:
        value = grid[1] / wg[1];
        break;
      case ArgValueKind::kHiddenBlockCountZ:
        value = grid[2] / wg[2];
        break;
      case ArgValueKind::kHiddenGroupSizeX:
        value = wg[0];
        break;
      case ArgValueKind::kHiddenGroupSizeY:
        value = wg[1];
        break;
      case ArgValueKind::kHiddenGroupSizeZ:
        value = wg[2];
        break;
      case ArgValueKind::kHiddenRemainderX:
        value = grid[0] % wg[0];
        break;
      case ArgValueKind::kHiddenRemainderY:
        value = grid[1] % wg[1];
        break;
      case ArgValueKind::kHiddenRemainderZ:
        value = grid[2] % wg[2];
        break;
      case ArgValueKind::kHiddenGridDims:
        value = dims;
        break;
      case ArgValueKind::kHiddenGlobalOffsetX:
      case ArgValueKind::kHiddenGlobalOffsetY:
      case ArgValueKind::kHiddenGlobalOffsetZ:
        value = 0;
        break;
      case ArgValueKind::kHiddenDynamicLdsSize:
        value = dispatch.dynamic_lds_size;
        break;
      case ArgValueKind::kHiddenNone:
      case ArgValueKind::kHiddenPrivateBase:  // gfx8 only; unused on gfx9+
      case ArgValueKind::kHiddenSharedBase:
        value = 0;
        break;
      case ArgValueKind::kHiddenPrintfBuffer:
        value = dispatch.printf_buffer;
        report_if_zero = true;
        break;
      case ArgValueKind::kHiddenHostcallBuffer:
        value = dispatch.hostcall_buffer;
        report_if_zero = true;
        break;
      case ArgValueKind::kHiddenHeapV1:
        value = dispatch.heap_v1;
        report_if_zero = true;
        break;
      case ArgValueKind::kHiddenMultigridSyncArg:
        value = dispatch.multigrid_sync_arg;
        report_if_zero = true;
        break;
      case ArgValueKind::kHiddenDefaultQueue:
        value = dispatch.default_queue;
        report_if_zero = true;
        break;
      case ArgValueKind::kHiddenCompletionAction:
        value = dispatch.completion_action;
        report_if_zero = true;
        break;
      case ArgValueKind::kHiddenQueuePtr:
        value = dispatch.queue_ptr;
        report_if_zero = true;
        break;
      default:
        break;  // an unknown hidden kind: left zero, reported
    }
    if (!value || (report_if_zero && *value == 0)) {
      block.zero_filled.push_back(arg);
      continue;
    }
    if (arg.size < 8 && (*value >> (8 * arg.size)) != 0) {
      return invalid_argument(fmt::format("dispatch of {}: {} value {} does not fit in {} bytes",
                                          kernel.name, arg.value_kind_name, *value, arg.size));
    }
    store_le(block.bytes, arg.offset, arg.size, *value);
  }
  return block;
}

}  // namespace amdhal
