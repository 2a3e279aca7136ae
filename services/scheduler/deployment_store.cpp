#include "deployment_store.hpp"

#include <nlohmann/json.hpp>

#include "scheduler_lua_embedded.hpp"

namespace strata::scheduler {
namespace {

using nlohmann::json;

std::string script(std::string_view body) {
    return std::string(scheduler_lua_lib()) + "\n" + std::string(scheduler_lua_lib_queue()) + "\n" +
           std::string(scheduler_lua_lib_finish()) + "\n" + std::string(body);
}

long long millis(std::chrono::milliseconds d) { return static_cast<long long>(d.count()); }

}  // namespace

std::string repo_json(const RepoRef& r) {
    return json{{"full_name", r.full_name},
                {"clone_url", r.clone_url},
                {"default_branch", r.default_branch},
                {"installation_id", r.installation_id}}
        .dump();
}

std::string root_json(const RootRef& r) {
    return json{{"name", r.name},
                {"dir", r.dir},
                {"workspace", r.workspace},
                {"terraform_version", r.terraform_version}}
        .dump();
}

std::string plan_json(const PlanSummary& p) {
    return json{{"add", p.add},
                {"change", p.change},
                {"destroy", p.destroy},
                {"replace", p.replace},
                {"import", p.import},
                {"move", p.move},
                {"resources", p.resources}}
        .dump();
}

DeploymentStore::DeploymentStore(RedisClient& redis, std::string prefix,
                                 std::function<long long()> clock)
    : redis_(redis), prefix_(std::move(prefix)), clock_(std::move(clock)) {
    redis_.register_script("scheduler.enqueue", script(scheduler_lua_enqueue()));
    redis_.register_script("scheduler.plan_request", script(scheduler_lua_plan_request()));
    redis_.register_script("scheduler.plan_cancel", script(scheduler_lua_plan_cancel()));
    redis_.register_script("scheduler.job_state", script(scheduler_lua_job_state()));
    redis_.register_script("scheduler.unlock", script(scheduler_lua_unlock()));
    redis_.register_script("scheduler.review", script(scheduler_lua_review()));
    redis_.register_script("scheduler.tick", script(scheduler_lua_tick()));
    redis_.register_script("scheduler.outbox_due", script(scheduler_lua_outbox_due()));
    redis_.register_script("scheduler.describe", script(scheduler_lua_describe()));
}

std::string DeploymentStore::root_key(std::string_view repo, std::string_view root) {
    return std::string(repo) + "||" + std::string(root);
}

Result<Transition> parse_transition(const RedisReply& reply) {
    if (reply.type != RedisReply::Type::Array || reply.elements.size() != 2 ||
        reply.elements[1].type != RedisReply::Type::Array)
        return make_error("unexpected reply from a scheduler script");
    Transition t{reply.elements[0].str, {}};
    const auto& flat = reply.elements[1].elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
        OutboxEntry entry{flat[i].str, {}};
        // Numbers a script put in an entry come back as integer replies (strings from XRANGE).
        for (const auto& f : flat[i + 1].elements)
            entry.fields.push_back(f.type == RedisReply::Type::Integer ? std::to_string(f.integer)
                                                                       : f.str);
        t.entries.push_back(std::move(entry));
    }
    return t;
}

void DeploymentStore::run(const std::string& name, const Cause& cause, std::string argument,
                          const std::string& what, TransitionCallback done) {
    std::string now = clock_ ? std::to_string(clock_()) : "";
    redis_.eval(
        "scheduler." + name, {},
        {prefix_, cause.message_id, std::move(now), cause.correlation_id, std::move(argument)},
        [what, done = std::move(done)](Result<RedisReply> reply) {
            if (!reply) return done(reply.error().context(what));
            done(parse_transition(*reply));
        });
}

void DeploymentStore::enqueue(const Cause& cause, const std::string& deployment_id,
                              const DeployRequested& r, const RootPolicy& policy,
                              TransitionCallback done) {
    // The repository's settings combined with the operator's policy, recorded with the
    // deployment by the script: later changes of either do not change a queued deployment.
    auto effective = effective_policy(policy, r);
    json q = {{"id", deployment_id},
              {"root_key", root_key(r.repo.full_name, r.root.name)},
              {"repo_name", r.repo.full_name},
              {"repo", repo_json(r.repo)},
              {"root", root_json(r.root)},
              {"root_name", r.root.name},
              {"revision", r.revision},
              {"ref", r.ref},
              {"trigger", r.trigger},
              {"user", r.user},
              {"rerun", r.rerun},
              {"force", r.force},
              {"request_reason", r.reason},
              {"upstream", r.upstream_roots},
              {"approvers_required", effective.policy.approvers_required},
              {"allowed", json(effective.policy.reviewers).dump()},
              {"review_timeout_ms", millis(effective.policy.review_timeout)},
              {"expiry_ms", millis(effective.policy.queue_expiry)},
              {"coalesce", effective.policy.coalesce_merges},
              {"review_mode", effective.review},
              {"apply_enabled", effective.apply_enabled},
              {"apply_timeout", effective.apply_timeout},
              {"policy_note", effective.note}};
    run("enqueue", cause, q.dump(), "enqueueing deployment", std::move(done));
}

void DeploymentStore::request_plan(const Cause& cause, const std::string& deployment_id,
                                   const PlanRequested& r, TransitionCallback done) {
    json q = {{"id", deployment_id},
              {"root_key", root_key(r.repo.full_name, r.root.name)},
              {"repo_name", r.repo.full_name},
              {"repo", repo_json(r.repo)},
              {"root", root_json(r.root)},
              {"root_name", r.root.name},
              {"revision", r.revision},
              {"pull_number", r.pull_number},
              {"head_ref", r.head_ref},
              {"trigger", r.trigger},
              {"user", r.user}};
    run("plan_request", cause, q.dump(), "requesting plan", std::move(done));
}

void DeploymentStore::cancel_plans(const Cause& cause, const PlanCancelled& c,
                                   TransitionCallback done) {
    json q = {{"repo_name", c.repo.full_name},
              {"pull_number", c.pull_number},
              {"revision", c.revision},
              {"reason", c.reason}};
    run("plan_cancel", cause, q.dump(), "cancelling plans", std::move(done));
}

void DeploymentStore::record_job_state(const Cause& cause, const JobState& s,
                                       TransitionCallback done) {
    json q = {{"dep", s.deployment_id},
              {"fence", s.fencing_token},
              {"job_id", s.job_id},
              {"state", s.state},
              {"order", s.revision_order},
              {"plan", s.plan ? plan_json(*s.plan) : ""},
              {"changes", s.plan && s.plan->has_changes()},
              {"detail", s.detail},
              {"executor", s.executor_id}};
    run("job_state", cause, q.dump(), "recording job state", std::move(done));
}

void DeploymentStore::unlock(const Cause& cause, const UnlockRequest& u, TransitionCallback done) {
    json roots = json::array();
    for (const auto& root : u.roots) roots.push_back(root_key(u.repo.full_name, root));
    json q = {{"dep", u.deployment_id},
              {"roots", roots},
              {"all", u.all_roots},
              {"repo", repo_json(u.repo)},
              {"repo_name", u.repo.full_name},
              {"user", u.user}};
    run("unlock", cause, q.dump(), "unlocking queue", std::move(done));
}

void DeploymentStore::review(const Cause& cause, const ReviewRequest& r, TransitionCallback done) {
    json roots = json::array();
    if (!r.root.empty()) roots.push_back(root_key(r.repo.full_name, r.root));
    for (const auto& root : r.roots) roots.push_back(root_key(r.repo.full_name, root));
    json q = {{"action", r.action},        {"dep", r.deployment_id},        {"roots", roots},
              {"repo", repo_json(r.repo)}, {"repo_name", r.repo.full_name}, {"user", r.user},
              {"reason", r.reason}};
    q["teams"] = json::object();
    for (const auto& [team, verdict] : r.team_verdicts) q["teams"][team] = verdict;
    run("review", cause, q.dump(), "recording review", std::move(done));
}

void DeploymentStore::tick(const TickSettings& s, TransitionCallback done) {
    json q = {{"lease_timeout_ms", millis(s.lease_timeout)},
              {"max_attempts", s.max_plan_attempts},
              {"limit", s.limit}};
    run("tick", Cause{}, q.dump(), "running timers", std::move(done));
}

void DeploymentStore::outbox_due(std::chrono::milliseconds grace, int limit,
                                 TransitionCallback done) {
    json q = {{"grace_ms", millis(grace)}, {"limit", limit}};
    run("outbox_due", Cause{}, q.dump(), "reading the outbox", std::move(done));
}

void DeploymentStore::outbox_done(const std::vector<std::string>& entry_ids,
                                  std::function<void(Result<void>)> done) {
    if (entry_ids.empty()) return done({});
    std::vector<std::string> argv = {"XDEL", prefix_ + ":outbox"};
    argv.insert(argv.end(), entry_ids.begin(), entry_ids.end());
    redis_.command(std::move(argv), [done = std::move(done)](Result<RedisReply> reply) {
        if (!reply) return done(reply.error().context("removing published outbox entries"));
        done({});
    });
}

Result<DeploymentRecord> parse_record(const std::string& id, const RedisReply& reply) {
    if (reply.type != RedisReply::Type::Array || reply.elements.size() != 2)
        return make_error("unexpected reply describing deployment " + id);
    DeploymentRecord d;
    d.id = id;
    const auto& hash = reply.elements[0].elements;
    for (std::size_t i = 0; i + 1 < hash.size(); i += 2) d.fields[hash[i].str] = hash[i + 1].str;
    if (d.fields.empty()) return make_error("deployment " + id + " does not exist");
    auto f = [&](const char* name) {
        auto it = d.fields.find(name);
        return it == d.fields.end() ? std::string() : it->second;
    };
    auto number = [&](const char* name) {
        auto v = f(name);
        return v.empty() ? 0LL : std::stoll(v);
    };
    d.state = f("state");
    d.phase = f("phase");
    d.revision = f("revision");
    d.trigger = f("trigger");
    d.job_id = f("job_id");
    d.reason = f("reason");
    d.executor = f("executor");
    d.last_attempted = f("last_attempted");
    d.seq = number("seq");
    d.fence = number("fence");
    const auto& ahead = reply.elements[1].elements;
    for (std::size_t i = 0; i + 3 <= ahead.size(); i += 3)
        d.queue_ahead.push_back({ahead[i].str, ahead[i + 1].str, ahead[i + 2].str});
    return d;
}

void DeploymentStore::describe(const std::string& deployment_id,
                               std::function<void(Result<DeploymentRecord>)> done) {
    redis_.eval("scheduler.describe", {}, {prefix_, "", "", "", deployment_id},
                [deployment_id, done = std::move(done)](Result<RedisReply> reply) {
                    if (!reply) return done(reply.error().context("describing deployment"));
                    done(parse_record(deployment_id, *reply));
                });
}

void DeploymentStore::inflight(const std::string& repo, const std::vector<std::string>& roots,
                               std::function<void(Result<std::vector<std::string>>)> done) {
    if (roots.empty()) return done(std::vector<std::string>{});
    std::vector<std::string> argv = {"MGET"};
    for (const auto& root : roots)
        argv.push_back(prefix_ + ":root:" + root_key(repo, root) + ":inflight");
    redis_.command(std::move(argv), [done = std::move(done)](Result<RedisReply> reply) {
        if (!reply) return done(reply.error().context("reading deployments in flight"));
        std::vector<std::string> ids;
        for (const auto& e : reply->elements) ids.push_back(e.is_nil() ? "" : e.str);
        done(std::move(ids));
    });
}

}  // namespace strata::scheduler
