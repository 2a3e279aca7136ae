#include "webhook.hpp"

#include <algorithm>
#include <optional>

#include "github_payload.hpp"
#include "strata/crypto.hpp"

namespace strata::ingest {
namespace {

constexpr std::size_t kReusedParserBytes = 1024 * 1024;

using Normalizer = Result<Outcome> (*)(const github::Payload&, std::string_view);

struct HandledEvent {
    const char* name;
    Normalizer normalize;
};

constexpr HandledEvent kHandled[] = {
    {"push", github::push},
    {"pull_request", github::pull_request},
    {"check_run", github::check_run},
    {"check_suite", github::check_suite},
    {"issue_comment", github::issue_comment},
    {"merge_group", github::merge_group},
    {"installation", github::installation},
    {"ping", github::ping},
};

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

bool delivery_id_valid(std::string_view delivery_id) {
    if (delivery_id.empty() || delivery_id.size() > 64) return false;
    return std::all_of(delivery_id.begin(), delivery_id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '-' || c == '_' || c == '.';
    });
}

const std::vector<std::string>& handled_events() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& e : kHandled) out.emplace_back(e.name);
        return out;
    }();
    return names;
}

Result<Outcome> normalize(std::string_view event, std::string_view delivery_id,
                          std::string_view json) {
    // One parser per thread keeps its buffers between payloads; a rare large payload (up to
    // 25 MiB) gets a parser of its own, so that no thread holds buffers of that size afterwards.
    thread_local simdjson::dom::parser reused;
    std::optional<simdjson::dom::parser> large;
    auto& parser = json.size() <= kReusedParserBytes ? reused : large.emplace();
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object())
        return make_error("body is not a JSON object");
    github::Payload doc(root);
    for (const auto& handled : kHandled) {
        if (event == handled.name) return handled.normalize(doc, delivery_id);
    }
    return github::ignored("event_not_handled", "event '" + std::string(event) + "' is not handled",
                           doc.str("/repository/full_name"));
}

CheckedWebhook check_webhook(const WebhookInput& in, const std::vector<std::string>& secrets) {
    CheckedWebhook c;
    auto refuse = [&](int status, std::string metric, std::string error) {
        c.status = status;
        c.metric = std::move(metric);
        c.error = std::move(error);
        return c;
    };
    if (!signature_valid(in.body, in.signature, secrets))
        return refuse(401, "bad_signature", "invalid signature");
    if (in.event.empty() || !delivery_id_valid(in.delivery))
        return refuse(400, "bad_request",
                      "missing or malformed X-GitHub-Event or X-GitHub-Delivery");
    std::optional<std::string> form;
    if (in.encoding == BodyEncoding::Form) {
        auto payload = form_payload(in.body);
        if (!payload) return refuse(400, "bad_request", payload.error().message);
        form = std::move(*payload);
    }
    auto outcome = normalize(in.event, in.delivery, form ? std::string_view(*form) : in.body);
    if (!outcome) return refuse(400, "bad_request", outcome.error().message);
    c.outcome = std::move(*outcome);
    return c;
}

}  // namespace strata::ingest
