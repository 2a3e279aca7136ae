#include "executor_service.hpp"

int main(int argc, char** argv) {
    return strata::run_daemon(argc, argv, strata::executor::daemon_info(),
                              strata::executor::make_service);
}
