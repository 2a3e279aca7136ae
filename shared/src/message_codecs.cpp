#include "message_codecs.hpp"

namespace strata::detail {
namespace {

using nlohmann::json;

json repo_json(const RepoRef& r) {
    return {{"full_name", r.full_name},
            {"clone_url", r.clone_url},
            {"default_branch", r.default_branch},
            {"installation_id", r.installation_id}};
}

RepoRef read_repo(FieldReader& parent) {
    RepoRef r;
    if (const auto* obj = parent.object("repo")) {
        FieldReader f(*obj, parent.at("repo"));
        r.full_name = f.str("full_name", false);
        r.clone_url = f.str("clone_url", false);
        r.default_branch = f.str("default_branch");
        r.installation_id = f.integer("installation_id");
        parent.absorb(f);
    }
    return r;
}

json root_json(const RootRef& r) {
    return {{"name", r.name},
            {"dir", r.dir},
            {"workspace", r.workspace},
            {"terraform_version", r.terraform_version}};
}

RootRef read_root(FieldReader& parent) {
    RootRef r;
    if (const auto* obj = parent.object("root")) {
        FieldReader f(*obj, parent.at("root"));
        r.name = f.str("name", false);
        r.dir = f.str("dir", false);
        r.workspace = f.str("workspace", false);
        r.terraform_version = f.str("terraform_version");
        parent.absorb(f);
    }
    return r;
}

json plan_json(const PlanSummary& p) {
    return {{"add", p.add},
            {"change", p.change},
            {"destroy", p.destroy},
            {"replace", p.replace},
            {"import", p.import},
            {"move", p.move},
            {"resources", p.resources}};
}

std::optional<PlanSummary> read_plan(FieldReader& parent) {
    const auto* obj = parent.object("plan", false);
    if (!obj) return std::nullopt;
    FieldReader f(*obj, parent.at("plan"));
    PlanSummary p;
    p.add = static_cast<int>(f.integer("add"));
    p.change = static_cast<int>(f.integer("change"));
    p.destroy = static_cast<int>(f.integer("destroy"));
    p.replace = static_cast<int>(f.integer("replace"));
    p.import = static_cast<int>(f.integer("import"));
    p.move = static_cast<int>(f.integer("move"));
    p.resources = f.strings("resources");
    parent.absorb(f);
    return p;
}

}  // namespace

// ---- event.push ----
template <>
json Codec<PushEvent>::to_json(const PushEvent& p) {
    return {{"repo", repo_json(p.repo)}, {"ref", p.ref},       {"before", p.before},
            {"after", p.after},          {"pusher", p.pusher}, {"forced", p.forced}};
}
template <>
PushEvent Codec<PushEvent>::from_json(FieldReader& f) {
    PushEvent p;
    p.repo = read_repo(f);
    p.ref = f.str("ref", false);
    p.before = f.str("before", false);
    p.after = f.str("after", false);
    p.pusher = f.str("pusher");
    p.forced = f.boolean("forced");
    return p;
}

// ---- deploy.requested ----
template <>
json Codec<DeployRequested>::to_json(const DeployRequested& p) {
    return {{"repo", repo_json(p.repo)},
            {"root", root_json(p.root)},
            {"revision", p.revision},
            {"ref", p.ref},
            {"trigger", p.trigger},
            {"user", p.user},
            {"upstream_roots", p.upstream_roots}};
}
template <>
DeployRequested Codec<DeployRequested>::from_json(FieldReader& f) {
    DeployRequested p;
    p.repo = read_repo(f);
    p.root = read_root(f);
    p.revision = f.str("revision", false);
    p.ref = f.str("ref");
    p.trigger = f.one_of("trigger", {"merge", "manual"});
    p.user = f.str("user");
    p.upstream_roots = f.strings("upstream_roots");
    return p;
}

// ---- job.run ----
template <>
json Codec<JobRun>::to_json(const JobRun& p) {
    return {{"job_id", p.job_id},
            {"deployment_id", p.deployment_id},
            {"kind", p.kind},
            {"repo", repo_json(p.repo)},
            {"root", root_json(p.root)},
            {"revision", p.revision},
            {"fencing_token", p.fencing_token},
            {"last_attempted_revision", p.last_attempted_revision},
            {"needs_review", p.needs_review}};
}
template <>
JobRun Codec<JobRun>::from_json(FieldReader& f) {
    JobRun p;
    p.job_id = f.str("job_id", false);
    p.deployment_id = f.str("deployment_id", false);
    p.kind = f.one_of("kind", {"deploy", "plan", "apply"});
    p.repo = read_repo(f);
    p.root = read_root(f);
    p.revision = f.str("revision", false);
    p.fencing_token = f.integer("fencing_token");
    p.last_attempted_revision = f.str("last_attempted_revision");
    p.needs_review = f.boolean("needs_review");
    return p;
}

// ---- job.state ----
template <>
json Codec<JobState>::to_json(const JobState& p) {
    json j = {{"job_id", p.job_id},
              {"deployment_id", p.deployment_id},
              {"fencing_token", p.fencing_token},
              {"executor_id", p.executor_id},
              {"state", p.state},
              {"detail", p.detail}};
    if (p.plan) j["plan"] = plan_json(*p.plan);
    return j;
}
template <>
JobState Codec<JobState>::from_json(FieldReader& f) {
    JobState p;
    p.job_id = f.str("job_id", false);
    p.deployment_id = f.str("deployment_id", false);
    p.fencing_token = f.integer("fencing_token");
    p.executor_id = f.str("executor_id", false);
    p.state = f.one_of("state", {"planning", "planned", "awaiting_review", "applying", "succeeded",
                                 "failed", "timed_out"});
    p.plan = read_plan(f);
    p.detail = f.str("detail");
    return p;
}

// ---- deployment.state ----
template <>
json Codec<DeploymentState>::to_json(const DeploymentState& p) {
    json queue = json::array();
    for (const auto& q : p.queue_ahead)
        queue.push_back(
            {{"deployment_id", q.deployment_id}, {"revision", q.revision}, {"trigger", q.trigger}});
    json j = {{"deployment_id", p.deployment_id},
              {"seq", p.seq},
              {"repo", repo_json(p.repo)},
              {"root", root_json(p.root)},
              {"revision", p.revision},
              {"kind", p.kind},
              {"trigger", p.trigger},
              {"user", p.user},
              {"state", p.state},
              {"reason", p.reason},
              {"queue_ahead", std::move(queue)},
              {"log_url", p.log_url},
              {"updated_at", p.updated_at}};
    if (p.plan) j["plan"] = plan_json(*p.plan);
    return j;
}
template <>
DeploymentState Codec<DeploymentState>::from_json(FieldReader& f) {
    DeploymentState p;
    p.deployment_id = f.str("deployment_id", false);
    p.seq = f.integer("seq");
    p.repo = read_repo(f);
    p.root = read_root(f);
    p.revision = f.str("revision", false);
    p.kind = f.one_of("kind", {"deploy", "plan"});
    p.trigger = f.one_of("trigger", {"merge", "manual"});
    p.user = f.str("user");
    p.state = f.str("state", false);
    p.reason = f.str("reason");
    p.plan = read_plan(f);
    if (const auto* queue = f.array("queue_ahead")) {
        for (const auto& item : *queue) {
            FieldReader q(item, f.at("queue_ahead[]"));
            p.queue_ahead.push_back(
                {q.str("deployment_id", false), q.str("revision"), q.str("trigger")});
            f.absorb(q);
        }
    }
    p.log_url = f.str("log_url");
    p.updated_at = f.str("updated_at");
    return p;
}

}  // namespace strata::detail
