// The run simulation on hand-built plans whose outcome follows by hand.
#include <algorithm>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/run/run_simulation.hpp"
#include "sim/scenario/input_error.hpp"

using namespace orrery;

namespace {

// 1000 steps of 10 s = 10,000 s of work; a checkpoint every 100 steps
// (1,000 s) with a 20 s synchronous write; detection 300 s, restart 600 s,
// reload 100 s; repair 2 h; no failure unless a test adds a cause.
RunPlan base_plan() {
  RunPlan p;
  p.steps = 1000;
  p.step_time_s = 10;
  p.checkpoint_write_s = 20;
  p.checkpoint_copy_s = 1;
  p.checkpoint_load_s = 100;
  p.interval_s = 1000;
  p.interval_rule = "fixed";
  p.detection_s = 300;
  p.restart_s = 600;
  p.repair_s = 7200;
  p.trials = 3;
  p.seed = 42;
  return p;
}

JobFailureCause cause(const char* name, double mtbf_s, int blast) {
  JobFailureCause c;
  c.name = name;
  c.rate_per_s = 1 / mtbf_s;
  c.blast_nodes = blast;
  return c;
}

double sum(const TimeByCause& t) {
  return t.productive_s + t.evaluation_s + t.rework_s + t.restart_s + t.checkpoint_s + t.repair_wait_s +
         t.maintenance_s;
}

}  // namespace

TEST_CASE("Evaluations stall training like work: 4 x 50 s on top of 10,000 s, split out of the productive time") {
  RunPlan p = base_plan();
  p.evaluations = 4;
  p.eval_s = 50;
  p.eval_work_s = 200;
  // 10,200 s of work: checkpoints at 1,000 ... 10,000 s (10 x 20 s); 10,400 s.
  const TrialResult t = simulate_trial(p, 0);
  CHECK(t.wall_s == Approx(10400).epsilon(1e-12));
  CHECK(t.time.evaluation_s == Approx(200).epsilon(1e-12));
  CHECK(t.time.productive_s == Approx(10000).epsilon(1e-12));
  CHECK(sum(t.time) == Approx(t.wall_s).epsilon(1e-12));
  // With failures the parts still add up, and the evaluations that count are
  // still each run once (those redone after a rollback are rework).
  p.causes = {cause("gpu", 3000, 0)};
  p.spare_nodes = 1;
  const TrialResult f = simulate_trial(p, 1);
  CHECK(f.total_interruptions() > 0);
  CHECK(f.time.evaluation_s == Approx(200).epsilon(1e-9));
  CHECK(sum(f.time) == Approx(f.wall_s).epsilon(1e-12));
  const RunSimulation r = simulate_run(p);
  CHECK(r.evaluations == 4);
  CHECK(r.eval_s == 50);
  CHECK(r.time_mean.evaluation_s == Approx(200).epsilon(1e-9));
}

TEST_CASE("A job time limit: each job saves and exits at its limit, the next restarts and reloads") {
  RunPlan p = base_plan();
  p.job_time_limit_s = 3000;
  // Job 1 runs 0-3000 s: two 1,000 s intervals with their 20 s stalls, then
  // 960 s: 2,960 s of work. Its stop: save 20 + restart 600 + reload 100 =
  // 720 s; job 2 starts after the save (3,020 s) and runs from 3,720 s to its
  // limit at 6,020 s: 2,300 s = 2,260 of work + 2 stalls. Jobs 3 and 4 the
  // same (7,480 and 9,740 of work); job 5 runs the last 260 s from 12,780 s.
  const TrialResult t = simulate_trial(p, 0);
  CHECK(t.wall_s == Approx(13040).epsilon(1e-12));
  CHECK(t.time.productive_s == Approx(10000).epsilon(1e-12));
  CHECK(t.time.maintenance_s == Approx(4 * 720).epsilon(1e-12));
  CHECK(t.time.checkpoint_s == Approx(8 * 20).epsilon(1e-9));
  CHECK(t.total_interruptions() == 0);
  // With failures every restart starts a new job; each stop still costs
  // exactly 720 s (no failure strikes a stopped job), and the parts add up.
  p.causes = {cause("gpu", 4000, 1)};
  p.spare_nodes = 4;
  for (int trial = 0; trial < 3; ++trial) {
    const TrialResult f = simulate_trial(p, trial);
    CHECK(f.total_interruptions() > 0);
    const double stops = f.time.maintenance_s / 720;
    CHECK(stops == Approx(std::round(stops)).margin(1e-9));
    CHECK(sum(f.time) == Approx(f.wall_s).epsilon(1e-12));
  }
}

TEST_CASE("Each failure is detected after its own cause's detection time") {
  // A long run (10^7 s of work) with rare failures of two causes that take
  // no node (no wait): every recovery ends before the next failure here, so
  // each costs exactly its cause's detection + restart 600 + reload 100.
  RunPlan p = base_plan();
  p.steps = 1e6;
  p.causes = {cause("crash", 1e7, 0), cause("hang", 1e7, 0)};
  p.causes[1].detection_s = 3600;   // found only by a person
  int crashes = 0, hangs = 0;
  for (int trial = 0; trial < 10; ++trial) {
    const TrialResult t = simulate_trial(p, trial);
    crashes += t.interruptions[0];
    hangs += t.interruptions[1];
    CHECK(t.time.restart_s == Approx(t.interruptions[0] * (300 + 700.0) + t.interruptions[1] * (3600 + 700.0)));
  }
  CHECK(crashes > 0);
  CHECK(hangs > 0);
}

TEST_CASE("Without failures the run is steps x step time + checkpoint stalls, exactly") {
  RunPlan p = base_plan();
  // 10,000 s of work, checkpoints at 1,000 ... 9,000 s of work (none at the
  // end): 9 x 20 s = 180 s of stalls; 10,180 s.
  const TrialResult t = simulate_trial(p, 0);
  CHECK(t.wall_s == Approx(10180).epsilon(1e-12));
  CHECK(t.time.productive_s == Approx(10000).epsilon(1e-12));
  CHECK(t.time.checkpoint_s == Approx(180).epsilon(1e-9));
  CHECK(t.time.rework_s == 0);
  CHECK(t.total_interruptions() == 0);

  const RunSimulation r = simulate_run(p);
  CHECK(r.days_mean * 86400 == Approx(10180).epsilon(1e-12));
  CHECK(r.days_p10 == r.days_p90);
  CHECK(r.failure_free_days * 86400 == Approx(10180).epsilon(1e-12));
  CHECK(r.ettr == Approx(10000.0 / 10180).epsilon(1e-12));
  CHECK(r.checkpoint_interval_s == 1000);
  CHECK(r.checkpoint_write_s == 20);
  CHECK(r.job_mtbf_s == 0);
  CHECK(r.representative.progress.back().fraction_done == 1);

  // Async: the stall is the 1 s copy (the 20 s write is shorter than the interval).
  p.async_checkpoint = true;
  CHECK(simulate_trial(p, 0).wall_s == Approx(10009).epsilon(1e-12));
  // An interval of 10 steps (100 s) under a 150 s write: each of the 99
  // checkpoints also waits 50 s for the previous write: 99 x 51 s.
  p.checkpoint_write_s = 150;
  p.interval_s = 100;
  CHECK(simulate_trial(p, 0).wall_s == Approx(10000 + 99 * 51).epsilon(1e-12));
}

TEST_CASE("No checkpoint interval: one segment, no stall") {
  RunPlan p = base_plan();
  p.interval_s = INFINITY;
  CHECK(simulate_trial(p, 0).wall_s == Approx(10000).epsilon(1e-12));
  CHECK(simulate_run(p).checkpoint_interval_rule == "none");
}

TEST_CASE("Planned maintenance: a final checkpoint, the stop, a restart and a reload, nothing lost") {
  RunPlan p = base_plan();
  p.steps = 10800;                       // 108,000 s = 30 h of work
  p.interval_s = INFINITY;
  p.checkpoint_write_s = 1800;           // the final checkpoint before the stop
  p.checkpoint_load_s = 900;
  p.restart_s = 900;
  p.maintenance_interval_s = 36000;      // every 10 h of wall-clock time
  p.maintenance_duration_s = 3600;
  // Each stop: 0.5 h write + 1 h + 0.25 h restart + 0.25 h reload = 2 h.
  // Stops at 10 h (10 h done), 20 h (18 h done), 30 h (26 h done); the last
  // 4 h of work end at 36 h.
  const TrialResult t = simulate_trial(p, 0);
  CHECK(t.wall_s == Approx(36 * 3600.0).epsilon(1e-12));
  CHECK(t.time.maintenance_s == Approx(6 * 3600.0).epsilon(1e-12));
  CHECK(t.time.productive_s == Approx(30 * 3600.0).epsilon(1e-12));
  CHECK(t.time.rework_s == 0);
}

TEST_CASE("Time by cause adds up to every trial's wall-clock time") {
  RunPlan p = base_plan();
  p.steps = 20000;                        // 200,000 s of work
  p.causes = {cause("gpu", 20000, 1), cause("switch", 80000, 4), cause("software", 30000, 0)};
  p.spare_nodes = 2;
  p.maintenance_interval_s = 50000;
  p.maintenance_duration_s = 1800;
  for (const bool async : {false, true})
    for (const bool weibull : {false, true}) {
      p.async_checkpoint = async;
      p.weibull = weibull;
      p.weibull_shape = 0.7;
      for (int trial = 0; trial < 20; ++trial) {
        const TrialResult t = simulate_trial(p, trial);
        INFO("async " << async << " weibull " << weibull << " trial " << trial);
        CHECK(sum(t.time) == Approx(t.wall_s).epsilon(1e-12));
        CHECK(t.time.productive_s == Approx(200000).epsilon(1e-12));
        CHECK(t.total_interruptions() > 0);
      }
    }
}

TEST_CASE("Without spares the job waits for the repair, with enough spares it never waits") {
  RunPlan p = base_plan();
  p.steps = 20000;
  p.detection_s = 0;                      // the wait then starts at the failure itself
  p.causes = {cause("gpu", 20000, 1)};
  p.trials = 10;
  for (int trial = 0; trial < p.trials; ++trial) {
    const TrialResult t = simulate_trial(p, trial);
    INFO("trial " << trial);
    REQUIRE(t.total_interruptions() > 0);
    // Every failure takes the node; with no spare the job waits the whole 2 h repair.
    CHECK(t.time.repair_wait_s == Approx(t.total_interruptions() * 7200.0).epsilon(1e-9));
  }
  p.spare_nodes = 100;
  for (int trial = 0; trial < p.trials; ++trial) CHECK(simulate_trial(p, trial).time.repair_wait_s == 0);
  // Software failures take no node: no wait even without spares.
  p.spare_nodes = 0;
  p.causes = {cause("software", 20000, 0)};
  CHECK(simulate_trial(p, 0).time.repair_wait_s == 0);
}

TEST_CASE("A failure loses the work since the last checkpoint that finished writing") {
  RunPlan p = base_plan();
  p.steps = 20000;
  p.causes = {cause("gpu", 30000, 1)};
  p.spare_nodes = 1000;
  TrialTrace trace;
  const TrialResult t = simulate_trial(p, 3, &trace);
  REQUIRE(!trace.interruptions.empty());
  double lost = 0;
  for (const Interruption& i : trace.interruptions) {
    // Synchronous checkpoints every 1,000 s of work: at most a segment and its write lost.
    CHECK(i.lost_work_s >= 0);
    CHECK(i.lost_work_s <= 1000);
    CHECK(i.downtime_s > 0);
    lost += i.lost_work_s;
  }
  CHECK(t.time.rework_s == Approx(lost).epsilon(1e-9));
  CHECK(trace.wall_s == t.wall_s);
  // Progress never exceeds 1 and ends there.
  for (const ProgressPoint& pt : trace.progress) CHECK(pt.fraction_done <= 1);
  CHECK(trace.progress.back().fraction_done == 1);
}

TEST_CASE("Same seed, same numbers, another seed, other numbers") {
  RunPlan p = base_plan();
  p.steps = 20000;
  p.causes = {cause("gpu", 20000, 1), cause("software", 30000, 0)};
  p.trials = 20;
  const RunSimulation a = simulate_run(p), b = simulate_run(p);
  CHECK(a.days_per_trial == b.days_per_trial);
  CHECK(a.interruptions_by_cause == b.interruptions_by_cause);
  CHECK(a.representative.progress.size() == b.representative.progress.size());
  p.seed = 43;
  CHECK(simulate_run(p).days_per_trial != a.days_per_trial);
}

TEST_CASE("Weibull with shape 1 is the exponential, number for number") {
  RunPlan p = base_plan();
  p.steps = 20000;
  p.causes = {cause("gpu", 20000, 1), cause("software", 30000, 0)};
  p.spare_nodes = 5;
  p.trials = 10;
  const RunSimulation exponential = simulate_run(p);
  p.weibull = true;
  p.weibull_shape = 1;
  const RunSimulation weibull = simulate_run(p);
  CHECK(weibull.days_per_trial == exponential.days_per_trial);
}

TEST_CASE("The searched interval is near Daly's optimum when Daly's model holds") {
  RunPlan p = base_plan();
  p.steps = 200000;                       // 2e6 s of work
  p.step_time_s = 10;
  p.checkpoint_write_s = 60;
  p.causes = {cause("gpu", 20000, 1)};
  p.spare_nodes = 100000;
  p.trials = 32;
  const double daly = rule_interval_s(p, "daly");   // about sqrt(2 x 60 x 20,000) = 1549 s
  const RunSimulation r = simulate_run(p, true);
  CHECK(r.checkpoint_interval_rule == "searched");
  // The grid goes from daly / 4 to daly x 4; the wall time is flat near the
  // optimum, so the pick may move a step of the grid either way, not more.
  CHECK(r.checkpoint_interval_s >= daly / 2.01);
  CHECK(r.checkpoint_interval_s <= daly * 2.01);
}

TEST_CASE("A run that cannot finish is an input error, not a hang") {
  RunPlan p = base_plan();
  p.causes = {cause("gpu", 100, 1)};      // a failure every 100 s, a recovery of 1,000 s
  p.spare_nodes = 1000;
  CHECK_THROWS_AS(simulate_run(p), InputError);
}

TEST_CASE("ETTR and interruptions have deciles across trials, by linear interpolation like the days'") {
  RunPlan p = base_plan();
  p.steps = 20000;
  p.causes = {cause("gpu", 20000, 1), cause("software", 30000, 0)};
  p.spare_nodes = 5;
  p.trials = 11;   // deciles fall on order statistics 1, 5 and 9 (0-based): no interpolation
  const RunSimulation r = simulate_run(p);
  std::vector<double> ettr, interruptions;
  for (int t = 0; t < p.trials; ++t) {
    const TrialResult tr = simulate_trial(p, t);
    ettr.push_back(tr.time.productive_s / tr.wall_s);
    interruptions.push_back(tr.total_interruptions());
  }
  std::sort(ettr.begin(), ettr.end());
  std::sort(interruptions.begin(), interruptions.end());
  // The trials differ, so the checks below are not trivial.
  CHECK(ettr.front() < ettr.back());
  CHECK(interruptions.front() < interruptions.back());
  CHECK(r.ettr_p10 == ettr[1]);
  CHECK(r.ettr_p50 == ettr[5]);
  CHECK(r.ettr_p90 == ettr[9]);
  CHECK(r.interruptions_p10 == interruptions[1]);
  CHECK(r.interruptions_p50 == interruptions[5]);
  CHECK(r.interruptions_p90 == interruptions[9]);
  // 12 trials: the 10th percentile sits 0.1 of the way from order statistic 1 to 2.
  p.trials = 12;
  const RunSimulation twelve = simulate_run(p);
  std::vector<double> days;
  for (int t = 0; t < p.trials; ++t) days.push_back(simulate_trial(p, t).wall_s / 86400);
  std::sort(days.begin(), days.end());
  CHECK(twelve.days_p10 == Approx(days[1] + 0.1 * (days[2] - days[1])).epsilon(1e-12));
}
