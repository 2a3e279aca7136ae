#include "request_router.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "strata/triggers.hpp"

namespace strata::scheduler {
namespace {

// Triggers name a repository only; refusals about it carry the repository as last seen in a
// request (lua/lib.lua repo_of), or this until one was seen.
RepoRef repo_named(const std::string& full_name) {
    return {full_name, "https://github.com/" + full_name + ".git", "", 0};
}

template <class Trigger>
Result<ReviewRequest> review_from(const std::string& body, const char* action) {
    auto m = decode_trigger<Trigger>(body);
    if (!m) return m.error();
    const auto& p = m->payload;
    return ReviewRequest{action,  repo_named(p.repository), p.deployment_id, p.root, p.user,
                         p.reason};
}

bool same_login(const std::string& a, const std::string& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
        return std::tolower(x) == std::tolower(y);
    });
}

}  // namespace

RequestRouter::RequestRouter(DeploymentStore& store, const SchedulerSettings& settings,
                             TeamMembership* teams)
    : store_(store), settings_(settings), teams_(teams) {}

void RequestRouter::review(const Cause& cause, ReviewRequest r, TransitionCallback done) {
    if (!teams_) return store_.review(cause, r, std::move(done));
    if (r.deployment_id.empty()) {
        std::vector<std::string> reviewers;
        std::vector<std::string> names = r.roots;
        if (!r.root.empty()) names.push_back(r.root);
        for (const auto& root : names) {
            auto listed = settings_.policies.for_root(r.repo.full_name, root).reviewers;
            reviewers.insert(reviewers.end(), listed.begin(), listed.end());
        }
        // And the lists the roots' deployments in flight recorded (the repository's reviewers
        // combined in): unreadable, the policies' alone (the script then refuses doubtful teams).
        auto repo = r.repo.full_name;
        return store_.inflight(
            repo, names,
            [this, cause, r = std::move(r), reviewers = std::move(reviewers),
             done = std::move(done)](Result<std::vector<std::string>> ids) mutable {
                std::vector<std::string> found;
                if (ids)
                    for (auto& id : *ids)
                        if (!id.empty()) found.push_back(std::move(id));
                review_with_recorded(cause, std::move(r), std::move(reviewers), std::move(found),
                                     std::move(done));
            });
    }
    // The reviewers as the deployment recorded them when it was enqueued. Unreadable (no such
    // deployment, Redis down): no verdicts; the script refuses, or the review fails and retries.
    auto id = r.deployment_id;
    store_.describe(id, [this, cause, r = std::move(r),
                         done = std::move(done)](Result<DeploymentRecord> d) mutable {
        std::vector<std::string> reviewers;
        if (d) {
            auto allowed = nlohmann::json::parse(d->fields["allowed"], nullptr, false);
            if (allowed.is_array())
                for (const auto& who : allowed)
                    if (who.is_string()) reviewers.push_back(who.get<std::string>());
            auto repo = nlohmann::json::parse(d->fields["repo"], nullptr, false);
            if (repo.is_object() && r.repo.full_name.empty())
                r.repo.full_name = repo.value("full_name", "");
            if (repo.is_object() && r.repo.installation_id == 0)
                r.repo.installation_id = repo.value("installation_id", 0LL);
        }
        review_with_teams(cause, std::move(r), reviewers, std::move(done));
    });
}

void RequestRouter::review_with_recorded(const Cause& cause, ReviewRequest r,
                                         std::vector<std::string> reviewers,
                                         std::vector<std::string> ids, TransitionCallback done) {
    if (ids.empty()) return review_with_teams(cause, std::move(r), reviewers, std::move(done));
    auto id = std::move(ids.back());
    ids.pop_back();
    store_.describe(
        id, [this, cause, r = std::move(r), reviewers = std::move(reviewers), ids = std::move(ids),
             done = std::move(done)](Result<DeploymentRecord> d) mutable {
            if (d) {
                auto allowed = nlohmann::json::parse(d->fields["allowed"], nullptr, false);
                if (allowed.is_array())
                    for (const auto& who : allowed)
                        if (who.is_string()) reviewers.push_back(who.get<std::string>());
            }
            review_with_recorded(cause, std::move(r), std::move(reviewers), std::move(ids),
                                 std::move(done));
        });
}

void RequestRouter::review_with_teams(const Cause& cause, ReviewRequest r,
                                      const std::vector<std::string>& reviewers,
                                      TransitionCallback done) {
    bool listed = std::any_of(reviewers.begin(), reviewers.end(),
                              [&](const std::string& who) { return same_login(who, r.user); });
    std::vector<std::string> teams;
    for (const auto& who : reviewers)
        if (who.find('/') != std::string::npos) teams.push_back(who);
    // A user listed by login needs no GitHub call, unless another root of the same comment
    // lists only teams: then every team is checked.
    if (teams.empty() || (listed && r.roots.empty()))
        return store_.review(cause, r, std::move(done));
    auto repo = r.repo;
    auto user = r.user;  // copied: r moves into the callback
    teams_->check(repo, teams, user,
                  [this, cause, r = std::move(r), done = std::move(done)](TeamVerdicts v) mutable {
                      r.team_verdicts = std::move(v);
                      store_.review(cause, r, std::move(done));
                  });
}

std::string RequestRouter::deployment_id_for(const std::string& message_id) {
    return derived_uuid("deployment|" + message_id);
}

std::string RequestRouter::plan_id_for(const std::string& message_id) {
    return derived_uuid("plan|" + message_id);
}

void RequestRouter::handle(const std::string& key, const std::string& body,
                           std::function<void(Handled)> done) {
    auto envelope = decode_envelope(body);
    if (!envelope) return done({Handled::Outcome::DeadLetter, {}, envelope.error().message, ""});
    const Cause cause{envelope->id, envelope->correlation_id};
    auto finish = [cid = cause.correlation_id, done](Result<Transition> t) {
        if (!t) return done({Handled::Outcome::Retry, {}, t.error().message, cid});
        done({Handled::Outcome::Done, std::move(*t), "", cid});
    };
    auto ignore = [&] {
        done({Handled::Outcome::Done, {"ignored", {}}, "", cause.correlation_id});
    };
    auto reject = [&](const std::string& why) {
        done({Handled::Outcome::DeadLetter, {}, why, cause.correlation_id});
    };

    if (key == DeployRequested::kType) {
        auto m = decode<DeployRequested>(body);
        if (!m) return reject(m.error().message);
        const auto& r = m->payload;
        auto policy = settings_.policies.for_root(r.repo.full_name, r.root.name);
        return store_.enqueue(cause, deployment_id_for(cause.message_id), r, policy, finish);
    }
    if (key == PlanRequested::kType) {
        auto m = decode<PlanRequested>(body);
        if (!m) return reject(m.error().message);
        return store_.request_plan(cause, plan_id_for(cause.message_id), m->payload, finish);
    }
    if (key == PlanCancelled::kType) {
        auto m = decode<PlanCancelled>(body);
        if (!m) return reject(m.error().message);
        return store_.cancel_plans(cause, m->payload, finish);
    }
    if (key == JobState::kType) {
        auto m = decode<JobState>(body);
        if (!m) return reject(m.error().message);
        return store_.record_job_state(cause, m->payload, finish);
    }
    if (key == TriggerUnlock::kType) {
        auto m = decode_trigger<TriggerUnlock>(body);
        if (!m) return reject(m.error().message);
        UnlockRequest u{
            repo_named(m->payload.repository), "", {m->payload.root}, false, m->payload.user};
        return store_.unlock(cause, u, finish);
    }
    if (key == TriggerConfirm::kType || key == TriggerReject::kType) {
        auto r = key == TriggerConfirm::kType ? review_from<TriggerConfirm>(body, "confirm")
                                              : review_from<TriggerReject>(body, "reject");
        if (!r) return reject(r.error().message);
        if (r->deployment_id.empty() && (r->repo.full_name.empty() || r->root.empty()))
            return reject("names neither a deployment nor a repository and root");
        return review(cause, std::move(*r), finish);
    }
    if (key == CheckRunEvent::kType) {
        auto m = decode<CheckRunEvent>(body);
        if (!m) return reject(m.error().message);
        const auto& e = m->payload;
        // Re-runs (rerequested) are the planner's; only Strata's own buttons matter here.
        if (e.action != "requested_action" || e.external_id.empty()) return ignore();
        if (e.identifier == "unlock")
            return store_.unlock(cause, UnlockRequest{e.repo, e.external_id, {}, false, e.user},
                                 finish);
        if (e.identifier == "confirm" || e.identifier == "reject")
            return review(cause, ReviewRequest{e.identifier, e.repo, e.external_id, "", e.user, ""},
                          finish);
        return ignore();
    }
    if (key == CommentCommandEvent::kType) {
        auto m = decode<CommentCommandEvent>(body);
        if (!m) return reject(m.error().message);
        const auto& e = m->payload;
        if (e.command == "confirm" || e.command == "reject")
            return review(cause, ReviewRequest{e.command, e.repo, "", "", e.user, "", e.args},
                          finish);
        if (e.command != "unlock") return ignore();  // plan and apply are the planner's
        UnlockRequest u{e.repo, "", e.args, e.args.empty(), e.user};
        return store_.unlock(cause, u, finish);
    }
    reject("unexpected routing key " + key);
}

}  // namespace strata::scheduler
