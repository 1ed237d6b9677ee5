// Queue buffer sizes of the kfd backend against the kernel's kfd_queue.c formula, worked by hand
// for the fixture nodes, and the queue type / priority numbers CREATE_QUEUE receives.
#include <linux/kfd_ioctl.h>

#include <gtest/gtest.h>

#include "amdhal/topology.h"
#include "kfd_queue.h"

namespace {

using amdhal::kfd::queue_memory_sizes;

const std::string kFixtures = AMDHAL_SOURCE_DIR "/tests/fixtures/topology/";

amdhal::TopologyNode gpu_node(const std::string& tree) {
  auto topo = amdhal::parse_topology(kFixtures + tree);
  EXPECT_TRUE(topo.ok()) << topo.status().to_string();
  return topo->gpu_nodes.front();
}

TEST(KfdQueueSizes, Gfx1100) {
  // cu 192/2 = 96; waves 96*32 = 3072; wg 96*(0x60000+0x4000+0x10000+0x1000);
  // ctl align(40 + 3072*12 + 8) = 0xA000; debug 3072*32.
  auto s = queue_memory_sizes(gpu_node("rdna3_desktop"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->eop_buffer_size, 4096u);
  EXPECT_EQ(s->ctl_stack_size, 0xA000u);
  EXPECT_EQ(s->cwsr_size, 0xA000u + 96u * 0x75000u);
  EXPECT_EQ(s->debug_memory_size, 3072u * 32u);
  EXPECT_EQ(s->num_xcc, 1u);
  EXPECT_EQ(s->cwsr_allocation, uint64_t{0xA000u + 96u * 0x75000u + 3072u * 32u});
}

TEST(KfdQueueSizes, Gfx942EightXcc) {
  // cu 1216/4/8 = 38; waves min(38*40, 32/1*512) = 1520; wg 38*(0x80000+0x4000+0x10000+0x1000);
  // ctl align(40 + 1520*8 + 8) = 0x3000; debug 1520*32; allocation ×8 XCCs, page-rounded.
  auto s = queue_memory_sizes(gpu_node("mi300x_8gpu"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->eop_buffer_size, 4096u);
  EXPECT_EQ(s->ctl_stack_size, 0x3000u);
  EXPECT_EQ(s->cwsr_size, 0x3000u + 38u * 0x95000u);
  EXPECT_EQ(s->debug_memory_size, 48640u);
  EXPECT_EQ(s->num_xcc, 8u);
  EXPECT_EQ(s->cwsr_allocation,
            (uint64_t{0x3000u + 38u * 0x95000u + 48640u} * 8 + 4095) / 4096 * 4096);
}

TEST(KfdQueueSizes, OldTargetsHaveNoSaveArea) {
  amdhal::TopologyNode node;
  node.properties.set("gfx_target_version", 70000);
  node.properties.set("simd_count", 32);
  node.properties.set("simd_per_cu", 4);
  auto s = queue_memory_sizes(node);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cwsr_allocation, 0u);
  EXPECT_EQ(s->eop_buffer_size, 0u);
}

TEST(KfdQueueSizes, MissingPropertiesAreDataLoss) {
  amdhal::TopologyNode node;
  node.properties.set("gfx_target_version", 90402);
  auto s = queue_memory_sizes(node);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), amdhal::StatusCode::kDataLoss);
  EXPECT_NE(s.status().message().find("simd_per_cu"), std::string::npos);
}

TEST(KfdQueueSizes, TypesAndPriorities) {
  using amdhal::QueueKind;
  using amdhal::QueuePriority;
  EXPECT_EQ(amdhal::kfd::kfd_queue_type(QueueKind::kCompute), uint32_t{KFD_IOC_QUEUE_TYPE_COMPUTE});
  EXPECT_EQ(amdhal::kfd::kfd_queue_type(QueueKind::kComputeAql),
            uint32_t{KFD_IOC_QUEUE_TYPE_COMPUTE_AQL});
  EXPECT_EQ(amdhal::kfd::kfd_queue_type(QueueKind::kSdma), uint32_t{KFD_IOC_QUEUE_TYPE_SDMA});
  EXPECT_EQ(amdhal::kfd::kfd_queue_type(QueueKind::kSdmaXgmi),
            uint32_t{KFD_IOC_QUEUE_TYPE_SDMA_XGMI});
  EXPECT_EQ(amdhal::kfd::kfd_queue_priority(QueuePriority::kLow), 0u);
  EXPECT_EQ(amdhal::kfd::kfd_queue_priority(QueuePriority::kNormal), 7u);
  EXPECT_EQ(amdhal::kfd::kfd_queue_priority(QueuePriority::kHigh), 15u);
}

}  // namespace
