// Metrics rendered in the Prometheus text exposition format.
#include <gtest/gtest.h>

#include <string>

#include "strata/metrics.hpp"

namespace strata {
namespace {

TEST(Metrics, CounterRendersHelpTypeAndValue) {
    Metrics m;
    m.counter("strata_ingest_events_total", "Webhook events received").inc(3);
    EXPECT_EQ(m.render(),
              "# HELP strata_ingest_events_total Webhook events received\n"
              "# TYPE strata_ingest_events_total counter\n"
              "strata_ingest_events_total 3\n");
}

TEST(Metrics, GaugeRendersItsType) {
    Metrics m;
    auto& g = m.gauge("strata_executor_jobs_running", "Jobs running now");
    g.set(5);
    g.add(-2);
    EXPECT_EQ(m.render(),
              "# HELP strata_executor_jobs_running Jobs running now\n"
              "# TYPE strata_executor_jobs_running gauge\n"
              "strata_executor_jobs_running 3\n");
}

TEST(Metrics, LabelledSeriesShareOneHelpAndTypeAndAreSortedByLabels) {
    Metrics m;
    m.counter("strata_events_total", "Events", {{"event", "push"}, {"result", "ok"}}).inc();
    m.counter("strata_events_total", "Events", {{"event", "check_run"}, {"result", "ok"}}).inc(2);
    EXPECT_EQ(m.render(),
              "# HELP strata_events_total Events\n"
              "# TYPE strata_events_total counter\n"
              "strata_events_total{event=\"check_run\",result=\"ok\"} 2\n"
              "strata_events_total{event=\"push\",result=\"ok\"} 1\n");
}

TEST(Metrics, SameNameAndLabelsGiveTheSameInstance) {
    Metrics m;
    auto& a = m.counter("strata_x_total", "X", {{"k", "v"}});
    auto& b = m.counter("strata_x_total", "X", {{"k", "v"}});
    auto& c = m.counter("strata_x_total", "X", {{"k", "w"}});
    EXPECT_EQ(&a, &b);
    EXPECT_NE(&a, &c);
    a.inc();
    b.inc();
    EXPECT_EQ(a.value(), 2);
    EXPECT_EQ(c.value(), 0);
}

TEST(Metrics, LabelValuesAreEscaped) {
    Metrics m;
    m.counter("strata_y_total", "Y", {{"path", "C:\\dir \"quoted\"\nnext"}}).inc();
    EXPECT_NE(m.render().find("strata_y_total{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n"),
              std::string::npos)
        << m.render();
}

TEST(Metrics, HelpTextIsEscaped) {
    Metrics m;
    m.gauge("strata_z", "first line\nsecond \\ line").set(1);
    EXPECT_NE(m.render().find("# HELP strata_z first line\\nsecond \\\\ line\n"), std::string::npos)
        << m.render();
}

TEST(Metrics, FamiliesAreRenderedInNameOrder) {
    Metrics m;
    m.gauge("strata_b", "B").set(1);
    m.counter("strata_a_total", "A").inc();
    auto text = m.render();
    EXPECT_LT(text.find("# HELP strata_a_total"), text.find("# HELP strata_b"));
}

TEST(Metrics, EmptyRegistryRendersNothing) {
    Metrics m;
    EXPECT_EQ(m.render(), "");
}

}  // namespace
}  // namespace strata
