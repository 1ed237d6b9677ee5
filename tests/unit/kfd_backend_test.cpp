// Argument-level checks of the kfd backend over a small recording KfdPort: the exact ioctl
// sequences of open, alloc, free, queue and event creation with their struct fields, the errno
// messages, and that every failing call leaves no file descriptor, mapping or buffer object
// behind. The port runs no GPU: end-to-end behaviour is tested on the simulator's virtual KFD.
#include <fcntl.h>
#include <linux/kfd_ioctl.h>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "amdhal/command_buffer.h"
#include "amdhal/packets/aql.h"
#include "kfd_abi.h"
#include "kfd_device.h"
#include "kfd_errors.h"
#include "kfd_memory.h"
#include "kfd_process.h"
#include "kfd_queue.h"
#include "kfd_signal.h"

namespace {

using namespace amdhal;       // NOLINT
using namespace amdhal::kfd;  // NOLINT

const std::string kFixtures = AMDHAL_SOURCE_DIR "/tests/fixtures/topology/";
constexpr uint32_t kRdna3GpuId = 45159;

/// Records every call and answers the ioctls the backend uses the way KFD does, with plain
/// anonymous memory standing in for render-node and doorbell mappings.
class RecordingPort final : public KfdPort {
 public:
  struct Ioctl {
    std::string name;
    unsigned long request;
    int fd;
    std::vector<uint8_t> args;    // the struct as sent
    std::vector<uint8_t> result;  // the struct as returned
    template <typename T>
    T as() const {
      T t{};
      std::memcpy(&t, args.data(), std::min(sizeof(T), args.size()));
      return t;
    }
    template <typename T>
    T out() const {
      T t{};
      std::memcpy(&t, result.data(), std::min(sizeof(T), result.size()));
      return t;
    }
  };
  struct MmapCall {
    void* addr;
    size_t length;
    int prot;
    int flags;
    int fd;
    off_t offset;
    void* result;
  };

  explicit RecordingPort(std::string tree = "rdna3_desktop") : root_(kFixtures + tree) {}
  ~RecordingPort() override {
    for (auto& [addr, len] : live_maps) ::munmap(addr, len);
  }

  // Configuration.
  uint32_t major = KFD_IOCTL_MAJOR_VERSION;
  uint32_t minor = KFD_IOCTL_MINOR_VERSION;
  std::map<std::string, int> fail_open;   // path → errno
  std::map<std::string, int> fail_ioctl;  // name → errno (every call)
  int fail_call_index = -1;               // fail the Nth ioctl overall (0-based) ...
  int fail_call_errno = EINVAL;           // ... with this errno
  bool fail_mmap_fd = false;              // fd-backed mmaps fail with ENOMEM

  // Records.
  std::vector<std::string> log;
  std::vector<Ioctl> ioctls;
  std::vector<MmapCall> mmaps;
  std::set<int> open_fds;
  std::map<void*, size_t> live_maps;
  std::set<uint64_t> live_handles;
  std::set<uint32_t> live_queues;
  std::set<uint32_t> live_events;
  std::map<std::string, int> fd_of;

  std::string_view name() const override { return "recording"; }
  std::filesystem::path topology_root() const override { return root_; }

  Expected<int> open(const std::string& path, int flags) override {
    log.push_back("open " + path);
    last_open_flags = flags;
    if (auto it = fail_open.find(path); it != fail_open.end())
      return errno_status(it->second, path);
    const int fd = next_fd_++;
    open_fds.insert(fd);
    fd_of[path] = fd;
    return fd;
  }
  Status close(int fd) override {
    log.push_back("close " + std::to_string(fd));
    if (open_fds.erase(fd) == 0) return errno_status(EBADF, "close");
    return ok_status();
  }

  Status ioctl(int fd, unsigned long request, void* arg, std::string_view what) override {
    Ioctl rec{std::string(what), request, fd, {}, {}};
    rec.args.assign(static_cast<uint8_t*>(arg), static_cast<uint8_t*>(arg) + _IOC_SIZE(request));
    ioctls.push_back(rec);
    log.push_back(std::string(what));
    const int index = static_cast<int>(ioctls.size()) - 1;
    if (index == fail_call_index) return errno_status(fail_call_errno, what);
    if (auto it = fail_ioctl.find(std::string(what)); it != fail_ioctl.end()) {
      return errno_status(it->second, what);
    }
    if (open_fds.count(fd) == 0) return errno_status(EBADF, what);
    Status st = answer(request, arg, what);
    ioctls[index].result.assign(static_cast<uint8_t*>(arg),
                                static_cast<uint8_t*>(arg) + _IOC_SIZE(request));
    return st;
  }

  Expected<void*> mmap(void* addr, size_t length, int prot, int flags, int fd,
                       off_t offset) override {
    log.push_back(fd < 0 ? "mmap anon" : "mmap fd " + std::to_string(fd));
    if (fd >= 0 && fail_mmap_fd) return errno_status(ENOMEM, "mmap");
    int real_flags = flags;
    int real_prot = prot;
    if (fd >= 0) real_flags = (flags & MAP_FIXED) | MAP_SHARED | MAP_ANONYMOUS;
    void* p = ::mmap(addr, length, real_prot, real_flags, -1, 0);
    if (p == MAP_FAILED) return errno_status(errno, "mmap");
    mmaps.push_back({addr, length, prot, flags, fd, offset, p});
    live_maps[p] = length;
    return p;
  }
  Status munmap(void* addr, size_t length) override {
    log.push_back("munmap");
    auto it = live_maps.find(addr);
    if (it == live_maps.end() || it->second != length) return errno_status(EINVAL, "munmap");
    live_maps.erase(it);
    ::munmap(addr, length);
    return ok_status();
  }

  std::vector<std::string> ioctl_names() const {
    std::vector<std::string> names;
    for (const auto& i : ioctls) names.push_back(i.name);
    return names;
  }
  const Ioctl* last(std::string_view name) const {
    for (auto it = ioctls.rbegin(); it != ioctls.rend(); ++it) {
      if (it->name == name) return &*it;
    }
    return nullptr;
  }
  std::vector<const Ioctl*> all(std::string_view name) const {
    std::vector<const Ioctl*> out;
    for (const auto& i : ioctls) {
      if (i.name == name) out.push_back(&i);
    }
    return out;
  }
  bool clean() const {
    return open_fds.empty() && live_maps.empty() && live_handles.empty() && live_queues.empty() &&
           live_events.empty();
  }
  std::string leaks() const {
    return fmt::format("fds {} maps {} handles {} queues {} events {}", open_fds.size(),
                       live_maps.size(), live_handles.size(), live_queues.size(),
                       live_events.size());
  }

  int last_open_flags = 0;
  uint32_t wait_result = KFD_IOC_WAIT_RESULT_TIMEOUT;

 private:
  Status answer(unsigned long request, void* arg, std::string_view what) {
    switch (request) {
      case AMDKFD_IOC_GET_VERSION: {
        auto* a = static_cast<kfd_ioctl_get_version_args*>(arg);
        a->major_version = major;
        a->minor_version = minor;
        return ok_status();
      }
      case AMDKFD_IOC_GET_PROCESS_APERTURES_NEW: {
        auto* a = static_cast<kfd_ioctl_get_process_apertures_new_args*>(arg);
        auto topo = parse_topology(root_);
        const auto n = static_cast<uint32_t>(topo->gpu_nodes.size());
        if (a->num_of_nodes == 0) {
          a->num_of_nodes = n;
          return ok_status();
        }
        auto* ap =
            reinterpret_cast<kfd_process_device_apertures*>(a->kfd_process_device_apertures_ptr);
        for (uint32_t i = 0; i < std::min(n, a->num_of_nodes); ++i) {
          ap[i] = {};
          ap[i].gpu_id = topo->gpu_nodes[i].gpu_id;
          ap[i].gpuvm_base = 0x1000;
          ap[i].gpuvm_limit = 0x7FFFFFFFFFFFull;
        }
        a->num_of_nodes = std::min(n, a->num_of_nodes);
        return ok_status();
      }
      case AMDKFD_IOC_ACQUIRE_VM: {
        auto* a = static_cast<kfd_ioctl_acquire_vm_args*>(arg);
        if (open_fds.count(static_cast<int>(a->drm_fd)) == 0) return errno_status(EBADF, what);
        return ok_status();
      }
      case AMDKFD_IOC_GET_CLOCK_COUNTERS: {
        auto* a = static_cast<kfd_ioctl_get_clock_counters_args*>(arg);
        a->system_clock_freq = 100000000;
        return ok_status();
      }
      case AMDKFD_IOC_ALLOC_MEMORY_OF_GPU: {
        auto* a = static_cast<kfd_ioctl_alloc_memory_of_gpu_args*>(arg);
        if (a->va_addr == 0 || a->size == 0 || a->size % 4096 != 0)
          return errno_status(EINVAL, what);
        a->handle = (uint64_t{a->gpu_id} << 32) | next_handle_++;
        if ((a->flags & KFD_IOC_ALLOC_MEM_FLAGS_USERPTR) == 0) a->mmap_offset = a->handle << 12;
        live_handles.insert(a->handle);
        return ok_status();
      }
      case AMDKFD_IOC_FREE_MEMORY_OF_GPU: {
        auto* a = static_cast<kfd_ioctl_free_memory_of_gpu_args*>(arg);
        if (live_handles.erase(a->handle) == 0) return errno_status(EINVAL, what);
        return ok_status();
      }
      case AMDKFD_IOC_MAP_MEMORY_TO_GPU: {
        auto* a = static_cast<kfd_ioctl_map_memory_to_gpu_args*>(arg);
        if (live_handles.count(a->handle) == 0) return errno_status(EINVAL, what);
        a->n_success = a->n_devices;
        return ok_status();
      }
      case AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU: {
        auto* a = static_cast<kfd_ioctl_unmap_memory_from_gpu_args*>(arg);
        if (live_handles.count(a->handle) == 0) return errno_status(EINVAL, what);
        a->n_success = a->n_devices;
        return ok_status();
      }
      case AMDKFD_IOC_CREATE_QUEUE: {
        auto* a = static_cast<kfd_ioctl_create_queue_args*>(arg);
        a->queue_id = next_queue_++;
        // SOC15 form: mmap type/gpu bits above, the doorbell's byte offset in its slice below.
        a->doorbell_offset = (uint64_t{3} << 62) | (uint64_t{a->gpu_id} << 46) | (a->queue_id * 8);
        live_queues.insert(a->queue_id);
        return ok_status();
      }
      case AMDKFD_IOC_DESTROY_QUEUE: {
        auto* a = static_cast<kfd_ioctl_destroy_queue_args*>(arg);
        if (live_queues.erase(a->queue_id) == 0) return errno_status(EINVAL, what);
        return ok_status();
      }
      case AMDKFD_IOC_CREATE_EVENT: {
        auto* a = static_cast<kfd_ioctl_create_event_args*>(arg);
        if (a->event_page_offset != 0 && live_handles.count(a->event_page_offset) == 0) {
          return errno_status(EINVAL, what);
        }
        a->event_id = next_event_++;
        a->event_slot_index = a->event_id;
        live_events.insert(a->event_id);
        return ok_status();
      }
      case AMDKFD_IOC_DESTROY_EVENT: {
        auto* a = static_cast<kfd_ioctl_destroy_event_args*>(arg);
        if (live_events.erase(a->event_id) == 0) return errno_status(EINVAL, what);
        return ok_status();
      }
      case AMDKFD_IOC_SET_EVENT:
        return ok_status();
      case AMDKFD_IOC_WAIT_EVENTS: {
        auto* a = static_cast<kfd_ioctl_wait_events_args*>(arg);
        a->wait_result = wait_result;
        return ok_status();
      }
      default:
        return errno_status(ENOTTY, what);
    }
  }

  std::filesystem::path root_;
  int next_fd_ = 100;
  uint32_t next_handle_ = 1;
  uint32_t next_queue_ = 1;
  uint32_t next_event_ = 1;
};

struct Opened {
  std::shared_ptr<RecordingPort> port;
  std::shared_ptr<KfdProcess> process;
  std::unique_ptr<KfdDevice> device;
};

Opened open_device(std::shared_ptr<RecordingPort> port, uint32_t gpu_id = kRdna3GpuId) {
  Opened o;
  o.port = port;
  auto process = KfdProcess::open(port);
  EXPECT_TRUE(process.ok()) << process.status().to_string();
  if (!process.ok()) return o;
  o.process = *process;
  auto device = open_kfd_device(o.process, gpu_id, nullptr);
  EXPECT_TRUE(device.ok()) << device.status().to_string();
  if (device.ok()) o.device = std::move(*device);
  return o;
}

// ---- open ----

TEST(KfdOpen, IoctlSequenceAndArguments) {
  auto port = std::make_shared<RecordingPort>();
  {
    Opened o = open_device(port);
    ASSERT_TRUE(o.device);
    EXPECT_EQ(
        port->ioctl_names(),
        (std::vector<std::string>{"AMDKFD_IOC_GET_VERSION", "AMDKFD_IOC_GET_PROCESS_APERTURES_NEW",
                                  "AMDKFD_IOC_GET_PROCESS_APERTURES_NEW", "AMDKFD_IOC_ACQUIRE_VM",
                                  "AMDKFD_IOC_GET_CLOCK_COUNTERS"}));
    EXPECT_EQ(port->log.front(), "open /dev/kfd");
    ASSERT_TRUE(port->fd_of.count("/dev/dri/renderD128"));
    const int kfd = port->fd_of["/dev/kfd"];
    for (const auto& i : port->ioctls) EXPECT_EQ(i.fd, kfd) << i.name;

    // Apertures: first call asks for the count, second passes an array of that many.
    auto aps = port->all("AMDKFD_IOC_GET_PROCESS_APERTURES_NEW");
    EXPECT_EQ(aps[0]->as<kfd_ioctl_get_process_apertures_new_args>().num_of_nodes, 0u);
    auto fill = aps[1]->as<kfd_ioctl_get_process_apertures_new_args>();
    EXPECT_EQ(fill.num_of_nodes, 1u);
    EXPECT_NE(fill.kfd_process_device_apertures_ptr, 0u);

    auto acquire = port->last("AMDKFD_IOC_ACQUIRE_VM")->as<kfd_ioctl_acquire_vm_args>();
    EXPECT_EQ(acquire.gpu_id, kRdna3GpuId);
    EXPECT_EQ(static_cast<int>(acquire.drm_fd), port->fd_of["/dev/dri/renderD128"]);
    EXPECT_EQ(
        port->last("AMDKFD_IOC_GET_CLOCK_COUNTERS")->as<kfd_ioctl_get_clock_counters_args>().gpu_id,
        kRdna3GpuId);

    const DeviceInfo& info = o.device->info();
    EXPECT_EQ(info.target, "gfx1100");
    bool has_clock = false;
    for (const auto& [k, v] : info.properties)
      has_clock |= (k == "system_clock_freq_hz" && v == "100000000");
    EXPECT_TRUE(has_clock);
  }
  EXPECT_TRUE(port->clean()) << port->leaks();
}

TEST(KfdOpen, OpensWithCloexec) {
  auto port = std::make_shared<RecordingPort>();
  auto p = KfdProcess::open(port);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(port->last_open_flags & (O_RDWR | O_CLOEXEC), O_RDWR | O_CLOEXEC);
}

TEST(KfdOpen, MajorVersionMismatchIsRefusedWithoutLeaks) {
  auto port = std::make_shared<RecordingPort>();
  port->major = KFD_IOCTL_MAJOR_VERSION + 1;
  port->minor = 3;
  auto p = KfdProcess::open(port);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().message().find(fmt::format("{}.3", KFD_IOCTL_MAJOR_VERSION + 1)),
            std::string::npos)
      << p.status().message();
  EXPECT_TRUE(port->open_fds.empty());
}

TEST(KfdOpen, PermissionDeniedSaysRenderGroup) {
  auto port = std::make_shared<RecordingPort>();
  port->fail_open["/dev/kfd"] = EACCES;
  auto p = KfdProcess::open(port);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(p.status().message().find("/dev/kfd"), std::string::npos);
  EXPECT_NE(p.status().message().find("EACCES"), std::string::npos);
  EXPECT_NE(p.status().message().find("'render' group"), std::string::npos);
}

TEST(KfdOpen, MissingDriverSaysSo) {
  auto port = std::make_shared<RecordingPort>();
  port->fail_open["/dev/kfd"] = ENOENT;
  auto p = KfdProcess::open(port);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
  EXPECT_NE(p.status().message().find("ENOENT"), std::string::npos);
  EXPECT_NE(p.status().message().find("driver is not loaded"), std::string::npos);
}

TEST(KfdOpen, RenderNodeFailureClosesKfd) {
  auto port = std::make_shared<RecordingPort>();
  port->fail_open["/dev/dri/renderD128"] = EACCES;
  {
    auto p = KfdProcess::open(port);
    ASSERT_TRUE(p.ok());
    auto d = open_kfd_device(*p, kRdna3GpuId, nullptr);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find("renderD128"), std::string::npos);
    EXPECT_NE(d.status().message().find("'render' group"), std::string::npos);
  }
  EXPECT_TRUE(port->open_fds.empty());
}

TEST(KfdOpen, AcquireVmEinvalNamesIoctlAndMeaning) {
  auto port = std::make_shared<RecordingPort>();
  port->fail_ioctl["AMDKFD_IOC_ACQUIRE_VM"] = EINVAL;
  {
    auto p = KfdProcess::open(port);
    ASSERT_TRUE(p.ok());
    auto d = open_kfd_device(*p, kRdna3GpuId, nullptr);
    ASSERT_FALSE(d.ok());
    const std::string m = d.status().message();
    EXPECT_NE(m.find("AMDKFD_IOC_ACQUIRE_VM"), std::string::npos) << m;
    EXPECT_NE(m.find("EINVAL"), std::string::npos) << m;
    EXPECT_NE(m.find("render node"), std::string::npos) << m;
  }
  EXPECT_TRUE(port->clean()) << port->leaks();
}

TEST(KfdOpen, UnknownGpuIdIsNotFound) {
  auto port = std::make_shared<RecordingPort>();
  auto p = KfdProcess::open(port);
  ASSERT_TRUE(p.ok());
  auto d = open_kfd_device(*p, 1234, nullptr);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  auto id = gpu_id_for(**p, "0000:03:00.0");
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ(*id, kRdna3GpuId);
  EXPECT_FALSE(gpu_id_for(**p, "0000:99:00.0").ok());
}

// ---- memory ----

TEST(KfdMemoryFlags, PerDomain) {
  constexpr uint32_t kBase =
      KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE | KFD_IOC_ALLOC_MEM_FLAGS_NO_SUBSTITUTE;
  constexpr uint32_t kUc = KFD_IOC_ALLOC_MEM_FLAGS_COHERENT | KFD_IOC_ALLOC_MEM_FLAGS_UNCACHED;
  AllocFlags visible;
  AllocFlags hidden;
  hidden.cpu_visible = false;
  AllocFlags uncached;
  uncached.uncached = true;
  AllocFlags exec;
  exec.executable = true;
  EXPECT_EQ(flags_for(request_for(1, MemoryDomain::kVram, visible)),
            kBase | KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC);
  EXPECT_EQ(flags_for(request_for(1, MemoryDomain::kVram, hidden)),
            kBase | KFD_IOC_ALLOC_MEM_FLAGS_VRAM);
  EXPECT_EQ(flags_for(request_for(1, MemoryDomain::kVram, exec)),
            kBase | KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC |
                KFD_IOC_ALLOC_MEM_FLAGS_EXECUTABLE);
  EXPECT_EQ(flags_for(request_for(1, MemoryDomain::kGtt, uncached)),
            kBase | KFD_IOC_ALLOC_MEM_FLAGS_GTT | KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC | kUc);
  EXPECT_EQ(flags_for(request_for(1, MemoryDomain::kHost, hidden)),
            kBase | KFD_IOC_ALLOC_MEM_FLAGS_USERPTR | KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC);
  KfdMemoryRequest doorbell;
  doorbell.kind = KfdMemoryKind::kDoorbell;
  doorbell.cpu_visible = false;
  EXPECT_EQ(flags_for(doorbell), kBase | KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL);
  KfdMemoryRequest mmio;
  mmio.kind = KfdMemoryKind::kMmioRemap;
  mmio.cpu_visible = false;
  EXPECT_EQ(flags_for(mmio), kBase | KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP);
}

TEST(KfdMemory, VramAllocAndFreeSequence) {
  auto port = std::make_shared<RecordingPort>();
  {
    Opened o = open_device(port);
    ASSERT_TRUE(o.device);
    port->ioctls.clear();
    port->mmaps.clear();
    port->log.clear();
    auto buf = o.device->alloc(5000, MemoryDomain::kVram);
    ASSERT_TRUE(buf.ok()) << buf.status().to_string();
    EXPECT_EQ((*buf)->size(), 8192u);
    EXPECT_EQ(reinterpret_cast<uint64_t>((*buf)->cpu_pointer()), (*buf)->gpu_address());
    EXPECT_EQ(port->log, (std::vector<std::string>{
                             "mmap anon", "AMDKFD_IOC_ALLOC_MEMORY_OF_GPU",
                             "mmap fd " + std::to_string(port->fd_of["/dev/dri/renderD128"]),
                             "AMDKFD_IOC_MAP_MEMORY_TO_GPU"}));
    // The reservation: PROT_NONE anonymous; the CPU view: MAP_FIXED on the render node at
    // the returned mmap_offset, onto the same address.
    ASSERT_EQ(port->mmaps.size(), 2u);
    EXPECT_EQ(port->mmaps[0].prot, PROT_NONE);
    EXPECT_EQ(port->mmaps[0].fd, -1);
    auto alloc =
        port->last("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")->as<kfd_ioctl_alloc_memory_of_gpu_args>();
    EXPECT_EQ(alloc.va_addr, reinterpret_cast<uint64_t>(port->mmaps[0].result));
    EXPECT_EQ(alloc.size, 8192u);
    EXPECT_EQ(alloc.gpu_id, kRdna3GpuId);
    EXPECT_EQ(alloc.flags, KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC |
                               KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE |
                               KFD_IOC_ALLOC_MEM_FLAGS_NO_SUBSTITUTE);
    EXPECT_EQ(port->mmaps[1].addr, port->mmaps[0].result);
    EXPECT_TRUE(port->mmaps[1].flags & MAP_FIXED);
    EXPECT_TRUE(port->mmaps[1].flags & MAP_SHARED);
    EXPECT_EQ(port->mmaps[1].prot, PROT_READ | PROT_WRITE);
    auto returned =
        port->last("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")->out<kfd_ioctl_alloc_memory_of_gpu_args>();
    EXPECT_EQ(static_cast<uint64_t>(port->mmaps[1].offset), returned.mmap_offset);
    auto map = port->last("AMDKFD_IOC_MAP_MEMORY_TO_GPU")->as<kfd_ioctl_map_memory_to_gpu_args>();
    EXPECT_EQ(map.n_devices, 1u);
    EXPECT_EQ(map.n_success, 0u);
    EXPECT_NE(map.device_ids_array_ptr, 0u);

    port->log.clear();
    buf->reset();
    EXPECT_EQ(port->log, (std::vector<std::string>{"AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU", "munmap",
                                                   "AMDKFD_IOC_FREE_MEMORY_OF_GPU"}));
    EXPECT_EQ(
        port->last("AMDKFD_IOC_FREE_MEMORY_OF_GPU")->as<kfd_ioctl_free_memory_of_gpu_args>().handle,
        returned.handle);
  }
  EXPECT_TRUE(port->clean()) << port->leaks();
}

TEST(KfdMemory, HiddenVramIsNotCpuMapped) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  port->log.clear();
  AllocFlags f;
  f.cpu_visible = false;
  auto buf = o.device->alloc(4096, MemoryDomain::kVram, f);
  ASSERT_TRUE(buf.ok());
  EXPECT_EQ((*buf)->cpu_pointer(), nullptr);
  EXPECT_NE((*buf)->gpu_address(), 0u);
  EXPECT_EQ(port->log, (std::vector<std::string>{"mmap anon", "AMDKFD_IOC_ALLOC_MEMORY_OF_GPU",
                                                 "AMDKFD_IOC_MAP_MEMORY_TO_GPU"}));
}

TEST(KfdMemory, UserptrPassesItsAddressAsMmapOffset) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  port->mmaps.clear();
  auto buf = o.device->alloc(100, MemoryDomain::kHost);
  ASSERT_TRUE(buf.ok());
  ASSERT_EQ(port->mmaps.size(), 1u);  // the host pages; no render-node mapping
  EXPECT_EQ(port->mmaps[0].prot, PROT_READ | PROT_WRITE);
  auto alloc =
      port->last("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")->as<kfd_ioctl_alloc_memory_of_gpu_args>();
  EXPECT_EQ(alloc.mmap_offset, alloc.va_addr);
  EXPECT_EQ(alloc.va_addr, (*buf)->gpu_address());
  EXPECT_EQ(reinterpret_cast<uint64_t>((*buf)->cpu_pointer()), alloc.va_addr);
  static_cast<uint8_t*>((*buf)->cpu_pointer())[99] = 7;  // real, writable host memory
}

TEST(KfdMemory, CpuVisibleVramEinvalHintsResizableBar) {
  auto port = std::make_shared<RecordingPort>();
  {
    Opened o = open_device(port);
    ASSERT_TRUE(o.device);
    port->fail_ioctl["AMDKFD_IOC_ALLOC_MEMORY_OF_GPU"] = EINVAL;
    auto buf = o.device->alloc(1 << 20, MemoryDomain::kVram);
    ASSERT_FALSE(buf.ok());
    const std::string m = buf.status().message();
    EXPECT_EQ(buf.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.find("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU"), std::string::npos) << m;
    EXPECT_NE(m.find("EINVAL"), std::string::npos) << m;
    EXPECT_NE(m.find("resizable BAR"), std::string::npos) << m;
    // GTT failing with EINVAL is not a BAR problem.
    auto gtt = o.device->alloc(4096, MemoryDomain::kGtt);
    ASSERT_FALSE(gtt.ok());
    EXPECT_EQ(gtt.status().message().find("resizable BAR"), std::string::npos);
  }
  EXPECT_TRUE(port->clean()) << port->leaks();
}

TEST(KfdMemory, OutOfMemorySaysSo) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  port->fail_ioctl["AMDKFD_IOC_ALLOC_MEMORY_OF_GPU"] = ENOMEM;
  auto buf = o.device->alloc(1 << 20, MemoryDomain::kVram);
  ASSERT_FALSE(buf.ok());
  EXPECT_EQ(buf.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(buf.status().message().find("ENOMEM"), std::string::npos);
  EXPECT_NE(buf.status().message().find("1048576 bytes of VRAM"), std::string::npos)
      << buf.status().message();
}

TEST(KfdMemory, MapsToEveryOpenGpu) {
  auto port = std::make_shared<RecordingPort>("mi300x_8gpu");
  auto process = KfdProcess::open(port);
  ASSERT_TRUE(process.ok());
  const auto& gpus = (*process)->topology().gpu_nodes;
  auto a = open_kfd_device(*process, gpus[0].gpu_id, nullptr);
  auto b = open_kfd_device(*process, gpus[1].gpu_id, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  port->ioctls.clear();
  auto buf = (*a)->alloc(4096, MemoryDomain::kVram);
  ASSERT_TRUE(buf.ok());
  auto maps = port->all("AMDKFD_IOC_MAP_MEMORY_TO_GPU");
  ASSERT_EQ(maps.size(), 2u);  // the owner, then each peer on its own
  EXPECT_EQ(
      port->last("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")->as<kfd_ioctl_alloc_memory_of_gpu_args>().gpu_id,
      gpus[0].gpu_id);
}

TEST(KfdMemory, DoorbellAndMmioRemapAllocations) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  auto db = o.device->alloc_doorbell_memory();
  ASSERT_TRUE(db.ok()) << db.status().to_string();
  auto a = port->last("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")->as<kfd_ioctl_alloc_memory_of_gpu_args>();
  EXPECT_EQ(a.size, kDoorbellSliceBytes);
  EXPECT_TRUE(a.flags & KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL);
  EXPECT_EQ((*db)->cpu_pointer(), nullptr);
  auto mmio = o.device->alloc_mmio_remap();
  ASSERT_TRUE(mmio.ok());
  a = port->last("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")->as<kfd_ioctl_alloc_memory_of_gpu_args>();
  EXPECT_EQ(a.size, 4096u);
  EXPECT_TRUE(a.flags & KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP);
}

// ---- queues ----

TEST(KfdQueue, ComputeQueueArguments) {
  auto port = std::make_shared<RecordingPort>();
  {
    Opened o = open_device(port);
    ASSERT_TRUE(o.device);
    auto q = o.device->create_queue(QueueKind::kCompute, QueuePriority::kHigh);
    ASSERT_TRUE(q.ok()) << q.status().to_string();
    auto c = port->last("AMDKFD_IOC_CREATE_QUEUE")->out<kfd_ioctl_create_queue_args>();
    auto sizes = queue_memory_sizes(o.device->state()->node());
    ASSERT_TRUE(sizes.ok());
    EXPECT_EQ(c.gpu_id, kRdna3GpuId);
    EXPECT_EQ(c.queue_type, uint32_t{KFD_IOC_QUEUE_TYPE_COMPUTE});
    EXPECT_EQ(c.queue_percentage, 100u);
    EXPECT_EQ(c.queue_priority, 15u);
    EXPECT_EQ(c.ring_size, KfdQueue::kRingBytes);
    EXPECT_NE(c.ring_base_address, 0u);
    EXPECT_EQ(c.write_pointer_address, c.read_pointer_address + 8);
    EXPECT_EQ(c.eop_buffer_size, 4096u);
    EXPECT_NE(c.eop_buffer_address, 0u);
    EXPECT_EQ(c.ctl_stack_size, sizes->ctl_stack_size);
    EXPECT_EQ(c.ctx_save_restore_size, sizes->cwsr_size);
    EXPECT_NE(c.ctx_save_restore_address, 0u);
    // Each queue buffer is a whole allocation of exactly the size KFD checks.
    std::map<uint64_t, uint64_t> sizes_by_va;
    for (const auto* a : port->all("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")) {
      auto args = a->as<kfd_ioctl_alloc_memory_of_gpu_args>();
      sizes_by_va[args.va_addr] = args.size;
    }
    EXPECT_EQ(sizes_by_va[c.ring_base_address], KfdQueue::kRingBytes);
    EXPECT_EQ(sizes_by_va[c.read_pointer_address], 4096u);
    EXPECT_EQ(sizes_by_va[c.eop_buffer_address], 4096u);
    EXPECT_EQ(sizes_by_va[c.ctx_save_restore_address], sizes->cwsr_allocation);
    // Doorbell: /dev/kfd mapped at the offset rounded down to 8 KiB, 8 KiB long.
    const RecordingPort::MmapCall* db = nullptr;
    for (const auto& m : port->mmaps) {
      if (m.fd == port->fd_of["/dev/kfd"]) db = &m;
    }
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(db->length, kDoorbellSliceBytes);
    EXPECT_EQ(static_cast<uint64_t>(db->offset), c.doorbell_offset & ~(kDoorbellSliceBytes - 1));
  }
  EXPECT_TRUE(port->clean()) << port->leaks();
  EXPECT_EQ(port->all("AMDKFD_IOC_DESTROY_QUEUE").size(), 1u);
}

TEST(KfdQueue, AqlPointersLiveInAmdQueue) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  auto q = o.device->create_queue(QueueKind::kComputeAql);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  auto c = port->last("AMDKFD_IOC_CREATE_QUEUE")->as<kfd_ioctl_create_queue_args>();
  EXPECT_EQ(c.queue_type, uint32_t{KFD_IOC_QUEUE_TYPE_COMPUTE_AQL});
  EXPECT_EQ(c.queue_priority, 7u);
  const uint64_t base = c.read_pointer_address - offsetof(AmdQueueAbi, read_dispatch_id);
  EXPECT_EQ(c.write_pointer_address, base + offsetof(AmdQueueAbi, write_dispatch_id));
  const auto* aq = reinterpret_cast<const AmdQueueAbi*>(base);
  EXPECT_EQ(aq->hsa_queue.base_address, c.ring_base_address);
  EXPECT_EQ(aq->hsa_queue.size, KfdQueue::kRingBytes / 64);
  EXPECT_EQ(aq->read_dispatch_id_field_base_byte_offset, 128u);
  EXPECT_EQ(aq->hsa_queue.id, 1u);
  // Every slot starts INVALID.
  const auto* ring = reinterpret_cast<const uint32_t*>(c.ring_base_address);
  EXPECT_EQ(ring[0] & 0xFF, 1u);
  EXPECT_EQ(ring[(KfdQueue::kRingBytes - 64) / 4] & 0xFF, 1u);
}

TEST(KfdQueue, SdmaHasNoEopOrSaveArea) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  auto q = o.device->create_queue(QueueKind::kSdma, QueuePriority::kLow);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  auto c = port->last("AMDKFD_IOC_CREATE_QUEUE")->as<kfd_ioctl_create_queue_args>();
  EXPECT_EQ(c.queue_type, uint32_t{KFD_IOC_QUEUE_TYPE_SDMA});
  EXPECT_EQ(c.queue_priority, 0u);
  EXPECT_EQ(c.eop_buffer_address, 0u);
  EXPECT_EQ(c.eop_buffer_size, 0u);
  EXPECT_EQ(c.ctx_save_restore_address, 0u);
  EXPECT_EQ(c.ctl_stack_size, 0u);
  // gfx1100 has no XGMI SDMA engines.
  auto x = o.device->create_queue(QueueKind::kSdmaXgmi);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kUnavailable);
}

TEST(KfdQueue, QueueFullIsExplained) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  port->fail_ioctl["AMDKFD_IOC_CREATE_QUEUE"] = ENOSPC;
  auto q = o.device->create_queue(QueueKind::kCompute);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("no hardware queue slot"), std::string::npos)
      << q.status().message();
}

TEST(KfdQueue, SubmitStoresWritePointerThenDoorbell) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  for (QueueKind kind : {QueueKind::kCompute, QueueKind::kSdma, QueueKind::kComputeAql}) {
    auto q = o.device->create_queue(kind);
    ASSERT_TRUE(q.ok()) << q.status().to_string();
    auto c = port->last("AMDKFD_IOC_CREATE_QUEUE")->out<kfd_ioctl_create_queue_args>();
    const RecordingPort::MmapCall* db = nullptr;
    for (const auto& m : port->mmaps) {
      if (m.fd == port->fd_of["/dev/kfd"]) db = &m;
    }
    ASSERT_NE(db, nullptr);
    const auto* doorbell = reinterpret_cast<const uint64_t*>(
        static_cast<uint8_t*>(db->result) + (c.doorbell_offset & (kDoorbellSliceBytes - 1)));
    CommandBuffer cb;
    ASSERT_TRUE(cb.barrier().ok());
    ASSERT_TRUE((*q)->submit(cb).ok()) << queue_kind_name(kind);
    const uint64_t wptr = *reinterpret_cast<const uint64_t*>(c.write_pointer_address);
    EXPECT_GT(wptr, 0u) << queue_kind_name(kind);
    EXPECT_EQ(*doorbell, kind == QueueKind::kComputeAql ? wptr - 1 : wptr) << queue_kind_name(kind);
    QueueState s = (*q)->state();
    EXPECT_EQ(s.write_pointer, wptr);
    EXPECT_EQ(s.read_pointer, 0u);
    EXPECT_NE(s.description.find("next:"), std::string::npos) << s.description;
    if (kind == QueueKind::kSdma) {
      EXPECT_EQ(wptr % 4, 0u);  // bytes
    }
    if (kind == QueueKind::kComputeAql) {
      EXPECT_EQ(wptr, 2u);  // barrier + timeline packets
    }
  }
}

// ---- signals and events ----

TEST(KfdSignal, FirstEventCarriesTheEventPage) {
  auto port = std::make_shared<RecordingPort>();
  {
    Opened o = open_device(port);
    ASSERT_TRUE(o.device);
    port->ioctls.clear();
    auto s1 = o.device->create_signal(5);
    auto s2 = o.device->create_signal();
    ASSERT_TRUE(s1.ok() && s2.ok());
    auto allocs = port->all("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU");
    auto events = port->all("AMDKFD_IOC_CREATE_EVENT");
    ASSERT_EQ(events.size(), 2u);
    // signal page, event page, signal page
    ASSERT_EQ(allocs.size(), 3u);
    auto page = allocs[1]->as<kfd_ioctl_alloc_memory_of_gpu_args>();
    EXPECT_EQ(page.size, kEventPageBytes);
    EXPECT_EQ(page.flags & (KFD_IOC_ALLOC_MEM_FLAGS_GTT | KFD_IOC_ALLOC_MEM_FLAGS_UNCACHED),
              uint32_t{KFD_IOC_ALLOC_MEM_FLAGS_GTT | KFD_IOC_ALLOC_MEM_FLAGS_UNCACHED});
    auto e1 = events[0]->as<kfd_ioctl_create_event_args>();
    auto e2 = events[1]->as<kfd_ioctl_create_event_args>();
    EXPECT_NE(e1.event_page_offset, 0u);
    EXPECT_EQ(e2.event_page_offset, 0u);
    EXPECT_EQ(e1.event_type, uint32_t{KFD_IOC_EVENT_SIGNAL});
    EXPECT_EQ(e1.auto_reset, 1u);
    EXPECT_EQ((*s1)->value(), 5u);
    EXPECT_NE((*s1)->event_id(), 0u);
    EXPECT_NE((*s1)->event_id(), (*s2)->event_id());
    auto signal_page = allocs[0]->as<kfd_ioctl_alloc_memory_of_gpu_args>();
    EXPECT_TRUE(signal_page.flags & KFD_IOC_ALLOC_MEM_FLAGS_UNCACHED);
    EXPECT_EQ((*s1)->gpu_address(), signal_page.va_addr);
  }
  EXPECT_TRUE(port->clean()) << port->leaks();
}

TEST(KfdSignal, WaitSleepsOnEventsAndTimesOutWithValueAndTarget) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  auto s = o.device->create_signal(3);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->wait(3, std::chrono::milliseconds(0)).ok());
  port->ioctls.clear();
  Status st = (*s)->wait(4, std::chrono::milliseconds(30));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(st.message().find("is 3"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(">= 4"), std::string::npos) << st.message();
  auto waits = port->all("AMDKFD_IOC_WAIT_EVENTS");
  ASSERT_FALSE(waits.empty());
  auto w = waits[0]->as<kfd_ioctl_wait_events_args>();
  EXPECT_EQ(w.num_events, 1u);
  EXPECT_LE(w.timeout, 30u);
  EXPECT_GE(w.timeout, 1u);
  port->ioctls.clear();
  (*s)->set(9);
  EXPECT_EQ((*s)->value(), 9u);
  EXPECT_EQ(port->ioctl_names(), std::vector<std::string>{"AMDKFD_IOC_SET_EVENT"});
  EXPECT_TRUE((*s)->wait(9, std::chrono::milliseconds(0)).ok());
}

TEST(KfdSignal, OutOfEventsFallsBackToPolling) {
  auto port = std::make_shared<RecordingPort>();
  Opened o = open_device(port);
  ASSERT_TRUE(o.device);
  port->fail_ioctl["AMDKFD_IOC_CREATE_EVENT"] = ENOSPC;
  auto s = o.device->create_signal();
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ((*s)->event_id(), 0u);
  EXPECT_EQ((*s)->wait(1, std::chrono::milliseconds(5)).code(), StatusCode::kDeadlineExceeded);
}

// ---- errno meanings ----

TEST(KfdErrors, ErrnoMeanings) {
  Status eacces = explain_ioctl_error(errno_status(EACCES, "AMDKFD_IOC_CREATE_QUEUE"),
                                      "AMDKFD_IOC_CREATE_QUEUE");
  EXPECT_EQ(eacces.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(eacces.message().find("'render' group"), std::string::npos);
  Status enoent = explain_open_error(errno_status(ENOENT, "/dev/kfd"), "/dev/kfd");
  EXPECT_NE(enoent.message().find("not loaded"), std::string::npos);
  Status einval = explain_ioctl_error(errno_status(EINVAL, "AMDKFD_IOC_CREATE_QUEUE"),
                                      "AMDKFD_IOC_CREATE_QUEUE");
  EXPECT_NE(einval.message().find("power of two"), std::string::npos);
  EXPECT_EQ(port_errno(errno_status(EBUSY, "x")), EBUSY);
  EXPECT_EQ(port_errno(invalid_argument("no errno here")), 0);
  Status plain = invalid_argument("no errno here");
  EXPECT_EQ(explain_ioctl_error(plain, "AMDKFD_IOC_SET_EVENT").message(), plain.message());
}

// ---- every failing call in turn ----

/// Opens a device and makes one object of each kind, returning the first error.
Status full_scenario(const std::shared_ptr<RecordingPort>& port, int* creation_ioctls) {
  auto process = KfdProcess::open(port);
  if (!process.ok()) return process.status();
  auto device = open_kfd_device(*process, kRdna3GpuId, nullptr);
  if (!device.ok()) return device.status();
  std::vector<std::shared_ptr<Buffer>> buffers;
  for (MemoryDomain d : {MemoryDomain::kVram, MemoryDomain::kGtt, MemoryDomain::kHost}) {
    auto b = (*device)->alloc(8192, d);
    if (!b.ok()) return b.status();
    buffers.push_back(*b);
  }
  auto s = (*device)->create_signal();
  if (!s.ok()) return s.status();
  std::vector<std::shared_ptr<Queue>> queues;
  for (QueueKind k : {QueueKind::kCompute, QueueKind::kComputeAql, QueueKind::kSdma}) {
    auto q = (*device)->create_queue(k);
    if (!q.ok()) return q.status();
    queues.push_back(*q);
  }
  if (creation_ioctls != nullptr) *creation_ioctls = static_cast<int>(port->ioctls.size());
  return ok_status();
}

TEST(KfdFaults, EveryIoctlFailingInTurnIsACleanError) {
  int total = 0;
  {
    auto port = std::make_shared<RecordingPort>();
    ASSERT_TRUE(full_scenario(port, &total).ok());
    EXPECT_TRUE(port->clean()) << port->leaks();
  }
  ASSERT_GT(total, 20);
  for (int i = 0; i < total; ++i) {
    auto port = std::make_shared<RecordingPort>();
    port->fail_call_index = i;
    port->fail_call_errno = EINVAL;
    Status st = full_scenario(port, nullptr);
    const std::string name =
        port->ioctls.size() > static_cast<size_t>(i) ? port->ioctls[i].name : "?";
    ASSERT_FALSE(st.ok()) << "call " << i << " (" << name << ") failed but the scenario succeeded";
    EXPECT_NE(st.message().find(name), std::string::npos) << "call " << i << ": " << st.message();
    EXPECT_NE(st.message().find("EINVAL"), std::string::npos) << st.message();
    EXPECT_TRUE(port->clean()) << "call " << i << " (" << name << "): " << port->leaks();
  }
}

TEST(KfdFaults, FdMmapFailuresAreCleanErrors) {
  auto port = std::make_shared<RecordingPort>();
  port->fail_mmap_fd = true;
  Status st = full_scenario(port, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("CPU mapping"), std::string::npos) << st.message();
  EXPECT_TRUE(port->clean()) << port->leaks();
}

}  // namespace
