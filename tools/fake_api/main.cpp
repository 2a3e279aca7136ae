// strata-fake-api: a TEST DOUBLE of the HTTP APIs Strata calls but which cannot run here:
// GitHub's REST API (App JWTs and installation tokens, check runs, pull-request comments,
// rate-limit headers), Slack's incoming webhooks and chat.postMessage, AWS SNS Publish (SigV4)
// and the EC2 instance metadata service. It checks what the real services check (auth headers,
// JSON shapes, field limits, signatures) and answers like them; it records every request as one
// JSON object per line in --record FILE, and check-run state changes as readable lines in
// --timeline FILE. Tests steer it over HTTP (see fake_apis.cpp, /_control/...): failures to
// inject (500s, 429 with Retry-After, rate limits), token lifetimes, credentials to verify, and
// GET /_control/state for what it holds.
//
// usage: strata-fake-api --port PORT --record FILE [--timeline FILE]
//                        [--github-token TOKEN] [--github-app-id ID --github-app-key PEM_FILE]
//                        [--github-teams 'org/team=login,login;org/team2=login']
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fake_apis.hpp"
#include "strata/http_server.hpp"
#include "strata/jwt.hpp"
#include "strata/log.hpp"
#include "strata/loop.hpp"

int main(int argc, char** argv) {
    int port = 0;
    std::string record, timeline, github_token, app_id, app_key_file, teams;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        std::string value = argv[i + 1];
        if (flag == "--port")
            port = std::stoi(value);
        else if (flag == "--record")
            record = value;
        else if (flag == "--timeline")
            timeline = value;
        else if (flag == "--github-token")
            github_token = value;
        else if (flag == "--github-app-id")
            app_id = value;
        else if (flag == "--github-app-key")
            app_key_file = value;
        else if (flag == "--github-teams")
            teams = value;
    }
    if (record.empty()) {
        std::cerr << "usage: strata-fake-api --port PORT --record FILE [--timeline FILE] "
                     "[--github-token TOKEN] [--github-app-id ID --github-app-key PEM_FILE] "
                     "[--github-teams 'org/team=login,...;...']\n";
        return 2;
    }
    strata::log::init("fake-api", "info");
    strata::Loop loop;
    strata::HttpServerOptions options;
    options.port = port;
    strata::HttpServer server(loop, options);
    strata::fake::FakeApis apis(record, timeline);
    if (!github_token.empty()) apis.accept_github_token(github_token);
    if (auto ok = apis.set_teams_from_flag(teams); !ok) {
        std::cerr << "strata-fake-api: " << ok.error().message << '\n';
        return 2;
    }
    if (!app_id.empty()) {
        std::ifstream in(app_key_file);
        std::ostringstream pem;
        pem << in.rdbuf();
        // A private key file works too: its public half is used.
        auto public_key = strata::jwt::public_key_pem(pem.str());
        apis.set_github_app(app_id, public_key ? *public_key : pem.str());
    }
    server.route_prefix("*", "/",
                        [&](const strata::HttpRequest& req, strata::HttpResponder respond) {
                            respond(apis.handle(req));
                        });
    if (auto ok = server.listen(); !ok) {
        std::cerr << "strata-fake-api: " << ok.error().message << '\n';
        return 1;
    }
    std::cout << server.port() << std::endl;
    strata::ShutdownSignals signals(loop, [&] { server.close(); });
    loop.run();
    return 0;
}
