// Runs repository work off the event loop, one batch per repository at a time: jobs for a
// repository that arrive while a batch of it runs wait and form the next batch, which fetches
// at most once for all of them (the union of what they want), then runs each job in order.
// Different repositories run in parallel on libuv's thread pool. The batch owns the
// repository's RepoState while it runs, so that state is never touched by two threads.
//
// Threads: submit() and every `done` run on the loop thread; `run` on a worker thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "repo_work.hpp"
#include "strata/loop.hpp"

namespace strata::planner {

class RepoWorkers {
public:
    struct Job {
        MirrorRequest request;  // repo, url, want, refspecs, refresh (token: see TokenSource)
        long long installation_id = 0;
        std::function<Outcome(RepoContext&)> run;  // worker thread
        std::function<void(Outcome)> done;         // loop thread
    };
    // Worker thread: the token to fetch a repository with ("" = none).
    using TokenSource =
        std::function<Result<std::string>(const std::string& repo, long long installation_id)>;

    // Worker thread: a fetch with the token of this installation failed (the token may have
    // been revoked; the next attempt should get a fresh one).
    using FetchFailed = std::function<void(const std::string& repo, long long installation_id)>;

    RepoWorkers(Loop& loop, MirrorCache& mirrors, ScanCache& scans, TokenSource tokens,
                FetchFailed fetch_failed = {});

    void submit(Job job);
    int in_flight() const { return in_flight_; }

private:
    struct Repo {
        std::deque<Job> pending;
        bool running = false;
        std::shared_ptr<RepoState> state = std::make_shared<RepoState>();
    };
    void start(const std::string& repo);

    Loop& loop_;
    MirrorCache& mirrors_;
    ScanCache& scans_;
    TokenSource tokens_;
    FetchFailed fetch_failed_;
    std::map<std::string, Repo> repos_;
    int in_flight_ = 0;
};

}  // namespace strata::planner
