// Loading and validating AMDGPU code objects (ELF64, EM_AMDGPU) with libelf.
//
// Sources of the facts used here (no code taken from them):
//  - LLVM llvm/docs/AMDGPUUsage.rst, "ELF Code Object": e_ident[EI_OSABI] ELFOSABI_AMDGPU_HSA (64),
//    e_ident[EI_ABIVERSION] 2/3/4 for code object v4/v5/v6, e_machine EM_AMDGPU (224),
//    "AMDGPU ELF Header e_flags for Code Object V4 and After" (EF_AMDGPU_MACH in bits 0-7,
//    xnack in bits 8-9, sramecc in bits 10-11: 0 unsupported, 1 any, 2 off, 3 on;
//    EF_AMDGPU_GENERIC_VERSION in bits 24-31 on v6), "Note Records" (NT_AMDGPU_METADATA = 32,
//    owner "AMDGPU"), "Symbols" (kernel descriptor symbol "<name>.kd"), "Kernel Descriptor" and
//    "Target ID"/"Generic processor" (which processors a generic target covers).
//  - EF_AMDGPU_MACH values: LLVM llvm/include/llvm/BinaryFormat/ELF.h.
//
// libelf is trusted only for walking headers it has read from a buffer whose ranges were checked
// here first: every header table, section, segment, note and descriptor is bounds-checked
// against the file size before it is read, so damaged input gives a Status, never a crash.

#include <elf.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "amdhal/code_object.h"
#include "code_object/metadata.h"

namespace amdhal {
namespace {

constexpr uint8_t kElfOsAbiAmdgpuHsa = 64;
constexpr uint32_t kNtAmdgpuMetadata = 32;
constexpr uint32_t kEfAmdgpuMach = 0xff;
constexpr uint32_t kEfXnackShift = 8;
constexpr uint32_t kEfSrameccShift = 10;
// A larger image is certainly a damaged header (real code objects are kilobytes to megabytes).
constexpr uint64_t kMaxImageSize = uint64_t{1} << 32;
constexpr uint64_t kMinImageAlignment = 256;  // COMPUTE_PGM_LO holds the entry address >> 8

// EF_AMDGPU_MACH values of the processors amdhal may meet (ELF.h); used to cross-check e_flags
// against amdhsa.target.
struct MachName {
  uint32_t mach;
  std::string_view name;
};
constexpr MachName kMachNames[] = {
    {0x02c, "gfx900"},        {0x02d, "gfx902"},          {0x02e, "gfx904"},
    {0x02f, "gfx906"},        {0x030, "gfx908"},          {0x031, "gfx909"},
    {0x032, "gfx90c"},        {0x033, "gfx1010"},         {0x034, "gfx1011"},
    {0x035, "gfx1012"},       {0x036, "gfx1030"},         {0x037, "gfx1031"},
    {0x038, "gfx1032"},       {0x039, "gfx1033"},         {0x03d, "gfx1035"},
    {0x03e, "gfx1034"},       {0x03f, "gfx90a"},          {0x040, "gfx940"},
    {0x041, "gfx1100"},       {0x042, "gfx1013"},         {0x043, "gfx1150"},
    {0x044, "gfx1103"},       {0x045, "gfx1036"},         {0x046, "gfx1101"},
    {0x047, "gfx1102"},       {0x048, "gfx1200"},         {0x04a, "gfx1151"},
    {0x04b, "gfx941"},        {0x04c, "gfx942"},          {0x04e, "gfx1201"},
    {0x051, "gfx9-generic"},  {0x052, "gfx10-1-generic"}, {0x053, "gfx10-3-generic"},
    {0x054, "gfx11-generic"}, {0x055, "gfx1152"},         {0x059, "gfx12-generic"},
};

// Generic targets (code object v6) and the processors each one runs on (AMDGPUUsage,
// "Generic processors" table).
struct GenericTarget {
  std::string_view name;
  std::array<std::string_view, 8> members;  // unused entries are empty
};
constexpr GenericTarget kGenericTargets[] = {
    {"gfx9-generic", {"gfx900", "gfx902", "gfx904", "gfx906", "gfx909", "gfx90c"}},
    {"gfx9-4-generic", {"gfx940", "gfx941", "gfx942", "gfx950"}},
    {"gfx10-1-generic", {"gfx1010", "gfx1011", "gfx1012", "gfx1013"}},
    {"gfx10-3-generic",
     {"gfx1030", "gfx1031", "gfx1032", "gfx1033", "gfx1034", "gfx1035", "gfx1036"}},
    {"gfx11-generic",
     {"gfx1100", "gfx1101", "gfx1102", "gfx1103", "gfx1150", "gfx1151", "gfx1152", "gfx1153"}},
    {"gfx12-generic", {"gfx1200", "gfx1201"}},
};

std::optional<std::string_view> mach_name(uint32_t mach) {
  for (const MachName& m : kMachNames) {
    if (m.mach == mach) return m.name;
  }
  return std::nullopt;
}

std::string_view feature_suffix(FeatureSetting s) {
  switch (s) {
    case FeatureSetting::kOn:
      return "+";
    case FeatureSetting::kOff:
      return "-";
    case FeatureSetting::kAny:
      return "";
  }
  return "";
}

// e_flags feature field (v4+): 0 unsupported, 1 any, 2 off, 3 on. Unsupported maps to kAny.
FeatureSetting feature_from_flags(uint32_t field) {
  switch (field & 3u) {
    case 2:
      return FeatureSetting::kOff;
    case 3:
      return FeatureSetting::kOn;
    default:
      return FeatureSetting::kAny;
  }
}

// True if [offset, offset + size) lies inside a buffer of `total` bytes (overflow-safe).
bool in_bounds(uint64_t offset, uint64_t size, uint64_t total) {
  return offset <= total && size <= total - offset;
}

void init_libelf() {
  static std::once_flag once;
  std::call_once(once, [] { (void)elf_version(EV_CURRENT); });
}

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

std::string libelf_error() {
  const char* msg = elf_errmsg(-1);
  return msg != nullptr ? msg : "unknown libelf error";
}

struct SymbolEntry {
  uint64_t value = 0;
  uint64_t size = 0;
  uint8_t type = 0;
};

}  // namespace

// ----- TargetId -----------------------------------------------------------------------------

std::string TargetId::to_string() const {
  std::string out = processor;
  if (sramecc != FeatureSetting::kAny) out += fmt::format(":sramecc{}", feature_suffix(sramecc));
  if (xnack != FeatureSetting::kAny) out += fmt::format(":xnack{}", feature_suffix(xnack));
  return out;
}

Expected<TargetId> TargetId::parse(std::string_view text) {
  // Full form: "<arch>-<vendor>-<os>-<environment>-<target id>", environment empty for amdhsa.
  constexpr std::string_view kTriple = "amdgcn-amd-amdhsa-";
  std::string_view id = text;
  if (id.starts_with("amdgcn-")) {
    if (!id.starts_with(kTriple)) {
      return invalid_argument(fmt::format("target \"{}\" is not for amdgcn-amd-amdhsa", text));
    }
    id.remove_prefix(kTriple.size());
    if (!id.starts_with("-")) {
      return invalid_argument(
          fmt::format("target \"{}\": expected \"amdgcn-amd-amdhsa--<processor>\"", text));
    }
    id.remove_prefix(1);
  }
  TargetId out;
  size_t colon = id.find(':');
  out.processor = std::string(id.substr(0, colon));
  if (out.processor.empty()) {
    return invalid_argument(fmt::format("target \"{}\" names no processor", text));
  }
  while (colon != std::string_view::npos) {
    id.remove_prefix(colon + 1);
    colon = id.find(':');
    std::string_view feature = id.substr(0, colon);
    if (feature.size() < 2 || (feature.back() != '+' && feature.back() != '-')) {
      return invalid_argument(
          fmt::format("target \"{}\": feature \"{}\" must end in + or -", text, feature));
    }
    FeatureSetting setting = feature.back() == '+' ? FeatureSetting::kOn : FeatureSetting::kOff;
    feature.remove_suffix(1);
    if (feature == "xnack") {
      out.xnack = setting;
    } else if (feature == "sramecc") {
      out.sramecc = setting;
    } else {
      return invalid_argument(
          fmt::format("target \"{}\": unknown target feature \"{}\"", text, feature));
    }
  }
  return out;
}

// ----- loading ------------------------------------------------------------------------------

class CodeObjectParser {
 public:
  explicit CodeObjectParser(std::span<const uint8_t> bytes) {
    co_.bytes_.assign(bytes.begin(), bytes.end());
  }

  Expected<CodeObject> run() {
    AMDHAL_RETURN_IF_ERROR(check_header());
    init_libelf();
    elf_.reset(elf_memory(reinterpret_cast<char*>(co_.bytes_.data()), co_.bytes_.size()));
    if (!elf_ || elf_kind(elf_.get()) != ELF_K_ELF) {
      return data_loss(fmt::format("libelf cannot read the file: {}", libelf_error()));
    }
    AMDHAL_RETURN_IF_ERROR(read_segments());
    AMDHAL_RETURN_IF_ERROR(read_sections());
    AMDHAL_RETURN_IF_ERROR(read_metadata());
    AMDHAL_RETURN_IF_ERROR(check_flags_against_target());
    AMDHAL_RETURN_IF_ERROR(read_descriptors());
    return std::move(co_);
  }

 private:
  uint64_t file_size() const { return co_.bytes_.size(); }
  const uint8_t* at(uint64_t offset) const { return co_.bytes_.data() + offset; }

  Status check_header() {
    if (file_size() < sizeof(Elf64_Ehdr)) {
      if (file_size() >= SELFMAG && std::memcmp(at(0), ELFMAG, SELFMAG) != 0) {
        return invalid_argument("not an ELF file (no \\x7fELF magic)");
      }
      return data_loss(fmt::format("truncated: file is {} bytes, the ELF64 header needs {}",
                                   file_size(), sizeof(Elf64_Ehdr)));
    }
    std::memcpy(&ehdr_, at(0), sizeof(ehdr_));
    if (std::memcmp(ehdr_.e_ident, ELFMAG, SELFMAG) != 0) {
      return invalid_argument("not an ELF file (no \\x7fELF magic)");
    }
    if (ehdr_.e_ident[EI_CLASS] != ELFCLASS64) {
      return invalid_argument(fmt::format(
          "wrong ELF class {} ({}): AMDGPU code objects are ELF64", ehdr_.e_ident[EI_CLASS],
          ehdr_.e_ident[EI_CLASS] == ELFCLASS32 ? "ELF32" : "invalid"));
    }
    if (ehdr_.e_ident[EI_DATA] != ELFDATA2LSB) {
      return invalid_argument(fmt::format("wrong ELF data encoding {}: expected little-endian",
                                          ehdr_.e_ident[EI_DATA]));
    }
    if (ehdr_.e_machine != EM_AMDGPU) {
      return invalid_argument(
          fmt::format("wrong e_machine {}: expected EM_AMDGPU ({})", ehdr_.e_machine, EM_AMDGPU));
    }
    if (ehdr_.e_ident[EI_OSABI] != kElfOsAbiAmdgpuHsa) {
      return invalid_argument(
          fmt::format("wrong OS ABI {}: expected ELFOSABI_AMDGPU_HSA ({}) for an HSA code object",
                      ehdr_.e_ident[EI_OSABI], kElfOsAbiAmdgpuHsa));
    }
    uint8_t abi = ehdr_.e_ident[EI_ABIVERSION];
    if (abi < 2 || abi > 4) {
      // ABI version 0 is code object v2, 1 is v3.
      return unimplemented(fmt::format(
          "code object ABI version {} (code object v{}) is not supported; v4, v5 and v6 are "
          "(ABI versions 2, 3, 4)",
          abi, abi + 2));
    }
    co_.abi_version_ = abi;
    co_.version_ = abi + 2u;
    co_.elf_flags_ = ehdr_.e_flags;
    if (ehdr_.e_type == ET_REL) {
      return invalid_argument(
          "e_type is ET_REL: a relocatable object, not a loadable code object (link it with "
          "ld.lld -shared)");
    }
    if (ehdr_.e_type != ET_DYN) {
      return invalid_argument(
          fmt::format("e_type {}: expected ET_DYN (a shared object)", ehdr_.e_type));
    }
    if (ehdr_.e_ehsize != sizeof(Elf64_Ehdr)) {
      return data_loss(fmt::format("e_ehsize {} is not {}", ehdr_.e_ehsize, sizeof(Elf64_Ehdr)));
    }
    // Program header table.
    if (ehdr_.e_phnum == 0) return data_loss("no program headers (e_phnum is 0)");
    if (ehdr_.e_phnum == PN_XNUM) return data_loss("e_phnum is PN_XNUM: too many segments");
    if (ehdr_.e_phentsize != sizeof(Elf64_Phdr)) {
      return data_loss(
          fmt::format("e_phentsize {} is not {}", ehdr_.e_phentsize, sizeof(Elf64_Phdr)));
    }
    if (!in_bounds(ehdr_.e_phoff, uint64_t{ehdr_.e_phnum} * sizeof(Elf64_Phdr), file_size())) {
      return data_loss(fmt::format(
          "program header table at offset {:#x} ({} entries) extends past end of file ({} bytes)",
          ehdr_.e_phoff, ehdr_.e_phnum, file_size()));
    }
    // Section header table (section headers are needed for the symbol table).
    if (ehdr_.e_shoff == 0) return data_loss("no section header table (e_shoff is 0)");
    if (ehdr_.e_shentsize != sizeof(Elf64_Shdr)) {
      return data_loss(
          fmt::format("e_shentsize {} is not {}", ehdr_.e_shentsize, sizeof(Elf64_Shdr)));
    }
    uint64_t shnum = ehdr_.e_shnum;
    if (!in_bounds(ehdr_.e_shoff, sizeof(Elf64_Shdr), file_size())) {
      return data_loss(
          fmt::format("section header table at offset {:#x} extends past end of file ({} bytes)",
                      ehdr_.e_shoff, file_size()));
    }
    if (shnum == 0) {
      // Extended numbering: the count is in section 0's sh_size.
      Elf64_Shdr first;
      std::memcpy(&first, at(ehdr_.e_shoff), sizeof(first));
      shnum = first.sh_size;
    }
    // (The count is checked against the file size first so the multiplication cannot wrap.)
    if (shnum == 0 || shnum > file_size() / sizeof(Elf64_Shdr) ||
        !in_bounds(ehdr_.e_shoff, shnum * sizeof(Elf64_Shdr), file_size())) {
      return data_loss(fmt::format(
          "section header table at offset {:#x} ({} entries) extends past end of file ({} bytes)",
          ehdr_.e_shoff, shnum, file_size()));
    }
    section_count_ = shnum;
    return ok_status();
  }

  Status read_segments() {
    size_t phnum = 0;
    if (elf_getphdrnum(elf_.get(), &phnum) != 0) {
      return data_loss(fmt::format("cannot read program headers: {}", libelf_error()));
    }
    uint64_t image_end = 0;
    uint64_t align = kMinImageAlignment;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf_.get(), static_cast<int>(i), &ph) == nullptr) {
        return data_loss(fmt::format("cannot read program header {}: {}", i, libelf_error()));
      }
      if (ph.p_type != PT_LOAD) continue;
      if (!in_bounds(ph.p_offset, ph.p_filesz, file_size())) {
        return data_loss(fmt::format(
            "segment {} (PT_LOAD) at file offset {:#x} size {:#x} extends past end of file ({} "
            "bytes)",
            i, ph.p_offset, ph.p_filesz, file_size()));
      }
      if (ph.p_filesz > ph.p_memsz) {
        return data_loss(fmt::format("segment {} (PT_LOAD): p_filesz {:#x} exceeds p_memsz {:#x}",
                                     i, ph.p_filesz, ph.p_memsz));
      }
      if (!in_bounds(ph.p_vaddr, ph.p_memsz, kMaxImageSize)) {
        return data_loss(fmt::format(
            "segment {} (PT_LOAD) at vaddr {:#x} size {:#x} lies beyond the {} GiB image limit", i,
            ph.p_vaddr, ph.p_memsz, kMaxImageSize >> 30));
      }
      if (ph.p_align > 1 && (ph.p_align & (ph.p_align - 1)) != 0) {
        return data_loss(fmt::format("segment {} (PT_LOAD): p_align {:#x} is not a power of two", i,
                                     ph.p_align));
      }
      if (ph.p_align > kMaxImageSize) {
        return data_loss(
            fmt::format("segment {} (PT_LOAD): p_align {:#x} is too large", i, ph.p_align));
      }
      LoadSegment seg{.vaddr = ph.p_vaddr,
                      .file_offset = ph.p_offset,
                      .file_size = ph.p_filesz,
                      .mem_size = ph.p_memsz,
                      .flags = ph.p_flags,
                      .align = ph.p_align};
      co_.segments_.push_back(seg);
      image_end = std::max(image_end, ph.p_vaddr + ph.p_memsz);
      align = std::max<uint64_t>(align, ph.p_align);
    }
    if (co_.segments_.empty()) return data_loss("no PT_LOAD segment: nothing to load");
    co_.image_size_ = image_end;
    co_.image_alignment_ = align;
    return ok_status();
  }

  Status read_sections() {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf_.get(), &shstrndx) != 0) {
      return data_loss(fmt::format("cannot read the section name table index: {}", libelf_error()));
    }
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_.get(), scn)) != nullptr) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr) {
        return data_loss(
            fmt::format("cannot read section header {}: {}", elf_ndxscn(scn), libelf_error()));
      }
      size_t index = elf_ndxscn(scn);
      const char* raw_name = elf_strptr(elf_.get(), shstrndx, sh.sh_name);
      std::string name = raw_name != nullptr ? raw_name : "?";
      if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
          !in_bounds(sh.sh_offset, sh.sh_size, file_size())) {
        return data_loss(fmt::format(
            "section {} ({}) at offset {:#x} size {:#x} extends past end of file ({} bytes)", index,
            name, sh.sh_offset, sh.sh_size, file_size()));
      }
      switch (sh.sh_type) {
        case SHT_NOTE:
          AMDHAL_RETURN_IF_ERROR(read_notes(index, name, sh));
          break;
        case SHT_SYMTAB:
        case SHT_DYNSYM:
          AMDHAL_RETURN_IF_ERROR(read_symbols(scn, index, name, sh));
          break;
        case SHT_RELA:
        case SHT_REL:
          if ((sh.sh_flags & SHF_ALLOC) != 0 && sh.sh_entsize != 0) {
            co_.dynamic_relocation_count_ += sh.sh_size / sh.sh_entsize;
          }
          break;
        default:
          break;
      }
    }
    return ok_status();
  }

  // Note records: namesz, descsz, type (4 bytes each), then name and desc, each padded to 4.
  Status read_notes(size_t index, const std::string& section, const GElf_Shdr& sh) {
    const uint8_t* p = at(sh.sh_offset);
    uint64_t size = sh.sh_size;
    uint64_t pos = 0;
    auto pad4 = [](uint64_t v) { return (v + 3) & ~uint64_t{3}; };
    while (pos < size) {
      if (size - pos < 12) {
        return data_loss(
            fmt::format("section {} ({}): note header at {:#x} is truncated", index, section, pos));
      }
      uint32_t namesz, descsz, type;
      std::memcpy(&namesz, p + pos, 4);
      std::memcpy(&descsz, p + pos + 4, 4);
      std::memcpy(&type, p + pos + 8, 4);
      uint64_t name_off = pos + 12;
      uint64_t desc_off = name_off + pad4(namesz);
      if (desc_off > size || descsz > size - desc_off) {
        return data_loss(fmt::format(
            "section {} ({}): note at {:#x} (namesz {}, descsz {}) extends past the section ({} "
            "bytes)",
            index, section, pos, namesz, descsz, size));
      }
      std::string_view owner(reinterpret_cast<const char*>(p + name_off), namesz);
      if (!owner.empty() && owner.back() == '\0') owner.remove_suffix(1);
      if (owner == "AMDGPU" && type == kNtAmdgpuMetadata) {
        if (metadata_.data() != nullptr) {
          return data_loss("more than one NT_AMDGPU_METADATA note");
        }
        metadata_ = std::span<const uint8_t>(p + desc_off, descsz);
      }
      pos = desc_off + pad4(descsz);
    }
    return ok_status();
  }

  Status read_symbols(Elf_Scn* scn, size_t index, const std::string& section, const GElf_Shdr& sh) {
    if (sh.sh_entsize != sizeof(Elf64_Sym)) {
      return data_loss(fmt::format("section {} ({}): sh_entsize {} is not {}", index, section,
                                   sh.sh_entsize, sizeof(Elf64_Sym)));
    }
    if (sh.sh_link == 0 || sh.sh_link >= section_count_) {
      return data_loss(fmt::format("section {} ({}): string table link {} is not a section", index,
                                   section, sh.sh_link));
    }
    GElf_Shdr strtab;
    Elf_Scn* str_scn = elf_getscn(elf_.get(), sh.sh_link);
    if (str_scn == nullptr || gelf_getshdr(str_scn, &strtab) == nullptr ||
        strtab.sh_type != SHT_STRTAB || !in_bounds(strtab.sh_offset, strtab.sh_size, file_size())) {
      return data_loss(fmt::format(
          "section {} ({}): linked string table (section {}) is missing or out of bounds", index,
          section, sh.sh_link));
    }
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) {
      return data_loss(
          fmt::format("section {} ({}): cannot read symbols: {}", index, section, libelf_error()));
    }
    size_t count = data->d_size / sizeof(Elf64_Sym);
    // .dynsym and .symtab both list the kernels; the first definition of a name is kept.
    for (size_t i = 1; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) break;
      if (sym.st_shndx == SHN_UNDEF) continue;
      const char* raw = elf_strptr(elf_.get(), sh.sh_link, sym.st_name);
      if (raw == nullptr || *raw == '\0') continue;
      symbols_.try_emplace(raw, SymbolEntry{sym.st_value, sym.st_size,
                                            static_cast<uint8_t>(GELF_ST_TYPE(sym.st_info))});
    }
    return ok_status();
  }

  Status read_metadata() {
    if (metadata_.data() == nullptr) {
      return data_loss(
          "no NT_AMDGPU_METADATA note (type 32, owner \"AMDGPU\"): the metadata note is missing");
    }
    AMDHAL_ASSIGN_OR_RETURN(code_object_internal::ParsedMetadata md,
                            code_object_internal::parse_metadata(metadata_));
    co_.metadata_version_ = md.version;
    co_.target_ = std::move(md.target);
    co_.kernels_ = std::move(md.kernels);
    Expected<TargetId> id = TargetId::parse(co_.target_);
    if (!id.ok())
      return data_loss(fmt::format("metadata: amdhsa.target: {}", id.status().message()));
    co_.target_id_ = std::move(id).value();
    return ok_status();
  }

  // e_flags carry the processor and feature settings as well; a disagreement with the metadata
  // means one of them was damaged.
  Status check_flags_against_target() {
    const TargetId& id = co_.target_id_;
    if (std::optional<std::string_view> mach = mach_name(co_.elf_flags_ & kEfAmdgpuMach)) {
      if (*mach != id.processor) {
        return data_loss(fmt::format("e_flags name processor {} but amdhsa.target is \"{}\"", *mach,
                                     co_.target_));
      }
    }
    FeatureSetting xnack = feature_from_flags(co_.elf_flags_ >> kEfXnackShift);
    FeatureSetting sramecc = feature_from_flags(co_.elf_flags_ >> kEfSrameccShift);
    if (xnack != id.xnack || sramecc != id.sramecc) {
      TargetId from_flags{.processor = id.processor, .sramecc = sramecc, .xnack = xnack};
      return data_loss(fmt::format("e_flags features ({}) disagree with amdhsa.target \"{}\"",
                                   from_flags.to_string(), co_.target_));
    }
    return ok_status();
  }

  // Maps a virtual address range to the file bytes backing it through the PT_LOAD segments.
  std::optional<uint64_t> file_offset_of(uint64_t vaddr, uint64_t size, bool need_exec) const {
    for (const LoadSegment& s : co_.segments_) {
      if (need_exec && !s.executable()) continue;
      if (vaddr >= s.vaddr && vaddr - s.vaddr <= s.file_size &&
          size <= s.file_size - (vaddr - s.vaddr)) {
        return s.file_offset + (vaddr - s.vaddr);
      }
    }
    return std::nullopt;
  }

  Status read_descriptors() {
    for (KernelInfo& k : co_.kernels_) {
      auto sym = symbols_.find(k.symbol);
      if (sym == symbols_.end()) {
        return data_loss(fmt::format(
            "kernel {}: descriptor symbol {} not found in the symbol table", k.name, k.symbol));
      }
      if (sym->second.size != 0 && sym->second.size != sizeof(KernelDescriptor)) {
        return data_loss(fmt::format("kernel {}: symbol {} is {} bytes, a kernel descriptor is {}",
                                     k.name, k.symbol, sym->second.size, sizeof(KernelDescriptor)));
      }
      k.descriptor_address = sym->second.value;
      std::optional<uint64_t> off =
          file_offset_of(k.descriptor_address, sizeof(KernelDescriptor), false);
      if (!off) {
        return data_loss(fmt::format(
            "kernel {}: descriptor {} at {:#x} (64 bytes) is out of bounds of the loaded segments",
            k.name, k.symbol, k.descriptor_address));
      }
      std::memcpy(&k.descriptor, at(*off), sizeof(KernelDescriptor));
      const KernelDescriptor& kd = k.descriptor;

      int64_t entry = kd.kernel_code_entry_byte_offset;
      uint64_t code = k.descriptor_address + static_cast<uint64_t>(entry);
      bool overflow = entry >= 0 ? code < k.descriptor_address : code > k.descriptor_address;
      if (overflow || !file_offset_of(code, 4, true)) {
        return data_loss(fmt::format(
            "kernel {}: code entry {:#x} (descriptor {:#x} {:+d}) is outside every executable "
            "segment",
            k.name, code, k.descriptor_address, entry));
      }
      k.code_address = code;
      auto fn = symbols_.find(k.name);
      if (fn != symbols_.end() && fn->second.value == code && fn->second.type == STT_FUNC) {
        k.code_size = fn->second.size;
      }

      if (kd.kernarg_size != k.kernarg_segment_size) {
        return data_loss(fmt::format(
            "kernel {}: descriptor kernarg_size {} differs from metadata .kernarg_segment_size {}",
            k.name, kd.kernarg_size, k.kernarg_segment_size));
      }
      if (kd.group_segment_fixed_size != k.group_segment_fixed_size) {
        return data_loss(
            fmt::format("kernel {}: descriptor group_segment_fixed_size {} differs from metadata "
                        ".group_segment_fixed_size {}",
                        k.name, kd.group_segment_fixed_size, k.group_segment_fixed_size));
      }
      if (kd.wavefront_size() != k.wavefront_size) {
        return data_loss(
            fmt::format("kernel {}: descriptor selects wave{} but metadata .wavefront_size is {}",
                        k.name, kd.wavefront_size(), k.wavefront_size));
      }
    }
    return ok_status();
  }

  CodeObject co_;
  Elf64_Ehdr ehdr_{};
  uint64_t section_count_ = 0;
  ElfHandle elf_;
  std::span<const uint8_t> metadata_;
  std::unordered_map<std::string, SymbolEntry> symbols_;
};

Expected<CodeObject> CodeObject::load(std::span<const uint8_t> bytes) {
  CodeObjectParser parser(bytes);
  Expected<CodeObject> result = parser.run();
  if (!result.ok()) return result.status().with_context("code object");
  return result;
}

Expected<const KernelInfo*> CodeObject::find_kernel(std::string_view name) const {
  for (const KernelInfo& k : kernels_) {
    if (k.name == name || k.symbol == name) return &k;
  }
  std::string names;
  for (const KernelInfo& k : kernels_) {
    if (!names.empty()) names += ", ";
    names += k.name;
  }
  return not_found(fmt::format("no kernel named \"{}\" in the code object (it has: {})", name,
                               names.empty() ? "no kernels" : names));
}

Status CodeObject::copy_image(std::span<uint8_t> dst) const {
  if (dynamic_relocation_count_ != 0) {
    return unimplemented(
        fmt::format("code object has {} dynamic relocations; amdhal does not apply relocations",
                    dynamic_relocation_count_));
  }
  if (dst.size() < image_size_) {
    return invalid_argument(
        fmt::format("image needs {} bytes, destination has {}", image_size_, dst.size()));
  }
  std::fill(dst.begin(), dst.begin() + static_cast<ptrdiff_t>(image_size_), uint8_t{0});
  for (const LoadSegment& s : segments_) {
    if (s.file_size != 0) {
      std::memcpy(dst.data() + s.vaddr, bytes_.data() + s.file_offset, s.file_size);
    }
  }
  return ok_status();
}

Status CodeObject::check_target(const GpuFamily& family, const DeviceFeatures& features) const {
  const TargetId& id = target_id_;
  bool match = id.processor == family.name;
  if (!match) {
    for (const GenericTarget& g : kGenericTargets) {
      if (g.name != id.processor) continue;
      match = std::find(g.members.begin(), g.members.end(), family.name) != g.members.end();
    }
  }
  if (!match) {
    return invalid_argument(
        fmt::format("code object is for {}, device is {}", id.processor, family.name));
  }
  auto check = [&](std::string_view feature, FeatureSetting wanted, FeatureSetting device,
                   bool supported) -> Status {
    if (wanted == FeatureSetting::kAny) return ok_status();
    if (!supported) {
      return invalid_argument(fmt::format("code object is for {}, device {} does not support {}",
                                          id.to_string(), family.name, feature));
    }
    if (device != FeatureSetting::kAny && device != wanted) {
      return invalid_argument(fmt::format("code object is for {}, device is {}:{}{}",
                                          id.to_string(), family.name, feature,
                                          feature_suffix(device)));
    }
    return ok_status();
  };
  AMDHAL_RETURN_IF_ERROR(check("sramecc", id.sramecc, features.sramecc, family.supports_sramecc));
  AMDHAL_RETURN_IF_ERROR(check("xnack", id.xnack, features.xnack, family.supports_xnack));
  return ok_status();
}

}  // namespace amdhal
