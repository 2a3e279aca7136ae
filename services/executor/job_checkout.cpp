#include "job_checkout.hpp"

#include <filesystem>

#include "root_variables.hpp"

namespace strata::executor {
namespace fs = std::filesystem;

std::string job_work_dir(const std::string& work_root, const std::string& deployment_id,
                         long long fence) {
    std::string safe;
    for (char c : deployment_id)
        safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    return (fs::path(work_root) / (safe + "-" + std::to_string(fence))).string();
}

std::string revision_order(const GitMirror& mirror, const std::string& revision,
                           const std::string& last) {
    if (last.empty() || is_zero_sha(last)) return "none";
    if (last == revision) return "identical";
    if (!mirror.has_commit(last)) return "diverged";
    if (mirror.is_ancestor(last, revision)) return "ahead";
    if (mirror.is_ancestor(revision, last)) return "behind";
    return "diverged";
}

Result<std::string> root_directory(const std::string& checkout, const std::string& dir) {
    fs::path rel(dir);
    if (rel.is_absolute()) return make_error("root dir '" + dir + "' is absolute");
    std::error_code ec;
    auto base = fs::weakly_canonical(checkout, ec);
    auto full = fs::weakly_canonical(fs::path(checkout) / rel, ec);
    if (ec) return make_error("resolving root dir '" + dir + "': " + ec.message());
    auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
    if (b != base.end()) return make_error("root dir '" + dir + "' escapes the repository");
    if (!fs::is_directory(full)) return make_error("root dir '" + dir + "' does not exist");
    return full.string();
}

Result<PreparedJob> prepare_job(MirrorCache& mirrors, const RunnerSettings& settings,
                                const JobRun& job, const std::string& work_dir) {
    PreparedJob out;
    std::error_code ec;
    fs::remove_all(work_dir, ec);
    fs::create_directories(fs::path(work_dir) / "home", ec);
    if (ec) return make_error("creating work dir " + work_dir + ": " + ec.message());
    out.checkout = (fs::path(work_dir) / "checkout").string();

    auto variables =
        load_root_variables(settings.root_variables, job.repo.full_name + "||" + job.root.name);
    if (!variables) return variables.error();
    out.variables = std::move(*variables);
    std::vector<std::string> secrets;
    for (const auto& [name, value] : out.variables) secrets.push_back(value);
    for (const auto& pair : settings.terraform.extra_env)
        if (auto eq = pair.find('='); eq != std::string::npos)
            secrets.push_back(pair.substr(eq + 1));
    out.redactor =
        Redactor(std::move(secrets),
                 settings.secret_patterns ? *settings.secret_patterns : std::vector<std::regex>{});

    auto binary = select_terraform_binary(settings.terraform, job.root.terraform_version);
    if (!binary) return binary.error();
    out.binary = *binary;

    MirrorRequest request;
    request.repo = job.repo.full_name;
    request.url = job.repo.clone_url;
    request.token = settings.git_token;
    request.want = {job.revision};
    if (!job.last_attempted_revision.empty() && !is_zero_sha(job.last_attempted_revision))
        request.want.push_back(job.last_attempted_revision);
    // A pull request's head may be on a fork: reachable through refs/pull/N/head only.
    if (job.pull_number > 0) request.refspecs.push_back(pull_request_refspec(job.pull_number));
    std::string error;
    auto prepared = mirrors.prepare(request, [&](GitMirror& mirror) {
        if (!mirror.has_commit(job.revision)) {
            error = "revision " + job.revision + " is not in " + job.repo.full_name;
            return;
        }
        out.revision_order = revision_order(mirror, job.revision, job.last_attempted_revision);
        if (auto done = mirror.checkout(job.revision, out.checkout); !done)
            error = done.error().message;
    });
    if (!prepared) return prepared.error().context("fetching " + job.repo.full_name);
    if (!error.empty()) return make_error("checking out: " + error);

    auto root = root_directory(out.checkout, job.root.dir);
    if (!root) return root.error();
    out.root_dir = *root;
    return out;
}

}  // namespace strata::executor
