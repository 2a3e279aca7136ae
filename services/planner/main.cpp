#include "planner_service.hpp"

int main(int argc, char** argv) {
    return strata::run_daemon(argc, argv, strata::planner::daemon_info(),
                              strata::planner::make_service);
}
