#include "slack_channel.hpp"

#include "check_run_summary.hpp"
#include "strata/log.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

constexpr long long kKeepSeconds = 30LL * 24 * 3600;

// KEYS: slack_seq of the deployment, locked hash of its root, locked_roots set.
// ARGV: seq, locked (1/0), deployment id, entry JSON, root key, ttl seconds.
// Records the state unless an equal or newer one was; 1 when recorded.
const char* kTrack = R"lua(
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[6])
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[6])
  redis.call('SADD', KEYS[3], ARGV[5])
else
  redis.call('HDEL', KEYS[2], ARGV[3])
  if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[5]) end
end
return 1
)lua";

std::string root_key(const DeploymentState& s) { return s.repo.full_name + "||" + s.root.name; }

}  // namespace

SlackChannel::SlackChannel(Loop& loop, NotifierStore& store, SlackSettings settings,
                           SystemClock clock)
    : loop_(loop),
      store_(store),
      settings_(std::move(settings)),
      clock_(clock ? std::move(clock) : SystemClock([] { return system_clock::now(); })),
      http_(std::make_unique<HttpClient>(loop)) {
    store_.redis().register_script("notifier_slack_track", kTrack);
}

SlackChannel::~SlackChannel() { *alive_ = false; }

Admission SlackChannel::admit(const Delivery& d) {
    auto envelope = decode_envelope(d.body);
    if (!envelope) return Admission::reject(envelope.error().message);
    if (envelope->type != DeploymentState::kType) return Admission::ignore();
    auto m = decode<DeploymentState>(d.body);
    if (!m) return Admission::reject(m.error().message);
    if (m->payload.kind != "deploy") return Admission::ignore();
    std::string key = m->payload.deployment_id;
    return Admission::work(std::move(key), std::move(m->payload));
}

void SlackChannel::attempt(const std::string& key, const std::vector<const Pending*>& batch, int,
                           std::function<void(Outcome)> done) {
    const auto& pending = *batch.front();
    if (const auto* reminder = std::any_cast<Reminder>(&pending.item)) {
        auto it = settings_.routes.find("reminder");
        if (it == settings_.routes.end()) return done(Outcome::delivered());
        return post_all(std::make_shared<std::string>(key), it->second, reminder->message,
                        std::move(done));
    }
    attempt_state(pending, std::move(done));
}

void SlackChannel::attempt_state(const Pending& pending, std::function<void(Outcome)> done) {
    const auto& s = std::any_cast<const DeploymentState&>(pending.item);
    const std::string lock = "slack:" + s.deployment_id;
    store_.claim(
        lock, {store_.key("slack_seq", s.deployment_id), store_.key("url", s.deployment_id)},
        [this, s, lock,
         done = std::move(done)](Result<std::optional<NotifierStore::Values>> r) mutable {
            if (!r) return done(Outcome::retry(r.error().message));
            if (!*r) {
                auto o = Outcome::retry("another notifier instance holds it", milliseconds(1'000));
                o.counts = false;
                return done(o);
            }
            const auto& v = **r;
            if (s.seq <= (v[0].empty() ? 0 : std::atoll(v[0].c_str()))) {
                store_.release(lock);
                return done(Outcome::delivered());  // older than what was seen
            }
            std::string url =
                v[1].empty() ? commit_url(settings_.links, s.repo.full_name, s.revision) + "/checks"
                             : v[1];
            // After the posts, record the state (and whether it waits on an Unlock).
            auto track = [this, s, lock, url, done = std::move(done)](Outcome posted) {
                if (posted.kind == Outcome::Kind::Retry) {
                    store_.release(lock);
                    return done(posted);
                }
                json entry = {{"deployment_id", s.deployment_id},
                              {"repo", s.repo.full_name},
                              {"root", s.root.name},
                              {"revision", s.revision},
                              {"since", s.updated_at},
                              {"url", url}};
                std::string root = root_key(s);
                store_.redis().eval(
                    "notifier_slack_track",
                    {store_.key("slack_seq", s.deployment_id), store_.key("locked", root),
                     store_.key("locked_roots")},
                    {std::to_string(s.seq), s.state == "locked" ? "1" : "0", s.deployment_id,
                     entry.dump(), root, std::to_string(kKeepSeconds)},
                    [this, lock, posted, done](Result<RedisReply> tracked) {
                        store_.release(lock);
                        if (!tracked) return done(Outcome::retry(tracked.error().message));
                        done(posted);
                    });
            };
            auto event = slack_event_for(s);
            auto route = event ? settings_.routes.find(*event) : settings_.routes.end();
            if (route == settings_.routes.end()) return track(Outcome::delivered());
            post_all(std::make_shared<std::string>(s.deployment_id + ":" + std::to_string(s.seq)),
                     route->second, slack_message(s, *event, url), std::move(track));
        });
}

void SlackChannel::post_all(std::shared_ptr<std::string> progress_key,
                            std::vector<SlackTarget> targets, json message,
                            std::function<void(Outcome)> done) {
    auto& posted = posted_[*progress_key];
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (posted.count(i)) continue;
        auto target = targets[i];
        return post(target, message,
                    [this, alive = alive_, progress_key, targets = std::move(targets), message, i,
                     done = std::move(done)](Outcome outcome) mutable {
                        if (!*alive) return;
                        if (outcome.kind != Outcome::Kind::Delivered) {
                            if (outcome.kind == Outcome::Kind::Permanent)
                                posted_.erase(*progress_key);
                            return done(outcome);
                        }
                        posted_[*progress_key].insert(i);
                        post_all(progress_key, std::move(targets), std::move(message),
                                 std::move(done));
                    });
    }
    posted_.erase(*progress_key);
    done(Outcome::delivered());
}

void SlackChannel::post(const SlackTarget& target, const json& message,
                        std::function<void(Outcome)> done) {
    HttpClientRequest req;
    req.method = "POST";
    json body = message;
    if (target.webhook) {
        req.url = settings_.webhook_url;
    } else {
        req.url = settings_.api_url + "/chat.postMessage";
        req.headers["Authorization"] = "Bearer " + settings_.bot_token;
        body["channel"] = target.channel;
    }
    req.headers["Content-Type"] = "application/json; charset=utf-8";
    req.headers["User-Agent"] = "strata-notifier";
    req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    http_->send(std::move(req),
                [alive = alive_, done = std::move(done)](Result<HttpClientResponse> r) {
                    if (*alive) done(classify_slack(r, system_clock::now()));
                });
}

void SlackChannel::start_reminders(DeliveryQueue& queue) {
    queue_ = &queue;
    if (settings_.reminder_hour_utc < 0 || !settings_.routes.count("reminder")) return;
    schedule_reminder();
}

void SlackChannel::schedule_reminder() {
    auto now = clock_();
    auto at = next_reminder(now, settings_.reminder_hour_utc);
    auto delay = std::chrono::duration_cast<milliseconds>(at - now) + milliseconds(1);
    reminder_timer_ = std::make_unique<Timer>(loop_);
    reminder_timer_->start(delay, [this] { remind([this] { schedule_reminder(); }); });
    log::info("next Slack reminder scheduled",
              {{"at", utc_date(at)}, {"in_ms", static_cast<long long>(delay.count())}});
}

void SlackChannel::remind(std::function<void()> then) {
    auto date = utc_date(clock_());
    auto finish = [then = std::move(then)] {
        if (then) then();
    };
    store_.redis().command(
        {"SET", store_.key("reminder", date), "sending", "NX", "EX", std::to_string(3 * 24 * 3600)},
        [this, alive = alive_, date, finish](Result<RedisReply> r) {
            if (!*alive) return;
            if (!r) {
                log::error("sending the Slack reminder", {{"error", r.error().message}});
                return finish();
            }
            if (r->is_nil()) return finish();  // sent already (a restart, or another instance)
            collect_locked([this, date, finish](std::vector<LockedDeploy> waiting) {
                if (!waiting.empty() && queue_)
                    queue_->push_item("reminder:" + date, Reminder{slack_reminder(waiting)},
                                      unacked_control("Slack reminder of " + date));
                log::info("Slack reminder", {{"date", date}, {"waiting", waiting.size()}});
                finish();
            });
        });
}

void SlackChannel::collect_locked(std::function<void(std::vector<LockedDeploy>)> done) {
    store_.redis().command({"SMEMBERS", store_.key("locked_roots")}, [this, alive = alive_,
                                                                      done = std::move(done)](
                                                                         Result<RedisReply> roots) {
        if (!*alive) return;
        if (!roots || roots->elements.empty()) return done({});
        struct Gather {
            std::size_t remaining;
            std::vector<LockedDeploy> waiting;
            std::function<void(std::vector<LockedDeploy>)> done;
        };
        auto gather = std::make_shared<Gather>(Gather{roots->elements.size(), {}, std::move(done)});
        for (const auto& root : roots->elements) {
            store_.redis().command(
                {"HVALS", store_.key("locked", root.str)}, [gather](Result<RedisReply> r) {
                    if (r) {
                        for (const auto& v : r->elements) {
                            auto e = json::parse(v.str, nullptr, false);
                            if (!e.is_object()) continue;
                            gather->waiting.push_back({e.value("deployment_id", ""),
                                                       e.value("repo", ""), e.value("root", ""),
                                                       e.value("revision", ""),
                                                       e.value("since", ""), e.value("url", "")});
                        }
                    }
                    if (--gather->remaining == 0) gather->done(std::move(gather->waiting));
                });
        }
    });
}

}  // namespace strata::notifier
