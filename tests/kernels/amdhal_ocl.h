// Work-item functions, barrier and atomics for the test kernels, built on clang's amdgcn builtins.
//
// The kernels are compiled with -nogpulib, so the OpenCL library functions of the ROCm device
// libraries (get_global_id, barrier, atomic_add, ...) are not linked in. This header maps the
// names the kernels use onto static inline helpers, so the kernel sources read like ordinary
// OpenCL C and every helper is inlined (no extra function symbols in the code objects).
//
// clang lowers __builtin_amdgcn_workgroup_size_* to a load of hidden_group_size_* from the
// implicit kernarg segment on code object v5+ and from the AQL dispatch packet on v4;
// __builtin_amdgcn_grid_size_* loads grid_size_* from the dispatch packet. Global offsets are
// taken as zero (amdhal fills hidden_global_offset_* with 0).
#pragma once

static inline __attribute__((always_inline)) size_t amdhal_local_id(uint d) {
  switch (d) {
    case 0: return __builtin_amdgcn_workitem_id_x();
    case 1: return __builtin_amdgcn_workitem_id_y();
    case 2: return __builtin_amdgcn_workitem_id_z();
    default: return 0;
  }
}

static inline __attribute__((always_inline)) size_t amdhal_group_id(uint d) {
  switch (d) {
    case 0: return __builtin_amdgcn_workgroup_id_x();
    case 1: return __builtin_amdgcn_workgroup_id_y();
    case 2: return __builtin_amdgcn_workgroup_id_z();
    default: return 0;
  }
}

// Enqueued (full) workgroup size of dimension d.
static inline __attribute__((always_inline)) size_t amdhal_enqueued_local_size(uint d) {
  switch (d) {
    case 0: return __builtin_amdgcn_workgroup_size_x();
    case 1: return __builtin_amdgcn_workgroup_size_y();
    case 2: return __builtin_amdgcn_workgroup_size_z();
    default: return 1;
  }
}

static inline __attribute__((always_inline)) size_t amdhal_global_size(uint d) {
  switch (d) {
    case 0: return __builtin_amdgcn_grid_size_x();
    case 1: return __builtin_amdgcn_grid_size_y();
    case 2: return __builtin_amdgcn_grid_size_z();
    default: return 1;
  }
}

static inline __attribute__((always_inline)) size_t amdhal_num_groups(uint d) {
  size_t wg = amdhal_enqueued_local_size(d);
  return (amdhal_global_size(d) + wg - 1) / wg;
}

// Size of the work-group this work-item is in: the last group of a dimension may be partial.
static inline __attribute__((always_inline)) size_t amdhal_local_size(uint d) {
  size_t wg = amdhal_enqueued_local_size(d);
  size_t rest = amdhal_global_size(d) - amdhal_group_id(d) * wg;
  return rest < wg ? rest : wg;
}

static inline __attribute__((always_inline)) size_t amdhal_global_id(uint d) {
  return amdhal_group_id(d) * amdhal_enqueued_local_size(d) + amdhal_local_id(d);
}

static inline __attribute__((always_inline)) size_t amdhal_global_linear_id(void) {
  return (amdhal_global_id(2) * amdhal_global_size(1) + amdhal_global_id(1)) *
             amdhal_global_size(0) +
         amdhal_global_id(0);
}

// Work-group barrier: release fence, s_barrier, acquire fence (workgroup scope).
static inline __attribute__((always_inline)) void amdhal_barrier(void) {
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "workgroup");
  __builtin_amdgcn_s_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "workgroup");
}

static inline __attribute__((always_inline)) uint amdhal_atomic_add(volatile __global uint* p,
                                                                    uint v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

#define get_local_id(d) amdhal_local_id(d)
#define get_group_id(d) amdhal_group_id(d)
#define get_local_size(d) amdhal_local_size(d)
#define get_enqueued_local_size(d) amdhal_enqueued_local_size(d)
#define get_global_size(d) amdhal_global_size(d)
#define get_num_groups(d) amdhal_num_groups(d)
#define get_global_id(d) amdhal_global_id(d)
#define get_global_linear_id() amdhal_global_linear_id()
#define barrier(flags) amdhal_barrier()
#define atomic_add(p, v) amdhal_atomic_add((p), (v))
#define atomic_inc(p) amdhal_atomic_add((p), 1u)
