#include "pr_comments_channel.hpp"

#include <nlohmann/json.hpp>

#include "strata/crypto.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

constexpr std::chrono::seconds kKeep{90 * 24 * 3600};

std::string body_json(const std::string& text) {
    return json{{"body", text}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

struct PrCommentsChannel::Sync {
    std::string key;  // "acme/infra#12"
    std::string repo;
    long long pull = 0;
    long long installation = 0;
    PrComments state;
    std::vector<std::string> parts;
    std::size_t next = 0;  // the part to send next; past the parts: surplus comments to delete
    std::function<void(Outcome)> done;
};

PrCommentsChannel::PrCommentsChannel(Loop& loop, GitHubAuth& auth, NotifierStore& store,
                                     RenderLinks links)
    : store_(store), links_(std::move(links)), github_(loop, auth) {}

Admission PrCommentsChannel::admit(const Delivery& d) {
    auto envelope = decode_envelope(d.body);
    if (!envelope) return Admission::reject(envelope.error().message);
    if (envelope->type != DeploymentState::kType) return Admission::ignore();
    auto m = decode<DeploymentState>(d.body);
    if (!m) return Admission::reject(m.error().message);
    if (m->payload.kind != "plan" || m->payload.pull_number == 0) return Admission::ignore();
    std::string key = m->payload.repo.full_name + "#" + std::to_string(m->payload.pull_number);
    return Admission::work(std::move(key), std::move(m->payload));
}

void PrCommentsChannel::attempt(const std::string& key, const std::vector<const Pending*>& batch,
                                int, std::function<void(Outcome)> done) {
    auto sync = std::make_shared<Sync>();
    sync->key = key;
    sync->done = std::move(done);
    const auto& first = std::any_cast<const DeploymentState&>(batch.front()->item);
    sync->repo = first.repo.full_name;
    sync->pull = first.pull_number;
    sync->installation = first.repo.installation_id;
    std::vector<DeploymentState> states;
    for (const auto* p : batch) states.push_back(std::any_cast<const DeploymentState&>(p->item));
    store_.claim(
        "pr:" + key, {store_.key("pr", key)},
        [this, sync, states = std::move(states)](Result<std::optional<NotifierStore::Values>> r) {
            if (!r) return sync->done(Outcome::retry(r.error().message));
            if (!*r) {
                auto o = Outcome::retry("another notifier instance holds it", milliseconds(1'000));
                o.counts = false;
                return sync->done(o);
            }
            sync->state = PrComments::from_json((**r)[0]);
            for (const auto& s : states) apply_plan_state(sync->state, s);
            sync->parts = render_pr_comment(sync->state, sync->repo, links_);
            step(sync);
        });
}

void PrCommentsChannel::save_then(std::shared_ptr<Sync> sync, bool release,
                                  std::function<void()> next) {
    std::vector<NotifierStore::Write> writes = {
        {store_.key("pr", sync->key), sync->state.to_json(), kKeep}};
    auto done = [sync, next = std::move(next)](Result<bool> saved) {
        if (!saved) return sync->done(Outcome::retry(saved.error().message));
        if (!*saved) {
            auto o = Outcome::retry("the notifier lock expired during the update", milliseconds(0));
            o.counts = false;
            return sync->done(o);
        }
        next();
    };
    if (release)
        store_.commit("pr:" + sync->key, std::move(writes), std::move(done));
    else
        store_.save("pr:" + sync->key, std::move(writes), std::move(done));
}

void PrCommentsChannel::step(std::shared_ptr<Sync> sync) {
    auto& st = sync->state;
    const std::string base = "/repos/" + sync->repo + "/issues";
    // A failed request: keep what was done so far, then report.
    auto failed = [this, sync](Outcome outcome) {
        save_then(sync, true, [sync, outcome] { sync->done(outcome); });
    };
    if (sync->next < sync->parts.size()) {
        std::size_t i = sync->next;
        auto hash = sha256_hex(sync->parts[i]);
        if (i < st.comment_ids.size() && i < st.part_hashes.size() && st.part_hashes[i] == hash) {
            ++sync->next;
            return step(sync);
        }
        bool create = i >= st.comment_ids.size();
        std::string path = create ? base + "/" + std::to_string(sync->pull) + "/comments"
                                  : base + "/comments/" + std::to_string(st.comment_ids[i]);
        return github_.request(
            sync->repo, sync->installation, create ? "POST" : "PATCH", path,
            body_json(sync->parts[i]),
            [this, sync, i, hash, create, failed](Result<HttpClientResponse> r) {
                auto& st = sync->state;
                if (r && r->status == 404 && !create) {  // deleted by someone: post it again
                    st.comment_ids.erase(st.comment_ids.begin() + static_cast<long>(i));
                    if (i < st.part_hashes.size())
                        st.part_hashes.erase(st.part_hashes.begin() + static_cast<long>(i));
                    return save_then(sync, false, [this, sync] { step(sync); });
                }
                auto outcome = classify_github(r, system_clock::now());
                if (outcome.kind != Outcome::Kind::Delivered) return failed(outcome);
                if (create) {
                    auto body = json::parse(r->body, nullptr, false);
                    if (!body.is_object() || !body.contains("id") || !body["id"].is_number())
                        return failed(Outcome::retry("GitHub's answer has no comment id"));
                    st.comment_ids.push_back(body["id"].get<long long>());
                }
                st.part_hashes.resize(std::max(st.part_hashes.size(), i + 1));
                st.part_hashes[i] = hash;
                ++sync->next;
                save_then(sync, false, [this, sync] { step(sync); });
            });
    }
    if (st.comment_ids.size() > sync->parts.size()) {
        auto id = st.comment_ids.back();
        return github_.request(sync->repo, sync->installation, "DELETE",
                               base + "/comments/" + std::to_string(id), "",
                               [this, sync, failed](Result<HttpClientResponse> r) {
                                   auto outcome = classify_github(r, system_clock::now());
                                   bool gone = r && r->status == 404;
                                   if (outcome.kind != Outcome::Kind::Delivered && !gone)
                                       return failed(outcome);
                                   auto& st = sync->state;
                                   st.comment_ids.pop_back();
                                   if (st.part_hashes.size() > st.comment_ids.size())
                                       st.part_hashes.resize(st.comment_ids.size());
                                   save_then(sync, false, [this, sync] { step(sync); });
                               });
    }
    save_then(sync, true, [sync] { sync->done(Outcome::delivered()); });
}

}  // namespace strata::notifier
