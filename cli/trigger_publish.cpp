#include "trigger_publish.hpp"

#include <optional>

#include "loop_wait.hpp"
#include "strata/loop.hpp"
#include "strata/triggers.hpp"

namespace strata::cli {
namespace {

template <class T>
Result<BuiltTrigger> finish(T trigger, std::string summary) {
    if (auto valid = validate_trigger(trigger); !valid) return valid.error();
    auto message = make_message(std::move(trigger), Origin{"cli", "", ""});
    auto id = message.envelope.id;
    return BuiltTrigger{{std::string(T::kType), encode(message), id, id, "application/json", {}},
                        std::move(summary)};
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

}  // namespace

Result<BuiltTrigger> build_trigger(const CliRequest& r) {
    const auto& user = r.config.get("user");
    if (r.command == "deploy") {
        std::string at = !r.rev.empty()      ? r.rev
                         : !r.branch.empty() ? "the head of " + r.branch
                                             : "the head of the default branch";
        return finish(TriggerDeploy{r.repo, r.roots, r.rev, r.branch, user, r.reason, r.force},
                      "deploy " + joined(r.roots) + " of " + r.repo + " at " + at +
                          (r.force ? " (forced)" : ""));
    }
    std::string root = r.roots.empty() ? "" : r.roots.front();
    std::string which =
        r.deployment.empty() ? root + " of " + r.repo : "deployment " + r.deployment;
    if (r.command == "unlock")
        return finish(TriggerUnlock{r.repo, root, user, r.reason}, "unlock " + which);
    if (r.command == "confirm")
        return finish(TriggerConfirm{r.deployment, r.repo, root, user, r.reason},
                      "confirm the plan of " + which);
    if (r.command == "reject")
        return finish(TriggerReject{r.deployment, r.repo, root, user, r.reason},
                      "reject the plan of " + which);
    return make_error("'" + r.command + "' publishes no trigger");
}

Result<void> publish_confirmed(const AmqpOptions& options, OutgoingMessage message,
                               std::chrono::milliseconds timeout) {
    Loop loop;
    std::optional<Result<void>> outcome;
    {
        auto o = options;
        o.publish_timeout = timeout;
        AmqpClient client(loop, o);
        client.start();
        const auto where = url_location(options.url);
        if (!run_loop_until(
                loop, [&] { return client.healthy(); }, timeout)) {
            outcome = make_error("could not reach the broker at " + where + " within " +
                                 std::to_string(timeout.count()) + " ms");
        } else {
            auto key = message.routing_key;
            // By value: after a timeout the callback may still run, during loop.close().
            client.publish(std::move(message), [&outcome, key, where,
                                                exchange = options.exchange](Result<void> sent) {
                if (outcome) return;  // timed out already
                if (sent) {
                    outcome = Result<void>();
                } else if (sent.error().message.find("unroutable") != std::string::npos) {
                    outcome = make_error("the broker at " + where + " has no queue bound to " +
                                         key + " on exchange '" + exchange +
                                         "' (has the pipeline ever run on this exchange?)");
                } else {
                    outcome = sent.error().context("publishing " + key + " to " + where);
                }
            });
            if (!run_loop_until(
                    loop, [&] { return outcome.has_value(); }, timeout + timeout))
                outcome = make_error("the broker at " + where + " did not confirm " + key);
        }
        client.close(std::chrono::milliseconds(1'000));
    }
    loop.close();
    return *outcome;
}

}  // namespace strata::cli
