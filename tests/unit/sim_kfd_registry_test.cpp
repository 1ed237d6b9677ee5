// The kfd backend plugin, loaded through the registry, lists and opens simulated devices: "sim:"
// ids go through the virtual KFD, with no code in the backend knowing it is simulated below the
// port.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "amdhal/command_buffer.h"
#include "amdhal/registry.h"

namespace {

using namespace amdhal;  // NOLINT

std::shared_ptr<Backend> kfd_backend(std::unique_ptr<Registry>& registry) {
  RegistryOptions opts;
  opts.search_dirs = {AMDHAL_BINARY_DIR "/lib/amdhal"};
  opts.use_environment = false;
  registry = Registry::load(opts);
  auto b = registry->backend("kfd");
  EXPECT_TRUE(b.ok()) << b.status().to_string() << " (plugins: " << registry->backend_names()
                      << ")";
  return b.ok() ? *b : nullptr;
}

TEST(SimKfdRegistry, ListsAndOpensSimulatedDevices) {
  std::unique_ptr<Registry> registry;
  auto backend = kfd_backend(registry);
  ASSERT_TRUE(backend);
  auto devices = backend->enumerate();
  ASSERT_TRUE(devices.ok()) << devices.status().to_string();
  for (const char* id : {"sim:gfx942", "sim:gfx1100"}) {
    auto it = std::find_if(devices->begin(), devices->end(),
                           [&](const DeviceInfo& d) { return d.id == id; });
    ASSERT_NE(it, devices->end()) << id;
    EXPECT_TRUE(it->simulated);
    EXPECT_EQ(it->backend, "kfd");
    EXPECT_GT(it->compute_units, 0u);
  }

  auto d1 = backend->open("sim:gfx942x2#1");
  ASSERT_TRUE(d1.ok()) << d1.status().to_string();
  EXPECT_EQ((*d1)->info().id, "sim:gfx942x2#1");
  EXPECT_TRUE((*d1)->info().simulated);
  auto d0 = backend->open("sim:gfx942x2");  // device 0 of the same system, same process
  ASSERT_TRUE(d0.ok()) << d0.status().to_string();
  EXPECT_FALSE(backend->open("sim:gfx942x2#2").ok());
  EXPECT_FALSE(backend->open("sim:gfx9999").ok());

  auto src = (*d1)->alloc(4096, MemoryDomain::kGtt);
  auto dst = (*d0)->alloc(4096, MemoryDomain::kVram);
  auto q = (*d0)->create_queue(QueueKind::kSdma);
  auto s = (*d0)->create_signal(0);
  ASSERT_TRUE(src.ok() && dst.ok() && q.ok() && s.ok());
  std::memset((*src)->cpu_pointer(), 0x3C, 4096);
  CommandBuffer cb;
  ASSERT_TRUE(cb.copy({*dst, 0}, {*src, 0}, 4096).ok());
  ASSERT_TRUE(cb.signal(*s, 1).ok());
  ASSERT_TRUE((*q)->submit(cb).ok());
  ASSERT_TRUE((*s)->wait(1, std::chrono::seconds(5)).ok());
  EXPECT_EQ(static_cast<uint8_t*>((*dst)->cpu_pointer())[4095], 0x3C);
}

}  // namespace
