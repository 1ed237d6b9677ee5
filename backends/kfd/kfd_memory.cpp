#include "kfd_memory.h"

#include <linux/kfd_ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "kfd_abi.h"
#include "kfd_errors.h"
#include "kfd_process.h"

namespace amdhal::kfd {
namespace {

std::string_view kind_name(KfdMemoryKind k) {
  switch (k) {
    case KfdMemoryKind::kVram:
      return "VRAM";
    case KfdMemoryKind::kGtt:
      return "GTT";
    case KfdMemoryKind::kUserptr:
      return "USERPTR";
    case KfdMemoryKind::kDoorbell:
      return "DOORBELL";
    case KfdMemoryKind::kMmioRemap:
      return "MMIO_REMAP";
  }
  return "?";
}

uint64_t round_up_page(uint64_t v) {
  return (v + kPageSize - 1) & ~(kPageSize - 1);
}

/// Whether the CPU maps the buffer object through the render node.
bool maps_render_node(const KfdMemoryRequest& r) {
  return r.cpu_visible && (r.kind == KfdMemoryKind::kVram || r.kind == KfdMemoryKind::kGtt);
}

}  // namespace

uint32_t flags_for(const KfdMemoryRequest& r) {
  uint32_t flags = KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE | KFD_IOC_ALLOC_MEM_FLAGS_NO_SUBSTITUTE;
  if (r.executable) flags |= KFD_IOC_ALLOC_MEM_FLAGS_EXECUTABLE;
  switch (r.kind) {
    case KfdMemoryKind::kVram:
      flags |= KFD_IOC_ALLOC_MEM_FLAGS_VRAM;
      break;
    case KfdMemoryKind::kGtt:
      flags |= KFD_IOC_ALLOC_MEM_FLAGS_GTT;
      break;
    case KfdMemoryKind::kUserptr:
      flags |= KFD_IOC_ALLOC_MEM_FLAGS_USERPTR;
      break;
    case KfdMemoryKind::kDoorbell:
      flags |= KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL;
      break;
    case KfdMemoryKind::kMmioRemap:
      flags |= KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP;
      break;
  }
  const bool host_side = r.kind == KfdMemoryKind::kVram || r.kind == KfdMemoryKind::kGtt ||
                         r.kind == KfdMemoryKind::kUserptr;
  if (host_side && (r.cpu_visible || r.kind == KfdMemoryKind::kUserptr)) {
    flags |= KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC;
  }
  if (host_side && r.uncached) {
    flags |= KFD_IOC_ALLOC_MEM_FLAGS_COHERENT | KFD_IOC_ALLOC_MEM_FLAGS_UNCACHED;
  }
  return flags;
}

KfdMemoryRequest request_for(uint64_t size, MemoryDomain domain, const AllocFlags& flags) {
  KfdMemoryRequest r;
  r.size = size;
  r.kind = domain == MemoryDomain::kVram  ? KfdMemoryKind::kVram
           : domain == MemoryDomain::kGtt ? KfdMemoryKind::kGtt
                                          : KfdMemoryKind::kUserptr;
  // Host (userptr) memory is the process's own pages: always CPU-visible.
  r.cpu_visible = flags.cpu_visible || domain == MemoryDomain::kHost;
  r.uncached = flags.uncached;
  r.executable = flags.executable;
  return r;
}

Expected<KfdMemory> KfdMemory::allocate(KfdProcess& process, const KfdMemoryRequest& request) {
  if (request.size == 0) return invalid_argument("kfd: cannot allocate 0 bytes");
  if (request.gpu_ids.empty()) return invalid_argument("kfd: allocation names no GPU");
  const uint32_t owner = request.gpu_ids.front();
  const KfdGpu* gpu = process.gpu(owner);
  if (gpu == nullptr) {
    return failed_precondition(fmt::format("kfd: GPU {} has not been opened", owner));
  }
  if (request.kind == KfdMemoryKind::kMmioRemap && request.size != kPageSize) {
    return invalid_argument("kfd: an MMIO_REMAP allocation is exactly one page");
  }
  if (request.kind == KfdMemoryKind::kDoorbell && request.size != kDoorbellSliceBytes) {
    return invalid_argument(fmt::format("kfd: a DOORBELL allocation is the {}-byte doorbell slice",
                                        kDoorbellSliceBytes));
  }
  KfdPort& port = process.port();
  KfdMemory m;
  m.process_ = &process;
  m.size_ = round_up_page(request.size);
  m.kind_ = request.kind;
  const std::string what =
      fmt::format("{} bytes of {} on GPU {}", m.size_, kind_name(request.kind), owner);

  // 1. The virtual address range.
  void* va = nullptr;
  if (request.kind == KfdMemoryKind::kUserptr) {
    auto host =
        port.mmap(nullptr, m.size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!host.ok()) return host.status().with_context(fmt::format("kfd: host memory for {}", what));
    va = *host;
  } else {
    auto reserved =
        port.mmap(nullptr, m.size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!reserved.ok()) {
      return reserved.status().with_context(fmt::format("kfd: reserving a GPU VA for {}", what));
    }
    va = *reserved;
  }
  m.va_ = reinterpret_cast<uint64_t>(va);
  m.va_owned_ = true;
  if (gpu->apertures.has_value()) {
    const auto& ap = *gpu->apertures;
    if (m.va_ < ap.gpuvm_base || m.va_ + m.size_ - 1 > ap.gpuvm_limit) {
      Status st = out_of_range(
          fmt::format("kfd: {}: the reserved address 0x{:x} lies outside GPU {}'s VM aperture "
                      "[0x{:x}, 0x{:x}]",
                      what, m.va_, owner, ap.gpuvm_base, ap.gpuvm_limit));
      m.release().ignore();
      return st;
    }
  }

  // 2. The buffer object.
  kfd_ioctl_alloc_memory_of_gpu_args alloc{};
  alloc.va_addr = m.va_;
  alloc.size = m.size_;
  alloc.gpu_id = owner;
  alloc.flags = flags_for(request);
  alloc.mmap_offset = request.kind == KfdMemoryKind::kUserptr ? m.va_ : 0;
  Status st =
      process.ioctl(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &alloc, "AMDKFD_IOC_ALLOC_MEMORY_OF_GPU");
  if (!st.ok()) {
    if (request.kind == KfdMemoryKind::kVram && request.cpu_visible && port_errno(st) == EINVAL) {
      st = Status(st.code(),
                  st.message() +
                      "; for CPU-visible VRAM this usually means resizable BAR (\"Above 4G "
                      "decoding\" / \"Re-Size BAR support\") is off in the firmware: enable it, "
                      "or allocate VRAM with cpu_visible = false");
    }
    m.release().ignore();
    return st.with_context(fmt::format("kfd: allocating {}", what));
  }
  m.handle_ = alloc.handle;
  m.allocated_ = true;

  // 3. The CPU view: the render node's mapping of the BO, onto the same address.
  if (maps_render_node(request)) {
    auto cpu = port.mmap(va, m.size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                         gpu->render_fd, static_cast<off_t>(alloc.mmap_offset));
    if (!cpu.ok() || *cpu != va) {
      Status err = cpu.ok() ? internal_error(fmt::format(
                                  "render node mapping landed at {} instead of {}", *cpu, va))
                            : cpu.status();
      m.release().ignore();
      return err.with_context(fmt::format("kfd: CPU mapping of {}", what));
    }
    m.cpu_mapped_ = true;
  } else if (request.kind == KfdMemoryKind::kUserptr) {
    m.cpu_mapped_ = true;
  }

  // 4. The GPU mappings.
  st = m.map_to(request.gpu_ids);
  if (!st.ok()) {
    m.release().ignore();
    return st.with_context(fmt::format("kfd: mapping {}", what));
  }
  return m;
}

Status KfdMemory::map_to(std::span<const uint32_t> gpu_ids) {
  std::vector<uint32_t> ids;
  for (uint32_t id : gpu_ids) {
    if (std::find(mapped_.begin(), mapped_.end(), id) == mapped_.end() &&
        std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
  if (ids.empty()) return ok_status();
  kfd_ioctl_map_memory_to_gpu_args map{};
  map.handle = handle_;
  map.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids.data());
  map.n_devices = static_cast<uint32_t>(ids.size());
  map.n_success = 0;
  Status st = process_->ioctl(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &map, "AMDKFD_IOC_MAP_MEMORY_TO_GPU");
  // n_success says how many from the front were mapped, on success and failure alike.
  const uint32_t done = std::min<uint32_t>(st.ok() ? map.n_devices : map.n_success, map.n_devices);
  mapped_.insert(mapped_.end(), ids.begin(), ids.begin() + done);
  return st;
}

KfdMemory::KfdMemory(KfdMemory&& o) noexcept
    : process_(std::exchange(o.process_, nullptr)),
      handle_(o.handle_),
      va_(o.va_),
      size_(o.size_),
      kind_(o.kind_),
      cpu_mapped_(o.cpu_mapped_),
      va_owned_(std::exchange(o.va_owned_, false)),
      allocated_(std::exchange(o.allocated_, false)),
      mapped_(std::move(o.mapped_)) {
  o.mapped_.clear();
}

KfdMemory& KfdMemory::operator=(KfdMemory&& o) noexcept {
  if (this != &o) {
    release().ignore();
    process_ = std::exchange(o.process_, nullptr);
    handle_ = o.handle_;
    va_ = o.va_;
    size_ = o.size_;
    kind_ = o.kind_;
    cpu_mapped_ = o.cpu_mapped_;
    va_owned_ = std::exchange(o.va_owned_, false);
    allocated_ = std::exchange(o.allocated_, false);
    mapped_ = std::move(o.mapped_);
    o.mapped_.clear();
  }
  return *this;
}

KfdMemory::~KfdMemory() {
  release().ignore();
}

void KfdMemory::abandon() {
  if (va_owned_ && process_ != nullptr) {
    // Drop the CPU view but keep the range reserved: the GPU side stays as it is.
    process_->port()
        .mmap(reinterpret_cast<void*>(va_), size_, PROT_NONE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
        .status()
        .ignore();
  }
  mapped_.clear();
  va_owned_ = false;
  cpu_mapped_ = false;
  allocated_ = false;
  process_ = nullptr;
}

Status KfdMemory::release() {
  if (process_ == nullptr) return ok_status();
  Status first;
  auto keep = [&](Status s) {
    if (first.ok() && !s.ok()) first = std::move(s);
  };
  bool gpu_may_still_map = false;
  if (!mapped_.empty()) {
    kfd_ioctl_unmap_memory_from_gpu_args unmap{};
    unmap.handle = handle_;
    unmap.device_ids_array_ptr = reinterpret_cast<uint64_t>(mapped_.data());
    unmap.n_devices = static_cast<uint32_t>(mapped_.size());
    unmap.n_success = 0;
    Status st = process_->ioctl(AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU, &unmap,
                                "AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU");
    gpu_may_still_map = !st.ok();
    keep(std::move(st));
    mapped_.clear();
  }
  if (va_owned_) {
    if (gpu_may_still_map) {
      // The GPU may still translate this range: keep it reserved (inaccessible to the CPU) so no
      // later allocation is placed at an address the GPU maps elsewhere.
      keep(process_->port()
               .mmap(reinterpret_cast<void*>(va_), size_, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
               .status());
    } else {
      keep(process_->port().munmap(reinterpret_cast<void*>(va_), size_));
    }
    va_owned_ = false;
    cpu_mapped_ = false;
  }
  if (allocated_) {
    kfd_ioctl_free_memory_of_gpu_args free_args{};
    free_args.handle = handle_;
    keep(process_->ioctl(AMDKFD_IOC_FREE_MEMORY_OF_GPU, &free_args,
                         "AMDKFD_IOC_FREE_MEMORY_OF_GPU"));
    allocated_ = false;
  }
  process_ = nullptr;
  return first;
}

}  // namespace amdhal::kfd
