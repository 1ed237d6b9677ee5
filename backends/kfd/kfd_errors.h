// What a failed /dev/kfd call means for the user. KfdPort implementations report failures with
// amdhal::errno_status ("<what>: <ENAME> (<text>)"); these helpers read the errno name back and
// add a sentence saying what it means and what to do.
#pragma once

#include <string_view>

#include "amdhal/status.h"

namespace amdhal::kfd {

/// The errno a port error names ("...: EINVAL (Invalid argument)"), or 0 if it names none.
int port_errno(const Status& status);

/// Adds what the errno of a failed ioctl means (`ioctl` is the AMDKFD_IOC_* name). ok and errors
/// without a known errno pass through unchanged.
Status explain_ioctl_error(const Status& status, std::string_view ioctl);

/// Adds what a failed open(2) of /dev/kfd or a render node means.
Status explain_open_error(const Status& status, std::string_view path);

}  // namespace amdhal::kfd
