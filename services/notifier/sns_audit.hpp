// The SNS audit stream: an event for every apply state change of a deploy (RUNNING when the
// apply starts, SUCCESS or FAILURE when it ends; an apply lost with its executor is a FAILURE),
// published with the SNS query API (Action=Publish) and signed with AWS Signature V4. Plain
// functions; the channel does the sending.
//
// Event (JSON): {version: 1, id: deployment id, state, job_type: "APPLY", revision, repository,
// pull_number (null when none), environment (the Terraform workspace), initiating_user,
// start_time, end_time (RFC 3339 or null), force_apply, project (the root's directory),
// root_name, approved_by (list of logins), approved_time (or null)}.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "strata/aws_sigv4.hpp"
#include "strata/http_client.hpp"
#include "strata/messages.hpp"
#include "strata/result.hpp"

namespace strata::notifier {

// RUNNING, SUCCESS or FAILURE; nullopt for a state that is no apply state change.
std::optional<std::string> audit_state_for(const DeploymentState& state);

std::string audit_event(const DeploymentState& state, const std::string& audit_state);

struct SnsTarget {
    std::string endpoint;  // "https://sns.us-east-1.amazonaws.com" (a path is kept: tests)
    std::string region;
    std::string topic_arn;
};

// POST <endpoint> with Action=Publish&TopicArn=...&Message=...&Version=2010-03-31, signed for
// service "sns" at `now`. An error when the endpoint is no http(s) URL.
Result<HttpClientRequest> sns_publish_request(const SnsTarget& target,
                                              const aws::Credentials& credentials,
                                              const std::string& message,
                                              std::chrono::system_clock::time_point now);

// "arn:aws:sns:us-east-1:123456789012:topic" (any partition); false for anything else.
bool valid_topic_arn(const std::string& arn);

}  // namespace strata::notifier
