#include "deployment_store.hpp"

#include <nlohmann/json.hpp>

#include "scheduler_lua_embedded.hpp"

namespace strata::scheduler {
namespace {

using nlohmann::json;

std::vector<std::string> split_csv(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        if (comma > start) out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

std::string script(std::string_view body) {
    return std::string(scheduler_lua_lib()) + "\n" + std::string(body);
}

std::optional<PlanSummary> plan_from_json(const std::string& text) {
    if (text.empty()) return std::nullopt;
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    PlanSummary p;
    p.add = j.value("add", 0);
    p.change = j.value("change", 0);
    p.destroy = j.value("destroy", 0);
    p.replace = j.value("replace", 0);
    p.import = j.value("import", 0);
    p.move = j.value("move", 0);
    p.resources = j.value("resources", std::vector<std::string>{});
    return p;
}

std::string plan_to_json(const PlanSummary& p) {
    return json{{"add", p.add},
                {"change", p.change},
                {"destroy", p.destroy},
                {"replace", p.replace},
                {"import", p.import},
                {"move", p.move},
                {"resources", p.resources}}
        .dump();
}

}  // namespace

DeploymentStore::DeploymentStore(RedisClient& redis, std::string prefix)
    : redis_(redis), prefix_(std::move(prefix)) {
    redis_.register_script("enqueue", script(scheduler_lua_enqueue()));
    redis_.register_script("job_state", script(scheduler_lua_job_state()));
    redis_.register_script("describe", script(scheduler_lua_describe()));
}

std::string DeploymentStore::root_key(const RepoRef& repo, const RootRef& root) {
    return repo.full_name + "||" + root.name;
}

Result<Transition> parse_transition(const RedisReply& reply) {
    if (reply.type != RedisReply::Type::Array || reply.elements.size() != 3)
        return make_error("unexpected reply from a scheduler script");
    return Transition{reply.elements[0].str, split_csv(reply.elements[1].str),
                      split_csv(reply.elements[2].str)};
}

void DeploymentStore::enqueue(const std::string& message_id, const std::string& deployment_id,
                              const DeployRequested& r, TransitionCallback done) {
    json repo = {{"full_name", r.repo.full_name},
                 {"clone_url", r.repo.clone_url},
                 {"default_branch", r.repo.default_branch},
                 {"installation_id", r.repo.installation_id}};
    json root = {{"name", r.root.name},
                 {"dir", r.root.dir},
                 {"workspace", r.root.workspace},
                 {"terraform_version", r.root.terraform_version}};
    std::vector<std::string> args = {prefix_,
                                     message_id,
                                     deployment_id,
                                     root_key(r.repo, r.root),
                                     r.trigger,
                                     "repo",
                                     repo.dump(),
                                     "root",
                                     root.dump(),
                                     "revision",
                                     r.revision,
                                     "ref",
                                     r.ref,
                                     "user",
                                     r.user,
                                     "upstream",
                                     json(r.upstream_roots).dump()};
    redis_.eval("enqueue", {}, std::move(args), [done = std::move(done)](Result<RedisReply> reply) {
        if (!reply) return done(reply.error().context("enqueueing deployment"));
        done(parse_transition(*reply));
    });
}

void DeploymentStore::record_job_state(const std::string& message_id, const JobState& s,
                                       TransitionCallback done) {
    std::vector<std::string> args = {prefix_,         message_id,
                                     s.deployment_id, std::to_string(s.fencing_token),
                                     s.state,         s.plan ? plan_to_json(*s.plan) : "",
                                     s.detail,        s.executor_id};
    redis_.eval("job_state", {}, std::move(args),
                [done = std::move(done)](Result<RedisReply> reply) {
                    if (!reply) return done(reply.error().context("recording job state"));
                    done(parse_transition(*reply));
                });
}

Result<DeploymentRecord> parse_record(const std::string& id, const RedisReply& reply) {
    if (reply.type != RedisReply::Type::Array || reply.elements.size() != 2)
        return make_error("unexpected reply describing deployment " + id);
    std::map<std::string, std::string> f;
    const auto& hash = reply.elements[0].elements;
    for (std::size_t i = 0; i + 1 < hash.size(); i += 2) f[hash[i].str] = hash[i + 1].str;
    if (f.empty()) return make_error("deployment " + id + " does not exist");
    DeploymentRecord d;
    d.id = id;
    json repo = json::parse(f["repo"], nullptr, false);
    json root = json::parse(f["root"], nullptr, false);
    if (!repo.is_object() || !root.is_object())
        return make_error("deployment " + id + " is corrupt");
    d.repo = {repo.value("full_name", ""), repo.value("clone_url", ""),
              repo.value("default_branch", ""), repo.value("installation_id", 0LL)};
    d.root = {root.value("name", ""), root.value("dir", ""), root.value("workspace", "default"),
              root.value("terraform_version", "")};
    d.revision = f["revision"];
    d.ref = f["ref"];
    d.trigger = f["trigger"];
    d.user = f["user"];
    d.state = f["state"];
    d.reason = f["reason"];
    d.job_id = f["job_id"];
    d.last_attempted = f["last_attempted"];
    d.executor = f["executor"];
    d.seq = f["seq"].empty() ? 0 : std::stoll(f["seq"]);
    d.fence = f["fence"].empty() ? 0 : std::stoll(f["fence"]);
    d.plan = plan_from_json(f["plan"]);
    const auto& ahead = reply.elements[1].elements;
    for (std::size_t i = 0; i + 3 <= ahead.size(); i += 3)
        d.queue_ahead.push_back({ahead[i].str, ahead[i + 1].str, ahead[i + 2].str});
    return d;
}

void DeploymentStore::describe(const std::string& deployment_id,
                               std::function<void(Result<DeploymentRecord>)> done) {
    redis_.eval("describe", {}, {prefix_, "", deployment_id},
                [deployment_id, done = std::move(done)](Result<RedisReply> reply) {
                    if (!reply) return done(reply.error().context("describing deployment"));
                    done(parse_record(deployment_id, *reply));
                });
}

}  // namespace strata::scheduler
