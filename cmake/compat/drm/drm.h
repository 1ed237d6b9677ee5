/* Debian ships the kernel's DRM uapi header as libdrm's /usr/include/libdrm/drm.h, while
 * linux/kfd_ioctl.h includes <drm/drm.h>. This forwards to libdrm's copy (same ABI). */
#pragma once
#include <drm.h>
