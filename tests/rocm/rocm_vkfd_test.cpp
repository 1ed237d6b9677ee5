// The virtual-KFD surface Debian's ROCm 5.2.3 needs on gfx90a (findings of running rocminfo):
// GPU caches and DoorbellType 2 in the topology, the DRM queries libdrm_amdgpu makes on a render
// node, SET_XNACK_MODE, ROCm's out-of-tree ioctl numbers, and duplicated descriptors.
#include <amdgpu_drm.h>
#include <fcntl.h>
#include <linux/kfd_ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

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
  kfd_ioctl_set_cu_mask_args mask{};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(v->ioctl_errno(*kfd, AMDKFD_IOC_SET_CU_MASK, &mask), ENOTTY);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "virtual KFD: AMDKFD_IOC_SET_CU_MASK (nr 0x1a) is not simulated: ENOTTY\n");
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

}  // namespace
