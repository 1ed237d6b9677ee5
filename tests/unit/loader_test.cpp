// Plugin loader: good, wrong-ABI, factory-less, non-plugin and corrupt libraries; search path
// handling; library lifetime.
#include <dlfcn.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "amdhal/registry.h"

namespace fs = std::filesystem;
using amdhal::PluginRecord;
using amdhal::Registry;
using amdhal::RegistryOptions;

#ifndef AMDHAL_TEST_PLUGIN_DIR
#define AMDHAL_TEST_PLUGIN_DIR AMDHAL_BINARY_DIR "/tests/plugins"
#endif

namespace {

const std::string kPluginDir = AMDHAL_TEST_PLUGIN_DIR;

std::string plugin_path(const std::string& variant) {
  return kPluginDir + "/libamdhal-testplugin-" + variant + ".so";
}

const PluginRecord* find_record(const Registry& r, const std::string& file) {
  for (const auto& rec : r.plugins()) {
    if (fs::path(rec.library).filename() == file) return &rec;
  }
  return nullptr;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/amdhal-loader-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::unique_ptr<Registry> load_dirs(std::vector<std::string> dirs) {
  RegistryOptions opts;
  opts.search_dirs = std::move(dirs);
  opts.use_environment = false;
  return Registry::load(opts);
}

TEST(Loader, GoodPluginLoads) {
  auto reg = load_dirs({kPluginDir});
  const PluginRecord* good = find_record(*reg, "libamdhal-testplugin-good.so");
  ASSERT_NE(good, nullptr);
  EXPECT_TRUE(good->loaded);
  EXPECT_EQ(good->name, "test-good");
  EXPECT_EQ(good->version, "9.9.9");
  EXPECT_EQ(good->kind, "backend");
  EXPECT_EQ(good->status, "loaded");
  ASSERT_EQ(reg->backends().size(), 1u);
  EXPECT_EQ(reg->backends()[0]->name(), "test-good");
  auto devices = reg->backends()[0]->enumerate();
  ASSERT_TRUE(devices.ok());
  EXPECT_TRUE(devices->empty());
}

TEST(Loader, WrongAbiIsRefusedWithReason) {
  auto reg = load_dirs({kPluginDir});
  const PluginRecord* bad = find_record(*reg, "libamdhal-testplugin-bad-abi.so");
  ASSERT_NE(bad, nullptr);
  EXPECT_FALSE(bad->loaded);
  EXPECT_NE(bad->status.find("plugin ABI version 1001, this build expects 1"), std::string::npos)
      << bad->status;
}

TEST(Loader, MissingFactoryIsRefused) {
  auto reg = load_dirs({kPluginDir});
  const PluginRecord* rec = find_record(*reg, "libamdhal-testplugin-no-factory.so");
  ASSERT_NE(rec, nullptr);
  EXPECT_FALSE(rec->loaded);
  EXPECT_EQ(rec->status, "backend factory symbol amdhal_create_backend missing");
}

TEST(Loader, LibraryWithoutAbiSymbolIsRefused) {
  auto reg = load_dirs({kPluginDir});
  const PluginRecord* rec = find_record(*reg, "libamdhal-testplugin-not-plugin.so");
  ASSERT_NE(rec, nullptr);
  EXPECT_FALSE(rec->loaded);
  EXPECT_EQ(rec->status, "not an amdhal plugin: symbol amdhal_plugin_abi_version missing");
}

TEST(Loader, CorruptFileIsRefusedAndOthersStillLoad) {
  TempDir dir;
  std::ofstream(dir.path() / "libamdhal-corrupt.so") << "this is not an ELF file\n";
  fs::copy_file(plugin_path("good"), dir.path() / "libamdhal-good-copy.so");
  auto reg = load_dirs({dir.path().string()});
  const PluginRecord* rec = find_record(*reg, "libamdhal-corrupt.so");
  ASSERT_NE(rec, nullptr);
  EXPECT_FALSE(rec->loaded);
  EXPECT_EQ(rec->status.rfind("cannot load: ", 0), 0u) << rec->status;
  EXPECT_NE(rec->status.find("libamdhal-corrupt.so"), std::string::npos) << rec->status;
  ASSERT_EQ(reg->backends().size(), 1u);
  EXPECT_EQ(reg->backends()[0]->name(), "test-good");
}

TEST(Loader, FilesNotNamedLikePluginsAreIgnored) {
  TempDir dir;
  fs::copy_file(plugin_path("good"), dir.path() / "libother.so");
  std::ofstream(dir.path() / "README") << "x";
  auto reg = load_dirs({dir.path().string()});
  EXPECT_TRUE(reg->plugins().empty());
}

TEST(Loader, DuplicateBackendNameIsRefused) {
  TempDir dir;
  fs::copy_file(plugin_path("good"), dir.path() / "libamdhal-good-copy.so");
  auto reg = load_dirs({kPluginDir, dir.path().string()});
  const PluginRecord* dup = find_record(*reg, "libamdhal-good-copy.so");
  ASSERT_NE(dup, nullptr);
  EXPECT_FALSE(dup->loaded);
  EXPECT_NE(
      dup->status.find("duplicate backend 'test-good', already loaded from " + plugin_path("good")),
      std::string::npos)
      << dup->status;
  EXPECT_EQ(reg->backends().size(), 1u);
}

TEST(Loader, EnvironmentEntryThatDoesNotExistIsReported) {
  ScopedEnv env("AMDHAL_PLUGIN_PATH", "/nonexistent/amdhal-plugins:" + plugin_path("good"));
  RegistryOptions opts;
  opts.search_dirs = {"/nonexistent/builtin-dir"};  // a missing built-in dir is not an error
  auto reg = Registry::load(opts);
  ASSERT_EQ(reg->plugins().size(), 2u);
  EXPECT_EQ(reg->plugins()[0].library, "/nonexistent/amdhal-plugins");
  EXPECT_EQ(reg->plugins()[0].status, "AMDHAL_PLUGIN_PATH entry does not exist");
  EXPECT_FALSE(reg->plugins()[0].loaded);
  EXPECT_TRUE(reg->plugins()[1].loaded);
  EXPECT_EQ(reg->plugins()[1].name, "test-good");
}

TEST(Loader, EnvironmentIsIgnoredWhenDisabled) {
  ScopedEnv env("AMDHAL_PLUGIN_PATH", plugin_path("good"));
  auto reg = load_dirs({"/nonexistent/builtin-dir"});
  EXPECT_TRUE(reg->plugins().empty());
}

TEST(Loader, UnknownBackendListsAvailable) {
  auto reg = load_dirs({kPluginDir});
  auto b = reg->backend("nope");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), amdhal::StatusCode::kNotFound);
  EXPECT_EQ(b.status().message(), "unknown backend 'nope' (available: test-good)");
}

bool library_is_loaded(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) return false;
  dlclose(h);
  return true;
}

TEST(Loader, LibraryStaysLoadedWhileItsObjectsLive) {
  const std::string path = fs::weakly_canonical(plugin_path("good")).string();
  ASSERT_FALSE(library_is_loaded(path));
  std::shared_ptr<amdhal::Backend> backend;
  {
    auto reg = load_dirs({kPluginDir});
    backend = reg->backend("test-good").value();
    EXPECT_TRUE(library_is_loaded(path));
  }
  // The registry is gone; the backend it made still works and keeps its library loaded.
  EXPECT_TRUE(library_is_loaded(path));
  EXPECT_EQ(backend->name(), "test-good");
  backend.reset();
  EXPECT_FALSE(library_is_loaded(path));
}

TEST(Loader, DefaultSearchFindsKfdAndAmInSeparateLibraries) {
  RegistryOptions opts;
  opts.use_environment = false;
  auto reg = Registry::load(opts);
  std::string kfd_lib, am_lib;
  for (const auto& r : reg->plugins()) {
    if (r.loaded && r.name == "kfd") kfd_lib = r.library;
    if (r.loaded && r.name == "am") am_lib = r.library;
  }
  EXPECT_EQ(fs::path(kfd_lib).filename(), "libamdhal-backend-kfd.so");
  EXPECT_EQ(fs::path(am_lib).filename(), "libamdhal-backend-am.so");
}

TEST(Loader, WorkloadPluginLoadsAndRuns) {
  const std::string path = fs::weakly_canonical(plugin_path("workload")).string();
  std::shared_ptr<amdhal::Workload> workload;
  {
    auto reg = load_dirs({kPluginDir});
    const PluginRecord* rec = find_record(*reg, "libamdhal-testplugin-workload.so");
    ASSERT_NE(rec, nullptr);
    EXPECT_TRUE(rec->loaded) << rec->status;
    EXPECT_EQ(rec->kind, "workload");
    EXPECT_EQ(rec->name, "test-workload");
    EXPECT_EQ(rec->version, "1.2.3");
    EXPECT_EQ(reg->backends().size(), 1u);  // a workload is not a backend
    ASSERT_EQ(reg->workloads().size(), 1u);
    auto missing = reg->workload("nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.status().message().find("test-workload"), std::string::npos);
    workload = reg->workload("test-workload").value();
  }
  EXPECT_TRUE(library_is_loaded(path));  // the workload keeps its library loaded
  ASSERT_EQ(workload->options().size(), 1u);
  std::atomic<bool> stop{true};
  amdhal::WorkloadContext ctx;
  ctx.options["greeting"] = "hi";
  ctx.stop = &stop;
  std::string progress;
  ctx.progress = [&](double, std::string_view line) { progress = line; };
  auto report = workload->run(ctx);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->text, "hi\n");
  EXPECT_EQ(report->json, "{\"devices\":0}");
  EXPECT_TRUE(report->interrupted);
  EXPECT_EQ(progress, "done");
  workload.reset();
  EXPECT_FALSE(library_is_loaded(path));
}

}  // namespace
