// Message decoding at the daemons' boundary: typed, validated decode of a deploy.requested
// against the baseline of parsing the same bytes into a JSON tree (what validation adds).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "strata/messages.hpp"

namespace {

std::string sample_deploy_requested() {
    strata::DeployRequested r;
    r.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 42};
    r.root = {"prod/network", "prod/network", "default", "1.6.6"};
    r.revision = std::string(40, 'a');
    r.ref = "refs/heads/main";
    r.trigger = "merge";
    r.user = "octocat";
    r.upstream_roots = {"prod/iam", "prod/dns"};
    return strata::encode(strata::make_message(r, {"planner", "corr", "cause"}));
}

void BM_decode_typed(benchmark::State& state) {
    auto body = sample_deploy_requested();
    for (auto _ : state) benchmark::DoNotOptimize(strata::decode<strata::DeployRequested>(body));
    state.SetItemsProcessed(state.iterations());
}

void BM_decode_baseline(benchmark::State& state) {
    auto body = sample_deploy_requested();
    for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body));
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_decode_typed)->Name("message_decode/typed_validated");
BENCHMARK(BM_decode_baseline)->Name("message_decode/baseline");
