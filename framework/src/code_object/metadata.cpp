// Decoding of the NT_AMDGPU_METADATA msgpack map.
//
// Keys and their meaning: LLVM llvm/docs/AMDGPUUsage.rst, "Code Object V3 Metadata" (the base the
// later versions extend), "Code Object V4 Metadata" (amdhsa.version 1.1, amdhsa.target),
// "Code Object V5 Metadata" (1.2, hidden_* kinds, .uses_dynamic_stack) and "Code Object V6
// Metadata" (same map as v5 plus optional .cluster_dims).

#include "code_object/metadata.h"

#include <fmt/format.h>

#include <exception>
#include <limits>
#include <msgpack.hpp>
#include <optional>
#include <string_view>

namespace amdhal::code_object_internal {
namespace {

// msgpack-c allocates an array's or map's elements when it reads the count, before the elements
// themselves; a count larger than the bytes left can only be a lie. Bounding every count by the
// document size keeps a forged count from asking for gigabytes. Real metadata nests about 5 deep.
constexpr size_t kMaxDepth = 32;

std::string_view type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "boolean";
    case msgpack::type::POSITIVE_INTEGER:
      return "integer";
    case msgpack::type::NEGATIVE_INTEGER:
      return "negative integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "float";
    case msgpack::type::STR:
      return "string";
    case msgpack::type::BIN:
      return "binary";
    case msgpack::type::ARRAY:
      return "array";
    case msgpack::type::MAP:
      return "map";
    case msgpack::type::EXT:
      return "ext";
  }
  return "unknown";
}

std::string_view as_view(const msgpack::object& o) {
  return std::string_view(o.via.str.ptr, o.via.str.size);
}

// A msgpack map viewed through its string keys. `where` names the map in error messages.
class MapView {
 public:
  MapView(const msgpack::object& map, std::string where) : map_(map), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  const msgpack::object* find(std::string_view key) const {
    for (uint32_t i = 0; i < map_.via.map.size; ++i) {
      const msgpack::object_kv& kv = map_.via.map.ptr[i];
      if (kv.key.type == msgpack::type::STR && as_view(kv.key) == key) return &kv.val;
    }
    return nullptr;
  }

  Status missing(std::string_view key) const {
    return data_loss(fmt::format("metadata: {}: missing required key {}", where_, key));
  }
  Status wrong_type(std::string_view key, std::string_view expected,
                    const msgpack::object& got) const {
    return data_loss(fmt::format("metadata: {}: {} is a {}, expected {}", where_, key,
                                 type_name(got), expected));
  }

  // Unsigned 32-bit integer. Absent: `fallback` if given, else an error.
  Expected<uint32_t> u32(std::string_view key, std::optional<uint32_t> fallback = {}) const {
    const msgpack::object* v = find(key);
    if (v == nullptr) {
      if (fallback) return *fallback;
      return missing(key);
    }
    if (v->type != msgpack::type::POSITIVE_INTEGER) return wrong_type(key, "unsigned integer", *v);
    if (v->via.u64 > std::numeric_limits<uint32_t>::max()) {
      return data_loss(
          fmt::format("metadata: {}: {} = {} does not fit in 32 bits", where_, key, v->via.u64));
    }
    return static_cast<uint32_t>(v->via.u64);
  }

  Expected<std::string> str(std::string_view key, bool required) const {
    const msgpack::object* v = find(key);
    if (v == nullptr) {
      if (!required) return std::string();
      return missing(key);
    }
    if (v->type != msgpack::type::STR) return wrong_type(key, "string", *v);
    return std::string(as_view(*v));
  }

  Expected<bool> boolean(std::string_view key) const {
    const msgpack::object* v = find(key);
    if (v == nullptr) return false;
    if (v->type != msgpack::type::BOOLEAN) return wrong_type(key, "boolean", *v);
    return v->via.boolean;
  }

  // A sequence of exactly N unsigned 32-bit integers; zeros if absent and not required.
  template <size_t N>
  Expected<std::array<uint32_t, N>> u32_array(std::string_view key, bool required) const {
    std::array<uint32_t, N> out{};
    const msgpack::object* v = find(key);
    if (v == nullptr) {
      if (!required) return out;
      return missing(key);
    }
    if (v->type != msgpack::type::ARRAY || v->via.array.size != N) {
      return data_loss(
          fmt::format("metadata: {}: {} must be a sequence of {} integers", where_, key, N));
    }
    for (size_t i = 0; i < N; ++i) {
      const msgpack::object& e = v->via.array.ptr[i];
      if (e.type != msgpack::type::POSITIVE_INTEGER ||
          e.via.u64 > std::numeric_limits<uint32_t>::max()) {
        return data_loss(
            fmt::format("metadata: {}: {}[{}] is not a 32-bit unsigned integer", where_, key, i));
      }
      out[i] = static_cast<uint32_t>(e.via.u64);
    }
    return out;
  }

 private:
  const msgpack::object& map_;
  std::string where_;
};

Expected<KernelArg> parse_arg(const msgpack::object& o, const std::string& where) {
  if (o.type != msgpack::type::MAP) {
    return data_loss(fmt::format("metadata: {} is a {}, expected map", where, type_name(o)));
  }
  MapView m(o, where);
  KernelArg arg;
  AMDHAL_ASSIGN_OR_RETURN(arg.name, m.str(".name", false));
  AMDHAL_ASSIGN_OR_RETURN(arg.type_name, m.str(".type_name", false));
  AMDHAL_ASSIGN_OR_RETURN(arg.offset, m.u32(".offset"));
  AMDHAL_ASSIGN_OR_RETURN(arg.size, m.u32(".size"));
  AMDHAL_ASSIGN_OR_RETURN(arg.value_kind_name, m.str(".value_kind", true));
  AMDHAL_ASSIGN_OR_RETURN(arg.address_space, m.str(".address_space", false));
  AMDHAL_ASSIGN_OR_RETURN(arg.access, m.str(".access", false));
  AMDHAL_ASSIGN_OR_RETURN(arg.actual_access, m.str(".actual_access", false));
  AMDHAL_ASSIGN_OR_RETURN(arg.pointee_align, m.u32(".pointee_align", 0));
  arg.kind = parse_arg_value_kind(arg.value_kind_name);
  return arg;
}

Expected<KernelInfo> parse_kernel(const msgpack::object& o, size_t index) {
  std::string where = fmt::format("amdhsa.kernels[{}]", index);
  if (o.type != msgpack::type::MAP) {
    return data_loss(fmt::format("metadata: {} is a {}, expected map", where, type_name(o)));
  }
  KernelInfo k;
  {
    MapView probe(o, where);
    AMDHAL_ASSIGN_OR_RETURN(k.name, probe.str(".name", true));
  }
  if (!k.name.empty()) where = fmt::format("amdhsa.kernels[{}] ({})", index, k.name);
  MapView m(o, where);
  AMDHAL_ASSIGN_OR_RETURN(k.symbol, m.str(".symbol", true));
  AMDHAL_ASSIGN_OR_RETURN(k.kernarg_segment_size, m.u32(".kernarg_segment_size"));
  AMDHAL_ASSIGN_OR_RETURN(k.kernarg_segment_align, m.u32(".kernarg_segment_align"));
  AMDHAL_ASSIGN_OR_RETURN(k.group_segment_fixed_size, m.u32(".group_segment_fixed_size"));
  AMDHAL_ASSIGN_OR_RETURN(k.private_segment_fixed_size, m.u32(".private_segment_fixed_size"));
  AMDHAL_ASSIGN_OR_RETURN(k.wavefront_size, m.u32(".wavefront_size"));
  AMDHAL_ASSIGN_OR_RETURN(k.sgpr_count, m.u32(".sgpr_count"));
  AMDHAL_ASSIGN_OR_RETURN(k.vgpr_count, m.u32(".vgpr_count"));
  AMDHAL_ASSIGN_OR_RETURN(k.agpr_count, m.u32(".agpr_count", 0));
  AMDHAL_ASSIGN_OR_RETURN(k.sgpr_spill_count, m.u32(".sgpr_spill_count", 0));
  AMDHAL_ASSIGN_OR_RETURN(k.vgpr_spill_count, m.u32(".vgpr_spill_count", 0));
  AMDHAL_ASSIGN_OR_RETURN(k.max_flat_workgroup_size, m.u32(".max_flat_workgroup_size"));
  AMDHAL_ASSIGN_OR_RETURN(k.reqd_workgroup_size, m.u32_array<3>(".reqd_workgroup_size", false));
  AMDHAL_ASSIGN_OR_RETURN(k.uses_dynamic_stack, m.boolean(".uses_dynamic_stack"));
  AMDHAL_ASSIGN_OR_RETURN(k.language, m.str(".language", false));

  if (k.wavefront_size != 32 && k.wavefront_size != 64) {
    return data_loss(
        fmt::format("metadata: {}: .wavefront_size {} is not 32 or 64", where, k.wavefront_size));
  }
  if (k.kernarg_segment_align == 0 || (k.kernarg_segment_align & (k.kernarg_segment_align - 1))) {
    return data_loss(fmt::format("metadata: {}: .kernarg_segment_align {} is not a power of two",
                                 where, k.kernarg_segment_align));
  }

  if (const msgpack::object* args = m.find(".args")) {
    if (args->type != msgpack::type::ARRAY) return m.wrong_type(".args", "array", *args);
    k.args.reserve(args->via.array.size);
    for (uint32_t i = 0; i < args->via.array.size; ++i) {
      AMDHAL_ASSIGN_OR_RETURN(
          KernelArg arg, parse_arg(args->via.array.ptr[i], fmt::format("{}: .args[{}]", where, i)));
      uint64_t end = uint64_t{arg.offset} + arg.size;
      if (end > k.kernarg_segment_size) {
        return data_loss(fmt::format(
            "metadata: {}: .args[{}] ({}) at offset {} size {} ends past .kernarg_segment_size {}",
            where, i, arg.name.empty() ? arg.value_kind_name : arg.name, arg.offset, arg.size,
            k.kernarg_segment_size));
      }
      k.args.push_back(std::move(arg));
    }
  }
  return k;
}

Expected<ParsedMetadata> parse_root(const msgpack::object& root) {
  if (root.type != msgpack::type::MAP) {
    return data_loss(fmt::format("metadata: document is a {}, expected a map", type_name(root)));
  }
  MapView m(root, "document");
  ParsedMetadata md;
  AMDHAL_ASSIGN_OR_RETURN(md.version, m.u32_array<2>("amdhsa.version", true));
  if (md.version[0] != 1) {
    return unimplemented(fmt::format("metadata: amdhsa.version {}.{} is not supported (major 1 is)",
                                     md.version[0], md.version[1]));
  }
  AMDHAL_ASSIGN_OR_RETURN(md.target, m.str("amdhsa.target", true));
  const msgpack::object* kernels = m.find("amdhsa.kernels");
  if (kernels == nullptr) return m.missing("amdhsa.kernels");
  if (kernels->type != msgpack::type::ARRAY)
    return m.wrong_type("amdhsa.kernels", "array", *kernels);
  md.kernels.reserve(kernels->via.array.size);
  for (uint32_t i = 0; i < kernels->via.array.size; ++i) {
    AMDHAL_ASSIGN_OR_RETURN(KernelInfo k, parse_kernel(kernels->via.array.ptr[i], i));
    md.kernels.push_back(std::move(k));
  }
  return md;
}

}  // namespace

Expected<ParsedMetadata> parse_metadata(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return data_loss("metadata: NT_AMDGPU_METADATA note is empty");
  const size_t n = bytes.size();
  msgpack::unpack_limit limit(/*array=*/n, /*map=*/n, /*str=*/n, /*bin=*/n, /*ext=*/n, kMaxDepth);
  try {
    msgpack::object_handle handle =
        msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), n, nullptr, nullptr, limit);
    return parse_root(handle.get());
  } catch (const msgpack::insufficient_bytes&) {
    return data_loss(fmt::format("metadata: msgpack document truncated ({} bytes)", n));
  } catch (const msgpack::unpack_error& e) {
    return data_loss(fmt::format("metadata: malformed msgpack: {}", e.what()));
  } catch (const std::bad_alloc&) {
    return data_loss("metadata: malformed msgpack: out of memory while decoding");
  } catch (const std::exception& e) {
    return data_loss(fmt::format("metadata: malformed msgpack: {}", e.what()));
  } catch (...) {
    return data_loss("metadata: malformed msgpack");
  }
}

}  // namespace amdhal::code_object_internal
