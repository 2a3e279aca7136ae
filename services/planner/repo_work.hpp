// The planner's work on one repository, on a worker thread: the state kept between events
// (dependency index, config caches), what handling a message comes to (Outcome), and the
// analysis shared by every event type: from two commits to the ordered affected roots.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "affected_roots.hpp"
#include "config_loader.hpp"
#include "repo_index.hpp"
#include "strata/amqp.hpp"
#include "strata/git.hpp"
#include "strata/messages.hpp"

namespace strata::planner {

// Kept per repository between its events; used by one thread at a time (RepoWorkers).
struct RepoState {
    std::optional<RepoIndex> index;  // at the last revision analysed
    ConfigLoader configs;
};

struct RepoContext {
    GitMirror& mirror;
    RepoState& state;
    ScanCache& scans;
    // Set when an object the mirror must hold did not read (a commit known present, its trees,
    // its blobs): the mirror is damaged and is discarded after the batch, to be fetched afresh.
    bool damaged = false;
};

// What handling one message comes to: messages to publish, all confirmed before the delivery
// is settled as `settle` says.
struct Outcome {
    std::vector<OutgoingMessage> messages;
    enum class Settle { Ack, Requeue, DeadLetter } settle = Settle::Ack;
    std::string reason;            // why requeued or dead-lettered
    std::string summary;           // one line for the log
    bool invalid_trigger = false;  // counted in strata_planner_invalid_triggers_total
};

Outcome requeue(std::string reason);

// The index at `commit`, moved there from wherever it was (built on first use).
Result<const RepoIndex*> index_at(RepoContext& ctx, const std::string& commit);

struct Analysis {
    std::shared_ptr<const RootSet> roots;  // config at head; null when invalid
    std::vector<ConfigError> config_errors;
    RootChanges changes;
};

// The roots affected between base ("" or zeros: nothing before, every file is new) and head.
Result<Analysis> analyse(RepoContext& ctx, const std::string& base, const std::string& head,
                         const std::function<bool(const RootConfig&)>& include);

// The roots at `commit` only (manual triggers, reruns of one root).
Result<Analysis> roots_at(RepoContext& ctx, const std::string& commit);

RootRef root_ref(const RootConfig& root);

// Copies the root's review and apply settings (strata.yaml at the deployed revision) into a
// deploy.requested; the scheduler enforces them (docs/scheduler.md, "Repository settings").
void add_repo_settings(DeployRequested& request, const RootConfig& root);

template <class T>
OutgoingMessage outgoing(const Message<T>& m) {
    return {std::string(T::kType),     encode(m),          m.envelope.id,
            m.envelope.correlation_id, "application/json", {}};
}

// config.invalid for the first error, the message listing all of them.
OutgoingMessage config_invalid(const Envelope& cause, const RepoRef& repo,
                               const std::string& revision, const std::vector<ConfigError>& errors,
                               long long pull_number);

OutgoingMessage request_refused(const Envelope& cause, const RepoRef& repo, const std::string& root,
                                const std::string& revision, const std::string& request,
                                const std::string& user, const std::string& reason);

}  // namespace strata::planner
