// Helpers shared by memory.cpp and page_table.cpp. Private to sim/core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "amdhal_sim/memory.h"

namespace amdhal::sim::detail {

/// True if `len` bytes (at most 16 are checked) at host address `address` can be read without
/// a SIGSEGV. Used for "system" physical addresses taken from page tables.
bool host_accessible(uint64_t address, size_t len);
/// The MapFlags bit an access needs.
uint32_t access_flag(Access a);
/// "not readable" / "not writable" / "not executable".
std::string permission_reason(Access a);

}  // namespace amdhal::sim::detail
