#include "check_runs_channel.hpp"

#include <nlohmann/json.hpp>

#include <variant>

#include "strata/aws_sigv4.hpp"
#include "strata/log.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;
using std::chrono::system_clock;
using Item = std::variant<Message<DeploymentState>, Message<ConfigInvalid>, Message<RootDeleted>,
                          Message<RequestRefused>>;

constexpr std::chrono::seconds kKeep{30 * 24 * 3600};

Outcome busy() {
    auto o = Outcome::retry("another notifier instance holds it", milliseconds(1'000));
    o.counts = false;
    return o;
}

template <class T>
Admission admit_as(const Delivery& d, const std::string& key_prefix) {
    auto m = decode<T>(d.body);
    if (!m) return Admission::reject(m.error().message);
    std::string key = key_prefix + m->envelope.id;
    return Admission::work(std::move(key), Item{std::move(*m)});
}

}  // namespace

struct CheckRunsChannel::Claimed {
    std::string key;  // deployment id
    DeploymentState state;
    RenderLinks links;
    bool look_up = false;  // a redelivery with no check run known: it may exist already
    std::string check_id;
    std::string url;
    std::function<void(Outcome)> done;
};

CheckRunsChannel::CheckRunsChannel(Loop& loop, GitHubAuth& auth, NotifierStore& store,
                                   RenderLinks links)
    : store_(store), links_(std::move(links)), github_(loop, auth) {}

Admission CheckRunsChannel::admit(const Delivery& d) {
    auto envelope = decode_envelope(d.body);
    if (!envelope) return Admission::reject(envelope.error().message);
    const auto& type = envelope->type;
    if (type == DeploymentState::kType) {
        auto m = decode<DeploymentState>(d.body);
        if (!m) return Admission::reject(m.error().message);
        std::string key = m->payload.deployment_id;
        return Admission::work(std::move(key), Item{std::move(*m)});
    }
    if (type == ConfigInvalid::kType) return admit_as<ConfigInvalid>(d, "event:");
    if (type == RootDeleted::kType) return admit_as<RootDeleted>(d, "event:");
    if (type == RequestRefused::kType) return admit_as<RequestRefused>(d, "event:");
    return Admission::ignore();
}

void CheckRunsChannel::attempt(const std::string& key, const std::vector<const Pending*>& batch,
                               int, std::function<void(Outcome)> done) {
    if (key.rfind("event:", 0) == 0) return attempt_event(key, *batch.front(), std::move(done));
    attempt_state(key, batch, std::move(done));
}

void CheckRunsChannel::attempt_state(const std::string& key,
                                     const std::vector<const Pending*>& batch,
                                     std::function<void(Outcome)> done) {
    auto c = std::make_shared<Claimed>();
    c->key = key;
    c->links = links_;
    c->done = std::move(done);
    const DeploymentState* newest = nullptr;
    for (const auto* p : batch) {
        const auto& s =
            std::get<Message<DeploymentState>>(std::any_cast<const Item&>(p->item)).payload;
        if (!newest || s.seq > newest->seq) newest = &s;
        c->look_up = c->look_up || p->redelivered;
    }
    c->state = *newest;
    store_.claim(
        "dep:" + key, {store_.key("seq", key), store_.key("check", key), store_.key("url", key)},
        [this, c](Result<std::optional<NotifierStore::Values>> r) {
            if (!r) return c->done(Outcome::retry(r.error().message));
            if (!*r) return c->done(busy());
            const auto& v = **r;
            long long last_seq = v[0].empty() ? 0 : std::atoll(v[0].c_str());
            c->check_id = v[1];
            c->url = v[2];
            if (auto it = unsaved_.find(c->key); c->check_id.empty() && it != unsaved_.end())
                std::tie(c->check_id, c->url) = it->second;
            if (c->state.seq <= last_seq) {
                store_.release("dep:" + c->key);
                return c->done(Outcome::delivered());  // GitHub shows a newer state
            }
            if (c->state.queue_ahead.empty()) return send_state(c);
            std::vector<std::string> mget = {"MGET"};
            for (const auto& q : c->state.queue_ahead)
                mget.push_back(store_.key("url", q.deployment_id));
            store_.redis().command(std::move(mget), [this, c](Result<RedisReply> urls) {
                if (urls) {
                    for (std::size_t i = 0;
                         i < urls->elements.size() && i < c->state.queue_ahead.size(); ++i)
                        if (!urls->elements[i].is_nil())
                            c->links.check_run_urls[c->state.queue_ahead[i].deployment_id] =
                                urls->elements[i].str;
                }
                send_state(c);  // without links to check runs, the queue links commits
            });
        });
}

void CheckRunsChannel::find_existing(std::shared_ptr<Claimed> c) {
    c->look_up = false;
    const auto& s = c->state;
    std::string path = "/repos/" + s.repo.full_name + "/commits/" + s.revision +
                       "/check-runs?check_name=" + aws::uri_encode(check_run_name(s)) +
                       "&filter=all&per_page=100";
    github_.request(
        s.repo.full_name, s.repo.installation_id, "GET", path, "",
        [this, c](Result<HttpClientResponse> r) {
            auto outcome = classify_github(r, system_clock::now());
            if (outcome.kind == Outcome::Kind::Retry) {
                store_.release("dep:" + c->key);
                return c->done(outcome);
            }
            auto body = r ? json::parse(r->body, nullptr, false) : json();
            if (body.is_object() && body.contains("check_runs") && body["check_runs"].is_array()) {
                for (const auto& run : body["check_runs"]) {
                    if (run.value("external_id", "") != c->key || !run.contains("id")) continue;
                    c->check_id = run["id"].dump();
                    c->url = run.value("html_url", "");
                    log::info("found the check run of a redelivered deployment state",
                              {{"deployment_id", c->key}, {"check_run", c->check_id}});
                }
            }
            send_state(c);
        });
}

void CheckRunsChannel::send_state(std::shared_ptr<Claimed> c) {
    if (c->check_id.empty() && c->look_up) return find_existing(c);
    const auto& s = c->state;
    auto view = render_check_run(s, c->links);
    bool create = c->check_id.empty();
    std::string path =
        "/repos/" + s.repo.full_name + "/check-runs" + (create ? "" : "/" + c->check_id);
    github_.request(
        s.repo.full_name, s.repo.installation_id, create ? "POST" : "PATCH", path,
        check_run_body(view, create), [this, c, create](Result<HttpClientResponse> r) {
            auto now = system_clock::now();
            auto outcome = classify_github(r, now);
            const std::string lock = "dep:" + c->key;
            if (r && r->status == 404 && !create) {
                // Someone deleted the check run (or it belongs elsewhere): make a new one.
                unsaved_.erase(c->key);
                return store_.commit(
                    lock, {{store_.key("check", c->key), ""}, {store_.key("url", c->key), ""}},
                    [c](Result<bool>) {
                        auto o = Outcome::retry("the check run is gone; creating it again",
                                                milliseconds(0));
                        o.counts = false;
                        c->done(o);
                    });
            }
            if (outcome.kind != Outcome::Kind::Delivered) {
                store_.release(lock);
                return c->done(outcome);
            }
            if (create) {
                auto body = json::parse(r->body, nullptr, false);
                if (!body.is_object() || !body.contains("id")) {
                    store_.release(lock);
                    return c->done(Outcome::retry("GitHub's answer has no check run id"));
                }
                c->check_id = body["id"].dump();
                c->url = body.value("html_url", "");
                unsaved_[c->key] = {c->check_id, c->url};
            }
            auto pause = github_budget_exhausted(*r, now);
            store_.commit(lock,
                          {{store_.key("seq", c->key), std::to_string(c->state.seq), kKeep},
                           {store_.key("check", c->key), c->check_id, kKeep},
                           {store_.key("url", c->key), c->url, kKeep}},
                          [this, c, pause](Result<bool> saved) {
                              if (!saved) return c->done(Outcome::retry(saved.error().message));
                              if (!*saved) {
                                  // The lock outlived its ttl: claim again and compare seqs.
                                  auto o =
                                      Outcome::retry("the notifier lock expired during the update",
                                                     milliseconds(0));
                                  o.counts = false;
                                  return c->done(o);
                              }
                              unsaved_.erase(c->key);
                              auto o = Outcome::delivered();
                              o.pause_channel = pause;
                              c->done(o);
                          });
        });
}

void CheckRunsChannel::attempt_event(const std::string& key, const Pending& pending,
                                     std::function<void(Outcome)> done) {
    CheckRunView view;
    std::string repo;
    long long installation = 0;
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m.payload)>;
            if constexpr (std::is_same_v<T, ConfigInvalid>)
                view = render_config_invalid(m.payload, links_);
            if constexpr (std::is_same_v<T, RootDeleted>)
                view = render_root_deleted(m.payload, links_);
            if constexpr (std::is_same_v<T, RequestRefused>)
                view = render_request_refused(m.payload, links_);
            repo = m.payload.repo.full_name;
            installation = m.payload.repo.installation_id;
        },
        std::any_cast<const Item&>(pending.item));
    auto done_key = store_.key("done", key.substr(6));
    store_.claim(
        key, {done_key},
        [this, key, done_key, view = std::move(view), repo, installation,
         done = std::move(done)](Result<std::optional<NotifierStore::Values>> r) mutable {
            if (!r) return done(Outcome::retry(r.error().message));
            if (!*r) return done(busy());
            if (!(**r)[0].empty()) {
                store_.release(key);
                return done(Outcome::delivered());
            }
            github_.request(
                repo, installation, "POST", "/repos/" + repo + "/check-runs",
                check_run_body(view, true),
                [this, key, done_key, done = std::move(done)](Result<HttpClientResponse> r) {
                    auto outcome = classify_github(r, system_clock::now());
                    if (outcome.kind != Outcome::Kind::Delivered) {
                        store_.release(key);
                        return done(outcome);
                    }
                    auto body = json::parse(r->body, nullptr, false);
                    std::string id =
                        body.is_object() && body.contains("id") ? body["id"].dump() : "?";
                    store_.commit(key, {{done_key, id, std::chrono::seconds(7 * 24 * 3600)}},
                                  [done](Result<bool>) { done(Outcome::delivered()); });
                });
        });
}

}  // namespace strata::notifier
