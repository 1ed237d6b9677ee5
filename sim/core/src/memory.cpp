// PhysicalMemory, VmFault and the range-map side of AddressSpace, plus the data-access helpers
// the engines use. The page-table walker and TLB are in page_table.cpp.
#include "amdhal_sim/memory.h"

#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "memory_internal.h"

namespace amdhal::sim {

std::string_view access_name(Access a) {
  switch (a) {
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
    case Access::kExecute:
      return "execute";
  }
  return "access";
}

std::string VmFault::to_string() const {
  std::string who =
      engine.empty() ? fmt::format("vmid {}", vmid) : fmt::format("vmid {}, {}", vmid, engine);
  std::string_view what = access == Access::kRead    ? "read from"
                          : access == Access::kWrite ? "write to"
                                                     : "execute at";
  return fmt::format("VM fault: {} {:#x} ({}): {}", what, address, who, reason);
}

namespace detail {

bool host_accessible(uint64_t address, size_t len) {
  if (address == 0 || len == 0) return false;
  // process_vm_readv on our own pid reports EFAULT for unmapped or unreadable memory instead of
  // raising SIGSEGV, so a garbage system address in a page table is a fault, not a crash.
  uint8_t buffer[16];
  len = std::min(len, sizeof(buffer));
  iovec local{buffer, len};
  iovec remote{reinterpret_cast<void*>(address), len};
  ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
  return n == static_cast<ssize_t>(len);
}

uint32_t access_flag(Access a) {
  switch (a) {
    case Access::kRead:
      return kMapRead;
    case Access::kWrite:
      return kMapWrite;
    case Access::kExecute:
      return kMapExecute;
  }
  return kMapRead;
}

std::string permission_reason(Access a) {
  switch (a) {
    case Access::kRead:
      return "not readable";
    case Access::kWrite:
      return "not writable";
    case Access::kExecute:
      return "not executable";
  }
  return "not permitted";
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// PhysicalMemory

Expected<std::unique_ptr<PhysicalMemory>> PhysicalMemory::create(uint64_t vram_bytes) {
  if (vram_bytes == 0 || vram_bytes % gpuvm::kPageSize != 0) {
    return invalid_argument(
        fmt::format("VRAM size {} is not a non-zero multiple of 4 KiB", vram_bytes));
  }
  if (vram_bytes > (uint64_t{1} << 44)) {
    return invalid_argument(fmt::format("VRAM size {} exceeds the 16 TiB limit", vram_bytes));
  }
  void* p = mmap(nullptr, vram_bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return errno_status(errno, fmt::format("reserve {} bytes of simulated VRAM", vram_bytes));
  }
  return std::unique_ptr<PhysicalMemory>(new PhysicalMemory(static_cast<uint8_t*>(p), vram_bytes));
}

PhysicalMemory::~PhysicalMemory() {
  if (vram_ != nullptr) munmap(vram_, vram_size_);
}

uint8_t* PhysicalMemory::vram_at(uint64_t offset, uint64_t len) const {
  if (offset > vram_size_ || len > vram_size_ - offset) return nullptr;
  return vram_ + offset;
}

Expected<uint64_t> PhysicalMemory::vram_offset(const void* host) const {
  auto p = reinterpret_cast<uintptr_t>(host);
  auto base = reinterpret_cast<uintptr_t>(vram_);
  if (p < base || p - base >= vram_size_) {
    return out_of_range(fmt::format("host address {} is not in VRAM", host));
  }
  return static_cast<uint64_t>(p - base);
}

Expected<uint64_t> PhysicalMemory::read64(uint64_t address, bool system) const {
  const uint8_t* p = nullptr;
  if (system) {
    if (!detail::host_accessible(address, 8)) {
      return out_of_range(fmt::format("system address {:#x} is not accessible", address));
    }
    p = reinterpret_cast<const uint8_t*>(address);
  } else {
    p = vram_at(address, 8);
    if (p == nullptr) {
      return out_of_range(
          fmt::format("physical address {:#x} outside VRAM ({:#x} bytes)", address, vram_size_));
    }
  }
  if (reinterpret_cast<uintptr_t>(p) % 8 == 0) {
    return __atomic_load_n(reinterpret_cast<const uint64_t*>(p), __ATOMIC_ACQUIRE);
  }
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

Status PhysicalMemory::write64(uint64_t address, uint64_t value, bool system) const {
  uint8_t* p = nullptr;
  if (system) {
    if (!detail::host_accessible(address, 8)) {
      return out_of_range(fmt::format("system address {:#x} is not accessible", address));
    }
    p = reinterpret_cast<uint8_t*>(address);
  } else {
    p = vram_at(address, 8);
    if (p == nullptr) {
      return out_of_range(
          fmt::format("physical address {:#x} outside VRAM ({:#x} bytes)", address, vram_size_));
    }
  }
  if (reinterpret_cast<uintptr_t>(p) % 8 == 0) {
    __atomic_store_n(reinterpret_cast<uint64_t*>(p), value, __ATOMIC_RELEASE);
  } else {
    std::memcpy(p, &value, 8);
  }
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// AddressSpace: range map

AddressSpace::AddressSpace(uint32_t vmid, PhysicalMemory* physical)
    : vmid_(vmid), physical_(physical) {}

Status AddressSpace::fail(VmFault* fault, uint64_t va, Access access, std::string reason) const {
  Status status = aborted(
      fmt::format("VM fault: {} {:#x} (vmid {}): {}", access_name(access), va, vmid_, reason));
  if (fault != nullptr) {
    fault->address = va;
    fault->access = access;
    fault->vmid = vmid_;
    fault->reason = std::move(reason);
  }
  return status;
}

Status AddressSpace::map(uint64_t va, void* host, uint64_t size, uint32_t flags) {
  if (host == nullptr) {
    return invalid_argument(fmt::format("map {:#x}: null host pointer", va));
  }
  if (size == 0 || va % gpuvm::kPageSize != 0 || size % gpuvm::kPageSize != 0) {
    return invalid_argument(fmt::format(
        "map {:#x} size {:#x}: address and size must be non-zero multiples of 4 KiB", va, size));
  }
  if (va + size < va) {
    return invalid_argument(fmt::format("map {:#x} size {:#x}: range wraps around", va, size));
  }
  if ((flags & kMapAll) == 0 || (flags & ~uint32_t{kMapAll}) != 0) {
    return invalid_argument(fmt::format(
        "map {:#x}: flags {:#x} must be a non-empty set of read/write/execute", va, flags));
  }
  std::unique_lock lock(mutex_);
  auto next = ranges_.lower_bound(va);
  if (next != ranges_.end() && next->first < va + size) {
    return invalid_argument(fmt::format("map [{:#x}, {:#x}) overlaps mapping [{:#x}, {:#x})", va,
                                        va + size, next->first, next->first + next->second.size));
  }
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.size > va) {
      return invalid_argument(fmt::format("map [{:#x}, {:#x}) overlaps mapping [{:#x}, {:#x})", va,
                                          va + size, prev->first, prev->first + prev->second.size));
    }
  }
  ranges_.emplace(va, Range{size, static_cast<uint8_t*>(host), flags});
  return ok_status();
}

Status AddressSpace::unmap(uint64_t va, uint64_t size) {
  uint64_t end = va + size < va ? std::numeric_limits<uint64_t>::max() : va + size;
  std::unique_lock lock(mutex_);
  auto first = ranges_.lower_bound(va);
  if (first != ranges_.begin()) {
    auto prev = std::prev(first);
    if (prev->first + prev->second.size > va) {
      return invalid_argument(fmt::format("unmap [{:#x}, {:#x}) would split mapping [{:#x}, {:#x})",
                                          va, end, prev->first, prev->first + prev->second.size));
    }
  }
  auto last = first;
  while (last != ranges_.end() && last->first < end) {
    if (last->first + last->second.size > end) {
      return invalid_argument(fmt::format("unmap [{:#x}, {:#x}) would split mapping [{:#x}, {:#x})",
                                          va, end, last->first, last->first + last->second.size));
    }
    ++last;
  }
  if (first == last) {
    return not_found(
        fmt::format("unmap [{:#x}, {:#x}): nothing mapped there (vmid {})", va, end, vmid_));
  }
  ranges_.erase(first, last);
  return ok_status();
}

std::vector<AddressSpace::Mapping> AddressSpace::mappings() const {
  std::shared_lock lock(mutex_);
  std::vector<Mapping> out;
  out.reserve(ranges_.size());
  for (const auto& [va, r] : ranges_) out.push_back(Mapping{va, r.size, r.host, r.flags});
  return out;
}

Expected<uint8_t*> AddressSpace::run_range_map(uint64_t va, uint64_t max_len, Access access,
                                               uint64_t* run_len, VmFault* fault) const {
  auto it = ranges_.upper_bound(va);
  if (it == ranges_.begin()) return fail(fault, va, access, "unmapped");
  --it;
  if (va - it->first >= it->second.size) return fail(fault, va, access, "unmapped");
  const uint32_t need = detail::access_flag(access);
  if ((it->second.flags & need) == 0)
    return fail(fault, va, access, detail::permission_reason(access));
  uint8_t* host = it->second.host + (va - it->first);
  uint64_t run = std::min(max_len, it->second.size - (va - it->first));
  // Adjacent mappings whose host memory continues where this one ends extend the run.
  while (run < max_len) {
    uint64_t end_va = it->first + it->second.size;
    uint8_t* end_host = it->second.host + it->second.size;
    auto next = std::next(it);
    if (next == ranges_.end() || next->first != end_va || next->second.host != end_host ||
        (next->second.flags & need) == 0) {
      break;
    }
    it = next;
    run = std::min(max_len, run + it->second.size);
  }
  *run_len = run;
  return host;
}

Expected<uint8_t*> AddressSpace::translate_run(uint64_t va, uint64_t max_len, Access access,
                                               uint64_t* run_len, VmFault* fault) const {
  if (max_len == 0) {
    return invalid_argument(fmt::format("translate_run {:#x}: zero length", va));
  }
  if (run_len == nullptr) {
    return invalid_argument("translate_run: null run_len");
  }
  // Do not walk past the end of the 64-bit address space (room == 0 means all 2^64 bytes).
  const uint64_t room = uint64_t{0} - va;
  if (room != 0) max_len = std::min(max_len, room);
  std::shared_lock lock(mutex_);
  if (page_table_mode_) return run_page_table(va, max_len, access, run_len, fault);
  return run_range_map(va, max_len, access, run_len, fault);
}

Expected<uint8_t*> AddressSpace::translate(uint64_t va, uint64_t len, Access access,
                                           VmFault* fault) const {
  if (len == 0) len = 1;
  if (va + len < va && va + len != 0) {
    return fail(fault, va, access, "range wraps around the address space");
  }
  uint64_t run = 0;
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate_run(va, len, access, &run, fault));
  if (run >= len) return host;
  // The run stopped early: either the next byte faults (report that) or the range continues in
  // memory that is not host-contiguous with the start.
  uint64_t next_run = 0;
  auto next = translate_run(va + run, len - run, access, &next_run, fault);
  if (!next.ok()) return next.status();
  return fail(fault, va + run, access,
              fmt::format("range [{:#x}, {:#x}) not host-contiguous", va, va + len));
}

// ---------------------------------------------------------------------------------------------
// Data access

Status AddressSpace::read(uint64_t va, void* dst, uint64_t len, VmFault* fault) const {
  auto* out = static_cast<uint8_t*>(dst);
  while (len > 0) {
    uint64_t run = 0;
    AMDHAL_ASSIGN_OR_RETURN(const uint8_t* src, translate_run(va, len, Access::kRead, &run, fault));
    std::memcpy(out, src, run);
    out += run;
    va += run;
    len -= run;
  }
  return ok_status();
}

Status AddressSpace::write(uint64_t va, const void* src, uint64_t len, VmFault* fault) const {
  const auto* in = static_cast<const uint8_t*>(src);
  while (len > 0) {
    uint64_t run = 0;
    AMDHAL_ASSIGN_OR_RETURN(uint8_t * dst, translate_run(va, len, Access::kWrite, &run, fault));
    std::memcpy(dst, in, run);
    in += run;
    va += run;
    len -= run;
  }
  return ok_status();
}

namespace {

template <typename T>
bool aligned(const uint8_t* p) {
  return reinterpret_cast<uintptr_t>(p) % sizeof(T) == 0;
}

}  // namespace

template <typename T>
Expected<T> AddressSpace::load(uint64_t va, VmFault* fault) const {
  uint64_t run = 0;
  AMDHAL_ASSIGN_OR_RETURN(const uint8_t* host,
                          translate_run(va, sizeof(T), Access::kRead, &run, fault));
  T v{};
  if (run < sizeof(T)) {
    // The value straddles memory that is not host-contiguous: gather it byte run by byte run.
    AMDHAL_RETURN_IF_ERROR(read(va, &v, sizeof(T), fault));
  } else if (aligned<T>(host)) {
    v = __atomic_load_n(reinterpret_cast<const T*>(host), __ATOMIC_ACQUIRE);
  } else {
    std::memcpy(&v, host, sizeof(T));
  }
  return v;
}

template <typename T>
Status AddressSpace::store(uint64_t va, T value, VmFault* fault) const {
  uint64_t run = 0;
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host,
                          translate_run(va, sizeof(T), Access::kWrite, &run, fault));
  if (run < sizeof(T)) return write(va, &value, sizeof(T), fault);
  if (aligned<T>(host)) {
    __atomic_store_n(reinterpret_cast<T*>(host), value, __ATOMIC_RELEASE);
  } else {
    std::memcpy(host, &value, sizeof(T));
  }
  return ok_status();
}

Expected<uint32_t> AddressSpace::read32(uint64_t va, VmFault* fault) const {
  return load<uint32_t>(va, fault);
}
Expected<uint64_t> AddressSpace::read64(uint64_t va, VmFault* fault) const {
  return load<uint64_t>(va, fault);
}
Status AddressSpace::write32(uint64_t va, uint32_t value, VmFault* fault) const {
  return store<uint32_t>(va, value, fault);
}
Status AddressSpace::write64(uint64_t va, uint64_t value, VmFault* fault) const {
  return store<uint64_t>(va, value, fault);
}

Expected<uint8_t*> AddressSpace::translate_aligned(uint64_t va, uint64_t size, bool write,
                                                   VmFault* fault) const {
  if (va % size != 0) {
    return invalid_argument(
        fmt::format("{}-bit atomic at {:#x} is not naturally aligned", size * 8, va));
  }
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate(va, size, Access::kRead, fault));
  if (write) {
    AMDHAL_ASSIGN_OR_RETURN(host, translate(va, size, Access::kWrite, fault));
  }
  if (reinterpret_cast<uintptr_t>(host) % size != 0) {
    return invalid_argument(fmt::format(
        "{}-bit atomic at {:#x}: host memory behind it is not naturally aligned", size * 8, va));
  }
  return host;
}

Expected<uint32_t> AddressSpace::atomic_add32(uint64_t va, uint32_t value, VmFault* fault) const {
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate_aligned(va, 4, true, fault));
  return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(host)).fetch_add(value);
}

Expected<uint64_t> AddressSpace::atomic_add64(uint64_t va, uint64_t value, VmFault* fault) const {
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate_aligned(va, 8, true, fault));
  return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(host)).fetch_add(value);
}

Expected<uint32_t> AddressSpace::atomic_cmpswap32(uint64_t va, uint32_t expected, uint32_t desired,
                                                  VmFault* fault) const {
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate_aligned(va, 4, true, fault));
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(host))
      .compare_exchange_strong(expected, desired);
  return expected;  // the value seen before the operation
}

Expected<uint64_t> AddressSpace::atomic_cmpswap64(uint64_t va, uint64_t expected, uint64_t desired,
                                                  VmFault* fault) const {
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate_aligned(va, 8, true, fault));
  std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(host))
      .compare_exchange_strong(expected, desired);
  return expected;
}

Expected<uint64_t> AddressSpace::atomic_swap64(uint64_t va, uint64_t value, VmFault* fault) const {
  AMDHAL_ASSIGN_OR_RETURN(uint8_t * host, translate_aligned(va, 8, true, fault));
  return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(host)).exchange(value);
}

}  // namespace amdhal::sim
