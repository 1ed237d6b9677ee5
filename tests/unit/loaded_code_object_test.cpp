// Device::load_code_object: target check, image copied into device memory, kernels addressed
// inside it.
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

#include "amdhal/device.h"
#include "amdhal/loaded_code_object.h"

namespace amdhal {
namespace {

std::vector<uint8_t> read_kernel(const std::string& name) {
  std::ifstream in(std::string(AMDHAL_KERNEL_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Host memory standing in for device memory, with a GPU address equal to the host address.
class HostBuffer final : public Buffer {
 public:
  explicit HostBuffer(uint64_t size) : bytes_(size + 4096) {
    base_ = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(bytes_.data()) + 4095) &
                                       ~uintptr_t{4095});
    size_ = size;
  }
  uint64_t size() const override { return size_; }
  MemoryDomain domain() const override { return MemoryDomain::kVram; }
  uint64_t gpu_address() const override { return reinterpret_cast<uint64_t>(base_); }
  void* cpu_pointer() const override { return visible_ ? base_ : nullptr; }
  bool visible_ = true;

 private:
  std::vector<uint8_t> bytes_;
  uint8_t* base_;
  uint64_t size_;
};

class HostDevice final : public Device {
 public:
  explicit HostDevice(std::string target) { info_.target = std::move(target); }
  const DeviceInfo& info() const override { return info_; }
  Expected<std::shared_ptr<Buffer>> alloc(uint64_t size, MemoryDomain, AllocFlags) override {
    auto b = std::make_shared<HostBuffer>(size);
    b->visible_ = cpu_visible_;
    last_ = b;
    return std::shared_ptr<Buffer>(b);
  }
  Expected<std::shared_ptr<Queue>> create_queue(QueueKind, QueuePriority) override {
    return unimplemented("no queues");
  }
  Expected<std::shared_ptr<Signal>> create_signal(uint64_t) override {
    return unimplemented("no signals");
  }
  bool cpu_visible_ = true;
  std::shared_ptr<HostBuffer> last_;

 private:
  DeviceInfo info_;
};

TEST(LoadedCodeObject, CopiesImageAndAddressesKernels) {
  const auto bytes = read_kernel("vector_add-gfx942.hsaco");
  ASSERT_FALSE(bytes.empty());
  HostDevice dev("gfx942");
  auto loaded = dev.load_code_object(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const auto& image = (*loaded)->image();
  auto k = (*loaded)->kernel("vector_add");
  ASSERT_TRUE(k.ok()) << k.status().to_string();
  const KernelInfo& info = (*k)->info();
  EXPECT_EQ((*k)->descriptor_address(), image->gpu_address() + info.descriptor_address);
  EXPECT_EQ((*k)->code_address() % 256, 0u);
  // The descriptor in device memory is the one the metadata describes.
  KernelDescriptor in_memory;
  std::memcpy(&in_memory, static_cast<uint8_t*>(image->cpu_pointer()) + info.descriptor_address,
              sizeof(in_memory));
  EXPECT_EQ(std::memcmp(&in_memory, &info.descriptor, sizeof(in_memory)), 0);
  EXPECT_EQ(in_memory.kernarg_size, info.kernarg_segment_size);
}

TEST(LoadedCodeObject, UnknownKernelListsTheKernels) {
  HostDevice dev("gfx942");
  auto loaded = dev.load_code_object(read_kernel("saxpy-gfx942.hsaco"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  auto k = (*loaded)->kernel("nope");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().message(), "no kernel 'nope' in the code object (it has: saxpy)");
}

TEST(LoadedCodeObject, WrongTargetNamesBoth) {
  HostDevice dev("gfx942");
  auto loaded = dev.load_code_object(read_kernel("vector_add-gfx1100.hsaco"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("gfx1100"), std::string::npos);
  EXPECT_NE(loaded.status().message().find("gfx942"), std::string::npos);
  EXPECT_EQ(dev.last_, nullptr);  // nothing allocated
}

TEST(LoadedCodeObject, MalformedBytesAndHiddenMemoryAreErrors) {
  HostDevice dev("gfx942");
  const std::vector<uint8_t> junk = {1, 2, 3};
  EXPECT_FALSE(dev.load_code_object(junk).ok());
  dev.cpu_visible_ = false;
  auto loaded = dev.load_code_object(read_kernel("vector_add-gfx942.hsaco"));
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace amdhal
