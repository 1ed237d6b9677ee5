// Status and Expected<T>: the error currency of amdhal. Every call that can fail returns one of
// these; they cross plugin boundaries instead of exceptions.
#pragma once

#include <cassert>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace amdhal {

/// What kind of failure a Status carries. Codes are coarse; the message says the rest.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,     ///< caller passed something malformed (bad flag, bad size, bad packet)
  kNotFound,            ///< named thing does not exist (device, file, symbol, family)
  kUnavailable,         ///< resource exists in principle but not here (no GPU, no /dev/kfd)
  kPermissionDenied,    ///< the OS refused access
  kFailedPrecondition,  ///< object is in the wrong state for the call
  kOutOfRange,          ///< index or size outside what the object supports
  kResourceExhausted,   ///< out of memory, ring full, too many queues
  kDeadlineExceeded,    ///< a wait timed out
  kDataLoss,            ///< malformed input data (truncated ELF, bad topology file)
  kUnimplemented,       ///< feature not provided by this backend or target
  kAborted,             ///< the operation stopped because of a fault (VM fault, hung queue)
  kInternal,            ///< invariant broken inside amdhal
};

/// Short lower-case name of a code ("invalid argument").
std::string_view status_code_name(StatusCode code);

/// Result of an operation: a code and a one-line message saying what failed and why.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "invalid argument: <message>", or "ok".
  std::string to_string() const;

  /// Returns a copy with `context` prefixed to the message ("open /dev/kfd: ...").
  Status with_context(std::string_view context) const;

  /// Marks an error as deliberately ignored.
  void ignore() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() {
  return Status();
}

/// Helpers that build a Status of each code with a formatted message.
Status invalid_argument(std::string message);
Status not_found(std::string message);
Status unavailable(std::string message);
Status permission_denied(std::string message);
Status failed_precondition(std::string message);
Status out_of_range(std::string message);
Status resource_exhausted(std::string message);
Status deadline_exceeded(std::string message);
Status data_loss(std::string message);
Status unimplemented(std::string message);
Status aborted(std::string message);
Status internal_error(std::string message);

/// Status from an errno value: code chosen from the errno, message "<what>: <ENAME> (<strerror>)".
Status errno_status(int err, std::string_view what);

/// Symbolic name of an errno value ("ENOENT"), or "E<number>" if unknown.
std::string_view errno_name(int err);

/// A value of type T or an error Status. Move-only if T is.
template <typename T>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "Expected<Status> makes no sense");

 public:
  Expected(T value) : storage_(std::in_place_index<0>, std::move(value)) {}        // NOLINT
  Expected(Status status) : storage_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(storage_).ok() && "Expected constructed from an ok Status");
    if (std::get<1>(storage_).ok()) {
      std::get<1>(storage_) = Status(StatusCode::kInternal, "Expected built from an ok Status");
    }
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, T>>>
  Expected(U&& value) : storage_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return storage_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// The error; an ok Status if a value is held.
  Status status() const { return ok() ? Status() : std::get<1>(storage_); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Expected*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The value, or `fallback` if this holds an error.
  T value_or(T fallback) const& { return ok() ? std::get<0>(storage_) : std::move(fallback); }

 private:
  T& checked() {
    if (!ok()) {
      // Reading the value of a failed Expected is a programming error: stop loudly.
      fprintf_error(std::get<1>(storage_));
      std::abort();
    }
    return std::get<0>(storage_);
  }
  static void fprintf_error(const Status& status);

  std::variant<T, Status> storage_;
};

void report_unchecked_expected(const Status& status);

template <typename T>
void Expected<T>::fprintf_error(const Status& status) {
  report_unchecked_expected(status);
}

}  // namespace amdhal

#define AMDHAL_CONCAT_INNER_(a, b) a##b
#define AMDHAL_CONCAT_(a, b) AMDHAL_CONCAT_INNER_(a, b)

/// Returns the Status from the enclosing function if `expr` (a Status) is not ok.
#define AMDHAL_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::amdhal::Status amdhal_status_ = (expr);        \
    if (!amdhal_status_.ok()) return amdhal_status_; \
  } while (0)

/// Evaluates `rexpr` (an Expected<T>); on error returns its Status, else assigns the value to
/// `lhs`.
#define AMDHAL_ASSIGN_OR_RETURN(lhs, rexpr) \
  AMDHAL_ASSIGN_OR_RETURN_IMPL_(AMDHAL_CONCAT_(amdhal_expected_, __LINE__), lhs, rexpr)
#define AMDHAL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
