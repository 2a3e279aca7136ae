#include "planner_service.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <type_traits>

#include "event_planners.hpp"
#include "installation_tokens.hpp"
#include "repo_workers.hpp"
#include "strata/log.hpp"
#include "strata/publish_all.hpp"
#include "strata/topology.hpp"
#include "strata/triggers.hpp"

namespace strata::planner {
namespace {

struct ServiceSettings {
    std::string cache_dir;
    PlannerSettings planner;
    TokenSettings tokens;
};

class PlannerService : public Service {
public:
    explicit PlannerService(ServiceSettings settings)
        : settings_(std::move(settings)),
          mirrors_(settings_.cache_dir),
          tokens_(settings_.tokens) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        workers_.emplace(
            ctx.loop, mirrors_, scans_,
            [this](const std::string&, long long installation) {
                return tokens_.token(installation);
            },
            [this](const std::string&, long long installation) { tokens_.forget(installation); });
        ctx.amqp.declare(topology::planner(),
                         [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             on_delivery(d, std::move(c));
                         });
        return {};
    }

    void drain(std::function<void()> done) override {
        done_ = std::move(done);
        maybe_drained();
    }

private:
    Counter& events(const std::string& type, const std::string& outcome) {
        return ctx_->metrics.counter("strata_planner_events_total",
                                     "Messages the planner settled, by type and outcome",
                                     {{"type", type}, {"outcome", outcome}});
    }
    Counter& invalid_triggers() {
        return ctx_->metrics.counter("strata_planner_invalid_triggers_total",
                                     "trigger.deploy messages dead-lettered as invalid");
    }

    void on_delivery(const Delivery& d, std::shared_ptr<DeliveryControl> control) {
        auto envelope = decode_envelope(d.body);
        std::string type = envelope ? envelope->type : d.routing_key;
        auto reject = [&](const std::string& reason) {
            log::error("dead-lettering a message that does not decode",
                       {{"type", type}, {"error", reason}},
                       envelope ? envelope->correlation_id : "");
            if (type.starts_with("trigger.")) invalid_triggers().inc();
            events(type, "dead_lettered").inc();
            control->dead_letter(reason);
        };
        if (!envelope) return reject(envelope.error().message);
        if (type == PushEvent::kType) return handle<PushEvent>(d, control, reject);
        if (type == PullRequestEvent::kType) return handle<PullRequestEvent>(d, control, reject);
        if (type == CommentCommandEvent::kType)
            return handle<CommentCommandEvent>(d, control, reject);
        if (type == MergeGroupEvent::kType) return handle<MergeGroupEvent>(d, control, reject);
        if (type == CheckRunEvent::kType) return handle<CheckRunEvent>(d, control, reject);
        if (type == CheckSuiteEvent::kType) return handle<CheckSuiteEvent>(d, control, reject);
        if (type == TriggerDeploy::kType) return handle<TriggerDeploy>(d, control, reject);
        if (type == InstallationEvent::kType || type == PingEvent::kType) {
            log::info("nothing to plan", {{"type", type}}, envelope->correlation_id);
            events(type, "ignored").inc();
            return control->ack();
        }
        reject("the planner does not handle messages of type " + type);
    }

    // A manual trigger is held to the stricter rules of strata/triggers.hpp (the CLI's), so an
    // AMQP client that skips the CLI gets the same clear refusal.
    template <class T>
    static Result<Message<T>> decode_checked(std::string_view body) {
        if constexpr (std::is_same_v<T, TriggerDeploy>)
            return decode_trigger<T>(body);
        else
            return decode<T>(body);
    }

    template <class T, class Reject>
    void handle(const Delivery& d, std::shared_ptr<DeliveryControl> control, Reject& reject) {
        auto message = decode_checked<T>(d.body);
        if (!message) return reject(message.error().message);
        route(std::move(*message), std::move(control));
    }

    void ignore(const Envelope& env, const std::string& why,
                std::shared_ptr<DeliveryControl> control) {
        log::debug(why, {{"type", env.type}}, env.correlation_id);
        events(env.type, "ignored").inc();
        control->ack();
    }

    // Decides on the loop thread what needs the mirror; everything else settles at once.
    void route(Message<PushEvent> m, std::shared_ptr<DeliveryControl> control) {
        const auto& e = m.payload;
        remember(e.repo);
        if (e.ref != "refs/heads/" + e.repo.default_branch || is_zero_sha(e.after))
            return ignore(m.envelope, "push is not to the default branch; nothing to deploy",
                          control);
        submit(e.repo, fetch_request(e), std::move(m), std::move(control),
               [](RepoContext& ctx, const Message<PushEvent>& m) { return plan_push(ctx, m); });
    }
    void route(Message<PullRequestEvent> m, std::shared_ptr<DeliveryControl> control) {
        const auto& e = m.payload;
        remember(e.repo);
        if (e.action == "closed") return finish(m.envelope, cancel_pull_request(m), control);
        if (e.action != "opened" && e.action != "synchronize" && e.action != "reopened" &&
            e.action != "ready_for_review")
            return ignore(m.envelope, "pull request " + e.action + "; nothing to plan", control);
        auto settings = settings_.planner;
        submit(e.repo, fetch_request(e), std::move(m), std::move(control),
               [settings](RepoContext& ctx, const Message<PullRequestEvent>& m) {
                   return plan_pull_request(ctx, m, settings);
               });
    }
    void route(Message<CommentCommandEvent> m, std::shared_ptr<DeliveryControl> control) {
        remember(m.payload.repo);
        if (m.payload.command != "plan") return ignore(m.envelope, "not a plan command", control);
        submit(m.payload.repo, fetch_request(m.payload), std::move(m), std::move(control),
               [](RepoContext& ctx, const auto& m) { return plan_comment(ctx, m); });
    }
    void route(Message<MergeGroupEvent> m, std::shared_ptr<DeliveryControl> control) {
        remember(m.payload.repo);
        if (m.payload.action != "checks_requested")
            return ignore(m.envelope, "merge group " + m.payload.action, control);
        submit(m.payload.repo, fetch_request(m.payload), std::move(m), std::move(control),
               [](RepoContext& ctx, const auto& m) { return plan_merge_group(ctx, m); });
    }
    void route(Message<CheckRunEvent> m, std::shared_ptr<DeliveryControl> control) {
        remember(m.payload.repo);
        if (m.payload.action != "rerequested")
            return ignore(m.envelope, "check run action for the scheduler", control);
        submit(m.payload.repo, fetch_request(m.payload), std::move(m), std::move(control),
               [](RepoContext& ctx, const auto& m) { return plan_check_run(ctx, m); });
    }
    void route(Message<CheckSuiteEvent> m, std::shared_ptr<DeliveryControl> control) {
        remember(m.payload.repo);
        if (m.payload.action != "rerequested")
            return ignore(m.envelope, "check suite " + m.payload.action, control);
        submit(m.payload.repo, fetch_request(m.payload), std::move(m), std::move(control),
               [](RepoContext& ctx, const auto& m) { return plan_check_suite(ctx, m); });
    }
    void route(Message<TriggerDeploy> m, std::shared_ptr<DeliveryControl> control) {
        RepoRef repo;
        repo.full_name = m.payload.repository;
        repo.clone_url = clone_url_for(settings_.planner.clone_url_template, m.payload.repository);
        if (auto it = known_.find(repo.full_name); it != known_.end()) {
            repo.installation_id = it->second.installation_id;
            repo.default_branch = it->second.default_branch;
        }
        submit(repo, fetch_request(m.payload), std::move(m), std::move(control),
               [repo](RepoContext& ctx, const auto& m) { return plan_trigger(ctx, m, repo); });
    }

    // What events taught us about a repository, for triggers (which carry only its name).
    void remember(const RepoRef& repo) {
        auto& known = known_[repo.full_name];
        if (repo.installation_id) known.installation_id = repo.installation_id;
        if (!repo.default_branch.empty()) known.default_branch = repo.default_branch;
    }

    // Takes repo and request by value: callers pass parts of m, which is moved from.
    template <class T, class Plan>
    void submit(RepoRef repo, MirrorRequest request, Message<T>&& m,
                std::shared_ptr<DeliveryControl> control, Plan plan) {
        request.repo = repo.full_name;
        request.url = repo.clone_url.empty()
                          ? clone_url_for(settings_.planner.clone_url_template, repo.full_name)
                          : repo.clone_url;
        auto message = std::make_shared<Message<T>>(std::move(m));
        RepoWorkers::Job job;
        job.request = std::move(request);
        job.installation_id = repo.installation_id;
        job.run = [message, plan](RepoContext& ctx) { return plan(ctx, *message); };
        job.done = [this, message, control](Outcome outcome) {
            count_fetches();
            finish(message->envelope, std::move(outcome), control);
        };
        workers_->submit(std::move(job));
    }

    // Loop thread: publish, wait for every confirm, then settle.
    void finish(const Envelope& env, Outcome outcome, std::shared_ptr<DeliveryControl> control) {
        ++publishing_;
        auto messages = std::move(outcome.messages);
        auto settle = [this, env, control, outcome = std::move(outcome)](Result<void> sent) {
            --publishing_;
            std::string result;
            if (!sent) {
                log::warn("publishing what the planner produced",
                          {{"type", env.type}, {"error", sent.error().message}},
                          env.correlation_id);
                control->requeue();
                result = "requeued";
            } else if (outcome.settle == Outcome::Settle::Ack) {
                log::info("planned", {{"type", env.type}, {"result", outcome.summary}},
                          env.correlation_id);
                control->ack();
                result = "acked";
            } else if (outcome.settle == Outcome::Settle::Requeue) {
                log::warn("requeueing", {{"type", env.type}, {"error", outcome.reason}},
                          env.correlation_id);
                control->requeue();
                result = "requeued";
            } else {
                log::error("dead-lettering", {{"type", env.type}, {"reason", outcome.reason}},
                           env.correlation_id);
                if (outcome.invalid_trigger) invalid_triggers().inc();
                control->dead_letter(outcome.reason);
                result = "dead_lettered";
            }
            events(env.type, result).inc();
            maybe_drained();
        };
        publish_all(ctx_->amqp, std::move(messages), std::move(settle));
    }

    void count_fetches() {
        long long now = mirrors_.fetch_count();
        ctx_->metrics.counter("strata_planner_fetches_total", "Fetches of repository mirrors")
            .inc(now - fetches_reported_);
        fetches_reported_ = now;
    }

    void maybe_drained() {
        if (done_ && publishing_ == 0 && workers_->in_flight() == 0)
            std::exchange(done_, nullptr)();
    }

    struct Known {
        long long installation_id = 0;
        std::string default_branch;
    };

    ServiceSettings settings_;
    MirrorCache mirrors_;
    ScanCache scans_;
    InstallationTokens tokens_;
    std::optional<RepoWorkers> workers_;
    std::map<std::string, Known> known_;
    DaemonContext* ctx_ = nullptr;
    int publishing_ = 0;
    long long fetches_reported_ = 0;
    std::function<void()> done_;
};

Result<std::string> read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("reading " + path + ": cannot open it");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

DaemonInfo daemon_info() {
    return {"planner",
            "Turns repository events into work per Terraform root: keeps a bare mirror per "
            "repository, diffs each commit and publishes deploy and plan requests.",
            {
                {"cache_dir", "/var/lib/strata/mirrors", "where the repository mirrors live"},
                {"github_token", "", "token used to fetch over HTTPS", true},
                {"clone_url_template", "https://github.com/{repo}.git",
                 "clone URL of a repository named only by a trigger; {repo} is owner/name"},
                {"github_app_id", "", "GitHub App id: fetch with installation tokens"},
                {"github_app_private_key", "", "the GitHub App's private key (PEM)", true},
                {"github_app_private_key_file", "", "file holding the App's private key (PEM)"},
                {"github_api_url", "https://api.github.com",
                 "GitHub API base URL (Enterprise Server: https://HOST/api/v3)"},
                {"plan_draft_pull_requests", "true", "plan draft pull requests too"},
            },
            false};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    ServiceSettings s;
    s.cache_dir = config.get("cache_dir");
    if (s.cache_dir.empty()) return make_error("cache_dir must be set");
    s.planner.clone_url_template = config.get("clone_url_template");
    if (s.planner.clone_url_template.find("{repo}") == std::string::npos)
        return make_error("clone_url_template must contain {repo}");
    auto drafts = config.get_bool("plan_draft_pull_requests");
    if (!drafts) return drafts.error();
    s.planner.plan_drafts = *drafts;
    s.tokens.static_token = config.get("github_token");
    s.tokens.app_id = config.get("github_app_id");
    s.tokens.app_private_key = config.get("github_app_private_key");
    s.tokens.api_url = config.get("github_api_url");
    if (s.tokens.app_private_key.empty() && !config.get("github_app_private_key_file").empty()) {
        auto key = read_text(config.get("github_app_private_key_file"));
        if (!key) return key.error();
        s.tokens.app_private_key = *key;
        log::register_secret(*key);
    }
    if (!s.tokens.app_id.empty() && s.tokens.app_private_key.empty())
        return make_error("github_app_id is set but the App's private key is not");
    return std::unique_ptr<Service>(std::make_unique<PlannerService>(std::move(s)));
}

}  // namespace strata::planner
