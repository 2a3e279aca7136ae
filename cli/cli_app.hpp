// The strata command line:
//   strata deploy  --repo o/r --root NAME [--root NAME2] [--rev SHA | --branch B] [--reason ..]
//                  [--force]
//   strata unlock  --repo o/r --root NAME [--reason ..]
//   strata confirm (--deployment ID | --repo o/r --root NAME) [--reason ..]
//   strata reject  (--deployment ID | --repo o/r --root NAME) [--reason ..]
//   strata status  --repo o/r [--root NAME]...
// Triggers are published with publisher confirms (docs/triggers.md); status reads the
// scheduler's Redis keys (docs/redis-keys.md). Connection settings come from the config layer
// (STRATA_AMQP_URL, --amqp-url, a --config file, ...); --help and --version answer.
//
// Exit status: 0 done; 1 the broker or Redis could not be used (unreachable, message returned
// as unroutable, refused, no confirm in time), with the reason on stderr; 2 a usage error.
#pragma once

#include <string>
#include <vector>

namespace strata::cli {

// environ: "NAME=value" strings; the only environment the CLI reads.
int run(int argc, const char* const* argv, const std::vector<std::string>& environ);

}  // namespace strata::cli
