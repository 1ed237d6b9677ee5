// libFuzzer target for the text input of `amdhal decode`: any bytes give dwords or an error that
// names a line and column; never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "amdhal/packets/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto dwords = amdhal::packets::parse_dword_text(text);
  if (!dwords.ok() && dwords.status().message().find("line ") != 0) __builtin_trap();
  return 0;
}
