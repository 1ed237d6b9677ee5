// An HSA-level program over the system's ROCr (libhsa-runtime64): loads the project's own
// vector_add kernel built for gfx90a as code object v4 (tests/kernels), dispatches it with one
// AQL packet on a queue it creates, waits on the completion signal and checks c = a + b on the
// host. Usage: hsa_vector_add CODE_OBJECT [N]. Prints "PASS n=N" or one line naming the failing
// call; exit status 0 / 1.
#include <hsa/hsa.h>
#include <hsa/hsa_ext_amd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

bool check(hsa_status_t s, const char* what) {
  if (s == HSA_STATUS_SUCCESS) return true;
  const char* text = nullptr;
  hsa_status_string(s, &text);
  std::printf("FAIL %s: %s\n", what, text ? text : "unknown status");
  return false;
}

struct Agents {
  hsa_agent_t gpu{}, cpu{};
  bool have_gpu = false, have_cpu = false;
};

hsa_status_t find_agents(hsa_agent_t a, void* data) {
  auto* out = static_cast<Agents*>(data);
  hsa_device_type_t type;
  hsa_agent_get_info(a, HSA_AGENT_INFO_DEVICE, &type);
  if (type == HSA_DEVICE_TYPE_GPU && !out->have_gpu) {
    out->gpu = a;
    out->have_gpu = true;
  } else if (type == HSA_DEVICE_TYPE_CPU && !out->have_cpu) {
    out->cpu = a;
    out->have_cpu = true;
  }
  return HSA_STATUS_SUCCESS;
}

struct Pools {
  hsa_amd_memory_pool_t kernarg{}, fine{};
  bool have_kernarg = false, have_fine = false;
};

hsa_status_t find_pools(hsa_amd_memory_pool_t p, void* data) {
  auto* out = static_cast<Pools*>(data);
  hsa_amd_segment_t seg;
  hsa_amd_memory_pool_get_info(p, HSA_AMD_MEMORY_POOL_INFO_SEGMENT, &seg);
  if (seg != HSA_AMD_SEGMENT_GLOBAL) return HSA_STATUS_SUCCESS;
  uint32_t flags = 0;
  hsa_amd_memory_pool_get_info(p, HSA_AMD_MEMORY_POOL_INFO_GLOBAL_FLAGS, &flags);
  if ((flags & HSA_AMD_MEMORY_POOL_GLOBAL_FLAG_KERNARG_INIT) && !out->have_kernarg) {
    out->kernarg = p;
    out->have_kernarg = true;
  }
  if ((flags & HSA_AMD_MEMORY_POOL_GLOBAL_FLAG_FINE_GRAINED) && !out->have_fine) {
    out->fine = p;
    out->have_fine = true;
  }
  return HSA_STATUS_SUCCESS;
}

int run(const char* path, uint32_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::printf("FAIL cannot read code object %s\n", path);
    return 1;
  }
  const std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!check(hsa_init(), "hsa_init")) return 1;
  Agents agents;
  if (!check(hsa_iterate_agents(find_agents, &agents), "hsa_iterate_agents")) return 1;
  if (!agents.have_gpu || !agents.have_cpu) {
    std::printf("FAIL no %s agent\n", agents.have_gpu ? "CPU" : "GPU");
    return 1;
  }
  Pools pools;
  if (!check(hsa_amd_agent_iterate_memory_pools(agents.cpu, find_pools, &pools), "pools")) return 1;
  if (!pools.have_kernarg || !pools.have_fine) {
    std::printf("FAIL the CPU agent has no kernarg or fine-grained pool\n");
    return 1;
  }

  hsa_code_object_reader_t reader;
  if (!check(hsa_code_object_reader_create_from_memory(blob.data(), blob.size(), &reader),
             "hsa_code_object_reader_create_from_memory"))
    return 1;
  hsa_executable_t exe;
  if (!check(hsa_executable_create_alt(HSA_PROFILE_FULL, HSA_DEFAULT_FLOAT_ROUNDING_MODE_DEFAULT,
                                       nullptr, &exe),
             "hsa_executable_create_alt"))
    return 1;
  if (!check(hsa_executable_load_agent_code_object(exe, agents.gpu, reader, nullptr, nullptr),
             "hsa_executable_load_agent_code_object") ||
      !check(hsa_executable_freeze(exe, nullptr), "hsa_executable_freeze"))
    return 1;
  hsa_executable_symbol_t sym;
  if (!check(hsa_executable_get_symbol_by_name(exe, "vector_add.kd", &agents.gpu, &sym),
             "hsa_executable_get_symbol_by_name(vector_add.kd)"))
    return 1;
  uint64_t kernel_object = 0;
  uint32_t kernarg_size = 0, group = 0, priv = 0;
  hsa_executable_symbol_get_info(sym, HSA_EXECUTABLE_SYMBOL_INFO_KERNEL_OBJECT, &kernel_object);
  hsa_executable_symbol_get_info(sym, HSA_EXECUTABLE_SYMBOL_INFO_KERNEL_KERNARG_SEGMENT_SIZE,
                                 &kernarg_size);
  hsa_executable_symbol_get_info(sym, HSA_EXECUTABLE_SYMBOL_INFO_KERNEL_GROUP_SEGMENT_SIZE, &group);
  hsa_executable_symbol_get_info(sym, HSA_EXECUTABLE_SYMBOL_INFO_KERNEL_PRIVATE_SEGMENT_SIZE,
                                 &priv);

  // Buffers in fine-grained system memory, visible to the GPU.
  float *a = nullptr, *b = nullptr, *c = nullptr;
  for (float** p : {&a, &b, &c}) {
    if (!check(hsa_amd_memory_pool_allocate(pools.fine, n * sizeof(float), 0,
                                            reinterpret_cast<void**>(p)),
               "hsa_amd_memory_pool_allocate"))
      return 1;
  }
  hsa_agent_t both[] = {agents.gpu};
  for (float* p : {a, b, c}) {
    if (!check(hsa_amd_agents_allow_access(1, both, nullptr, p), "hsa_amd_agents_allow_access"))
      return 1;
  }
  for (uint32_t i = 0; i < n; ++i) {
    a[i] = static_cast<float>(i) * 0.25f;
    b[i] = 100.0f - static_cast<float>(i);
    c[i] = -1.0f;
  }
  void* kernarg = nullptr;
  if (!check(hsa_amd_memory_pool_allocate(pools.kernarg, kernarg_size, 0, &kernarg),
             "kernarg allocation") ||
      !check(hsa_amd_agents_allow_access(1, both, nullptr, kernarg), "kernarg access"))
    return 1;
  std::memset(kernarg, 0, kernarg_size);
  std::memcpy(static_cast<char*>(kernarg) + 0, &a, 8);
  std::memcpy(static_cast<char*>(kernarg) + 8, &b, 8);
  std::memcpy(static_cast<char*>(kernarg) + 16, &c, 8);
  std::memcpy(static_cast<char*>(kernarg) + 24, &n, 4);

  hsa_queue_t* queue = nullptr;
  if (!check(hsa_queue_create(agents.gpu, 64, HSA_QUEUE_TYPE_SINGLE, nullptr, nullptr, UINT32_MAX,
                              UINT32_MAX, &queue),
             "hsa_queue_create"))
    return 1;
  hsa_signal_t done;
  if (!check(hsa_signal_create(1, 0, nullptr, &done), "hsa_signal_create")) return 1;

  const uint64_t index = hsa_queue_add_write_index_relaxed(queue, 1);
  auto* packet = static_cast<hsa_kernel_dispatch_packet_t*>(queue->base_address) +
                 (index & (queue->size - 1));
  std::memset(reinterpret_cast<char*>(packet) + 4, 0, sizeof(*packet) - 4);
  packet->setup = 1 << HSA_KERNEL_DISPATCH_PACKET_SETUP_DIMENSIONS;
  packet->workgroup_size_x = 64;
  packet->workgroup_size_y = 1;
  packet->workgroup_size_z = 1;
  packet->grid_size_x = (n + 63) / 64 * 64;
  packet->grid_size_y = 1;
  packet->grid_size_z = 1;
  packet->private_segment_size = priv;
  packet->group_segment_size = group;
  packet->kernel_object = kernel_object;
  packet->kernarg_address = kernarg;
  packet->completion_signal = done;
  const uint16_t header = (HSA_PACKET_TYPE_KERNEL_DISPATCH << HSA_PACKET_HEADER_TYPE) |
                          (1 << HSA_PACKET_HEADER_BARRIER) |
                          (HSA_FENCE_SCOPE_SYSTEM << HSA_PACKET_HEADER_SCACQUIRE_FENCE_SCOPE) |
                          (HSA_FENCE_SCOPE_SYSTEM << HSA_PACKET_HEADER_SCRELEASE_FENCE_SCOPE);
  __atomic_store_n(reinterpret_cast<uint16_t*>(packet), header, __ATOMIC_RELEASE);
  hsa_signal_store_screlease(queue->doorbell_signal, static_cast<hsa_signal_value_t>(index));

  const hsa_signal_value_t left = hsa_signal_wait_scacquire(
      done, HSA_SIGNAL_CONDITION_LT, 1, 30ull * 1000 * 1000 * 1000, HSA_WAIT_STATE_BLOCKED);
  if (left != 0) {
    std::printf("FAIL the completion signal is still %ld\n", static_cast<long>(left));
    return 1;
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (c[i] != a[i] + b[i]) {
      std::printf("FAIL c[%u] = %f, want %f\n", i, c[i], a[i] + b[i]);
      return 1;
    }
  }
  hsa_signal_destroy(done);
  hsa_queue_destroy(queue);
  for (void* p : {static_cast<void*>(a), static_cast<void*>(b), static_cast<void*>(c), kernarg})
    hsa_amd_memory_pool_free(p);
  hsa_executable_destroy(exe);
  hsa_code_object_reader_destroy(reader);
  hsa_shut_down();
  std::printf("PASS n=%u\n", n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::printf("usage: %s CODE_OBJECT [N]\n", argv[0]);
    return 2;
  }
  const long n = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 1000;
  if (n < 1 || n > (1 << 24)) {
    std::printf("N must be 1 .. 2^24\n");
    return 2;
  }
  return run(argv[1], static_cast<uint32_t>(n));
}
