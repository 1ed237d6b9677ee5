// Test helpers of the ISA interpreter tests: locating the compiled kernel corpus and running a
// corpus kernel directly on the interpreter (no queue engines): buffers are host memory mapped
// into a VMID of a simulated device, the code object image is copied there, kernargs are packed
// with amdhal::pack_kernargs and an AQL dispatch packet is written for kernels that read it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "amdhal/code_object.h"
#include "amdhal/packets/aql.h"
#include "amdhal_sim/device.h"
#include "amdhal_sim_isa/isa.h"

namespace amdhal::sim::isa::testing {

inline std::string kernel_dir() {
#ifdef AMDHAL_KERNEL_DIR
  return AMDHAL_KERNEL_DIR;
#else
  return std::string(AMDHAL_BINARY_DIR) + "/tests/kernels";
#endif
}

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

/// Page-aligned host memory that stays mapped in a VMID while alive.
struct HostBuffer {
  uint64_t va = 0;
  size_t size = 0;
  uint8_t* host = nullptr;
  HostBuffer() = default;
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  ~HostBuffer() { std::free(host); }
  template <typename T>
  T* as() {
    return reinterpret_cast<T*>(host);
  }
};

/// A simulated gfx942 device plus an interpreter, with a bump allocator of GPU VAs in vmid 1.
class KernelRunner {
 public:
  explicit KernelRunner(std::string_view target = "gfx942", uint32_t threads = 0) {
    auto sys = System::from_spec(std::string("sim:") + std::string(target));
    EXPECT_TRUE(sys.ok()) << sys.status().to_string();
    if (!sys.ok()) return;
    system_ = std::move(sys).value();
    ExecutorOptions options;
    options.threads = threads;
    auto ex = make_isa_executor(system_->device(0).family(), options);
    EXPECT_TRUE(ex.ok()) << ex.status().to_string();
    if (ex.ok()) executor_ = *ex;
  }
  bool ok() const { return system_ && executor_; }
  Device& device() { return system_->device(0); }
  IsaExecutor& executor() { return *executor_; }
  static constexpr uint32_t kVmid = 1;
  /// What run() passes as the queue ptr and dispatch id user SGPRs (an AQL engine's values).
  uint64_t queue_address = 0;
  uint64_t dispatch_id = 0;
  /// GPU VA of the AQL packet of the last run() (0 before the first).
  uint64_t packet_address() const { return packet_ ? packet_->va : 0; }

  /// Maps `size` bytes (rounded up to pages) of zeroed host memory at a fresh VA.
  std::unique_ptr<HostBuffer> alloc(size_t size, uint32_t flags = kMapReadWrite) {
    auto b = std::make_unique<HostBuffer>();
    b->size = (std::max<size_t>(size, 1) + 4095) & ~size_t{4095};
    b->host = static_cast<uint8_t*>(std::aligned_alloc(4096, b->size));
    std::memset(b->host, 0, b->size);
    b->va = next_va_;
    next_va_ += b->size + (1u << 20);  // a guard gap between buffers
    Status st = device().vm(kVmid).map(b->va, b->host, b->size, flags);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return b;
  }
  template <typename T>
  std::unique_ptr<HostBuffer> upload(const std::vector<T>& data) {
    auto b = alloc(data.size() * sizeof(T));
    std::memcpy(b->host, data.data(), data.size() * sizeof(T));
    return b;
  }

  /// Loads `file` (a corpus code object) and copies its image to GPU memory.
  bool load(const std::string& file) {
    bytes_ = read_file(kernel_dir() + "/" + file);
    if (bytes_.empty()) {
      ADD_FAILURE() << "cannot read " << kernel_dir() << "/" << file;
      return false;
    }
    auto co = CodeObject::load(bytes_);
    if (!co.ok()) {
      ADD_FAILURE() << co.status().to_string();
      return false;
    }
    code_object_ = std::make_unique<CodeObject>(std::move(co).value());
    image_ = alloc(code_object_->image_size(), kMapAll);
    Status st = code_object_->copy_image(std::span<uint8_t>(image_->host, image_->size));
    EXPECT_TRUE(st.ok()) << st.to_string();
    return st.ok();
  }
  const CodeObject& code_object() const { return *code_object_; }
  const KernelInfo& kernel(size_t i = 0) const { return code_object_->kernels()[i]; }

  /// Packs `args`, writes the AQL packet, runs the first kernel of the code object.
  Status run(std::span<const ArgValue> args, std::array<uint32_t, 3> grid,
             std::array<uint32_t, 3> workgroup) {
    const KernelInfo& k = kernel();
    DispatchConfig cfg;
    cfg.grid = grid;
    cfg.workgroup = workgroup;
    auto kernargs = pack_kernargs(k, args, cfg);
    if (!kernargs.ok()) return kernargs.status();
    kernarg_ = alloc(kernargs->bytes.size());
    std::memcpy(kernarg_->host, kernargs->bytes.data(), kernargs->bytes.size());
    packet_ = alloc(64);
    packets::AqlKernelDispatchPacket p{};
    p.setup = static_cast<uint16_t>(grid[2] > 1 || workgroup[2] > 1   ? 3
                                    : grid[1] > 1 || workgroup[1] > 1 ? 2
                                                                      : 1);
    p.workgroup_size_x = static_cast<uint16_t>(workgroup[0]);
    p.workgroup_size_y = static_cast<uint16_t>(workgroup[1]);
    p.workgroup_size_z = static_cast<uint16_t>(workgroup[2]);
    p.grid_size_x = grid[0];
    p.grid_size_y = grid[1];
    p.grid_size_z = grid[2];
    p.private_segment_size = k.private_segment_fixed_size;
    p.group_segment_size = k.group_segment_fixed_size;
    p.kernel_object = image_->va + k.descriptor_address;
    p.kernarg_address = kernarg_->va;
    std::memcpy(packet_->host, &p, sizeof(p));

    KernelExecutor::Dispatch d;
    d.vmid = kVmid;
    d.kernel_descriptor_address = p.kernel_object;
    d.kernarg_address = kernarg_->va;
    d.dispatch_packet_address = packet_->va;
    d.queue_address = queue_address;
    d.dispatch_id = dispatch_id;
    for (int i = 0; i < 3; ++i) {
      d.grid[i] = grid[i];
      d.workgroup[i] = workgroup[i];
    }
    d.group_segment_bytes = k.group_segment_fixed_size;
    d.private_segment_bytes = k.private_segment_fixed_size;
    d.pgm_rsrc1 = k.descriptor.compute_pgm_rsrc1;
    d.pgm_rsrc2 = k.descriptor.compute_pgm_rsrc2;
    d.pgm_rsrc3 = k.descriptor.compute_pgm_rsrc3;
    d.code_address = image_->va + k.code_address;
    return executor_->run(device(), d);
  }

 private:
  std::unique_ptr<System> system_;
  std::shared_ptr<IsaExecutor> executor_;
  std::vector<uint8_t> bytes_;
  std::unique_ptr<CodeObject> code_object_;
  std::unique_ptr<HostBuffer> image_, kernarg_, packet_;
  uint64_t next_va_ = 0x100000000ull;
};

}  // namespace amdhal::sim::isa::testing
