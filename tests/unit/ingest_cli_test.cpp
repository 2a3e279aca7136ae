// The strata CLI without a broker: its command line, the triggers it builds, the status table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_options.hpp"
#include "queue_status.hpp"
#include "strata/triggers.hpp"
#include "trigger_publish.hpp"

namespace strata::cli {
namespace {

const std::vector<std::string> kEnv = {"USER=alice"};
const std::string kSha = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";

Result<CliRequest> parse(std::vector<std::string> args,
                         const std::vector<std::string>& env = kEnv) {
    args.insert(args.begin(), "strata");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_cli(static_cast<int>(argv.size()), argv.data(), env);
}

std::string error_of(const Result<CliRequest>& r) { return r.ok() ? "" : r.error().message; }

TEST(IngestCli, DeployTakesRepeatedRootsARevisionAReasonAndForce) {
    auto r = parse({"deploy", "--repo", "acme/infra", "--root", "app", "--root=dns", "--rev",
                    "1E2D3C4B5A69788796A5B4C3D2E1F0A9B8C7D6E5", "--reason", "hotfix", "--force"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->command, "deploy");
    EXPECT_EQ(r->roots, (std::vector<std::string>{"app", "dns"}));
    EXPECT_EQ(r->rev, kSha);  // lower-cased
    EXPECT_EQ(r->reason, "hotfix");
    EXPECT_TRUE(r->force);
    EXPECT_EQ(r->config.get("user"), "alice");
}

TEST(IngestCli, UserComesFromTheConfigLayerWithUserAsDefault) {
    auto from_flag = parse({"unlock", "--repo", "acme/infra", "--root", "app", "--user", "bob"});
    ASSERT_TRUE(from_flag.ok());
    EXPECT_EQ(from_flag->config.get("user"), "bob");
    auto from_env = parse({"unlock", "--repo", "acme/infra", "--root", "app"},
                          {"USER=alice", "STRATA_USER=carol"});
    ASSERT_TRUE(from_env.ok());
    EXPECT_EQ(from_env->config.get("user"), "carol");
    auto nobody = parse({"unlock", "--repo", "acme/infra", "--root", "app"}, {});
    EXPECT_EQ(error_of(nobody), "who is asking? set --user NAME (or $USER, or STRATA_USER)");
}

TEST(IngestCli, ConnectionSettingsComeFromFlagsOrEnvironment) {
    auto r = parse({"--amqp-url", "amqp://u:p@mq:5672/", "deploy", "--repo", "acme/infra", "--root",
                    "app", "--amqp-exchange=strata-prod"},
                   {"USER=a", "STRATA_REDIS_PREFIX=prod"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->config.get("amqp_url"), "amqp://u:p@mq:5672/");
    EXPECT_EQ(r->config.get("amqp_exchange"), "strata-prod");
    EXPECT_EQ(r->config.get("redis_prefix"), "prod");
}

TEST(IngestCli, HelpAndVersionNeedNoCommand) {
    EXPECT_EQ(parse({"--help"})->action, CliAction::Help);
    EXPECT_EQ(parse({"deploy", "--help"})->action, CliAction::Help);
    EXPECT_EQ(parse({"--version"})->action, CliAction::Version);
}

TEST(IngestCli, UsageErrorsSayWhatIsWrong) {
    EXPECT_EQ(error_of(parse({})),
              "no command given (deploy, unlock, confirm, reject, status; see --help)");
    EXPECT_EQ(error_of(parse({"destroy"})),
              "unknown command 'destroy' (deploy, unlock, confirm, reject, status; see --help)");
    EXPECT_EQ(error_of(parse({"deploy", "--repo", "acme/infra"})),
              "strata deploy needs --root NAME (one or more)");
    EXPECT_EQ(error_of(parse({"deploy", "--root", "app"})),
              "strata deploy needs --repo owner/name");
    EXPECT_EQ(error_of(parse(
                  {"deploy", "--repo", "a/b", "--root", "x", "--rev", kSha, "--branch", "main"})),
              "give --rev or --branch, not both");
    EXPECT_EQ(error_of(parse({"unlock", "--repo", "a/b", "--root", "x", "--force"})),
              "strata unlock takes no --force");
    EXPECT_EQ(error_of(parse({"unlock", "--repo", "a/b", "--root", "x", "--root", "y"})),
              "strata unlock needs exactly one --root NAME");
    EXPECT_EQ(error_of(parse({"--repo", "a/b", "deploy"})),
              "the command comes first: strata <command> --repo");
    EXPECT_EQ(error_of(parse({"deploy", "--repo", "a/b", "--repo", "c/d", "--root", "x"})),
              "--repo is given twice");
    EXPECT_EQ(error_of(parse({"deploy", "--repo", "a/b", "--root"})), "--root needs a value");
    EXPECT_FALSE(parse({"deploy", "--repo", "a/b", "--root", "x", "--typo", "1"}).ok());
}

TEST(IngestCli, ReviewNamesADeploymentOrARepositoryAndRoot) {
    EXPECT_TRUE(parse({"confirm", "--deployment", "dep-1"}).ok());
    EXPECT_TRUE(parse({"reject", "--repo", "a/b", "--root", "app", "--reason", "no"}).ok());
    const std::string needs =
        "strata confirm needs --deployment ID, or --repo owner/name and one --root NAME";
    EXPECT_EQ(error_of(parse({"confirm"})), needs);
    EXPECT_EQ(error_of(parse({"confirm", "--deployment", "d", "--repo", "a/b", "--root", "x"})),
              needs);
    EXPECT_EQ(error_of(parse({"confirm", "--repo", "a/b"})), needs);
}

TEST(IngestCli, BuiltTriggersAreWhatTheirConsumerAccepts) {
    auto deploy = parse({"deploy", "--repo", "acme/infra", "--root", "app", "--branch", "main",
                         "--reason", "drift"});
    ASSERT_TRUE(deploy.ok());
    auto built = build_trigger(*deploy);
    ASSERT_TRUE(built.ok()) << built.error().message;
    EXPECT_EQ(built->message.routing_key, "trigger.deploy");
    auto m = decode_trigger<TriggerDeploy>(built->message.body);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->envelope.id, built->message.message_id);
    EXPECT_EQ(m->envelope.producer, "cli");
    EXPECT_EQ(m->payload.roots, std::vector<std::string>{"app"});
    EXPECT_EQ(m->payload.branch, "main");
    EXPECT_EQ(m->payload.user, "alice");
    EXPECT_EQ(m->payload.reason, "drift");
    EXPECT_EQ(built->summary, "deploy app of acme/infra at the head of main");

    auto reject = build_trigger(*parse({"reject", "--deployment", "dep-9", "--reason", "risky"}));
    ASSERT_TRUE(reject.ok());
    auto r = decode_trigger<TriggerReject>(reject->message.body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->payload.deployment_id, "dep-9");
    EXPECT_EQ(r->payload.reason, "risky");
}

TEST(IngestCli, TriggerItsConsumerWouldRefuseIsAUsageError) {
    auto bad = build_trigger(
        *parse({"deploy", "--repo", "acme/infra", "--root", "app", "--rev", "abc123"}));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "revision 'abc123' is not a full 40-digit lower-case SHA");
    EXPECT_FALSE(build_trigger(*parse({"unlock", "--repo", "not-a-repo", "--root", "x"})).ok());
}

TEST(IngestCli, StatusTableShowsEveryQueueEntryAndHowToActOnIt) {
    RootQueue app{"app", "locked by bob (dep-m)", kSha, {}, {}};
    app.rows.push_back({"running", "dep-r", "applying", kSha, "merge", "carol", "", true});
    app.rows.push_back({"1", "dep-m", "awaiting_review", kSha, "manual", "bob", "", true});
    app.rows.push_back({"2", "dep-gone", "", "", "", "", "", false});
    RootQueue dns{"dns", "", "", {}, {"P:root:x:inflight is a list"}};
    auto text = render_queues("acme/infra", {app, dns});
    EXPECT_NE(text.find("acme/infra: 2 roots, 2 waiting"), std::string::npos) << text;
    EXPECT_NE(text.find("ROOT"), std::string::npos);
    EXPECT_NE(text.find("locked by bob (dep-m)"), std::string::npos);
    EXPECT_NE(text.find("running  dep-r"), std::string::npos) << text;
    EXPECT_NE(text.find("(unknown)"), std::string::npos);
    EXPECT_NE(text.find("dns"), std::string::npos);
    EXPECT_NE(text.find("(idle)"), std::string::npos);
    EXPECT_NE(text.find("note: P:root:x:inflight is a list"), std::string::npos);
    EXPECT_NE(text.find("strata confirm --deployment dep-m"), std::string::npos);
    EXPECT_NE(text.find("strata unlock --repo acme/infra --root app"), std::string::npos);
}

}  // namespace
}  // namespace strata::cli
