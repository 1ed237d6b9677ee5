// libFuzzer target for the SDMA decoder (see decoder_fuzz.h for the input format and checks).
#include "decoder_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_decoder(amdhal::packets::Engine::kSdma, data, size);
}
