#include "aws_credentials.hpp"

#include <nlohmann/json.hpp>

#include "strata/log.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

constexpr std::chrono::minutes kRefreshMargin{5};
const std::string kRolePath = "/latest/meta-data/iam/security-credentials/";

}  // namespace

AwsCredentialsProvider::AwsCredentialsProvider(Loop& loop, aws::Credentials configured,
                                               std::string imds_url, SystemClock clock)
    : configured_(std::move(configured)),
      imds_url_(std::move(imds_url)),
      clock_(clock ? std::move(clock) : SystemClock([] { return system_clock::now(); })),
      http_(std::make_unique<HttpClient>(loop)) {}

AwsCredentialsProvider::~AwsCredentialsProvider() { *alive_ = false; }

void AwsCredentialsProvider::get(std::function<void(Result<aws::Credentials>)> done) {
    if (!configured_.empty()) return done(configured_);
    if (imds_url_.empty()) return done(make_error("no AWS credentials are configured"));
    if (cached_ && clock_() < expires_at_ - kRefreshMargin) return done(*cached_);
    waiting_.push_back(std::move(done));
    if (waiting_.size() == 1) fetch();
}

void AwsCredentialsProvider::refused() {
    cached_.reset();
    session_token_.clear();
}

HttpClientRequest AwsCredentialsProvider::imds_request(const std::string& method,
                                                       const std::string& path) const {
    HttpClientRequest req;
    req.method = method;
    req.url = imds_url_ + path;
    req.timeout = std::chrono::milliseconds(2'000);
    if (method == "PUT")
        req.headers["X-aws-ec2-metadata-token-ttl-seconds"] = "21600";
    else
        req.headers["X-aws-ec2-metadata-token"] = session_token_;
    return req;
}

void AwsCredentialsProvider::fetch() {
    const std::string what = "getting AWS credentials from the instance metadata service";
    auto step3 = [this, alive = alive_, what](std::string role) {
        http_->send(imds_request("GET", kRolePath + role), [this, alive,
                                                            what](Result<HttpClientResponse> r) {
            if (!*alive) return;
            if (!r) return finish(r.error().context(what));
            auto body = json::parse(r->body, nullptr, false);
            if (r->status != 200 || !body.is_object() || body.value("Code", "") != "Success")
                return finish(make_error(what + ": answered " + std::to_string(r->status)));
            aws::Credentials c{body.value("AccessKeyId", ""), body.value("SecretAccessKey", ""),
                               body.value("Token", "")};
            auto expires = parse_rfc3339(body.value("Expiration", ""));
            if (c.empty() || !expires) return finish(make_error(what + ": incomplete credentials"));
            cached_ = c;
            expires_at_ = *expires;
            log::info("fetched AWS credentials from the instance metadata service",
                      {{"expires_at", body.value("Expiration", "")}});
            finish(std::move(c));
        });
    };
    auto step2 = [this, alive = alive_, what, step3] {
        http_->send(imds_request("GET", kRolePath),
                    [this, alive, what, step3](Result<HttpClientResponse> r) {
                        if (!*alive) return;
                        if (!r) return finish(r.error().context(what));
                        if (r->status != 200 || r->body.empty())
                            return finish(make_error(what + ": no instance role (answered " +
                                                     std::to_string(r->status) + ")"));
                        step3(r->body.substr(0, r->body.find('\n')));
                    });
    };
    if (!session_token_.empty()) return step2();
    http_->send(imds_request("PUT", "/latest/api/token"), [this, alive = alive_, what,
                                                           step2](Result<HttpClientResponse> r) {
        if (!*alive) return;
        if (!r) return finish(r.error().context(what));
        if (r->status != 200)
            return finish(make_error(what + ": token answered " + std::to_string(r->status)));
        session_token_ = r->body;
        step2();
    });
}

void AwsCredentialsProvider::finish(Result<aws::Credentials> result) {
    auto waiters = std::move(waiting_);
    waiting_.clear();
    for (auto& done : waiters) done(result);
}

}  // namespace strata::notifier
