#include "root_graph.hpp"

#include <algorithm>
#include <utility>

namespace strata::planner {

std::optional<std::vector<int>> find_cycle(const Upstreams& upstream) {
    const int n = static_cast<int>(upstream.size());
    std::vector<char> state(n, 0);  // 0 new, 1 on the current path, 2 done
    std::vector<int> path;
    std::vector<std::pair<int, std::size_t>> stack;  // node, next edge to follow
    for (int start = 0; start < n; ++start) {
        if (state[start]) continue;
        stack.push_back({start, 0});
        state[start] = 1;
        path.push_back(start);
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next == upstream[node].size()) {
                state[node] = 2;
                path.pop_back();
                stack.pop_back();
                continue;
            }
            int up = upstream[node][next++];
            if (state[up] == 1) {
                std::vector<int> cycle(std::find(path.begin(), path.end(), up), path.end());
                cycle.push_back(up);
                return cycle;
            }
            if (state[up] == 0) {
                state[up] = 1;
                path.push_back(up);
                stack.push_back({up, 0});
            }
        }
    }
    return std::nullopt;
}

std::vector<int> all_upstreams(const Upstreams& upstream, int node) {
    std::vector<char> seen(upstream.size(), 0);
    std::vector<int> todo{node}, out;
    seen[node] = 1;
    while (!todo.empty()) {
        int at = todo.back();
        todo.pop_back();
        for (int up : upstream[at]) {
            if (seen[up]) continue;
            seen[up] = 1;
            out.push_back(up);
            todo.push_back(up);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<int> topological_order(const Upstreams& upstream, const std::vector<int>& subset) {
    // Depth of a node = 1 + the deepest of its upstreams; sorting the subset by depth (stable)
    // puts every node after everything upstream of it.
    const int n = static_cast<int>(upstream.size());
    std::vector<int> depth(n, -1);
    std::vector<std::pair<int, std::size_t>> stack;
    for (int start : subset) {
        if (depth[start] >= 0) continue;
        stack.push_back({start, 0});
        depth[start] = -2;  // in progress
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next < upstream[node].size()) {
                int up = upstream[node][next++];
                if (depth[up] == -1) {
                    depth[up] = -2;
                    stack.push_back({up, 0});
                }
                continue;
            }
            int d = 0;
            for (int up : upstream[node]) d = std::max(d, depth[up] + 1);
            depth[node] = d;
            stack.pop_back();
        }
    }
    std::vector<int> order = subset;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return depth[a] < depth[b]; });
    return order;
}

}  // namespace strata::planner
