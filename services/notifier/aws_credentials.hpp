// AWS credentials for signing the SNS audit events: the configured keys (aws_access_key_id and
// aws_secret_access_key, from STRATA_AWS_* or the config file) when set; otherwise the
// instance's role credentials from the EC2 instance metadata service (IMDSv2: a session token
// from PUT /latest/api/token, then /latest/meta-data/iam/security-credentials/<role>), cached
// until five minutes before they expire and fetched again after SNS refused them.
//
// Loop thread only; callbacks run on the loop. Keys never reach a log.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/aws_sigv4.hpp"
#include "strata/github_auth.hpp"
#include "strata/http_client.hpp"

namespace strata::notifier {

using github::parse_rfc3339;
using github::SystemClock;

class AwsCredentialsProvider {
public:
    AwsCredentialsProvider(Loop& loop, aws::Credentials configured, std::string imds_url,
                           SystemClock clock = {});
    ~AwsCredentialsProvider();

    void get(std::function<void(Result<aws::Credentials>)> done);
    // SNS refused the credentials: instance credentials are fetched again next time.
    void refused();
    bool refreshable() const { return configured_.empty(); }

private:
    void fetch();
    void finish(Result<aws::Credentials> result);
    HttpClientRequest imds_request(const std::string& method, const std::string& path) const;

    aws::Credentials configured_;
    std::string imds_url_;
    SystemClock clock_;
    std::unique_ptr<HttpClient> http_;
    std::optional<aws::Credentials> cached_;
    std::chrono::system_clock::time_point expires_at_{};
    std::string session_token_;  // IMDSv2
    std::vector<std::function<void(Result<aws::Credentials>)>> waiting_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::notifier
