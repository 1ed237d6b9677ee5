// y[i] = alpha * x[i] + y[i]: a scalar float argument between buffers.
#include "amdhal_ocl.h"

__kernel void saxpy(float alpha, __global const float* x, __global float* y, int n) {
  int i = (int)get_global_id(0);
  if (i < n) y[i] = alpha * x[i] + y[i];
}
