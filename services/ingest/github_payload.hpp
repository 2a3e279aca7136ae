// Reading GitHub's webhook payloads, private to ingest. The payload is parsed with simdjson
// (validating the whole document, UTF-8 included) and read by JSON Pointer. GitHub sends null for
// many fields (a check suite's head_branch, a pull request's body); absent, null and wrongly
// typed fields all read as "" / 0 / false, and each normaliser decides which ones it cannot do
// without.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <utility>

#include "strata/messages.hpp"
#include "webhook.hpp"

namespace strata::ingest::github {

// A parsed payload. Valid while the parser that made it is neither destroyed nor reused.
class Payload {
public:
    explicit Payload(simdjson::dom::element root) : root_(root) {}

    std::string str(std::string_view pointer) const {
        std::string_view v;
        return at(pointer).get_string().get(v) == simdjson::SUCCESS ? std::string(v)
                                                                    : std::string();
    }
    long long integer(std::string_view pointer) const {
        int64_t v = 0;
        return at(pointer).get_int64().get(v) == simdjson::SUCCESS ? v : 0;
    }
    bool boolean(std::string_view pointer) const {
        bool v = false;
        return at(pointer).get_bool().get(v) == simdjson::SUCCESS && v;
    }
    bool present(std::string_view pointer) const {
        auto e = at(pointer);
        return e.error() == simdjson::SUCCESS && !e.is_null();
    }
    // The string field `field` of each object in the array at pointer.
    std::vector<std::string> strings_in(std::string_view pointer, std::string_view field) const {
        std::vector<std::string> out;
        simdjson::dom::array items;
        if (at(pointer).get_array().get(items) != simdjson::SUCCESS) return out;
        for (auto item : items) {
            std::string_view v;
            if (item[field].get_string().get(v) == simdjson::SUCCESS) out.emplace_back(v);
        }
        return out;
    }

private:
    simdjson::simdjson_result<simdjson::dom::element> at(std::string_view pointer) const {
        return root_.at_pointer(pointer);
    }
    simdjson::dom::element root_;
};

// The repository the event is about, with the App installation that delivered it.
inline RepoRef repo_of(const Payload& doc) {
    RepoRef r;
    r.full_name = doc.str("/repository/full_name");
    r.clone_url = doc.str("/repository/clone_url");
    r.default_branch = doc.str("/repository/default_branch");
    r.installation_id = doc.integer("/installation/id");
    return r;
}

// Who caused the event.
inline std::string sender(const Payload& doc) { return doc.str("/sender/login"); }

// The message id of the event a delivery becomes: the same delivery (a redelivery included)
// always gives the same id, so consumers drop a second copy.
inline std::string message_id_for(std::string_view delivery_id) {
    return derived_uuid("github-delivery:" + std::string(delivery_id));
}

// The outcome for a payload Strata acts on. The correlation id of everything that follows is the
// delivery id, which GitHub shows in the hook's delivery log.
template <class T>
Outcome normalized(T payload, std::string_view delivery_id, std::string repository) {
    std::string id = message_id_for(delivery_id);
    auto message =
        make_message(std::move(payload), Origin{"ingest", std::string(delivery_id), ""}, id);
    return Normalized{std::string(T::kType), id, encode(message), std::move(repository)};
}

// code: a metric label, from a fixed set (never text a user wrote).
inline Outcome ignored(std::string code, std::string reason, std::string repository) {
    return Ignored{std::move(reason), std::move(code), std::move(repository)};
}

// "action:<action>" for GitHub's action names, "action:other" for anything unexpected.
inline std::string action_code(const std::string& action) {
    bool plain = !action.empty() && action.size() <= 40 &&
                 action.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    return "action:" + (plain ? action : std::string("other"));
}

// One normaliser per event Strata uses (github_events.cpp). Errors are payloads that lack what
// the event cannot do without (answered 400).
Result<Outcome> push(const Payload& doc, std::string_view delivery_id);
Result<Outcome> pull_request(const Payload& doc, std::string_view delivery_id);
Result<Outcome> check_run(const Payload& doc, std::string_view delivery_id);
Result<Outcome> check_suite(const Payload& doc, std::string_view delivery_id);
Result<Outcome> issue_comment(const Payload& doc, std::string_view delivery_id);
Result<Outcome> merge_group(const Payload& doc, std::string_view delivery_id);
Result<Outcome> installation(const Payload& doc, std::string_view delivery_id);
Result<Outcome> ping(const Payload& doc, std::string_view delivery_id);

}  // namespace strata::ingest::github
