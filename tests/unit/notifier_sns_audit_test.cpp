// The SNS audit stream: which deploy states are apply state changes, the event's fields, and the
// signed Publish request.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sns_audit.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;

DeploymentState deploy(const std::string& state, bool apply_ran) {
    DeploymentState s;
    s.deployment_id = "9f1c2d3e-0000-5000-8000-000000000001";
    s.seq = 5;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {"network", "envs/prod/network", "prod", ""};
    s.revision = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";
    s.kind = "deploy";
    s.trigger = "manual";
    s.user = "octocat";
    s.state = state;
    if (apply_ran) s.apply_started_at = "2026-11-20T22:41:58.752Z";
    return s;
}

TEST(AuditStates, AreRunningSuccessAndFailureOfApplies) {
    EXPECT_EQ(audit_state_for(deploy("applying", true)), "RUNNING");
    EXPECT_EQ(audit_state_for(deploy("succeeded", true)), "SUCCESS");
    EXPECT_EQ(audit_state_for(deploy("failed", true)), "FAILURE");
    EXPECT_EQ(audit_state_for(deploy("timed_out", true)), "FAILURE")
        << "an apply lost with its executor";
    EXPECT_EQ(audit_state_for(deploy("failed", false)), std::nullopt) << "failed while planning";
    EXPECT_EQ(audit_state_for(deploy("succeeded", false)), std::nullopt) << "no changes, no apply";
    for (const char* other : {"queued", "planning", "awaiting_review", "confirmed", "rejected"})
        EXPECT_EQ(audit_state_for(deploy(other, false)), std::nullopt) << other;
    auto plan = deploy("applying", true);
    plan.kind = "plan";
    EXPECT_EQ(audit_state_for(plan), std::nullopt);
}

TEST(AuditEvent, CarriesEveryFieldTheAuditorsExpect) {
    auto s = deploy("succeeded", true);
    s.finished_at = "2026-11-20T22:43:00.000Z";
    s.approved_by = {"hubot", "monalisa"};
    s.approved_at = "2026-11-20T22:41:50.000Z";
    s.force = true;
    auto e = json::parse(audit_event(s, "SUCCESS"));
    EXPECT_EQ(e, json::parse(R"({
        "version": 1, "id": "9f1c2d3e-0000-5000-8000-000000000001", "state": "SUCCESS",
        "job_type": "APPLY", "revision": "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5",
        "repository": "acme/infra", "pull_number": null, "environment": "prod",
        "initiating_user": "octocat", "start_time": "2026-11-20T22:41:58.752Z",
        "end_time": "2026-11-20T22:43:00.000Z", "force_apply": true,
        "project": "envs/prod/network", "root_name": "network",
        "approved_by": ["hubot", "monalisa"], "approved_time": "2026-11-20T22:41:50.000Z"})"));
}

TEST(AuditEvent, ARunningApplyHasNoEndTime) {
    auto s = deploy("applying", true);
    s.finished_at = "2026-11-20T22:43:00.000Z";  // whatever the state says
    s.pull_number = 12;
    auto e = json::parse(audit_event(s, "RUNNING"));
    EXPECT_TRUE(e["end_time"].is_null());
    EXPECT_EQ(e["pull_number"], 12);
    EXPECT_TRUE(e["approved_time"].is_null());
    EXPECT_EQ(e["approved_by"], json::array());
}

TEST(SnsPublish, IsAFormPostSignedForSnsInTheRegion) {
    SnsTarget target{"https://sns.eu-west-1.amazonaws.com/", "eu-west-1",
                     "arn:aws:sns:eu-west-1:123456789012:audit"};
    aws::Credentials keys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session"};
    auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
    auto req = sns_publish_request(target, keys, R"({"a":"b c&d"})", at);
    ASSERT_TRUE(req) << req.error().message;
    EXPECT_EQ(req->method, "POST");
    EXPECT_EQ(req->url, "https://sns.eu-west-1.amazonaws.com/");
    EXPECT_EQ(
        req->body,
        "Action=Publish&Message=%7B%22a%22%3A%22b%20c%26d%22%7D&TopicArn=arn%3Aaws%3Asns%3Aeu-"
        "west-1%3A123456789012%3Aaudit&Version=2010-03-31");
    EXPECT_EQ(req->headers.at("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
    EXPECT_EQ(req->headers.at("Host"), "sns.eu-west-1.amazonaws.com");
    EXPECT_EQ(req->headers.at("X-Amz-Date"), "20150830T123600Z");
    EXPECT_EQ(req->headers.at("X-Amz-Security-Token"), "session");
    const auto& auth = req->headers.at("Authorization");
    EXPECT_EQ(
        auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/sns/aws4_request, "
                   "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=",
                   0),
        0u)
        << auth;
}

TEST(SnsPublish, AnEndpointWithAPathAndPortIsSignedAsSent) {
    SnsTarget target{"http://127.0.0.1:8080/sns", "us-east-1",
                     "arn:aws:sns:us-east-1:123456789012:t"};
    auto req =
        sns_publish_request(target, {"AKID", "secret", ""}, "{}", std::chrono::system_clock::now());
    ASSERT_TRUE(req);
    EXPECT_EQ(req->headers.at("Host"), "127.0.0.1:8080");
    EXPECT_EQ(req->headers.count("X-Amz-Security-Token"), 0u);
    EXPECT_FALSE(sns_publish_request({"sns.example", "us-east-1", "x"}, {"a", "b", ""}, "{}",
                                     std::chrono::system_clock::now()));
}

TEST(TopicArns, AreCheckedForTheirShape) {
    EXPECT_TRUE(valid_topic_arn("arn:aws:sns:us-east-1:123456789012:strata-audit"));
    EXPECT_TRUE(valid_topic_arn("arn:aws-us-gov:sns:us-gov-west-1:123456789012:audit.fifo"));
    EXPECT_FALSE(valid_topic_arn("arn:aws:sqs:us-east-1:123456789012:queue"));
    EXPECT_FALSE(valid_topic_arn("strata-audit"));
}

}  // namespace
}  // namespace strata::notifier
