// Ingest's CPU per webhook, on a realistic ~7 KB push to the default branch.
//   webhook_normalize: ingest's normaliser (simdjson parse, read by JSON pointer, encode the
//     event.push message) against the baseline of the same work with nlohmann/json (parse into
//     a tree, read the same fields, encode): the figure that decides whether simdjson stays.
//   webhook_check: the whole check the endpoint runs per request (HMAC-SHA256 of the body,
//     headers, normalise) against the baseline of the HMAC alone: what parsing adds to it.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "strata/crypto.hpp"
#include "strata/messages.hpp"
#include "webhook.hpp"

namespace {

using nlohmann::json;

// A push of `commits` commits (each with a message and file lists), about 7 KB for 8.
std::string push_payload(int commits = 8) {
    json repo = {{"id", 35129377},
                 {"name", "infra"},
                 {"full_name", "acme/infra"},
                 {"private", true},
                 {"owner", {{"login", "acme"}, {"id", 21031067}, {"type", "Organization"}}},
                 {"html_url", "https://github.com/acme/infra"},
                 {"clone_url", "https://github.com/acme/infra.git"},
                 {"default_branch", "main"},
                 {"master_branch", "main"},
                 {"pushed_at", 1700000000},
                 {"size", 120}};
    json doc = {{"ref", "refs/heads/main"},
                {"before", std::string(40, 'a')},
                {"after", std::string(40, 'b')},
                {"repository", repo},
                {"pusher", {{"name", "octocat"}, {"email", "octocat@example.com"}}},
                {"sender", {{"login", "octocat"}, {"id", 583231}, {"type", "User"}}},
                {"installation", {{"id", 42}}},
                {"created", false},
                {"deleted", false},
                {"forced", false},
                {"compare", "https://github.com/acme/infra/compare/aaaaaaaaaaaa...bbbbbbbbbbbb"},
                {"commits", json::array()}};
    for (int i = 0; i < commits; ++i) {
        std::string id = strata::sha256_hex(std::to_string(i)).substr(0, 40);
        doc["commits"].push_back(
            {{"id", id},
             {"tree_id", strata::sha256_hex("tree" + id).substr(0, 40)},
             {"distinct", true},
             {"message", "Change " + std::to_string(i) +
                             " to the network roots: widen the NAT gateway subnets"},
             {"timestamp", "2026-11-20T10:00:00Z"},
             {"url", "https://github.com/acme/infra/commit/" + id},
             {"author", {{"name", "Octo Cat"}, {"email", "octocat@example.com"}}},
             {"committer", {{"name", "GitHub"}, {"email", "noreply@github.com"}}},
             {"added", {"prod/network/nat.tf"}},
             {"removed", json::array()},
             {"modified", {"prod/network/main.tf", "prod/network/variables.tf"}}});
    }
    doc["head_commit"] = doc["commits"].back();
    return doc.dump();
}

const std::string& payload() {
    static const std::string p = push_payload();
    return p;
}

std::string str(const json& doc, const json::json_pointer& p) {
    return doc.contains(p) && doc.at(p).is_string() ? doc.at(p).get<std::string>() : "";
}

// What ingest's push normaliser does, with nlohmann/json.
std::string normalize_with_nlohmann(const std::string& body) {
    auto doc = json::parse(body, nullptr, false);
    if (!doc.is_object()) return "";
    strata::PushEvent e;
    e.repo.full_name = str(doc, "/repository/full_name"_json_pointer);
    e.repo.clone_url = str(doc, "/repository/clone_url"_json_pointer);
    e.repo.default_branch = str(doc, "/repository/default_branch"_json_pointer);
    auto installation = "/installation/id"_json_pointer;
    e.repo.installation_id = doc.contains(installation) && doc.at(installation).is_number_integer()
                                 ? doc.at(installation).get<long long>()
                                 : 0;
    e.ref = str(doc, "/ref"_json_pointer);
    e.before = str(doc, "/before"_json_pointer);
    e.after = str(doc, "/after"_json_pointer);
    e.pusher = str(doc, "/pusher/name"_json_pointer);
    e.forced = doc.value("forced", false);
    auto id = strata::derived_uuid("github-delivery:bench-delivery");
    return strata::encode(strata::make_message(e, {"ingest", "bench-delivery", ""}, id));
}

void BM_normalize_simdjson(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(strata::ingest::normalize("push", "bench-delivery", payload()));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload().size()));
    state.SetItemsProcessed(state.iterations());
}

void BM_normalize_baseline(benchmark::State& state) {
    if (normalize_with_nlohmann(payload()).empty()) state.SkipWithError("baseline did not parse");
    for (auto _ : state) benchmark::DoNotOptimize(normalize_with_nlohmann(payload()));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload().size()));
    state.SetItemsProcessed(state.iterations());
}

const std::vector<std::string> kSecrets = {"bench-secret", ""};

void BM_check_full(benchmark::State& state) {
    const auto signature = "sha256=" + strata::hmac_sha256_hex(kSecrets[0], payload());
    strata::ingest::WebhookInput in{"push", "bench-delivery", signature,
                                    strata::ingest::BodyEncoding::Json, payload()};
    if (strata::ingest::check_webhook(in, kSecrets).status != 0)
        state.SkipWithError("the webhook was refused");
    for (auto _ : state) benchmark::DoNotOptimize(strata::ingest::check_webhook(in, kSecrets));
    state.SetItemsProcessed(state.iterations());
}

void BM_check_baseline(benchmark::State& state) {
    auto signature = "sha256=" + strata::hmac_sha256_hex(kSecrets[0], payload());
    for (auto _ : state)
        benchmark::DoNotOptimize(strata::ingest::signature_valid(payload(), signature, kSecrets));
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_normalize_baseline)->Name("webhook_normalize/baseline");
BENCHMARK(BM_normalize_simdjson)->Name("webhook_normalize/simdjson");
BENCHMARK(BM_check_baseline)->Name("webhook_check/baseline");
BENCHMARK(BM_check_full)->Name("webhook_check/hmac_and_normalize");
