// Registry: finds plugin libraries, checks their ABI, creates their backends, and says why any
// plugin was refused.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/backend.h"
#include "amdhal/status.h"
#include "amdhal/workload.h"

namespace amdhal {

/// One plugin file the loader looked at.
struct PluginRecord {
  std::string name;     ///< backend or workload name ("kfd"), or the file stem if it never loaded
  std::string kind;     ///< "backend", "workload", or "" if unknown
  std::string version;  ///< plugin version, if loaded
  std::string library;  ///< absolute path of the library file (or the search entry)
  bool loaded = false;  ///< true if the plugin is usable
  std::string status;   ///< "loaded", or why it was refused/skipped
};

/// Where to look for plugins.
struct RegistryOptions {
  /// Directories searched in order. Default (empty): the install plugin directory, the build
  /// tree's plugin directory, the directory ../lib/amdhal next to the running executable.
  std::vector<std::string> search_dirs;
  /// Also search AMDHAL_PLUGIN_PATH (colon-separated directories or library files).
  bool use_environment = true;
};

/// Loaded plugins. A plugin that fails to load is recorded with the reason; the others work.
class Registry {
 public:
  /// Scans for plugins. Never fails as a whole: problems are recorded per plugin.
  static std::unique_ptr<Registry> load(const RegistryOptions& options = {});

  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Every plugin file looked at, in search order, with its status.
  const std::vector<PluginRecord>& plugins() const { return records_; }

  /// The usable backends, in search order.
  const std::vector<std::shared_ptr<Backend>>& backends() const { return backends_; }

  /// A backend by name; kNotFound lists the backends available.
  Expected<std::shared_ptr<Backend>> backend(std::string_view name) const;

  /// Comma-separated names of the usable backends.
  std::string backend_names() const;

  /// The usable workload plugins, in search order.
  const std::vector<std::shared_ptr<Workload>>& workloads() const { return workloads_; }

  /// A workload by name ("sdma-stress"); kNotFound lists the workloads available.
  Expected<std::shared_ptr<Workload>> workload(std::string_view name) const;

  /// The default plugin search directories (see RegistryOptions::search_dirs).
  static std::vector<std::string> default_search_dirs();

 private:
  Registry() = default;
  void add_entry(const std::string& path, bool from_environment);
  void load_file(const std::string& path);

  std::vector<PluginRecord> records_;
  std::vector<std::shared_ptr<Backend>> backends_;
  std::vector<std::shared_ptr<Workload>> workloads_;
};

}  // namespace amdhal
