// The model test's executors (taking, renewing and reporting jobs the way docs/job-protocol.md
// says, dying and coming back) and its random schedule of steps.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "scheduler_sim.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler::testing {

using namespace std::chrono_literals;

void World::report(Executor& e, const JobRun& job, const std::string& state,
                   const std::string& order, std::optional<PlanSummary> plan,
                   const std::string& detail) {
    auto s = StoreHarness::report(job, e.id, state, order, std::move(plan), detail);
    auto id = derived_uuid("job-state|" + job.job_id + "|" + state);
    send(std::string(JobState::kType), encode(make_message(s, Origin{"executor", "c", ""}, id)),
         id);
}

void World::executor_step(Executor& e) {
    std::vector<std::string> active;
    for (const auto& [id, j] : e.jobs)
        if (j.stage != "held") active.push_back(id);
    auto& own = own_[e.id];
    if (!active.empty() && (chance(0.6) || (own.empty() && work_.empty()))) {
        auto id = active[pick(static_cast<int>(active.size()))];
        return advance_job(e, e.jobs[id]);
    }
    auto& queue = !own.empty() ? own : work_;
    if (queue.empty()) return;
    auto m = queue.front();
    queue.pop_front();  // acked once taken (or found stale)
    auto job = strata::decode<JobRun>(m.body)->payload;
    last_op_ = e.id + " takes " + job.job_id;
    if (e.jobs.count(job.job_id)) return;  // a duplicate of a job in hand
    if (!h_.take(job, e.id)) return;       // stale, or another executor's
    auto held_id = job.job_id.substr(0, job.job_id.rfind(':'));
    if (job.kind == "discard") {
        e.jobs.erase(held_id);
        return;
    }
    if (job.kind == "apply") {
        auto held = e.jobs.find(held_id);
        if (held == e.jobs.end() || held->second.stage != "held") {
            // Not ours any more (this executor restarted): hand it back unstarted.
            report(e, job, "released");
            h_.end_lease(job.job_id);
            return;
        }
        e.jobs.erase(held);
    }
    e.jobs[job.job_id] = ExecJob{job, "taken", {}};
}

void World::advance_job(Executor& e, ExecJob& j, bool renew_first) {
    const auto job = j.job;
    last_op_ = e.id + " advances " + job.job_id + " from " + j.stage;
    if (renew_first &&
        !h_.renew(job.job_id, e.id)) {  // lease lost or token stale: stop at once, say nothing
        e.jobs.erase(job.job_id);
        return;
    }
    auto end = [&](const std::string& state, const std::string& detail) {
        report(e, job, state, "", {}, detail);
        h_.end_lease(job.job_id);
        e.jobs.erase(job.job_id);
    };
    if (j.stage == "taken") {
        report(e, job, "started");
        j.stage = "started";
    } else if (job.kind == "deploy" && j.stage == "started") {
        report(e, job, "planning", order_of(job.revision, job.last_attempted_revision));
        j.stage = "planning";
    } else if (job.kind == "deploy" && j.stage == "planning") {
        if (chance(0.1)) return end("failed", "terraform plan failed");
        int r = pick(10);
        j.plan = changes(r < 3 ? 0 : r < 7 ? 1 : 2);
        report(e, job, "planned", "", j.plan);
        j.stage = "held";
    } else if (job.kind == "apply" && j.stage == "started") {
        ++applies_[job.deployment_id];
        report(e, job, "applying");
        j.stage = "applying";
    } else if (job.kind == "apply" && j.stage == "applying") {
        if (chance(0.9))
            end("succeeded", "");
        else
            end("failed", "Error: apply failed");
    }
}

void World::renew_all() {
    for (auto& e : executors_) {
        if (!e.alive || e.paused) continue;
        std::vector<std::string> lost;
        for (const auto& [id, j] : e.jobs)
            if (!h_.renew(id, e.id)) lost.push_back(id);
        for (const auto& id : lost) e.jobs.erase(id);
    }
}

void World::kill(Executor& e) {
    ++stats_.executor_deaths;
    e.alive = false;
    e.paused = false;
    e.jobs.clear();  // its leases stay in Redis until the sweeper finds them expired
}

// SIGTERM: jobs not applying are handed back; refused while an apply runs.
void World::shut_down(Executor& e) {
    if (e.paused) return;
    for (const auto& [id, j] : e.jobs)
        if (j.stage == "applying") return;
    for (const auto& [id, j] : e.jobs) {
        if (!h_.renew(id, e.id)) continue;
        report(e, j.job, "released");
        h_.end_lease(id);
    }
    e.jobs.clear();
    e.alive = false;
}

void World::random_step() {
    ++stats_.steps;
    last_op_ = "nothing";
    int r = pick(100);
    auto& e = executors_[pick(static_cast<int>(executors_.size()))];
    if (r < 9) {
        last_op_ = "merge";
        merge();
    } else if (r < 13) {
        last_op_ = "manual";
        manual();
    } else if (r < 16) {
        unlock_some();
    } else if (r < 20) {
        review_some(chance(0.8) ? "confirm" : "reject");
    } else if (r < 45) {
        deliver(true);
    } else if (r < 72) {
        if (e.alive && !e.paused) executor_step(e);
    } else if (r < 75) {
        kill_someone(e);
    } else if (r < 76) {
        if (e.alive) shut_down(e);
        last_op_ = "shut down " + e.id;
    } else if (r < 78) {
        e.alive = true;  // (re)started, with nothing in hand
        last_op_ = "start " + e.id;
    } else if (r < 85) {
        last_op_ = "time passes";
        h_.advance(std::chrono::seconds(1 + pick(70)));
        renew_all();
    } else if (r < 92) {
        tick();
    } else if (r < 94) {
        last_op_ = "scheduler restart";
        restart_scheduler();
        compare("scheduler restart");
    } else if (r < 96) {
        last_op_ = "outbox pump";
        pump();
    } else if (r < 98) {
        pause(e);
    } else if (e.paused) {
        resume(e);
    }
}

// Freezes an executor: mostly one with a job under way, if any (its late reports matter most).
void World::pause(Executor& fallback) {
    Executor* victim = &fallback;
    if (chance(0.7))
        for (auto& x : executors_)
            for (const auto& [id, j] : x.jobs)
                if (x.alive && !x.paused && j.stage != "held") victim = &x;
    last_op_ = "pause " + victim->id;
    if (!victim->alive || victim->paused) return;
    ++stats_.pauses;
    victim->paused = true;
}

void World::resume(Executor& e) {
    last_op_ = "resume " + e.id;
    e.paused = false;
    std::vector<std::string> active;
    for (const auto& [id, j] : e.jobs)
        if (j.stage != "held") active.push_back(id);
    if (active.empty()) return;
    ++stats_.zombie_reports;
    advance_job(e, e.jobs[active[pick(static_cast<int>(active.size()))]], false);
}

// Kills an executor: mostly one applying or holding a plan, if any (losing those matters most).
void World::kill_someone(Executor& fallback) {
    Executor* victim = &fallback;
    if (chance(0.7))
        for (const char* stage : {"held", "applying"})  // applying wins
            for (auto& x : executors_)
                for (const auto& [id, j] : x.jobs)
                    if (x.alive && j.stage == stage) victim = &x;
    if (victim->alive) kill(*victim);
    last_op_ = "kill " + victim->id;
}

void World::random_fault() {
    auto& e = executors_[pick(static_cast<int>(executors_.size()))];
    int r = pick(10);
    if (r < 6) return kill_someone(e);
    if (r < 7 && e.alive) {
        shut_down(e);
        last_op_ = "shut down " + e.id;
        return;
    }
    last_op_ = "scheduler restart";
    restart_scheduler();
    compare("scheduler restart");
}

bool World::drained() const {
    if (!inbox_.empty() || !work_.empty()) return false;
    for (const auto& [id, q] : own_)
        if (!q.empty()) return false;
    for (const auto& [id, d] : model_.deployments)
        if (!Model::terminal(d.state)) return false;
    for (const auto& e : executors_)
        for (const auto& [id, j] : e.jobs)
            if (j.stage != "held") return false;
    return true;
}

// Everything that can move, moves: messages, executors, people (confirm, unlock), then time.
// With chaos, faults still strike now and then (executors die, time jumps, the scheduler
// crashes) while no new requests come: that is when deployments are deep in plan, review and
// apply.
void World::drain_step(bool chaos) {
    ++stats_.steps;
    if (chaos && chance(0.12)) {
        int r = pick(10);
        if (r < 4) return random_fault();
        if (r < 6) {
            last_op_ = "time passes";
            h_.advance(std::chrono::seconds(1 + pick(90)));
            renew_all();
            return;
        }
        if (r < 8) return tick();
        return deliver(true);
    }
    for (auto& e : executors_)
        if (!chaos || chance(0.3)) e.alive = true;
    for (auto& e : executors_)
        if (e.paused && (!chaos || chance(0.3))) return resume(e);
    if (!inbox_.empty()) return deliver(false);
    for (auto& e : executors_) {
        if (!e.alive || e.paused) continue;
        bool active = !own_[e.id].empty() || !work_.empty();
        for (const auto& [id, j] : e.jobs) active = active || j.stage != "held";
        if (active) return executor_step(e);
    }
    for (const auto& [id, d] : model_.deployments)
        if (d.state == "awaiting_review" && !(chaos && chance(0.5))) {  // or let it wait
            last_op_ = "drain: review " + id;
            auto action = chance(0.8) ? "confirm" : "reject";
            auto msg = std::string(action) + "-" + std::to_string(++ids_);
            TriggerConfirm c{id, "", "", "carol", ""};
            if (std::string(action) == "confirm")
                send(std::string(TriggerConfirm::kType),
                     encode(make_message(c, Origin{"cli", msg, ""}, msg)), msg);
            else
                send(std::string(TriggerReject::kType),
                     encode(make_message(TriggerReject{id, "", "", "carol", ""},
                                         Origin{"cli", msg, ""}, msg)),
                     msg);
            return;
        }
    for (const auto& [root, r] : model_.roots)
        if (r.locked && !r.merge.empty()) {
            auto msg = "unlock-" + std::to_string(++ids_);
            send(std::string(TriggerUnlock::kType),
                 encode(make_message(TriggerUnlock{"acme/infra", root, "carol", ""},
                                     Origin{"cli", msg, ""}, msg)),
                 msg);
            return;
        }
    last_op_ = "drain: time passes";
    h_.advance(61s);
    renew_all();
    tick();
}

void World::run(int steps) {
    bool trace = std::getenv("STRATA_MODEL_TRACE") != nullptr;
    int redis_restart_at = allow_redis_restart_ ? pick(steps) : -1;
    for (int i = 0; i < steps && !::testing::Test::HasFailure(); ++i) {
        if (i == redis_restart_at) restart_redis();  // at most one per sequence: they are slow
        random_step();
        if (trace) std::cerr << stats_.steps << ": " << last_op_ << "\n";
    }
    for (int i = 0; i < 5000 && !drained() && !::testing::Test::HasFailure(); ++i) {
        drain_step(i < steps * 4);
        if (trace && i < 300) std::cerr << stats_.steps << ": " << last_op_ << "\n";
    }
    if (::testing::Test::HasFailure()) return;
    if (!drained()) {
        std::string open;
        for (const auto& [id, d] : model_.deployments)
            if (!Model::terminal(d.state))
                open += "\n  " + id + " " + d.root + " " + d.trigger + " " + d.state + " " +
                        d.phase + " fence " + std::to_string(d.fence);
        for (const auto& [root, r] : model_.roots)
            open += "\n  root " + root + " inflight " + r.inflight + " manual " +
                    std::to_string(r.manual.size()) + " merge " + std::to_string(r.merge.size()) +
                    (r.locked ? " locked" : "");
        open +=
            "\n  inbox " + std::to_string(inbox_.size()) + " work " + std::to_string(work_.size());
        for (const auto& e : executors_)
            for (const auto& [id, j] : e.jobs)
                open += "\n  " + e.id + " holds " + id + " " + j.stage;
        FAIL() << "the world did not settle, " << where() << open;
    }
    check_final();
}

}  // namespace strata::scheduler::testing
