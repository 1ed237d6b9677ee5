// AMDGPU code objects (HSACO): ELF loading, kernel metadata, kernel descriptors, kernarg packing.
//
// A code object is an ELF64 shared object for EM_AMDGPU (224) with the HSA OS ABI. amdhal reads
// code object versions 4, 5 and 6 (e_ident[EI_ABIVERSION] 2, 3 and 4). Facts used here come from
// LLVM's llvm/docs/AMDGPUUsage.rst: "Code Object Metadata" (v4/v5/v6), "Kernel Descriptor",
// "Kernel Dispatch" and the code object v5 hidden kernel arguments. See docs/code_objects.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/status.h"

namespace amdhal {

/// How a kernel argument is set up (metadata key `.value_kind`). Hidden kinds are filled by the
/// runtime (amdhal) rather than passed by the caller.
enum class ArgValueKind : uint8_t {
  kByValue,                 ///< "by_value": bytes copied into the kernarg segment
  kGlobalBuffer,            ///< "global_buffer": a global (or constant) address space pointer
  kDynamicSharedPointer,    ///< "dynamic_shared_pointer": a group (LDS) segment offset
  kSampler,                 ///< "sampler": pointer to an S#
  kImage,                   ///< "image": pointer to a T#
  kPipe,                    ///< "pipe": pointer to an OpenCL pipe
  kQueue,                   ///< "queue": pointer to an OpenCL device-enqueue queue
  kHiddenGlobalOffsetX,     ///< "hidden_global_offset_x" (u64; amdhal fills 0)
  kHiddenGlobalOffsetY,     ///< "hidden_global_offset_y"
  kHiddenGlobalOffsetZ,     ///< "hidden_global_offset_z"
  kHiddenNone,              ///< "hidden_none": space only, never read
  kHiddenPrintfBuffer,      ///< "hidden_printf_buffer"
  kHiddenHostcallBuffer,    ///< "hidden_hostcall_buffer"
  kHiddenDefaultQueue,      ///< "hidden_default_queue"
  kHiddenCompletionAction,  ///< "hidden_completion_action"
  kHiddenMultigridSyncArg,  ///< "hidden_multigrid_sync_arg"
  kHiddenBlockCountX,       ///< "hidden_block_count_x": number of full work-groups (v5+)
  kHiddenBlockCountY,       ///< "hidden_block_count_y"
  kHiddenBlockCountZ,       ///< "hidden_block_count_z"
  kHiddenGroupSizeX,        ///< "hidden_group_size_x": work-group size (v5+)
  kHiddenGroupSizeY,        ///< "hidden_group_size_y"
  kHiddenGroupSizeZ,        ///< "hidden_group_size_z"
  kHiddenRemainderX,        ///< "hidden_remainder_x": size of the partial work-group, or 0 (v5+)
  kHiddenRemainderY,        ///< "hidden_remainder_y"
  kHiddenRemainderZ,        ///< "hidden_remainder_z"
  kHiddenGridDims,          ///< "hidden_grid_dims": dispatch dimensionality 1..3 (v5+)
  kHiddenHeapV1,            ///< "hidden_heap_v1": device malloc heap pointer (v5+)
  kHiddenDynamicLdsSize,    ///< "hidden_dynamic_lds_size": dynamic LDS bytes (v5+)
  kHiddenPrivateBase,       ///< "hidden_private_base": gfx8 only; 0 elsewhere (v5+)
  kHiddenSharedBase,        ///< "hidden_shared_base": gfx8 only; 0 elsewhere (v5+)
  kHiddenQueuePtr,          ///< "hidden_queue_ptr": amd_queue_t pointer (v5+)
  kUnknown,                 ///< any other string; see KernelArg::value_kind_name
};

/// The metadata spelling of a kind ("hidden_block_count_x"); "unknown" for kUnknown.
std::string_view arg_value_kind_name(ArgValueKind kind);

/// Parses a metadata `.value_kind` string; kUnknown if it is not one amdhal knows.
ArgValueKind parse_arg_value_kind(std::string_view name);

/// True for kinds the runtime fills (all "hidden_*" kinds, including unknown "hidden_*" names
/// parsed as kUnknown: callers should use KernelArg::is_hidden()).
bool is_hidden_kind(ArgValueKind kind);

/// One kernel argument from the metadata `.args` list.
struct KernelArg {
  std::string name;       ///< `.name` (may be empty; hidden arguments have none)
  std::string type_name;  ///< `.type_name`, e.g. "float*" or "uint"
  uint32_t offset = 0;    ///< `.offset` in the kernarg segment
  uint32_t size = 0;      ///< `.size` in bytes
  ArgValueKind kind = ArgValueKind::kUnknown;
  std::string value_kind_name;  ///< `.value_kind` exactly as in the metadata
  std::string address_space;    ///< `.address_space` ("global", "constant", "local", ...)
  std::string access;           ///< `.access` ("read_only", ...), if present
  std::string actual_access;    ///< `.actual_access`, if present
  uint32_t pointee_align = 0;   ///< `.pointee_align` (dynamic_shared_pointer only), 0 if absent

  /// True if the runtime fills this argument (its `.value_kind` starts with "hidden_").
  bool is_hidden() const;
};

/// The 64-byte kernel descriptor at symbol `<kernel>.kd` (AMDGPUUsage "Kernel Descriptor",
/// code object v3+ layout). Fields are stored exactly as in memory (little-endian host assumed).
struct KernelDescriptor {
  uint32_t group_segment_fixed_size;      ///< @0  static LDS bytes
  uint32_t private_segment_fixed_size;    ///< @4  scratch bytes per work-item
  uint32_t kernarg_size;                  ///< @8  kernarg segment bytes
  uint8_t reserved0[4];                   ///< @12
  int64_t kernel_code_entry_byte_offset;  ///< @16 entry = descriptor address + this
  uint8_t reserved1[20];                  ///< @24
  uint32_t compute_pgm_rsrc3;             ///< @44 gfx90a+/gfx10+
  uint32_t compute_pgm_rsrc1;             ///< @48
  uint32_t compute_pgm_rsrc2;             ///< @52
  uint16_t kernel_code_properties;        ///< @56
  uint16_t kernarg_preload;               ///< @58
  uint8_t reserved3[4];                   ///< @60

  /// Bits [shift, shift + width) of `value`.
  static constexpr uint32_t bits(uint32_t value, unsigned shift, unsigned width) {
    return (value >> shift) & ((width >= 32) ? 0xffffffffu : ((1u << width) - 1u));
  }

  // compute_pgm_rsrc1
  uint32_t granulated_workitem_vgpr_count() const { return bits(compute_pgm_rsrc1, 0, 6); }
  uint32_t granulated_wavefront_sgpr_count() const { return bits(compute_pgm_rsrc1, 6, 4); }
  uint32_t priority() const { return bits(compute_pgm_rsrc1, 10, 2); }
  uint32_t float_round_mode_32() const { return bits(compute_pgm_rsrc1, 12, 2); }
  uint32_t float_round_mode_16_64() const { return bits(compute_pgm_rsrc1, 14, 2); }
  uint32_t float_denorm_mode_32() const { return bits(compute_pgm_rsrc1, 16, 2); }
  uint32_t float_denorm_mode_16_64() const { return bits(compute_pgm_rsrc1, 18, 2); }
  bool enable_dx10_clamp() const { return bits(compute_pgm_rsrc1, 21, 1); }  ///< gfx6-gfx11
  bool enable_ieee_mode() const { return bits(compute_pgm_rsrc1, 23, 1); }   ///< gfx6-gfx11
  bool fp16_overflow() const { return bits(compute_pgm_rsrc1, 26, 1); }      ///< gfx9+
  bool wgp_mode() const { return bits(compute_pgm_rsrc1, 29, 1); }           ///< gfx10+
  bool mem_ordered() const { return bits(compute_pgm_rsrc1, 30, 1); }        ///< gfx10+
  bool fwd_progress() const { return bits(compute_pgm_rsrc1, 31, 1); }       ///< gfx10+

  // compute_pgm_rsrc2
  bool enable_private_segment() const { return bits(compute_pgm_rsrc2, 0, 1); }
  uint32_t user_sgpr_count() const { return bits(compute_pgm_rsrc2, 1, 5); }
  bool enable_trap_handler() const { return bits(compute_pgm_rsrc2, 6, 1); }
  bool enable_sgpr_workgroup_id_x() const { return bits(compute_pgm_rsrc2, 7, 1); }
  bool enable_sgpr_workgroup_id_y() const { return bits(compute_pgm_rsrc2, 8, 1); }
  bool enable_sgpr_workgroup_id_z() const { return bits(compute_pgm_rsrc2, 9, 1); }
  bool enable_sgpr_workgroup_info() const { return bits(compute_pgm_rsrc2, 10, 1); }
  /// 0: X only, 1: X and Y, 2: X, Y and Z work-item ids in VGPRs.
  uint32_t enable_vgpr_workitem_id() const { return bits(compute_pgm_rsrc2, 11, 2); }
  bool enable_exception_address_watch() const { return bits(compute_pgm_rsrc2, 13, 1); }
  bool enable_exception_memory() const { return bits(compute_pgm_rsrc2, 14, 1); }
  uint32_t granulated_lds_size() const { return bits(compute_pgm_rsrc2, 15, 9); }
  /// Bits 24-30: IEEE invalid, denormal source, divide by zero, overflow, underflow, inexact,
  /// integer divide by zero.
  uint32_t enable_exceptions() const { return bits(compute_pgm_rsrc2, 24, 7); }

  // compute_pgm_rsrc3, gfx90a/gfx94x layout
  /// AGPRs start at this VGPR index: (ACCUM_OFFSET + 1) * 4.
  uint32_t accum_offset() const { return (bits(compute_pgm_rsrc3, 0, 6) + 1) * 4; }
  bool tg_split() const { return bits(compute_pgm_rsrc3, 16, 1); }
  // compute_pgm_rsrc3, gfx10/gfx11 layout
  uint32_t shared_vgpr_count() const { return bits(compute_pgm_rsrc3, 0, 4); }
  uint32_t inst_pref_size() const { return bits(compute_pgm_rsrc3, 4, 6); }  ///< gfx11

  // kernel_code_properties
  bool enable_sgpr_private_segment_buffer() const { return bits(kernel_code_properties, 0, 1); }
  bool enable_sgpr_dispatch_ptr() const { return bits(kernel_code_properties, 1, 1); }
  bool enable_sgpr_queue_ptr() const { return bits(kernel_code_properties, 2, 1); }
  bool enable_sgpr_kernarg_segment_ptr() const { return bits(kernel_code_properties, 3, 1); }
  bool enable_sgpr_dispatch_id() const { return bits(kernel_code_properties, 4, 1); }
  bool enable_sgpr_flat_scratch_init() const { return bits(kernel_code_properties, 5, 1); }
  bool enable_sgpr_private_segment_size() const { return bits(kernel_code_properties, 6, 1); }
  bool enable_wavefront_size32() const { return bits(kernel_code_properties, 10, 1); }
  bool uses_dynamic_stack() const { return bits(kernel_code_properties, 11, 1); }

  // kernarg_preload (gfx90a+, code object v5+)
  uint32_t kernarg_preload_length() const { return bits(kernarg_preload, 0, 7); }  ///< dwords
  uint32_t kernarg_preload_offset() const { return bits(kernarg_preload, 7, 9); }  ///< dwords

  /// Wavefront size the descriptor selects: 32 if ENABLE_WAVEFRONT_SIZE32, else 64.
  uint32_t wavefront_size() const { return enable_wavefront_size32() ? 32 : 64; }
};
static_assert(sizeof(KernelDescriptor) == 64, "kernel descriptor is 64 bytes");
static_assert(std::is_trivially_copyable_v<KernelDescriptor>);
static_assert(offsetof(KernelDescriptor, kernel_code_entry_byte_offset) == 16);
static_assert(offsetof(KernelDescriptor, compute_pgm_rsrc3) == 44);
static_assert(offsetof(KernelDescriptor, compute_pgm_rsrc1) == 48);
static_assert(offsetof(KernelDescriptor, compute_pgm_rsrc2) == 52);
static_assert(offsetof(KernelDescriptor, kernel_code_properties) == 56);
static_assert(offsetof(KernelDescriptor, kernarg_preload) == 58);

/// One kernel: its metadata map entry plus its descriptor and where both live in the image.
struct KernelInfo {
  std::string name;                               ///< `.name`
  std::string symbol;                             ///< `.symbol`, the descriptor symbol ("name.kd")
  uint32_t kernarg_segment_size = 0;              ///< `.kernarg_segment_size`, explicit + hidden
  uint32_t kernarg_segment_align = 0;             ///< `.kernarg_segment_align`
  uint32_t group_segment_fixed_size = 0;          ///< `.group_segment_fixed_size` (static LDS)
  uint32_t private_segment_fixed_size = 0;        ///< `.private_segment_fixed_size` (scratch)
  uint32_t wavefront_size = 0;                    ///< `.wavefront_size` (32 or 64)
  uint32_t sgpr_count = 0;                        ///< `.sgpr_count`
  uint32_t vgpr_count = 0;                        ///< `.vgpr_count`
  uint32_t agpr_count = 0;                        ///< `.agpr_count` (gfx90a+, 0 if absent)
  uint32_t sgpr_spill_count = 0;                  ///< `.sgpr_spill_count`, 0 if absent
  uint32_t vgpr_spill_count = 0;                  ///< `.vgpr_spill_count`, 0 if absent
  uint32_t max_flat_workgroup_size = 0;           ///< `.max_flat_workgroup_size`
  std::array<uint32_t, 3> reqd_workgroup_size{};  ///< `.reqd_workgroup_size`, zeros if absent
  bool uses_dynamic_stack = false;                ///< `.uses_dynamic_stack` (v5+)
  std::string language;                           ///< `.language`, e.g. "OpenCL C"
  std::vector<KernelArg> args;  ///< `.args` in metadata order (explicit, then hidden)

  KernelDescriptor descriptor{};    ///< copy of the 64 bytes at `symbol`
  uint64_t descriptor_address = 0;  ///< virtual address of the descriptor in the image
  uint64_t code_address = 0;        ///< entry: descriptor_address + code entry offset
  uint64_t code_size = 0;           ///< size of the kernel's function symbol, 0 if unknown

  /// Number of arguments the caller supplies (the non-hidden ones).
  size_t explicit_arg_count() const;
};

/// One PT_LOAD segment: what a backend copies to GPU memory (see CodeObject::copy_image).
struct LoadSegment {
  uint64_t vaddr = 0;        ///< p_vaddr: offset from the image's load base
  uint64_t file_offset = 0;  ///< p_offset
  uint64_t file_size = 0;    ///< p_filesz bytes come from the file
  uint64_t mem_size = 0;     ///< p_memsz >= file_size; the rest is zero
  uint32_t flags = 0;        ///< p_flags: PF_X 1, PF_W 2, PF_R 4
  uint64_t align = 0;        ///< p_align
  bool executable() const { return (flags & 1u) != 0; }
};

/// State of a target feature (xnack, sramecc) in a target ID or on a device.
enum class FeatureSetting : uint8_t {
  kAny,  ///< not specified: code runs either way / device state unknown
  kOn,   ///< "feature+"
  kOff,  ///< "feature-"
};

/// A target ID such as "gfx942:sramecc+:xnack-" (AMDGPUUsage "Target ID").
struct TargetId {
  std::string processor;  ///< "gfx942", or a generic target such as "gfx11-generic"
  FeatureSetting sramecc = FeatureSetting::kAny;
  FeatureSetting xnack = FeatureSetting::kAny;

  /// Canonical spelling: processor, then ":sramecc±", then ":xnack±" (only those specified).
  std::string to_string() const;

  /// Parses "gfx942:xnack+" or a full "amdgcn-amd-amdhsa--gfx942:xnack+" target string.
  static Expected<TargetId> parse(std::string_view text);
};

/// Feature state of a device, for CodeObject::check_target. kAny means unknown: not checked.
struct DeviceFeatures {
  FeatureSetting xnack = FeatureSetting::kAny;
  FeatureSetting sramecc = FeatureSetting::kAny;
};

/// A loaded, validated code object. It owns a copy of the file's bytes.
class CodeObject {
 public:
  /// Parses and validates `bytes`. Any malformation gives an error Status saying what is wrong
  /// (data_loss for damaged files, invalid_argument for files that are not AMDGPU code objects,
  /// unimplemented for unsupported code object versions).
  static Expected<CodeObject> load(std::span<const uint8_t> bytes);

  /// Code object version: 4, 5 or 6.
  uint32_t version() const { return version_; }
  /// e_ident[EI_ABIVERSION]: 2, 3 or 4.
  uint8_t abi_version() const { return abi_version_; }
  /// e_flags (EF_AMDGPU_MACH and feature bits).
  uint32_t elf_flags() const { return elf_flags_; }
  /// `amdhsa.version` from the metadata, e.g. {1, 2}.
  const std::array<uint32_t, 2>& metadata_version() const { return metadata_version_; }
  /// `amdhsa.target`, e.g. "amdgcn-amd-amdhsa--gfx942:sramecc+:xnack-".
  const std::string& target() const { return target_; }
  /// The target ID parsed from target().
  const TargetId& target_id() const { return target_id_; }

  std::span<const KernelInfo> kernels() const { return kernels_; }
  /// A kernel by `.name` or by descriptor `.symbol`; not_found lists the kernels present.
  Expected<const KernelInfo*> find_kernel(std::string_view name) const;

  /// PT_LOAD segments in file order.
  std::span<const LoadSegment> segments() const { return segments_; }
  /// Bytes of GPU memory the image occupies: the highest vaddr + memsz of any segment.
  uint64_t image_size() const { return image_size_; }
  /// Required alignment of the image's load base (largest segment p_align, at least 256).
  uint64_t image_alignment() const { return image_alignment_; }
  /// Dynamic relocations (SHT_RELA/SHT_REL in allocated sections). amdhal does not apply them.
  size_t dynamic_relocation_count() const { return dynamic_relocation_count_; }
  /// The whole file as loaded.
  std::span<const uint8_t> bytes() const { return bytes_; }

  /// Lays the image out in `dst` (at least image_size() bytes; dst[0] is the load base): each
  /// segment's file bytes at its vaddr, everything else zero. Fails if the code object needs
  /// dynamic relocations.
  Status copy_image(std::span<uint8_t> dst) const;

  /// Checks the code object can run on `family` with the device's feature state:
  /// "code object is for gfx1100, device is gfx942"; generic targets (gfx11-generic) match
  /// their member processors; xnack/sramecc "+"/"-" must agree with a known device state.
  Status check_target(const GpuFamily& family, const DeviceFeatures& features = {}) const;

 private:
  CodeObject() = default;
  friend class CodeObjectParser;

  std::vector<uint8_t> bytes_;
  uint32_t version_ = 0;
  uint8_t abi_version_ = 0;
  uint32_t elf_flags_ = 0;
  std::array<uint32_t, 2> metadata_version_{};
  std::string target_;
  TargetId target_id_;
  std::vector<KernelInfo> kernels_;
  std::vector<LoadSegment> segments_;
  uint64_t image_size_ = 0;
  uint64_t image_alignment_ = 0;
  size_t dynamic_relocation_count_ = 0;
};

/// One explicit kernel argument value for pack_kernargs.
class ArgValue {
 public:
  enum class Type : uint8_t { kBuffer, kI32, kU32, kI64, kU64, kF32, kF64, kBytes };

  static ArgValue buffer(uint64_t gpu_address) { return make(Type::kBuffer, gpu_address); }
  static ArgValue i32(int32_t v) { return make(Type::kI32, v); }
  static ArgValue u32(uint32_t v) { return make(Type::kU32, v); }
  static ArgValue i64(int64_t v) { return make(Type::kI64, v); }
  static ArgValue u64(uint64_t v) { return make(Type::kU64, v); }
  static ArgValue f32(float v) { return make(Type::kF32, v); }
  static ArgValue f64(double v) { return make(Type::kF64, v); }
  /// Raw bytes, e.g. a struct passed by value; its size must equal the argument's size.
  static ArgValue bytes(std::span<const uint8_t> data) {
    ArgValue a;
    a.type_ = Type::kBytes;
    a.bytes_.assign(data.begin(), data.end());
    return a;
  }
  /// The object representation of a trivially copyable value (a struct mirroring the kernel's).
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  static ArgValue pod(const T& value) {
    return bytes(std::span(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
  }

  Type type() const { return type_; }
  size_t size() const { return bytes_.size(); }
  std::span<const uint8_t> data() const { return bytes_; }
  /// "f32 (4 bytes)", "buffer 0x1000", "bytes (16 bytes)".
  std::string describe() const;

 private:
  template <typename T>
  static ArgValue make(Type type, T v) {
    ArgValue a;
    a.type_ = type;
    a.bytes_.resize(sizeof(T));
    std::memcpy(a.bytes_.data(), &v, sizeof(T));
    return a;
  }
  Type type_ = Type::kBytes;
  std::vector<uint8_t> bytes_;
};

/// Grid and work-group of a dispatch, and the runtime values hidden arguments may need.
struct DispatchConfig {
  std::array<uint32_t, 3> grid{1, 1, 1};       ///< work-items per dimension (AQL grid_size)
  std::array<uint32_t, 3> workgroup{1, 1, 1};  ///< work-group size per dimension
  uint32_t dimensions = 0;        ///< 1..3; 0: highest dimension with grid or workgroup > 1
  uint32_t dynamic_lds_size = 0;  ///< bytes of dynamic LDS (hidden_dynamic_lds_size)
  // Pointers for hidden arguments a runtime provides; 0 leaves them null (and reported).
  uint64_t printf_buffer = 0;
  uint64_t hostcall_buffer = 0;
  uint64_t heap_v1 = 0;
  uint64_t multigrid_sync_arg = 0;
  uint64_t default_queue = 0;
  uint64_t completion_action = 0;
  uint64_t queue_ptr = 0;
};

/// A packed kernarg segment.
struct KernargBlock {
  std::vector<uint8_t> bytes;  ///< kernarg_segment_size bytes
  uint32_t alignment = 0;      ///< required alignment of the segment in GPU memory (>= 16)
  /// Hidden arguments left zero because amdhal has no value for them: unknown hidden kinds and
  /// runtime pointers (printf buffer, hostcall buffer, ...) not given in the DispatchConfig.
  std::vector<KernelArg> zero_filled;
};

/// Packs `args` (the kernel's explicit arguments, in order) and the hidden arguments derived from
/// `dispatch` into a kernarg block laid out by `kernel`'s metadata. Errors name the argument
/// index and name and what was expected.
Expected<KernargBlock> pack_kernargs(const KernelInfo& kernel, std::span<const ArgValue> args,
                                     const DispatchConfig& dispatch);

}  // namespace amdhal
