// The GitHub check-run channel (queue strata.notifier): one check run per deployment, created on
// its first state and updated on later ones. Coalesces: while a deployment's earlier state is
// being retried, only its newest state is sent, and every message it covers is acked with it.
// Never regresses: the last seq rendered on a check run is kept in Redis, a message at or below
// it is acked without a request. config.invalid, root.deleted and request.refused become one
// completed check run each (once per message id).
//
// Redis: P:notifier:seq:<dep>, P:notifier:check:<dep> (check run id), P:notifier:url:<dep>
// (its html_url, for links from other check runs and Slack), P:notifier:done:<message id>.
#pragma once

#include <map>
#include <memory>
#include <utility>

#include "check_run.hpp"
#include "delivery_queue.hpp"
#include "github_client.hpp"
#include "notifier_store.hpp"

namespace strata::notifier {

class CheckRunsChannel : public Channel {
public:
    CheckRunsChannel(Loop& loop, GitHubAuth& auth, NotifierStore& store, RenderLinks links);

    std::string name() const override { return "github"; }
    bool coalesces() const override { return true; }
    Admission admit(const Delivery& delivery) override;
    void attempt(const std::string& key, const std::vector<const Pending*>& batch, int attempt,
                 std::function<void(Outcome)> done) override;

private:
    struct Claimed;
    void attempt_state(const std::string& key, const std::vector<const Pending*>& batch,
                       std::function<void(Outcome)> done);
    void send_state(std::shared_ptr<Claimed> c);
    void find_existing(std::shared_ptr<Claimed> c);
    void attempt_event(const std::string& key, const Pending& pending,
                       std::function<void(Outcome)> done);

    NotifierStore& store_;
    RenderLinks links_;
    GitHubClient github_;
    // Check runs created whose id could not be recorded in Redis yet: used instead of creating
    // a second one on the next attempt.
    std::map<std::string, std::pair<std::string, std::string>> unsaved_;
};

}  // namespace strata::notifier
