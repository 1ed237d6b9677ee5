// What the packet processor hands a kernel besides its arguments: the dispatch packet and queue
// user SGPRs (AMDGPUUsage "Initial Kernel Execution State"), written by work-item 0.
#include "amdhal_ocl.h"

__kernel void dispatch_regs(__global ulong* out) {
  if (get_global_id(0) != 0) return;
  out[0] = (ulong)__builtin_amdgcn_dispatch_ptr();
  out[1] = (ulong)__builtin_amdgcn_queue_ptr();
}
