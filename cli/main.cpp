#include "cli_app.hpp"

extern char** environ;

int main(int argc, char** argv) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
    return strata::cli::run(argc, argv, env);
}
