// strata_emit_samples DIR: writes one message of every type, built and encoded by the C++ code the
// daemons use (make_message + encode), into DIR as <type>.emitted-<n>.json, so that
// tests/schema/check-emitted.sh can check them against schemas/ with validate.mjs. Variants cover
// optional members present and absent, empty lists and the all-zeros SHA of a new branch.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "strata/messages.hpp"

namespace {

using namespace strata;

const std::string kBefore = "3f1c2b9d8e7a6f5041e2d3c4b5a69788f0e1d2c3";
const std::string kAfter = "9a8b7c6d5e4f30211203948576abcdef01234567";
const std::string kZeros = "0000000000000000000000000000000000000000";

class Writer {
public:
    explicit Writer(std::filesystem::path dir) : dir_(std::move(dir)) {}

    template <class T>
    void write(const Message<T>& message) {
        const std::string type(T::kType);
        int n = ++count_[type];
        auto file = dir_ / (type + ".emitted-" + std::to_string(n) + ".json");
        std::ofstream out(file);
        out << encode(message) << '\n';
        out.close();
        if (!out) {
            std::cerr << "strata_emit_samples: writing " << file.string() << ": "
                      << std::strerror(errno) << '\n';
            failed_ = true;
        }
        ++written_;
    }

    int written() const { return written_; }
    bool failed() const { return failed_; }

private:
    std::filesystem::path dir_;
    std::map<std::string, int> count_;
    int written_ = 0;
    bool failed_ = false;
};

RepoRef repo(long long installation_id = 41234567) {
    return {"acme/infra", "https://github.com/acme/infra.git", "main", installation_id};
}

RootRef root(std::string name, std::string dir, std::string version = "") {
    RootRef r;
    r.name = std::move(name);
    r.dir = std::move(dir);
    r.terraform_version = std::move(version);
    return r;
}

PlanSummary plan() {
    PlanSummary p;
    p.add = 2;
    p.change = 1;
    p.destroy = 1;
    p.replace = 1;
    p.resources = {"+ aws_s3_bucket.logs", "+ aws_s3_bucket.assets", "~ aws_iam_role.deploy",
                   "-/+ aws_instance.bastion", "- aws_security_group.old"};
    return p;
}

void emit_all(Writer& w) {
    const std::string delivery = "72d4f6a0-8c3b-11ee-9d2b-6e1f3a5c7b90";

    // event.push: ingest, the root of a chain.
    PushEvent push{repo(), "refs/heads/main", kBefore, kAfter, "octocat", false};
    auto push_msg = make_message(push, Origin{"ingest", delivery, ""});
    w.write(push_msg);
    PushEvent new_branch{repo(0), "refs/heads/feature/vpc", kZeros, kAfter, "hubot", true};
    w.write(make_message(new_branch, Origin{"ingest", new_uuid(), ""}));

    // deploy.requested: planner, merge (with an upstream root) and manual (none).
    DeployRequested merge{
        repo(),     root("app", "live/app", "1.6.6"), kAfter, "refs/heads/main", "merge", "octocat",
        {"network"}};
    auto merge_msg = make_message(merge, Origin{"planner", delivery, push_msg.envelope.id},
                                  derived_uuid(push_msg.envelope.id + "|app"));
    w.write(merge_msg);
    DeployRequested manual{
        repo(), root("network", "live/network"), kBefore, "refs/heads/main", "manual", "alice", {}};
    w.write(make_message(manual, Origin{"cli", new_uuid(), ""}));

    // job.run: scheduler, a deploy with a last attempt and a first apply without one.
    JobRun deploy{"job-7f3a", "dep-1a2b", "deploy", repo(), root("app", "live/app", "1.6.6"),
                  kAfter,     17,         kBefore,  0};
    auto job_msg = make_message(deploy, Origin{"scheduler", delivery, merge_msg.envelope.id});
    w.write(job_msg);
    JobRun apply{"job-7f3b", "dep-1a2b", "apply", repo(), root("app", "live/app"),
                 kAfter,     18,         "",      0};
    w.write(make_message(apply, Origin{"scheduler", delivery, merge_msg.envelope.id}));
    JobRun plan_only{"job-7f3c", "dep-9c8d", "plan", repo(), root(".", "."), kAfter, 0, "", 0};
    w.write(make_message(plan_only, Origin{"scheduler", delivery, merge_msg.envelope.id}));

    // job.state: executor, with the plan absent (planning, failed) and present (planned, done).
    const Origin from_executor{"executor", delivery, job_msg.envelope.id};
    w.write(make_message(
        JobState{"job-7f3a", "dep-1a2b", 17, "executor-1", "planning", "", std::nullopt, ""},
        from_executor));
    w.write(make_message(JobState{"job-7f3a", "dep-1a2b", 17, "executor-1", "planned", "", plan(),
                                  "Plan: 3 to add, 1 to change, 2 to destroy."},
                         from_executor));
    w.write(make_message(JobState{"job-7f3a", "dep-1a2b", 17, "executor-1", "failed", "", std::nullopt,
                                  "Error: Invalid reference (token ***)"},
                         from_executor));
    w.write(make_message(JobState{"job-7f3a", "dep-1a2b", 17, "executor-1", "succeeded", "",
                                  PlanSummary{}, "Apply complete! Resources: 0 added."},
                         from_executor));

    // deployment.state: scheduler, queued behind others (no plan) and awaiting review (plan).
    DeploymentState queued;
    queued.deployment_id = "dep-1a2b";
    queued.seq = 1;
    queued.repo = repo();
    queued.root = root("app", "live/app", "1.6.6");
    queued.revision = kAfter;
    queued.kind = "deploy";
    queued.trigger = "merge";
    queued.user = "octocat";
    queued.state = "queued";
    queued.queue_ahead = {{"dep-0001", kBefore, "manual"}, {"dep-0002", kBefore, "merge"}};
    queued.log_url = "https://strata.example.com/jobs/dep-1a2b";
    queued.updated_at = now_rfc3339();
    w.write(make_message(queued, Origin{"scheduler", delivery, merge_msg.envelope.id}));

    DeploymentState review = queued;
    review.seq = 3;
    review.trigger = "manual";
    review.state = "awaiting_review";
    review.reason = "triggered manually: Confirm or Reject the plan";
    review.plan = plan();
    review.queue_ahead.clear();
    review.updated_at = now_rfc3339();
    w.write(make_message(review, Origin{"scheduler", delivery, merge_msg.envelope.id}));

    DeploymentState done = review;
    done.seq = 5;
    done.state = "succeeded";
    done.reason = "";
    done.kind = "plan";
    done.log_url = "";
    done.updated_at = now_rfc3339();
    w.write(make_message(done, Origin{"scheduler", delivery, merge_msg.envelope.id}));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: strata_emit_samples DIR\n"
                     "writes one encoded message of every type as DIR/<type>.emitted-<n>.json\n";
        return 2;
    }
    std::filesystem::path dir = argv[1];
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::cerr << "strata_emit_samples: creating " << dir.string() << ": " << ec.message()
                  << '\n';
        return 1;
    }
    Writer writer(dir);
    emit_all(writer);
    if (writer.failed()) return 1;
    std::cout << "strata_emit_samples: wrote " << writer.written() << " messages to "
              << dir.string() << '\n';
    return 0;
}
