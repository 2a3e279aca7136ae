// ingest: the HTTP edge. POST /events takes GitHub webhooks and answers 202 only once the
// normalised event is confirmed by the broker (503 when it could not be).
#pragma once

#include "strata/daemon.hpp"

namespace strata::ingest {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::ingest
