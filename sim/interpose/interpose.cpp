// libamdhal_interpose.so: runs unmodified ROCm programs on simulated GPUs (docs/rocm.md).
//
// Preloaded (LD_PRELOAD) by `amdhal exec`, or by hand with AMDHAL_EXEC_DEVICE. It replaces the
// libc entry points through which a program (and glibc itself, whose internal calls do not go
// through the exported symbols) reaches the GPU's files, and answers only those:
//   /dev/kfd and /dev/dri/renderD<128+i>  → a sim::VirtualKfd (sim/kfd) created on first use,
//                                           whose fds are real memfd descriptors;
//   /sys/devices/virtual/kfd/kfd/..., /sys/class/kfd/kfd/...  → the virtual KFD's topology;
//   /sys/module/amdgpu/..., /proc/modules, /sys/class/drm/..., /sys/dev/char/226:N/...,
//   the simulated GPUs' PCI device directories  → files in a private directory (fake_tree.h).
// Everything else goes to the next definition (dlsym(RTLD_NEXT)) untouched, and nothing is
// created until one of those paths is touched: child processes that inherit LD_PRELOAD (shells,
// lsmod, grep) pay only a prefix comparison per path call.
//
// Calls the simulator itself makes (its own open/mmap/close on memfds and temporary files) run
// with a per-thread guard set, so they bypass the hooks.
//
// AMDHAL_EXEC_LOG=packets and AMDHAL_EXEC_TRACE=FILE set a packet observer on every simulated
// device: one stderr line per packet, and a Chrome trace written when the process exits.
#include <amdgpu_drm.h>
#include <cxxabi.h>
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/kfd_ioctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "amdhal_sim/device.h"
#include "amdhal_sim_kfd/virtual_kfd.h"
#include "fake_tree.h"

// glibc declares the path arguments nonnull; the hooks still test them, because a program may
// pass NULL (the system call answers EFAULT) and the hook must then not dereference it.
#pragma GCC diagnostic ignored "-Wnonnull-compare"

namespace {

using amdhal::sim::VirtualKfd;

// ---- the next definitions ----

void* next_symbol(const char* name) {
  void* p = dlsym(RTLD_NEXT, name);
  if (p == nullptr) {
    std::fprintf(stderr, "amdhal-exec: libc has no '%s'\n", name);
    std::abort();
  }
  return p;
}

#define NEXT(name)                                                             \
  ([]() {                                                                      \
    static auto* fn = reinterpret_cast<decltype(&::name)>(next_symbol(#name)); \
    return fn;                                                                 \
  }())
#define NEXT_T(type, name)                                        \
  ([]() {                                                         \
    static auto* fn = reinterpret_cast<type>(next_symbol(#name)); \
    return fn;                                                    \
  }())

// ---- per-thread guard: calls made while the simulator runs go straight to libc ----

__thread int t_guard = 0;
struct Guard {
  Guard() { ++t_guard; }
  ~Guard() { --t_guard; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
};

// ---- configuration (environment) ----

struct Config {
  std::string spec = "sim:gfx90a";
  uint32_t gpu_count = 1;
  bool log_ioctl = false;
  bool log_files = false;
  bool log_packets = false;  // AMDHAL_EXEC_LOG=packets
  std::string trace_path;    // AMDHAL_EXEC_TRACE, "" = no trace
  bool valid = true;
  std::string error;
};

const Config& config() {
  static const Config cfg = [] {
    Guard g;
    Config c;
    if (const char* d = std::getenv("AMDHAL_EXEC_DEVICE"); d != nullptr && *d != '\0') c.spec = d;
    auto parsed = amdhal::sim::SystemSpec::parse(c.spec);
    if (parsed.ok()) {
      c.gpu_count = parsed->count;
    } else {
      c.valid = false;
      c.error = parsed.status().message();
    }
    if (const char* l = std::getenv("AMDHAL_EXEC_LOG"); l != nullptr) {
      std::string_view v(l);
      size_t pos = 0;
      while (pos <= v.size()) {
        size_t end = v.find(',', pos);
        if (end == std::string_view::npos) end = v.size();
        const std::string_view item = v.substr(pos, end - pos);
        if (item == "ioctl") {
          c.log_ioctl = true;
        } else if (item == "files") {
          c.log_files = true;
        } else if (item == "packets") {
          c.log_packets = true;
        } else if (!item.empty()) {
          std::fprintf(
              stderr,
              "amdhal-exec: AMDHAL_EXEC_LOG: unknown item '%.*s' (known: ioctl, files, packets)\n",
              static_cast<int>(item.size()), item.data());
        }
        pos = end + 1;
      }
    }
    if (const char* t = std::getenv("AMDHAL_EXEC_TRACE"); t != nullptr) c.trace_path = t;
    return c;
  }();
  return cfg;
}

// ---- process state ----

std::mutex g_mu;  // creation of the root and the virtual KFD
std::atomic<VirtualKfd*> g_vkfd{nullptr};
std::shared_ptr<VirtualKfd>* g_vkfd_owner = nullptr;  // never destroyed: see teardown below
bool g_vkfd_failed = false;
// Objects used by the hooks are never destroyed: ROCr's exit handlers may call the hooks after
// this library's static destructors have run.
std::string& root_dir() {  // the fake root ("" until created)
  static auto* s = new std::string;
  return *s;
}
std::atomic<bool> g_root_ready{false};
std::vector<std::string>& gpu_claims() {  // PCI device paths of the simulated GPUs
  static auto* v = new std::vector<std::string>;
  return *v;
}
std::atomic<bool> g_gpu_tree_ready{false};
pid_t g_creator = 0;                          // the process that created root_dir()
std::set<std::string>* g_reported = nullptr;  // paths already reported as unsupported

// fd → what it is: 0 = not ours, 1 = /dev/kfd, 2 + i = render node of GPU i.
constexpr int kMaxFd = 1 << 16;
std::atomic<uint16_t> g_fds[kMaxFd];
std::atomic<int> g_fd_count{0};

// Doorbell pages handed out by the virtual KFD (munmap must go back to it).
std::mutex g_map_mu;
std::set<uintptr_t>* g_doorbells = nullptr;

// The inode of each of our descriptors' memfd: a descriptor closed behind our back (fclose of
// an fdopen'ed one, close_range, a child's glibc internals) and reused for another file no longer
// matches, and is forgotten instead of being taken for a device.
std::atomic<uint64_t> g_fd_ino[kMaxFd];

void set_fd_kind(int fd, uint16_t kind) {
  if (fd < 0 || fd >= kMaxFd) return;
  uint64_t ino = 0;
  if (kind != 0) {
    struct stat st;
    if (NEXT_T(int (*)(int, struct stat*), fstat)(fd, &st) == 0) ino = st.st_ino;
  }
  g_fd_ino[fd].store(ino, std::memory_order_release);
  const uint16_t old = g_fds[fd].exchange(kind, std::memory_order_acq_rel);
  if (old == 0 && kind != 0) g_fd_count.fetch_add(1);
  if (old != 0 && kind == 0) g_fd_count.fetch_sub(1);
}

uint16_t fd_kind(int fd) {
  if (fd < 0 || fd >= kMaxFd || g_fd_count.load(std::memory_order_relaxed) == 0) return 0;
  const uint16_t kind = g_fds[fd].load(std::memory_order_acquire);
  if (kind == 0) return 0;
  struct stat st;
  if (NEXT_T(int (*)(int, struct stat*), fstat)(fd, &st) != 0 ||
      st.st_ino != g_fd_ino[fd].load(std::memory_order_acquire)) {
    set_fd_kind(fd, 0);
    if (VirtualKfd* v = g_vkfd.load(std::memory_order_acquire)) {
      Guard guard;
      v->forget_fd(fd);
    }
    return 0;
  }
  return kind;
}

std::string fd_label(uint16_t kind) {
  if (kind == 1) return "/dev/kfd";
  return fmt::format("/dev/dri/renderD{}", 128 + kind - 2);
}

// ---- packet log and trace (AMDHAL_EXEC_LOG=packets, AMDHAL_EXEC_TRACE=FILE) ----

// Trace timestamps count from here: the library is initialised before the program's main().
const std::chrono::steady_clock::time_point g_start = std::chrono::steady_clock::now();
pid_t g_vkfd_creator = 0;  // the process that created the virtual KFD

/// Decoded fields that hold addresses (or handles, which are addresses too) print in hex.
bool is_address_field(std::string_view name) {
  return name.find("addr") != std::string_view::npos ||
         name.find("signal") != std::string_view::npos ||
         name.find("handle") != std::string_view::npos || name.ends_with("_object") ||
         name.ends_with("_lo") || name.ends_with("_hi") || name.ends_with("_base");
}

/// "q3" for the virtual KFD's "kfd.q3" / "kfd.sdma0.q3" (the KFD queue id the ioctl log shows),
/// else "q<device queue id>".
std::string queue_label(std::string_view name, uint32_t id) {
  const size_t dot = name.rfind(".q");
  if (dot != std::string_view::npos && dot + 2 < name.size() &&
      name.find_first_not_of("0123456789", dot + 2) == std::string_view::npos) {
    return std::string(name.substr(dot + 1));
  }
  return fmt::format("q{}", id);
}

/// One line: "amdhal-exec: gpu0 aql q1 KERNEL_DISPATCH ... kernel_object=0x... kernel=_Z3fooPf".
/// `kernel` is the dispatched kernel's symbol ("" if unknown or not a dispatch).
std::string packet_line(const amdhal::sim::PacketEvent& e, const std::string& kernel) {
  std::string line = fmt::format("amdhal-exec: gpu{} {} {} {}", e.device_index, e.engine,
                                 queue_label(e.queue_name, e.queue_id), e.packet->name);
  for (const auto& f : e.packet->fields) {
    if (is_address_field(f.name)) {
      line += fmt::format(" {}=0x{:x}", f.name, f.value);
    } else {
      line += fmt::format(" {}={}", f.name, f.value);
    }
  }
  if (!kernel.empty()) line += fmt::format(" kernel={}", kernel);
  if (!e.executed) line += " (not executed)";
  line += '\n';
  return line;
}

/// Names of the kernels the runtime loaded, found from a dispatch's kernel_object: the code
/// object's ELF image as the loader copied it into GPU memory. LLVM AMDGPUUsage ("Code Object",
/// "Kernel Descriptor"): the first PT_LOAD segment starts at file offset 0 and virtual address 0,
/// so the loaded image begins with the ELF header at a page boundary below the descriptor; the
/// descriptor is the object symbol "<kernel-name>.kd" in .dynsym, its st_value the descriptor's
/// offset from that load base. Results (failures too) are cached per descriptor address.
class KernelNames {
 public:
  struct Name {
    std::string symbol;     ///< "_Z10vector_addPKfS0_Pfi", "" when not found
    std::string demangled;  ///< "vector_add(float const*, float const*, float*, int)"
  };

  explicit KernelNames(amdhal::sim::System* system) : system_(system) {}

  Name lookup(uint32_t gpu, uint32_t vmid, uint64_t kernel_object) {
    const std::tuple<uint32_t, uint32_t, uint64_t> key{gpu, vmid, kernel_object};
    {
      std::lock_guard lock(mu_);
      if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    }
    Name n;
    if (gpu < system_->device_count() && vmid < amdhal::sim::Device::kVmidCount) {
      n.symbol = find_symbol(system_->device(gpu).vm(vmid), kernel_object);
    }
    n.demangled = demangle(n.symbol);
    std::lock_guard lock(mu_);
    cache_.emplace(key, n);
    return n;
  }

 private:
  static constexpr uint16_t kEmAmdgpu = 224;          // ELF e_machine EM_AMDGPU
  static constexpr uint64_t kPage = 4096;             // PT_LOAD alignment of AMDGPU code objects
  static constexpr uint64_t kMaxImage = 64ull << 20;  // search no further below the descriptor
  static constexpr uint64_t kMaxSymbols = 1 << 16;
  static constexpr uint64_t kMaxStrings = 4 << 20;

  template <typename T>
  static bool read(const amdhal::sim::AddressSpace& vm, uint64_t va, T* out, size_t n = 1) {
    amdhal::sim::VmFault f;
    return vm.read(va, out, sizeof(T) * n, &f).ok();
  }

  static std::string find_symbol(const amdhal::sim::AddressSpace& vm, uint64_t kd) {
    for (uint64_t base = kd & ~(kPage - 1); kd - base < kMaxImage; base -= kPage) {
      Elf64_Ehdr eh;
      if (!read(vm, base, &eh)) return "";  // left the allocation: no image below
      if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
          eh.e_machine == kEmAmdgpu) {
        return symbol_at(vm, base, eh, kd - base);
      }
      if (base == 0) break;
    }
    return "";
  }

  static std::string symbol_at(const amdhal::sim::AddressSpace& vm, uint64_t base,
                               const Elf64_Ehdr& eh, uint64_t offset) {
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64) return "";
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    if (!read(vm, base + eh.e_phoff, ph.data(), ph.size())) return "";
    uint64_t symtab = 0, strtab = 0, strsz = 0, hash = 0;
    for (const Elf64_Phdr& p : ph) {
      if (p.p_type != PT_DYNAMIC) continue;
      std::vector<Elf64_Dyn> dyn(std::min<uint64_t>(p.p_memsz / sizeof(Elf64_Dyn), 64));
      if (dyn.empty() || !read(vm, base + p.p_vaddr, dyn.data(), dyn.size())) return "";
      for (const Elf64_Dyn& d : dyn) {
        if (d.d_tag == DT_NULL) break;
        if (d.d_tag == DT_SYMTAB) symtab = d.d_un.d_ptr;
        if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
        if (d.d_tag == DT_STRSZ) strsz = d.d_un.d_val;
        if (d.d_tag == DT_HASH) hash = d.d_un.d_ptr;
      }
    }
    if (symtab == 0 || strtab == 0 || strsz == 0 || strsz > kMaxStrings) return "";
    // DT_HASH: nbucket, nchain; nchain is the number of symbols (System V ABI, "Hash Table").
    uint64_t count = 0;
    uint32_t hash_words[2];
    if (hash != 0 && read(vm, base + hash, hash_words, 2)) {
      count = hash_words[1];
    } else if (strtab > symtab) {
      count = (strtab - symtab) / sizeof(Elf64_Sym);  // lld places .dynstr after .dynsym
    }
    count = std::min(count, kMaxSymbols);
    std::vector<Elf64_Sym> syms(count);
    std::string strings(strsz, '\0');
    if (count == 0 || !read(vm, base + symtab, syms.data(), syms.size()) ||
        !read(vm, base + strtab, strings.data(), strings.size())) {
      return "";
    }
    for (const Elf64_Sym& s : syms) {
      if (s.st_value != offset || s.st_name >= strings.size()) continue;
      const std::string name(strings.c_str() + s.st_name);
      if (name.size() > 3 && name.ends_with(".kd")) return name.substr(0, name.size() - 3);
    }
    return "";
  }

  static std::string demangle(const std::string& symbol) {
    if (symbol.empty()) return "";
    int status = 0;
    char* d = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
    std::string out = (status == 0 && d != nullptr) ? std::string(d) : symbol;
    std::free(d);
    return out;
  }

  amdhal::sim::System* system_;
  std::mutex mu_;
  std::map<std::tuple<uint32_t, uint32_t, uint64_t>, Name> cache_;
};

/// The packets the engines ran, kept for the trace file written at exit.
class TraceRecorder {
 public:
  /// Events kept at most (about 200 bytes each); later ones are counted as dropped.
  static constexpr size_t kMaxEvents = 1'000'000;

  /// Copies of the configuration: config()'s static is destroyed before the exit-time write.
  TraceRecorder(std::string path, std::string spec)
      : path_(std::move(path)), spec_(std::move(spec)) {}

  void add(const amdhal::sim::PacketEvent& e, const KernelNames::Name& kernel) {
    Event ev;
    ev.kernel = kernel;
    ev.gpu = e.device_index;
    ev.queue = e.queue_id;
    ev.executed = e.executed;
    ev.start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(e.start - g_start).count();
    ev.dur_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(e.end - e.start).count();
    ev.name = e.packet->name;
    ev.fields = e.packet->fields;
    std::lock_guard lock(mu_);
    auto [it, inserted] = tracks_.try_emplace({ev.gpu, ev.queue});
    if (inserted) {
      it->second = fmt::format("{} {}", e.engine, queue_label(e.queue_name, e.queue_id));
      engines_[{ev.gpu, ev.queue}] = std::string(e.engine);
    }
    if (events_.size() >= kMaxEvents) {
      ++dropped_;
      return;
    }
    events_.push_back(std::move(ev));
  }

  /// Writes the Chrome trace ("traceEvents" JSON object format) to `path` through a temporary
  /// file renamed into place, so a reader never sees half a file.
  void write() {
    using nlohmann::json;
    std::lock_guard lock(mu_);
    const std::string& path = path_;
    const std::string& spec = spec_;
    const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "amdhal-exec: AMDHAL_EXEC_TRACE=%s: %s\n", path.c_str(),
                   std::strerror(errno));
      return;
    }
    std::string out = "{\"traceEvents\":[\n";
    bool first = true;
    auto emit = [&](const json& j) {
      if (!first) out += ",\n";
      first = false;
      out += j.dump();
      if (out.size() > (1u << 20)) {
        std::fwrite(out.data(), 1, out.size(), f);
        out.clear();
      }
    };
    std::set<uint32_t> gpus;
    for (const auto& [key, label] : tracks_) gpus.insert(key.first);
    for (uint32_t gpu : gpus) {
      emit({{"ph", "M"},
            {"name", "process_name"},
            {"pid", gpu},
            {"args", {{"name", fmt::format("gpu{} ({})", gpu, spec)}}}});
      emit({{"ph", "M"},
            {"name", "process_sort_index"},
            {"pid", gpu},
            {"args", {{"sort_index", gpu}}}});
    }
    for (const auto& [key, label] : tracks_) {
      emit({{"ph", "M"},
            {"name", "thread_name"},
            {"pid", key.first},
            {"tid", key.second},
            {"args", {{"name", label}}}});
    }
    for (const Event& ev : events_) emit(event_json(ev));
    out += "\n],\"displayTimeUnit\":\"ns\",\"otherData\":";
    out += json({{"producer", "amdhal exec"},
                 {"device", spec},
                 {"events", events_.size()},
                 {"dropped_events", dropped_}})
               .dump();
    out += "}\n";
    const bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
    const bool closed = std::fclose(f) == 0;
    if (!ok || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::fprintf(stderr, "amdhal-exec: AMDHAL_EXEC_TRACE=%s: cannot write: %s\n", path.c_str(),
                   std::strerror(errno));
      std::remove(tmp.c_str());
    }
  }

 private:
  struct Event {
    uint32_t gpu = 0;
    uint32_t queue = 0;
    bool executed = true;
    int64_t start_ns = 0;
    int64_t dur_ns = 0;
    std::string name;
    KernelNames::Name kernel;  // dispatches whose kernel was found
    std::vector<amdhal::packets::DecodedField> fields;
  };

  nlohmann::json event_json(const Event& ev) const {
    using nlohmann::json;
    json args = json::object();
    for (const auto& f : ev.fields) {
      if (is_address_field(f.name)) {
        args[f.name] = fmt::format("0x{:x}", f.value);
      } else {
        args[f.name] = f.value;
      }
    }
    auto field = [&](std::string_view n) -> uint64_t {
      for (const auto& f : ev.fields) {
        if (f.name == n) return f.value;
      }
      return 0;
    };
    if (ev.name == "KERNEL_DISPATCH") {
      // hsa_kernel_dispatch_packet_t: grid sizes in work-items, workgroup sizes (HSA runtime
      // specification 1.2, section 2.9.6).
      args["grid"] =
          fmt::format("{}x{}x{}", field("grid_size_x"), field("grid_size_y"), field("grid_size_z"));
      args["workgroup"] = fmt::format("{}x{}x{}", field("workgroup_size_x"),
                                      field("workgroup_size_y"), field("workgroup_size_z"));
    } else if (ev.name == "COPY_LINEAR" || ev.name == "CONSTANT_FILL") {
      // SDMA_PKT_COPY_LINEAR / SDMA_PKT_CONSTANT_FILL COUNT holds bytes - 1 on SDMA 4 and later
      // (amdgpu sdma_v4_0.c emit_copy_buffer / emit_fill_buffer: byte_count - 1).
      args["bytes"] = field("count") + 1;
    }
    if (!ev.kernel.symbol.empty()) args["kernel"] = ev.kernel.symbol;
    if (!ev.executed) args["executed"] = false;
    args["packet"] = ev.name;
    const auto it = engines_.find({ev.gpu, ev.queue});
    return json{{"ph", "X"},
                {"name", ev.kernel.demangled.empty() ? ev.name : ev.kernel.demangled},
                {"cat", it == engines_.end() ? std::string("gpu") : it->second},
                {"pid", ev.gpu},
                {"tid", ev.queue},
                {"ts", static_cast<double>(ev.start_ns) / 1000.0},
                {"dur", static_cast<double>(ev.dur_ns) / 1000.0},
                {"args", std::move(args)}};
  }

  const std::string path_;
  const std::string spec_;
  std::mutex mu_;
  std::vector<Event> events_;
  uint64_t dropped_ = 0;
  std::map<std::pair<uint32_t, uint32_t>, std::string> tracks_;   // (gpu, queue) → "aql q1"
  std::map<std::pair<uint32_t, uint32_t>, std::string> engines_;  // (gpu, queue) → "aql"
};

TraceRecorder* g_trace = nullptr;  // never destroyed: engines may report during exit

void install_packet_observers(VirtualKfd& v, const Config& cfg) {
  if (!cfg.log_packets && cfg.trace_path.empty()) return;
  if (!cfg.trace_path.empty()) g_trace = new TraceRecorder(cfg.trace_path, cfg.spec);
  amdhal::sim::System& sys = v.system();
  auto* names = new KernelNames(&sys);  // never destroyed, like the virtual KFD
  for (size_t i = 0; i < sys.device_count(); ++i) {
    sys.device(i).set_packet_observer(
        [log = cfg.log_packets, trace = g_trace, names](const amdhal::sim::PacketEvent& e) {
          KernelNames::Name kernel;
          if (e.packet->name == "KERNEL_DISPATCH") {
            if (auto ko = e.packet->field("kernel_object")) {
              kernel = names->lookup(e.device_index, e.vmid, *ko);
            }
          }
          if (log) {
            const std::string line = packet_line(e, kernel.symbol);
            std::fwrite(line.data(), 1, line.size(), stderr);  // one call: lines never interleave
          }
          if (trace != nullptr) {
            trace->add(e, kernel);
            // A packet the queue hung on (a GPU fault): the runtime usually ends the program
            // (abort()) as soon as it hears of it, before any exit-time write. The simulator tells
            // observers before it raises the fault, so the trace up to here is written now; a
            // normal exit rewrites it with everything.
            if (!e.executed && getpid() == g_vkfd_creator) {
              Guard guard;
              trace->write();
            }
          }
        });
  }
}

/// Writes the trace when the process that created the virtual KFD exits (the virtual KFD
/// itself is never torn down, see vkfd()); forked children that inherit it write nothing.
__attribute__((destructor)) void write_trace_at_exit() {
  if (g_trace == nullptr || getpid() != g_vkfd_creator) return;
  Guard guard;
  g_trace->write();
}

// ---- the fake root and the virtual KFD ----

std::string read_real_file(const char* path) {
  std::string out;
  const int fd = NEXT_T(int (*)(const char*, int, ...), open)(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  NEXT(close)(fd);
  return out;
}

/// The fake root, created on first need; "" if it cannot be created (reported once).
const std::string& root() {
  if (g_root_ready.load(std::memory_order_acquire)) return root_dir();
  std::lock_guard lock(g_mu);
  if (g_root_ready.load(std::memory_order_relaxed)) return root_dir();
  Guard guard;
  const char* tmp = std::getenv("TMPDIR");
  // The pid in the name lets `amdhal exec` remove what a crashed program left behind.
  std::string tmpl =
      fmt::format("{}/amdhal-exec-{}-XXXXXX", tmp != nullptr && *tmp ? tmp : "/tmp", getpid());
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::fprintf(stderr, "amdhal-exec: cannot create %s: %s\n", tmpl.c_str(), std::strerror(errno));
    g_root_ready.store(true, std::memory_order_release);
    return root_dir();
  }
  std::string dir = buf.data();
  auto st = amdhal::interpose::build_static_tree(dir, read_real_file("/proc/modules"));
  if (!st.ok()) {
    std::fprintf(stderr, "amdhal-exec: %s\n", st.message().c_str());
  }
  g_creator = getpid();
  root_dir() = std::move(dir);
  g_root_ready.store(true, std::memory_order_release);
  return root_dir();
}

/// The virtual KFD, created on first need; null if it cannot be created (reported once).
VirtualKfd* vkfd() {
  if (VirtualKfd* v = g_vkfd.load(std::memory_order_acquire)) return v;
  const std::string& r = root();
  std::lock_guard lock(g_mu);
  if (VirtualKfd* v = g_vkfd.load(std::memory_order_relaxed)) return v;
  if (g_vkfd_failed) return nullptr;
  Guard guard;
  const Config& cfg = config();
  if (!cfg.valid) {
    std::fprintf(stderr, "amdhal-exec: AMDHAL_EXEC_DEVICE=%s: %s\n", cfg.spec.c_str(),
                 cfg.error.c_str());
    g_vkfd_failed = true;
    return nullptr;
  }
  auto created = VirtualKfd::create(cfg.spec);
  if (!created.ok()) {
    std::fprintf(stderr, "amdhal-exec: cannot create the simulated GPUs (%s): %s\n",
                 cfg.spec.c_str(), created.status().message().c_str());
    g_vkfd_failed = true;
    return nullptr;
  }
  // Deliberately never destroyed: ROCr and HIP release queues and memory from atexit handlers
  // and static destructors whose order relative to this library's is not defined.
  g_vkfd_owner = new std::shared_ptr<VirtualKfd>(std::move(*created));
  g_vkfd_creator = getpid();
  install_packet_observers(**g_vkfd_owner, cfg);
  if (!r.empty()) {
    auto claims = amdhal::interpose::build_gpu_tree(r, **g_vkfd_owner);
    if (claims.ok()) {
      gpu_claims() = std::move(*claims);
    } else {
      std::fprintf(stderr, "amdhal-exec: %s\n", claims.status().message().c_str());
    }
  }
  g_gpu_tree_ready.store(true, std::memory_order_release);
  g_vkfd.store(g_vkfd_owner->get(), std::memory_order_release);
  return g_vkfd_owner->get();
}

__attribute__((destructor)) void remove_fake_root() {
  if (!g_root_ready.load() || root_dir().empty() || getpid() != g_creator) return;
  Guard guard;
  std::error_code ec;
  std::filesystem::remove_all(root_dir(), ec);
  if (VirtualKfd* v = g_vkfd.load()) std::filesystem::remove_all(v->topology_root(), ec);
}

// ---- path classification ----

enum class Claim { kNone, kKfd, kRender, kFile };
struct Resolved {
  Claim claim = Claim::kNone;
  uint32_t gpu = 0;
  std::string path;  // the file to use instead (kFile)
  const char* original = nullptr;
};

/// `path` starts with `prefix` followed by '/' or the end.
bool under(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// Paths that a real system with amdgpu loaded does not have either: probing them is normal and
// their absence is no simulator gap.
bool absent_on_real_systems(std::string_view p) {
  if (p == "/sys/module/amdgpu/version") return true;  // only DKMS builds of amdgpu have it
  // Sensor labels are probed by index; a dGPU has temp1-3 and in0 (published), not the rest.
  return p.find("/hwmon/hwmon") != std::string_view::npos && p.ends_with("_label");
}

// The device attributes that follow the simulated GPU's state; rewritten before each open.
bool is_usage_attribute(std::string_view p) {
  for (std::string_view name :
       {"/mem_info_vram_used", "/mem_info_vis_vram_used", "/mem_info_vram_total",
        "/mem_info_vis_vram_total", "/gpu_busy_percent", "/gpu_metrics"}) {
    if (p.ends_with(name)) return true;
  }
  return false;
}

/// The simulated GPU a DRM/PCI sysfs path names, or -1.
int gpu_of_path(std::string_view p, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    if (2 * i + 1 < gpu_claims().size() &&
        (under(p, gpu_claims()[2 * i]) || under(p, gpu_claims()[2 * i + 1]))) {
      return static_cast<int>(i);
    }
    for (const std::string& dir :
         {fmt::format("/sys/class/drm/card{}/", i),
          fmt::format("/sys/class/drm/renderD{}/", 128 + i),
          fmt::format("/sys/dev/char/226:{}/", i), fmt::format("/sys/dev/char/226:{}/", 128 + i)}) {
      if (p.starts_with(dir)) return static_cast<int>(i);
    }
  }
  return -1;
}

std::mutex g_usage_mu;
std::vector<uint32_t>& activity_acc() {  // per GPU: sum of busy samples (gpu_metrics)
  static auto* v = new std::vector<uint32_t>;
  return *v;
}

void refresh_usage(std::string_view p) {
  VirtualKfd* v = g_vkfd.load(std::memory_order_acquire);
  if (v == nullptr) return;
  const int gpu = gpu_of_path(p, static_cast<uint32_t>(v->device_count()));
  if (gpu < 0) return;
  std::lock_guard lock(g_usage_mu);
  Guard guard;
  const auto usage = v->usage(static_cast<size_t>(gpu));
  activity_acc().resize(v->device_count(), 0);
  activity_acc()[gpu] += usage.busy_percent;
  auto st = amdhal::interpose::write_usage(root_dir(), gpu_claims().at(2 * gpu), usage,
                                           activity_acc()[gpu]);
  if (!st.ok()) std::fprintf(stderr, "amdhal-exec: %s\n", st.message().c_str());
}

Resolved resolve(const char* path) {
  Resolved r;
  r.original = path;
  if (path == nullptr || t_guard != 0) return r;
  // Fast exit for everything that cannot be ours.
  if (path[0] != '/' || (path[1] != 'd' && path[1] != 's' && path[1] != 'p')) return r;
  const std::string_view p(path);
  if (p.starts_with("/dev/")) {
    if (p == "/dev/kfd") {
      r.claim = Claim::kKfd;
      return r;
    }
    constexpr std::string_view kRender = "/dev/dri/renderD";
    if (p.starts_with(kRender) && p.size() > kRender.size() && p.size() <= kRender.size() + 3) {
      uint32_t minor = 0;
      for (char c : p.substr(kRender.size())) {
        if (c < '0' || c > '9') return r;
        minor = minor * 10 + static_cast<uint32_t>(c - '0');
      }
      if (minor >= 128 && minor < 128 + config().gpu_count) {
        r.claim = Claim::kRender;
        r.gpu = minor - 128;
      }
    }
    return r;
  }
  bool needs_gpus = false;
  std::string mapped;
  if (p == "/proc/modules" || under(p, "/sys/module/amdgpu")) {
    mapped = std::string(p);
  } else if (under(p, "/sys/devices/virtual/kfd")) {
    mapped = std::string(p);
    needs_gpus = true;
  } else if (under(p, "/sys/class/kfd")) {
    mapped = "/sys/devices/virtual/kfd" + std::string(p.substr(14));
    needs_gpus = true;
  } else if (under(p, "/sys/class/drm") || p.starts_with("/sys/dev/char/226:")) {
    mapped = std::string(p);
    needs_gpus = true;
  } else if (p.starts_with("/sys/devices/pci") || p.starts_with("/sys/bus/pci/devices/")) {
    // Only the simulated GPUs' own directories (known once the GPUs exist).
    if (!g_gpu_tree_ready.load(std::memory_order_acquire)) return r;
    for (const auto& c : gpu_claims()) {
      if (under(p, c)) mapped = std::string(p);
    }
    if (mapped.empty()) return r;
  } else {
    return r;
  }
  if (needs_gpus && vkfd() == nullptr) return r;
  const std::string& rt = root();
  if (rt.empty()) return r;
  r.claim = Claim::kFile;
  r.path = rt + mapped;
  if (needs_gpus || !gpu_claims().empty()) {
    if (is_usage_attribute(p)) refresh_usage(p);
  }
  if (config().log_files) std::fprintf(stderr, "amdhal-exec: file %s\n", path);
  return r;
}

/// After a claimed path failed with ENOENT: one line per path, unless real systems lack it too.
void report_missing(const Resolved& r, int err) {
  if (r.claim != Claim::kFile || err != ENOENT || absent_on_real_systems(r.original)) return;
  std::lock_guard lock(g_mu);
  Guard guard;
  if (g_reported == nullptr) g_reported = new std::set<std::string>;
  if (!g_reported->insert(r.original).second) return;
  std::fprintf(stderr, "amdhal-exec: unsupported path %s: ENOENT (not simulated)\n", r.original);
}

// ---- device files ----

int open_device(const Resolved& r, int flags) {
  VirtualKfd* v = vkfd();
  if (v == nullptr) {
    errno = ENOENT;
    return -1;
  }
  Guard guard;
  const std::string path = r.claim == Claim::kKfd ? "/dev/kfd" : v->render_node_path(r.gpu);
  auto fd = v->open(path, flags);
  if (!fd.ok()) {
    errno = ENOENT;
    return -1;
  }
  if (*fd >= kMaxFd) {
    v->close(*fd).ignore();
    errno = EMFILE;
    return -1;
  }
  if ((flags & O_CLOEXEC) == 0) {
    // memfd_create gave it close-on-exec; honour the caller's flags.
    ::fcntl(*fd, F_SETFD, 0);
  }
  set_fd_kind(*fd, r.claim == Claim::kKfd ? 1 : static_cast<uint16_t>(2 + r.gpu));
  if (config().log_ioctl) {
    std::fprintf(stderr, "amdhal-exec: open(%s) = %d\n", path.c_str(), *fd);
  }
  return *fd;
}

/// stat of /dev/kfd (char 240:0 here; the major is dynamic on real systems) or a render node
/// (char 226:minor, which libdrm's drmGetNodeTypeFromFd checks).
void device_stat(uint16_t kind, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_mode = S_IFCHR | 0666;
  st->st_nlink = 1;
  st->st_blksize = 4096;
  st->st_rdev = kind == 1 ? makedev(240, 0) : makedev(226, 128 + kind - 2);
  st->st_ino = kind;
  st->st_dev = makedev(0, 5);
}

uint16_t kind_of(const Resolved& r) {
  return r.claim == Claim::kKfd ? 1 : static_cast<uint16_t>(2 + r.gpu);
}

// ---- ioctl logging ----

std::string describe(uint16_t kind, unsigned long req, const void* arg) {
  if (arg == nullptr) return "";
  if (kind != 1) {
    if (req == DRM_IOCTL_AMDGPU_INFO) {
      const auto* a = static_cast<const drm_amdgpu_info*>(arg);
      return fmt::format(" query=0x{:x} size={}", a->query, a->return_size);
    }
    return "";
  }
  switch (_IOC_NR(req)) {
    case 0x01: {
      const auto* a = static_cast<const kfd_ioctl_get_version_args*>(arg);
      return fmt::format(" -> version {}.{}", a->major_version, a->minor_version);
    }
    case 0x02: {
      const auto* a = static_cast<const kfd_ioctl_create_queue_args*>(arg);
      return fmt::format(
          " gpu_id=0x{:x} type={} ring=0x{:x} size=0x{:x} rptr=0x{:x} wptr=0x{:x} eop=0x{:x} "
          "ctx_save=0x{:x}/0x{:x} -> queue_id={} doorbell_offset=0x{:x}",
          a->gpu_id, a->queue_type, a->ring_base_address, a->ring_size, a->read_pointer_address,
          a->write_pointer_address, a->eop_buffer_size, a->ctx_save_restore_size, a->ctl_stack_size,
          a->queue_id, a->doorbell_offset);
    }
    case 0x03: {
      const auto* a = static_cast<const kfd_ioctl_destroy_queue_args*>(arg);
      return fmt::format(" queue_id={}", a->queue_id);
    }
    case 0x04: {
      const auto* a = static_cast<const kfd_ioctl_set_memory_policy_args*>(arg);
      return fmt::format(" gpu_id=0x{:x} default={} alternate={} alt_base=0x{:x} size=0x{:x}",
                         a->gpu_id, a->default_policy, a->alternate_policy,
                         a->alternate_aperture_base, a->alternate_aperture_size);
    }
    case 0x08: {
      const auto* a = static_cast<const kfd_ioctl_create_event_args*>(arg);
      return fmt::format(" type={} auto_reset={} page=0x{:x} -> id={} slot={}", a->event_type,
                         a->auto_reset, a->event_page_offset, a->event_id, a->event_slot_index);
    }
    case 0x09:
    case 0x0A:
    case 0x0B: {
      const auto* a = static_cast<const kfd_ioctl_set_event_args*>(arg);
      return fmt::format(" id={}", a->event_id);
    }
    case 0x0C: {
      const auto* a = static_cast<const kfd_ioctl_wait_events_args*>(arg);
      return fmt::format(" n={} all={} timeout={} -> result={}", a->num_events, a->wait_for_all,
                         a->timeout, a->wait_result);
    }
    case 0x11: {
      const auto* a = static_cast<const kfd_ioctl_set_scratch_backing_va_args*>(arg);
      return fmt::format(" gpu_id=0x{:x} va=0x{:x}", a->gpu_id, a->va_addr);
    }
    case 0x13: {
      const auto* a = static_cast<const kfd_ioctl_set_trap_handler_args*>(arg);
      return fmt::format(" gpu_id=0x{:x} tba=0x{:x} tma=0x{:x}", a->gpu_id, a->tba_addr,
                         a->tma_addr);
    }
    case 0x14: {
      const auto* a = static_cast<const kfd_ioctl_get_process_apertures_new_args*>(arg);
      return fmt::format(" -> nodes={}", a->num_of_nodes);
    }
    case 0x15: {
      const auto* a = static_cast<const kfd_ioctl_acquire_vm_args*>(arg);
      return fmt::format(" drm_fd={} gpu_id=0x{:x}", a->drm_fd, a->gpu_id);
    }
    case 0x16: {
      const auto* a = static_cast<const kfd_ioctl_alloc_memory_of_gpu_args*>(arg);
      return fmt::format(
          " gpu_id=0x{:x} va=0x{:x} size=0x{:x} flags=0x{:08x} -> handle=0x{:x} "
          "mmap_offset=0x{:x}",
          a->gpu_id, a->va_addr, a->size, a->flags, a->handle, a->mmap_offset);
    }
    case 0x17: {
      const auto* a = static_cast<const kfd_ioctl_free_memory_of_gpu_args*>(arg);
      return fmt::format(" handle=0x{:x}", a->handle);
    }
    case 0x18:
    case 0x19: {
      const auto* a = static_cast<const kfd_ioctl_map_memory_to_gpu_args*>(arg);
      return fmt::format(" handle=0x{:x} devices={} -> done={}", a->handle, a->n_devices,
                         a->n_success);
    }
    case 0x21: {
      const auto* a = static_cast<const kfd_ioctl_set_xnack_mode_args*>(arg);
      return fmt::format(" -> xnack={}", a->xnack_enabled);
    }
    default:
      return "";
  }
}

/// The errno an errno_status message carries ("...: EINVAL (Invalid argument)"), else EINVAL.
int errno_of(const amdhal::Status& st) {
  const std::string& m = st.message();
  for (int e = 1; e < 134; ++e) {
    const std::string tag = fmt::format(": {} (", amdhal::errno_name(e));
    if (m.find(tag) != std::string::npos) return e;
  }
  return EINVAL;
}

// ---- the hooks' bodies ----

int do_open(const char* path, int flags, mode_t mode, int (*next)(const char*, int, ...)) {
  Resolved r = resolve(path);
  switch (r.claim) {
    case Claim::kNone:
      return next(path, flags, mode);
    case Claim::kKfd:
    case Claim::kRender:
      return open_device(r, flags);
    case Claim::kFile: {
      const int fd = next(r.path.c_str(), flags, mode);
      if (fd < 0) report_missing(r, errno);
      return fd;
    }
  }
  return -1;
}

int do_openat(int dirfd, const char* path, int flags, mode_t mode,
              int (*next)(int, const char*, int, ...)) {
  if (path != nullptr && path[0] == '/') {
    Resolved r = resolve(path);
    if (r.claim == Claim::kKfd || r.claim == Claim::kRender) return open_device(r, flags);
    if (r.claim == Claim::kFile) {
      const int fd = next(dirfd, r.path.c_str(), flags, mode);
      if (fd < 0) report_missing(r, errno);
      return fd;
    }
  }
  return next(dirfd, path, flags, mode);
}

template <typename StatFn>
int do_stat(const char* path, struct stat* st, StatFn next) {
  Resolved r = resolve(path);
  if (r.claim == Claim::kKfd || r.claim == Claim::kRender) {
    if (vkfd() == nullptr) {
      errno = ENOENT;
      return -1;
    }
    device_stat(kind_of(r), st);
    return 0;
  }
  const int rc = next(r.claim == Claim::kFile ? r.path.c_str() : path, st);
  if (rc != 0 && r.claim == Claim::kFile) report_missing(r, errno);
  return rc;
}

int do_fstat(int fd, struct stat* st, int (*next)(int, struct stat*)) {
  if (const uint16_t kind = fd_kind(fd); kind != 0 && t_guard == 0) {
    device_stat(kind, st);
    return 0;
  }
  return next(fd, st);
}

int do_fstatat(int dirfd, const char* path, struct stat* st, int flags,
               int (*next)(int, const char*, struct stat*, int)) {
  if (path != nullptr && path[0] == '\0' && (flags & AT_EMPTY_PATH) != 0) {
    if (const uint16_t kind = fd_kind(dirfd); kind != 0 && t_guard == 0) {
      device_stat(kind, st);
      return 0;
    }
  }
  if (path != nullptr && path[0] == '/') {
    Resolved r = resolve(path);
    if (r.claim == Claim::kKfd || r.claim == Claim::kRender) {
      if (vkfd() == nullptr) {
        errno = ENOENT;
        return -1;
      }
      device_stat(kind_of(r), st);
      return 0;
    }
    if (r.claim == Claim::kFile) {
      const int rc = next(dirfd, r.path.c_str(), st, flags);
      if (rc != 0) report_missing(r, errno);
      return rc;
    }
  }
  return next(dirfd, path, st, flags);
}

/// Handles F_DUPFD / dup results: `newfd` now refers to what `oldfd` refers to.
void after_dup(int oldfd, int newfd) {
  if (newfd < 0) return;
  const uint16_t kind = fd_kind(oldfd);
  VirtualKfd* v = g_vkfd.load(std::memory_order_acquire);
  if (fd_kind(newfd) != 0 && v != nullptr) {  // dup2/dup3 replaced one of ours
    Guard guard;
    v->forget_fd(newfd);
    set_fd_kind(newfd, 0);
  }
  if (kind != 0 && v != nullptr) {
    Guard guard;
    if (v->adopt_dup(oldfd, newfd).ok()) set_fd_kind(newfd, kind);
  }
}

}  // namespace

// ---- exported hooks ----

extern "C" {

int open(const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return do_open(path, flags, mode, NEXT_T(int (*)(const char*, int, ...), open));
}

int open64(const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return do_open(path, flags, mode, NEXT_T(int (*)(const char*, int, ...), open64));
}

int __open_2(const char* path, int flags) {
  return do_open(path, flags, 0, NEXT_T(int (*)(const char*, int, ...), open));
}

int __open64_2(const char* path, int flags) {
  return do_open(path, flags, 0, NEXT_T(int (*)(const char*, int, ...), open64));
}

int openat(int dirfd, const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return do_openat(dirfd, path, flags, mode, NEXT_T(int (*)(int, const char*, int, ...), openat));
}

int openat64(int dirfd, const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return do_openat(dirfd, path, flags, mode, NEXT_T(int (*)(int, const char*, int, ...), openat64));
}

int __openat_2(int dirfd, const char* path, int flags) {
  return do_openat(dirfd, path, flags, 0, NEXT_T(int (*)(int, const char*, int, ...), openat));
}

int __openat64_2(int dirfd, const char* path, int flags) {
  return do_openat(dirfd, path, flags, 0, NEXT_T(int (*)(int, const char*, int, ...), openat64));
}

// fopen does not call the exported open: claimed files are opened here and wrapped.
static FILE* do_fopen(const char* path, const char* mode, FILE* (*next)(const char*, const char*)) {
  Resolved r = resolve(path);
  if (r.claim == Claim::kNone) return next(path, mode);
  if (r.claim == Claim::kFile) {
    FILE* f = next(r.path.c_str(), mode);
    if (f == nullptr) report_missing(r, errno);
    return f;
  }
  const bool plus = std::strchr(mode, '+') != nullptr;
  int flags = plus ? O_RDWR : (mode[0] == 'r' ? O_RDONLY : O_WRONLY);
  if (std::strchr(mode, 'e') != nullptr) flags |= O_CLOEXEC;
  const int fd = open_device(r, flags);
  if (fd < 0) return nullptr;
  FILE* f = fdopen(fd, mode);
  if (f == nullptr) close(fd);
  return f;
}

FILE* fopen(const char* path, const char* mode) {
  return do_fopen(path, mode, NEXT_T(FILE * (*)(const char*, const char*), fopen));
}

FILE* fopen64(const char* path, const char* mode) {
  return do_fopen(path, mode, NEXT_T(FILE * (*)(const char*, const char*), fopen64));
}

DIR* opendir(const char* path) {
  Resolved r = resolve(path);
  auto* next = NEXT_T(DIR * (*)(const char*), opendir);
  if (r.claim != Claim::kFile) return next(path);
  DIR* d = next(r.path.c_str());
  if (d == nullptr) report_missing(r, errno);
  return d;
}

using DirentFilter = int (*)(const struct dirent*);
using DirentCompare = int (*)(const struct dirent**, const struct dirent**);
int scandir(const char* path, struct dirent*** list, DirentFilter filter, DirentCompare compare) {
  Resolved r = resolve(path);
  auto* next = NEXT_T(int (*)(const char*, struct dirent***, DirentFilter, DirentCompare), scandir);
  return next(r.claim == Claim::kFile ? r.path.c_str() : path, list, filter, compare);
}

using Dirent64Filter = int (*)(const struct dirent64*);
using Dirent64Compare = int (*)(const struct dirent64**, const struct dirent64**);
int scandir64(const char* path, struct dirent64*** list, Dirent64Filter filter,
              Dirent64Compare compare) {
  Resolved r = resolve(path);
  auto* next =
      NEXT_T(int (*)(const char*, struct dirent64***, Dirent64Filter, Dirent64Compare), scandir64);
  return next(r.claim == Claim::kFile ? r.path.c_str() : path, list, filter, compare);
}

int stat(const char* path, struct stat* st) {
  return do_stat(path, st, NEXT_T(int (*)(const char*, struct stat*), stat));
}
int stat64(const char* path, struct stat64* st) {
  return do_stat(path, reinterpret_cast<struct stat*>(st),
                 NEXT_T(int (*)(const char*, struct stat*), stat64));
}
int lstat(const char* path, struct stat* st) {
  return do_stat(path, st, NEXT_T(int (*)(const char*, struct stat*), lstat));
}
int lstat64(const char* path, struct stat64* st) {
  return do_stat(path, reinterpret_cast<struct stat*>(st),
                 NEXT_T(int (*)(const char*, struct stat*), lstat64));
}
int fstat(int fd, struct stat* st) {
  return do_fstat(fd, st, NEXT_T(int (*)(int, struct stat*), fstat));
}
int fstat64(int fd, struct stat64* st) {
  return do_fstat(fd, reinterpret_cast<struct stat*>(st),
                  NEXT_T(int (*)(int, struct stat*), fstat64));
}
int fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  return do_fstatat(dirfd, path, st, flags,
                    NEXT_T(int (*)(int, const char*, struct stat*, int), fstatat));
}
int fstatat64(int dirfd, const char* path, struct stat64* st, int flags) {
  return do_fstatat(dirfd, path, reinterpret_cast<struct stat*>(st), flags,
                    NEXT_T(int (*)(int, const char*, struct stat*, int), fstatat64));
}

// Pre-2.33 glibc stat entry points, still used by binaries built against older glibc.
int __xstat(int ver, const char* path, struct stat* st) {
  Resolved r = resolve(path);
  if (r.claim == Claim::kKfd || r.claim == Claim::kRender) return do_stat(path, st, ::stat);
  return NEXT_T(int (*)(int, const char*, struct stat*), __xstat)(
      ver, r.claim == Claim::kFile ? r.path.c_str() : path, st);
}
int __xstat64(int ver, const char* path, struct stat64* st) {
  return __xstat(ver, path, reinterpret_cast<struct stat*>(st));
}
int __lxstat(int ver, const char* path, struct stat* st) {
  Resolved r = resolve(path);
  if (r.claim == Claim::kKfd || r.claim == Claim::kRender) return do_stat(path, st, ::lstat);
  return NEXT_T(int (*)(int, const char*, struct stat*), __lxstat)(
      ver, r.claim == Claim::kFile ? r.path.c_str() : path, st);
}
int __lxstat64(int ver, const char* path, struct stat64* st) {
  return __lxstat(ver, path, reinterpret_cast<struct stat*>(st));
}
int __fxstat(int ver, int fd, struct stat* st) {
  if (const uint16_t kind = fd_kind(fd); kind != 0 && t_guard == 0) {
    device_stat(kind, st);
    return 0;
  }
  return NEXT_T(int (*)(int, int, struct stat*), __fxstat)(ver, fd, st);
}
int __fxstat64(int ver, int fd, struct stat64* st) {
  return __fxstat(ver, fd, reinterpret_cast<struct stat*>(st));
}

int statx(int dirfd, const char* path, int flags, unsigned int mask, struct statx* stx) {
  auto* next = NEXT_T(int (*)(int, const char*, int, unsigned, struct statx*), statx);
  uint16_t kind = 0;
  if (path != nullptr && path[0] == '\0' && (flags & AT_EMPTY_PATH) != 0 && t_guard == 0) {
    kind = fd_kind(dirfd);
  }
  Resolved r;
  if (kind == 0 && path != nullptr && path[0] == '/') {
    r = resolve(path);
    if (r.claim == Claim::kKfd || r.claim == Claim::kRender) {
      if (vkfd() == nullptr) {
        errno = ENOENT;
        return -1;
      }
      kind = kind_of(r);
    }
  }
  if (kind != 0) {
    struct stat st;
    device_stat(kind, &st);
    std::memset(stx, 0, sizeof(*stx));
    stx->stx_mask = STATX_BASIC_STATS;
    stx->stx_mode = static_cast<uint16_t>(st.st_mode);
    stx->stx_nlink = 1;
    stx->stx_blksize = 4096;
    stx->stx_ino = st.st_ino;
    stx->stx_rdev_major = major(st.st_rdev);
    stx->stx_rdev_minor = minor(st.st_rdev);
    stx->stx_dev_minor = 5;
    return 0;
  }
  const int rc = next(dirfd, r.claim == Claim::kFile ? r.path.c_str() : path, flags, mask, stx);
  if (rc != 0 && r.claim == Claim::kFile) report_missing(r, errno);
  return rc;
}

int access(const char* path, int mode) {
  Resolved r = resolve(path);
  if (r.claim == Claim::kKfd || r.claim == Claim::kRender) {
    if (vkfd() == nullptr) {
      errno = ENOENT;
      return -1;
    }
    return 0;
  }
  const int rc = NEXT(access)(r.claim == Claim::kFile ? r.path.c_str() : path, mode);
  if (rc != 0 && r.claim == Claim::kFile) report_missing(r, errno);
  return rc;
}

int faccessat(int dirfd, const char* path, int mode, int flags) {
  if (path != nullptr && path[0] == '/') {
    Resolved r = resolve(path);
    if (r.claim == Claim::kKfd || r.claim == Claim::kRender) {
      if (vkfd() == nullptr) {
        errno = ENOENT;
        return -1;
      }
      return 0;
    }
    if (r.claim == Claim::kFile) return NEXT(faccessat)(dirfd, r.path.c_str(), mode, flags);
  }
  return NEXT(faccessat)(dirfd, path, mode, flags);
}

ssize_t readlink(const char* path, char* buf, size_t size) {
  Resolved r = resolve(path);
  return NEXT(readlink)(r.claim == Claim::kFile ? r.path.c_str() : path, buf, size);
}

ssize_t readlinkat(int dirfd, const char* path, char* buf, size_t size) {
  if (path != nullptr && path[0] == '/') {
    Resolved r = resolve(path);
    if (r.claim == Claim::kFile) return NEXT(readlinkat)(dirfd, r.path.c_str(), buf, size);
  }
  return NEXT(readlinkat)(dirfd, path, buf, size);
}

int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  const uint16_t kind = fd_kind(fd);
  VirtualKfd* v = g_vkfd.load(std::memory_order_acquire);
  if (kind == 0 || t_guard != 0 || v == nullptr) return NEXT(ioctl)(fd, request, arg);
  int err;
  {
    Guard guard;
    err = v->ioctl_errno(fd, request, arg);
  }
  if (config().log_ioctl) {
    Guard guard;
    std::string_view name = VirtualKfd::ioctl_name(request, kind != 1);
    std::string line =
        fmt::format("amdhal-exec: ioctl({} {}, {} 0x{:x}){} = {}\n", fd, fd_label(kind),
                    name.empty() ? std::string_view("unknown") : name, request,
                    err == 0 ? describe(kind, request, arg) : std::string(),
                    err == 0 ? std::string("0") : fmt::format("-1 {}", amdhal::errno_name(err)));
    std::fputs(line.c_str(), stderr);
  }
  if (err != 0) {
    errno = err;
    return -1;
  }
  return 0;
}

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  const uint16_t kind = (flags & MAP_ANONYMOUS) != 0 ? 0 : fd_kind(fd);
  VirtualKfd* v = g_vkfd.load(std::memory_order_acquire);
  if (kind == 0 || t_guard != 0 || v == nullptr) {
    return NEXT(mmap)(addr, length, prot, flags, fd, offset);
  }
  Guard guard;
  auto r = v->mmap(addr, length, prot, flags, fd, offset);
  if (config().log_ioctl) {
    std::fprintf(stderr, "amdhal-exec: mmap(%p, 0x%zx, prot %d, flags 0x%x, %d %s, 0x%llx) = %s\n",
                 addr, length, prot, flags, fd, fd_label(kind).c_str(),
                 static_cast<unsigned long long>(offset),
                 r.ok() ? fmt::format("{}", *r).c_str() : r.status().message().c_str());
  }
  if (!r.ok()) {
    errno = errno_of(r.status());
    return MAP_FAILED;
  }
  if (kind == 1 && (static_cast<uint64_t>(offset) >> 62) == 3) {
    std::lock_guard lock(g_map_mu);
    if (g_doorbells == nullptr) g_doorbells = new std::set<uintptr_t>;
    g_doorbells->insert(reinterpret_cast<uintptr_t>(*r));
  }
  return *r;
}

void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off64_t offset) {
  return mmap(addr, length, prot, flags, fd, offset);
}

int munmap(void* addr, size_t length) {
  VirtualKfd* v = g_vkfd.load(std::memory_order_acquire);
  if (v != nullptr && t_guard == 0) {
    bool doorbell = false;
    {
      std::lock_guard lock(g_map_mu);
      if (g_doorbells != nullptr) doorbell = g_doorbells->erase(reinterpret_cast<uintptr_t>(addr));
    }
    if (doorbell) {
      Guard guard;
      auto st = v->munmap(addr, length);
      if (!st.ok()) {
        errno = EINVAL;
        return -1;
      }
      return 0;
    }
  }
  return NEXT(munmap)(addr, length);
}

int close(int fd) {
  const uint16_t kind = fd_kind(fd);
  VirtualKfd* v = g_vkfd.load(std::memory_order_acquire);
  if (kind == 0 || t_guard != 0 || v == nullptr) return NEXT(close)(fd);
  set_fd_kind(fd, 0);
  Guard guard;
  auto st = v->close(fd);
  if (!st.ok()) {
    errno = EBADF;
    return -1;
  }
  return 0;
}

int dup(int oldfd) {
  const int fd = NEXT(dup)(oldfd);
  if (t_guard == 0) after_dup(oldfd, fd);
  return fd;
}

int dup2(int oldfd, int newfd) {
  const int fd = NEXT(dup2)(oldfd, newfd);
  if (t_guard == 0 && oldfd != newfd) after_dup(oldfd, fd);
  return fd;
}

int dup3(int oldfd, int newfd, int flags) {
  const int fd = NEXT(dup3)(oldfd, newfd, flags);
  if (t_guard == 0) after_dup(oldfd, fd);
  return fd;
}

static int do_fcntl(int fd, int cmd, va_list ap, int (*next)(int, int, ...)) {
  // Every fcntl command takes at most one argument, an int or a pointer.
  void* arg = va_arg(ap, void*);
  const int rc = next(fd, cmd, arg);
  if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && t_guard == 0) after_dup(fd, rc);
  return rc;
}

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const int rc = do_fcntl(fd, cmd, ap, NEXT_T(int (*)(int, int, ...), fcntl));
  va_end(ap);
  return rc;
}

int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const int rc = do_fcntl(fd, cmd, ap, NEXT_T(int (*)(int, int, ...), fcntl64));
  va_end(ap);
  return rc;
}

}  // extern "C"
