// The request handling of strata-fake-api (a test double; see main.cpp).
#pragma once

#include <fstream>
#include <map>
#include <string>

#include "strata/http_server.hpp"

namespace strata::fake {

class FakeApis {
public:
    FakeApis(const std::string& record_path, const std::string& timeline_path);

    HttpResponse handle(const HttpRequest& req);

private:
    HttpResponse github(const HttpRequest& req);
    HttpResponse check_runs(const HttpRequest& req, const std::string& repo, const std::string& id);
    HttpResponse slack(const HttpRequest& req);
    HttpResponse sns(const HttpRequest& req);
    HttpResponse control(const HttpRequest& req);
    void record(const HttpRequest& req, const HttpResponse& resp);

    std::ofstream record_;
    std::ofstream timeline_;
    long long next_id_ = 1000;
    std::map<long long, std::string> check_runs_;  // id -> JSON of the run as GitHub keeps it
    // Injected failures: the next `fail_count_` GitHub calls answer fail_status_.
    int fail_count_ = 0;
    int fail_status_ = 500;
    int retry_after_ = 0;
};

}  // namespace strata::fake
