// The virtual-KFD surface Debian's ROCm 5.2.3 needs on gfx90a (findings of running rocminfo):
// GPU caches and DoorbellType 2 in the topology, the DRM queries libdrm_amdgpu makes on a render
// node, SET_XNACK_MODE, ROCm's out-of-tree ioctl numbers, and duplicated descriptors.
#include <amdgpu_drm.h>
#include <fcntl.h>
#include <linux/kfd_ioctl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "amdhal/packets/sdma.h"
#include "amdhal/packets/stream.h"
#include "amdhal_sim_kfd/virtual_kfd.h"

namespace {

using amdhal::sim::VirtualKfd;

std::shared_ptr<VirtualKfd> make(const char* spec) {
  auto v = VirtualKfd::create(spec);
  EXPECT_TRUE(v.ok()) << v.status().message();
  return v.ok() ? *v : nullptr;
}

TEST(RocmVkfd, Gfx90aTopologyHasDataCachesAndDoorbellType2) {
  auto v = make("sim:gfx90a");
  ASSERT_TRUE(v);
  const auto& node = v->topology().gpu_nodes.at(0);
  EXPECT_EQ(node.property("gfx_target_version"), 90010u);
  EXPECT_EQ(node.property("simd_count"), 416u);  // 104 CUs x 4 SIMDs (MI210)
  EXPECT_EQ(node.property("array_count"), 8u);
  EXPECT_EQ(node.property("device_id"), 0x740Fu);
  // libhsakmt's HSA_CAPABILITY: DoorbellType in bits 12-13, SRAM_EDCSupport bit 26, bit 19 zero.
  const uint64_t cap = node.property("capability");
  EXPECT_EQ((cap >> 12) & 3, 2u);
  EXPECT_EQ((cap >> 26) & 1, 1u);
  EXPECT_EQ((cap >> 19) & 1, 0u);
  ASSERT_EQ(node.property("caches_count"), node.caches.size());
  bool hsacu_data = false;
  for (const auto& c : node.caches) {
    if ((c.type & amdhal::kCacheTypeHsaCu) != 0 && (c.type & amdhal::kCacheTypeInstruction) == 0)
      hsacu_data = true;
  }
  EXPECT_TRUE(hsacu_data);
  EXPECT_EQ(node.caches.at(1).level, 2u);
  EXPECT_EQ(node.caches.at(1).size, 8192u);
}

TEST(RocmVkfd, RenderNodeAnswersLibdrmQueries) {
  auto v = make("sim:gfx90a");
  ASSERT_TRUE(v);
  auto fd = v->open(v->render_node_path(0), O_RDWR);
  ASSERT_TRUE(fd.ok());
  char name[4] = {};
  drm_version ver{};
  ver.name = name;
  ver.name_len = sizeof(name);  // shorter than "amdgpu": truncated, full length reported
  ASSERT_EQ(v->ioctl_errno(*fd, DRM_IOCTL_VERSION, &ver), 0);
  EXPECT_EQ(ver.version_major, 3);
  EXPECT_EQ(ver.name_len, 6u);
  EXPECT_EQ(std::string(name, 4), "amdg");

  uint32_t accel = 0;
  drm_amdgpu_info q{};
  q.return_pointer = reinterpret_cast<uint64_t>(&accel);
  q.return_size = sizeof(accel);
  q.query = AMDGPU_INFO_ACCEL_WORKING;
  ASSERT_EQ(v->ioctl_errno(*fd, DRM_IOCTL_AMDGPU_INFO, &q), 0);
  EXPECT_EQ(accel, 1u);

  drm_amdgpu_info_device dev{};
  q.return_pointer = reinterpret_cast<uint64_t>(&dev);
  q.return_size = sizeof(dev);
  q.query = AMDGPU_INFO_DEV_INFO;
  ASSERT_EQ(v->ioctl_errno(*fd, DRM_IOCTL_AMDGPU_INFO, &q), 0);
  EXPECT_EQ(dev.device_id, 0x740Fu);
  EXPECT_EQ(dev.pci_rev, 2u);  // with 0x740F: "AMD Instinct MI210" in libdrm's amdgpu.ids
  EXPECT_EQ(dev.family, 141u);
  EXPECT_EQ(dev.cu_active_number, 104u);
  EXPECT_EQ(dev.num_shader_engines, 8u);

  q.return_size = 0;
  EXPECT_EQ(v->ioctl_errno(*fd, DRM_IOCTL_AMDGPU_INFO, &q), EINVAL);

  // A duplicate of the descriptor is the same open file.
  const int dup_fd = dup(*fd);
  ASSERT_GE(dup_fd, 0);
  EXPECT_EQ(v->ioctl_errno(dup_fd, DRM_IOCTL_VERSION, &ver), EBADF);
  ASSERT_TRUE(v->adopt_dup(*fd, dup_fd).ok());
  EXPECT_EQ(v->ioctl_errno(dup_fd, DRM_IOCTL_VERSION, &ver), 0);
  EXPECT_TRUE(v->close(dup_fd).ok());
  EXPECT_TRUE(v->owns_fd(*fd));
  EXPECT_FALSE(v->adopt_dup(dup_fd, 1000).ok());
  EXPECT_TRUE(v->close(*fd).ok());
}

TEST(RocmVkfd, XnackModeQueryAndSet) {
  auto v = make("sim:gfx90a");
  ASSERT_TRUE(v);
  auto fd = v->open("/dev/kfd", O_RDWR);
  ASSERT_TRUE(fd.ok());
  kfd_ioctl_set_xnack_mode_args a{-1};
  ASSERT_EQ(v->ioctl_errno(*fd, AMDKFD_IOC_SET_XNACK_MODE, &a), 0);
  EXPECT_EQ(a.xnack_enabled, 0);  // noretry is the default
  a.xnack_enabled = 1;
  ASSERT_EQ(v->ioctl_errno(*fd, AMDKFD_IOC_SET_XNACK_MODE, &a), 0);  // per-process on gfx90a
  a.xnack_enabled = -1;
  ASSERT_EQ(v->ioctl_errno(*fd, AMDKFD_IOC_SET_XNACK_MODE, &a), 0);
  EXPECT_EQ(a.xnack_enabled, 1);

  auto rdna = make("sim:gfx1100");
  ASSERT_TRUE(rdna);
  auto fd2 = rdna->open("/dev/kfd", O_RDWR);
  ASSERT_TRUE(fd2.ok());
  kfd_ioctl_set_xnack_mode_args b{1};
  EXPECT_EQ(rdna->ioctl_errno(*fd2, AMDKFD_IOC_SET_XNACK_MODE, &b), EPERM);
}

TEST(RocmVkfd, UsageFollowsVramAllocations) {
  auto v = make("sim:gfx90a,vram=1G");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->usage(0).vram_used, 0u);
  EXPECT_EQ(v->usage(0).vram_total, 1ull << 30);
  EXPECT_EQ(v->usage(0).busy_percent, 0u);
  auto kfd = v->open("/dev/kfd", O_RDWR);
  auto render = v->open(v->render_node_path(0), O_RDWR);
  ASSERT_TRUE(kfd.ok() && render.ok());
  kfd_ioctl_acquire_vm_args acq{};
  acq.drm_fd = static_cast<uint32_t>(*render);
  acq.gpu_id = v->gpu_id(0);
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_ACQUIRE_VM, &acq), 0);
  const uint64_t size = 6 << 20;
  void* va = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(va, MAP_FAILED);
  kfd_ioctl_alloc_memory_of_gpu_args a{};
  a.va_addr = reinterpret_cast<uint64_t>(va);
  a.size = size;
  a.gpu_id = v->gpu_id(0);
  a.flags = KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE;
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), 0);
  EXPECT_EQ(v->usage(0).vram_used, size);
  kfd_ioctl_free_memory_of_gpu_args f{a.handle};
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_FREE_MEMORY_OF_GPU, &f), 0);
  EXPECT_EQ(v->usage(0).vram_used, 0u);
  munmap(va, size);
}

TEST(RocmVkfd, UnsimulatedIoctlsAreNamedInOneLine) {
  auto v = make("sim:gfx90a");
  ASSERT_TRUE(v);
  auto kfd = v->open("/dev/kfd", O_RDWR);
  auto render = v->open(v->render_node_path(0), O_RDWR);
  ASSERT_TRUE(kfd.ok() && render.ok());
  kfd_ioctl_get_queue_wave_state_args wave{};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_GET_QUEUE_WAVE_STATE, &wave), ENOTTY);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err,
            "virtual KFD: AMDKFD_IOC_GET_QUEUE_WAVE_STATE (nr 0x1b) is not simulated: ENOTTY\n");
  uint32_t value = 0;
  drm_amdgpu_info q{};
  q.return_pointer = reinterpret_cast<uint64_t>(&value);
  q.return_size = sizeof(value);
  q.query = AMDGPU_INFO_VRAM_USAGE;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(v->ioctl_errno(*render, DRM_IOCTL_AMDGPU_INFO, &q), EINVAL);
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "virtual KFD: DRM_IOCTL_AMDGPU_INFO query 0x10 is not simulated: EINVAL\n");
}

TEST(RocmVkfd, TileConfigAsGfx9Reports) {
  auto v = make("sim:gfx90a");
  ASSERT_TRUE(v);
  auto kfd = v->open("/dev/kfd", O_RDWR);
  ASSERT_TRUE(kfd.ok());
  uint32_t tiles[40], macro[40];
  std::memset(tiles, 0xAB, sizeof(tiles));
  std::memset(macro, 0xAB, sizeof(macro));
  kfd_ioctl_get_tile_config_args a{};
  a.tile_config_ptr = reinterpret_cast<uint64_t>(tiles);
  a.macro_tile_config_ptr = reinterpret_cast<uint64_t>(macro);
  a.num_tile_configs = 40;  // what ROCr's image extension asks for
  a.num_macro_tile_configs = 40;
  a.gpu_id = v->gpu_id(0);
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_GET_TILE_CONFIG, &a), 0);
  EXPECT_EQ(a.num_tile_configs, 32u);  // the driver's array sizes
  EXPECT_EQ(a.num_macro_tile_configs, 16u);
  EXPECT_EQ(a.gb_addr_config, 0x2A114042u);
  EXPECT_EQ(tiles[31], 0u);
  EXPECT_EQ(tiles[32], 0xABABABABu);  // nothing beyond the copied count
  EXPECT_EQ(macro[15], 0u);
  EXPECT_EQ(macro[16], 0xABABABABu);
  a.gpu_id = 0;
  EXPECT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_GET_TILE_CONFIG, &a), EINVAL);
  a.gpu_id = v->gpu_id(0);
  a.num_tile_configs = 4;
  a.tile_config_ptr = 0x10;  // unwritable
  EXPECT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_GET_TILE_CONFIG, &a), EFAULT);
  EXPECT_EQ(a.num_tile_configs, 0u);
}

TEST(RocmVkfd, RocmOutOfTreeIoctlsGetTheUpstreamEinval) {
  auto v = make("sim:gfx90a");
  ASSERT_TRUE(v);
  auto fd = v->open("/dev/kfd", O_RDWR);
  ASSERT_TRUE(fd.ok());
  uint8_t args[40] = {};
  const unsigned long dbg_trap = _IOWR('K', 0x82, uint8_t[40]);  // ROCT's AMDKFD_IOC_DBG_TRAP
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(v->ioctl_errno(*fd, dbg_trap, args), EINVAL);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // the upstream answer, no report
  EXPECT_EQ(VirtualKfd::ioctl_name(dbg_trap, false), "AMDKFD_IOC_DBG_TRAP");
  EXPECT_EQ(VirtualKfd::ioctl_name(AMDKFD_IOC_ACQUIRE_VM, false), "AMDKFD_IOC_ACQUIRE_VM");
  EXPECT_EQ(VirtualKfd::ioctl_name(DRM_IOCTL_AMDGPU_INFO, true), "DRM_IOCTL_AMDGPU_INFO");
}

// ---- queue control, CPU mappings of VRAM, scratch (what HIP needs before its first kernel) ----

/// A gfx90a process with /dev/kfd, its render node and the VM acquired.
class RocmVkfdProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    v = make("sim:gfx90a");
    ASSERT_TRUE(v);
    auto k = v->open("/dev/kfd", O_RDWR);
    auto r = v->open(v->render_node_path(0), O_RDWR);
    ASSERT_TRUE(k.ok() && r.ok());
    kfd = *k;
    render = *r;
    gpu = v->gpu_id(0);
    kfd_ioctl_acquire_vm_args acq{};
    acq.drm_fd = static_cast<uint32_t>(render);
    acq.gpu_id = gpu;
    ASSERT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &acq), 0);
  }
  ~RocmVkfdProcess() override {
    for (auto& [p, n] : reservations) munmap(p, n);
  }
  template <typename T>
  int io(unsigned long req, T* arg) {
    return v->ioctl_errno(kfd, req, arg);
  }
  /// A BO of `size` with `flags` at a fresh VA (reserved PROT_NONE as libhsakmt does), mapped to
  /// the GPU when `map`.
  kfd_ioctl_alloc_memory_of_gpu_args alloc(uint64_t size, uint32_t flags, bool map = true) {
    void* va = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    reservations.emplace_back(va, size);
    kfd_ioctl_alloc_memory_of_gpu_args a{};
    a.va_addr = reinterpret_cast<uint64_t>(va);
    a.size = size;
    a.gpu_id = gpu;
    a.flags = flags;
    EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), 0);
    if (map) {
      uint32_t ids[] = {gpu};
      kfd_ioctl_map_memory_to_gpu_args m{};
      m.handle = a.handle;
      m.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
      m.n_devices = 1;
      EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), 0);
    }
    return a;
  }
  /// A GTT BO mapped to the GPU and, through the render node, to the CPU at its VA.
  kfd_ioctl_alloc_memory_of_gpu_args host_visible(uint64_t size) {
    auto a = alloc(size, KFD_IOC_ALLOC_MEM_FLAGS_GTT | KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE);
    auto p = v->mmap(reinterpret_cast<void*>(a.va_addr), size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_FIXED, render, static_cast<off_t>(a.mmap_offset));
    EXPECT_TRUE(p.ok()) << p.status().message();
    return a;
  }
  int unmap_gpu(uint64_t handle) {
    uint32_t ids[] = {gpu};
    kfd_ioctl_unmap_memory_from_gpu_args u{};
    u.handle = handle;
    u.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
    u.n_devices = 1;
    return io(AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU, &u);
  }

  std::shared_ptr<VirtualKfd> v;
  int kfd = -1;
  int render = -1;
  uint32_t gpu = 0;
  std::vector<std::pair<void*, size_t>> reservations;
};

sigjmp_buf g_fault_jump;
void on_fault(int) {
  siglongjmp(g_fault_jump, 1);
}

/// True when reading the byte at `p` raises SIGSEGV or SIGBUS.
bool read_faults(const volatile uint8_t* p) {
  struct sigaction sa {};
  struct sigaction old_segv {};
  struct sigaction old_bus {};
  sa.sa_handler = on_fault;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  volatile bool faulted = true;
  if (sigsetjmp(g_fault_jump, 1) == 0) {
    (void)*p;
    faulted = false;
  }
  sigaction(SIGSEGV, &old_segv, nullptr);
  sigaction(SIGBUS, &old_bus, nullptr);
  return faulted;
}

bool names_errno(const amdhal::Status& st, const char* name) {
  return !st.ok() && st.message().find(std::string(": ") + name + " (") != std::string::npos;
}

// amdgpu_gem.c amdgpu_gem_object_mmap: PROT_NONE + MAP_PRIVATE (libhsakmt's mapping of
// non-host-visible VRAM such as a queue's EOP buffer) is accepted as a reservation that can never
// become writable; a copy-on-write mapping with access is refused (ttm_bo_mmap_obj); a shared
// CPU mapping of VRAM allocated without PUBLIC stays refused by the simulator (EPERM).
TEST_F(RocmVkfdProcess, NonPublicVramMapsOnlyAsAProtNoneReservation) {
  // libhsakmt's EOP buffer: VRAM | WRITABLE | EXECUTABLE | NO_SUBSTITUTE (0xd0000001).
  const uint32_t flags = KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE |
                         KFD_IOC_ALLOC_MEM_FLAGS_EXECUTABLE | KFD_IOC_ALLOC_MEM_FLAGS_NO_SUBSTITUTE;
  ASSERT_EQ(flags, 0xd0000001u);
  auto eop = alloc(4096, flags);
  void* want = reinterpret_cast<void*>(eop.va_addr);
  const auto off = static_cast<off_t>(eop.mmap_offset);
  auto p = v->mmap(want, 4096, PROT_NONE, MAP_PRIVATE | MAP_FIXED, render, off);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, want);
  EXPECT_TRUE(read_faults(static_cast<const uint8_t*>(*p)));
  // VM_MAYWRITE is cleared: the reservation can never become writable.
  errno = 0;
  EXPECT_EQ(mprotect(*p, 4096, PROT_READ | PROT_WRITE), -1);
  EXPECT_EQ(errno, EACCES);

  EXPECT_TRUE(names_errno(
      v->mmap(want, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, render, off).status(), "EINVAL"));
  EXPECT_TRUE(names_errno(
      v->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, render, off).status(), "EPERM"));
  // The reservation is refused like any mapping beyond the BO.
  EXPECT_TRUE(
      names_errno(v->mmap(nullptr, 8192, PROT_NONE, MAP_PRIVATE, render, off).status(), "EINVAL"));

  // PUBLIC VRAM maps read/write and is the memory the GPU sees.
  auto pub = alloc(4096, flags | KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC);
  auto q = v->mmap(reinterpret_cast<void*>(pub.va_addr), 4096, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, render, static_cast<off_t>(pub.mmap_offset));
  ASSERT_TRUE(q.ok()) << q.status().message();
  static_cast<volatile uint32_t*>(*q)[0] = 0x600DF00D;
  EXPECT_FALSE(read_faults(static_cast<const uint8_t*>(*q)));
}

/// An SDMA user queue with its ring, read/write pointers and a fence target, through the ioctls.
class RocmVkfdQueue : public RocmVkfdProcess {
 protected:
  void SetUp() override {
    RocmVkfdProcess::SetUp();
    if (HasFatalFailure()) return;
    ring = host_visible(kRing);
    ptrs = host_visible(4096);
    fences = host_visible(4096);
    kfd_ioctl_create_queue_args c{};
    c.ring_base_address = ring.va_addr;
    c.ring_size = kRing;
    c.gpu_id = gpu;
    c.queue_type = KFD_IOC_QUEUE_TYPE_SDMA;
    c.queue_percentage = 100;
    c.queue_priority = 7;
    c.read_pointer_address = ptrs.va_addr;
    c.write_pointer_address = ptrs.va_addr + 8;
    ASSERT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &c), 0);
    qid = c.queue_id;
  }
  /// Writes a FENCE of `value` into `fences`+`slot`*4 at the write pointer of `ring_va` and
  /// publishes the write pointer in memory only (the engine's poll notices it).
  void fence(uint64_t ring_va, uint32_t slot, uint32_t value) {
    amdhal::packets::OwnedPacketStream s(16);
    const auto variant = v->system().device(0).family().sdma;
    ASSERT_TRUE(amdhal::packets::emit_sdma_fence(s.stream(), variant,
                                                 {.addr = fences.va_addr + slot * 4, .data = value})
                    .ok());
    const auto bytes = s.data().size() * 4;
    std::memcpy(reinterpret_cast<uint8_t*>(ring_va) + wptr % kRing, s.data().data(), bytes);
    wptr += bytes;
    std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(ptrs.va_addr + 8)).store(wptr);
  }
  uint32_t fence_value(uint32_t slot) const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(fences.va_addr + slot * 4))
        .load();
  }
  bool wait_fence(uint32_t slot, uint32_t value) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (fence_value(slot) != value) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }
  kfd_ioctl_update_queue_args update(uint32_t percentage, uint64_t ring_va, uint64_t size) {
    kfd_ioctl_update_queue_args u{};
    u.queue_id = qid;
    u.queue_percentage = percentage;
    u.queue_priority = 7;
    u.ring_base_address = ring_va;
    u.ring_size = size;
    return u;
  }

  static constexpr uint64_t kRing = 65536;
  kfd_ioctl_alloc_memory_of_gpu_args ring{}, ptrs{}, fences{};
  uint32_t qid = 0;
  uint64_t wptr = 0;
};

// kfd_chardev.c kfd_ioctl_update_queue + kfd_process_queue_manager.c pqm_update_queue_properties.
TEST_F(RocmVkfdQueue, UpdateQueueChecksArgumentsLikeTheKernel) {
  auto u = update(101, ring.va_addr, kRing);
  EXPECT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), EINVAL);  // percentage > 100
  u = update(100, ring.va_addr, kRing);
  u.queue_priority = 16;
  EXPECT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), EINVAL);  // priority > 15
  u = update(100, 0xFFFF800000000000ull, kRing);
  EXPECT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), EFAULT);  // access_ok
  u = update(100, ring.va_addr, 3000);
  EXPECT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), EINVAL);  // not a power of two
  u = update(100, ring.va_addr, kRing / 2);
  EXPECT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), EFAULT);  // not the mapped buffer's size
  u = update(100, ring.va_addr, kRing);
  u.queue_id = 999;
  EXPECT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), EFAULT);  // no such queue
  // Nothing changed by the refused calls.
  auto info = v->queue_info(qid);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->percentage, 100u);
  EXPECT_EQ(info->priority, 7u);
  EXPECT_TRUE(info->active);

  u = update(100, ring.va_addr, kRing);
  u.queue_priority = 15;  // hipStreamCreateWithPriority: recorded
  ASSERT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), 0);
  EXPECT_EQ(v->queue_info(qid)->priority, 15u);
  EXPECT_EQ(v->ioctl_calls("UPDATE_QUEUE"), 7u);
}

// QUEUE_IS_ACTIVE (kfd_priv.h): percentage 0 or a null ring stops the queue fetching (ROCr's
// AqlQueue::Suspend); > 0 with a ring resumes it, serving what was written meanwhile.
TEST_F(RocmVkfdQueue, ZeroPercentSuspendsFetchingAndNonZeroResumes) {
  fence(ring.va_addr, 0, 1);
  ASSERT_TRUE(wait_fence(0, 1));

  auto u = update(0, ring.va_addr, kRing);
  ASSERT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), 0);
  auto info = v->queue_info(qid);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->active);
  EXPECT_EQ(info->percentage, 0u);
  auto st = v->system().device(0).queue_state(info->sim_queue);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->suspended);
  fence(ring.va_addr, 0, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // ~30 polls of a running queue
  EXPECT_EQ(fence_value(0), 1u);

  u = update(100, ring.va_addr, kRing);
  ASSERT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), 0);
  EXPECT_TRUE(v->queue_info(qid)->active);
  ASSERT_TRUE(wait_fence(0, 2));

  // "Update with NULL ring address is used to disable the queue".
  u = update(100, 0, 0);
  ASSERT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), 0);
  info = v->queue_info(qid);
  EXPECT_FALSE(info->active);
  EXPECT_EQ(info->ring_base, 0u);
  fence(ring.va_addr, 0, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(fence_value(0), 2u);
  u = update(50, ring.va_addr, kRing);
  ASSERT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), 0);
  ASSERT_TRUE(wait_fence(0, 3));
}

// A new ring base/size moves the queue to that buffer at the same read pointer, and the queue's
// reference moves from the old ring buffer to the new one.
TEST_F(RocmVkfdQueue, NewRingContinuesAtTheReadPointer) {
  fence(ring.va_addr, 0, 1);
  ASSERT_TRUE(wait_fence(0, 1));
  EXPECT_EQ(unmap_gpu(ring.handle), EBUSY);  // the queue's ring stays mapped
  auto ring2 = host_visible(kRing);
  auto u = update(100, ring2.va_addr, kRing);
  ASSERT_EQ(io(AMDKFD_IOC_UPDATE_QUEUE, &u), 0);
  auto info = v->queue_info(qid);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->ring_base, ring2.va_addr);
  EXPECT_TRUE(info->active);
  // The next packet goes at the current write pointer of the new ring; nothing is re-run.
  fence(ring2.va_addr, 1, 7);
  ASSERT_TRUE(wait_fence(1, 7));
  auto st = v->system().device(0).queue_state(info->sim_queue);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->read_pointer, wptr);
  EXPECT_EQ(st->packets_executed, 1u);   // only the new fence ran on the new ring
  EXPECT_EQ(unmap_gpu(ring.handle), 0);  // released by the update
  EXPECT_EQ(unmap_gpu(ring2.handle), EBUSY);
  kfd_ioctl_destroy_queue_args d{};
  d.queue_id = qid;
  ASSERT_EQ(io(AMDKFD_IOC_DESTROY_QUEUE, &d), 0);
  EXPECT_EQ(unmap_gpu(ring2.handle), 0);
  EXPECT_EQ(v->queue_info(qid).status().code(), amdhal::StatusCode::kNotFound);
}

// kfd_chardev.c kfd_ioctl_set_cu_mask + pqm_update_mqd: the count must be a non-zero multiple of
// 32, at most 1024 bits are taken, the mask is copied from user memory, the queue must exist.
TEST_F(RocmVkfdQueue, SetCuMaskRecordedAfterTheKernelsChecks) {
  std::vector<uint32_t> mask(64, 0);
  mask[0] = 0xF0F0F0F0u;
  mask[1] = 0x1u;
  mask[40] = 0xFFFFFFFFu;  // beyond 1024 bits: dropped
  kfd_ioctl_set_cu_mask_args a{};
  a.queue_id = qid;
  a.cu_mask_ptr = reinterpret_cast<uint64_t>(mask.data());
  a.num_cu_mask = 33;
  EXPECT_EQ(io(AMDKFD_IOC_SET_CU_MASK, &a), EINVAL);
  a.num_cu_mask = 0;
  EXPECT_EQ(io(AMDKFD_IOC_SET_CU_MASK, &a), EINVAL);
  a.num_cu_mask = 64;
  a.cu_mask_ptr = 0x10;
  EXPECT_EQ(io(AMDKFD_IOC_SET_CU_MASK, &a), EFAULT);
  a.cu_mask_ptr = reinterpret_cast<uint64_t>(mask.data());
  a.queue_id = 999;
  EXPECT_EQ(io(AMDKFD_IOC_SET_CU_MASK, &a), EFAULT);
  EXPECT_TRUE(v->queue_info(qid)->cu_mask.empty());
  a.queue_id = qid;
  ASSERT_EQ(io(AMDKFD_IOC_SET_CU_MASK, &a), 0);
  EXPECT_EQ(v->queue_info(qid)->cu_mask, (std::vector<uint32_t>{0xF0F0F0F0u, 0x1u}));
  a.num_cu_mask = 2048;
  ASSERT_EQ(io(AMDKFD_IOC_SET_CU_MASK, &a), 0);
  auto info = v->queue_info(qid);
  ASSERT_EQ(info->cu_mask.size(), 32u);
  EXPECT_EQ(info->cu_mask[0], 0xF0F0F0F0u);
  // The simulator ignores the mask: the queue still runs.
  fence(ring.va_addr, 0, 9);
  EXPECT_TRUE(wait_fence(0, 9));
}

// kfd_chardev.c kfd_ioctl_set_scratch_backing_va: kept per process and device.
TEST(RocmVkfd, ScratchBackingVaKeptPerDevice) {
  auto v = make("sim:gfx90ax2");
  ASSERT_TRUE(v);
  auto kfd = v->open("/dev/kfd", O_RDWR);
  auto render = v->open(v->render_node_path(0), O_RDWR);
  ASSERT_TRUE(kfd.ok() && render.ok());
  kfd_ioctl_set_scratch_backing_va_args s{};
  s.va_addr = 0x7f12340000ull >> 16;  // libhsakmt passes the scratch VA >> 16
  s.gpu_id = v->gpu_id(0);
  EXPECT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_SET_SCRATCH_BACKING_VA, &s), ENODEV);  // no VM yet
  s.gpu_id = 12345;
  EXPECT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_SET_SCRATCH_BACKING_VA, &s), EINVAL);
  EXPECT_EQ(v->scratch_backing_va(0), 0u);
  kfd_ioctl_acquire_vm_args acq{};
  acq.drm_fd = static_cast<uint32_t>(*render);
  acq.gpu_id = v->gpu_id(0);
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_ACQUIRE_VM, &acq), 0);
  s.gpu_id = v->gpu_id(0);
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_SET_SCRATCH_BACKING_VA, &s), 0);
  EXPECT_EQ(v->scratch_backing_va(0), 0x7f1234u);
  EXPECT_EQ(v->scratch_backing_va(1), 0u);  // the other GPU keeps its own value
  s.va_addr = 0x55;
  ASSERT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_SET_SCRATCH_BACKING_VA, &s), 0);
  EXPECT_EQ(v->scratch_backing_va(0), 0x55u);
  EXPECT_EQ(v->scratch_backing_va(7), 0u);  // no such GPU
}

}  // namespace
