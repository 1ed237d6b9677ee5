// Plugin discovery and loading with Boost.DLL. Each plugin file is loaded, its ABI version symbol
// read and compared before anything else is called; failures are recorded per file.
#include "amdhal/registry.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <boost/dll/shared_library.hpp>

#include "amdhal/plugin_abi.h"

namespace amdhal {

namespace fs = std::filesystem;

namespace detail {
std::shared_ptr<void> adopt_erased(void* object, void (*destroy)(void*),
                                   std::shared_ptr<const void> anchor) {
  // The deleter runs here, in libamdhal: it destroys the object (plugin code, which returns) and
  // only then drops the anchor, which may unload the plugin.
  return std::shared_ptr<void>(object, [destroy, anchor = std::move(anchor)](void* p) mutable {
    destroy(p);
    anchor.reset();
  });
}
}  // namespace detail

namespace {

constexpr const char* kAbiSymbol = "amdhal_plugin_abi_version";
constexpr const char* kKindSymbol = "amdhal_plugin_kind";
constexpr const char* kBackendFactorySymbol = "amdhal_create_backend";
constexpr const char* kWorkloadFactorySymbol = "amdhal_create_workload";

bool is_plugin_file_name(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.starts_with("libamdhal-") && p.extension() == ".so";
}

std::string executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().string();
}

PluginRecord refused(const std::string& library, std::string status) {
  PluginRecord r;
  r.name = fs::path(library).filename().string();
  r.library = library;
  r.status = std::move(status);
  return r;
}

std::string canonical_or_self(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.string() : c.string();
}

}  // namespace

std::vector<std::string> Registry::default_search_dirs() {
  std::vector<std::string> dirs = {AMDHAL_PLUGIN_INSTALL_DIR, AMDHAL_PLUGIN_BUILD_DIR};
  const std::string exe_dir = executable_dir();
  if (!exe_dir.empty()) dirs.push_back((fs::path(exe_dir) / ".." / "lib" / "amdhal").string());
  return dirs;
}

std::unique_ptr<Registry> Registry::load(const RegistryOptions& options) {
  std::unique_ptr<Registry> registry(new Registry());
  const std::vector<std::string> dirs =
      options.search_dirs.empty() ? default_search_dirs() : options.search_dirs;
  for (const auto& dir : dirs) registry->add_entry(dir, /*from_environment=*/false);
  if (options.use_environment) {
    if (const char* env = std::getenv("AMDHAL_PLUGIN_PATH"); env != nullptr) {
      std::string_view rest(env);
      while (!rest.empty()) {
        const size_t colon = rest.find(':');
        const std::string entry(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        if (!entry.empty()) registry->add_entry(entry, /*from_environment=*/true);
      }
    }
  }
  return registry;
}

Registry::~Registry() = default;

void Registry::add_entry(const std::string& path, bool from_environment) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    // Built-in directories that do not exist (no install, no build tree) are normal; an entry the
    // user named in AMDHAL_PLUGIN_PATH that does not exist is worth reporting.
    if (from_environment) {
      records_.push_back(refused(path, "AMDHAL_PLUGIN_PATH entry does not exist"));
    }
    return;
  }
  if (fs::is_regular_file(st)) {
    load_file(canonical_or_self(path));
    return;
  }
  if (!fs::is_directory(st)) {
    records_.push_back(refused(path, "not a file or directory"));
    return;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && is_plugin_file_name(it->path())) files.push_back(it->path());
  }
  if (ec) {
    records_.push_back(refused(path, fmt::format("cannot list directory: {}", ec.message())));
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load_file(canonical_or_self(f));
}

void Registry::load_file(const std::string& path) {
  for (const auto& r : records_) {
    if (r.library == path) return;  // the same file reached through two search entries
  }
  PluginRecord record;
  record.name = fs::path(path).stem().string();
  record.library = path;
  auto reject = [&](std::string why) {
    record.status = std::move(why);
    records_.push_back(std::move(record));
  };

  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  dlerror();  // clear any stale message
  library->load(path, ec, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local);
  if (ec || !library->is_loaded()) {
    const char* why = dlerror();
    return reject(fmt::format("cannot load: {}", why != nullptr ? why : ec.message()));
  }
  if (!library->has(kAbiSymbol)) {
    return reject(fmt::format("not an amdhal plugin: symbol {} missing", kAbiSymbol));
  }
  const uint32_t abi = library->get_alias<const uint32_t>(kAbiSymbol);
  if (abi != kPluginAbiVersion) {
    return reject(
        fmt::format("plugin ABI version {}, this build expects {}", abi, kPluginAbiVersion));
  }
  uint32_t kind = static_cast<uint32_t>(PluginKind::kBackend);
  if (library->has(kKindSymbol)) kind = library->get_alias<const uint32_t>(kKindSymbol);
  if (kind == static_cast<uint32_t>(PluginKind::kWorkload)) {
    record.kind = "workload";
    if (!library->has(kWorkloadFactorySymbol)) {
      return reject(fmt::format("workload factory symbol {} missing", kWorkloadFactorySymbol));
    }
    auto& factory = library->get_alias<WorkloadFactory>(kWorkloadFactorySymbol);
    PluginHost host;
    host.abi_version = kPluginAbiVersion;
    host.anchor = std::shared_ptr<const void>(library, library.get());
    host.library_path = path;
    Expected<std::shared_ptr<Workload>> created = internal_error("factory not called");
    try {
      created = factory(host);
    } catch (const std::exception& e) {
      return reject(fmt::format("workload factory threw an exception: {}", e.what()));
    } catch (...) {
      return reject("workload factory threw an exception");
    }
    if (!created.ok())
      return reject(fmt::format("workload factory failed: {}", created.status().to_string()));
    std::shared_ptr<Workload> workload = std::move(created).value();
    if (!workload) return reject("workload factory returned no workload");
    record.name = std::string(workload->name());
    record.version = std::string(workload->version());
    for (const auto& w : workloads_) {
      if (w->name() == workload->name()) {
        return reject(fmt::format("duplicate workload '{}'", record.name));
      }
    }
    record.loaded = true;
    record.status = "loaded";
    records_.push_back(std::move(record));
    workloads_.push_back(std::move(workload));
    return;
  }
  if (kind != static_cast<uint32_t>(PluginKind::kBackend)) {
    return reject(fmt::format("unknown plugin kind {}", kind));
  }
  record.kind = "backend";
  if (!library->has(kBackendFactorySymbol)) {
    return reject(fmt::format("backend factory symbol {} missing", kBackendFactorySymbol));
  }
  auto& factory = library->get_alias<BackendFactory>(kBackendFactorySymbol);

  PluginHost host;
  host.abi_version = kPluginAbiVersion;
  host.anchor = std::shared_ptr<const void>(library, library.get());
  host.library_path = path;
  Expected<std::shared_ptr<Backend>> created = internal_error("factory not called");
  try {
    created = factory(host);
  } catch (const std::exception& e) {
    return reject(fmt::format("backend factory threw an exception: {}", e.what()));
  } catch (...) {
    return reject("backend factory threw an exception");
  }
  if (!created.ok())
    return reject(fmt::format("backend factory failed: {}", created.status().to_string()));
  std::shared_ptr<Backend> backend = std::move(created).value();
  if (!backend) return reject("backend factory returned no backend");

  record.name = std::string(backend->name());
  record.version = std::string(backend->version());
  for (const auto& b : backends_) {
    if (b->name() == backend->name()) {
      const auto other = std::find_if(records_.begin(), records_.end(), [&](const PluginRecord& r) {
        return r.loaded && r.name == record.name;
      });
      return reject(fmt::format("duplicate backend '{}', already loaded from {}", record.name,
                                other != records_.end() ? other->library : "another library"));
    }
  }
  record.loaded = true;
  record.status = "loaded";
  records_.push_back(std::move(record));
  backends_.push_back(std::move(backend));
}

Expected<std::shared_ptr<Backend>> Registry::backend(std::string_view name) const {
  for (const auto& b : backends_) {
    if (b->name() == name) return b;
  }
  const std::string names = backend_names();
  return not_found(
      fmt::format("unknown backend '{}' (available: {})", name, names.empty() ? "none" : names));
}

Expected<std::shared_ptr<Workload>> Registry::workload(std::string_view name) const {
  std::string names;
  for (const auto& w : workloads_) {
    if (w->name() == name) return w;
    names += fmt::format("{}{}", names.empty() ? "" : ", ", w->name());
  }
  return not_found(
      fmt::format("unknown workload '{}' (available: {})", name, names.empty() ? "none" : names));
}

std::string Registry::backend_names() const {
  std::string out;
  for (const auto& b : backends_) {
    if (!out.empty()) out += ", ";
    out += b->name();
  }
  return out;
}

}  // namespace amdhal
