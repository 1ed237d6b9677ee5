// Plugin ABI: the symbols every plugin library exports (with Boost.DLL aliases) and the helper that
// ties the lifetime of plugin-made objects to the loaded library.
//
// A backend plugin exports:
//   amdhal_plugin_abi_version  const uint32_t, must equal kPluginAbiVersion (read first)
//   amdhal_plugin_kind         const uint32_t, a PluginKind
//   amdhal_create_backend      BackendFactory
// Use AMDHAL_BACKEND_PLUGIN(factory) once in the plugin. Build plugins with -fvisibility=hidden.
// A workload plugin exports the same two constants (kind kWorkload) and
//   amdhal_create_workload     WorkloadFactory
// via AMDHAL_WORKLOAD_PLUGIN(factory) (the interface is in amdhal/workload.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "amdhal/status.h"

namespace amdhal {

class Backend;
class Workload;

/// Bumped whenever a public interface crossing the plugin boundary changes layout or meaning.
inline constexpr uint32_t kPluginAbiVersion = 1;

/// What a plugin library provides.
enum class PluginKind : uint32_t { kBackend = 1, kWorkload = 2 };

/// Handed to a plugin's factory by the loader.
struct PluginHost {
  uint32_t abi_version = kPluginAbiVersion;
  /// Keeps the plugin library loaded; every object the plugin hands out must hold it (see adopt).
  std::shared_ptr<const void> anchor;
  /// Path of the library file that was loaded.
  std::string library_path;
};

/// Signature of `amdhal_create_backend`. Must not throw.
using BackendFactory = Expected<std::shared_ptr<Backend>>(const PluginHost& host);

/// Signature of `amdhal_create_workload`. Must not throw.
using WorkloadFactory = Expected<std::shared_ptr<Workload>>(const PluginHost& host);

namespace detail {
/// Type-erased owner created inside libamdhal, so that the code releasing the library runs in
/// libamdhal and never in the library being unloaded.
std::shared_ptr<void> adopt_erased(void* object, void (*destroy)(void*),
                                   std::shared_ptr<const void> anchor);
}  // namespace detail

/// Wraps a plugin-made object in a shared_ptr that keeps `anchor` (the library) alive until the
/// object is destroyed. Every object a plugin returns through the public API goes through this.
template <typename T>
std::shared_ptr<T> adopt(std::unique_ptr<T> object, const std::shared_ptr<const void>& anchor) {
  T* raw = object.release();
  auto owner = detail::adopt_erased(
      raw, [](void* p) { delete static_cast<T*>(p); }, anchor);
  return std::shared_ptr<T>(owner, raw);
}

}  // namespace amdhal

#include <boost/dll/alias.hpp>

/// Exports a backend factory and the ABI symbols from a plugin library.
#define AMDHAL_BACKEND_PLUGIN(factory)                                                          \
  namespace amdhal_plugin_exports {                                                             \
  extern const std::uint32_t abi_version = ::amdhal::kPluginAbiVersion;                         \
  extern const std::uint32_t kind = static_cast<std::uint32_t>(::amdhal::PluginKind::kBackend); \
  }                                                                                             \
  BOOST_DLL_ALIAS(amdhal_plugin_exports::abi_version, amdhal_plugin_abi_version)                \
  BOOST_DLL_ALIAS(amdhal_plugin_exports::kind, amdhal_plugin_kind)                              \
  BOOST_DLL_ALIAS(factory, amdhal_create_backend)

/// Exports a workload factory and the ABI symbols from a plugin library.
#define AMDHAL_WORKLOAD_PLUGIN(factory)                                                          \
  namespace amdhal_plugin_exports {                                                              \
  extern const std::uint32_t abi_version = ::amdhal::kPluginAbiVersion;                          \
  extern const std::uint32_t kind = static_cast<std::uint32_t>(::amdhal::PluginKind::kWorkload); \
  }                                                                                              \
  BOOST_DLL_ALIAS(amdhal_plugin_exports::abi_version, amdhal_plugin_abi_version)                 \
  BOOST_DLL_ALIAS(amdhal_plugin_exports::kind, amdhal_plugin_kind)                               \
  BOOST_DLL_ALIAS(factory, amdhal_create_workload)
