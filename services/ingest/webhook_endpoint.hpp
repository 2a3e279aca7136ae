// POST /events: the webhook endpoint (docs/ingest.md). Runs on the daemon's loop thread; the
// signature check and parsing of a body over 64 KiB run on the loop's thread pool.
//
// Answers, in the order they are checked:
//   503 while draining; 415 a body that is neither application/json nor form-encoded;
//   401 a missing or wrong X-Hub-Signature-256; 400 a missing or malformed X-GitHub-Event or
//   X-GitHub-Delivery, or a payload that is not JSON or lacks what its event needs;
//   403 an event about a repository outside the allowlist (logged);
//   202 an event Strata does not act on (counted per event and reason);
//   202 a delivery already published (dedupe record "done");
//   409 a delivery whose first copy is still being published (GitHub keeps it retryable);
//   202 once the broker confirmed the normalised event; 503 when Redis or the broker could not
//   take it, or no answer came within answer_deadline.
// (413 for bodies over 25 MiB and the header deadline are the HTTP server's.)
//
// Dedupe record P:ingest:delivery:<delivery id>: SET NX "pending" (pending_ttl) before the
// publish; "done" (dedupe_ttl, longer than GitHub's redelivery window) once confirmed; deleted
// when the publish failed, so a redelivery is published; a confirm that comes after the answer
// deadline (answered 503) still writes "done", so the redelivery is a "duplicate". A 202
// "accepted" therefore means the broker confirmed the message; the message id is derived from
// the delivery id, so a message published twice (the link lost before its confirm, a crash
// before "done") is dropped by consumers, which are idempotent by message id.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "repo_allowlist.hpp"
#include "strata/daemon.hpp"

namespace strata::ingest {

struct WebhookSettings {
    std::vector<std::string> secrets;  // the current one and, during a rotation, the previous one
    RepoAllowlist allowlist;
    std::string redis_prefix;
    std::chrono::seconds dedupe_ttl{7 * 24 * 3600};
    std::chrono::seconds pending_ttl{60};
    std::chrono::milliseconds answer_deadline{8'000};  // GitHub gives up after 10 s
};

class WebhookEndpoint {
public:
    WebhookEndpoint(DaemonContext& ctx, WebhookSettings settings);
    ~WebhookEndpoint();
    WebhookEndpoint(const WebhookEndpoint&) = delete;
    WebhookEndpoint& operator=(const WebhookEndpoint&) = delete;

    void handle(const HttpRequest& request, HttpResponder respond);

    // New requests get 503; done runs (once) when every request in hand has been answered.
    void drain(std::function<void()> done);

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace strata::ingest
