// 2D grid indexing: out[y * width + x] = y * 65536 + x for every point inside width x height.
#include "amdhal_ocl.h"

__kernel void grid_2d(__global uint* out, uint width, uint height) {
  size_t x = get_global_id(0);
  size_t y = get_global_id(1);
  if (x < width && y < height) out[y * width + x] = (uint)(y * 65536 + x);
}
