// The live log page of a deployment on ingest's HTTP server (the check run's details link):
//
//   GET /jobs/<deployment id>         HTML. While the deployment runs, it follows the log with
//                                     Server-Sent Events; once it ended, the stored log is in the
//                                     page itself.
//   GET /jobs/<deployment id>/events  text/event-stream: the live log (Redis stream
//                                     P:log:<id>) after Last-Event-ID (or ?after=<entry id>).
//                                     Each answer carries what is there (or waits up to 15 s for
//                                     more) and ends; EventSource reconnects after `retry` ms
//                                     with Last-Event-ID, so no connection is held open for long
//                                     and a proxy cannot stall the stream. Event "end" when the
//                                     deployment's output ended.
//   GET /jobs/<deployment id>/log     text/plain: the stored log (or the live one so far).
//
// The output ended when the stream's last entry is the executor's end marker, or the deployment
// (P:dep:<id>, field state) is finished. Lines were redacted by the executor. Handlers run on the
// loop thread; the stored log is read on the thread pool. Unknown ids: 404.
#pragma once

#include <string>
#include <vector>

#include "strata/daemon.hpp"

namespace strata::ingest {

// Options: job_log_dir (the executors' log store, read here) and redis_prefix.
void register_job_log_page(DaemonContext& ctx);

// ---- pure parts (tested without servers) ---------------------------------------------------

struct LiveLogEntry {
    std::string id;  // stream entry id
    std::string line;
    bool end = false;
};

// The page. live: follow /events; else `lines` are the whole log.
std::string render_log_page(const std::string& deployment_id, const std::vector<std::string>& lines,
                            bool live);

// One /events answer: "retry", then an event per entry ("end" for the end marker).
std::string render_events(const std::vector<LiveLogEntry>& entries, bool ended);

}  // namespace strata::ingest
