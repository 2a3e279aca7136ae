#include "notifier_service.hpp"

int main(int argc, char** argv) {
    return strata::run_daemon(argc, argv, strata::notifier::daemon_info(),
                              strata::notifier::make_service);
}
