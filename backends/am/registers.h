// Per-family register table for the registers bring-up uses, and name/offset resolution through
// the discovered IP bases (register address in dwords = IP base[instance][segment] + offset).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/status.h"
#include "discovery.h"

namespace amdhal::am {

struct RegisterDef {
  std::string_view name;    ///< "SCRATCH_REG0", as in the kernel's *_offset.h without reg/mm
  uint16_t hw_id;           ///< IP the offset is relative to; 0 = absolute (fixed) offset
  uint8_t segment;          ///< BASE_IDX
  uint32_t offset;          ///< dwords from that segment's base
  std::string_view source;  ///< header (or file) the offset comes from
};

/// The registers amdhal knows for `family` (those bring-up reads or writes).
std::span<const RegisterDef> register_table(const GpuFamily& family);

/// A register resolved to an absolute BAR5 dword offset.
struct ResolvedRegister {
  std::string name;  ///< "GC0.SCRATCH_REG0", or "0x1234" for a raw offset
  std::string ip;    ///< "GC", "" for absolute
  uint8_t instance = 0;
  uint64_t dword = 0;
  uint64_t byte_offset() const { return dword * 4; }
};

/// Resolves "NAME", "IP.NAME", "IP#n.NAME" (instance n) or a byte offset ("0x5818c", a multiple
/// of 4). Unknown names are kNotFound listing what `regs list` shows; an IP the table has no
/// base for is kNotFound naming it.
Expected<ResolvedRegister> resolve_register(std::string_view text, const GpuFamily& family,
                                            const DiscoveryTable& table);

/// Every known register of `family` resolved (optionally only those of IP `ip_filter`).
Expected<std::vector<ResolvedRegister>> list_registers(const GpuFamily& family,
                                                       const DiscoveryTable& table,
                                                       std::string_view ip_filter);

}  // namespace amdhal::am
