// order_roots: the deployment order of chosen roots and each one's nearest upstreams.
#include <algorithm>
#include <deque>
#include <map>

#include "affected_roots.hpp"
#include "root_graph.hpp"

namespace strata::planner {
namespace {

// An upstream edge and where it is declared, to point at when it closes a cycle.
struct Edge {
    int to;
    std::string file;
    int line;
};

std::vector<Edge> upstream_edges(const RootSet& roots, const RepoIndex& index, int id) {
    const RootConfig& root = roots.roots()[id];
    std::vector<Edge> out;
    for (const auto& name : root.depends_on)
        if (auto up = roots.by_name(name))
            out.push_back({*up, roots.config().file,
                           root.lines.depends_on ? root.lines.depends_on : root.line});
    if (const DirFacts* facts = index.dir(root.dir)) {
        for (const auto* edges : {&facts->dependencies, &facts->ordering})
            for (const auto& e : *edges)
                for (int up : roots.at_dir(e.target)) out.push_back({up, e.file, e.line});
    }
    return out;
}

}  // namespace

RootChanges order_roots(const RootSet& roots, const RepoIndex& index, std::vector<int> chosen) {
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    // The part of the graph upstream of the chosen roots, numbered locally.
    std::map<int, int> local;
    std::vector<int> nodes;
    std::vector<std::vector<Edge>> edges;
    auto add = [&](int id) {
        auto [it, fresh] = local.emplace(id, static_cast<int>(nodes.size()));
        if (fresh) nodes.push_back(id);
        return it->second;
    };
    for (int id : chosen) add(id);
    for (std::size_t n = 0; n < nodes.size(); ++n) {
        auto found = upstream_edges(roots, index, nodes[n]);
        for (auto& e : found) e.to = add(e.to);
        edges.push_back(std::move(found));
    }
    // execution_order_group: a chosen root waits for the chosen roots of the group before it.
    std::map<int, std::vector<int>> groups;
    for (int id : chosen) groups[roots.roots()[id].execution_order_group].push_back(id);
    for (auto it = std::next(groups.begin(), groups.empty() ? 0 : 1); it != groups.end(); ++it)
        for (int id : it->second)
            for (int up : std::prev(it)->second)
                edges[local[id]].push_back(
                    {local[up], roots.config().file, roots.roots()[id].line});

    Upstreams graph(nodes.size());
    for (std::size_t n = 0; n < nodes.size(); ++n)
        for (const auto& e : edges[n]) graph[n].push_back(e.to);
    RootChanges out;
    if (auto cycle = find_cycle(graph)) {
        std::string text;
        for (int n : *cycle) text += (text.empty() ? "" : " -> ") + roots.roots()[nodes[n]].name;
        // Point at the edge that closes the cycle (declared by its first root).
        int from = (*cycle)[0], to = (*cycle)[1];
        const Edge* at = nullptr;
        for (const auto& e : edges[from])
            if (e.to == to) at = &e;
        out.cycle = ConfigError{at ? at->file : roots.config().file, at ? at->line : 0,
                                "dependency cycle: " + text};
        return out;
    }
    std::vector<char> is_chosen(nodes.size(), 0);
    std::vector<int> subset;
    for (int id : chosen) {
        is_chosen[local[id]] = 1;
        subset.push_back(local[id]);
    }
    for (int n : topological_order(graph, subset)) {
        // Nearest chosen upstreams: walk up through roots that are not chosen.
        std::vector<char> seen(nodes.size(), 0);
        std::deque<int> todo(graph[n].begin(), graph[n].end());
        std::vector<std::string> names;
        while (!todo.empty()) {
            int up = todo.front();
            todo.pop_front();
            if (seen[up]) continue;
            seen[up] = 1;
            if (is_chosen[up])
                names.push_back(roots.roots()[nodes[up]].name);
            else
                todo.insert(todo.end(), graph[up].begin(), graph[up].end());
        }
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        out.roots.push_back({&roots.roots()[nodes[n]], std::move(names), ""});
    }
    return out;
}

}  // namespace strata::planner
