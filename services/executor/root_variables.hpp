// A root's configured variables (cloud credentials, TF_VAR_*), kept by the operator outside the
// repository. The executor's option root_variables names a mapping file; each line maps a glob
// over root keys (<owner>/<repo>||<root name>, see glob.hpp) to an env file:
//
//     # root glob                  env file (relative to this file's directory)
//     acme/infra||network          env/network.env
//     acme/*||prod-**              /etc/strata/env/prod.env
//
// Every matching line applies, in file order; a later NAME replaces an earlier one. An env file
// holds NAME=value lines ('#' comments, blank lines, an optional "export " prefix; one level of
// matching single or double quotes is removed). Every value is a secret: redacted from job output
// (values under 4 characters excepted: they would mangle ordinary text and protect nothing).
// Both files are read for each job, so a change applies without a restart. Blocking: call off the
// event loop.
#pragma once

#include <string>

#include "strata/result.hpp"
#include "terraform_command.hpp"

namespace strata::executor {

// The variables of root_key; none when mapping_file is "". An error names the file and line.
Result<Variables> load_root_variables(const std::string& mapping_file, const std::string& root_key);

// Parses the text of an env file (`origin` names it in errors).
Result<Variables> parse_env_file(const std::string& text, const std::string& origin);

}  // namespace strata::executor
