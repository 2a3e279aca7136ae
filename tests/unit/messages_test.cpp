// Message envelopes and payloads: encode/decode round trips for every type, decode errors that
// name the offending field, and ids.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "strata/messages.hpp"

namespace strata {
namespace {

using nlohmann::json;

RepoRef repo() { return {"acme/infra", "https://github.com/acme/infra.git", "main", 4242}; }
RootRef root() { return {"network", "envs/prod/network", "prod", "1.6.6"}; }
PlanSummary plan() {
    PlanSummary p;
    p.add = 1;
    p.change = 2;
    p.destroy = 3;
    p.replace = 4;
    p.import = 5;
    p.move = 6;
    p.resources = {"+ aws_s3_bucket.a", "-/+ aws_instance.db"};
    return p;
}
const Origin kOrigin{"test", "corr-1", "cause-1"};

void expect_same(const RepoRef& a, const RepoRef& b) {
    EXPECT_EQ(a.full_name, b.full_name);
    EXPECT_EQ(a.clone_url, b.clone_url);
    EXPECT_EQ(a.default_branch, b.default_branch);
    EXPECT_EQ(a.installation_id, b.installation_id);
}
void expect_same(const RootRef& a, const RootRef& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.dir, b.dir);
    EXPECT_EQ(a.workspace, b.workspace);
    EXPECT_EQ(a.terraform_version, b.terraform_version);
}
void expect_same(const std::optional<PlanSummary>& a, const std::optional<PlanSummary>& b) {
    ASSERT_EQ(a.has_value(), b.has_value());
    if (!a) return;
    EXPECT_EQ(a->add, b->add);
    EXPECT_EQ(a->change, b->change);
    EXPECT_EQ(a->destroy, b->destroy);
    EXPECT_EQ(a->replace, b->replace);
    EXPECT_EQ(a->import, b->import);
    EXPECT_EQ(a->move, b->move);
    EXPECT_EQ(a->resources, b->resources);
}
void expect_same(const Envelope& a, const Envelope& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.correlation_id, b.correlation_id);
    EXPECT_EQ(a.causation_id, b.causation_id);
    EXPECT_EQ(a.produced_at, b.produced_at);
    EXPECT_EQ(a.producer, b.producer);
}

// Encodes, decodes and checks the envelope survived; the caller checks the payload.
template <class T>
Message<T> round_trip(T payload) {
    auto message = make_message(std::move(payload), kOrigin);
    auto body = encode(message);
    auto decoded = decode<T>(body);
    EXPECT_TRUE(decoded.ok()) << decoded.error().message << "\n" << body;
    if (!decoded.ok()) return message;
    expect_same(decoded->envelope, message.envelope);
    EXPECT_EQ(encode(*decoded), body);
    return std::move(*decoded);
}

// An encoded message, as JSON, for tests to break.
template <class T>
json encoded(T payload) {
    return json::parse(encode(make_message(std::move(payload), kOrigin)));
}

DeployRequested deploy_requested() {
    return {repo(),
            root(),
            "0123456789abcdef0123456789abcdef01234567",
            "refs/heads/main",
            "manual",
            "octocat",
            {"vpc", "iam"}};
}

JobRun job_run() {
    return {"dep-1:3", "dep-1", "apply", repo(), root(), "abc123", 3, "def456", 0, 2};
}

TEST(Messages, PushEventRoundTrips) {
    PushEvent p{repo(), "refs/heads/main", std::string(40, '0'), "abc123", "octocat", true};
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.push");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.ref, p.ref);
    EXPECT_EQ(m.payload.before, p.before);
    EXPECT_EQ(m.payload.after, p.after);
    EXPECT_EQ(m.payload.pusher, p.pusher);
    EXPECT_TRUE(m.payload.forced);
}

TEST(Messages, DeployRequestedRoundTrips) {
    auto p = deploy_requested();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "deploy.requested");
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.ref, p.ref);
    EXPECT_EQ(m.payload.trigger, "manual");
    EXPECT_EQ(m.payload.user, "octocat");
    EXPECT_EQ(m.payload.upstream_roots, p.upstream_roots);
}

TEST(Messages, JobRunRoundTrips) {
    auto p = job_run();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "job.run");
    EXPECT_EQ(m.payload.job_id, p.job_id);
    EXPECT_EQ(m.payload.deployment_id, p.deployment_id);
    EXPECT_EQ(m.payload.kind, "apply");
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.fencing_token, 3);
    EXPECT_EQ(m.payload.last_attempted_revision, "def456");
    EXPECT_EQ(m.payload.attempt, p.attempt);
}

TEST(Messages, JobStateRoundTripsWithAndWithoutAPlan) {
    JobState with{"dep-1:3", "dep-1", 3, "executor-a", "planned", "ahead", plan(), "tail of output"};
    auto m = round_trip(with);
    EXPECT_EQ(m.envelope.type, "job.state");
    EXPECT_EQ(m.payload.job_id, with.job_id);
    EXPECT_EQ(m.payload.deployment_id, with.deployment_id);
    EXPECT_EQ(m.payload.fencing_token, 3);
    EXPECT_EQ(m.payload.executor_id, "executor-a");
    EXPECT_EQ(m.payload.state, "planned");
    EXPECT_EQ(m.payload.detail, "tail of output");
    expect_same(m.payload.plan, with.plan);

    JobState without{"dep-1:3", "dep-1", 3, "executor-a", "failed", "", std::nullopt, "boom"};
    auto n = round_trip(without);
    EXPECT_FALSE(n.payload.plan.has_value());
    EXPECT_EQ(n.payload.state, "failed");
}

TEST(Messages, DeploymentStateRoundTrips) {
    DeploymentState p;
    p.deployment_id = "dep-9";
    p.seq = 7;
    p.repo = repo();
    p.root = root();
    p.revision = "abc123";
    p.kind = "deploy";
    p.trigger = "merge";
    p.user = "octocat";
    p.state = "queued";
    p.reason = "waiting";
    p.plan = plan();
    p.queue_ahead = {{"dep-7", "rev7", "manual"}, {"dep-8", "rev8", "merge"}};
    p.log_url = "https://strata.example/logs/dep-9";
    p.updated_at = "2024-01-02T03:04:05.678Z";
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "deployment.state");
    EXPECT_EQ(m.payload.deployment_id, "dep-9");
    EXPECT_EQ(m.payload.seq, 7);
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.kind, "deploy");
    EXPECT_EQ(m.payload.trigger, "merge");
    EXPECT_EQ(m.payload.user, "octocat");
    EXPECT_EQ(m.payload.state, "queued");
    EXPECT_EQ(m.payload.reason, "waiting");
    expect_same(m.payload.plan, p.plan);
    ASSERT_EQ(m.payload.queue_ahead.size(), 2u);
    EXPECT_EQ(m.payload.queue_ahead[0].deployment_id, "dep-7");
    EXPECT_EQ(m.payload.queue_ahead[0].revision, "rev7");
    EXPECT_EQ(m.payload.queue_ahead[0].trigger, "manual");
    EXPECT_EQ(m.payload.queue_ahead[1].deployment_id, "dep-8");
    EXPECT_EQ(m.payload.log_url, p.log_url);
    EXPECT_EQ(m.payload.updated_at, p.updated_at);
}

TEST(Messages, MakeMessageFillsTheEnvelope) {
    auto m = make_message(deploy_requested(), Origin{"planner", "corr-x", "cause-y"}, "fixed-id");
    EXPECT_EQ(m.envelope.id, "fixed-id");
    EXPECT_EQ(m.envelope.type, "deploy.requested");
    EXPECT_EQ(m.envelope.version, 1);
    EXPECT_EQ(m.envelope.correlation_id, "corr-x");
    EXPECT_EQ(m.envelope.causation_id, "cause-y");
    EXPECT_EQ(m.envelope.producer, "planner");
    EXPECT_TRUE(std::regex_match(m.envelope.produced_at,
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << m.envelope.produced_at;
}

TEST(Messages, AMessageWithoutCorrelationIdStartsItsOwnChain) {
    auto m = make_message(deploy_requested(), Origin{"cli", "", ""});
    EXPECT_FALSE(m.envelope.id.empty());
    EXPECT_EQ(m.envelope.correlation_id, m.envelope.id);
}

TEST(Messages, DecodeEnvelopeReadsOnlyTheEnvelope) {
    auto body = encode(make_message(job_run(), kOrigin, "env-id"));
    auto e = decode_envelope(body);
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->id, "env-id");
    EXPECT_EQ(e->type, "job.run");
    EXPECT_EQ(e->correlation_id, "corr-1");
}

TEST(Messages, DecodeErrorNamesAMissingField) {
    auto doc = encoded(deploy_requested());
    doc["payload"].erase("revision");
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding deploy.requested: payload.revision: missing");
}

TEST(Messages, DecodeErrorNamesAMissingNestedField) {
    auto doc = encoded(deploy_requested());
    doc["payload"]["repo"].erase("clone_url");
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding deploy.requested: payload.repo.clone_url: missing");
}

TEST(Messages, DecodeErrorNamesAFieldOfTheWrongType) {
    auto doc = encoded(job_run());
    doc["payload"]["fencing_token"] = "3";
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload.fencing_token: expected an integer");

    auto doc2 = encoded(job_run());
    doc2["payload"]["kind"] = "destroy";
    auto r2 = decode<JobRun>(doc2.dump());
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().message, "decoding job.run: payload.kind: unexpected value 'destroy'");
}

TEST(Messages, DecodeErrorNamesAnEmptyRequiredField) {
    auto doc = encoded(job_run());
    doc["payload"]["job_id"] = "";
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload.job_id: must not be empty");
}

TEST(Messages, DecodeErrorNamesAnUnexpectedEnumValue) {
    auto doc = encoded(deploy_requested());
    doc["payload"]["trigger"] = "sometimes";
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "decoding deploy.requested: payload.trigger: unexpected value 'sometimes'");
}

TEST(Messages, DecodeErrorNamesABadQueueEntry) {
    DeploymentState s;
    s.deployment_id = "d";
    s.repo = repo();
    s.root = root();
    s.revision = "r";
    s.kind = "deploy";
    s.trigger = "merge";
    s.state = "queued";
    s.queue_ahead = {{"other", "rev", "merge"}};
    auto doc = encoded(s);
    doc["payload"]["queue_ahead"][0]["deployment_id"] = 5;
    auto r = decode<DeploymentState>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "decoding deployment.state: payload.queue_ahead[].deployment_id: expected a string");
}

TEST(Messages, DecodeErrorNamesABadPlanField) {
    JobState s{"j", "d", 1, "e", "planned", "", plan(), ""};
    auto doc = encoded(s);
    doc["payload"]["plan"]["add"] = "one";
    auto r = decode<JobState>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.state: payload.plan.add: expected an integer");
}

TEST(Messages, DecodingAMessageOfAnotherTypeIsAnError) {
    auto body = encode(make_message(job_run(), kOrigin));
    auto r = decode<JobState>(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.state: message.type is 'job.run'");
}

TEST(Messages, UnsupportedVersionIsAnError) {
    auto doc = encoded(job_run());
    doc["version"] = 2;
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: unsupported version 2");
}

TEST(Messages, AVersionThatOverflowsAnIntIsNotMistakenForVersionOne) {
    auto doc = encoded(job_run());
    doc["version"] = 4294967297LL;  // 2^32 + 1
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("version"), std::string::npos) << r.error().message;
}

TEST(Messages, MissingEnvelopeFieldIsAnError) {
    auto doc = encoded(job_run());
    doc.erase("correlation_id");
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: message.correlation_id: missing");

    auto doc2 = encoded(job_run());
    doc2.erase("payload");
    auto r2 = decode<JobRun>(doc2.dump());
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().message, "decoding job.run: message.payload: missing");
}

TEST(Messages, PayloadThatIsNotAnObjectIsAnError) {
    auto doc = encoded(job_run());
    doc["payload"] = json::array();
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload: expected an object");
}

TEST(Messages, NotJsonIsAnError) {
    auto r = decode<PushEvent>("{not json");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding event.push: message is not valid JSON");

    auto trailing = decode<PushEvent>(
        encode(make_message(PushEvent{repo(), "refs/heads/main", "a", "b", "", false}, kOrigin)) +
        " garbage");
    EXPECT_FALSE(trailing.ok());

    EXPECT_FALSE(decode_envelope("").ok());
}

TEST(Messages, JsonThatIsNotAnObjectIsAnError) {
    auto r = decode<PushEvent>("[1,2,3]");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding event.push: message: expected an object");
    EXPECT_FALSE(decode<PushEvent>("42").ok());
    EXPECT_FALSE(decode<PushEvent>("null").ok());
}

TEST(Messages, DerivedUuidIsStableAndUuidShaped) {
    auto a = derived_uuid("github-delivery:72d3162e-cc78-11e3-81ab-4c9367dc0958");
    EXPECT_EQ(a, derived_uuid("github-delivery:72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    EXPECT_NE(a, derived_uuid("github-delivery:72d3162e-cc78-11e3-81ab-4c9367dc0959"));
    std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    EXPECT_TRUE(std::regex_match(a, shape)) << a;
    EXPECT_TRUE(std::regex_match(derived_uuid(""), shape));
}

TEST(Messages, NewUuidIsUniqueAndVersionFour) {
    std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto id = new_uuid();
        ASSERT_TRUE(std::regex_match(id, shape)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Messages, InvalidUtf8InAPayloadDoesNotBreakEncoding) {
    PushEvent p{repo(), "refs/heads/main", "a", "b", "bad \xff user", false};
    std::string body;
    EXPECT_NO_THROW(body = encode(make_message(p, kOrigin)));
    auto r = decode<PushEvent>(body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->payload.pusher.rfind("bad ", 0), 0u);
}

}  // namespace
}  // namespace strata
