#include "repo_workers.hpp"

#include <algorithm>

#include "strata/log.hpp"

namespace strata::planner {

RepoWorkers::RepoWorkers(Loop& loop, MirrorCache& mirrors, ScanCache& scans, TokenSource tokens,
                         FetchFailed fetch_failed)
    : loop_(loop),
      mirrors_(mirrors),
      scans_(scans),
      tokens_(std::move(tokens)),
      fetch_failed_(std::move(fetch_failed)) {}

void RepoWorkers::submit(Job job) {
    ++in_flight_;
    std::string repo = job.request.repo;
    auto& r = repos_[repo];
    r.pending.push_back(std::move(job));
    if (!r.running) start(repo);
}

void RepoWorkers::start(const std::string& repo) {
    auto& r = repos_[repo];
    r.running = true;
    auto batch = std::make_shared<std::vector<Job>>(std::make_move_iterator(r.pending.begin()),
                                                    std::make_move_iterator(r.pending.end()));
    r.pending.clear();
    auto outcomes = std::make_shared<std::vector<Outcome>>(batch->size());
    MirrorRequest merged = batch->back().request;  // the latest URL wins
    merged.want.clear();
    merged.refspecs.clear();
    for (const auto& job : *batch) {
        const auto& q = job.request;
        merged.refresh = merged.refresh || q.refresh;
        for (const auto& w : q.want)
            if (std::find(merged.want.begin(), merged.want.end(), w) == merged.want.end())
                merged.want.push_back(w);
        for (const auto& s : q.refspecs)
            if (std::find(merged.refspecs.begin(), merged.refspecs.end(), s) ==
                merged.refspecs.end())
                merged.refspecs.push_back(s);
    }
    long long installation = batch->back().installation_id;
    auto work = [this, batch, outcomes, merged, installation, state = r.state]() mutable {
        auto fail_all = [&](const std::string& why) {
            for (auto& o : *outcomes) o = requeue(why);
        };
        auto token = tokens_(merged.repo, installation);
        if (!token) return fail_all(token.error().message);
        merged.token = *token;
        bool damaged = false;
        auto prepared = mirrors_.prepare(merged, [&](GitMirror& mirror) {
            RepoContext ctx{mirror, *state, scans_};
            for (std::size_t i = 0; i < batch->size(); ++i) {
                try {
                    (*outcomes)[i] = (*batch)[i].run(ctx);
                } catch (const std::exception& e) {
                    // A bug or an exhausted resource: never crash the daemon on one event.
                    Outcome& o = (*outcomes)[i];
                    o = Outcome{};
                    o.settle = Outcome::Settle::DeadLetter;
                    o.reason = std::string("internal error while planning: ") + e.what();
                    o.summary = o.reason;
                    state->index.reset();
                }
            }
            damaged = ctx.damaged;
        });
        if (!prepared) {
            if (fetch_failed_ && !merged.token.empty()) fetch_failed_(merged.repo, installation);
            fail_all(prepared.error().message);
        }
        if (damaged) {
            log::error("the mirror is damaged; discarding it to fetch it afresh",
                       {{"repo", merged.repo}});
            state->index.reset();
            mirrors_.discard(merged.repo);
        }
    };
    auto after = [this, repo, batch, outcomes] {
        for (std::size_t i = 0; i < batch->size(); ++i) {
            --in_flight_;  // before done(), which may find the planner drained
            (*batch)[i].done(std::move((*outcomes)[i]));
        }
        auto& r = repos_[repo];
        r.running = false;
        if (!r.pending.empty()) start(repo);
    };
    loop_.queue_work(std::move(work), std::move(after));
}

}  // namespace strata::planner
