#include "scheduler_model.hpp"

#include <algorithm>

namespace strata::scheduler::testing {

bool Model::terminal(const std::string& s) {
    return s == "succeeded" || s == "failed" || s == "timed_out" || s == "cancelled" ||
           s == "skipped" || s == "rejected" || s == "review_timed_out";
}

bool Model::seen(const std::string& message_id) {
    jobs_.clear();
    return !processed_.insert(message_id).second;
}

void Model::wake(const std::string& root) {
    if (wake_set_.insert(root).second) wake_list_.push_back(root);
}

void Model::run_wakeups() {
    for (std::size_t i = 0; i < wake_list_.size(); ++i) {
        auto root = wake_list_[i];
        wake_set_.erase(root);
        dispatch(root);
    }
    wake_list_.clear();
    wake_set_.clear();
}

void Model::start_job(ModelDeployment& d) {
    auto& r = roots[d.root];
    d.fence = ++r.fence;
    d.job_id = d.id + ":" + std::to_string(d.fence);
    d.attempt += 1;
    d.phase = "plan";
    d.apply_job_id.clear();
    d.last_given = r.last_attempted;
    jobs_.insert({d.job_id, "deploy", "job.run", d.fence});
}

void Model::start_apply(ModelDeployment& d, const std::string& executor) {
    d.phase = "apply";
    d.apply_job_id = d.job_id + ":apply";
    jobs_.insert({d.apply_job_id, "apply", "job.run." + executor, d.fence});
}

void Model::discard(const ModelDeployment& d) {
    if (d.executor.empty() || d.job_id.empty()) return;
    jobs_.insert({d.job_id + ":discard", "discard", "job.run." + d.executor, d.fence});
}

void Model::finish(ModelDeployment& d, const std::string& state, bool attempted, bool disc) {
    if (terminal(d.state)) return;
    if (disc) discard(d);
    auto& r = roots[d.root];
    if (d.phase == "queue") {
        auto& q = d.trigger == "manual" ? r.manual : r.merge;
        q.erase(std::remove(q.begin(), q.end(), d.id), q.end());
    }
    d.state = state;
    d.phase = "done";
    d.fence = 0;
    d.review_deadline = 0;
    if (r.inflight == d.id) {
        r.inflight.clear();
        wake(d.root);
    }
    if (attempted) r.last_attempted = d.revision;
    for (const auto& dep : r.dependents) wake(dep);
    r.dependents.clear();
}

void Model::plan_lost(ModelDeployment& d) {
    d.executor.clear();
    if (d.phase == "review") {
        d.plan_lost = true;
        d.fence = 0;
        return;
    }
    d.state = d.confirmed_plan.empty() ? "queued" : "confirmed";
    start_job(d);
}

void Model::after_plan(ModelDeployment& d, bool changes, const std::string& executor,
                       long long now) {
    if (!changes) return finish(d, "succeeded", true, true);
    if (!d.confirmed_plan.empty()) {
        if (d.confirmed_plan == d.plan) {
            d.state = "confirmed";
            return start_apply(d, executor);
        }
        d.confirmed_plan.clear();
        d.approvals.clear();
    } else if (d.trigger != "manual" && d.order != "diverged" &&
               !(d.order.empty() && !d.last_given.empty())) {
        return start_apply(d, executor);
    }
    d.state = "awaiting_review";
    d.phase = "review";
    d.plan_lost = false;
    d.review_deadline = now + review_timeout_ms;
}

std::string Model::upstream_gate(ModelDeployment& d) {
    for (const auto& up : d.upstream) {
        auto it = by_revision_.find(up + "|" + d.revision);
        std::string status = "wait";
        if (it != by_revision_.end()) {
            const auto& u = deployments[it->second];
            if (u.state == "succeeded")
                status = "ok";
            else if (terminal(u.state))
                status = "skip";
        }
        if (status == "wait") {
            roots[up].dependents.insert(d.root);
            return "wait";
        }
        if (status == "skip") return "skip";
    }
    return "go";
}

void Model::dispatch(const std::string& root) {
    auto& r = roots[root];
    for (int guard = 0; guard < 1000; ++guard) {
        if (!r.inflight.empty()) return;
        std::deque<std::string>* q = nullptr;
        if (!r.manual.empty())
            q = &r.manual;
        else if (!r.locked && !r.merge.empty())
            q = &r.merge;
        if (!q) return;
        auto& d = deployments[q->front()];
        auto verdict = upstream_gate(d);
        if (verdict == "wait") return;
        q->pop_front();
        if (verdict == "skip") {
            d.phase = "popped";  // already out of its queue
            finish(d, "skipped", false, false);
            continue;
        }
        r.inflight = d.id;
        start_job(d);
        return;
    }
}

std::string Model::deploy(const std::string& msg, const std::string& id, const DeployRequested& q,
                          long long) {
    if (seen(msg)) return "duplicate";
    if (deployments.count(id)) return "ok";
    auto& r = roots[q.root.name];
    if (q.rerun && !r.last_attempted.empty() && r.last_attempted != q.revision) return "refused";
    if (q.trigger == "manual") {
        if (!r.inflight.empty() && deployments[r.inflight].revision == q.revision) return "refused";
        for (const auto& other : r.manual)
            if (deployments[other].revision == q.revision) return "refused";
    }
    ModelDeployment d;
    d.id = id;
    d.root = q.root.name;
    d.revision = q.revision;
    d.trigger = q.trigger;
    d.rerun = q.rerun;
    d.force = q.force;
    d.upstream = q.upstream_roots;
    by_revision_[d.root + "|" + d.revision] = id;
    (q.trigger == "manual" ? r.manual : r.merge).push_back(id);
    if (q.trigger == "manual") {
        if (!r.locked)
            for (const auto& other : r.merge) deployments[other].state = "locked";
        r.locked = true;
    } else if (r.locked) {
        d.state = "locked";
    }
    deployments[id] = d;
    wake(d.root);
    run_wakeups();
    return "ok";
}

std::string Model::job_state(const std::string& msg, const JobState& s, long long now) {
    if (seen(msg)) return "duplicate";
    auto it = deployments.find(s.deployment_id);
    if (it == deployments.end()) return "stale";
    auto& d = it->second;
    if (terminal(d.state) || d.fence != s.fencing_token || s.fencing_token == 0) return "stale";
    bool is_apply = !d.apply_job_id.empty() && s.job_id == d.apply_job_id;
    if (!is_apply && s.job_id != d.job_id) return "stale";
    d.executor = s.executor_id;
    const auto& st = s.state;
    std::string status = "ok";
    if (is_apply) {
        if (st == "started") {
        } else if (st == "applying") {
            d.state = "applying";
        } else if (st == "succeeded" || st == "failed") {
            finish(d, st, true, false);
        } else if (st == "released") {
            if (d.state == "applying")
                finish(d, "timed_out", true, false);
            else
                plan_lost(d);
        } else {
            status = "invalid";
        }
    } else if (d.phase == "plan") {
        if (st == "started") {
            if (d.state == "queued") d.state = "planning";
        } else if (st == "planning") {
            d.state = "planning";
            d.order = s.revision_order;
            if (s.revision_order == "behind" && !d.force)
                finish(d, "failed", false, false);
            else if (d.rerun && s.revision_order != "identical" && s.revision_order != "none" &&
                     !s.revision_order.empty())
                finish(d, "failed", false, false);
        } else if (st == "planned") {
            d.plan = s.plan ? std::to_string(s.plan->add) : "";
            d.state = "planning";
            after_plan(d, s.plan && s.plan->has_changes(), s.executor_id, now);
        } else if (st == "succeeded" || st == "failed") {
            finish(d, st, true, false);
        } else if (st == "released") {
            d.state = "queued";
            d.executor.clear();
            start_job(d);
        } else {
            status = "invalid";
        }
    } else {
        if (st == "released")
            plan_lost(d);
        else if (st == "failed")
            finish(d, "failed", true, false);
        else if (st == "started" || st == "planning" || st == "planned")
            status = "stale";
        else
            status = "invalid";
    }
    run_wakeups();
    return status;
}

std::string Model::unlock(const std::string& msg, const std::string& root) {
    if (seen(msg)) return "duplicate";
    auto& r = roots[root];
    if (!r.locked) return "refused";
    r.locked = false;
    for (const auto& other : r.merge) deployments[other].state = "queued";
    wake(root);
    run_wakeups();
    return "ok";
}

std::string Model::review(const std::string& msg, const std::string& action, const std::string& id,
                          const std::string& user) {
    if (seen(msg)) return "duplicate";
    auto it = deployments.find(id);
    if (it == deployments.end() || it->second.state != "awaiting_review") return "refused";
    auto& d = it->second;
    if (action == "reject") {
        finish(d, "rejected", false, !d.plan_lost);
    } else {
        if (std::find(d.approvals.begin(), d.approvals.end(), user) != d.approvals.end())
            return "refused";
        d.approvals.push_back(user);
        d.review_deadline = 0;
        d.state = "confirmed";
        d.confirmed_plan = d.plan;
        if (d.plan_lost) {
            d.plan_lost = false;
            start_job(d);
        } else {
            start_apply(d, d.executor);
        }
    }
    run_wakeups();
    return "ok";
}

void Model::tick(const std::vector<ExpiredLease>& expired, long long now) {
    jobs_.clear();
    for (const auto& lease : expired) {
        auto it = deployments.find(lease.deployment);
        if (it == deployments.end()) continue;
        auto& d = it->second;
        if (terminal(d.state) || d.fence != lease.fence || d.fence == 0) continue;
        if (lease.kind == "apply" || d.phase == "apply") {
            if (lease.kind == "apply" || !lease.apply_lease_fresh)
                finish(d, "timed_out", true, false);
        } else if (lease.kind == "discard") {
        } else if (d.phase == "plan") {
            if (d.attempt >= max_attempts) {
                finish(d, "failed", false, false);
            } else {
                d.state = "queued";
                d.executor.clear();
                start_job(d);
            }
        } else if (d.phase == "review") {
            plan_lost(d);
        }
    }
    // Review deadlines in the order Redis keeps them: by deadline, then by id.
    std::vector<std::pair<long long, std::string>> due;
    for (const auto& [id, d] : deployments)
        if (d.review_deadline != 0 && d.review_deadline <= now)
            due.emplace_back(d.review_deadline, id);
    std::sort(due.begin(), due.end());
    for (const auto& [deadline, id] : due) {
        auto& d = deployments[id];
        d.review_deadline = 0;
        if (d.state == "awaiting_review") finish(d, "review_timed_out", false, !d.plan_lost);
    }
    run_wakeups();
}

}  // namespace strata::scheduler::testing
