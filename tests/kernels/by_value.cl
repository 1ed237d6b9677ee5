// By-value arguments of every scalar width and a struct passed by value.
#include "amdhal_ocl.h"

typedef struct {
  int offset;
  float scale;
  long bias;
} affine_params;

__kernel void by_value(__global long* out, char c, short s, int i, long l, float f, double d,
                       affine_params p) {
  size_t k = get_global_id(0);
  out[k] = (long)c + s + i + l + (long)f + (long)d + (long)(p.scale * (float)(k + p.offset)) +
           p.bias;
}
