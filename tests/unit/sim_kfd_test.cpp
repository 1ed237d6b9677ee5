// The virtual KFD (sim/kfd) end to end: its topology tree, the kernel's errnos for bad ioctl
// arguments, and the kfd backend running on it through the sim port — memory in every domain
// visible to both the CPU and the simulated GPU, SDMA and PM4 queues executing copies, fills and
// signals byte-exactly, event waits woken by interrupts, peer-to-peer copies, and fault injection
// with no leaked file descriptor, mapping or buffer object.
#include <dirent.h>
#include <fcntl.h>
#include <linux/kfd_ioctl.h>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "amdhal/command_buffer.h"
#include "amdhal/topology.h"
#include "amdhal_sim_kfd/virtual_kfd.h"
#include "kfd_abi.h"
#include "kfd_device.h"
#include "kfd_errors.h"
#include "kfd_events.h"
#include "kfd_process.h"
#include "kfd_queue.h"
#include "sim_port.h"

namespace {

using namespace amdhal;       // NOLINT
using namespace amdhal::kfd;  // NOLINT
using amdhal::sim::VirtualKfd;

constexpr auto kTimeout = std::chrono::seconds(5);

std::shared_ptr<VirtualKfd> make_vkfd(const std::string& spec = "sim:gfx942") {
  auto v = VirtualKfd::create(spec);
  EXPECT_TRUE(v.ok()) << v.status().to_string();
  return v.ok() ? *v : nullptr;
}

size_t count_fds() {
  size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/// Mappings of the virtual KFD's memfds (buffer objects, event page, MMIO page).
size_t count_vkfd_maps() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  size_t n = 0;
  while (std::getline(maps, line)) n += line.find("amdhal-vkfd") != std::string::npos;
  return n;
}

/// Everything opened through the backend on one virtual KFD.
struct Backend {
  std::shared_ptr<VirtualKfd> vkfd;
  std::shared_ptr<KfdProcess> process;
  std::vector<std::shared_ptr<KfdDevice>> devices;

  static Expected<Backend> open(std::shared_ptr<VirtualKfd> v, size_t count = 1) {
    Backend b;
    b.vkfd = std::move(v);
    AMDHAL_ASSIGN_OR_RETURN(b.process, KfdProcess::open(make_sim_port(b.vkfd)));
    for (size_t i = 0; i < count; ++i) {
      AMDHAL_ASSIGN_OR_RETURN(std::unique_ptr<KfdDevice> d,
                              open_kfd_device(b.process, b.vkfd->gpu_id(i), nullptr));
      b.devices.push_back(std::move(d));
    }
    return b;
  }
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>((i * 131 + seed * 7 + (i >> 9)) & 0xFF);
  return v;
}

Status run(Queue& q, const CommandBuffer& cb) {
  AMDHAL_RETURN_IF_ERROR(q.submit(cb));
  return static_cast<KfdQueue&>(q).wait_idle(kTimeout);
}

// ---- topology ----

TEST(SimKfdTopology, FourGfx942NodesWithXgmiLinks) {
  auto v = make_vkfd("sim:gfx942x4");
  ASSERT_TRUE(v);
  auto topo = parse_topology(v->topology_root());
  ASSERT_TRUE(topo.ok()) << topo.status().to_string();
  ASSERT_EQ(topo->cpu_nodes.size(), 1u);
  ASSERT_EQ(topo->gpu_nodes.size(), 4u);
  auto fam = find_family("gfx942");
  ASSERT_TRUE(fam.ok());
  std::set<uint32_t> ids, locations;
  for (size_t i = 0; i < 4; ++i) {
    const TopologyNode& n = topo->gpu_nodes[i];
    EXPECT_EQ(n.index, i + 1);
    EXPECT_NE(n.gpu_id, 0u);
    EXPECT_EQ(n.gpu_id, v->gpu_id(i));
    ids.insert(n.gpu_id);
    locations.insert(n.location_id());
    EXPECT_EQ(n.gfx_target_version(), 90402u);
    EXPECT_EQ(n.gfx_target(), "gfx942");
    EXPECT_EQ(n.simd_count(), (*fam)->compute_units * n.simd_per_cu());
    EXPECT_EQ(n.num_sdma_engines(), (*fam)->sdma_engines);
    EXPECT_EQ(n.num_sdma_xgmi_engines(), (*fam)->sdma_xgmi_engines);
    EXPECT_EQ(n.drm_render_minor(), 128 + i);
    EXPECT_EQ(n.render_node_path(), v->render_node_path(i));
    EXPECT_EQ(n.vendor_id(), 0x1002u);
    EXPECT_EQ(n.device_id(), (*fam)->pci_device_ids.front());
    EXPECT_EQ(n.num_xcc(), 1u);
    EXPECT_EQ(n.xgmi_link_count(), 3u);
    EXPECT_NE(n.hive_id(), 0u);
    EXPECT_EQ(n.vram_bytes(), uint64_t{16} << 30);
    // The kernel's queue-size formula works on what the node reports.
    auto sizes = queue_memory_sizes(n);
    ASSERT_TRUE(sizes.ok());
    EXPECT_EQ(sizes->eop_buffer_size, 4096u);
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(locations.size(), 4u);
  const auto root = v->topology_root();
  EXPECT_TRUE(std::filesystem::exists(root / "nodes" / "4" / "properties"));
  v.reset();
  EXPECT_FALSE(std::filesystem::exists(root)) << "the private topology directory is removed";
}

TEST(SimKfdTopology, Gfx1100VramOptionAndSmallBar) {
  auto v = make_vkfd("sim:gfx1100,vram=1G,largebar=0");
  ASSERT_TRUE(v);
  auto topo = parse_topology(v->topology_root());
  ASSERT_TRUE(topo.ok());
  ASSERT_EQ(topo->gpu_nodes.size(), 1u);
  EXPECT_EQ(topo->gpu_nodes[0].gfx_target_version(), 110000u);
  EXPECT_EQ(topo->gpu_nodes[0].vram_bytes(), uint64_t{1} << 30);
  EXPECT_EQ(topo->gpu_nodes[0].mem_banks[0].heap_type, kHeapTypeFbPrivate);
  EXPECT_EQ(topo->gpu_nodes[0].xgmi_link_count(), 0u);
  EXPECT_FALSE(VirtualKfd::create("sim:gfx942,largebar=2").ok());
}

// ---- raw ioctls: the kernel's errnos ----

class SimKfdIoctl : public ::testing::Test {
 protected:
  void SetUp() override {
    v = make_vkfd("sim:gfx942x2");
    ASSERT_TRUE(v);
    auto k = v->open("/dev/kfd", O_RDWR);
    ASSERT_TRUE(k.ok());
    kfd = *k;
    gpu = v->gpu_id(0);
  }
  void TearDown() override {
    if (v) {
      for (int fd : {kfd, render}) {
        if (fd >= 0) v->close(fd).ignore();
      }
    }
  }
  template <typename T>
  int io(unsigned long req, T* arg) {
    return v->ioctl_errno(kfd, req, arg);
  }
  void acquire() {
    auto r = v->open(v->render_node_path(0), O_RDWR);
    ASSERT_TRUE(r.ok());
    render = *r;
    kfd_ioctl_acquire_vm_args a{};
    a.drm_fd = static_cast<uint32_t>(render);
    a.gpu_id = gpu;
    ASSERT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &a), 0);
  }
  /// A GTT BO of `size` at a fresh VA, mapped to GPU 0.
  uint64_t alloc_gtt(uint64_t size, uint64_t* va_out, bool map = true) {
    void* va = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    reservations.emplace_back(va, size);
    kfd_ioctl_alloc_memory_of_gpu_args a{};
    a.va_addr = reinterpret_cast<uint64_t>(va);
    a.size = size;
    a.gpu_id = gpu;
    a.flags = KFD_IOC_ALLOC_MEM_FLAGS_GTT | KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE;
    EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), 0);
    if (map) {
      uint32_t ids[] = {gpu};
      kfd_ioctl_map_memory_to_gpu_args m{};
      m.handle = a.handle;
      m.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
      m.n_devices = 1;
      EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), 0);
      EXPECT_EQ(m.n_success, 1u);
    }
    *va_out = a.va_addr;
    return a.handle;
  }
  ~SimKfdIoctl() override {
    for (auto& [p, n] : reservations) munmap(p, n);
  }

  std::shared_ptr<VirtualKfd> v;
  int kfd = -1;
  int render = -1;
  uint32_t gpu = 0;
  std::vector<std::pair<void*, size_t>> reservations;
};

TEST_F(SimKfdIoctl, VersionAperturesAndAcquire) {
  kfd_ioctl_get_version_args ver{};
  ASSERT_EQ(io(AMDKFD_IOC_GET_VERSION, &ver), 0);
  EXPECT_EQ(ver.major_version, KFD_IOCTL_MAJOR_VERSION);
  EXPECT_EQ(ver.minor_version, KFD_IOCTL_MINOR_VERSION);
  EXPECT_EQ(v->ioctl_errno(kfd, AMDKFD_IOC_GET_VERSION, nullptr), EFAULT);

  kfd_ioctl_get_process_apertures_new_args ap{};
  ASSERT_EQ(io(AMDKFD_IOC_GET_PROCESS_APERTURES_NEW, &ap), 0);
  EXPECT_EQ(ap.num_of_nodes, 2u);
  kfd_process_device_apertures arr[2]{};
  ap.kfd_process_device_apertures_ptr = reinterpret_cast<uint64_t>(arr);
  ASSERT_EQ(io(AMDKFD_IOC_GET_PROCESS_APERTURES_NEW, &ap), 0);
  EXPECT_EQ(arr[1].gpu_id, v->gpu_id(1));
  EXPECT_LT(arr[0].gpuvm_base, arr[0].gpuvm_limit);
  ap.kfd_process_device_apertures_ptr = 0x10;  // unmapped
  EXPECT_EQ(io(AMDKFD_IOC_GET_PROCESS_APERTURES_NEW, &ap), EFAULT);

  // Memory before ACQUIRE_VM: the process is not bound to the GPU.
  kfd_ioctl_alloc_memory_of_gpu_args al{};
  al.va_addr = 0x100000000;
  al.size = 4096;
  al.gpu_id = gpu;
  al.flags = KFD_IOC_ALLOC_MEM_FLAGS_GTT;
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &al), ENODEV);

  kfd_ioctl_acquire_vm_args acq{};
  acq.drm_fd = 99999;
  acq.gpu_id = gpu;
  EXPECT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &acq), EINVAL);  // fget fails
  auto other = v->open(v->render_node_path(1), O_RDWR);
  ASSERT_TRUE(other.ok());
  acq.drm_fd = static_cast<uint32_t>(*other);
  EXPECT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &acq), EINVAL);  // another GPU's render node
  acq.gpu_id = 12345;
  EXPECT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &acq), EINVAL);  // unknown gpu_id
  acquire();
  acq.drm_fd = static_cast<uint32_t>(render);
  acq.gpu_id = gpu;
  EXPECT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &acq), 0);  // the same file again
  auto second = v->open(v->render_node_path(0), O_RDWR);
  ASSERT_TRUE(second.ok());
  acq.drm_fd = static_cast<uint32_t>(*second);
  EXPECT_EQ(io(AMDKFD_IOC_ACQUIRE_VM, &acq), EBUSY);
  EXPECT_TRUE(v->close(*second).ok());
  EXPECT_TRUE(v->close(*other).ok());
  EXPECT_EQ(v->close(*other).code(), StatusCode::kInternal);  // EBADF

  // Unknown and unsimulated ioctl numbers; ioctls on a render node; unknown paths.
  EXPECT_EQ(v->ioctl_errno(kfd, _IOWR('K', 0x30, kfd_ioctl_get_version_args), &ver), EINVAL);
  kfd_ioctl_svm_args svm{};
  EXPECT_EQ(io(AMDKFD_IOC_SVM, &svm), ENOTTY);
  EXPECT_EQ(v->ioctl_errno(render, AMDKFD_IOC_GET_VERSION, &ver), ENOTTY);
  EXPECT_EQ(v->ioctl_errno(12345678, AMDKFD_IOC_GET_VERSION, &ver), EBADF);
  EXPECT_EQ(v->open("/dev/dri/renderD200", O_RDWR).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(v->open("/etc/passwd", O_RDONLY).status().code(), StatusCode::kNotFound);
}

TEST_F(SimKfdIoctl, MemoryArgumentErrors) {
  acquire();
  void* va = mmap(nullptr, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  reservations.emplace_back(va, 1 << 20);
  kfd_ioctl_alloc_memory_of_gpu_args a{};
  auto reset = [&] {
    a = {};
    a.va_addr = reinterpret_cast<uint64_t>(va);
    a.size = 8192;
    a.gpu_id = gpu;
    a.flags = KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE;
  };
  reset();
  a.size = 0;
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  reset();
  a.gpu_id = 7;
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  reset();
  a.flags = KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE;  // no domain
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  reset();
  a.flags = KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL;
  a.size = 4096;
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  reset();
  a.flags = KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP;
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  reset();
  a.va_addr += 16;  // unaligned
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  reset();
  a.size = uint64_t{17} << 30;  // more than the 16 GiB VRAM heap
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), ENOMEM);
  reset();
  a.flags = KFD_IOC_ALLOC_MEM_FLAGS_USERPTR;
  a.mmap_offset = 0;
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EINVAL);
  a.mmap_offset = 0x1000;  // not mapped
  EXPECT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), EFAULT);

  reset();
  ASSERT_EQ(io(AMDKFD_IOC_ALLOC_MEMORY_OF_GPU, &a), 0);
  EXPECT_EQ(a.handle >> 32, gpu);
  const uint64_t h = a.handle;
  uint32_t ids[] = {gpu, 4242};
  kfd_ioctl_map_memory_to_gpu_args m{};
  m.handle = h;
  m.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
  EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), EINVAL);  // n_devices 0
  m.n_devices = 1;
  m.n_success = 2;
  EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), EINVAL);  // n_success > n_devices
  m.n_success = 0;
  m.device_ids_array_ptr = 0x10;
  EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), EFAULT);
  m.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
  m.handle = h + 1000;
  EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), ENOMEM);  // unknown handle (sic)
  m.handle = h;
  m.n_devices = 2;
  EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), EINVAL);  // second id unknown
  EXPECT_EQ(m.n_success, 1u);
  ids[1] = v->gpu_id(1);
  EXPECT_EQ(io(AMDKFD_IOC_MAP_MEMORY_TO_GPU, &m), ENODEV);  // GPU 1's VM not acquired
  EXPECT_EQ(m.n_success, 1u);

  kfd_ioctl_free_memory_of_gpu_args f{};
  f.handle = h;
  EXPECT_EQ(io(AMDKFD_IOC_FREE_MEMORY_OF_GPU, &f), EBUSY);  // still mapped
  kfd_ioctl_unmap_memory_from_gpu_args u{};
  u.handle = h;
  u.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
  u.n_devices = 1;
  EXPECT_EQ(io(AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU, &u), 0);
  EXPECT_EQ(io(AMDKFD_IOC_FREE_MEMORY_OF_GPU, &f), 0);
  EXPECT_EQ(io(AMDKFD_IOC_FREE_MEMORY_OF_GPU, &f), EINVAL);  // already freed
  f.handle = uint64_t{4242} << 32;
  EXPECT_EQ(io(AMDKFD_IOC_FREE_MEMORY_OF_GPU, &f), EINVAL);

  // Render-node mmap: an offset no BO covers.
  auto bad = v->mmap(nullptr, 4096, PROT_READ, MAP_SHARED, render, 0x1000);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(port_errno(bad.status()), EINVAL);
}

TEST_F(SimKfdIoctl, QueueEventAndMiscErrors) {
  acquire();
  uint64_t ring = 0, ptrs = 0;
  const uint64_t ring_handle = alloc_gtt(65536, &ring);
  alloc_gtt(4096, &ptrs);
  kfd_ioctl_create_queue_args q{};
  auto reset = [&] {
    q = {};
    q.ring_base_address = ring;
    q.ring_size = 65536;
    q.gpu_id = gpu;
    q.queue_type = KFD_IOC_QUEUE_TYPE_SDMA;
    q.queue_percentage = 100;
    q.queue_priority = 7;
    q.read_pointer_address = ptrs;
    q.write_pointer_address = ptrs + 8;
  };
  reset();
  q.queue_percentage = 101;
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  q.queue_priority = 16;
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  q.ring_size = 3000;
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  q.read_pointer_address = 0xFFFF800000000000ull;
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EFAULT);
  reset();
  q.queue_type = 9;
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), 524);  // ENOTSUPP, as the kernel leaks it
  reset();
  q.gpu_id = 1;
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  q.gpu_id = v->gpu_id(1);
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), ESRCH);  // no VM on GPU 1
  reset();
  q.ring_size = 32768;  // the mapping is 64 KiB
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  q.ring_base_address = ring + 4096;  // not the start of the mapping
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  q.queue_type = KFD_IOC_QUEUE_TYPE_COMPUTE;  // no EOP / save area of the node's sizes
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), EINVAL);
  reset();
  ASSERT_EQ(io(AMDKFD_IOC_CREATE_QUEUE, &q), 0);
  EXPECT_EQ(q.doorbell_offset >> 62, 3u);
  EXPECT_EQ((q.doorbell_offset >> 46) & 0xFFFF, gpu);
  EXPECT_EQ((q.doorbell_offset & 8191) % 8, 0u);

  // Queue buffers stay mapped while the queue lives.
  kfd_ioctl_unmap_memory_from_gpu_args u{};
  uint32_t ids[] = {gpu};
  u.handle = ring_handle;
  u.device_ids_array_ptr = reinterpret_cast<uint64_t>(ids);
  u.n_devices = 1;
  EXPECT_EQ(io(AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU, &u), EBUSY);

  // Doorbells: exactly the slice; MAP_FIXED refused.
  const auto base = static_cast<off_t>(q.doorbell_offset & ~uint64_t{8191});
  EXPECT_EQ(port_errno(v->mmap(nullptr, 4096, PROT_WRITE, MAP_SHARED, kfd, base).status()), EINVAL);
  auto db = v->mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, base);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(v->counts().doorbell_mappings, 1u);
  EXPECT_TRUE(v->munmap(*db, 8192).ok());
  EXPECT_EQ(v->counts().doorbell_mappings, 0u);

  kfd_ioctl_destroy_queue_args d{};
  d.queue_id = q.queue_id;
  EXPECT_EQ(io(AMDKFD_IOC_DESTROY_QUEUE, &d), 0);
  EXPECT_EQ(io(AMDKFD_IOC_DESTROY_QUEUE, &d), EINVAL);

  // Events.
  kfd_ioctl_set_event_args se{};
  se.event_id = 77;
  EXPECT_EQ(io(AMDKFD_IOC_SET_EVENT, &se), EINVAL);
  kfd_ioctl_create_event_args ce{};
  ce.event_type = KFD_IOC_EVENT_SIGNAL;
  ce.auto_reset = 1;
  ce.event_page_offset = uint64_t{gpu} << 32 | 999;  // no such BO
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_EVENT, &ce), EINVAL);
  uint64_t small_va = 0;
  ce.event_page_offset = alloc_gtt(4096, &small_va, false);  // smaller than 4096 slots
  EXPECT_EQ(io(AMDKFD_IOC_CREATE_EVENT, &ce), EINVAL);
  ce.event_page_offset = 0;  // KFD allocates the page itself
  ASSERT_EQ(io(AMDKFD_IOC_CREATE_EVENT, &ce), 0);
  EXPECT_EQ(ce.event_id, 1u);
  EXPECT_EQ(ce.event_slot_index, 1u);
  EXPECT_EQ(ce.event_page_offset >> 62, 2u);
  kfd_ioctl_create_event_args other{};
  other.event_type = KFD_IOC_EVENT_MEMORY;
  ASSERT_EQ(io(AMDKFD_IOC_CREATE_EVENT, &other), 0);
  EXPECT_GE(other.event_id, 0x80000000u);
  se.event_id = other.event_id;
  EXPECT_EQ(io(AMDKFD_IOC_SET_EVENT, &se), EINVAL);  // not CPU-signalable

  kfd_event_data data{};
  data.event_id = ce.event_id;
  kfd_ioctl_wait_events_args w{};
  w.events_ptr = reinterpret_cast<uint64_t>(&data);
  w.num_events = 1;
  w.timeout = 0;
  ASSERT_EQ(io(AMDKFD_IOC_WAIT_EVENTS, &w), 0);
  EXPECT_EQ(w.wait_result, KFD_IOC_WAIT_RESULT_TIMEOUT);
  se.event_id = ce.event_id;
  ASSERT_EQ(io(AMDKFD_IOC_SET_EVENT, &se), 0);
  w.timeout = 1000;
  ASSERT_EQ(io(AMDKFD_IOC_WAIT_EVENTS, &w), 0);
  EXPECT_EQ(w.wait_result, KFD_IOC_WAIT_RESULT_COMPLETE);
  w.timeout = 10;  // auto-reset: consumed by the first wait
  ASSERT_EQ(io(AMDKFD_IOC_WAIT_EVENTS, &w), 0);
  EXPECT_EQ(w.wait_result, KFD_IOC_WAIT_RESULT_TIMEOUT);
  data.event_id = 555;
  EXPECT_EQ(io(AMDKFD_IOC_WAIT_EVENTS, &w), EINVAL);
  EXPECT_EQ(w.wait_result, KFD_IOC_WAIT_RESULT_FAIL);
  w.events_ptr = 0x10;
  EXPECT_EQ(io(AMDKFD_IOC_WAIT_EVENTS, &w), EFAULT);
  kfd_ioctl_destroy_event_args de{};
  de.event_id = ce.event_id;
  EXPECT_EQ(io(AMDKFD_IOC_DESTROY_EVENT, &de), 0);
  EXPECT_EQ(io(AMDKFD_IOC_DESTROY_EVENT, &de), EINVAL);

  // The no-op ioctls check their arguments.
  kfd_ioctl_set_memory_policy_args mp{};
  mp.gpu_id = gpu;
  mp.default_policy = 7;
  EXPECT_EQ(io(AMDKFD_IOC_SET_MEMORY_POLICY, &mp), EINVAL);
  mp.default_policy = KFD_IOC_CACHE_POLICY_COHERENT;
  EXPECT_EQ(io(AMDKFD_IOC_SET_MEMORY_POLICY, &mp), 0);
  kfd_ioctl_set_scratch_backing_va_args sb{};
  sb.gpu_id = 3;
  EXPECT_EQ(io(AMDKFD_IOC_SET_SCRATCH_BACKING_VA, &sb), EINVAL);
  sb.gpu_id = v->gpu_id(1);
  EXPECT_EQ(io(AMDKFD_IOC_SET_SCRATCH_BACKING_VA, &sb), ENODEV);
  kfd_ioctl_set_trap_handler_args th{};
  th.gpu_id = gpu;
  EXPECT_EQ(io(AMDKFD_IOC_SET_TRAP_HANDLER, &th), 0);
  kfd_ioctl_get_clock_counters_args cc{};
  cc.gpu_id = 3;
  EXPECT_EQ(io(AMDKFD_IOC_GET_CLOCK_COUNTERS, &cc), 0);
  EXPECT_EQ(cc.gpu_clock_counter, 0u);
  EXPECT_EQ(cc.system_clock_freq, 1000000000u);
  cc.gpu_id = gpu;
  EXPECT_EQ(io(AMDKFD_IOC_GET_CLOCK_COUNTERS, &cc), 0);
  const uint64_t c1 = cc.gpu_clock_counter;
  EXPECT_EQ(io(AMDKFD_IOC_GET_CLOCK_COUNTERS, &cc), 0);
  EXPECT_GE(cc.gpu_clock_counter, c1);
}

// ---- the backend on the virtual KFD ----

TEST(SimKfdBackend, EveryDomainVisibleToCpuAndGpu) {
  auto b = Backend::open(make_vkfd());
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  KfdDevice& dev = *b->devices[0];
  EXPECT_TRUE(dev.info().simulated);
  EXPECT_EQ(dev.info().target, "gfx942");
  auto q = dev.create_queue(QueueKind::kSdma);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  constexpr size_t kSize = 3 * 4096 + 123;
  for (MemoryDomain dom : {MemoryDomain::kVram, MemoryDomain::kGtt, MemoryDomain::kHost}) {
    SCOPED_TRACE(static_cast<int>(dom));
    auto src = dev.alloc(kSize, dom);
    auto dst = dev.alloc(kSize, dom);
    ASSERT_TRUE(src.ok() && dst.ok()) << src.status().to_string() << dst.status().to_string();
    const auto bytes = pattern(kSize, static_cast<uint32_t>(dom));
    std::memcpy((*src)->cpu_pointer(), bytes.data(), kSize);  // CPU → GPU
    std::memset((*dst)->cpu_pointer(), 0, kSize);
    CommandBuffer cb;
    ASSERT_TRUE(cb.copy({*dst, 0}, {*src, 0}, kSize).ok());
    ASSERT_TRUE(run(**q, cb).ok());
    EXPECT_EQ(std::memcmp((*dst)->cpu_pointer(), bytes.data(), kSize), 0);  // GPU → CPU
    CommandBuffer fill;
    ASSERT_TRUE(fill.fill({*dst, 4096}, 8192, 0xA5C3E1F0u).ok());
    ASSERT_TRUE(run(**q, fill).ok());
    const auto* out = static_cast<const uint32_t*>((*dst)->cpu_pointer());
    EXPECT_EQ(out[1023], *reinterpret_cast<const uint32_t*>(bytes.data() + 4092));
    EXPECT_EQ(out[1024], 0xA5C3E1F0u);
    EXPECT_EQ(out[3071], 0xA5C3E1F0u);
    EXPECT_EQ(out[3072], *reinterpret_cast<const uint32_t*>(bytes.data() + 12288));
  }
  // VRAM that is not CPU-visible is still usable by the GPU.
  auto hidden = dev.alloc(4096, MemoryDomain::kVram, AllocFlags{.cpu_visible = false});
  ASSERT_TRUE(hidden.ok()) << hidden.status().to_string();
  EXPECT_EQ((*hidden)->cpu_pointer(), nullptr);
  auto host = dev.alloc(4096, MemoryDomain::kGtt);
  ASSERT_TRUE(host.ok());
  std::memset((*host)->cpu_pointer(), 0x5A, 4096);
  CommandBuffer round;
  ASSERT_TRUE(round.copy({*hidden, 0}, {*host, 0}, 4096).ok());
  ASSERT_TRUE(round.fill({*host, 0}, 4096, 0).ok());
  ASSERT_TRUE(round.copy({*host, 0}, {*hidden, 0}, 4096).ok());
  ASSERT_TRUE(run(**q, round).ok());
  EXPECT_EQ(static_cast<uint8_t*>((*host)->cpu_pointer())[4095], 0x5A);
}

TEST(SimKfdBackend, PlainRingsByteExactWithSignals) {
  for (const char* spec : {"sim:gfx942", "sim:gfx1100"}) {
    SCOPED_TRACE(spec);
    auto b = Backend::open(make_vkfd(spec));
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    KfdDevice& dev = *b->devices[0];
    for (QueueKind kind : {QueueKind::kSdma, QueueKind::kCompute}) {
      SCOPED_TRACE(queue_kind_name(kind));
      auto q = dev.create_queue(kind);
      ASSERT_TRUE(q.ok()) << q.status().to_string();
      auto a = dev.alloc(65536 + 4, MemoryDomain::kGtt);
      auto c = dev.alloc(65536 + 4, MemoryDomain::kVram);
      auto s = dev.create_signal(0);
      ASSERT_TRUE(a.ok() && c.ok() && s.ok());
      const auto bytes = pattern(65536 + 4, 3);
      std::memcpy((*a)->cpu_pointer(), bytes.data(), bytes.size());
      std::memset((*c)->cpu_pointer(), 0xEE, bytes.size());
      CommandBuffer cb;
      ASSERT_TRUE(cb.copy({*c, 1}, {*a, 3}, 65000).ok());  // unaligned offsets and size
      ASSERT_TRUE(cb.fill({*a, 0}, 256, 0x01020304u).ok());
      ASSERT_TRUE(cb.signal(*s, 42).ok());
      ASSERT_TRUE((*q)->submit(cb).ok());
      Status st = (*s)->wait(42, kTimeout);
      ASSERT_TRUE(st.ok()) << st.to_string() << "\n" << (*q)->state().description;
      const auto* out = static_cast<const uint8_t*>((*c)->cpu_pointer());
      EXPECT_EQ(out[0], 0xEE);
      EXPECT_EQ(std::memcmp(out + 1, bytes.data() + 3, 65000), 0);
      EXPECT_EQ(out[65001], 0xEE);
      EXPECT_EQ(static_cast<const uint32_t*>((*a)->cpu_pointer())[63], 0x01020304u);
      EXPECT_EQ((*s)->value(), 42u);
    }
  }
}

TEST(SimKfdBackend, WaitEventsWokenByInterrupts) {
  auto v = make_vkfd();
  auto b = Backend::open(v);
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  KfdProcess& p = *b->process;
  // The first event hands KFD the backend's event page.
  auto ev = KfdEvent::create_signal(p, v->gpu_id(0));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  auto ev2 = KfdEvent::create_signal(p, v->gpu_id(0));
  ASSERT_TRUE(ev2.ok());
  EXPECT_NE(ev->id(), ev2->id());
  sim::Device& gpu = v->system().device(0);

  // An end-of-pipe interrupt whose slot was not written wakes nobody (kfd_events.c).
  sim::Interrupt irq;
  irq.source = sim::Interrupt::Source::kEndOfPipe;
  irq.context_id = ev->id();
  gpu.raise_interrupt(irq);
  auto fired = ev->wait(std::chrono::milliseconds(20));
  ASSERT_TRUE(fired.ok());
  EXPECT_FALSE(*fired);

  // The event page's slot N written (what a RELEASE_MEM or an AQL event mailbox does) + the
  // interrupt with context id N: the waiter wakes, the slot is acknowledged.
  auto page = p.event_page_offset_for_create(v->gpu_id(0));  // 0: the page was accepted
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(*page, 0u);
  // Find the page: the GTT buffer mapped to the GPU that holds UNSIGNALED slots.
  uint64_t* slots = nullptr;
  for (const auto& m : gpu.vm(8).mappings()) {
    if (m.size == kEventPageBytes) slots = reinterpret_cast<uint64_t*>(m.host);
  }
  ASSERT_NE(slots, nullptr);
  EXPECT_EQ(slots[ev->id()], ~0ull);
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    __atomic_store_n(&slots[ev->id()], ev->id(), __ATOMIC_RELEASE);
    gpu.raise_interrupt(irq);
  });
  const auto t0 = std::chrono::steady_clock::now();
  fired = ev->wait(std::chrono::milliseconds(2000));
  waker.join();
  ASSERT_TRUE(fired.ok());
  EXPECT_TRUE(*fired);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  EXPECT_EQ(slots[ev->id()], ~0ull);
  // An SDMA trap naming an id whose slot is unsignalled is dropped (a duplicate interrupt);
  // one whose id is out of range makes KFD search every written slot.
  __atomic_store_n(&slots[ev2->id()], ev2->id(), __ATOMIC_RELEASE);
  irq.source = sim::Interrupt::Source::kSdmaTrap;
  irq.context_id = ev->id();
  gpu.raise_interrupt(irq);
  fired = ev2->wait(std::chrono::milliseconds(20));
  ASSERT_TRUE(fired.ok());
  EXPECT_FALSE(*fired);
  irq.context_id = 0x0FFFFFFF;
  gpu.raise_interrupt(irq);
  fired = ev2->wait(std::chrono::milliseconds(1000));
  ASSERT_TRUE(fired.ok());
  EXPECT_TRUE(*fired);
  // SET_EVENT from the CPU.
  ASSERT_TRUE(ev->set().ok());
  fired = ev->wait(std::chrono::milliseconds(1000));
  ASSERT_TRUE(fired.ok());
  EXPECT_TRUE(*fired);
}

TEST(SimKfdBackend, PeerToPeerCopy) {
  auto b = Backend::open(make_vkfd("sim:gfx942x2"), 2);
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  KfdDevice& d0 = *b->devices[0];
  KfdDevice& d1 = *b->devices[1];
  auto src = d0.alloc(1 << 20, MemoryDomain::kVram);  // mapped to GPU 1 too (peer)
  auto dst = d1.alloc(1 << 20, MemoryDomain::kVram);
  ASSERT_TRUE(src.ok() && dst.ok());
  const auto bytes = pattern(1 << 20, 9);
  std::memcpy((*src)->cpu_pointer(), bytes.data(), bytes.size());
  for (QueueKind kind : {QueueKind::kSdma, QueueKind::kSdmaXgmi}) {
    auto q = d1.create_queue(kind);  // GPU 1's engine reads GPU 0's VRAM
    ASSERT_TRUE(q.ok()) << q.status().to_string();
    std::memset((*dst)->cpu_pointer(), 0, bytes.size());
    CommandBuffer cb;
    ASSERT_TRUE(cb.copy({*dst, 0}, {*src, 0}, bytes.size()).ok());
    ASSERT_TRUE(run(**q, cb).ok());
    EXPECT_EQ(std::memcmp((*dst)->cpu_pointer(), bytes.data(), bytes.size()), 0);
  }
}

TEST(SimKfdBackend, RegistryStyleIds) {
  auto id = parse_sim_device_id("sim:gfx942x4,vram=1G#3");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->spec, "sim:gfx942x4,vram=1G");
  EXPECT_EQ(id->index, 3u);
  EXPECT_FALSE(parse_sim_device_id("sim:gfx942#x").ok());
  EXPECT_EQ(sim_device_id("sim:gfx942", 0, 1), "sim:gfx942");
  EXPECT_EQ(sim_device_id("sim:gfx942x2", 1, 2), "sim:gfx942x2#1");
}

// ---- fault injection ----

TEST(SimKfdFaults, ParseSpec) {
  auto r =
      sim::parse_kfd_fault_spec("ioctl:CREATE_QUEUE:ENOMEM:2;ioctl:AMDKFD_IOC_MAP_MEMORY_TO_GPU");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "CREATE_QUEUE");
  EXPECT_EQ((*r)[0].err, ENOMEM);
  EXPECT_EQ((*r)[0].nth, 2u);
  EXPECT_EQ((*r)[1].name, "MAP_MEMORY_TO_GPU");
  EXPECT_EQ((*r)[1].err, ENOMEM);
  EXPECT_EQ((*r)[1].nth, 1u);
  auto n = sim::parse_kfd_fault_spec("ioctl:WAIT_EVENTS:5:0");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)[0].err, 5);
  EXPECT_EQ((*n)[0].nth, 0u);
  for (const char* bad : {"ioctl", "open:/dev/kfd", "ioctl:NOPE", "ioctl:CREATE_QUEUE:EWHAT",
                          "ioctl:CREATE_QUEUE:ENOMEM:x", "ioctl:A:B:C:D"}) {
    auto e = sim::parse_kfd_fault_spec(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_NE(e.status().message().find("ioctl:NAME"), std::string::npos);
    }
  }
}

struct FaultCase {
  const char* ioctl;
  int err;
  uint64_t nth;
};

TEST(SimKfdFaults, EveryBackendIoctlFailsCleanly) {
  const FaultCase cases[] = {
      {"GET_VERSION", ENOMEM, 1},
      {"GET_PROCESS_APERTURES_NEW", ENOMEM, 1},
      {"GET_PROCESS_APERTURES_NEW", EFAULT, 2},
      {"ACQUIRE_VM", EINVAL, 1},
      {"GET_CLOCK_COUNTERS", EIO, 1},
      {"ALLOC_MEMORY_OF_GPU", ENOMEM, 1},
      {"ALLOC_MEMORY_OF_GPU", ENOMEM, 3},
      {"MAP_MEMORY_TO_GPU", ENOMEM, 1},
      {"MAP_MEMORY_TO_GPU", EINVAL, 4},
      {"CREATE_QUEUE", ENOMEM, 1},
      {"CREATE_QUEUE", ENOSPC, 2},
      {"CREATE_EVENT", EINVAL, 1},
  };
  const size_t fds_before = count_fds();
  const size_t maps_before = count_vkfd_maps();
  for (const FaultCase& c : cases) {
    SCOPED_TRACE(fmt::format("{}:{}:{}", c.ioctl, errno_name(c.err), c.nth));
    auto v = make_vkfd();
    ASSERT_TRUE(v);
    v->inject_fault({c.ioctl, c.err, c.nth});
    Status failure;
    {
      auto b = Backend::open(v);
      if (!b.ok()) {
        failure = b.status();
      } else {
        KfdDevice& dev = *b->devices[0];
        auto step = [&](auto&& r) {
          if (failure.ok() && !r.ok()) failure = r.status();
          return r.ok();
        };
        auto buf = dev.alloc(8192, MemoryDomain::kVram);
        auto q1 = step(buf) ? dev.create_queue(QueueKind::kSdma)
                            : Expected<std::shared_ptr<Queue>>(failure);
        auto q2 = step(q1) ? dev.create_queue(QueueKind::kCompute)
                           : Expected<std::shared_ptr<Queue>>(failure);
        auto s = step(q2) ? dev.create_signal(0) : Expected<std::shared_ptr<Signal>>(failure);
        step(s);
      }
    }
    ASSERT_FALSE(failure.ok()) << "the injected fault did not surface";
    EXPECT_NE(failure.message().find(fmt::format("AMDKFD_IOC_{}", c.ioctl)), std::string::npos)
        << failure.to_string();
    EXPECT_NE(failure.message().find(errno_name(c.err)), std::string::npos) << failure.to_string();
    // Nothing left behind in the (simulated) kernel: no file, queue, event or GPU mapping; at
    // most the event page, which KFD refuses to free (EPERM) and releases at process exit.
    const auto counts = v->counts();
    EXPECT_EQ(counts.open_fds, 0u);
    EXPECT_EQ(counts.queues, 0u);
    EXPECT_EQ(counts.events, 0u);
    EXPECT_EQ(counts.gpu_mappings, 0u);
    EXPECT_EQ(counts.doorbell_mappings, 0u);
    EXPECT_LE(counts.buffer_objects, 1u);
    // No CPU mapping of a buffer object left in the process (only the KFD's own views).
    EXPECT_EQ(count_vkfd_maps(), maps_before + counts.buffer_objects);
    v.reset();
    EXPECT_EQ(count_vkfd_maps(), maps_before);
    EXPECT_EQ(count_fds(), fds_before);
  }
}

TEST(SimKfdFaults, EveryCallAndRuntimeIoctls) {
  auto v = make_vkfd();
  auto b = Backend::open(v);
  ASSERT_TRUE(b.ok());
  v->inject_fault({"SET_EVENT", EIO, 0});
  v->inject_fault({"WAIT_EVENTS", EIO, 0});
  auto ev = KfdEvent::create_signal(*b->process, v->gpu_id(0));
  ASSERT_TRUE(ev.ok());
  Status st = ev->set();
  EXPECT_NE(st.message().find("AMDKFD_IOC_SET_EVENT: EIO"), std::string::npos) << st.to_string();
  auto w = ev->wait(std::chrono::milliseconds(1));
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(v->ioctl_calls("SET_EVENT"), 1u);
  v->clear_faults();
  EXPECT_TRUE(ev->set().ok());
}

}  // namespace
