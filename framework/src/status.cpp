#include "amdhal/status.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace amdhal {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kPermissionDenied:
      return "permission denied";
    case StatusCode::kFailedPrecondition:
      return "failed precondition";
    case StatusCode::kOutOfRange:
      return "out of range";
    case StatusCode::kResourceExhausted:
      return "resource exhausted";
    case StatusCode::kDeadlineExceeded:
      return "deadline exceeded";
    case StatusCode::kDataLoss:
      return "data loss";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kAborted:
      return "aborted";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return fmt::format("{}: {}", status_code_name(code_), message_);
}

Status Status::with_context(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, fmt::format("{}: {}", context, message_));
}

Status invalid_argument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
Status not_found(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
Status unavailable(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
Status permission_denied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
Status failed_precondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
Status out_of_range(std::string m) {
  return {StatusCode::kOutOfRange, std::move(m)};
}
Status resource_exhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
Status deadline_exceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
Status data_loss(std::string m) {
  return {StatusCode::kDataLoss, std::move(m)};
}
Status unimplemented(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}
Status aborted(std::string m) {
  return {StatusCode::kAborted, std::move(m)};
}
Status internal_error(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

std::string_view errno_name(int err) {
  switch (err) {
#define AMDHAL_ERRNO_CASE(e) \
  case e:                    \
    return #e;
    AMDHAL_ERRNO_CASE(EPERM)
    AMDHAL_ERRNO_CASE(ENOENT)
    AMDHAL_ERRNO_CASE(ESRCH)
    AMDHAL_ERRNO_CASE(EINTR)
    AMDHAL_ERRNO_CASE(EIO)
    AMDHAL_ERRNO_CASE(ENXIO)
    AMDHAL_ERRNO_CASE(E2BIG)
    AMDHAL_ERRNO_CASE(ENOEXEC)
    AMDHAL_ERRNO_CASE(EBADF)
    AMDHAL_ERRNO_CASE(ECHILD)
    AMDHAL_ERRNO_CASE(EAGAIN)
    AMDHAL_ERRNO_CASE(ENOMEM)
    AMDHAL_ERRNO_CASE(EACCES)
    AMDHAL_ERRNO_CASE(EFAULT)
    AMDHAL_ERRNO_CASE(EBUSY)
    AMDHAL_ERRNO_CASE(EEXIST)
    AMDHAL_ERRNO_CASE(EXDEV)
    AMDHAL_ERRNO_CASE(ENODEV)
    AMDHAL_ERRNO_CASE(ENOTDIR)
    AMDHAL_ERRNO_CASE(EISDIR)
    AMDHAL_ERRNO_CASE(EINVAL)
    AMDHAL_ERRNO_CASE(ENFILE)
    AMDHAL_ERRNO_CASE(EMFILE)
    AMDHAL_ERRNO_CASE(ENOTTY)
    AMDHAL_ERRNO_CASE(EFBIG)
    AMDHAL_ERRNO_CASE(ENOSPC)
    AMDHAL_ERRNO_CASE(ESPIPE)
    AMDHAL_ERRNO_CASE(EROFS)
    AMDHAL_ERRNO_CASE(EPIPE)
    AMDHAL_ERRNO_CASE(ERANGE)
    AMDHAL_ERRNO_CASE(EDEADLK)
    AMDHAL_ERRNO_CASE(ENAMETOOLONG)
    AMDHAL_ERRNO_CASE(ENOSYS)
    AMDHAL_ERRNO_CASE(ENOTSUP)
    AMDHAL_ERRNO_CASE(ETIME)
    AMDHAL_ERRNO_CASE(ETIMEDOUT)
    AMDHAL_ERRNO_CASE(EOVERFLOW)
    AMDHAL_ERRNO_CASE(ELOOP)
    AMDHAL_ERRNO_CASE(ECANCELED)
    AMDHAL_ERRNO_CASE(EHWPOISON)
#undef AMDHAL_ERRNO_CASE
    default:
      break;
  }
  thread_local std::string buf;
  buf = fmt::format("E{}", err);
  return buf;
}

Status errno_status(int err, std::string_view what) {
  StatusCode code = StatusCode::kInternal;
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      code = StatusCode::kNotFound;
      break;
    case EACCES:
    case EPERM:
      code = StatusCode::kPermissionDenied;
      break;
    case EINVAL:
    case EFAULT:
    case ENOTTY:
    case E2BIG:
      code = StatusCode::kInvalidArgument;
      break;
    case ENOMEM:
    case ENOSPC:
    case EMFILE:
    case ENFILE:
      code = StatusCode::kResourceExhausted;
      break;
    case EBUSY:
    case EAGAIN:
      code = StatusCode::kUnavailable;
      break;
    case ETIME:
    case ETIMEDOUT:
      code = StatusCode::kDeadlineExceeded;
      break;
    case ENOSYS:
    case ENOTSUP:
      code = StatusCode::kUnimplemented;
      break;
    case EIO:
      code = StatusCode::kAborted;
      break;
    default:
      break;
  }
  return Status(code, fmt::format("{}: {} ({})", what, errno_name(err), std::strerror(err)));
}

void report_unchecked_expected(const Status& status) {
  std::fprintf(stderr, "amdhal: value of a failed Expected read: %s\n", status.to_string().c_str());
}

}  // namespace amdhal
