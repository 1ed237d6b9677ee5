// The process, memory and queue ioctls of the virtual KFD. Each handler follows the checks and
// errno values of the kernel function named above it (drivers/gpu/drm/amd/amdkfd/kfd_chardev.c
// unless noted; kfd_queue.c for the queue buffer rules). Called with Impl::mu held.
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "vkfd_internal.h"

namespace amdhal::sim {

using namespace vkfd;  // NOLINT

namespace {

uint64_t page_align(uint64_t v) {
  return (v + kPage - 1) & ~(kPage - 1);
}

bool is_power_of_2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint32_t map_flags_for(uint32_t kfd_flags) {
  uint32_t f = kMapRead;
  if ((kfd_flags & KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE) != 0) f |= kMapWrite;
  if ((kfd_flags & KFD_IOC_ALLOC_MEM_FLAGS_EXECUTABLE) != 0) f |= kMapExecute;
  return f;
}

}  // namespace

// kfd_ioctl_get_version
int VirtualKfd::Impl::get_version(void* arg) {
  auto* a = static_cast<kfd_ioctl_get_version_args*>(arg);
  a->major_version = KFD_IOCTL_MAJOR_VERSION;
  a->minor_version = KFD_IOCTL_MINOR_VERSION;
  return 0;
}

// kfd_ioctl_get_process_apertures_new: num_of_nodes == 0 asks for the count; every GPU has a
// process device from the start (kfd_create_process creates one per node). Apertures as
// kfd_flat_memory.c kfd_init_apertures_v9 sets them for 64-bit processes.
int VirtualKfd::Impl::get_process_apertures_new(void* arg) {
  auto* a = static_cast<kfd_ioctl_get_process_apertures_new_args*>(arg);
  if (a->num_of_nodes == 0) {
    a->num_of_nodes = static_cast<uint32_t>(gpus.size());
    return 0;
  }
  const uint32_t n = std::min<uint32_t>(a->num_of_nodes, static_cast<uint32_t>(gpus.size()));
  std::vector<kfd_process_device_apertures> pa(n);
  for (uint32_t i = 0; i < n; ++i) {
    pa[i].gpu_id = gpus[i].gpu_id;
    pa[i].lds_base = 0x1ull << 48;
    pa[i].lds_limit = pa[i].lds_base + 0xFFFFFFFFull;
    pa[i].scratch_base = 0x2ull << 48;
    pa[i].scratch_limit = pa[i].scratch_base + 0xFFFFFFFFull;
    pa[i].gpuvm_base = 0x200000;  // AMDGPU_VA_RESERVED_BOTTOM
    pa[i].gpuvm_limit = (1ull << 47) - 1;
  }
  a->num_of_nodes = n;
  if (!copy_to_user(a->kfd_process_device_apertures_ptr, pa.data(), n * sizeof(pa[0]))) {
    return EFAULT;
  }
  return 0;
}

// kfd_ioctl_acquire_vm: fget(drm_fd) fails → EINVAL; unknown gpu_id → EINVAL; already acquired
// through another file → EBUSY (the same file again is fine). A file that is not this GPU's
// render node → EINVAL (amdgpu_file_to_fpriv refuses non-amdgpu files).
int VirtualKfd::Impl::acquire_vm(void* arg) {
  auto* a = static_cast<kfd_ioctl_acquire_vm_args*>(arg);
  auto fit = files.find(static_cast<int>(a->drm_fd));
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  if (fit == files.end()) return EINVAL;
  const FileRec& f = fit->second;
  if (g->acquired_file != 0) return g->acquired_file == f.serial ? 0 : EBUSY;
  if (f.kind != FileRec::kRender || f.gpu != g->index) return EINVAL;
  g->acquired_file = f.serial;
  return 0;
}

// kfd_ioctl_alloc_memory_of_gpu + amdgpu_amdkfd_gpuvm_alloc_memory_of_gpu (amdgpu_amdkfd_gpuvm.c).
int VirtualKfd::Impl::alloc_memory(void* arg) {
  auto* a = static_cast<kfd_ioctl_alloc_memory_of_gpu_args*>(arg);
  const uint32_t flags = a->flags;
  if (a->size == 0) return EINVAL;
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC) != 0 &&
      (flags & KFD_IOC_ALLOC_MEM_FLAGS_VRAM) != 0 && !large_bar) {
    return EINVAL;  // "Alloc host visible vram on small bar is not allowed"
  }
  if (g->acquired_file == 0) return ENODEV;  // kfd_bind_process_to_device: no VM
  if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL) != 0) {
    if (a->size != kDoorbellSliceBytes) return EINVAL;
  } else if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP) != 0) {
    if (a->size != kPage) return EINVAL;
  }
  BoKind kind;
  if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_VRAM) != 0) {
    kind = BoKind::kVram;
  } else if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_GTT) != 0) {
    kind = BoKind::kGtt;
  } else if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_USERPTR) != 0) {
    kind = BoKind::kUserptr;
  } else if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL) != 0) {
    kind = BoKind::kDoorbell;
  } else if ((flags & KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP) != 0) {
    kind = BoKind::kMmio;
  } else {
    return EINVAL;  // no domain
  }
  // amdgpu_vm_bo_map refuses unaligned addresses (at map time in the kernel; here at once).
  if ((a->va_addr & (kPage - 1)) != 0) return EINVAL;
  const uint64_t size = page_align(a->size);
  if (size < a->size) return EINVAL;

  auto bo = std::make_unique<Bo>();
  bo->gpu_id = g->gpu_id;
  bo->gpu = g->index;
  bo->kind = kind;
  bo->flags = flags;
  bo->va = a->va_addr;
  bo->size = size;
  uint64_t offset = 0;
  switch (kind) {
    case BoKind::kVram:
    case BoKind::kGtt: {
      if (kind == BoKind::kVram && g->vram_used + size > vram_heap) return ENOMEM;
      if (kind == BoKind::kGtt && gtt_used + size > gtt_limit) return ENOMEM;
      bo->memfd =
          memfd_create(kind == BoKind::kVram ? "amdhal-vkfd-vram" : "amdhal-vkfd-gtt", MFD_CLOEXEC);
      if (bo->memfd < 0) return ENOMEM;
      if (ftruncate(bo->memfd, static_cast<off_t>(size)) != 0) {
        ::close(bo->memfd);
        return ENOMEM;
      }
      void* k = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, bo->memfd, 0);
      if (k == MAP_FAILED) {
        ::close(bo->memfd);
        return ENOMEM;
      }
      bo->kaddr = static_cast<uint8_t*>(k);
      bo->own_kaddr = true;
      offset = next_render_offset;
      next_render_offset += size + kPage;
      if (kind == BoKind::kVram) {
        g->vram_used += size;
      } else {
        gtt_used += size;
      }
      break;
    }
    case BoKind::kUserptr: {
      // amdgpu_amdkfd_gpuvm_alloc_memory_of_gpu: the user address comes in mmap_offset;
      // get_user_pages on an unmapped range fails with EFAULT.
      const uint64_t user = a->mmap_offset;
      if (user == 0 || (user & (kPage - 1)) != 0) return EINVAL;
      if (!access_ok(user, size)) return EFAULT;
      if (msync(reinterpret_cast<void*>(user), size, MS_ASYNC) != 0) return EFAULT;
      bo->kaddr = reinterpret_cast<uint8_t*>(user);
      offset = user;
      break;
    }
    case BoKind::kDoorbell:
      bo->kaddr = reinterpret_cast<uint8_t*>(const_cast<uint64_t*>(g->device->doorbells()));
      offset = kMmapTypeDoorbell | mmap_gpu_id(g->gpu_id);
      break;
    case BoKind::kMmio:
      if (g->mmio_page == nullptr) {
        g->mmio_memfd = memfd_create("amdhal-vkfd-mmio", MFD_CLOEXEC);
        if (g->mmio_memfd < 0 || ftruncate(g->mmio_memfd, kPage) != 0) return ENOMEM;
        void* k = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, g->mmio_memfd, 0);
        if (k == MAP_FAILED) return ENOMEM;
        g->mmio_page = static_cast<uint8_t*>(k);
      }
      bo->kaddr = g->mmio_page;
      // MMIO is mapped through /dev/kfd: KFD_MMAP_TYPE_MMIO | KFD_MMAP_GPU_ID(gpu_id).
      offset = kMmapTypeMmio | mmap_gpu_id(g->gpu_id);
      break;
  }
  bo->mmap_offset = offset;
  bo->handle = make_handle(g->gpu_id, next_idr++);
  a->handle = bo->handle;
  a->mmap_offset = offset;
  bos[bo->handle] = std::move(bo);
  return 0;
}

void VirtualKfd::Impl::free_bo_locked(Bo& bo) {
  if (bo.own_kaddr && bo.kaddr != nullptr) ::munmap(bo.kaddr, bo.size);
  bo.kaddr = nullptr;
  if (bo.memfd >= 0) ::close(bo.memfd);
  bo.memfd = -1;
  if (bo.kind == BoKind::kVram) gpus[bo.gpu].vram_used -= bo.size;
  if (bo.kind == BoKind::kGtt) gtt_used -= bo.size;
}

// kfd_ioctl_free_memory_of_gpu: the event page BO → EPERM; unknown GPU or handle → EINVAL; a BO
// still mapped to a GPU → EBUSY (amdgpu_amdkfd_gpuvm_free_memory_of_gpu).
int VirtualKfd::Impl::free_memory(void* arg) {
  auto* a = static_cast<kfd_ioctl_free_memory_of_gpu_args*>(arg);
  {
    std::lock_guard lock(ev_mu);
    if (signal_handle != 0 && signal_handle == a->handle) return EPERM;
  }
  if (gpu_by_id(static_cast<uint32_t>(a->handle >> 32)) == nullptr) return EINVAL;
  auto it = bos.find(a->handle);
  if (it == bos.end()) return EINVAL;
  if (!it->second->mapped.empty()) return EBUSY;
  free_bo_locked(*it->second);
  bos.erase(it);
  return 0;
}

// kfd_ioctl_map_memory_to_gpu: n_devices == 0 or n_success > n_devices → EINVAL; the id array
// unreadable → EFAULT; owner GPU unknown → EINVAL, without a VM → ENODEV; unknown handle →
// ENOMEM (sic); a peer unknown → EINVAL, without a VM → ENODEV. n_success counts the GPUs done.
int VirtualKfd::Impl::map_memory(void* arg) {
  auto* a = static_cast<kfd_ioctl_map_memory_to_gpu_args*>(arg);
  if (a->n_devices == 0 || a->n_success > a->n_devices) return EINVAL;
  if (a->n_devices > (1u << 20)) return ENOMEM;
  std::vector<uint32_t> ids(a->n_devices);
  if (!copy_from_user(ids.data(), a->device_ids_array_ptr, ids.size() * sizeof(uint32_t))) {
    return EFAULT;
  }
  Gpu* owner = gpu_by_id(static_cast<uint32_t>(a->handle >> 32));
  if (owner == nullptr) return EINVAL;
  if (owner->acquired_file == 0) return ENODEV;
  auto it = bos.find(a->handle);
  if (it == bos.end()) return ENOMEM;
  Bo& bo = *it->second;
  for (uint32_t i = a->n_success; i < a->n_devices; ++i) {
    Gpu* peer = gpu_by_id(ids[i]);
    if (peer == nullptr) return EINVAL;
    if (peer->acquired_file == 0) return ENODEV;
    if (std::find(bo.mapped.begin(), bo.mapped.end(), peer->index) == bo.mapped.end()) {
      // amdgpu_vm_bo_map: a VA range that overlaps another mapping → EINVAL.
      Status st =
          peer->device->vm(kProcessVmid).map(bo.va, bo.kaddr, bo.size, map_flags_for(bo.flags));
      if (!st.ok()) return st.code() == StatusCode::kInvalidArgument ? EINVAL : ENOMEM;
      bo.mapped.push_back(peer->index);
    }
    a->n_success = i + 1;
  }
  return 0;
}

// kfd_ioctl_unmap_memory_from_gpu: as MAP; a GPU the BO is not mapped to is skipped
// (amdgpu_amdkfd_gpuvm_unmap_memory_from_gpu only touches mapped attachments). A BO a queue
// still uses → EBUSY (the kernel keeps queue buffers mapped: bo_va->queue_refcount).
int VirtualKfd::Impl::unmap_memory(void* arg) {
  auto* a = static_cast<kfd_ioctl_unmap_memory_from_gpu_args*>(arg);
  if (a->n_devices == 0 || a->n_success > a->n_devices) return EINVAL;
  if (a->n_devices > (1u << 20)) return ENOMEM;
  std::vector<uint32_t> ids(a->n_devices);
  if (!copy_from_user(ids.data(), a->device_ids_array_ptr, ids.size() * sizeof(uint32_t))) {
    return EFAULT;
  }
  Gpu* owner = gpu_by_id(static_cast<uint32_t>(a->handle >> 32));
  if (owner == nullptr) return EINVAL;
  auto it = bos.find(a->handle);
  if (it == bos.end()) return ENOMEM;
  Bo& bo = *it->second;
  for (uint32_t i = a->n_success; i < a->n_devices; ++i) {
    Gpu* peer = gpu_by_id(ids[i]);
    if (peer == nullptr) return EINVAL;
    auto m = std::find(bo.mapped.begin(), bo.mapped.end(), peer->index);
    if (m != bo.mapped.end()) {
      if (bo.queue_refs > 0) return EBUSY;
      peer->device->vm(kProcessVmid).unmap(bo.va, bo.size).ignore();
      bo.mapped.erase(m);
    }
    a->n_success = i + 1;
  }
  return 0;
}

// set_queue_properties_from_user + kfd_ioctl_create_queue + kfd_queue.c
// kfd_queue_acquire_buffers + the SDMA queue allocation of kfd_device_queue_manager.c.
int VirtualKfd::Impl::create_queue(void* arg) {
  auto* a = static_cast<kfd_ioctl_create_queue_args*>(arg);
  if ((a->queue_percentage & 0xFF) > KFD_MAX_QUEUE_PERCENTAGE) return EINVAL;
  if (a->queue_priority > KFD_MAX_QUEUE_PRIORITY) return EINVAL;
  if (a->ring_base_address != 0 && !access_ok(a->ring_base_address, sizeof(uint64_t))) {
    return EFAULT;
  }
  if (!is_power_of_2(a->ring_size) && a->ring_size != 0) return EINVAL;
  if (!access_ok(a->read_pointer_address, sizeof(uint32_t))) return EFAULT;
  if (!access_ok(a->write_pointer_address, sizeof(uint32_t))) return EFAULT;
  if (a->eop_buffer_address != 0 && !access_ok(a->eop_buffer_address, sizeof(uint32_t))) {
    return EFAULT;
  }
  if (a->ctx_save_restore_address != 0 &&
      !access_ok(a->ctx_save_restore_address, sizeof(uint32_t))) {
    return EFAULT;
  }
  const uint32_t type = a->queue_type;
  const bool compute = type == KFD_IOC_QUEUE_TYPE_COMPUTE || type == KFD_IOC_QUEUE_TYPE_COMPUTE_AQL;
  if (!compute && type != KFD_IOC_QUEUE_TYPE_SDMA && type != KFD_IOC_QUEUE_TYPE_SDMA_XGMI) {
    return kEnotsupp;
  }
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  if (g->acquired_file == 0) return ESRCH;

  // kfd_queue_buffer_get: the address must be the first page of a buffer mapped to this GPU and,
  // when a size is expected, the mapping must be exactly that long.
  std::vector<uint64_t> refs;
  auto buffer_get = [&](uint64_t addr, uint64_t expected) -> bool {
    const uint64_t page = addr & ~(kPage - 1);
    for (const auto& [h, bo] : bos) {
      if (std::find(bo->mapped.begin(), bo->mapped.end(), g->index) == bo->mapped.end()) continue;
      if (page < bo->va || page >= bo->va + bo->size) continue;
      if (page != bo->va || (expected != 0 && page_align(expected) != bo->size)) return false;
      refs.push_back(h);
      return true;
    }
    return false;
  };
  if (!buffer_get(a->write_pointer_address, kPage)) return EINVAL;
  if (!buffer_get(a->read_pointer_address, kPage)) return EINVAL;
  if (!buffer_get(a->ring_base_address, a->ring_size)) return EINVAL;
  const uint64_t ring_bo = refs.back();
  if (compute) {
    if (a->eop_buffer_address != 0) {
      if (a->eop_buffer_size != g->eop_buffer_size) return EINVAL;
      if (!buffer_get(a->eop_buffer_address, a->eop_buffer_size)) return EINVAL;
    }
    if (a->ctl_stack_size != g->ctl_stack_size) return EINVAL;
    if (a->ctx_save_restore_size != g->cwsr_size) return EINVAL;
    const uint64_t total = page_align((uint64_t{g->cwsr_size} + g->debug_memory_size) * g->num_xcc);
    if (!buffer_get(a->ctx_save_restore_address, total)) return EINVAL;
  }

  // SDMA engine: the least used engine of the kind with a free queue slot, else ENOMEM ("No
  // more SDMA queue to allocate").
  uint32_t engine = ~0u;
  if (!compute) {
    const bool xgmi = type == KFD_IOC_QUEUE_TYPE_SDMA_XGMI;
    const uint32_t first = xgmi ? g->sdma_engines : 0;
    const uint32_t count = xgmi ? g->sdma_xgmi_engines : g->sdma_engines;
    for (uint32_t e = first; e < first + count && e < g->sdma_queue_count.size(); ++e) {
      if (g->sdma_queue_count[e] >= g->sdma_queues_per_engine) continue;
      if (engine == ~0u || g->sdma_queue_count[e] < g->sdma_queue_count[engine]) engine = e;
    }
    if (engine == ~0u) return ENOMEM;
  }
  uint32_t qid = 0;
  while (queues.count(qid) != 0) ++qid;
  if (qid >= 1024) return ENOMEM;  // KFD_MAX_NUM_OF_QUEUES_PER_PROCESS
  uint32_t slot = 0;
  while (slot < g->doorbell_used.size() && g->doorbell_used[slot]) ++slot;
  if (slot >= g->doorbell_used.size()) return ENOMEM;

  QueueDesc desc;
  desc.type = type == KFD_IOC_QUEUE_TYPE_COMPUTE       ? QueueType::kPm4
              : type == KFD_IOC_QUEUE_TYPE_COMPUTE_AQL ? QueueType::kAql
                                                       : QueueType::kSdma;
  desc.engine = compute ? 0 : engine;
  desc.vmid = kProcessVmid;
  desc.ring_address = a->ring_base_address;
  desc.ring_bytes = a->ring_size;
  desc.rptr_address = a->read_pointer_address;
  desc.wptr_address = a->write_pointer_address;
  desc.doorbell_index = slot;
  desc.name = compute ? fmt::format("kfd.q{}", qid) : fmt::format("kfd.sdma{}.q{}", engine, qid);
  // A new queue's doorbell starts at 0 (the MQD's initial write pointer).
  __atomic_store_n(const_cast<uint64_t*>(g->device->doorbells()) + slot, 0, __ATOMIC_RELEASE);
  auto created = g->device->create_queue(desc);
  if (!created.ok())
    return created.status().code() == StatusCode::kInvalidArgument ? EINVAL : ENOMEM;

  QueueRec q;
  q.id = qid;
  q.gpu = g->index;
  q.sim_queue = *created;
  q.doorbell_slot = slot;
  q.type = type;
  q.engine = engine;
  q.bo_refs = refs;
  q.desc = desc;
  q.ring_bo = ring_bo;
  q.ring_base = a->ring_base_address;
  q.ring_size = a->ring_size;
  q.percentage = a->queue_percentage & 0xFF;
  q.priority = a->queue_priority;
  for (uint64_t h : refs) bos[h]->queue_refs++;
  g->doorbell_used[slot] = true;
  if (engine != ~0u) g->sdma_queue_count[engine]++;
  queues[qid] = std::move(q);

  a->queue_id = qid;
  // "Return gpu_id as doorbell offset for mmap usage"; SOC15 adds the byte offset of the
  // queue's doorbell in the process doorbell slice.
  a->doorbell_offset = kMmapTypeDoorbell | mmap_gpu_id(g->gpu_id) | (uint64_t{slot} * 8);
  return 0;
}

// kfd_ioctl_destroy_queue → pqm_destroy_queue: an unknown queue id → EINVAL.
int VirtualKfd::Impl::destroy_queue(void* arg) {
  auto* a = static_cast<kfd_ioctl_destroy_queue_args*>(arg);
  auto it = queues.find(a->queue_id);
  if (it == queues.end()) return EINVAL;
  QueueRec& q = it->second;
  Gpu& g = gpus[q.gpu];
  g.device->destroy_queue(q.sim_queue).ignore();
  g.doorbell_used[q.doorbell_slot] = false;
  if (q.engine != ~0u) g.sdma_queue_count[q.engine]--;
  for (uint64_t h : q.bo_refs) {
    auto b = bos.find(h);
    if (b != bos.end()) b->second->queue_refs--;
  }
  queues.erase(it);
  return 0;
}

// kfd_ioctl_update_queue: percentage (low byte; bits 8-15 are the PM4 target XCC) > 100 or
// priority > 15 → EINVAL, a non-zero ring address failing access_ok → EFAULT, a ring size that
// is neither 0 nor a power of two → EINVAL. Then kfd_process_queue_manager.c
// pqm_update_queue_properties: an unknown queue → EFAULT; a non-null ring (address and size)
// must be a GPU-mapped buffer of exactly that size (kfd_queue_buffer_get) else EFAULT, and takes
// over the old ring's reference. The new properties are stored and the queue is re-evaluated:
// kfd_priv.h QUEUE_IS_ACTIVE = size > 0 && address != 0 && percent > 0 (a null ring or 0 %
// "disables" the queue: ROCr's AqlQueue::Suspend). On the simulator an inactive queue is
// suspended (fetches nothing; doorbells are served on resume), an active one resumed; a changed
// ring re-creates the simulated queue at the old read pointer (the MQD update keeps the saved
// CP_HQD_PQ_RPTR). Priority is recorded only (the simulator has no queue arbitration).
int VirtualKfd::Impl::update_queue(void* arg) {
  auto* a = static_cast<kfd_ioctl_update_queue_args*>(arg);
  if ((a->queue_percentage & 0xFF) > KFD_MAX_QUEUE_PERCENTAGE) return EINVAL;
  if (a->queue_priority > KFD_MAX_QUEUE_PRIORITY) return EINVAL;
  if (a->ring_base_address != 0 && !access_ok(a->ring_base_address, sizeof(uint64_t))) {
    return EFAULT;
  }
  if (!is_power_of_2(a->ring_size) && a->ring_size != 0) return EINVAL;
  auto it = queues.find(a->queue_id);
  if (it == queues.end()) return EFAULT;
  QueueRec& q = it->second;
  Gpu& g = gpus[q.gpu];
  const bool has_ring = a->ring_base_address != 0 && a->ring_size != 0;
  uint64_t new_ring_bo = q.ring_bo;
  if (has_ring) {
    new_ring_bo = 0;
    const uint64_t page = a->ring_base_address & ~(kPage - 1);
    for (const auto& [h, bo] : bos) {
      if (std::find(bo->mapped.begin(), bo->mapped.end(), g.index) == bo->mapped.end()) continue;
      if (page != bo->va || page_align(a->ring_size) != bo->size) continue;
      new_ring_bo = h;
      break;
    }
    if (new_ring_bo == 0) return EFAULT;  // "ring buf ... not mapped on GPU"
  }
  const bool active = has_ring && (a->queue_percentage & 0xFF) > 0;
  const bool ring_changed = has_ring && (a->ring_base_address != q.desc.ring_address ||
                                         a->ring_size != q.desc.ring_bytes);

  if (!active || ring_changed) {
    Status st = g.device->set_queue_suspended(q.sim_queue, true);
    if (!st.ok()) return ETIME;  // the preemption did not finish (amdkfd_fence_wait_timeout)
  }
  if (ring_changed) {
    auto snap = g.device->queue_state(q.sim_queue);
    QueueDesc desc = q.desc;
    desc.ring_address = a->ring_base_address;
    desc.ring_bytes = a->ring_size;
    desc.initial_read_pointer = snap.ok() ? snap->read_pointer : 0;
    g.device->destroy_queue(q.sim_queue).ignore();
    auto created = g.device->create_queue(desc);
    if (!created.ok()) {
      // Keep the queue usable with its old ring (suspended) and report the bad ring.
      QueueDesc old = q.desc;
      old.initial_read_pointer = desc.initial_read_pointer;
      auto again = g.device->create_queue(old);
      if (!again.ok()) return ENOMEM;
      q.sim_queue = *again;
      g.device->set_queue_suspended(q.sim_queue, true).ignore();
      q.active = false;
      return EINVAL;
    }
    q.sim_queue = *created;
    q.desc = desc;
    if (!active) g.device->set_queue_suspended(q.sim_queue, true).ignore();
  } else if (active) {
    Status st = g.device->set_queue_suspended(q.sim_queue, false);
    if (!st.ok()) return EIO;
  }
  if (has_ring && new_ring_bo != q.ring_bo) {
    auto old = bos.find(q.ring_bo);
    if (old != bos.end()) old->second->queue_refs--;
    std::replace(q.bo_refs.begin(), q.bo_refs.end(), q.ring_bo, new_ring_bo);
    bos[new_ring_bo]->queue_refs++;
    q.ring_bo = new_ring_bo;
  }
  q.ring_base = a->ring_base_address;
  q.ring_size = a->ring_size;
  q.percentage = a->queue_percentage & 0xFF;
  q.priority = a->queue_priority;
  q.active = active;
  return 0;
}

// kfd_ioctl_set_cu_mask: num_cu_mask not a multiple of 32 or 0 → EINVAL; more than 1024 bits
// are cut to 1024 (max_num_cus); the mask is copied from user memory (EFAULT); then
// kfd_process_queue_manager.c pqm_update_mqd: an unknown queue → EFAULT. Recorded only: the
// simulator runs every workgroup on its interpreter whatever CUs the mask enables.
int VirtualKfd::Impl::set_cu_mask(void* arg) {
  auto* a = static_cast<kfd_ioctl_set_cu_mask_args*>(arg);
  if (a->num_cu_mask % 32 != 0) return EINVAL;
  if (a->num_cu_mask == 0) return EINVAL;
  const uint32_t bits = std::min<uint32_t>(a->num_cu_mask, 1024);
  std::vector<uint32_t> mask(bits / 32);
  if (!copy_from_user(mask.data(), a->cu_mask_ptr, mask.size() * sizeof(uint32_t))) {
    return EFAULT;
  }
  auto it = queues.find(a->queue_id);
  if (it == queues.end()) return EFAULT;
  it->second.cu_mask = std::move(mask);
  return 0;
}

// kfd_ioctl_get_clock_counters: an unknown gpu_id is not an error (gpu_clock_counter 0).
int VirtualKfd::Impl::get_clock_counters(void* arg) {
  auto* a = static_cast<kfd_ioctl_get_clock_counters_args*>(arg);
  Gpu* g = gpu_by_id(a->gpu_id);
  a->gpu_clock_counter = g != nullptr ? g->device->gpu_clock() : 0;
  a->cpu_clock_counter = clock_ns(CLOCK_MONOTONIC_RAW);
  a->system_clock_counter = clock_ns(CLOCK_BOOTTIME);
  a->system_clock_freq = 1'000'000'000;
  return 0;
}

// kfd_ioctl_set_memory_policy: policies other than COHERENT/NONCOHERENT → EINVAL; unknown
// gpu_id → EINVAL; not bound → ESRCH. Caches are not modelled: accepted, no effect.
int VirtualKfd::Impl::set_memory_policy(void* arg) {
  auto* a = static_cast<kfd_ioctl_set_memory_policy_args*>(arg);
  auto valid = [](uint32_t p) {
    return p == KFD_IOC_CACHE_POLICY_COHERENT || p == KFD_IOC_CACHE_POLICY_NONCOHERENT;
  };
  if (!valid(a->default_policy) || !valid(a->alternate_policy)) return EINVAL;
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  if (g->acquired_file == 0) return ESRCH;
  return 0;
}

// kfd_ioctl_set_scratch_backing_va: unknown gpu_id → EINVAL; not bound → ENODEV; else the value
// is kept per process and device (pdd->qpd.sh_hidden_private_base, which the kernel programs
// into SH_HIDDEN_PRIVATE_BASE_VMID for non-HWS scheduling). Kept for the simulator's scratch
// setup (VirtualKfd::scratch_backing_va); nothing reads it yet.
int VirtualKfd::Impl::set_scratch_backing_va(void* arg) {
  auto* a = static_cast<kfd_ioctl_set_scratch_backing_va_args*>(arg);
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  if (g->acquired_file == 0) return ENODEV;
  g->scratch_backing_va = a->va_addr;
  return 0;
}

// kfd_ioctl_set_trap_handler: unknown gpu_id → EINVAL; not bound → ESRCH. No effect.
int VirtualKfd::Impl::set_trap_handler(void* arg) {
  auto* a = static_cast<kfd_ioctl_set_trap_handler_args*>(arg);
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  if (g->acquired_file == 0) return ESRCH;
  return 0;
}

// kfd_chardev.c kfd_ioctl_set_xnack_mode: a negative value queries; setting needs a process
// without queues (EBUSY) and, to enable, GPUs that support per-process XNACK (kfd_process.c
// kfd_process_xnack_mode: KFD_SUPPORT_XNACK_PER_PROCESS = gfx90a and gfx94x), else EPERM. The
// default is off: amdgpu's noretry defaults to 1 on these parts (amdgpu_gmc_noretry_set).
int VirtualKfd::Impl::set_xnack_mode(void* arg) {
  auto* a = static_cast<kfd_ioctl_set_xnack_mode_args*>(arg);
  if (a->xnack_enabled < 0) {
    a->xnack_enabled = xnack_enabled ? 1 : 0;
    return 0;
  }
  if (!queues.empty()) return EBUSY;
  const bool enable = a->xnack_enabled != 0;
  if (enable == xnack_enabled) return 0;
  if (enable) {
    for (const auto& g : gpus) {
      const uint32_t v = g.device->family().gfx_target_version;
      if (v != 90010 && !(v >= 90400 && v < 100000)) return EPERM;
    }
  }
  xnack_enabled = enable;
  return 0;
}

// ---- mmap ----

// kfd_mmap: the offset's type picks doorbells (kfd_doorbell_mmap: exactly the process slice),
// the event page (kfd_event_mmap: at most KFD_SIGNAL_EVENT_LIMIT slots) or the MMIO page
// (kfd_mmio_mmap: exactly one page); a GPU-typed offset with an unknown gpu_id → ENODEV.
Expected<void*> VirtualKfd::Impl::mmap_kfd(void* addr, size_t length, int prot, int flags,
                                           uint64_t offset) {
  const uint64_t type = offset & kMmapTypeMask;
  std::lock_guard lock(mu);
  Gpu* g = gpu_by_id(mmap_get_gpu_id(offset));
  const int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  if (type == kMmapTypeDoorbell) {
    if (g == nullptr) return errno_status(ENODEV, "doorbells");
    if (length != kDoorbellSliceBytes) return errno_status(EINVAL, "doorbells");
    if (fixed != 0) {
      return errno_status(EINVAL,
                          "doorbells (the virtual KFD hands out the device's own doorbell page "
                          "and cannot place it with MAP_FIXED)");
    }
    void* page = const_cast<uint64_t*>(g->device->doorbells());
    doorbell_aliases[reinterpret_cast<uintptr_t>(page)] = DoorbellAlias{g->index, length};
    return page;
  }
  if (type == kMmapTypeEvents) {
    if (length > uint64_t{KFD_SIGNAL_EVENT_LIMIT} * 8) return errno_status(EINVAL, "event page");
    std::lock_guard elock(ev_mu);
    if (signal_slots == nullptr || signal_memfd < 0) return errno_status(EINVAL, "event page");
    void* p = ::mmap(addr, length, prot, fixed | MAP_SHARED, signal_memfd, 0);
    if (p == MAP_FAILED) return errno_status(errno, "event page");
    signal_mapped_size = length;
    return p;
  }
  if (g == nullptr) return errno_status(ENODEV, "MMIO page");
  if (type == kMmapTypeMmio) {
    if (length != kPage) return errno_status(EINVAL, "MMIO page");
    if (g->mmio_page == nullptr) {
      g->mmio_memfd = memfd_create("amdhal-vkfd-mmio", MFD_CLOEXEC);
      if (g->mmio_memfd < 0 || ftruncate(g->mmio_memfd, kPage) != 0) {
        return errno_status(ENOMEM, "MMIO page");
      }
      void* k = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, g->mmio_memfd, 0);
      if (k == MAP_FAILED) return errno_status(ENOMEM, "MMIO page");
      g->mmio_page = static_cast<uint8_t*>(k);
    }
    void* p = ::mmap(addr, length, prot, fixed | MAP_SHARED, g->mmio_memfd, 0);
    if (p == MAP_FAILED) return errno_status(errno, "MMIO page");
    return p;
  }
  return errno_status(EINVAL, "reserved memory (not simulated)");
}

// The render node's mmap of a buffer object (drm_gem_mmap, then amdgpu_gem.c
// amdgpu_gem_object_mmap and ttm_bo_vm.c ttm_bo_mmap_obj): an offset no BO of this device covers
// → EINVAL; a file other than the one that acquired the VM → EACCES (drm_vma_node_is_allowed);
// a mapping longer than the BO → EINVAL.
//  - MAP_PRIVATE without PROT_READ/WRITE/EXEC is accepted for every BO, non-PUBLIC VRAM included:
//    amdgpu_gem_object_mmap's "Workaround for Thunk bug creating PROT_NONE,MAP_PRIVATE mappings
//    for debugger access to invisible VRAM" clears VM_MAYWRITE, so the mapping is a reservation
//    the CPU cannot touch (any access faults) and that mprotect can never make writable. libhsakmt
//    (fmm.c fmm_allocate_device) maps every non-host-visible VRAM BO, e.g. a queue's EOP buffer,
//    this way. Here: the BO's pages through a read-only descriptor, PROT_NONE.
//  - Any other MAP_PRIVATE mapping is a COW mapping → EINVAL (ttm_bo_mmap_obj: "Enforce no COW").
//  - MAP_SHARED of VRAM allocated without PUBLIC → EPERM. Older kernels created such BOs with
//    AMDGPU_GEM_CREATE_NO_CPU_ACCESS (amdgpu_amdkfd_gpuvm.c
//    amdgpu_amdkfd_gpuvm_alloc_memory_of_gpu), which amdgpu_gem_object_mmap refuses with EPERM;
//    current kernels no longer set that flag and map it. The simulator keeps the strict answer so
//    that CPU access to VRAM not requested as host-visible is reported rather than silently
//    working.
// The BO's pages (a memfd) are mapped at `addr`, so the CPU view and the GPU mapping are the same
// memory.
Expected<void*> VirtualKfd::Impl::mmap_render(const FileRec& file, void* addr, size_t length,
                                              int prot, int flags, uint64_t offset) {
  std::lock_guard lock(mu);
  const Bo* found = nullptr;
  for (const auto& [h, bo] : bos) {
    if (bo->gpu != file.gpu || (bo->kind != BoKind::kVram && bo->kind != BoKind::kGtt)) continue;
    if (offset >= bo->mmap_offset && offset < bo->mmap_offset + bo->size) {
      found = bo.get();
      break;
    }
  }
  if (found == nullptr) return errno_status(EINVAL, "no buffer object at this offset");
  if (gpus[file.gpu].acquired_file != file.serial) {
    return errno_status(EACCES, "the buffer object belongs to another render-node file");
  }
  const uint64_t within = offset - found->mmap_offset;
  if (length > found->size - within) return errno_status(EINVAL, "longer than the buffer object");
  const int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  const bool shared = (flags & MAP_SHARED) != 0;
  const bool access = (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) != 0;
  if (!shared && access) {
    return errno_status(EINVAL, "a private (copy-on-write) mapping of a buffer object");
  }
  if (!shared) {
    // The kernel's VM_MAYWRITE-less reservation: a read-only open of the backing memfd makes
    // mprotect(PROT_WRITE) fail with EACCES, as it does on the real mapping.
    const std::string path = fmt::format("/proc/self/fd/{}", found->memfd);
    const int ro = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ro < 0) return errno_status(errno, "buffer object (read-only reopen)");
    void* p = ::mmap(addr, length, PROT_NONE, fixed | MAP_SHARED, ro, static_cast<off_t>(within));
    const int err = errno;
    ::close(ro);
    if (p == MAP_FAILED) return errno_status(err, "buffer object");
    return p;
  }
  if (found->kind == BoKind::kVram && (found->flags & KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC) == 0) {
    return errno_status(EPERM, "VRAM allocated without PUBLIC is not CPU-accessible");
  }
  void* p =
      ::mmap(addr, length, prot, fixed | MAP_SHARED, found->memfd, static_cast<off_t>(within));
  if (p == MAP_FAILED) return errno_status(errno, "buffer object");
  return p;
}

}  // namespace amdhal::sim
