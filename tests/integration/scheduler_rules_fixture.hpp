// A gtest fixture over StoreHarness for the scheduler's rule tests: each test gets its own key
// prefix on the shared Redis, and helpers that drive a deployment through an executor.
#pragma once

#include <gtest/gtest.h>

#include "scheduler_harness.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler::testing {

using Ids = std::vector<std::string>;

class SchedulerFixture : public ::testing::Test {
protected:
    StoreHarness h{strata::testing::shared_redis_url()};

    // Decodes a transition that must have the given status.
    Published expect(const Result<Transition>& t, const std::string& status = "ok") {
        if (!t.ok()) {
            ADD_FAILURE() << t.error().message;
            return {};
        }
        EXPECT_EQ(t->status, status);
        return decode(*t);
    }

    // The one job of that kind a transition published (a failure when there is not one).
    JobRun job(const Published& p, const std::string& kind = "deploy") {
        auto jobs = p.jobs_of_kind(kind);
        if (jobs.size() != 1) {
            ADD_FAILURE() << "expected one " << kind << " job, got " << jobs.size();
            return {};
        }
        return jobs.front();
    }

    std::string id(const std::string& message_id) {
        return StoreHarness::deployment_id(message_id);
    }

    // Sends a deploy request; returns what it published.
    Published request(const std::string& msg, const std::string& revision,
                      const std::string& trigger, const std::string& root = "network",
                      std::vector<std::string> upstream = {}, const RootPolicy& policy = {}) {
        return expect(
            h.deploy(msg, deploy_request(revision, trigger, root, std::move(upstream)), policy));
    }

    // An executor takes a deploy job and reports every step up to `planned`.
    Published plan(const JobRun& j, const std::string& order, const PlanSummary& plan,
                   const std::string& executor = "ex1") {
        EXPECT_TRUE(h.take(j, executor)) << j.job_id;
        report(j, executor, "started");
        report(j, executor, "planning", order);
        return report(j, executor, "planned", "", plan);
    }

    Published report(const JobRun& j, const std::string& executor, const std::string& state,
                     const std::string& order = "", std::optional<PlanSummary> plan = {},
                     const std::string& detail = "", const std::string& status = "ok") {
        return expect(h.job_state("js|" + j.job_id + "|" + state,
                                  StoreHarness::report(j, executor, state, order, plan, detail)),
                      status);
    }

    // An executor takes an apply job and reports it through to succeeded (or failed).
    Published apply(const JobRun& j, bool succeed = true, const std::string& executor = "ex1") {
        EXPECT_TRUE(h.take(j, executor)) << j.job_id;
        report(j, executor, "started");
        report(j, executor, "applying");
        auto done = report(j, executor, succeed ? "succeeded" : "failed", "", {},
                           succeed ? "" : "Error: apply failed");
        h.end_lease(j.job_id);
        return done;
    }

    // A merge deploy that is ahead: plan with changes, apply, succeed. Returns the last step.
    Published deploy_through(const JobRun& j, const std::string& order = "ahead") {
        auto planned = plan(j, order, changes(1));
        return apply(job(planned, "apply"));
    }

    Published confirm(const std::string& deployment_id, const std::string& user = "alice",
                      const std::string& status = "ok") {
        return expect(h.review("confirm|" + deployment_id + "|" + user + std::to_string(++reviews_),
                               ReviewRequest{"confirm", kRepo, deployment_id, "", user, ""}),
                      status);
    }

    Published reject(const std::string& deployment_id, const std::string& user = "alice") {
        return expect(h.review("reject|" + deployment_id + "|" + user + std::to_string(++reviews_),
                               ReviewRequest{"reject", kRepo, deployment_id, "", user, "no"}));
    }

    Published unlock(const std::string& root, const std::string& msg = "unlock-1",
                     const std::string& status = "ok") {
        return expect(h.unlock(msg, UnlockRequest{kRepo, "", {root}, false, "bob"}), status);
    }

    std::string state_of(const std::string& deployment_id) {
        auto d = h.describe(deployment_id);
        return d.ok() ? d->state : "<" + d.error().message + ">";
    }

    Ids list(const std::string& root, const std::string& which) {
        auto r = h.call({"LRANGE", h.root_key(root, "queue:" + which), "0", "-1"});
        Ids out;
        if (r.ok())
            for (const auto& e : r->elements) out.push_back(e.str);
        return out;
    }

    int reviews_ = 0;

    std::string get(const std::string& key) {
        auto r = h.call({"GET", key});
        return r.ok() && !r->is_nil() ? r->str : "";
    }
};

}  // namespace strata::scheduler::testing
