// Shared body of the decoder fuzz targets. Input: one byte choosing the GPU family, then
// little-endian dwords. The decoder must never read past its input, and its records must cover
// the input exactly (each dword belongs to one record, in order); anything else aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/packets/decode.h"

inline int fuzz_decoder(amdhal::packets::Engine engine, const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto families = amdhal::all_families();
  const amdhal::GpuFamily& family = families[data[0] % families.size()];
  std::vector<uint32_t> dwords((size - 1) / 4);
  if (!dwords.empty()) std::memcpy(dwords.data(), data + 1, dwords.size() * 4);
  const auto records = amdhal::packets::decode(engine, family, dwords);
  size_t next = 0;
  for (const auto& r : records) {
    if (r.offset != next || r.dwords == 0) std::abort();
    next += r.dwords;
    (void)amdhal::packets::format_packet(r);
  }
  if (next != dwords.size()) std::abort();
  return 0;
}
