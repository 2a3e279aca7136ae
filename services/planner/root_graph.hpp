// Graphs of roots by their upstreams (depends_on, Terragrunt dependencies, execution order
// groups): cycle detection and a deterministic topological order. Iterative, so a long chain
// cannot exhaust the stack. Pure.
#pragma once

#include <optional>
#include <vector>

namespace strata::planner {

// upstream[i]: the nodes node i depends on (they come first).
using Upstreams = std::vector<std::vector<int>>;

// A cycle as its nodes in order, the first repeated at the end (a -> b -> a); nullopt when the
// graph has none.
std::optional<std::vector<int>> find_cycle(const Upstreams& upstream);

// Every node reachable from `node` through upstream edges (not node itself), ascending.
std::vector<int> all_upstreams(const Upstreams& upstream, int node);

// The nodes of `subset` in an order where every node comes after its upstreams (and after the
// upstreams of those, through nodes outside the subset too); ties keep subset's order. The
// graph must have no cycle.
std::vector<int> topological_order(const Upstreams& upstream, const std::vector<int>& subset);

}  // namespace strata::planner
