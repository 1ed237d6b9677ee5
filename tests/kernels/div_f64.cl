// Double-precision division, q[i] = a[i] / b[i]: the compiler's v_div_scale / v_rcp /
// Newton-Raphson / v_div_fmas / v_div_fixup sequence (correctly rounded).
#include "amdhal_ocl.h"

__kernel void div_f64(__global const double* a, __global const double* b, __global double* q,
                      uint n) {
  uint i = (uint)get_global_id(0);
  if (i < n) q[i] = a[i] / b[i];
}
