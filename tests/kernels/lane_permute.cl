// Cross-lane moves through the LDS crossbar: ds_bpermute_b32 gathers each lane's value from the
// lane at the mirrored position in its wave; ds_permute_b32 scatters each value three lanes up.
#include "amdhal_ocl.h"

__kernel void lane_permute(__global const uint* in, __global uint* gathered,
                           __global uint* scattered, __global uint* wave) {
  size_t i = get_global_id(0);
  uint w = __builtin_amdgcn_wavefrontsize();
  uint lane = (uint)get_local_id(0) % w;
  int v = (int)in[i];
  gathered[i] = (uint)__builtin_amdgcn_ds_bpermute((int)((w - 1 - lane) * 4), v);
  scattered[i] = (uint)__builtin_amdgcn_ds_permute((int)(((lane + 3) % w) * 4), v);
  if (i == 0) wave[0] = w;
}
