// One source, four test plugins, chosen by a TEST_PLUGIN_* definition:
//   good        a backend "test-good" that reports no devices
//   bad_abi     exports a wrong ABI version (the loader must refuse it before calling anything)
//   no_factory  exports the ABI symbols but no factory
//   not_plugin  a shared library with no amdhal symbols at all
//   workload    a workload "test-workload" whose run() echoes its options and device count
#include <cstdint>

#include "amdhal/backend.h"
#include "amdhal/plugin_abi.h"

#if defined(TEST_PLUGIN_GOOD)
namespace {
class TestBackend final : public amdhal::Backend {
 public:
  std::string_view name() const override { return "test-good"; }
  std::string_view version() const override { return "9.9.9"; }
  std::string_view description() const override { return "loader test plugin"; }
  amdhal::Expected<std::vector<amdhal::DeviceInfo>> enumerate() override {
    return std::vector<amdhal::DeviceInfo>{};
  }
  amdhal::Expected<std::shared_ptr<amdhal::Device>> open(std::string_view id) override {
    return amdhal::not_found("test plugin has no devices");
  }
};
amdhal::Expected<std::shared_ptr<amdhal::Backend>> create(const amdhal::PluginHost& host) {
  return amdhal::adopt<amdhal::Backend>(std::make_unique<TestBackend>(), host.anchor);
}
}  // namespace
AMDHAL_BACKEND_PLUGIN(create)

#elif defined(TEST_PLUGIN_BAD_ABI)
namespace {
[[noreturn]] amdhal::Expected<std::shared_ptr<amdhal::Backend>> create(const amdhal::PluginHost&) {
  __builtin_trap();  // must never be called: the ABI check comes first
}
extern const std::uint32_t wrong_abi = amdhal::kPluginAbiVersion + 1000;
extern const std::uint32_t kind = 1;
}  // namespace
BOOST_DLL_ALIAS(wrong_abi, amdhal_plugin_abi_version)
BOOST_DLL_ALIAS(kind, amdhal_plugin_kind)
BOOST_DLL_ALIAS(create, amdhal_create_backend)

#elif defined(TEST_PLUGIN_NO_FACTORY)
namespace {
extern const std::uint32_t abi = amdhal::kPluginAbiVersion;
extern const std::uint32_t kind = 1;
}  // namespace
BOOST_DLL_ALIAS(abi, amdhal_plugin_abi_version)
BOOST_DLL_ALIAS(kind, amdhal_plugin_kind)

#elif defined(TEST_PLUGIN_WORKLOAD)
#include <cstdio>

#include "amdhal/workload.h"
namespace {
class TestWorkload final : public amdhal::Workload {
 public:
  std::string_view name() const override { return "test-workload"; }
  std::string_view version() const override { return "1.2.3"; }
  std::string_view summary() const override { return "loader test workload"; }
  std::vector<amdhal::WorkloadOption> options() const override {
    return {{"greeting", "what to say", "hello"}};
  }
  amdhal::Expected<amdhal::WorkloadReport> run(amdhal::WorkloadContext& ctx) override {
    if (ctx.progress) ctx.progress(1.0, "done");
    amdhal::WorkloadReport r;
    r.text = ctx.option("greeting", "hello") + "\n";
    // snprintf, not std::to_string: its digit table is a GNU_UNIQUE symbol, which would keep
    // the library loaded after dlclose and defeat the lifetime test.
    char json[64];
    std::snprintf(json, sizeof json, "{\"devices\":%zu}", ctx.devices.size());
    r.json = json;
    r.interrupted = ctx.stop_requested();
    return r;
  }
};
amdhal::Expected<std::shared_ptr<amdhal::Workload>> create(const amdhal::PluginHost& host) {
  return amdhal::adopt<amdhal::Workload>(std::make_unique<TestWorkload>(), host.anchor);
}
}  // namespace
AMDHAL_WORKLOAD_PLUGIN(create)

#elif defined(TEST_PLUGIN_NOT_PLUGIN)
extern "C" __attribute__((visibility("default"))) int amdhal_unrelated_symbol() {
  return 42;
}
#endif
