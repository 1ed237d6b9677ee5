// Tree reduction in LDS: each workgroup of 256 items sums its slice into partial[group].
#include "amdhal_ocl.h"

// The fixed __local array makes the kernel's group segment size 1024 bytes.
#define REDUCE_GROUP_SIZE 256
__kernel __attribute__((reqd_work_group_size(REDUCE_GROUP_SIZE, 1, 1))) void reduce_sum(
    __global const float* in, __global float* partial, uint n) {
  __local float scratch[REDUCE_GROUP_SIZE];
  uint lid = get_local_id(0);
  uint gid = get_global_id(0);
  scratch[lid] = gid < n ? in[gid] : 0.0f;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint stride = REDUCE_GROUP_SIZE / 2; stride > 0; stride >>= 1) {
    if (lid < stride) scratch[lid] += scratch[lid + stride];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) partial[get_group_id(0)] = scratch[0];
}
