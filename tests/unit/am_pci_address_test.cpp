// PCI address parsing and printing used by --device and the bare-metal backend.
#include <gtest/gtest.h>

#include "pci_port.h"

namespace {

using amdhal::am::PciAddress;

TEST(PciAddress, ParsesFullAndShortForms) {
  auto a = PciAddress::parse("0000:03:00.0");
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->bus, 3);
  EXPECT_EQ(a->to_string(), "0000:03:00.0");
  auto b = PciAddress::parse("c1:1f.7");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->domain, 0u);
  EXPECT_EQ(b->bus, 0xc1);
  EXPECT_EQ(b->device, 0x1f);
  EXPECT_EQ(b->function, 7);
  EXPECT_EQ(b->to_string(), "0000:c1:1f.7");
  auto c = PciAddress::parse("0001:ff:00.1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->domain, 1u);
}

TEST(PciAddress, RejectsMalformedText) {
  for (const char* bad : {"", "03", "03:00", "03:00.8", "03:20.0", "100:00.0", "xx:00.0",
                          "0000:03:00.0.1", "03.00:0", "0000:03:00.", "10000:00:00.0"}) {
    auto a = PciAddress::parse(bad);
    EXPECT_FALSE(a.ok()) << bad;
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), amdhal::StatusCode::kInvalidArgument);
      EXPECT_NE(a.status().message().find("is not a PCI address"), std::string::npos);
    }
  }
}

}  // namespace
