#include "sim/step/step_executor.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace orrery {
namespace {

// Collective tokens: kind in the top bits, index below.
constexpr std::uint64_t kTpToken = 0, kDpToken = 1, kPpToken = 2;
constexpr int kTokenShift = 56;
std::uint64_t token(std::uint64_t kind, std::uint64_t index) { return (kind << kTokenShift) | index; }

enum Stream : int { kCompute = 0, kTp = 1, kPp = 2, kDp = 3 };

}  // namespace

StepExecutor::StepExecutor(Engine& engine, const StepProgram& program, const RankLayout& layout,
                           CollectiveRunner& collectives, std::vector<int> trace_ranks)
    : engine_(engine), program_(program), layout_(layout), collectives_(collectives) {
  handler_id_ = engine_.add_handler(this);
  const int n = layout_.ranks();
  ranks_.resize(static_cast<std::size_t>(n));
  accounts_.resize(static_cast<std::size_t>(n));
  stage_of_rank_.resize(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r)
    stage_of_rank_[static_cast<std::size_t>(r)] = &program_.stages.at(static_cast<std::size_t>(layout_.coords(r).stage));

  tp_groups_.resize(static_cast<std::size_t>(layout_.tp_groups()));
  for (int g = 0; g < layout_.tp_groups(); ++g)
    for (int r : layout_.tp_group_members(g)) tp_members_.push_back(r);
  dp_groups_.resize(static_cast<std::size_t>(layout_.dp_groups()));
  for (int g = 0; g < layout_.dp_groups(); ++g) {
    for (int r : layout_.dp_group_members(g)) dp_members_.push_back(r);
    const int stage = g / layout_.tp();
    dp_groups_[static_cast<std::size_t>(g)].launches.assign(
        program_.stages[static_cast<std::size_t>(stage)].dp_bucket_bytes.size(), 0);
  }

  traced_.assign(static_cast<std::size_t>(n), 0);
  for (int r : trace_ranks)
    if (r >= 0 && r < n) traced_[static_cast<std::size_t>(r)] = 1;
  timeline_.stream_names = {"compute", "tp", "pp", "dp"};
  timeline_.names = program_.labels;
}

void StepExecutor::start() {
  for (int r = 0; r < layout_.ranks(); ++r) run_rank(r);
}

bool StepExecutor::finished() const {
  return std::all_of(accounts_.begin(), accounts_.end(), [](const RankAccount& a) { return a.finish_ns >= 0; });
}

StepTimeline StepExecutor::take_timeline() { return std::move(timeline_); }

std::uint8_t StepExecutor::label(const char* name) {
  auto it = std::find(timeline_.names.begin(), timeline_.names.end(), name);
  if (it != timeline_.names.end()) return static_cast<std::uint8_t>(it - timeline_.names.begin());
  timeline_.names.emplace_back(name);
  return static_cast<std::uint8_t>(timeline_.names.size() - 1);
}

void StepExecutor::trace(int rank, int stream, std::uint8_t name, std::int64_t start, std::int64_t end) {
  if (!traced_[static_cast<std::size_t>(rank)] || end <= start) return;
  timeline_.spans.push_back({rank, static_cast<std::uint8_t>(stream), name, start, end - start});
}

// Executes `rank`'s instructions until one blocks or the program ends.
void StepExecutor::run_rank(int rank) {
  RankState& st = ranks_[static_cast<std::size_t>(rank)];
  RankAccount& acc = accounts_[static_cast<std::size_t>(rank)];
  const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(rank)];
  const std::int64_t now = engine_.now().ns();
  const RankCoords c = layout_.coords(rank);

  while (st.pc < prog.instrs.size()) {
    const Instr& in = prog.instrs[st.pc];
    switch (in.kind) {
      case InstrKind::compute:
        acc.compute_s += static_cast<double>(in.value) * 1e-9;
        trace(rank, kCompute, in.label, now, now + in.value);
        engine_.schedule_in(SimTime::from_ns(in.value), handler_id_, 0, static_cast<std::uint64_t>(rank));
        return;  // resumes in on_event
      case InstrKind::tp_all_reduce: {
        const int g = layout_.tp_group_of(rank);
        TpGroup& grp = tp_groups_[static_cast<std::size_t>(g)];
        st.blocked_since = now;
        if (++grp.arrived == layout_.tp()) {
          grp.arrived = 0;
          std::span<const int> gpus(tp_members_.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(layout_.tp()),
                                    static_cast<std::size_t>(layout_.tp()));
          collectives_.start(CollectiveOp::all_reduce, gpus, static_cast<double>(in.value),
                             CollectiveAlgorithm::automatic, this, token(kTpToken, static_cast<std::uint64_t>(g)));
        }
        return;  // resumes in on_collective_done
      }
      case InstrKind::send_forward:
      case InstrKind::send_backward: {
        const bool fwd = in.kind == InstrKind::send_forward;
        RankCoords peer = c;
        peer.stage += fwd ? 1 : -1;
        const int dst = layout_.rank(peer);
        std::uint32_t id;
        if (!free_messages_.empty()) {
          id = free_messages_.back();
          free_messages_.pop_back();
        } else {
          id = static_cast<std::uint32_t>(messages_.size());
          messages_.emplace_back();
        }
        messages_[id] = {dst, fwd, now};
        const int pair[2] = {rank, dst};
        collectives_.start(CollectiveOp::send_recv, pair, static_cast<double>(in.value),
                           CollectiveAlgorithm::automatic, this, token(kPpToken, id));
        ++st.pc;
        break;
      }
      case InstrKind::recv_forward:
      case InstrKind::recv_backward: {
        const bool fwd = in.kind == InstrKind::recv_forward;
        auto& arrived = fwd ? st.fwd_arrived : st.bwd_arrived;
        auto& consumed = fwd ? st.fwd_consumed : st.bwd_consumed;
        if (arrived == consumed) {
          st.blocked_since = now;
          return;  // resumes when the message arrives
        }
        ++consumed;
        ++st.pc;
        break;
      }
      case InstrKind::dp_launch: {
        const int g = layout_.dp_group_of(rank);
        DpGroup& grp = dp_groups_[static_cast<std::size_t>(g)];
        ++grp.launches[in.aux];
        ++st.pc;
        try_start_dp(g);
        break;
      }
      case InstrKind::dp_wait: {
        const int g = layout_.dp_group_of(rank);
        if (dp_groups_[static_cast<std::size_t>(g)].done < static_cast<int>(prog.dp_bucket_bytes.size())) {
          st.blocked_since = now;
          return;  // resumes when the group's last bucket is reduced
        }
        ++st.pc;
        break;
      }
    }
  }
  acc.finish_ns = now;
}

void StepExecutor::try_start_dp(int g) {
  DpGroup& grp = dp_groups_[static_cast<std::size_t>(g)];
  if (grp.in_flight || grp.next >= static_cast<int>(grp.launches.size())) return;
  if (grp.launches[static_cast<std::size_t>(grp.next)] < layout_.dp()) return;
  const int stage = g / layout_.tp();
  const double bytes = program_.stages[static_cast<std::size_t>(stage)].dp_bucket_bytes[static_cast<std::size_t>(grp.next)];
  grp.in_flight = true;
  grp.started_ns = engine_.now().ns();
  std::span<const int> gpus(dp_members_.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(layout_.dp()),
                            static_cast<std::size_t>(layout_.dp()));
  collectives_.start(CollectiveOp::all_reduce, gpus, bytes, CollectiveAlgorithm::automatic, this,
                     token(kDpToken, static_cast<std::uint64_t>(g)));
}

void StepExecutor::on_event(Engine&, std::uint32_t, std::uint64_t arg) {
  // A compute instruction finished.
  const int rank = static_cast<int>(arg);
  ++ranks_[static_cast<std::size_t>(rank)].pc;
  run_rank(rank);
}

void StepExecutor::on_collective_done(Engine& engine, std::uint64_t tok) {
  const std::uint64_t kind = tok >> kTokenShift;
  const std::uint64_t index = tok & ((std::uint64_t{1} << kTokenShift) - 1);
  const std::int64_t now = engine.now().ns();

  if (kind == kTpToken) {
    const std::size_t base = index * static_cast<std::size_t>(layout_.tp());
    const std::uint8_t name = label("tp_all_reduce");
    for (int i = 0; i < layout_.tp(); ++i) {
      const int r = tp_members_[base + static_cast<std::size_t>(i)];
      RankState& st = ranks_[static_cast<std::size_t>(r)];
      accounts_[static_cast<std::size_t>(r)].tp_wait_s += static_cast<double>(now - st.blocked_since) * 1e-9;
      trace(r, kTp, name, st.blocked_since, now);
      st.blocked_since = -1;
      ++st.pc;
    }
    for (int i = 0; i < layout_.tp(); ++i) run_rank(tp_members_[base + static_cast<std::size_t>(i)]);
    return;
  }

  if (kind == kPpToken) {
    const Message msg = messages_[index];
    free_messages_.push_back(static_cast<std::uint32_t>(index));
    RankState& st = ranks_[static_cast<std::size_t>(msg.dst)];
    (msg.forward ? st.fwd_arrived : st.bwd_arrived) += 1;
    const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(msg.dst)];
    if (st.blocked_since < 0 || st.pc >= prog.instrs.size()) return;
    const InstrKind waiting = prog.instrs[st.pc].kind;
    const InstrKind wanted = msg.forward ? InstrKind::recv_forward : InstrKind::recv_backward;
    if (waiting != wanted) return;
    RankAccount& acc = accounts_[static_cast<std::size_t>(msg.dst)];
    const std::int64_t wire_from = std::max(st.blocked_since, msg.sent_at);
    acc.bubble_s += static_cast<double>(wire_from - st.blocked_since) * 1e-9;
    acc.pp_comm_s += static_cast<double>(now - wire_from) * 1e-9;
    trace(msg.dst, kPp, prog.instrs[st.pc].label, st.blocked_since, now);
    st.blocked_since = -1;
    run_rank(msg.dst);   // the receive now finds its message
    return;
  }

  // kDpToken: one bucket of a data-parallel group is reduced.
  const int g = static_cast<int>(index);
  DpGroup& grp = dp_groups_[static_cast<std::size_t>(g)];
  grp.in_flight = false;
  ++grp.next;
  ++grp.done;
  const std::size_t base = index * static_cast<std::size_t>(layout_.dp());
  const std::uint8_t name = label("dp_all_reduce");
  for (int i = 0; i < layout_.dp(); ++i) trace(dp_members_[base + static_cast<std::size_t>(i)], kDp, name, grp.started_ns, now);
  if (grp.done == static_cast<int>(grp.launches.size())) {
    for (int i = 0; i < layout_.dp(); ++i) {
      const int r = dp_members_[base + static_cast<std::size_t>(i)];
      RankState& st = ranks_[static_cast<std::size_t>(r)];
      const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(r)];
      if (st.blocked_since >= 0 && st.pc < prog.instrs.size() && prog.instrs[st.pc].kind == InstrKind::dp_wait) {
        accounts_[static_cast<std::size_t>(r)].dp_wait_s += static_cast<double>(now - st.blocked_since) * 1e-9;
        trace(r, kCompute, prog.instrs[st.pc].label, st.blocked_since, now);
        st.blocked_since = -1;
        ++st.pc;
        run_rank(r);
      }
    }
    return;
  }
  try_start_dp(g);
}

}  // namespace orrery
