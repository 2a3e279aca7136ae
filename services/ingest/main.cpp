#include "ingest_service.hpp"

int main(int argc, char** argv) {
    return strata::run_daemon(argc, argv, strata::ingest::daemon_info(),
                              strata::ingest::make_service);
}
