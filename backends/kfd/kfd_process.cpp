#include "kfd_process.h"

#include <fcntl.h>

#include <algorithm>

#include <fmt/format.h>

#include "kfd_abi.h"
#include "kfd_errors.h"
#include "kfd_memory.h"

namespace amdhal::kfd {
namespace {
constexpr const char* kKfdPath = "/dev/kfd";
}  // namespace

KfdProcess::KfdProcess(std::shared_ptr<KfdPort> port, int kfd_fd)
    : port_(std::move(port)), kfd_fd_(kfd_fd) {}

Expected<std::shared_ptr<KfdProcess>> KfdProcess::open(std::shared_ptr<KfdPort> port) {
  if (!port) return invalid_argument("kfd: no port");
  auto fd = port->open(kKfdPath, O_RDWR | O_CLOEXEC);
  if (!fd.ok()) return explain_open_error(fd.status(), kKfdPath);
  // From here the process object owns the fd: every early return closes it in the destructor.
  std::shared_ptr<KfdProcess> p(new KfdProcess(port, *fd));

  kfd_ioctl_get_version_args version{};
  AMDHAL_RETURN_IF_ERROR(p->ioctl(AMDKFD_IOC_GET_VERSION, &version, "AMDKFD_IOC_GET_VERSION"));
  if (version.major_version != KFD_IOCTL_MAJOR_VERSION) {
    return failed_precondition(fmt::format(
        "{}: KFD interface version {}.{} is not supported (this build speaks {}.x, from "
        "linux/kfd_ioctl.h {}.{})",
        kKfdPath, version.major_version, version.minor_version, KFD_IOCTL_MAJOR_VERSION,
        KFD_IOCTL_MAJOR_VERSION, KFD_IOCTL_MINOR_VERSION));
  }
  p->major_ = version.major_version;
  p->minor_ = version.minor_version;

  auto topo = parse_topology(port->topology_root());
  if (!topo.ok()) return topo.status().with_context("kfd: reading the KFD topology");
  p->topology_ = std::move(*topo);
  return p;
}

KfdProcess::~KfdProcess() {
  // The event page is a buffer object of this process: free it while /dev/kfd is open.
  event_page_.reset();
  for (auto& g : gpus_) {
    if (g->render_fd >= 0) port_->close(g->render_fd).ignore();
  }
  gpus_.clear();
  if (kfd_fd_ >= 0) port_->close(kfd_fd_).ignore();
}

Status KfdProcess::ioctl(unsigned long request, void* arg, std::string_view name) {
  return explain_ioctl_error(port_->ioctl(kfd_fd_, request, arg, name), name);
}

const KfdGpu* KfdProcess::gpu(uint32_t gpu_id) const {
  std::lock_guard lock(mu_);
  for (const auto& g : gpus_) {
    if (g->gpu_id == gpu_id) return g.get();
  }
  return nullptr;
}

std::vector<uint32_t> KfdProcess::acquired_gpu_ids() const {
  std::lock_guard lock(mu_);
  std::vector<uint32_t> ids;
  for (const auto& g : gpus_) ids.push_back(g->gpu_id);
  return ids;
}

Expected<const KfdGpu*> KfdProcess::acquire_gpu(uint32_t gpu_id) {
  std::lock_guard lock(mu_);
  for (const auto& g : gpus_) {
    if (g->gpu_id == gpu_id) return static_cast<const KfdGpu*>(g.get());
  }
  AMDHAL_ASSIGN_OR_RETURN(const TopologyNode* node, topology_.find_gpu(gpu_id));
  auto gpu = std::make_unique<KfdGpu>();
  gpu->gpu_id = gpu_id;
  gpu->node = node;

  const std::string render = node->render_node_path();
  auto fd = port_->open(render, O_RDWR | O_CLOEXEC);
  if (!fd.ok()) {
    return explain_open_error(fd.status(), render)
        .with_context(fmt::format("kfd: GPU {} (node {})", gpu_id, node->index));
  }
  gpu->render_fd = *fd;
  auto fail = [&](Status st) {
    port_->close(gpu->render_fd).ignore();
    return st.with_context(fmt::format("kfd: opening GPU {} (node {})", gpu_id, node->index));
  };

  // Apertures, two-call form: the count first, then the array (kernel kfd_chardev.c
  // kfd_ioctl_get_process_apertures_new: num_of_nodes == 0 asks for the count).
  kfd_ioctl_get_process_apertures_new_args count{};
  Status st =
      ioctl(AMDKFD_IOC_GET_PROCESS_APERTURES_NEW, &count, "AMDKFD_IOC_GET_PROCESS_APERTURES_NEW");
  if (!st.ok()) return fail(st);
  if (count.num_of_nodes > 0) {
    std::vector<kfd_process_device_apertures> apertures(count.num_of_nodes);
    kfd_ioctl_get_process_apertures_new_args fill{};
    fill.kfd_process_device_apertures_ptr = reinterpret_cast<uint64_t>(apertures.data());
    fill.num_of_nodes = count.num_of_nodes;
    st = ioctl(AMDKFD_IOC_GET_PROCESS_APERTURES_NEW, &fill, "AMDKFD_IOC_GET_PROCESS_APERTURES_NEW");
    if (!st.ok()) return fail(st);
    const uint32_t n = std::min(fill.num_of_nodes, count.num_of_nodes);
    for (uint32_t i = 0; i < n; ++i) {
      if (apertures[i].gpu_id == gpu_id) gpu->apertures = apertures[i];
    }
  }

  kfd_ioctl_acquire_vm_args acquire{};
  acquire.drm_fd = static_cast<uint32_t>(gpu->render_fd);
  acquire.gpu_id = gpu_id;
  st = ioctl(AMDKFD_IOC_ACQUIRE_VM, &acquire, "AMDKFD_IOC_ACQUIRE_VM");
  if (!st.ok()) return fail(st);

  // Every GPU of the process writes event ids into the event page (signals' mailboxes), so a GPU
  // acquired after the page exists gets it mapped too.
  if (event_page_) {
    const uint32_t ids[] = {gpu_id};
    st = event_page_->map_to(ids);
    if (!st.ok()) return fail(st.with_context("mapping the event page"));
  }

  gpus_.push_back(std::move(gpu));
  return static_cast<const KfdGpu*>(gpus_.back().get());
}

Expected<uint64_t> KfdProcess::event_page_offset_for_create(uint32_t gpu_id) {
  {
    std::lock_guard lock(mu_);
    if (event_page_set_) return uint64_t{0};
    if (event_page_) return event_page_->handle();
  }
  // The event page: a GTT buffer of KFD_SIGNAL_EVENT_LIMIT 64-bit slots, uncached, handed to
  // KFD by its handle with the first CREATE_EVENT (ROCT events.c hsaKmtCreateEvent, tinygrad
  // KFDIface.create_queue; kernel kfd_events.c kfd_kmap_event_page).
  KfdMemoryRequest req;
  req.size = kEventPageBytes;
  req.kind = KfdMemoryKind::kGtt;
  req.cpu_visible = true;
  req.uncached = true;
  // Mapped to every GPU acquired so far (acquire_gpu maps it to later ones): each GPU writes its
  // signals' event ids into it.
  req.gpu_ids = acquired_gpu_ids();
  if (std::find(req.gpu_ids.begin(), req.gpu_ids.end(), gpu_id) == req.gpu_ids.end()) {
    req.gpu_ids.push_back(gpu_id);
  }
  auto page = KfdMemory::allocate(*this, req);
  if (!page.ok()) return page.status().with_context("kfd: allocating the event page");
  std::lock_guard lock(mu_);
  if (!event_page_) event_page_ = std::make_unique<KfdMemory>(std::move(*page));
  return event_page_->handle();
}

uint64_t KfdProcess::event_page_address() const {
  return event_page_ ? event_page_->gpu_address() : 0;
}

void KfdProcess::event_page_accepted() {
  std::lock_guard lock(mu_);
  event_page_set_ = true;
}

}  // namespace amdhal::kfd
