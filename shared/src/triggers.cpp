#include "strata/triggers.hpp"

#include <algorithm>
#include <set>

#include "strata/log.hpp"

namespace strata {
namespace {

bool has_control_or_space(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

Result<void> check_repository(const std::string& repository) {
    auto slash = repository.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == repository.size() ||
        repository.find('/', slash + 1) != std::string::npos || has_control_or_space(repository))
        return make_error("repository '" + repository + "' is not owner/name");
    return {};
}

Result<void> check_root(const std::string& root) {
    if (root.empty()) return make_error("a root name is empty");
    if (root.size() > 200 || std::any_of(root.begin(), root.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        }))
        return make_error("root name '" + root.substr(0, 200) + "' is not a plain name");
    return {};
}

Result<void> check_user(const std::string& user) {
    if (user.empty()) return make_error("user is empty (who asked?)");
    return {};
}

bool full_sha(const std::string& s) {
    return s.size() == 40 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

template <class Review>
Result<void> check_review(const Review& t) {
    if (auto ok = check_user(t.user); !ok) return ok;
    if (!t.deployment_id.empty()) {
        if (has_control_or_space(t.deployment_id))
            return make_error("deployment_id '" + t.deployment_id + "' is not an id");
        return {};
    }
    if (t.repository.empty() || t.root.empty())
        return make_error("name the deployment: deployment_id, or repository and root");
    if (auto ok = check_repository(t.repository); !ok) return ok;
    return check_root(t.root);
}

}  // namespace

Result<void> validate_trigger(const TriggerDeploy& t) {
    if (auto ok = check_repository(t.repository); !ok) return ok;
    if (t.roots.empty()) return make_error("roots is empty: name at least one root");
    std::set<std::string> seen;
    for (const auto& root : t.roots) {
        if (auto ok = check_root(root); !ok) return ok;
        if (!seen.insert(root).second) return make_error("root '" + root + "' is named twice");
    }
    if (!t.revision.empty() && !t.branch.empty())
        return make_error("give a revision or a branch, not both");
    if (!t.revision.empty() && !full_sha(t.revision))
        return make_error("revision '" + t.revision + "' is not a full 40-digit lower-case SHA");
    if (has_control_or_space(t.branch) || t.branch.find("..") != std::string::npos)
        return make_error("branch '" + t.branch + "' is not a branch name");
    return check_user(t.user);
}

Result<void> validate_trigger(const TriggerUnlock& t) {
    if (auto ok = check_repository(t.repository); !ok) return ok;
    if (auto ok = check_root(t.root); !ok) return ok;
    return check_user(t.user);
}

Result<void> validate_trigger(const TriggerConfirm& t) { return check_review(t); }
Result<void> validate_trigger(const TriggerReject& t) { return check_review(t); }

void dead_letter_invalid(Metrics& metrics, const Delivery& delivery, DeliveryControl& control,
                         const std::string& reason) {
    // A client such as amqp-publish sets no message properties: the envelope, when it decodes,
    // still names the message and its correlation id for the log.
    std::string message_id = delivery.message_id, correlation_id = delivery.correlation_id;
    if (message_id.empty() || correlation_id.empty()) {
        if (auto envelope = decode_envelope(delivery.body); envelope) {
            if (message_id.empty()) message_id = envelope->id;
            if (correlation_id.empty()) correlation_id = envelope->correlation_id;
        }
    }
    log::error("dead-lettering an invalid message",
               {{"queue", delivery.queue},
                {"routing_key", delivery.routing_key},
                {"message_id", message_id},
                {"reason", reason}},
               correlation_id);
    metrics
        .counter("strata_messages_dead_lettered_total",
                 "messages dead-lettered because they can never be handled, by queue and routing "
                 "key",
                 {{"queue", delivery.queue}, {"routing_key", delivery.routing_key}})
        .inc();
    control.dead_letter(reason);
}

}  // namespace strata
