// Job logs: every line of terraform's output for a deployment, secrets already redacted by the
// executor. Two places hold them:
//   - the live log, a Redis stream per deployment (live_log_key), capped, written while jobs run:
//     entries {job, line}; the entry {job, end} marks the end of the deployment's last job;
//   - the durable store, one object per job, grouped by deployment, written when a job ends.
// The executor writes both; ingest's live log page (GET /jobs/<deployment id>) reads both.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/result.hpp"

namespace strata {

// P:log:<deployment id>
std::string live_log_key(const std::string& redis_prefix, const std::string& deployment_id);

// Deployment and job ids name objects: letters, digits and "-_.:", at most 200 characters, not
// starting with '.'. Anything else (a '/', "..") is refused by the store and the page.
bool valid_log_id(std::string_view id);

struct StoredJobLog {
    std::string job_id;
    std::string text;  // the lines, each ending in '\n'
};

// The durable store's interface is that of an object store (put an object, list a prefix, read),
// so one on S3 or GCS can stand in for the directory. Blocking (file or network I/O): call from
// a worker thread (Loop::queue_work), never from the event loop. Thread-safe.
class JobLogStore {
public:
    virtual ~JobLogStore() = default;
    // Stores the log of one job, replacing an earlier one of the same job.
    virtual Result<void> put(const std::string& deployment_id, const std::string& job_id,
                             std::string_view text) = 0;
    // Every stored job log of the deployment, in the order they were first stored; empty when
    // there is none.
    virtual Result<std::vector<StoredJobLog>> get(const std::string& deployment_id) const = 0;
};

// The default store: <dir>/<deployment id>/<sequence>-<job id>.log, written to a temporary file
// and renamed into place, so a reader never sees half a log.
std::unique_ptr<JobLogStore> make_directory_log_store(std::string dir);

}  // namespace strata
