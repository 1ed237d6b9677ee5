// Collatz step counts: a data-dependent loop with a divergent branch in every iteration.
#include "amdhal_ocl.h"

__kernel void collatz(__global const uint* start, __global uint* steps, uint n, uint max_steps) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  ulong x = start[i];
  uint count = 0;
  while (x > 1 && count < max_steps) {
    if (x & 1)
      x = 3 * x + 1;
    else
      x >>= 1;
    ++count;
  }
  steps[i] = count;
}
