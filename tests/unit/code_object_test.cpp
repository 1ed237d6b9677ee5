// Tests for amdhal/code_object.h over the kernels in tests/kernels, compiled at build time by
// clang-19 into build/tests/kernels/<name>-<target>[-O0|-v4|-v6].hsaco.
#include "amdhal/code_object.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "amdhal/family.h"
#include "code_object/metadata.h"

#ifndef AMDHAL_KERNEL_DIR
#error "AMDHAL_KERNEL_DIR must name the directory of the compiled test kernels"
#endif

namespace amdhal {
namespace {

using ::testing::HasSubstr;

using Bytes = std::vector<uint8_t>;

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path << " (is the amdhal_test_kernels target built?)";
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string kernel_path(const std::string& stem) {
  return std::string(AMDHAL_KERNEL_DIR) + "/" + stem + ".hsaco";
}

Bytes kernel_bytes(const std::string& stem) {
  return read_file(kernel_path(stem));
}

CodeObject load_ok(const Bytes& bytes) {
  Expected<CodeObject> co = CodeObject::load(bytes);
  EXPECT_TRUE(co.ok()) << co.status().to_string();
  if (!co.ok()) std::abort();
  return std::move(co).value();
}

CodeObject load_stem(const std::string& stem) {
  return load_ok(kernel_bytes(stem));
}

// Loads `bytes`, expects failure, and returns the message.
std::string load_error(const Bytes& bytes) {
  Expected<CodeObject> co = CodeObject::load(bytes);
  EXPECT_FALSE(co.ok()) << "damaged code object loaded";
  return co.ok() ? std::string() : co.status().message();
}

const GpuFamily& family(std::string_view name) {
  Expected<const GpuFamily*> f = find_family(name);
  EXPECT_TRUE(f.ok()) << f.status().to_string();
  if (!f.ok()) std::abort();
  return **f;
}

// ----- small ELF editing helpers for the damage tests -----------------------------------------

template <typename T>
T get(const Bytes& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}
template <typename T>
void put(Bytes& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof(T));
}

Elf64_Ehdr ehdr(const Bytes& b) {
  return get<Elf64_Ehdr>(b, 0);
}

size_t shdr_offset(const Bytes& b, size_t index) {
  return ehdr(b).e_shoff + index * sizeof(Elf64_Shdr);
}
Elf64_Shdr shdr(const Bytes& b, size_t index) {
  return get<Elf64_Shdr>(b, shdr_offset(b, index));
}

std::string section_name(const Bytes& b, size_t index) {
  Elf64_Shdr strtab = shdr(b, ehdr(b).e_shstrndx);
  return reinterpret_cast<const char*>(b.data() + strtab.sh_offset + shdr(b, index).sh_name);
}

std::optional<size_t> find_section(const Bytes& b, std::string_view name) {
  for (size_t i = 0; i < ehdr(b).e_shnum; ++i) {
    if (section_name(b, i) == name) return i;
  }
  return std::nullopt;
}

// File offsets of the Elf64_Sym entries named `name` in .symtab and .dynsym.
std::vector<size_t> symbol_offsets(const Bytes& b, std::string_view name) {
  std::vector<size_t> out;
  for (size_t i = 0; i < ehdr(b).e_shnum; ++i) {
    Elf64_Shdr sh = shdr(b, i);
    if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) continue;
    Elf64_Shdr strtab = shdr(b, sh.sh_link);
    for (size_t off = sh.sh_offset; off + sizeof(Elf64_Sym) <= sh.sh_offset + sh.sh_size;
         off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym = get<Elf64_Sym>(b, off);
      if (name == reinterpret_cast<const char*>(b.data() + strtab.sh_offset + sym.st_name)) {
        out.push_back(off);
      }
    }
  }
  return out;
}

// File offset of the NT_AMDGPU_METADATA note header in the .note section.
size_t metadata_note_offset(const Bytes& b) {
  std::optional<size_t> note = find_section(b, ".note");
  EXPECT_TRUE(note.has_value());
  return shdr(b, *note).sh_offset;  // the only note clang emits
}

// ----- the kernel corpus ---------------------------------------------------------------------

struct ArgSpec {
  const char* name;
  ArgValueKind kind;
  uint32_t offset;
  uint32_t size;
  const char* type_name;
};

struct KernelSpec {
  const char* name;
  std::vector<ArgSpec> args;  // explicit arguments, in order
  uint32_t lds_bytes;
};

constexpr auto kBuf = ArgValueKind::kGlobalBuffer;
constexpr auto kVal = ArgValueKind::kByValue;

// What each tests/kernels/*.cl declares. Offsets follow the OpenCL C ABI: each argument at its
// natural alignment (pointers 8 bytes, the struct 8-byte aligned by its long member).
const std::vector<KernelSpec>& kernel_specs() {
  static const std::vector<KernelSpec> specs = {
      {"vector_add",
       {{"a", kBuf, 0, 8, "float*"},
        {"b", kBuf, 8, 8, "float*"},
        {"c", kBuf, 16, 8, "float*"},
        {"n", kVal, 24, 4, "uint"}},
       0},
      {"saxpy",
       {{"alpha", kVal, 0, 4, "float"},
        {"x", kBuf, 8, 8, "float*"},
        {"y", kBuf, 16, 8, "float*"},
        {"n", kVal, 24, 4, "int"}},
       0},
      {"collatz",
       {{"start", kBuf, 0, 8, "uint*"},
        {"steps", kBuf, 8, 8, "uint*"},
        {"n", kVal, 16, 4, "uint"},
        {"max_steps", kVal, 20, 4, "uint"}},
       0},
      {"reduce_sum",
       {{"in", kBuf, 0, 8, "float*"},
        {"partial", kBuf, 8, 8, "float*"},
        {"n", kVal, 16, 4, "uint"}},
       1024},
      {"histogram",
       {{"data", kBuf, 0, 8, "uchar*"},
        {"n", kVal, 8, 4, "uint"},
        {"bins", kBuf, 16, 8, "uint*"},
        {"total", kBuf, 24, 8, "uint*"}},
       0},
      {"grid_2d",
       {{"out", kBuf, 0, 8, "uint*"},
        {"width", kVal, 8, 4, "uint"},
        {"height", kVal, 12, 4, "uint"}},
       0},
      {"dot_f64",
       {{"a", kBuf, 0, 8, "double*"},
        {"b", kBuf, 8, 8, "double*"},
        {"partial", kBuf, 16, 8, "double*"},
        {"n", kVal, 24, 8, "ulong"}},
       0},
      {"by_value",
       {{"out", kBuf, 0, 8, "long*"},
        {"c", kVal, 8, 1, "char"},
        {"s", kVal, 10, 2, "short"},
        {"i", kVal, 12, 4, "int"},
        {"l", kVal, 16, 8, "long"},
        {"f", kVal, 24, 4, "float"},
        {"d", kVal, 32, 8, "double"},
        {"p", kVal, 40, 16, "affine_params"}},
       0},
      {"ids_3d", {{"out", kBuf, 0, 8, "uint*"}}, 0},
  };
  return specs;
}

struct CorpusCase {
  const KernelSpec* spec;
  std::string target;  // gfx942 or gfx1100
  std::string opt;     // "" (-O2) or "-O0"
  std::string stem() const { return std::string(spec->name) + "-" + target + opt; }
};

std::vector<CorpusCase> corpus_cases() {
  std::vector<CorpusCase> out;
  for (const KernelSpec& s : kernel_specs()) {
    for (const char* target : {"gfx942", "gfx1100"}) {
      for (const char* opt : {"", "-O0"}) out.push_back({&s, target, opt});
    }
  }
  return out;
}

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusTest, MetadataMatchesSource) {
  const CorpusCase& c = GetParam();
  CodeObject co = load_stem(c.stem());
  EXPECT_EQ(co.version(), 5u);  // clang-19's default
  EXPECT_EQ(co.abi_version(), 3u);
  EXPECT_EQ(co.metadata_version(), (std::array<uint32_t, 2>{1, 2}));
  EXPECT_EQ(co.target(), "amdgcn-amd-amdhsa--" + c.target);
  EXPECT_EQ(co.target_id().processor, c.target);
  EXPECT_EQ(co.target_id().xnack, FeatureSetting::kAny);
  EXPECT_TRUE(co.check_target(family(c.target)).ok());

  ASSERT_EQ(co.kernels().size(), 1u);
  const KernelInfo& k = co.kernels()[0];
  EXPECT_EQ(k.name, c.spec->name);
  EXPECT_EQ(k.symbol, std::string(c.spec->name) + ".kd");
  EXPECT_EQ(k.language, "OpenCL C");
  EXPECT_EQ(k.wavefront_size, c.target == "gfx942" ? 64u : 32u);
  EXPECT_EQ(k.group_segment_fixed_size, c.spec->lds_bytes);
  EXPECT_EQ(k.max_flat_workgroup_size, 256u);
  EXPECT_EQ(k.kernarg_segment_align, 8u);
  EXPECT_GT(k.sgpr_count, 0u);
  EXPECT_GT(k.vgpr_count, 0u);

  // Explicit arguments exactly as declared.
  ASSERT_EQ(k.explicit_arg_count(), c.spec->args.size());
  for (size_t i = 0; i < c.spec->args.size(); ++i) {
    const ArgSpec& want = c.spec->args[i];
    const KernelArg& got = k.args[i];
    SCOPED_TRACE(want.name);
    EXPECT_FALSE(got.is_hidden());
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.offset, want.offset);
    EXPECT_EQ(got.size, want.size);
    EXPECT_EQ(got.type_name, want.type_name);
    if (want.kind == kBuf) {
      EXPECT_EQ(got.address_space, "global");
    }
  }
  // Hidden arguments follow, inside the segment, each with a known kind.
  uint32_t explicit_end = c.spec->args.back().offset + c.spec->args.back().size;
  for (size_t i = c.spec->args.size(); i < k.args.size(); ++i) {
    const KernelArg& h = k.args[i];
    SCOPED_TRACE(h.value_kind_name);
    EXPECT_TRUE(h.is_hidden());
    EXPECT_NE(h.kind, ArgValueKind::kUnknown);
    EXPECT_EQ(arg_value_kind_name(h.kind), h.value_kind_name);
    EXPECT_GE(h.offset, explicit_end);
    EXPECT_LE(h.offset + h.size, k.kernarg_segment_size);
  }
  EXPECT_GE(k.kernarg_segment_size, explicit_end);

  // The descriptor agrees with the metadata.
  const KernelDescriptor& kd = k.descriptor;
  EXPECT_EQ(kd.kernarg_size, k.kernarg_segment_size);
  EXPECT_EQ(kd.group_segment_fixed_size, k.group_segment_fixed_size);
  EXPECT_EQ(kd.private_segment_fixed_size, k.private_segment_fixed_size);
  EXPECT_EQ(kd.wavefront_size(), k.wavefront_size);
  EXPECT_EQ(kd.enable_wavefront_size32(), c.target == "gfx1100");
  EXPECT_TRUE(kd.enable_sgpr_kernarg_segment_ptr());
  EXPECT_GE(kd.user_sgpr_count(), 2u);
  EXPECT_EQ(kd.enable_private_segment(), k.private_segment_fixed_size != 0);
  if (c.target == "gfx942") {
    // AGPRs follow the VGPRs the kernel uses (rsrc3 ACCUM_OFFSET, gfx90a/gfx94x layout).
    EXPECT_GE(kd.accum_offset(), 4u);
    EXPECT_GE(kd.accum_offset(), k.vgpr_count - k.agpr_count);
  } else {
    EXPECT_TRUE(kd.wgp_mode());  // .workgroup_processor_mode 1 is the gfx10+ default
  }

  // The code entry lies in an executable segment, 256-byte aligned, at the kernel's symbol.
  EXPECT_EQ(k.code_address % 256, 0u);
  EXPECT_GT(k.code_size, 0u);
  bool in_exec = false;
  for (const LoadSegment& s : co.segments()) {
    if (s.executable() && k.code_address >= s.vaddr &&
        k.code_address + k.code_size <= s.vaddr + s.file_size) {
      in_exec = true;
    }
  }
  EXPECT_TRUE(in_exec);
  EXPECT_EQ(co.dynamic_relocation_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Kernels, CorpusTest, ::testing::ValuesIn(corpus_cases()),
                         [](const ::testing::TestParamInfo<CorpusCase>& info) {
                           std::string n = info.param.stem();
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

TEST(CodeObject, ReductionUsesLdsAndWorkgroupIds) {
  CodeObject co = load_stem("reduce_sum-gfx942");
  const KernelInfo& k = co.kernels()[0];
  EXPECT_EQ(k.group_segment_fixed_size, 1024u);  // __local float scratch[256]
  EXPECT_EQ(k.descriptor.group_segment_fixed_size, 1024u);
  EXPECT_EQ(k.reqd_workgroup_size, (std::array<uint32_t, 3>{256, 1, 1}));
  EXPECT_TRUE(k.descriptor.enable_sgpr_workgroup_id_x());
  EXPECT_FALSE(k.descriptor.enable_sgpr_workgroup_id_y());
  // GRANULATED_LDS_SIZE must be 0 in the descriptor: CP fills it from the dispatch
  // (AMDGPUUsage, compute_pgm_rsrc2).
  EXPECT_EQ(k.descriptor.granulated_lds_size(), 0u);
}

TEST(CodeObject, ThreeDimensionalIdsEnableAllSystemRegisters) {
  for (const char* stem : {"ids_3d-gfx942", "ids_3d-gfx1100"}) {
    SCOPED_TRACE(stem);
    CodeObject co = load_stem(stem);
    const KernelDescriptor& kd = co.kernels()[0].descriptor;
    EXPECT_TRUE(kd.enable_sgpr_workgroup_id_x());
    EXPECT_TRUE(kd.enable_sgpr_workgroup_id_y());
    EXPECT_TRUE(kd.enable_sgpr_workgroup_id_z());
    EXPECT_EQ(kd.enable_vgpr_workitem_id(), 2u);  // X, Y and Z work-item ids
    EXPECT_TRUE(kd.enable_sgpr_dispatch_ptr());   // get_global_size reads the dispatch packet
  }
  CodeObject one_d = load_stem("vector_add-gfx942");
  EXPECT_EQ(one_d.kernels()[0].descriptor.enable_vgpr_workitem_id(), 0u);
  EXPECT_FALSE(one_d.kernels()[0].descriptor.enable_sgpr_workgroup_id_y());
}

TEST(CodeObject, CodeObjectVersions) {
  CodeObject v4 = load_stem("vector_add-gfx942-v4");
  EXPECT_EQ(v4.version(), 4u);
  EXPECT_EQ(v4.abi_version(), 2u);
  EXPECT_EQ(v4.metadata_version(), (std::array<uint32_t, 2>{1, 1}));
  // v4 has no block-count/group-size hidden arguments: this kernel reads the dispatch packet.
  EXPECT_EQ(v4.kernels()[0].kernarg_segment_size, 28u);
  EXPECT_EQ(v4.kernels()[0].args.size(), 4u);

  CodeObject v5 = load_stem("vector_add-gfx942");
  EXPECT_EQ(v5.version(), 5u);
  EXPECT_EQ(v5.abi_version(), 3u);

  CodeObject v6 = load_stem("vector_add-gfx942-v6");
  EXPECT_EQ(v6.version(), 6u);
  EXPECT_EQ(v6.abi_version(), 4u);
  EXPECT_EQ(v6.metadata_version(), (std::array<uint32_t, 2>{1, 2}));
  EXPECT_EQ(v6.kernels()[0].kernarg_segment_size, v5.kernels()[0].kernarg_segment_size);
}

TEST(CodeObject, FindKernel) {
  CodeObject co = load_stem("saxpy-gfx942");
  Expected<const KernelInfo*> by_name = co.find_kernel("saxpy");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ((*by_name)->name, "saxpy");
  ASSERT_TRUE(co.find_kernel("saxpy.kd").ok());
  Expected<const KernelInfo*> missing = co.find_kernel("daxpy");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("daxpy"));
  EXPECT_THAT(missing.status().message(), HasSubstr("saxpy"));
}

TEST(CodeObject, ImageLayout) {
  Bytes file = kernel_bytes("vector_add-gfx942");
  CodeObject co = load_ok(file);
  ASSERT_FALSE(co.segments().empty());
  EXPECT_EQ(co.image_alignment(), 0x1000u);
  uint64_t end = 0;
  for (const LoadSegment& s : co.segments()) {
    EXPECT_LE(s.file_size, s.mem_size);
    end = std::max(end, s.vaddr + s.mem_size);
  }
  EXPECT_EQ(co.image_size(), end);

  std::vector<uint8_t> image(co.image_size(), 0xcc);
  ASSERT_TRUE(co.copy_image(image).ok());
  const KernelInfo& k = co.kernels()[0];
  KernelDescriptor kd;
  std::memcpy(&kd, image.data() + k.descriptor_address, sizeof(kd));
  EXPECT_EQ(std::memcmp(&kd, &k.descriptor, sizeof(kd)), 0);
  EXPECT_EQ(k.code_address, k.descriptor_address + k.descriptor.kernel_code_entry_byte_offset);
  // Bytes past a segment's file size (.relro_padding, gaps) are zero, not left as they were.
  for (const LoadSegment& s : co.segments()) {
    for (uint64_t a = s.vaddr + s.file_size; a < s.vaddr + s.mem_size; ++a) {
      ASSERT_EQ(image[a], 0) << "at " << a;
    }
    EXPECT_EQ(std::memcmp(image.data() + s.vaddr, file.data() + s.file_offset, s.file_size), 0);
  }
  std::vector<uint8_t> small(co.image_size() - 1);
  EXPECT_FALSE(co.copy_image(small).ok());
}

// ----- target checks --------------------------------------------------------------------------

TEST(TargetCheck, MismatchNamesBothTargets) {
  CodeObject rdna = load_stem("vector_add-gfx1100");
  Status s = rdna.check_target(family("gfx942"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("code object is for gfx1100, device is gfx942"));
  EXPECT_TRUE(rdna.check_target(family("gfx1100")).ok());

  CodeObject cdna = load_stem("vector_add-gfx942");
  EXPECT_THAT(cdna.check_target(family("gfx90a")).message(),
              HasSubstr("code object is for gfx942, device is gfx90a"));
}

TEST(TargetCheck, GenericTargetRunsOnItsMembers) {
  CodeObject co = load_stem("vector_add-gfx11-generic-v6");
  EXPECT_EQ(co.target_id().processor, "gfx11-generic");
  EXPECT_EQ(co.version(), 6u);
  EXPECT_TRUE(co.check_target(family("gfx1100")).ok());
  EXPECT_THAT(co.check_target(family("gfx942")).message(),
              HasSubstr("code object is for gfx11-generic, device is gfx942"));
}

TEST(TargetCheck, Features) {
  CodeObject co = load_stem("vector_add-gfx942-xnack_on");
  EXPECT_EQ(co.target(), "amdgcn-amd-amdhsa--gfx942:sramecc+:xnack+");
  EXPECT_EQ(co.target_id().xnack, FeatureSetting::kOn);
  EXPECT_EQ(co.target_id().sramecc, FeatureSetting::kOn);
  EXPECT_EQ(co.target_id().to_string(), "gfx942:sramecc+:xnack+");
  const GpuFamily& mi300 = family("gfx942");
  EXPECT_TRUE(co.check_target(mi300).ok());  // device state unknown
  EXPECT_TRUE(
      co.check_target(mi300, {.xnack = FeatureSetting::kOn, .sramecc = FeatureSetting::kOn}).ok());
  Status s = co.check_target(mi300, {.xnack = FeatureSetting::kOff});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(),
              HasSubstr("code object is for gfx942:sramecc+:xnack+, device is gfx942:xnack-"));
  // A code object without feature settings runs either way.
  CodeObject any = load_stem("vector_add-gfx942");
  EXPECT_TRUE(
      any.check_target(mi300, {.xnack = FeatureSetting::kOff, .sramecc = FeatureSetting::kOff})
          .ok());
}

TEST(TargetCheck, ParseTargetIds) {
  Expected<TargetId> full = TargetId::parse("amdgcn-amd-amdhsa--gfx90a:xnack-");
  ASSERT_TRUE(full.ok()) << full.status().to_string();
  EXPECT_EQ(full->processor, "gfx90a");
  EXPECT_EQ(full->xnack, FeatureSetting::kOff);
  EXPECT_EQ(full->sramecc, FeatureSetting::kAny);
  Expected<TargetId> bare = TargetId::parse("gfx942:xnack+:sramecc-");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->to_string(), "gfx942:sramecc-:xnack+");  // canonical order
  EXPECT_THAT(TargetId::parse("gfx942:wavefrontsize64+").status().message(),
              HasSubstr("unknown target feature"));
  EXPECT_THAT(TargetId::parse("gfx942:xnack").status().message(), HasSubstr("must end in + or -"));
  EXPECT_THAT(TargetId::parse("amdgcn-amd-amdpal--gfx942").status().message(),
              HasSubstr("not for amdgcn-amd-amdhsa"));
  EXPECT_FALSE(TargetId::parse("").ok());
}

// ----- kernarg packing ------------------------------------------------------------------------

template <typename T>
void put_le(Bytes& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof(T));
}

const KernelInfo& only_kernel(const CodeObject& co) {
  return co.kernels()[0];
}

TEST(Kernargs, VectorAddByteExact) {
  CodeObject co = load_stem("vector_add-gfx942");
  const KernelInfo& k = only_kernel(co);
  std::vector<ArgValue> args = {ArgValue::buffer(0x7f0000001000), ArgValue::buffer(0x7f0000002000),
                                ArgValue::buffer(0x7f0000003000), ArgValue::u32(1000)};
  DispatchConfig d{.grid = {1000, 1, 1}, .workgroup = {256, 1, 1}};
  Expected<KernargBlock> block = pack_kernargs(k, args, d);
  ASSERT_TRUE(block.ok()) << block.status().to_string();

  Bytes want(288, 0);
  put_le<uint64_t>(want, 0, 0x7f0000001000);
  put_le<uint64_t>(want, 8, 0x7f0000002000);
  put_le<uint64_t>(want, 16, 0x7f0000003000);
  put_le<uint32_t>(want, 24, 1000);
  put_le<uint32_t>(want, 32, 3);    // hidden_block_count_x: full work-groups only (1000 / 256)
  put_le<uint32_t>(want, 36, 1);    // hidden_block_count_y
  put_le<uint32_t>(want, 40, 1);    // hidden_block_count_z
  put_le<uint16_t>(want, 44, 256);  // hidden_group_size_x
  put_le<uint16_t>(want, 46, 1);
  put_le<uint16_t>(want, 48, 1);
  put_le<uint16_t>(want, 50, 232);  // hidden_remainder_x: 1000 - 3 * 256
  put_le<uint16_t>(want, 52, 0);
  put_le<uint16_t>(want, 54, 0);
  // 72..95: hidden_global_offset_x/y/z = 0
  put_le<uint16_t>(want, 96, 1);  // hidden_grid_dims
  EXPECT_EQ(block->bytes, want);
  EXPECT_EQ(block->alignment, 16u);
  EXPECT_TRUE(block->zero_filled.empty());
}

TEST(Kernargs, SaxpyFloatScalar) {
  CodeObject co = load_stem("saxpy-gfx1100");
  std::vector<ArgValue> args = {ArgValue::f32(2.5f), ArgValue::buffer(0x1000),
                                ArgValue::buffer(0x2000), ArgValue::i32(-7)};
  Expected<KernargBlock> block =
      pack_kernargs(only_kernel(co), args, {.grid = {512, 1, 1}, .workgroup = {128, 1, 1}});
  ASSERT_TRUE(block.ok()) << block.status().to_string();
  const Bytes& b = block->bytes;
  EXPECT_EQ(get<float>(b, 0), 2.5f);
  EXPECT_EQ(get<uint32_t>(b, 4), 0u);  // padding before the pointer
  EXPECT_EQ(get<uint64_t>(b, 8), 0x1000u);
  EXPECT_EQ(get<uint64_t>(b, 16), 0x2000u);
  EXPECT_EQ(get<int32_t>(b, 24), -7);
  EXPECT_EQ(get<uint32_t>(b, 32), 4u);    // 512 / 128 work-groups
  EXPECT_EQ(get<uint16_t>(b, 44), 128u);  // group size x
  EXPECT_EQ(get<uint16_t>(b, 50), 0u);    // no partial work-group
}

TEST(Kernargs, ByValueScalarsAndStruct) {
  CodeObject co = load_stem("by_value-gfx942");
  struct AffineParams {  // mirrors affine_params in by_value.cl
    int32_t offset;
    float scale;
    int64_t bias;
  };
  static_assert(sizeof(AffineParams) == 16);
  std::vector<ArgValue> args = {
      ArgValue::buffer(0xabcdef00),
      ArgValue::bytes(std::vector<uint8_t>{0xfe}),                // char -2
      ArgValue::pod<int16_t>(-300),                               // short
      ArgValue::i32(-5),                                          // int
      ArgValue::i64(int64_t{1} << 40),                            // long
      ArgValue::f32(1.5f),                                        // float
      ArgValue::f64(-0.25),                                       // double
      ArgValue::pod(AffineParams{7, 0.5f, -(int64_t{1} << 33)}),  // struct by value
  };
  Expected<KernargBlock> block =
      pack_kernargs(only_kernel(co), args, {.grid = {64, 1, 1}, .workgroup = {64, 1, 1}});
  ASSERT_TRUE(block.ok()) << block.status().to_string();
  const Bytes& b = block->bytes;
  ASSERT_EQ(b.size(), 312u);
  EXPECT_EQ(get<uint64_t>(b, 0), 0xabcdef00u);
  EXPECT_EQ(b[8], 0xfe);
  EXPECT_EQ(b[9], 0);
  EXPECT_EQ(get<int16_t>(b, 10), -300);
  EXPECT_EQ(get<int32_t>(b, 12), -5);
  EXPECT_EQ(get<int64_t>(b, 16), int64_t{1} << 40);
  EXPECT_EQ(get<float>(b, 24), 1.5f);
  EXPECT_EQ(get<double>(b, 32), -0.25);
  EXPECT_EQ(get<int32_t>(b, 40), 7);
  EXPECT_EQ(get<float>(b, 44), 0.5f);
  EXPECT_EQ(get<int64_t>(b, 48), -(int64_t{1} << 33));
  EXPECT_EQ(get<uint32_t>(b, 56), 1u);   // hidden_block_count_x
  EXPECT_EQ(get<uint16_t>(b, 68), 64u);  // hidden_group_size_x
  EXPECT_EQ(get<uint16_t>(b, 120), 1u);  // hidden_grid_dims
}

TEST(Kernargs, TwoDimensionalGrid) {
  CodeObject co = load_stem("grid_2d-gfx942");
  std::vector<ArgValue> args = {ArgValue::buffer(0x10000), ArgValue::u32(100), ArgValue::u32(50)};
  Expected<KernargBlock> block =
      pack_kernargs(only_kernel(co), args, {.grid = {100, 50, 1}, .workgroup = {16, 16, 1}});
  ASSERT_TRUE(block.ok()) << block.status().to_string();
  Bytes want(272, 0);
  put_le<uint64_t>(want, 0, 0x10000);
  put_le<uint32_t>(want, 8, 100);
  put_le<uint32_t>(want, 12, 50);
  put_le<uint32_t>(want, 16, 6);  // 100 / 16 full work-groups
  put_le<uint32_t>(want, 20, 3);  // 50 / 16
  put_le<uint32_t>(want, 24, 1);
  put_le<uint16_t>(want, 28, 16);
  put_le<uint16_t>(want, 30, 16);
  put_le<uint16_t>(want, 32, 1);
  put_le<uint16_t>(want, 34, 4);  // 100 % 16
  put_le<uint16_t>(want, 36, 2);  // 50 % 16
  put_le<uint16_t>(want, 38, 0);
  put_le<uint16_t>(want, 80, 2);  // hidden_grid_dims
  EXPECT_EQ(block->bytes, want);

  // An explicit dimensionality wins over the derived one.
  block = pack_kernargs(only_kernel(co), args,
                        {.grid = {100, 1, 1}, .workgroup = {16, 1, 1}, .dimensions = 3});
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(get<uint16_t>(block->bytes, 80), 3u);
}

TEST(Kernargs, CodeObjectV4HasOnlyExplicitArguments) {
  CodeObject co = load_stem("vector_add-gfx942-v4");
  std::vector<ArgValue> args = {ArgValue::buffer(1), ArgValue::buffer(2), ArgValue::buffer(3),
                                ArgValue::u32(4)};
  Expected<KernargBlock> block = pack_kernargs(only_kernel(co), args, {.grid = {4, 1, 1}});
  ASSERT_TRUE(block.ok()) << block.status().to_string();
  Bytes want(28, 0);
  put_le<uint64_t>(want, 0, 1);
  put_le<uint64_t>(want, 8, 2);
  put_le<uint64_t>(want, 16, 3);
  put_le<uint32_t>(want, 24, 4);
  EXPECT_EQ(block->bytes, want);
}

TEST(Kernargs, RuntimePointersAreReportedUnlessGiven) {
  // -O0 keeps every implicit argument: heap, hostcall, multigrid, queue pointers...
  CodeObject co = load_stem("vector_add-gfx942-O0");
  const KernelInfo& k = only_kernel(co);
  std::vector<ArgValue> args = {ArgValue::buffer(1), ArgValue::buffer(2), ArgValue::buffer(3),
                                ArgValue::u32(4)};
  Expected<KernargBlock> block =
      pack_kernargs(k, args, {.grid = {4, 1, 1}, .workgroup = {4, 1, 1}});
  ASSERT_TRUE(block.ok()) << block.status().to_string();
  std::vector<std::string> zero;
  for (const KernelArg& a : block->zero_filled) zero.push_back(a.value_kind_name);
  EXPECT_THAT(zero, ::testing::IsSupersetOf({"hidden_hostcall_buffer", "hidden_heap_v1",
                                             "hidden_queue_ptr", "hidden_multigrid_sync_arg"}));
  EXPECT_THAT(zero, ::testing::Not(::testing::Contains("hidden_block_count_x")));

  DispatchConfig d{.grid = {4, 1, 1}, .workgroup = {4, 1, 1}};
  d.heap_v1 = 0x5000;
  d.hostcall_buffer = 0x6000;
  block = pack_kernargs(k, args, d);
  ASSERT_TRUE(block.ok());
  zero.clear();
  for (const KernelArg& a : block->zero_filled) zero.push_back(a.value_kind_name);
  EXPECT_THAT(zero, ::testing::Not(::testing::Contains("hidden_heap_v1")));
  for (const KernelArg& a : k.args) {
    if (a.kind == ArgValueKind::kHiddenHeapV1) {
      EXPECT_EQ(get<uint64_t>(block->bytes, a.offset), 0x5000u);
    }
    if (a.kind == ArgValueKind::kHiddenHostcallBuffer) {
      EXPECT_EQ(get<uint64_t>(block->bytes, a.offset), 0x6000u);
    }
  }
}

TEST(Kernargs, UnknownHiddenArgumentIsZeroFilledAndListed) {
  KernelInfo k;
  k.name = "future";
  k.kernarg_segment_size = 32;
  k.kernarg_segment_align = 8;
  k.max_flat_workgroup_size = 1024;
  auto arg = [](std::string name, uint32_t offset, uint32_t size, std::string kind) {
    KernelArg a;
    a.name = std::move(name);
    a.offset = offset;
    a.size = size;
    a.kind = parse_arg_value_kind(kind);
    a.value_kind_name = std::move(kind);
    return a;
  };
  k.args.push_back(arg("x", 0, 4, "by_value"));
  k.args.push_back(arg("", 8, 8, "hidden_cluster_ptr"));  // a kind amdhal does not know
  k.args.push_back(arg("", 16, 4, "hidden_dynamic_lds_size"));
  EXPECT_EQ(k.explicit_arg_count(), 1u);
  std::vector<ArgValue> args = {ArgValue::u32(9)};
  DispatchConfig d{.grid = {1, 1, 1}, .workgroup = {1, 1, 1}, .dynamic_lds_size = 4096};
  Expected<KernargBlock> block = pack_kernargs(k, args, d);
  ASSERT_TRUE(block.ok()) << block.status().to_string();
  ASSERT_EQ(block->zero_filled.size(), 1u);
  EXPECT_EQ(block->zero_filled[0].value_kind_name, "hidden_cluster_ptr");
  EXPECT_EQ(block->zero_filled[0].offset, 8u);
  EXPECT_EQ(get<uint32_t>(block->bytes, 0), 9u);
  EXPECT_EQ(get<uint64_t>(block->bytes, 8), 0u);
  EXPECT_EQ(get<uint32_t>(block->bytes, 16), 4096u);
}

TEST(Kernargs, ValidationErrorsNameTheArgument) {
  CodeObject co = load_stem("vector_add-gfx942");
  const KernelInfo& k = only_kernel(co);
  DispatchConfig d{.grid = {256, 1, 1}, .workgroup = {256, 1, 1}};
  auto error = [&](std::vector<ArgValue> args, const DispatchConfig& dc) {
    Expected<KernargBlock> b = pack_kernargs(k, args, dc);
    EXPECT_FALSE(b.ok());
    if (!b.ok()) {
      EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
    }
    return b.ok() ? std::string() : b.status().message();
  };
  ArgValue buf = ArgValue::buffer(0x1000);

  EXPECT_THAT(error({buf, buf, buf}, d),
              HasSubstr("kernel vector_add takes 4 arguments (a, b, c, n), got 3"));
  std::string kind = error({ArgValue::f32(1), buf, buf, ArgValue::u32(1)}, d);
  EXPECT_THAT(kind, HasSubstr("argument 0 (a) of vector_add"));
  EXPECT_THAT(kind, HasSubstr("expected a buffer address for global_buffer float* of 8 bytes"));
  EXPECT_THAT(kind, HasSubstr("got f32 (4 bytes)"));
  std::string size = error({buf, buf, buf, ArgValue::u64(1)}, d);
  EXPECT_THAT(size, HasSubstr("argument 3 (n) of vector_add: expected by_value uint of 4 bytes"));
  EXPECT_THAT(size, HasSubstr("got u64 (8 bytes)"));
  EXPECT_THAT(error({buf, buf, buf, ArgValue::f32(1)}, d),
              HasSubstr("argument 3 (n) of vector_add: expected an integer for by_value uint"));
  EXPECT_THAT(error({buf, buf, buf, buf}, d),
              HasSubstr("argument 3 (n) of vector_add: expected a value"));

  EXPECT_THAT(
      error({buf, buf, buf, ArgValue::u32(1)}, {.grid = {512, 1, 1}, .workgroup = {512, 1, 1}}),
      HasSubstr("exceeds the kernel's .max_flat_workgroup_size 256"));
  EXPECT_THAT(error({buf, buf, buf, ArgValue::u32(1)}, {.grid = {0, 1, 1}, .workgroup = {1, 1, 1}}),
              HasSubstr("at least 1"));
  EXPECT_THAT(error({buf, buf, buf, ArgValue::u32(1)},
                    {.grid = {4, 4, 1}, .workgroup = {4, 1, 1}, .dimensions = 1}),
              HasSubstr("is not 1-dimensional"));

  CodeObject saxpy = load_stem("saxpy-gfx942");
  Expected<KernargBlock> b = pack_kernargs(
      only_kernel(saxpy), std::vector<ArgValue>{ArgValue::i32(2), buf, buf, ArgValue::i32(1)}, d);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(
      b.status().message(),
      HasSubstr("argument 0 (alpha) of saxpy: expected a floating-point value for by_value float"));

  CodeObject reduce = load_stem("reduce_sum-gfx942");
  b = pack_kernargs(only_kernel(reduce), std::vector<ArgValue>{buf, buf, ArgValue::u32(1)},
                    {.grid = {1024, 1, 1}, .workgroup = {128, 1, 1}});
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("kernel requires work-group 256x1x1"));
}

// ----- damaged files --------------------------------------------------------------------------

TEST(Malformed, EveryTruncationFails) {
  Bytes file = kernel_bytes("vector_add-gfx942");
  ASSERT_GT(file.size(), 1000u);
  for (size_t len = 0; len < file.size(); ++len) {
    Bytes cut(file.begin(), file.begin() + static_cast<ptrdiff_t>(len));
    Expected<CodeObject> co = CodeObject::load(cut);
    ASSERT_FALSE(co.ok()) << "a file truncated to " << len << " bytes loaded";
    ASSERT_FALSE(co.status().message().empty());
    if (len >= 4 && len < 64) {
      EXPECT_THAT(co.status().message(), HasSubstr("truncated")) << len;
    }
  }
  EXPECT_THAT(load_error(Bytes(file.begin(), file.begin() + 63)),
              HasSubstr("file is 63 bytes, the ELF64 header needs 64"));
  // The section header table is at the end: any cut past the ELF header loses it.
  EXPECT_THAT(load_error(Bytes(file.begin(), file.end() - 1)), HasSubstr("section header table"));
  EXPECT_THAT(load_error(Bytes(file.begin(), file.begin() + 200)),
              HasSubstr("extends past end of file"));
}

TEST(Malformed, HeaderFields) {
  const Bytes file = kernel_bytes("vector_add-gfx942");
  {
    Bytes b = file;
    put<uint16_t>(b, offsetof(Elf64_Ehdr, e_machine), EM_X86_64);
    EXPECT_THAT(load_error(b), HasSubstr("wrong e_machine 62: expected EM_AMDGPU (224)"));
  }
  {
    Bytes b = file;
    b[EI_CLASS] = ELFCLASS32;
    EXPECT_THAT(load_error(b), HasSubstr("wrong ELF class 1 (ELF32)"));
  }
  {
    Bytes b = file;
    b[EI_OSABI] = 0;
    EXPECT_THAT(load_error(b), HasSubstr("ELFOSABI_AMDGPU_HSA"));
  }
  {
    Bytes b = file;
    b[EI_ABIVERSION] = 1;
    Expected<CodeObject> co = CodeObject::load(b);
    ASSERT_FALSE(co.ok());
    EXPECT_EQ(co.status().code(), StatusCode::kUnimplemented);
    EXPECT_THAT(co.status().message(),
                HasSubstr("ABI version 1 (code object v3) is not supported"));
  }
  {
    Bytes b = file;
    b[0] = 'X';
    EXPECT_THAT(load_error(b), HasSubstr("not an ELF file"));
  }
  {
    Bytes b = file;
    put<uint64_t>(b, offsetof(Elf64_Ehdr, e_shoff), 0xffffffffffff0000ull);
    EXPECT_THAT(load_error(b), HasSubstr("section header table at offset 0xffffffffffff0000"));
  }
  {
    Bytes b = file;
    put<uint64_t>(b, offsetof(Elf64_Ehdr, e_phoff), file.size() - 8);
    EXPECT_THAT(load_error(b), HasSubstr("program header table"));
  }
  {
    // e_flags name gfx90a while the metadata says gfx942.
    Bytes b = file;
    uint32_t flags = get<uint32_t>(b, offsetof(Elf64_Ehdr, e_flags));
    put<uint32_t>(b, offsetof(Elf64_Ehdr, e_flags), (flags & ~0xffu) | 0x3f);
    EXPECT_THAT(load_error(b), HasSubstr("e_flags name processor gfx90a"));
  }
  // An unlinked object file.
  Bytes obj = read_file(std::string(AMDHAL_KERNEL_DIR) + "/obj/vector_add-gfx942.o");
  EXPECT_THAT(load_error(obj), HasSubstr("ET_REL"));
  EXPECT_THAT(load_error(Bytes(100, 0x41)), HasSubstr("not an ELF file"));
}

TEST(Malformed, SectionAndSegmentOffsets) {
  const Bytes file = kernel_bytes("vector_add-gfx942");
  std::optional<size_t> note = find_section(file, ".note");
  std::optional<size_t> dynsym = find_section(file, ".dynsym");
  ASSERT_TRUE(note && dynsym);
  {
    Bytes b = file;
    put<uint64_t>(b, shdr_offset(b, *note) + offsetof(Elf64_Shdr, sh_offset), 0xfffffff0);
    std::string msg = load_error(b);
    EXPECT_THAT(msg, HasSubstr(".note"));
    EXPECT_THAT(msg, HasSubstr("extends past end of file"));
  }
  {
    Bytes b = file;
    put<uint64_t>(b, shdr_offset(b, *dynsym) + offsetof(Elf64_Shdr, sh_size),
                  0x7fffffffffffffffull);
    EXPECT_THAT(load_error(b), HasSubstr(".dynsym"));
  }
  {
    // The first PT_LOAD claims bytes past the end of the file.
    Bytes b = file;
    Elf64_Ehdr h = ehdr(b);
    for (size_t i = 0; i < h.e_phnum; ++i) {
      size_t off = h.e_phoff + i * sizeof(Elf64_Phdr);
      if (get<Elf64_Phdr>(b, off).p_type == PT_LOAD) {
        put<uint64_t>(b, off + offsetof(Elf64_Phdr, p_filesz), file.size() * 2);
        put<uint64_t>(b, off + offsetof(Elf64_Phdr, p_memsz), file.size() * 2);
        break;
      }
    }
    EXPECT_THAT(load_error(b), HasSubstr("PT_LOAD"));
  }
}

TEST(Malformed, MetadataNote) {
  const Bytes file = kernel_bytes("vector_add-gfx942");
  size_t note = metadata_note_offset(file);
  ASSERT_EQ(get<uint32_t>(file, note + 8), 32u);  // NT_AMDGPU_METADATA
  uint32_t namesz = get<uint32_t>(file, note);
  size_t desc = note + 12 + ((namesz + 3) & ~3u);
  {
    Bytes b = file;
    put<uint32_t>(b, note + 8, 33);  // another note type: the metadata is gone
    EXPECT_THAT(load_error(b), HasSubstr("no NT_AMDGPU_METADATA note"));
  }
  {
    Bytes b = file;  // the note section is no longer a note section
    std::optional<size_t> idx = find_section(b, ".note");
    put<uint32_t>(b, shdr_offset(b, *idx) + offsetof(Elf64_Shdr, sh_type), SHT_PROGBITS);
    EXPECT_THAT(load_error(b), HasSubstr("metadata note is missing"));
  }
  {
    Bytes b = file;
    put<uint32_t>(b, note + 4, 0x10000000);  // descsz larger than the section
    EXPECT_THAT(load_error(b), HasSubstr("extends past the section"));
  }
  {
    Bytes b = file;
    b[desc] = 0xc1;  // a byte msgpack never uses
    EXPECT_THAT(load_error(b), HasSubstr("malformed msgpack"));
  }
  {
    // A map claiming 2^32-1 entries in a few bytes must not allocate them.
    Bytes b = file;
    b[desc] = 0xdf;
    put<uint32_t>(b, desc + 1, 0xffffffff);
    std::string msg = load_error(b);
    EXPECT_THAT(msg, HasSubstr("metadata"));
  }
  {
    // The root is an array rather than a map.
    Bytes b = file;
    b[desc] = 0x90;
    EXPECT_THAT(load_error(b), HasSubstr("document is a array, expected a map"));
  }
}

TEST(Malformed, MetadataDocumentPrefixes) {
  // Every prefix of the msgpack document is an error, never a crash or an exception.
  const Bytes file = kernel_bytes("by_value-gfx942");
  size_t note = metadata_note_offset(file);
  uint32_t namesz = get<uint32_t>(file, note);
  uint32_t descsz = get<uint32_t>(file, note + 4);
  size_t desc = note + 12 + ((namesz + 3) & ~3u);
  std::span<const uint8_t> doc(file.data() + desc, descsz);
  ASSERT_TRUE(code_object_internal::parse_metadata(doc).ok());
  for (size_t len = 0; len < descsz; ++len) {
    Expected<code_object_internal::ParsedMetadata> md =
        code_object_internal::parse_metadata(doc.first(len));
    ASSERT_FALSE(md.ok()) << len;
    ASSERT_THAT(md.status().message(), HasSubstr("metadata")) << len;
  }
  EXPECT_THAT(code_object_internal::parse_metadata(doc.first(10)).status().message(),
              HasSubstr("metadata: msgpack document truncated (10 bytes)"));
}

TEST(Malformed, MetadataKeys) {
  // Renaming a key (same length) makes it missing.
  auto rename = [](Bytes b, std::string_view from, std::string_view to) {
    std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
    size_t at = text.find(from);
    EXPECT_NE(at, std::string_view::npos) << from;
    std::memcpy(b.data() + at, to.data(), to.size());
    return b;
  };
  const Bytes file = kernel_bytes("vector_add-gfx942");
  EXPECT_THAT(
      load_error(rename(file, ".kernarg_segment_size", ".kernarg_segment_sizX")),
      HasSubstr("amdhsa.kernels[0] (vector_add): missing required key .kernarg_segment_size"));
  EXPECT_THAT(load_error(rename(file, "amdhsa.target", "amdhsa.targeX")),
              HasSubstr("missing required key amdhsa.target"));
  // An argument kind amdhal does not know still loads, with its original spelling kept.
  Expected<CodeObject> co = CodeObject::load(rename(file, "global_buffer", "global_buffeX"));
  ASSERT_TRUE(co.ok()) << co.status().to_string();
  const KernelArg& a = co->kernels()[0].args[0];
  EXPECT_EQ(a.kind, ArgValueKind::kUnknown);
  EXPECT_EQ(a.value_kind_name, "global_buffeX");
  EXPECT_FALSE(a.is_hidden());
}

TEST(Malformed, DescriptorSymbol) {
  const Bytes file = kernel_bytes("vector_add-gfx942");
  std::vector<size_t> syms = symbol_offsets(file, "vector_add.kd");
  ASSERT_EQ(syms.size(), 2u);  // .dynsym and .symtab
  {
    // Rename the symbol in both string tables: the descriptor is gone.
    Bytes b = file;
    for (size_t s : syms) {
      Elf64_Sym sym = get<Elf64_Sym>(b, s);
      for (size_t i = 0; i < ehdr(b).e_shnum; ++i) {
        Elf64_Shdr sh = shdr(b, i);
        if (s >= sh.sh_offset && s < sh.sh_offset + sh.sh_size) {
          Elf64_Shdr str = shdr(b, sh.sh_link);
          b[str.sh_offset + sym.st_name + std::strlen("vector_add.k")] = 'x';
        }
      }
    }
    EXPECT_THAT(load_error(b),
                HasSubstr("kernel vector_add: descriptor symbol vector_add.kd not found"));
  }
  {
    Bytes b = file;
    for (size_t s : syms) put<uint64_t>(b, s + offsetof(Elf64_Sym, st_value), 0x7ffff000);
    EXPECT_THAT(load_error(b),
                HasSubstr("descriptor vector_add.kd at 0x7ffff000 (64 bytes) is out of bounds"));
  }
  {
    // The descriptor's last byte hangs past the end of its segment.
    Bytes b = file;
    CodeObject co = load_ok(file);
    uint64_t end = 0;
    for (const LoadSegment& s : co.segments()) {
      if (co.kernels()[0].descriptor_address >= s.vaddr &&
          co.kernels()[0].descriptor_address < s.vaddr + s.file_size) {
        end = s.vaddr + s.file_size;
      }
    }
    ASSERT_NE(end, 0u);
    for (size_t s : syms) put<uint64_t>(b, s + offsetof(Elf64_Sym, st_value), end - 63);
    EXPECT_THAT(load_error(b), HasSubstr("out of bounds"));
  }
  {
    // The code entry offset in the descriptor points nowhere.
    Bytes b = file;
    CodeObject co = load_ok(file);
    uint64_t kd_vaddr = co.kernels()[0].descriptor_address;
    size_t kd_off = 0;
    for (const LoadSegment& s : co.segments()) {
      if (kd_vaddr >= s.vaddr && kd_vaddr < s.vaddr + s.file_size) {
        kd_off = s.file_offset + (kd_vaddr - s.vaddr);
      }
    }
    put<int64_t>(b, kd_off + offsetof(KernelDescriptor, kernel_code_entry_byte_offset),
                 int64_t{1} << 40);
    EXPECT_THAT(load_error(b), HasSubstr("is outside every executable segment"));
    // A descriptor disagreeing with the metadata.
    b = file;
    put<uint32_t>(b, kd_off + offsetof(KernelDescriptor, kernarg_size), 12);
    EXPECT_THAT(load_error(b), HasSubstr("descriptor kernarg_size 12 differs from metadata"));
  }
}

TEST(Malformed, SingleByteCorruptionsNeverCrash) {
  // Every byte of a small code object set to 0xff in turn: each load either succeeds or fails
  // with a message; under the ASan build this also proves no out-of-bounds read.
  const Bytes file = kernel_bytes("ids_3d-gfx1100");
  size_t failures = 0;
  for (size_t i = 0; i < file.size(); ++i) {
    Bytes b = file;
    b[i] ^= 0xff;
    Expected<CodeObject> co = CodeObject::load(b);
    if (!co.ok()) {
      ++failures;
      ASSERT_FALSE(co.status().message().empty());
    }
  }
  EXPECT_GT(failures, 0u);
}

}  // namespace
}  // namespace amdhal
