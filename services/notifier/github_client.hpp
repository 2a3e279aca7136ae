// Requests to GitHub's REST API on behalf of a repository's installation, with its own HTTP
// client (one per channel, so the check runs and the pull-request comments never wait on each
// other). A 401 drops the token used and the request is sent once more with a fresh one.
// Loop thread only; any HTTP status is a response, errors are transport or auth failures.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "strata/github_auth.hpp"
#include "strata/http_client.hpp"

namespace strata::notifier {

using github::GitHubAuth;

class GitHubClient {
public:
    GitHubClient(Loop& loop, GitHubAuth& auth);
    ~GitHubClient();

    // path: "/repos/acme/infra/check-runs"; body: JSON or "".
    void request(const std::string& repo, long long installation, std::string method,
                 std::string path, std::string body,
                 std::function<void(Result<HttpClientResponse>)> done);

private:
    void send(const std::string& repo, long long installation, HttpClientRequest req,
              bool may_refresh, std::function<void(Result<HttpClientResponse>)> done);

    GitHubAuth& auth_;
    std::unique_ptr<HttpClient> http_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::notifier
