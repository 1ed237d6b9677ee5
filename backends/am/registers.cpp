// Register tables. Sources are the Linux kernel's register headers
// (drivers/gpu/drm/amd/include/asic_reg/...) and tinygrad am/amdev.py for the fixed offsets used
// before discovery. Offsets marked "(9.0 value, assumed)" were taken from the gfx9 header and
// not checked against the newer IP's header: treat them as such.
#include "registers.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace amdhal::am {
namespace {

// Shared by every family: MP0 (PSP) / MP1 (SMU) mailboxes keep their offsets across mp_11_0 and
// mp_13_0 (regMP0_SMN_C2PMSG_n = 0x40 + n; regMP1_SMN_C2PMSG_n = 0x240 + n, BASE_IDX 0).
#define AMDHAL_COMMON_REGS                                                                      \
  {"MM_INDEX", 0, 0, 0x00, "tinygrad am/amdev.py _read_vram (fixed dword 0x00)"},               \
      {"MM_DATA", 0, 0, 0x01, "tinygrad am/amdev.py _read_vram (fixed dword 0x01)"},            \
      {"MM_INDEX_HI", 0, 0, 0x06, "tinygrad am/amdev.py _read_vram (fixed dword 0x06)"},        \
      {"RCC_CONFIG_MEMSIZE", 0, 0, 0xde3,                                                       \
       "tinygrad am/amdev.py _run_discovery (mmRCC_CONFIG_MEMSIZE = 0xde3)"},                   \
      {"MP0_SMN_C2PMSG_35", hwid::kMp0, 0, 0x63, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_35"},    \
      {"MP0_SMN_C2PMSG_36", hwid::kMp0, 0, 0x64, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_36"},    \
      {"MP0_SMN_C2PMSG_64", hwid::kMp0, 0, 0x80, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_64"},    \
      {"MP0_SMN_C2PMSG_81", hwid::kMp0, 0, 0x91, "mp_13_0_0_offset.h regMP0_SMN_C2PMSG_81"},    \
      {"MP1_SMN_C2PMSG_66", hwid::kMp1, 0, 0x282, "mp_13_0_0_offset.h regMP1_SMN_C2PMSG_66"},   \
      {"MP1_SMN_C2PMSG_82", hwid::kMp1, 0, 0x292, "mp_13_0_0_offset.h regMP1_SMN_C2PMSG_82"}, { \
    "MP1_SMN_C2PMSG_90", hwid::kMp1, 0, 0x29a, "mp_13_0_0_offset.h regMP1_SMN_C2PMSG_90"        \
  }

constexpr RegisterDef kGfx9Regs[] = {
    AMDHAL_COMMON_REGS,
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
constexpr RegisterDef kGfx10Regs[] = {
    AMDHAL_COMMON_REGS,
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
// GFXHUB VMID 0 registers of GC 11.0.0: Linux gc_11_0_0_offset.h (regGCVM_*, all BASE_IDX 0).
constexpr RegisterDef kGfx11Regs[] = {
    AMDHAL_COMMON_REGS,
    {"GCVM_CONTEXT0_CNTL", hwid::kGc, 0, 0x1688, "gc_11_0_0_offset.h regGCVM_CONTEXT0_CNTL"},
    {"GCVM_INVALIDATE_ENG17_REQ", hwid::kGc, 0, 0x16bc,
     "gc_11_0_0_offset.h regGCVM_INVALIDATE_ENG17_REQ"},
    {"GCVM_INVALIDATE_ENG17_ACK", hwid::kGc, 0, 0x16ce,
     "gc_11_0_0_offset.h regGCVM_INVALIDATE_ENG17_ACK"},
    {"GCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32", hwid::kGc, 0, 0x16f3,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_LO32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32", hwid::kGc, 0, 0x16f4,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_BASE_ADDR_HI32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32", hwid::kGc, 0, 0x1713,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_START_ADDR_LO32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32", hwid::kGc, 0, 0x1714,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_START_ADDR_HI32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32", hwid::kGc, 0, 0x1733,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_END_ADDR_LO32"},
    {"GCVM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32", hwid::kGc, 0, 0x1734,
     "gc_11_0_0_offset.h regGCVM_CONTEXT0_PAGE_TABLE_END_ADDR_HI32"},
    {"SCRATCH_REG0", hwid::kGc, 1, 0x2040, "gc_9_0_offset.h mmSCRATCH_REG0 (9.0 value, assumed)"},
};
#undef AMDHAL_COMMON_REGS

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

Expected<ResolvedRegister> resolve_def(const RegisterDef& d, uint8_t instance,
                                       const DiscoveryTable& table) {
  ResolvedRegister r;
  if (d.hw_id == 0) {
    r.name = std::string(d.name);
    r.dword = d.offset;
    return r;
  }
  const IpBlock* ip = table.find(d.hw_id, instance);
  if (ip == nullptr) {
    return not_found(fmt::format("register {}: IP {} instance {} is not in the discovery table",
                                 d.name, hw_id_name(d.hw_id), instance));
  }
  if (d.segment >= ip->bases.size()) {
    return not_found(fmt::format("register {}: {} has no base segment {}", d.name,
                                 hw_id_name(d.hw_id), d.segment));
  }
  r.ip = hw_id_name(d.hw_id);
  r.instance = instance;
  r.name = instance == 0 ? fmt::format("{}.{}", r.ip, d.name)
                         : fmt::format("{}#{}.{}", r.ip, instance, d.name);
  r.dword = ip->bases[d.segment] + d.offset;
  return r;
}

}  // namespace

std::span<const RegisterDef> register_table(const GpuFamily& family) {
  if (family.pm4 == Pm4Variant::kGfx9) return kGfx9Regs;
  if (family.pm4 == Pm4Variant::kGfx11) return kGfx11Regs;
  return kGfx10Regs;
}

Expected<ResolvedRegister> resolve_register(std::string_view text, const GpuFamily& family,
                                            const DiscoveryTable& table) {
  if (text.starts_with("0x") || text.starts_with("0X") ||
      (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])))) {
    const bool hex = text.starts_with("0x") || text.starts_with("0X");
    std::string_view digits = hex ? text.substr(2) : text;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
    if (ec != std::errc() || p != digits.data() + digits.size() || v % 4 != 0) {
      return invalid_argument(fmt::format(
          "register offset '{}': expected a byte offset into BAR5, a multiple of 4", text));
    }
    ResolvedRegister r;
    r.name = fmt::format("0x{:x}", v);
    r.dword = v / 4;
    return r;
  }
  std::string_view ip_part, name = text;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    ip_part = text.substr(0, dot);
    name = text.substr(dot + 1);
  }
  uint8_t instance = 0;
  std::optional<uint16_t> want_ip;
  if (!ip_part.empty()) {
    // "GC" or "GC#1" (instance 1).
    std::string_view ip_name = ip_part;
    if (auto hash = ip_part.find('#'); hash != std::string_view::npos) {
      ip_name = ip_part.substr(0, hash);
      const std::string_view n = ip_part.substr(hash + 1);
      unsigned v = 0;
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
      if (ec != std::errc() || p != n.data() + n.size() || v > 255) {
        return invalid_argument(fmt::format("register {}: bad instance '{}'", text, n));
      }
      instance = static_cast<uint8_t>(v);
    }
    want_ip = hw_id_from_name(ip_name);
    if (!want_ip) return not_found(fmt::format("register {}: unknown IP '{}'", text, ip_name));
  }
  for (const auto& d : register_table(family)) {
    if (!iequal(d.name, name)) continue;
    if (want_ip && d.hw_id != *want_ip) continue;
    return resolve_def(d, instance, table);
  }
  std::string known;
  for (const auto& d : register_table(family))
    known += fmt::format("{}{}", known.empty() ? "" : ", ", d.name);
  return not_found(
      fmt::format("unknown register '{}' for {} (known: {})", text, family.name, known));
}

Expected<std::vector<ResolvedRegister>> list_registers(const GpuFamily& family,
                                                       const DiscoveryTable& table,
                                                       std::string_view ip_filter) {
  std::optional<uint16_t> want;
  if (!ip_filter.empty()) {
    want = hw_id_from_name(ip_filter);
    if (!want) return not_found(fmt::format("unknown IP '{}'", ip_filter));
  }
  std::vector<ResolvedRegister> out;
  for (const auto& d : register_table(family)) {
    if (want && d.hw_id != *want) continue;
    if (d.hw_id == 0) {
      AMDHAL_ASSIGN_OR_RETURN(auto r, resolve_def(d, 0, table));
      out.push_back(std::move(r));
      continue;
    }
    for (const auto& ip : table.blocks) {
      if (ip.hw_id != d.hw_id) continue;
      auto r = resolve_def(d, ip.instance, table);
      if (r.ok()) out.push_back(std::move(*r));
    }
  }
  return out;
}

}  // namespace amdhal::am
