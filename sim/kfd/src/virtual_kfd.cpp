// VirtualKfd: creation, the file table, the ioctl dispatcher (kfd_chardev.c kfd_ioctl), fault
// injection and teardown.
#include "amdhal_sim_kfd/virtual_kfd.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include <amdgpu_drm.h>

#include "vkfd_internal.h"

#if defined(AMDHAL_SIM_KFD_WITH_ISA)
#include "amdhal_sim_isa/executor.h"
#endif

namespace amdhal::sim {
namespace vkfd {

bool access_ok(uint64_t addr, uint64_t size) {
  return addr <= kUserAddressLimit && size <= kUserAddressLimit - addr;
}

// process_vm_readv/writev on our own pid fail with EFAULT instead of crashing on a bad address,
// which is what copy_from_user / copy_to_user do in the kernel.
bool copy_from_user(void* dst, uint64_t user_src, size_t len) {
  if (len == 0) return true;
  if (!access_ok(user_src, len)) return false;
  iovec local{dst, len};
  iovec remote{reinterpret_cast<void*>(user_src), len};
  return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

bool copy_to_user(uint64_t user_dst, const void* src, size_t len) {
  if (len == 0) return true;
  if (!access_ok(user_dst, len)) return false;
  iovec local{const_cast<void*>(src), len};
  iovec remote{reinterpret_cast<void*>(user_dst), len};
  return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

namespace {

struct IoctlDesc {
  unsigned long cmd;
  const char* name;  // without the AMDKFD_IOC_ prefix
  int (VirtualKfd::Impl::*fn)(void*);
};

#define VKFD_IOCTL(NAME, FN) \
  { AMDKFD_IOC_##NAME, #NAME, FN }
// Indexed by _IOC_NR like kfd_chardev.c amdkfd_ioctls[]; null fn = known but not simulated.
const IoctlDesc kIoctls[] = {
    {0, "", nullptr},
    VKFD_IOCTL(GET_VERSION, &VirtualKfd::Impl::get_version),
    VKFD_IOCTL(CREATE_QUEUE, &VirtualKfd::Impl::create_queue),
    VKFD_IOCTL(DESTROY_QUEUE, &VirtualKfd::Impl::destroy_queue),
    VKFD_IOCTL(SET_MEMORY_POLICY, &VirtualKfd::Impl::set_memory_policy),
    VKFD_IOCTL(GET_CLOCK_COUNTERS, &VirtualKfd::Impl::get_clock_counters),
    VKFD_IOCTL(GET_PROCESS_APERTURES, nullptr),
    VKFD_IOCTL(UPDATE_QUEUE, &VirtualKfd::Impl::update_queue),
    VKFD_IOCTL(CREATE_EVENT, &VirtualKfd::Impl::create_event),
    VKFD_IOCTL(DESTROY_EVENT, &VirtualKfd::Impl::destroy_event),
    VKFD_IOCTL(SET_EVENT, &VirtualKfd::Impl::set_event),
    VKFD_IOCTL(RESET_EVENT, &VirtualKfd::Impl::reset_event),
    VKFD_IOCTL(WAIT_EVENTS, &VirtualKfd::Impl::wait_events),
    VKFD_IOCTL(DBG_REGISTER_DEPRECATED, nullptr),
    VKFD_IOCTL(DBG_UNREGISTER_DEPRECATED, nullptr),
    VKFD_IOCTL(DBG_ADDRESS_WATCH_DEPRECATED, nullptr),
    VKFD_IOCTL(DBG_WAVE_CONTROL_DEPRECATED, nullptr),
    VKFD_IOCTL(SET_SCRATCH_BACKING_VA, &VirtualKfd::Impl::set_scratch_backing_va),
    VKFD_IOCTL(GET_TILE_CONFIG, &VirtualKfd::Impl::get_tile_config),
    VKFD_IOCTL(SET_TRAP_HANDLER, &VirtualKfd::Impl::set_trap_handler),
    VKFD_IOCTL(GET_PROCESS_APERTURES_NEW, &VirtualKfd::Impl::get_process_apertures_new),
    VKFD_IOCTL(ACQUIRE_VM, &VirtualKfd::Impl::acquire_vm),
    VKFD_IOCTL(ALLOC_MEMORY_OF_GPU, &VirtualKfd::Impl::alloc_memory),
    VKFD_IOCTL(FREE_MEMORY_OF_GPU, &VirtualKfd::Impl::free_memory),
    VKFD_IOCTL(MAP_MEMORY_TO_GPU, &VirtualKfd::Impl::map_memory),
    VKFD_IOCTL(UNMAP_MEMORY_FROM_GPU, &VirtualKfd::Impl::unmap_memory),
    VKFD_IOCTL(SET_CU_MASK, &VirtualKfd::Impl::set_cu_mask),
    VKFD_IOCTL(GET_QUEUE_WAVE_STATE, nullptr),
    VKFD_IOCTL(GET_DMABUF_INFO, nullptr),
    VKFD_IOCTL(IMPORT_DMABUF, nullptr),
    VKFD_IOCTL(ALLOC_QUEUE_GWS, nullptr),
    VKFD_IOCTL(SMI_EVENTS, nullptr),
    VKFD_IOCTL(SVM, nullptr),
    VKFD_IOCTL(SET_XNACK_MODE, &VirtualKfd::Impl::set_xnack_mode),
    VKFD_IOCTL(CRIU_OP, nullptr),
    VKFD_IOCTL(AVAILABLE_MEMORY, nullptr),
};
#undef VKFD_IOCTL
constexpr size_t kIoctlCount = sizeof(kIoctls) / sizeof(kIoctls[0]);
static_assert(kIoctlCount == AMDKFD_COMMAND_END, "ioctl table out of step with kfd_ioctl.h");

/// The errno named by `text`: "ENOMEM" or a number.
int parse_errno(std::string_view text) {
  for (int e = 1; e < 600; ++e) {
    if (errno_name(e) == text) return e;
  }
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
    if (v > 4095) return 0;
  }
  return v;
}

bool known_ioctl_name(std::string_view name) {
  for (size_t i = 1; i < kIoctlCount; ++i) {
    if (name == kIoctls[i].name) return true;
  }
  return false;
}

/// AMDHAL_SIM_FAULT, parsed once per process.
const Expected<std::vector<KfdFaultRule>>& env_faults() {
  static const Expected<std::vector<KfdFaultRule>> rules = [] {
    const char* env = std::getenv("AMDHAL_SIM_FAULT");
    if (env == nullptr || *env == '\0')
      return Expected<std::vector<KfdFaultRule>>(std::vector<KfdFaultRule>{});
    auto r = parse_kfd_fault_spec(env);
    if (!r.ok())
      std::fprintf(stderr, "amdhal: AMDHAL_SIM_FAULT: %s\n", r.status().message().c_str());
    return r;
  }();
  return rules;
}

}  // namespace
}  // namespace vkfd

using namespace vkfd;  // NOLINT

Expected<std::vector<KfdFaultRule>> parse_kfd_fault_spec(std::string_view text) {
  std::vector<KfdFaultRule> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    std::vector<std::string_view> parts;
    size_t p = 0;
    while (true) {
      const size_t c = item.find(':', p);
      parts.push_back(item.substr(p, c == std::string_view::npos ? item.npos : c - p));
      if (c == std::string_view::npos) break;
      p = c + 1;
    }
    auto bad = [&](std::string_view why) {
      return invalid_argument(
          fmt::format("malformed fault rule '{}': {} (expected ioctl:NAME[:ERRNO][:N], e.g. "
                      "ioctl:CREATE_QUEUE:ENOMEM:2)",
                      item, why));
    };
    if (parts.size() < 2 || parts.size() > 4) return bad("wrong number of ':' fields");
    if (parts[0] != "ioctl")
      return bad(fmt::format("unknown call kind '{}' (only 'ioctl')", parts[0]));
    std::string_view name = parts[1];
    if (name.starts_with("AMDKFD_IOC_")) name.remove_prefix(11);
    if (!known_ioctl_name(name)) return bad(fmt::format("unknown ioctl '{}'", parts[1]));
    KfdFaultRule rule;
    rule.name = std::string(name);
    rule.err = ENOMEM;
    if (parts.size() >= 3 && !parts[2].empty()) {
      rule.err = parse_errno(parts[2]);
      if (rule.err == 0) return bad(fmt::format("unknown errno '{}'", parts[2]));
    }
    if (parts.size() == 4) {
      uint64_t n = 0;
      if (parts[3].empty()) return bad("empty call number");
      for (char c : parts[3]) {
        if (c < '0' || c > '9')
          return bad(fmt::format("call number '{}' is not a number", parts[3]));
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      rule.nth = n;
    }
    out.push_back(std::move(rule));
  }
  return out;
}

// ---- creation and teardown ----

VirtualKfd::VirtualKfd(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Expected<std::shared_ptr<VirtualKfd>> VirtualKfd::create(std::string_view spec) {
  const auto& env = env_faults();
  if (!env.ok()) return env.status().with_context("virtual KFD: AMDHAL_SIM_FAULT");
  AMDHAL_ASSIGN_OR_RETURN(SystemSpec parsed, SystemSpec::parse(spec));
  auto impl = std::make_unique<Impl>();
  impl->spec_text = std::string(spec);
  impl->faults = *env;
  for (const auto& [k, v] : parsed.options) {
    if (k == "largebar") {
      if (v != "0" && v != "1") {
        return invalid_argument(fmt::format("{}: largebar must be 0 or 1, not '{}'", spec, v));
      }
      impl->large_bar = v == "1";
    }
  }
  // The VRAM heap is host memory backed lazily (one memfd per buffer object); without an explicit
  // vram= it is large enough for the save areas of many compute queues.
  const bool explicit_vram = spec.find("vram=") != std::string_view::npos;
  impl->vram_heap = explicit_vram ? parsed.vram_bytes : (uint64_t{16} << 30);
  impl->gtt_limit = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                    static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 4 * 3;
  AMDHAL_ASSIGN_OR_RETURN(impl->system, System::create(parsed));

  // $TMPDIR/amdhal-vkfd-<pid>-XXXXXX: the pid lets `amdhal exec` remove the directory of a
  // program that crashed before its destructors ran.
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl =
      fmt::format("{}/amdhal-vkfd-{}-XXXXXX", tmp != nullptr && *tmp ? tmp : "/tmp", getpid());
  if (mkdtemp(tmpl.data()) == nullptr) {
    return errno_status(errno, fmt::format("virtual KFD: mkdtemp {}", tmpl));
  }
  impl->topology_dir = tmpl;
  impl->topology = build_topology(*impl->system, impl->vram_heap, impl->large_bar, impl->gpus);
  std::shared_ptr<VirtualKfd> v(new VirtualKfd(std::move(impl)));
  Status st = write_topology(v->impl_->topology, v->impl_->topology_dir);
  if (!st.ok()) return st.with_context("virtual KFD: writing the topology");
  Impl* raw = v->impl_.get();
#if defined(AMDHAL_SIM_KFD_WITH_ISA)
  // Dispatches run on the ISA interpreter where it supports the family; elsewhere a dispatch
  // hangs its queue with "ISA interpreter not available" (sim/core).
  for (auto& g : raw->gpus) {
    auto exec = isa::make_isa_executor(g.device->family());
    if (exec.ok()) g.device->set_kernel_executor(*exec);
  }
#endif
  for (size_t i = 0; i < raw->gpus.size(); ++i) {
    raw->gpus[i].device->set_interrupt_handler(
        [raw, i](const Interrupt& irq) { raw->on_interrupt(i, irq); });
  }
  return v;
}

void VirtualKfd::Impl::teardown() {
  // Process exit: interrupts off, queues stopped, buffer objects released, files closed.
  for (auto& g : gpus) g.device->set_interrupt_handler(nullptr);
  {
    std::lock_guard lock(mu);
    for (auto& [id, q] : queues) gpus[q.gpu].device->destroy_queue(q.sim_queue).ignore();
    queues.clear();
    for (auto& [h, bo] : bos) {
      for (size_t gi : bo->mapped) {
        gpus[gi].device->vm(kProcessVmid).unmap(bo->va, bo->size).ignore();
      }
      bo->mapped.clear();
      free_bo_locked(*bo);
    }
    bos.clear();
    for (auto& [fd, f] : files) ::close(fd);
    files.clear();
    for (auto& g : gpus) {
      if (g.mmio_page != nullptr) ::munmap(g.mmio_page, kPage);
      if (g.mmio_memfd >= 0) ::close(g.mmio_memfd);
    }
  }
  std::lock_guard lock(ev_mu);
  events.clear();
  if (signal_page_owned && signal_slots != nullptr) {
    ::munmap(signal_slots, uint64_t{KFD_SIGNAL_EVENT_LIMIT} * 8);
  }
  if (signal_page_owned && signal_memfd >= 0) ::close(signal_memfd);
  signal_memfd = -1;
  signal_slots = nullptr;
}

VirtualKfd::~VirtualKfd() {
  impl_->teardown();
  impl_->system.reset();
  std::error_code ec;
  std::filesystem::remove_all(impl_->topology_dir, ec);
}

System& VirtualKfd::system() {
  return *impl_->system;
}
const std::string& VirtualKfd::spec() const {
  return impl_->spec_text;
}
size_t VirtualKfd::device_count() const {
  return impl_->gpus.size();
}
uint32_t VirtualKfd::gpu_id(size_t index) const {
  return impl_->gpus.at(index).gpu_id;
}
std::string VirtualKfd::render_node_path(size_t index) const {
  return fmt::format("/dev/dri/renderD{}", impl_->gpus.at(index).render_minor);
}
VirtualKfd::Usage VirtualKfd::usage(size_t index) const {
  Usage u;
  Device* dev = nullptr;
  {
    std::lock_guard lock(impl_->mu);
    const Gpu& g = impl_->gpus.at(index);
    u.vram_used = g.vram_used;
    u.vram_total = impl_->vram_heap;
    dev = g.device;
  }
  for (const auto& q : dev->all_queues()) {
    if (q.active && q.type != QueueType::kSdma) u.busy_percent = 100;
  }
  return u;
}

const Topology& VirtualKfd::topology() const {
  return impl_->topology;
}
const std::filesystem::path& VirtualKfd::topology_root() const {
  return impl_->topology_dir;
}

Gpu* VirtualKfd::Impl::gpu_by_id(uint32_t gpu_id) {
  if (gpu_id == 0) return nullptr;
  for (auto& g : gpus) {
    if (g.gpu_id == gpu_id) return &g;
  }
  return nullptr;
}

// ---- files ----

Expected<int> VirtualKfd::open(const std::string& path, int flags) {
  (void)flags;
  FileRec rec;
  if (path == "/dev/kfd") {
    rec.kind = FileRec::kKfd;
  } else {
    bool found = false;
    for (const auto& g : impl_->gpus) {
      if (path == fmt::format("/dev/dri/renderD{}", g.render_minor)) {
        rec.kind = FileRec::kRender;
        rec.gpu = g.index;
        found = true;
      }
    }
    if (!found) return errno_status(ENOENT, path);
  }
  const int fd =
      memfd_create(path == "/dev/kfd" ? "amdhal-vkfd-kfd" : "amdhal-vkfd-render", MFD_CLOEXEC);
  if (fd < 0) return errno_status(errno, path);
  std::lock_guard lock(impl_->mu);
  rec.serial = impl_->next_file_serial++;
  impl_->files[fd] = rec;
  return fd;
}

Status VirtualKfd::close(int fd) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->files.find(fd);
  if (it == impl_->files.end()) return errno_status(EBADF, fmt::format("close fd {}", fd));
  // A render-node file stays referenced by the GPU's VM it acquired (kfd_chardev.c
  // kfd_ioctl_acquire_vm: "the PDD keeps the drm_file reference"); the kfd_process lives until
  // the process exits, so closing /dev/kfd does not tear anything down.
  impl_->files.erase(it);
  ::close(fd);
  return ok_status();
}

Status VirtualKfd::adopt_dup(int oldfd, int newfd) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->files.find(oldfd);
  if (it == impl_->files.end()) return errno_status(EBADF, fmt::format("dup of fd {}", oldfd));
  impl_->files[newfd] = it->second;
  return ok_status();
}

void VirtualKfd::forget_fd(int fd) {
  std::lock_guard lock(impl_->mu);
  impl_->files.erase(fd);
}

bool VirtualKfd::owns_fd(int fd) const {
  std::lock_guard lock(impl_->mu);
  return impl_->files.count(fd) != 0;
}

// ---- ioctl dispatch (kfd_chardev.c kfd_ioctl) ----

int VirtualKfd::ioctl_errno(int fd, unsigned long request, void* arg) {
  FileRec file;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->files.find(fd);
    if (it == impl_->files.end()) return EBADF;
    file = it->second;
  }
  // The render node is a DRM device (drm.cpp).
  if (file.kind == FileRec::kRender) return impl_->drm_ioctl(file, request, arg);
  return impl_->dispatch(file, request, arg);
}

int VirtualKfd::Impl::dispatch(const FileRec& file, unsigned long request, void* arg) {
  (void)file;
  const unsigned nr = _IOC_NR(request);
  if (nr >= 0x80 && nr <= 0x84) {
    // ROCm's out-of-tree numbers (ROCT include/linux/kfd_ioctl.h: IPC_IMPORT/EXPORT_HANDLE,
    // DBG_TRAP, CROSS_MEMORY_COPY, RLC_SPM). The upstream kernel has no such commands and
    // kfd_ioctl() answers EINVAL, which libhsakmt takes as "not supported" (debug.c
    // hsaKmtRuntimeEnable): the faithful answer, so no diagnostic.
    return EINVAL;
  }
  if (nr < AMDKFD_COMMAND_START || nr >= AMDKFD_COMMAND_END) {
    std::fprintf(stderr, "virtual KFD: ioctl 0x%lx (nr 0x%x) is not a KFD ioctl: EINVAL\n", request,
                 nr);
    return EINVAL;
  }
  const IoctlDesc& desc = kIoctls[nr];
  {
    std::lock_guard lock(mu);
    const uint64_t n = ++call_counts[desc.name];
    for (const auto& rule : faults) {
      if (rule.name == desc.name && (rule.nth == 0 || rule.nth == n)) return rule.err;
    }
  }
  if (desc.fn == nullptr) {
    std::fprintf(stderr, "virtual KFD: AMDKFD_IOC_%s (nr 0x%x) is not simulated: ENOTTY\n",
                 desc.name, nr);
    return ENOTTY;
  }
  // The kernel copies _IOC_SIZE(cmd) bytes in and out, using its own definition of the command;
  // a shorter user struct is zero-extended.
  const size_t usize = _IOC_SIZE(request);
  const size_t ksize = _IOC_SIZE(desc.cmd);
  std::vector<uint8_t> kdata(std::max(usize, ksize), 0);
  const uint64_t uarg = reinterpret_cast<uint64_t>(arg);
  if ((desc.cmd & IOC_IN) != 0) {
    if (!copy_from_user(kdata.data(), uarg, usize)) return EFAULT;
  }
  const bool events = desc.fn == &Impl::create_event || desc.fn == &Impl::destroy_event ||
                      desc.fn == &Impl::set_event || desc.fn == &Impl::reset_event ||
                      desc.fn == &Impl::wait_events;
  int ret;
  if (events) {
    ret = (this->*desc.fn)(kdata.data());
  } else {
    std::lock_guard lock(mu);
    ret = (this->*desc.fn)(kdata.data());
  }
  if ((desc.cmd & IOC_OUT) != 0) {
    if (!copy_to_user(uarg, kdata.data(), usize)) ret = EFAULT;
  }
  return ret;
}

Status VirtualKfd::ioctl(int fd, unsigned long request, void* arg, std::string_view what) {
  const int err = ioctl_errno(fd, request, arg);
  if (err != 0) return errno_status(err, what);
  return ok_status();
}

std::string_view VirtualKfd::ioctl_name(unsigned long request, bool render) {
  if (render) {
    if (request == DRM_IOCTL_VERSION) return "DRM_IOCTL_VERSION";
    if (request == DRM_IOCTL_AMDGPU_INFO) return "DRM_IOCTL_AMDGPU_INFO";
    return "";
  }
  // ROCT's include/linux/kfd_ioctl.h numbers beyond the upstream table.
  static const std::string_view kRocm[] = {"AMDKFD_IOC_IPC_IMPORT_HANDLE",
                                           "AMDKFD_IOC_IPC_EXPORT_HANDLE", "AMDKFD_IOC_DBG_TRAP",
                                           "AMDKFD_IOC_CROSS_MEMORY_COPY", "AMDKFD_IOC_RLC_SPM"};
  const unsigned nr = _IOC_NR(request);
  if (_IOC_TYPE(request) != AMDKFD_IOCTL_BASE) return "";
  if (nr >= 0x80 && nr <= 0x84) return kRocm[nr - 0x80];
  if (nr < AMDKFD_COMMAND_START || nr >= AMDKFD_COMMAND_END) return "";
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& d : kIoctls) v.push_back(std::string("AMDKFD_IOC_") + d.name);
    return v;
  }();
  return names[nr];
}

// ---- mmap ----

Expected<void*> VirtualKfd::mmap(void* addr, size_t length, int prot, int flags, int fd,
                                 off_t offset) {
  FileRec file;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->files.find(fd);
    if (it == impl_->files.end()) {
      return errno_status(EBADF, fmt::format("mmap of fd {}", fd));
    }
    file = it->second;
  }
  const auto off = static_cast<uint64_t>(offset);
  auto r = file.kind == FileRec::kKfd ? impl_->mmap_kfd(addr, length, prot, flags, off)
                                      : impl_->mmap_render(file, addr, length, prot, flags, off);
  if (!r.ok()) {
    return r.status().with_context(
        fmt::format("mmap of {} bytes at offset 0x{:x} of {}", length, off,
                    file.kind == FileRec::kKfd
                        ? std::string("/dev/kfd")
                        : fmt::format("/dev/dri/renderD{}", impl_->gpus[file.gpu].render_minor)));
  }
  return r;
}

Status VirtualKfd::munmap(void* addr, size_t length) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->doorbell_aliases.find(reinterpret_cast<uintptr_t>(addr));
    if (it != impl_->doorbell_aliases.end()) {
      impl_->doorbell_aliases.erase(it);
      return ok_status();
    }
  }
  if (::munmap(addr, length) != 0) return errno_status(errno, "munmap");
  return ok_status();
}

// ---- test helpers ----

void VirtualKfd::inject_fault(const KfdFaultRule& rule) {
  std::lock_guard lock(impl_->mu);
  KfdFaultRule r = rule;
  if (std::string_view(r.name).starts_with("AMDKFD_IOC_")) r.name = r.name.substr(11);
  impl_->faults.push_back(std::move(r));
}

void VirtualKfd::clear_faults() {
  std::lock_guard lock(impl_->mu);
  impl_->faults.clear();
}

uint64_t VirtualKfd::ioctl_calls(std::string_view name) const {
  std::lock_guard lock(impl_->mu);
  if (name.starts_with("AMDKFD_IOC_")) name.remove_prefix(11);
  auto it = impl_->call_counts.find(name);
  return it == impl_->call_counts.end() ? 0 : it->second;
}

uint64_t VirtualKfd::scratch_backing_va(size_t index) const {
  std::lock_guard lock(impl_->mu);
  return index < impl_->gpus.size() ? impl_->gpus[index].scratch_backing_va : 0;
}

Expected<VirtualKfd::QueueInfo> VirtualKfd::queue_info(uint32_t queue_id) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->queues.find(queue_id);
  if (it == impl_->queues.end()) {
    return not_found(fmt::format("virtual KFD: no queue {}", queue_id));
  }
  const vkfd::QueueRec& q = it->second;
  QueueInfo info;
  info.gpu_index = q.gpu;
  info.sim_queue = q.sim_queue;
  info.ring_base = q.ring_base;
  info.ring_size = q.ring_size;
  info.percentage = q.percentage;
  info.priority = q.priority;
  info.active = q.active;
  info.cu_mask = q.cu_mask;
  return info;
}

VirtualKfd::Counts VirtualKfd::counts() const {
  Counts c;
  {
    std::lock_guard lock(impl_->mu);
    c.open_fds = impl_->files.size();
    c.buffer_objects = impl_->bos.size();
    for (const auto& [h, bo] : impl_->bos) c.gpu_mappings += bo->mapped.size();
    c.queues = impl_->queues.size();
    c.doorbell_mappings = impl_->doorbell_aliases.size();
  }
  std::lock_guard lock(impl_->ev_mu);
  c.events = impl_->events.size();
  return c;
}

}  // namespace amdhal::sim
