// libFuzzer target for the AQL decoder (see decoder_fuzz.h for the input format and checks).
#include "decoder_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_decoder(amdhal::packets::Engine::kAql, data, size);
}
