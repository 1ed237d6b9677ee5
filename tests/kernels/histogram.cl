// Global atomics: a 256-bin byte histogram (atomic_inc) and a running total (atomic_add).
#include "amdhal_ocl.h"

__kernel void histogram(__global const uchar* data, uint n, __global uint* bins,
                        __global uint* total) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  atomic_inc(&bins[data[i]]);
  atomic_add(total, (uint)data[i]);
}
