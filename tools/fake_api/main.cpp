// strata-fake-api: a TEST DOUBLE of the HTTP APIs Strata calls but which cannot run here:
// GitHub's REST API (check runs, installation tokens), Slack's incoming webhooks and
// chat.postMessage, and AWS SNS Publish. It answers like the real services (status codes, JSON
// shapes, required headers) and records every request as one JSON object per line in
// --record FILE. Check-run state changes also go to --timeline FILE as readable lines.
//
// usage: strata-fake-api --port PORT --record FILE [--timeline FILE]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "fake_github.hpp"
#include "strata/http_server.hpp"
#include "strata/log.hpp"
#include "strata/loop.hpp"

int main(int argc, char** argv) {
    int port = 0;
    std::string record, timeline;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--port")
            port = std::stoi(argv[i + 1]);
        else if (flag == "--record")
            record = argv[i + 1];
        else if (flag == "--timeline")
            timeline = argv[i + 1];
    }
    if (record.empty()) {
        std::cerr << "usage: strata-fake-api --port PORT --record FILE [--timeline FILE]\n";
        return 2;
    }
    strata::log::init("fake-api", "info");
    strata::Loop loop;
    strata::HttpServerOptions options;
    options.port = port;
    strata::HttpServer server(loop, options);
    strata::fake::FakeApis apis(record, timeline);
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
