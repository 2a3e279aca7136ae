#include "scheduler_service.hpp"

int main(int argc, char** argv) {
    return strata::run_daemon(argc, argv, strata::scheduler::daemon_info(),
                              strata::scheduler::make_service);
}
