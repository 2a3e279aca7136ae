// The pull-request comment channel (queue strata.notifier.comments): keeps one comment (more
// when it outgrows GitHub's limit) per pull request with the plans of its roots, edited in
// place. Takes pull-request plans (kind "plan" with a pull_number); acks everything else.
// Coalesces per pull request: every plan state in hand is applied, then the parts whose text
// changed are sent (PATCH), missing ones created (POST), surplus ones deleted.
//
// Redis: P:notifier:pr:<owner>/<repo>#<number> holds the comment state (PrComments as JSON:
// the plans shown, comment ids and a hash of each part as last sent), saved after every step
// so a retry or another instance carries on where it stopped.
#pragma once

#include "delivery_queue.hpp"
#include "github_client.hpp"
#include "notifier_store.hpp"
#include "pr_comment.hpp"

namespace strata::notifier {

class PrCommentsChannel : public Channel {
public:
    PrCommentsChannel(Loop& loop, GitHubAuth& auth, NotifierStore& store, RenderLinks links);

    std::string name() const override { return "comments"; }
    bool coalesces() const override { return true; }
    Admission admit(const Delivery& delivery) override;
    void attempt(const std::string& key, const std::vector<const Pending*>& batch, int attempt,
                 std::function<void(Outcome)> done) override;

private:
    struct Sync;
    void step(std::shared_ptr<Sync> sync);
    void save_then(std::shared_ptr<Sync> sync, bool release, std::function<void()> next);

    NotifierStore& store_;
    RenderLinks links_;
    GitHubClient github_;
};

}  // namespace strata::notifier
