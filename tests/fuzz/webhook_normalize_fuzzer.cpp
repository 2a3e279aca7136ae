// libFuzzer target: ingest's handling of a webhook body after the signature check, which
// GitHub's payloads (and whoever holds the secret) reach: the form decoding, the normaliser of
// each event, the comment-command parser, the allowlist. The first byte picks the event (and
// the form encoding); the rest is the body. Property checked besides the sanitizers': every
// normalised message decodes with its own type's decoder, as its consumer will decode it
// (nothing ingest accepts is dead-lettered downstream).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "comment_command.hpp"
#include "repo_allowlist.hpp"
#include "strata/messages.hpp"
#include "webhook.hpp"
#include "webhook_body.hpp"

namespace {

using namespace strata;

const char* const kEvents[] = {
    "push",        "pull_request", "check_run", "check_suite", "issue_comment",
    "merge_group", "installation", "ping",      "star",        ""};

template <class T>
bool decodes(const std::string& body) {
    return decode<T>(body).ok();
}

bool decodes_as_its_type(const ingest::Normalized& n) {
    if (n.type == PushEvent::kType) return decodes<PushEvent>(n.body);
    if (n.type == PullRequestEvent::kType) return decodes<PullRequestEvent>(n.body);
    if (n.type == CheckRunEvent::kType) return decodes<CheckRunEvent>(n.body);
    if (n.type == CheckSuiteEvent::kType) return decodes<CheckSuiteEvent>(n.body);
    if (n.type == CommentCommandEvent::kType) return decodes<CommentCommandEvent>(n.body);
    if (n.type == MergeGroupEvent::kType) return decodes<MergeGroupEvent>(n.body);
    if (n.type == InstallationEvent::kType) return decodes<InstallationEvent>(n.body);
    if (n.type == PingEvent::kType) return decodes<PingEvent>(n.body);
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const char* event = kEvents[data[0] % (sizeof kEvents / sizeof kEvents[0])];
    std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] & 0x80) {
        auto form = ingest::form_payload(body);
        if (!form) return 0;
        body = std::move(*form);
    }
    (void)ingest::parse_comment_command(body);
    if (auto list = ingest::RepoAllowlist::parse(body); list) (void)list->allows("acme/infra");
    auto outcome = ingest::normalize(event, "fuzz-delivery-1", body);
    if (!outcome) return 0;
    if (const auto* n = std::get_if<ingest::Normalized>(&*outcome)) {
        if (!decodes_as_its_type(*n)) {
            std::fprintf(stderr, "normalised %s does not decode: %s\n", n->type.c_str(),
                         n->body.c_str());
            std::abort();
        }
    } else if (std::get<ingest::Ignored>(*outcome).code.empty()) {
        std::abort();  // every ignore has a metric code
    }
    return 0;
}
