#include "outbox.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <map>

namespace strata::scheduler {
namespace {

using nlohmann::json;

using Fields = std::map<std::string, std::string>;

std::string str(const Fields& f, const char* key) {
    auto it = f.find(key);
    return it == f.end() ? "" : it->second;
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<long long>());
    return "";
}

long long number(const std::string& text) {
    if (text.empty()) return 0;
    try {
        return std::stoll(text);
    } catch (const std::exception&) {
        return 0;
    }
}

long long number(const Fields& f, const char* key) { return number(str(f, key)); }

long long number(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) return 0;
    if (it->is_number()) return it->get<long long>();
    if (it->is_string()) return number(it->get<std::string>());
    return 0;
}

RepoRef repo_from(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return {};
    return {str(j, "full_name"), str(j, "clone_url"), str(j, "default_branch"),
            number(j, "installation_id")};
}

RootRef root_from(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return {};
    RootRef r{str(j, "name"), str(j, "dir"), str(j, "workspace"), str(j, "terraform_version")};
    if (r.workspace.empty()) r.workspace = "default";
    return r;
}

std::optional<PlanSummary> plan_from(const std::string& text) {
    if (text.empty()) return std::nullopt;
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    PlanSummary p;
    p.add = static_cast<int>(number(j, "add"));
    p.change = static_cast<int>(number(j, "change"));
    p.destroy = static_cast<int>(number(j, "destroy"));
    p.replace = static_cast<int>(number(j, "replace"));
    p.import = static_cast<int>(number(j, "import"));
    p.move = static_cast<int>(number(j, "move"));
    if (j.contains("resources") && j["resources"].is_array())
        for (const auto& r : j["resources"])
            if (r.is_string()) p.resources.push_back(r.get<std::string>());
    return p;
}

// Lua's cjson writes an empty list as {}: anything but an array of strings is empty.
std::vector<std::string> strings_from(const std::string& text) {
    std::vector<std::string> out;
    json j = json::parse(text, nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& s : j)
        if (s.is_string()) out.push_back(s.get<std::string>());
    return out;
}

template <class T>
OutgoingMessage message(T payload, const Fields& e, const std::string& id,
                        const std::string& routing_key) {
    Origin origin{"scheduler", str(e, "cid"), str(e, "cause")};
    return {routing_key,
            encode(make_message(std::move(payload), origin, id)),
            id,
            origin.correlation_id,
            "application/json",
            {}};
}

RenderedEntry render_state(const Fields& e, const std::string& log_url_base) {
    const Fields& d = e;
    DeploymentState s;
    s.deployment_id = str(e, "id");
    s.seq = number(d, "seq");
    s.repo = repo_from(str(d, "repo"));
    s.root = root_from(str(d, "root"));
    s.revision = str(d, "revision");
    s.kind = str(d, "kind");
    s.trigger = str(d, "trigger");
    s.user = str(d, "user");
    s.state = str(d, "state");
    s.reason = str(d, "reason");
    s.plan = plan_from(str(d, "plan"));
    json ahead = json::parse(str(e, "ahead"), nullptr, false);
    if (ahead.is_array())
        for (const auto& a : ahead)
            s.queue_ahead.push_back({str(a, "id"), str(a, "revision"), str(a, "trigger")});
    s.log_url = log_url_base.empty() ? "" : log_url_base + s.deployment_id;
    s.updated_at = rfc3339_from_ms(str(d, "updated_at"));
    if (s.updated_at.empty()) s.updated_at = now_rfc3339();
    s.pull_number = number(d, "pull_number");
    s.force = str(d, "force") == "1";
    s.revision_order = str(d, "revision_order");
    s.approved_by = strings_from(str(d, "approvals"));
    s.approved_at = rfc3339_from_ms(str(d, "approved_at"));
    s.unlocked_by = str(d, "unlocked_by");
    s.started_at = rfc3339_from_ms(str(d, "started_at"));
    s.apply_started_at = rfc3339_from_ms(str(d, "apply_started_at"));
    s.finished_at = rfc3339_from_ms(str(d, "finished_at"));
    s.executor_id = str(d, "executor");
    auto id = derived_uuid("deployment-state|" + s.deployment_id + "|" + std::to_string(s.seq));
    std::string dep = s.deployment_id, state = s.state;
    return {message(std::move(s), e, id, std::string(DeploymentState::kType)), "state", dep, state};
}

RenderedEntry render_job(const Fields& e) {
    JobRun job;
    job.job_id = str(e, "job_id");
    job.deployment_id = str(e, "dep");
    job.kind = str(e, "kind");
    job.repo = repo_from(str(e, "repo"));
    job.root = root_from(str(e, "root"));
    job.revision = str(e, "revision");
    job.fencing_token = number(e, "fence");
    job.last_attempted_revision = str(e, "last_attempted");
    job.pull_number = number(e, "pull_number");
    job.attempt = static_cast<int>(std::max(1LL, number(e, "attempt")));
    job.apply_timeout = str(e, "apply_timeout");
    auto id = derived_uuid("job|" + job.job_id + "|" + std::to_string(job.attempt));
    std::string dep = job.deployment_id, kind = job.kind;
    return {message(std::move(job), e, id, str(e, "routing")), "job", dep, kind};
}

RenderedEntry render_refused(const Fields& e) {
    RequestRefused r;
    r.repo = repo_from(str(e, "repo"));
    r.root = str(e, "root");
    r.revision = str(e, "revision");
    r.request = str(e, "request");
    r.user = str(e, "user");
    r.reason = str(e, "reason");
    r.deployment_id = str(e, "dep");
    auto id = derived_uuid("request-refused|" + str(e, "cause") + "|" + r.reason);
    std::string dep = r.deployment_id, reason = r.reason;
    return {message(std::move(r), e, id, std::string(RequestRefused::kType)), "refused", dep,
            reason};
}

}  // namespace

std::string rfc3339_from_ms(const std::string& millis) {
    if (millis.empty() || millis == "0") return "";
    long long ms = 0;
    try {
        ms = std::stoll(millis);
    } catch (const std::exception&) {
        return "";
    }
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

Result<RenderedEntry> render_entry(const OutboxEntry& entry, const std::string& log_url_base) {
    Fields e;
    for (std::size_t i = 0; i + 1 < entry.fields.size(); i += 2)
        e.emplace(entry.fields[i], entry.fields[i + 1]);
    auto kind = str(e, "t");
    if (kind == "state") return render_state(e, log_url_base);
    if (kind == "job") return render_job(e);
    if (kind == "refused") return render_refused(e);
    return make_error("outbox entry " + entry.id + " has unknown kind '" + kind + "'");
}

}  // namespace strata::scheduler
