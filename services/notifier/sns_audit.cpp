#include "sns_audit.hpp"

#include <nlohmann/json.hpp>

#include <regex>

namespace strata::notifier {
namespace {

using nlohmann::json;

json time_or_null(const std::string& t) { return t.empty() ? json(nullptr) : json(t); }

}  // namespace

std::optional<std::string> audit_state_for(const DeploymentState& s) {
    if (s.kind != "deploy") return std::nullopt;
    if (s.state == "applying") return "RUNNING";
    if (s.apply_started_at.empty()) return std::nullopt;  // ended before any apply ran
    if (s.state == "succeeded") return "SUCCESS";
    if (s.state == "failed" || s.state == "timed_out") return "FAILURE";
    return std::nullopt;
}

std::string audit_event(const DeploymentState& s, const std::string& audit_state) {
    json event = {
        {"version", 1},
        {"id", s.deployment_id},
        {"state", audit_state},
        {"job_type", "APPLY"},
        {"revision", s.revision},
        {"repository", s.repo.full_name},
        {"pull_number", s.pull_number ? json(s.pull_number) : json(nullptr)},
        {"environment", s.root.workspace},
        {"initiating_user", s.user},
        {"start_time", time_or_null(s.apply_started_at)},
        {"end_time", audit_state == "RUNNING" ? json(nullptr) : time_or_null(s.finished_at)},
        {"force_apply", s.force},
        {"project", s.root.dir},
        {"root_name", s.root.name},
        {"approved_by", s.approved_by},
        {"approved_time", time_or_null(s.approved_at)}};
    return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool valid_topic_arn(const std::string& arn) {
    static const std::regex pattern(
        R"(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?)");
    return std::regex_match(arn, pattern);
}

Result<HttpClientRequest> sns_publish_request(const SnsTarget& target,
                                              const aws::Credentials& credentials,
                                              const std::string& message,
                                              std::chrono::system_clock::time_point now) {
    // scheme://host[:port][/path]
    auto scheme_end = target.endpoint.find("://");
    if (scheme_end == std::string::npos || (target.endpoint.compare(0, scheme_end, "https") != 0 &&
                                            target.endpoint.compare(0, scheme_end, "http") != 0))
        return make_error("publishing to SNS: endpoint '" + target.endpoint +
                          "' is not an http(s) URL");
    auto host_start = scheme_end + 3;
    auto path_start = target.endpoint.find('/', host_start);
    std::string host = target.endpoint.substr(
        host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
    std::string path = path_start == std::string::npos ? "/" : target.endpoint.substr(path_start);
    if (host.empty())
        return make_error("publishing to SNS: endpoint '" + target.endpoint + "' has no host");

    HttpClientRequest req;
    req.method = "POST";
    req.url = target.endpoint;
    req.body = "Action=Publish&Message=" + aws::uri_encode(message) +
               "&TopicArn=" + aws::uri_encode(target.topic_arn) + "&Version=2010-03-31";
    const std::string content_type = "application/x-www-form-urlencoded; charset=utf-8";
    aws::SigV4Request to_sign{"POST",
                              aws::uri_decode(path),
                              "",
                              {{"Content-Type", content_type}, {"Host", host}},
                              req.body};
    aws::SigV4Options options{target.region, "sns", aws::amz_date(now)};
    auto signature = aws::sign_v4(to_sign, credentials, options);
    // Host as signed (curl would send the same, but then it is certain).
    req.headers = {{"Content-Type", content_type},
                   {"Host", host},
                   {"Accept", "application/xml"},
                   {"User-Agent", "strata-notifier"}};
    for (const auto& [name, value] : signature.headers_to_add) req.headers[name] = value;
    return req;
}

}  // namespace strata::notifier
