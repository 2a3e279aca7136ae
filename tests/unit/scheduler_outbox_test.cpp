// Rendering of the scheduler's outbox entries (what the Lua scripts write) into the messages it
// publishes: fields, routing keys, derived message ids, and what a bad entry gives.
#include <gtest/gtest.h>

#include "outbox.hpp"

namespace strata::scheduler {
namespace {

const std::string kRepo =
    R"({"full_name":"acme/infra","clone_url":"https://github.com/acme/infra.git","default_branch":"main","installation_id":7})";
const std::string kRoot =
    R"({"name":"network","dir":"envs/network","workspace":"default","terraform_version":""})";
const std::string kRev = "0123456789abcdef0123456789abcdef01234567";

OutboxEntry state_entry() {
    return {
        "1-0",
        {"cid",
         "cid-1",
         "cause",
         "msg-1",
         "t",
         "state",
         "id",
         "dep-1",
         "ahead",
         R"([{"id":"dep-0","revision":")" + kRev + R"(","trigger":"manual"}])",
         "kind",
         "deploy",
         "repo",
         kRepo,
         "root",
         kRoot,
         "revision",
         kRev,
         "trigger",
         "merge",
         "user",
         "merger",
         "state",
         "awaiting_review",
         "reason",
         "the revision diverged",
         "seq",
         "4",
         "plan",
         R"({"add":2,"change":0,"destroy":1,"replace":0,"import":0,"move":0,"resources":["+ a","- b"]})",
         "approvals",
         R"(["alice"])",
         "approved_at",
         "1800000000123",
         "started_at",
         "1800000000000",
         "apply_started_at",
         "",
         "finished_at",
         "0",
         "executor",
         "ex1",
         "revision_order",
         "diverged",
         "force",
         "0",
         "unlocked_by",
         "bob",
         "updated_at",
         "1800000001000",
         "pull_number",
         "0"}};
}

TEST(SchedulerOutbox, AStateEntryBecomesADeploymentStateWithItsDerivedId) {
    auto r = render_entry(state_entry(), "https://strata.test/jobs/");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->kind, "state");
    EXPECT_EQ(r->message.routing_key, "deployment.state");
    EXPECT_EQ(r->message.correlation_id, "cid-1");
    EXPECT_EQ(r->message.message_id, derived_uuid("deployment-state|dep-1|4"));
    auto m = decode<DeploymentState>(r->message.body);
    ASSERT_TRUE(m.ok()) << m.error().message;
    const auto& s = m->payload;
    EXPECT_EQ(m->envelope.causation_id, "msg-1");
    EXPECT_EQ(m->envelope.producer, "scheduler");
    EXPECT_EQ(s.deployment_id, "dep-1");
    EXPECT_EQ(s.seq, 4);
    EXPECT_EQ(s.repo.full_name, "acme/infra");
    EXPECT_EQ(s.repo.installation_id, 7);
    EXPECT_EQ(s.root.dir, "envs/network");
    EXPECT_EQ(s.state, "awaiting_review");
    EXPECT_EQ(s.reason, "the revision diverged");
    ASSERT_TRUE(s.plan.has_value());
    EXPECT_EQ(s.plan->destroy, 1);
    EXPECT_EQ(s.plan->resources, (std::vector<std::string>{"+ a", "- b"}));
    ASSERT_EQ(s.queue_ahead.size(), 1u);
    EXPECT_EQ(s.queue_ahead[0].deployment_id, "dep-0");
    EXPECT_EQ(s.queue_ahead[0].trigger, "manual");
    EXPECT_EQ(s.approved_by, std::vector<std::string>{"alice"});
    EXPECT_EQ(s.approved_at, "2027-01-15T08:00:00.123Z");
    EXPECT_EQ(s.started_at, "2027-01-15T08:00:00.000Z");
    EXPECT_EQ(s.apply_started_at, "");
    EXPECT_EQ(s.finished_at, "");
    EXPECT_EQ(s.updated_at, "2027-01-15T08:00:01.000Z");
    EXPECT_EQ(s.executor_id, "ex1");
    EXPECT_EQ(s.revision_order, "diverged");
    EXPECT_EQ(s.unlocked_by, "bob");
    EXPECT_EQ(s.log_url, "https://strata.test/jobs/dep-1");
}

TEST(SchedulerOutbox, LuasEmptyListsAreEmpty) {
    auto e = state_entry();
    for (std::size_t i = 0; i + 1 < e.fields.size(); i += 2)
        if (e.fields[i] == "ahead" || e.fields[i] == "approvals") e.fields[i + 1] = "{}";
    auto r = render_entry(e, "");
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto s = decode<DeploymentState>(r->message.body)->payload;
    EXPECT_TRUE(s.queue_ahead.empty());
    EXPECT_TRUE(s.approved_by.empty());
    EXPECT_EQ(s.log_url, "");
}

TEST(SchedulerOutbox, AJobEntryGoesToItsRoutingKeyWithTheProtocolsMessageId) {
    OutboxEntry e{"2-0",
                  {"cid",
                   "cid-2",
                   "cause",
                   "msg-2",
                   "t",
                   "job",
                   "dep",
                   "dep-1",
                   "kind",
                   "apply",
                   "job_id",
                   "dep-1:3:apply",
                   "fence",
                   "3",
                   "attempt",
                   "2",
                   "routing",
                   "job.run.ex1",
                   "repo",
                   kRepo,
                   "root",
                   kRoot,
                   "revision",
                   kRev,
                   "last_attempted",
                   "",
                   "pull_number",
                   "0"}};
    auto r = render_entry(e, "");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->message.routing_key, "job.run.ex1");
    EXPECT_EQ(r->message.message_id, derived_uuid("job|dep-1:3:apply|2"));
    auto job = decode<JobRun>(r->message.body);
    ASSERT_TRUE(job.ok()) << job.error().message;
    EXPECT_EQ(job->payload.kind, "apply");
    EXPECT_EQ(job->payload.fencing_token, 3);
    EXPECT_EQ(job->payload.attempt, 2);
    EXPECT_EQ(job->payload.root.name, "network");
}

TEST(SchedulerOutbox, ARefusedEntryBecomesARequestRefused) {
    OutboxEntry e{"3-0",
                  {"cid",     "cid-3",    "cause",
                   "msg-3",   "t",        "refused",
                   "repo",    kRepo,      "root",
                   "network", "revision", kRev,
                   "request", "rerun",    "user",
                   "octocat", "reason",   "Reruns are only supported on the most recent deploy",
                   "dep",     ""}};
    auto r = render_entry(e, "");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->message.routing_key, "request.refused");
    auto m = decode<RequestRefused>(r->message.body);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->payload.request, "rerun");
    EXPECT_EQ(m->payload.user, "octocat");
    EXPECT_EQ(m->payload.reason, "Reruns are only supported on the most recent deploy");
    // The same entry published twice is the same message.
    EXPECT_EQ(render_entry(e, "")->message.message_id, r->message.message_id);
}

TEST(SchedulerOutbox, AnEntryOfUnknownKindIsAnError) {
    auto r = render_entry({"4-0", {"t", "mystery"}}, "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "outbox entry 4-0 has unknown kind 'mystery'");
}

TEST(SchedulerOutbox, MillisecondsBecomeRfc3339) {
    EXPECT_EQ(rfc3339_from_ms("0"), "");
    EXPECT_EQ(rfc3339_from_ms(""), "");
    EXPECT_EQ(rfc3339_from_ms("not a number"), "");
    EXPECT_EQ(rfc3339_from_ms("1000"), "1970-01-01T00:00:01.000Z");
}

}  // namespace
}  // namespace strata::scheduler
