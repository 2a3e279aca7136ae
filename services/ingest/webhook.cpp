#include "webhook.hpp"

#include <nlohmann/json.hpp>

#include "strata/crypto.hpp"
#include "strata/messages.hpp"

namespace strata::ingest {
namespace {

using nlohmann::json;

std::string string_at(const json& j, const json::json_pointer& p) {
    return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : std::string();
}

long long int_at(const json& j, const json::json_pointer& p) {
    return j.contains(p) && j[p].is_number_integer() ? j[p].get<long long>() : 0;
}

RepoRef repo_of(const json& doc) {
    RepoRef r;
    r.full_name = string_at(doc, "/repository/full_name"_json_pointer);
    r.clone_url = string_at(doc, "/repository/clone_url"_json_pointer);
    r.default_branch = string_at(doc, "/repository/default_branch"_json_pointer);
    r.installation_id = int_at(doc, "/installation/id"_json_pointer);
    return r;
}

Result<Outcome> normalize_push(const json& doc, std::string_view delivery_id) {
    PushEvent push;
    push.repo = repo_of(doc);
    push.ref = string_at(doc, "/ref"_json_pointer);
    push.before = string_at(doc, "/before"_json_pointer);
    push.after = string_at(doc, "/after"_json_pointer);
    push.pusher = string_at(doc, "/pusher/name"_json_pointer);
    push.forced = doc.contains("forced") && doc["forced"].is_boolean() && doc["forced"].get<bool>();
    // Everything event.push requires, so that nothing accepted here is dead-lettered downstream.
    if (push.repo.full_name.empty() || push.repo.clone_url.empty() || push.ref.empty() ||
        push.before.empty() || push.after.empty())
        return make_error("push event lacks repository, ref, before or after");
    std::string id = derived_uuid("github-delivery:" + std::string(delivery_id));
    auto message = make_message(std::move(push), Origin{"ingest", id, ""}, id);
    return Outcome{Normalized{std::string(PushEvent::kType), id, encode(message)}};
}

}  // namespace

bool signature_valid(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets) {
    constexpr std::string_view prefix = "sha256=";
    if (header.substr(0, prefix.size()) != prefix) return false;
    auto given = header.substr(prefix.size());
    bool any = false;
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        // Check every secret so the time taken does not say which one matched.
        any |= constant_time_equals(hmac_sha256_hex(secret, body), given);
    }
    return any;
}

Result<Outcome> normalize(std::string_view event, std::string_view delivery_id,
                          std::string_view body) {
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return make_error("body is not a JSON object");
    if (event == "push") return normalize_push(doc, delivery_id);
    return Outcome{Ignored{"event '" + std::string(event) + "' is not handled"}};
}

}  // namespace strata::ingest
