// VRAM range allocator of the bare-metal backend (am_memory.h).
#include "am_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace amdhal::am {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}

}  // namespace

VramAllocator::VramAllocator(uint64_t begin, uint64_t end) : begin_(begin), end_(end) {
  if (end > begin) free_[begin] = end - begin;
}

Expected<uint64_t> VramAllocator::allocate(uint64_t size, uint64_t alignment) {
  if (size == 0) return invalid_argument("am: VRAM allocation of 0 bytes");
  if (alignment < kPage || (alignment & (alignment - 1)) != 0) {
    return invalid_argument(
        fmt::format("am: VRAM alignment {} is not a power of two >= 4096", alignment));
  }
  if (size > end_ - begin_) {
    return resource_exhausted(
        fmt::format("am: {} bytes of VRAM requested; the heap [0x{:x}, 0x{:x}) holds {} bytes",
                    size, begin_, end_, end_ - begin_));
  }
  const uint64_t bytes = align_up(size, kPage);
  std::lock_guard lock(mu_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t start = align_up(it->first, alignment);
    const uint64_t range_end = it->first + it->second;
    if (start + bytes > range_end || start + bytes < start) continue;
    const uint64_t before = start - it->first;
    const uint64_t after = range_end - (start + bytes);
    const uint64_t range_start = it->first;
    free_.erase(it);
    if (before != 0) free_[range_start] = before;
    if (after != 0) free_[start + bytes] = after;
    used_[start] = bytes;
    return start;
  }
  uint64_t free_bytes = 0, largest = 0;
  for (const auto& [off, len] : free_) {
    free_bytes += len;
    largest = std::max(largest, len);
  }
  return resource_exhausted(
      fmt::format("am: out of VRAM: {} bytes requested, {} free (largest range {} bytes)", bytes,
                  free_bytes, largest));
}

void VramAllocator::free(uint64_t offset) {
  std::lock_guard lock(mu_);
  auto it = used_.find(offset);
  if (it == used_.end()) return;
  uint64_t start = offset, len = it->second;
  used_.erase(it);
  // Merge with the free neighbours.
  auto next = free_.lower_bound(start);
  if (next != free_.end() && next->first == start + len) {
    len += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      start = prev->first;
      len += prev->second;
      free_.erase(prev);
    }
  }
  free_[start] = len;
}

uint64_t VramAllocator::used_bytes() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [off, len] : used_) n += len;
  return n;
}

VramBlock& VramBlock::operator=(VramBlock&& o) noexcept {
  if (this != &o) {
    reset();
    allocator_ = std::move(o.allocator_);
    offset_ = o.offset_;
    size_ = o.size_;
    cpu_ = o.cpu_;
    o.allocator_.reset();
  }
  return *this;
}

void VramBlock::reset() {
  if (allocator_) allocator_->free(offset_);
  allocator_.reset();
}

Expected<void*> AmSystemBuffer::allocate_host(uint64_t size) {
  const uint64_t bytes = align_up(size, kPage);
  if (bytes < size) return invalid_argument("am: host allocation size wraps");
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    return resource_exhausted(
        fmt::format("am: mmap of {} bytes of host memory: {}", bytes, std::strerror(e)));
  }
  return p;
}

void AmSystemBuffer::free_host(void* host, uint64_t size) {
  if (host != nullptr) munmap(host, align_up(size, kPage));
}

AmSystemBuffer::~AmSystemBuffer() {
  if (unmap_ && !unmap_(gpu_va_).ok()) return;  // keep the pages: the GPU may still reach them
  free_host(host_, size_);
}

}  // namespace amdhal::am
