// The notifier's CPU work per message, each beside a baseline of the same run:
//   check_run/...      rendering a deployment state into a check-run body, against encoding the
//                      same state as a message (what the scheduler already paid for it);
//   check_run_huge/... the same with a 5,000-resource plan cut to GitHub's 65,535 characters;
//   pr_comment/...     rendering and splitting a pull request's comment (3 roots x 1,500
//                      resources), against serialising its stored state;
//   sigv4/...          signing an SNS Publish, against hashing its body (SigV4 hashes it too);
//   jwt/...            signing the GitHub App JWT (RS256, 2048-bit key), against HMAC-SHA256 of
//                      the same claims (how much the asymmetric signature costs; once per token).
#include <benchmark/benchmark.h>

#include "check_run.hpp"
#include "pr_comment.hpp"
#include "sns_audit.hpp"
#include "strata/crypto.hpp"
#include "strata/jwt.hpp"
#include "strata/messages.hpp"

namespace {

using namespace strata;

DeploymentState sample_state(int resources) {
    DeploymentState s;
    s.deployment_id = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
    s.seq = 3;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {"network", "envs/prod/network", "default", ""};
    s.revision = std::string(40, 'a');
    s.kind = "deploy";
    s.trigger = "manual";
    s.user = "octocat";
    s.state = "awaiting_review";
    s.log_url = "https://strata.example/jobs/9f1c2d3e";
    s.queue_ahead = {{"d1", std::string(40, 'b'), "merge"}, {"d2", std::string(40, 'c'), "merge"}};
    PlanSummary p;
    p.add = resources;
    for (int i = 0; i < resources; ++i)
        p.resources.push_back("+ module.cluster.aws_instance.node[" + std::to_string(i) + "]");
    s.plan = p;
    return s;
}

void BM_check_run_render(benchmark::State& state, int resources) {
    auto s = sample_state(resources);
    for (auto _ : state) benchmark::DoNotOptimize(notifier::check_run_body(s, false));
    state.SetItemsProcessed(state.iterations());
}

void BM_check_run_baseline(benchmark::State& state, int resources) {
    auto message = make_message(sample_state(resources), {"scheduler", "corr", ""});
    for (auto _ : state) benchmark::DoNotOptimize(encode(message));
    state.SetItemsProcessed(state.iterations());
}

notifier::PrComments sample_comments() {
    notifier::PrComments c;
    for (const char* root : {"a", "b", "c"}) {
        auto s = sample_state(1500);
        s.deployment_id = std::string("plan-") + root;
        s.root.name = root;
        s.kind = "plan";
        s.pull_number = 12;
        s.state = "succeeded";
        notifier::apply_plan_state(c, s);
    }
    return c;
}

void BM_pr_comment_render(benchmark::State& state) {
    auto c = sample_comments();
    for (auto _ : state)
        benchmark::DoNotOptimize(
            notifier::render_pr_comment(c, "acme/infra", notifier::RenderLinks{}));
    state.SetItemsProcessed(state.iterations());
}

void BM_pr_comment_baseline(benchmark::State& state) {
    auto c = sample_comments();
    for (auto _ : state) benchmark::DoNotOptimize(c.to_json());
    state.SetItemsProcessed(state.iterations());
}

const std::string& audit_body() {
    static const std::string body = notifier::audit_event(sample_state(3), "SUCCESS");
    return body;
}

void BM_sigv4_sign(benchmark::State& state) {
    notifier::SnsTarget target{"https://sns.us-east-1.amazonaws.com/", "us-east-1",
                               "arn:aws:sns:us-east-1:123456789012:audit"};
    aws::Credentials keys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    auto now = std::chrono::system_clock::now();
    for (auto _ : state)
        benchmark::DoNotOptimize(notifier::sns_publish_request(target, keys, audit_body(), now));
    state.SetItemsProcessed(state.iterations());
}

void BM_sigv4_baseline(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sha256_hex(audit_body()));
    state.SetItemsProcessed(state.iterations());
}

const std::string& app_key() {
    static const std::string key = *jwt::generate_rsa_private_key_pem(2048);
    return key;
}

const std::string kClaims = R"({"iat":1700000000,"exp":1700000540,"iss":123456})";

void BM_jwt_sign(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(jwt::sign_rs256(kClaims, app_key()));
    state.SetItemsProcessed(state.iterations());
}

void BM_jwt_baseline(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(hmac_sha256_hex(app_key(), kClaims));
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(BM_check_run_render, typical, 20)->Name("check_run/render_body");
BENCHMARK_CAPTURE(BM_check_run_baseline, typical, 20)->Name("check_run/baseline");
BENCHMARK_CAPTURE(BM_check_run_render, huge, 5000)->Name("check_run_huge/render_body");
BENCHMARK_CAPTURE(BM_check_run_baseline, huge, 5000)->Name("check_run_huge/baseline");
BENCHMARK(BM_pr_comment_render)->Name("pr_comment/render_split");
BENCHMARK(BM_pr_comment_baseline)->Name("pr_comment/baseline");
BENCHMARK(BM_sigv4_sign)->Name("sigv4/sign_publish");
BENCHMARK(BM_sigv4_baseline)->Name("sigv4/baseline");
BENCHMARK(BM_jwt_sign)->Name("jwt/rs256_sign");
BENCHMARK(BM_jwt_baseline)->Name("jwt/baseline");
