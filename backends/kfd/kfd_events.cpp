#include "kfd_events.h"

#include <linux/kfd_ioctl.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "kfd_process.h"

namespace amdhal::kfd {

Expected<KfdEvent> KfdEvent::create_signal(KfdProcess& process, uint32_t gpu_id) {
  AMDHAL_ASSIGN_OR_RETURN(const uint64_t page, process.event_page_offset_for_create(gpu_id));
  kfd_ioctl_create_event_args args{};
  args.event_page_offset = page;
  args.event_type = KFD_IOC_EVENT_SIGNAL;
  args.auto_reset = 1;
  args.node_id = 0;  // only read for node-scoped event types
  AMDHAL_RETURN_IF_ERROR(process.ioctl(AMDKFD_IOC_CREATE_EVENT, &args, "AMDKFD_IOC_CREATE_EVENT"));
  if (page != 0) process.event_page_accepted();
  KfdEvent e;
  e.process_ = &process;
  e.id_ = args.event_id;
  e.slot_ = args.event_slot_index;
  const uint64_t page_address = process.event_page_address();
  e.mailbox_ = page_address != 0 ? page_address + 8ull * e.slot_ : 0;
  return e;
}

KfdEvent::KfdEvent(KfdEvent&& o) noexcept
    : process_(std::exchange(o.process_, nullptr)),
      id_(o.id_),
      slot_(o.slot_),
      mailbox_(o.mailbox_) {}

KfdEvent& KfdEvent::operator=(KfdEvent&& o) noexcept {
  if (this != &o) {
    destroy().ignore();
    process_ = std::exchange(o.process_, nullptr);
    id_ = o.id_;
    slot_ = o.slot_;
    mailbox_ = o.mailbox_;
  }
  return *this;
}

KfdEvent::~KfdEvent() {
  destroy().ignore();
}

Status KfdEvent::set() {
  if (process_ == nullptr) return failed_precondition("kfd: SET_EVENT on a destroyed event");
  kfd_ioctl_set_event_args args{};
  args.event_id = id_;
  return process_->ioctl(AMDKFD_IOC_SET_EVENT, &args, "AMDKFD_IOC_SET_EVENT");
}

Expected<bool> KfdEvent::wait(std::chrono::milliseconds timeout) {
  if (process_ == nullptr) return failed_precondition("kfd: WAIT_EVENTS on a destroyed event");
  kfd_event_data data{};
  data.event_id = id_;
  kfd_ioctl_wait_events_args args{};
  args.events_ptr = reinterpret_cast<uint64_t>(&data);
  args.num_events = 1;
  args.wait_for_all = 1;
  args.timeout =
      static_cast<uint32_t>(std::clamp<int64_t>(timeout.count(), 0, int64_t{0xFFFFFFFE}));
  AMDHAL_RETURN_IF_ERROR(process_->ioctl(AMDKFD_IOC_WAIT_EVENTS, &args, "AMDKFD_IOC_WAIT_EVENTS"));
  switch (args.wait_result) {
    case KFD_IOC_WAIT_RESULT_COMPLETE:
      return true;
    case KFD_IOC_WAIT_RESULT_TIMEOUT:
      return false;
    default:
      return aborted(fmt::format("AMDKFD_IOC_WAIT_EVENTS on event {}: wait_result {} (failed)", id_,
                                 args.wait_result));
  }
}

Status KfdEvent::destroy() {
  if (process_ == nullptr) return ok_status();
  kfd_ioctl_destroy_event_args args{};
  args.event_id = id_;
  Status st = process_->ioctl(AMDKFD_IOC_DESTROY_EVENT, &args, "AMDKFD_IOC_DESTROY_EVENT");
  process_ = nullptr;
  return st;
}

}  // namespace amdhal::kfd
