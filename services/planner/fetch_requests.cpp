// What each message needs from the repository's mirror before it can be planned.
#include "event_planners.hpp"

namespace strata::planner {
namespace {

MirrorRequest wanting(std::initializer_list<std::string> shas) {
    MirrorRequest r;
    for (const auto& sha : shas)
        if (!is_zero_sha(sha)) r.want.push_back(sha);
    return r;
}

}  // namespace

std::string clone_url_for(const std::string& url_template, const std::string& repo) {
    std::string url = url_template;
    for (std::size_t at; (at = url.find("{repo}")) != std::string::npos;) url.replace(at, 6, repo);
    return url;
}

// `before` is wanted too, but may be gone upstream after a force push (then it is simply
// absent after the fetch).
MirrorRequest fetch_request(const PushEvent& e) { return wanting({e.after, e.before}); }

// The head of a pull request from a fork is only reachable through refs/pull/N/head.
MirrorRequest fetch_request(const PullRequestEvent& e) {
    auto r = wanting({e.head_sha, e.base_sha});
    r.refspecs.push_back(pull_request_refspec(e.number));
    return r;
}

// The comment names no commit: fetch the pull request's head as it is now.
MirrorRequest fetch_request(const CommentCommandEvent& e) {
    MirrorRequest r;
    r.refresh = true;
    r.refspecs.push_back(pull_request_refspec(e.number));
    return r;
}

MirrorRequest fetch_request(const MergeGroupEvent& e) { return wanting({e.head_sha, e.base_sha}); }

// With no head_branch, whether the commit is on the default branch is read from the mirror's
// branch, which must be current.
MirrorRequest fetch_request(const CheckRunEvent& e) {
    auto r = wanting({e.head_sha});
    r.refresh = e.head_branch.empty();
    return r;
}

MirrorRequest fetch_request(const CheckSuiteEvent& e) {
    auto r = wanting({e.head_sha});
    r.refresh = e.head_branch.empty();
    return r;
}

// A branch's head is whatever the branch points at now.
MirrorRequest fetch_request(const TriggerDeploy& e) {
    auto r = wanting({e.revision});
    r.refresh = e.revision.empty();
    return r;
}

}  // namespace strata::planner
