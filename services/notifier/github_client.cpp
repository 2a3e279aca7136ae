#include "github_client.hpp"

namespace strata::notifier {

GitHubClient::GitHubClient(Loop& loop, GitHubAuth& auth)
    : auth_(auth), http_(std::make_unique<HttpClient>(loop)) {}

GitHubClient::~GitHubClient() { *alive_ = false; }

void GitHubClient::request(const std::string& repo, long long installation, std::string method,
                           std::string path, std::string body,
                           std::function<void(Result<HttpClientResponse>)> done) {
    HttpClientRequest req;
    req.method = std::move(method);
    req.url = auth_.api_url() + path;
    req.body = std::move(body);
    req.headers = {{"Accept", "application/vnd.github+json"},
                   {"X-GitHub-Api-Version", "2022-11-28"},
                   {"User-Agent", "strata-notifier"}};
    if (!req.body.empty()) req.headers["Content-Type"] = "application/json";
    send(repo, installation, std::move(req), true, std::move(done));
}

void GitHubClient::send(const std::string& repo, long long installation, HttpClientRequest req,
                        bool may_refresh, std::function<void(Result<HttpClientResponse>)> done) {
    auth_.authorization(
        repo, installation,
        [this, alive = alive_, repo, installation, req = std::move(req), may_refresh,
         done = std::move(done)](Result<std::string> authorization) mutable {
            if (!*alive) return;
            if (!authorization) return done(authorization.error());
            req.headers["Authorization"] = *authorization;
            auto retry = req;
            http_->send(
                std::move(req),
                [this, alive, repo, installation, used = *authorization, retry = std::move(retry),
                 may_refresh, done = std::move(done)](Result<HttpClientResponse> r) mutable {
                    if (!*alive) return;
                    if (r && r->status == 401 && may_refresh && auth_.is_app()) {
                        auth_.rejected(repo, installation, used);
                        return send(repo, installation, std::move(retry), false, std::move(done));
                    }
                    done(std::move(r));
                });
        });
}

}  // namespace strata::notifier
