// Writes local ids, group ids, local sizes and group counts of all three dimensions per work-item.
#include "amdhal_ocl.h"

__kernel void ids_3d(__global uint* out) {
  size_t flat = get_global_linear_id();
  __global uint* rec = out + flat * 12;
  for (uint d = 0; d < 3; ++d) {
    rec[d] = (uint)get_local_id(d);
    rec[3 + d] = (uint)get_group_id(d);
    rec[6 + d] = (uint)get_local_size(d);
    rec[9 + d] = (uint)get_num_groups(d);
  }
}
