// Targets, names and the table registry (tables are built once per target on first use).
#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "tables_internal.h"

namespace amdhal::sim::isa {

namespace {

// Target properties: AMDGPUUsage.rst "AMDGPU Processors" (Target Properties column: packed
// work-item IDs on gfx90a/gfx940+/gfx11; architected flat scratch on gfx940+ and gfx11) and the
// wave sizes of each generation.
constexpr IsaTarget kTargets[] = {
    {"gfx90a", IsaGeneration::kGfx9, true, false, true, false, false, true, true, ""},
    {"gfx940", IsaGeneration::kGfx9, true, true, true, true, false, true, true, ""},
    {"gfx941", IsaGeneration::kGfx9, true, true, true, true, false, true, true, ""},
    {"gfx942", IsaGeneration::kGfx9, true, true, true, true, false, true, true, ""},
    {"gfx1100", IsaGeneration::kGfx11, true, true, false, false, true, true, true, ""},
    {"gfx1101", IsaGeneration::kGfx11, true, true, false, false, true, true, true, ""},
    {"gfx1102", IsaGeneration::kGfx11, true, true, false, false, true, true, true, ""},
    {"gfx1103", IsaGeneration::kGfx11, true, true, false, false, true, true, true, ""},
};

struct Tables {
  detail::TableBuilder builder;
  // Per encoding: rows sorted by opcode and a direct index opcode -> row (or -1).
  std::vector<int32_t> index[detail::kEncodingCount];
};

Tables& tables_for(const IsaTarget& target) {
  static std::mutex mutex;
  static std::array<std::unique_ptr<Tables>, std::size(kTargets)> cache;
  const size_t slot = static_cast<size_t>(&target - kTargets);
  std::lock_guard lock(mutex);
  auto& t = cache.at(slot);
  if (!t) {
    t = std::make_unique<Tables>();
    if (target.generation == IsaGeneration::kGfx9) {
      detail::build_gfx9_tables(target, t->builder);
    } else {
      detail::build_gfx11_tables(target, t->builder);
    }
    for (size_t e = 0; e < detail::kEncodingCount; ++e) {
      auto& rows = t->builder.rows(static_cast<Encoding>(e));
      std::stable_sort(rows.begin(), rows.end(),
                       [](const OpInfo& a, const OpInfo& b) { return a.opcode < b.opcode; });
      // A later row for the same opcode replaces an earlier one (none expected).
      rows.erase(std::unique(rows.begin(), rows.end(),
                             [](const OpInfo& a, const OpInfo& b) { return a.opcode == b.opcode; }),
                 rows.end());
      uint32_t max = 0;
      for (const OpInfo& r : rows) max = std::max<uint32_t>(max, r.opcode);
      t->index[e].assign(rows.empty() ? 0 : max + 1, -1);
      for (size_t i = 0; i < rows.size(); ++i)
        t->index[e][rows[i].opcode] = static_cast<int32_t>(i);
    }
  }
  return *t;
}

}  // namespace

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kUnknown:
      return "unknown";
    case Encoding::kSop1:
      return "SOP1";
    case Encoding::kSop2:
      return "SOP2";
    case Encoding::kSopk:
      return "SOPK";
    case Encoding::kSopc:
      return "SOPC";
    case Encoding::kSopp:
      return "SOPP";
    case Encoding::kSmem:
      return "SMEM";
    case Encoding::kVop1:
      return "VOP1";
    case Encoding::kVop2:
      return "VOP2";
    case Encoding::kVopc:
      return "VOPC";
    case Encoding::kVop3:
      return "VOP3";
    case Encoding::kVop3p:
      return "VOP3P";
    case Encoding::kDs:
      return "DS";
    case Encoding::kFlat:
      return "FLAT";
    case Encoding::kGlobal:
      return "GLOBAL";
    case Encoding::kScratch:
      return "SCRATCH";
    case Encoding::kMubuf:
      return "MUBUF";
    case Encoding::kMtbuf:
      return "MTBUF";
    case Encoding::kMimg:
      return "MIMG";
    case Encoding::kExp:
      return "EXP";
    case Encoding::kVintrp:
      return "VINTRP";
    case Encoding::kVopd:
      return "VOPD";
  }
  return "unknown";
}

uint32_t operand_dwords(OperandType t) {
  switch (t) {
    case OperandType::kB64:
    case OperandType::kI64:
    case OperandType::kF64:
    case OperandType::kMask:
      return 2;
    default:
      return 1;
  }
}

uint32_t mem_kind_bytes(MemKind k) {
  switch (k) {
    case MemKind::kU8:
    case MemKind::kI8:
    case MemKind::kU8D16:
    case MemKind::kU8D16Hi:
    case MemKind::kI8D16:
    case MemKind::kI8D16Hi:
    case MemKind::kB8D16Hi:
      return 1;
    case MemKind::kU16:
    case MemKind::kI16:
    case MemKind::kB16D16:
    case MemKind::kB16D16Hi:
    case MemKind::kB16D16HiStore:
      return 2;
    case MemKind::kB32:
      return 4;
    case MemKind::kB64:
      return 8;
    case MemKind::kB96:
      return 12;
    case MemKind::kB128:
      return 16;
    case MemKind::kB256:
      return 32;
    case MemKind::kB512:
      return 64;
  }
  return 4;
}

std::span<const IsaTarget> isa_targets() {
  return kTargets;
}

Expected<const IsaTarget*> find_isa_target(std::string_view name) {
  const size_t colon = name.find(':');
  if (colon != std::string_view::npos) name = name.substr(0, colon);
  for (const IsaTarget& t : kTargets) {
    if (t.name == name) return &t;
  }
  std::string known;
  for (const IsaTarget& t : kTargets) known += (known.empty() ? "" : ", ") + std::string(t.name);
  return unimplemented(
      fmt::format("the ISA interpreter has no tables for {} (known targets: {})", name, known));
}

Expected<const IsaTarget*> find_isa_target(const GpuFamily& family) {
  return find_isa_target(family.name);
}

std::span<const OpInfo> instruction_table(const IsaTarget& target, Encoding encoding) {
  Tables& t = tables_for(target);
  return t.builder.rows(encoding);
}

const OpInfo* find_op(const IsaTarget& target, Encoding encoding, uint32_t opcode) {
  Tables& t = tables_for(target);
  const auto& idx = t.index[static_cast<size_t>(encoding)];
  if (opcode >= idx.size() || idx[opcode] < 0) return nullptr;
  return &t.builder.rows(encoding)[static_cast<size_t>(idx[opcode])];
}

}  // namespace amdhal::sim::isa
