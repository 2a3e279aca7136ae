// The SNS audit channel (queue strata.notifier.sns): publishes the audit event of every apply
// state change of a deploy (RUNNING, SUCCESS, FAILURE; see sns_audit.hpp) to the configured
// topic, signed with SigV4 using AwsCredentialsProvider. Acks every other state. Once per
// deployment and audit state: P:notifier:sns:<deployment id>:<STATE> is set after SNS accepted
// it, so a redelivery publishes nothing twice. One message at a time per deployment.
#pragma once

#include <memory>

#include "aws_credentials.hpp"
#include "delivery_queue.hpp"
#include "notifier_store.hpp"
#include "sns_audit.hpp"

namespace strata::notifier {

class SnsChannel : public Channel {
public:
    SnsChannel(Loop& loop, NotifierStore& store, SnsTarget target,
               AwsCredentialsProvider& credentials, SystemClock clock = {});
    ~SnsChannel() override;

    std::string name() const override { return "sns"; }
    Admission admit(const Delivery& delivery) override;
    void attempt(const std::string& key, const std::vector<const Pending*>& batch, int attempt,
                 std::function<void(Outcome)> done) override;

private:
    struct Event {
        DeploymentState state;
        std::string audit_state;
    };
    void publish(const Event& event, const std::string& lock, const std::string& done_key,
                 std::function<void(Outcome)> done);

    NotifierStore& store_;
    SnsTarget target_;
    AwsCredentialsProvider& credentials_;
    SystemClock clock_;
    std::unique_ptr<HttpClient> http_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::notifier
