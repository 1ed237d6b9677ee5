// Double-precision dot product, partial: each work-item accumulates a strided slice of a . b.
#include "amdhal_ocl.h"

__kernel void dot_f64(__global const double* a, __global const double* b, __global double* partial,
                      ulong n) {
  size_t i = get_global_id(0);
  size_t stride = get_global_size(0);
  double acc = 0.0;
  for (size_t k = i; k < n; k += stride) acc = __builtin_fma(a[k], b[k], acc);
  partial[i] = acc;
}
