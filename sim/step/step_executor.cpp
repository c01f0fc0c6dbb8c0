#include "sim/step/step_executor.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace orrery {
namespace {

// Collective tokens: kind in the top bits, index below.
constexpr std::uint64_t kTpToken = 0, kDpToken = 1, kPpToken = 2, kEpToken = 3, kCpToken = 4, kEmbToken = 5;
constexpr int kTokenShift = 56;
std::uint64_t token(std::uint64_t kind, std::uint64_t index) { return (kind << kTokenShift) | index; }
// A CP transfer's token index: sender and receiver (ranks < 2^24, limits.hpp caps GPUs far below).
constexpr int kCpShift = 24;
constexpr std::uint64_t kCpMask = (std::uint64_t{1} << kCpShift) - 1;

enum Stream : int { kCompute = 0, kTp = 1, kPp = 2, kDp = 3, kEp = 4, kCp = 5 };

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
  if (layout_.ep() > 1) {
    ep_groups_.resize(static_cast<std::size_t>(layout_.ep_groups()));
    for (int g = 0; g < layout_.ep_groups(); ++g)
      for (int r : layout_.ep_group_members(g)) ep_members_.push_back(r);
  }
  if (layout_.cp() > 1) cp_counts_.resize(static_cast<std::size_t>(n));
  if (layout_.pp() > 1) {
    // Stage 0's ranks are numbered 0 .. tp x cp x dp - 1 (stage is the outermost coordinate).
    for (int r = 0; r < n; ++r) {
      RankCoords c = layout_.coords(r);
      if (c.stage != 0) continue;
      embedding_members_.push_back(r);
      c.stage = layout_.pp() - 1;
      embedding_members_.push_back(layout_.rank(c));
    }
    embedding_groups_.resize(embedding_members_.size() / 2);
  }

  // Data-parallel streams: one per DP group, then (when some stage has
  // expert items) one per expert-DP group.
  auto add_stream = [&](int stage, const std::vector<int>& members, bool expert) {
    DpGroup grp;
    grp.stage = stage;
    grp.expert = expert;
    grp.first_member = dp_members_.size();
    grp.size = static_cast<int>(members.size());
    dp_members_.insert(dp_members_.end(), members.begin(), members.end());
    const auto& items = program_.stages[static_cast<std::size_t>(stage)].dp_items;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].expert == expert) grp.items.push_back(static_cast<std::uint32_t>(i));
    grp.launches.assign(grp.items.size(), 0);
    dp_groups_.push_back(std::move(grp));
  };
  for (int g = 0; g < layout_.dp_groups(); ++g) add_stream(layout_.stage_of_dp_group(g), layout_.dp_group_members(g), false);
  expert_dp_base_ = static_cast<int>(dp_groups_.size());
  const bool expert_items = std::any_of(program_.stages.begin(), program_.stages.end(), [](const StageProgram& sp) {
    return std::any_of(sp.dp_items.begin(), sp.dp_items.end(), [](const DpItem& i) { return i.expert; });
  });
  if (expert_items)
    for (int g = 0; g < layout_.expert_dp_groups(); ++g)
      add_stream(layout_.stage_of_expert_dp_group(g), layout_.expert_dp_group_members(g), true);
  pp_counts_.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(program_.chunks) * 4, 0);

  traced_.assign(static_cast<std::size_t>(n), 0);
  for (int r : trace_ranks)
    if (r >= 0 && r < n) traced_[static_cast<std::size_t>(r)] = 1;
  timeline_.stream_names = {"compute", "tp", "pp", "dp"};
  if (layout_.ep() > 1 || layout_.cp() > 1) {
    timeline_.stream_names.emplace_back("ep");
    timeline_.stream_names.emplace_back("cp");
  }
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

int StepExecutor::embedding_group_of(int rank) const {
  RankCoords c = layout_.coords(rank);
  c.stage = 0;
  return layout_.rank(c);
}

int StepExecutor::dp_stream_of(int rank, bool expert) const {
  return expert ? expert_dp_base_ + layout_.expert_dp_group_of(rank) : layout_.dp_group_of(rank);
}

// Executes `rank`'s instructions until one blocks or the program ends.
// A pipeline message reached its receiver: count it, and resume the
// receiver if it is blocked in the matching receive (not in a send of its own).
void StepExecutor::on_pp_arrival(const Message& msg, std::int64_t now) {
  RankState& st = ranks_[static_cast<std::size_t>(msg.dst)];
  pp_count(msg.dst, msg.chunk, msg.forward ? kFwdArrived : kBwdArrived) += 1;
  const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(msg.dst)];
  if (st.blocked_since < 0 || st.sending || st.pc >= prog.instrs.size()) return;
  const Instr& waiting = prog.instrs[st.pc];
  const InstrKind wanted = msg.forward ? InstrKind::recv_forward : InstrKind::recv_backward;
  if (waiting.kind != wanted || waiting.chunk != msg.chunk) return;
  RankAccount& acc = accounts_[static_cast<std::size_t>(msg.dst)];
  const std::int64_t wire_from = std::max(st.blocked_since, msg.sent_at);
  acc.bubble_s += static_cast<double>(wire_from - st.blocked_since) * 1e-9;
  acc.pp_comm_s += static_cast<double>(now - wire_from) * 1e-9;
  trace(msg.dst, kPp, waiting.label, st.blocked_since, now);
  st.blocked_since = -1;
  run_rank(msg.dst);   // the receive now finds its message
}

void StepExecutor::run_rank(int rank) {
  RankState& st = ranks_[static_cast<std::size_t>(rank)];
  RankAccount& acc = accounts_[static_cast<std::size_t>(rank)];
  const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(rank)];
  const std::int64_t now = engine_.now().ns();

  while (st.pc < prog.instrs.size()) {
    const Instr& in = prog.instrs[st.pc];
    switch (in.kind) {
      case InstrKind::compute:
        acc.compute_s += static_cast<double>(in.value) * 1e-9;
        trace(rank, kCompute, in.label, now, now + in.value);
        engine_.schedule_in(SimTime::from_ns(in.value), handler_id_, 0, static_cast<std::uint64_t>(rank));
        return;  // resumes in on_event
      case InstrKind::tp_all_reduce:
      case InstrKind::tp_reduce_scatter:
      case InstrKind::tp_all_gather: {
        const int g = layout_.tp_group_of(rank);
        const CollectiveOp op = in.kind == InstrKind::tp_all_reduce       ? CollectiveOp::all_reduce
                                : in.kind == InstrKind::tp_reduce_scatter ? CollectiveOp::reduce_scatter
                                                                          : CollectiveOp::all_gather;
        st.blocked_since = now;
        arrive_at_group(tp_groups_[static_cast<std::size_t>(g)], tp_members_, g, layout_.tp(), op,
                        static_cast<double>(in.value), token(kTpToken, static_cast<std::uint64_t>(g)), now);
        return;  // resumes in on_collective_done
      }
      case InstrKind::ep_all_to_all: {
        const int g = layout_.ep_group_of(rank);
        st.blocked_since = now;
        arrive_at_group(ep_groups_[static_cast<std::size_t>(g)], ep_members_, g, layout_.ep(), CollectiveOp::all_to_all,
                        static_cast<double>(in.value), token(kEpToken, static_cast<std::uint64_t>(g)), now);
        return;  // resumes in on_collective_done
      }
      case InstrKind::embedding_all_reduce: {
        const int g = embedding_group_of(rank);
        st.blocked_since = now;
        arrive_at_group(embedding_groups_[static_cast<std::size_t>(g)], embedding_members_, g, 2,
                        CollectiveOp::all_reduce, static_cast<double>(in.value),
                        token(kEmbToken, static_cast<std::uint64_t>(g)), now);
        return;  // resumes in on_collective_done
      }
      case InstrKind::cp_send: {
        RankCoords peer = layout_.coords(rank);
        peer.cp_index = (peer.cp_index + 1) % layout_.cp();
        const int dst = layout_.rank(peer);
        ++cp_counts_[static_cast<std::size_t>(rank)].sent;
        const int pair[2] = {rank, dst};
        collectives_.start(CollectiveOp::send_recv, pair, static_cast<double>(in.value),
                           CollectiveAlgorithm::automatic, this,
                           token(kCpToken, (static_cast<std::uint64_t>(rank) << kCpShift) | static_cast<std::uint64_t>(dst)));
        ++st.pc;
        break;
      }
      case InstrKind::cp_wait:
        if (!cp_ready(rank)) {
          st.blocked_since = now;
          return;  // resumes when the transfers are done
        }
        ++st.pc;
        break;
      case InstrKind::send_forward:
      case InstrKind::send_backward: {
        const bool fwd = in.kind == InstrKind::send_forward;
        // Interleaved schedules wrap: the last stage feeds stage 0's next chunk.
        RankCoords peer = layout_.coords(rank);
        peer.stage = (peer.stage + (fwd ? 1 : layout_.pp() - 1)) % layout_.pp();
        const int dst = layout_.rank(peer);
        std::uint32_t id;
        if (!free_messages_.empty()) {
          id = free_messages_.back();
          free_messages_.pop_back();
        } else {
          id = static_cast<std::uint32_t>(messages_.size());
          messages_.emplace_back();
        }
        messages_[id] = {rank, dst, fwd, in.chunk, now};
        const int pair[2] = {rank, dst};
        collectives_.start(CollectiveOp::send_recv, pair, static_cast<double>(in.value),
                           CollectiveAlgorithm::automatic, this, token(kPpToken, id));
        ++st.pc;
        if (program_.blocking_p2p) {
          st.blocked_since = now;
          st.sending = true;
          return;  // resumes when the message is delivered
        }
        break;
      }
      case InstrKind::recv_forward:
      case InstrKind::recv_backward: {
        const bool fwd = in.kind == InstrKind::recv_forward;
        const std::uint32_t arrived = pp_count(rank, in.chunk, fwd ? kFwdArrived : kBwdArrived);
        std::uint32_t& consumed = pp_count(rank, in.chunk, fwd ? kFwdConsumed : kBwdConsumed);
        if (arrived == consumed) {
          st.blocked_since = now;
          return;  // resumes when the message arrives
        }
        ++consumed;
        ++st.pc;
        break;
      }
      case InstrKind::dp_launch: {
        const DpItem& item = prog.dp_items[in.aux];
        const int g = dp_stream_of(rank, item.expert);
        ++dp_groups_[static_cast<std::size_t>(g)].launches[item.slot];
        ++st.pc;
        try_start_dp(g);
        break;
      }
      case InstrKind::dp_wait: {
        const DpItem& item = prog.dp_items[in.aux];
        const int g = dp_stream_of(rank, item.expert);
        if (dp_groups_[static_cast<std::size_t>(g)].done <= static_cast<int>(item.slot)) {
          st.blocked_since = now;
          return;  // resumes when the stream finishes the item
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
  if (grp.launches[static_cast<std::size_t>(grp.next)] < grp.size) return;
  const DpItem& item = program_.stages[static_cast<std::size_t>(grp.stage)]
                           .dp_items[grp.items[static_cast<std::size_t>(grp.next)]];
  grp.in_flight = true;
  grp.started_ns = engine_.now().ns();
  std::span<const int> gpus(dp_members_.data() + grp.first_member, static_cast<std::size_t>(grp.size));
  collectives_.start(item.op, gpus, item.bytes, CollectiveAlgorithm::automatic, this,
                     token(kDpToken, static_cast<std::uint64_t>(g)));
}

void StepExecutor::on_event(Engine&, std::uint32_t, std::uint64_t arg) {
  // A compute instruction finished.
  const int rank = static_cast<int>(arg);
  ++ranks_[static_cast<std::size_t>(rank)].pc;
  run_rank(rank);
}

void StepExecutor::arrive_at_group(BlockingGroup& grp, const std::vector<int>& members, int g, int size,
                                   CollectiveOp op, double bytes, std::uint64_t tok, std::int64_t now) {
  if (++grp.arrived < size) return;
  grp.arrived = 0;
  grp.started_ns = now;
  const std::span<const int> gpus(members.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(size),
                                  static_cast<std::size_t>(size));
  collectives_.start(op, gpus, bytes, CollectiveAlgorithm::automatic, this, tok);
}

// A blocking group collective (TP, EP or the tied embedding's) is done: its
// members go on. The tied embedding's pairs the first and last stages, which
// reach it at different times: the wait for the other end is pipeline bubble,
// the transfer gradient (DP) communication.
void StepExecutor::finish_group_collective(std::uint64_t kind, std::size_t base, int size, std::int64_t now) {
  const bool embedding = kind == kEmbToken;
  const std::vector<int>& members = kind == kTpToken ? tp_members_ : kind == kEpToken ? ep_members_ : embedding_members_;
  const std::int64_t started = embedding ? embedding_groups_[base / 2].started_ns : -1;
  for (int i = 0; i < size; ++i) {
    const int r = members[base + static_cast<std::size_t>(i)];
    RankState& st = ranks_[static_cast<std::size_t>(r)];
    RankAccount& acc = accounts_[static_cast<std::size_t>(r)];
    const std::int64_t from = embedding ? started : st.blocked_since;
    const double waited = static_cast<double>(now - from) * 1e-9;
    if (kind == kTpToken) acc.tp_wait_s += waited;
    else if (kind == kEpToken) acc.ep_wait_s += waited;
    else acc.dp_wait_s += waited;
    if (embedding) acc.bubble_s += static_cast<double>(started - st.blocked_since) * 1e-9;
    trace(r, kind == kTpToken ? kTp : kind == kEpToken ? kEp : kDp,
          stage_of_rank_[static_cast<std::size_t>(r)]->instrs[st.pc].label, from, now);
    st.blocked_since = -1;
    ++st.pc;
  }
  for (int i = 0; i < size; ++i) run_rank(members[base + static_cast<std::size_t>(i)]);
}

void StepExecutor::on_cp_done(std::uint64_t index, std::int64_t now) {
  const int src = static_cast<int>(index >> kCpShift), dst = static_cast<int>(index & kCpMask);
  ++cp_counts_[static_cast<std::size_t>(src)].sent_done;
  ++cp_counts_[static_cast<std::size_t>(dst)].arrived;
  for (int r : {src, dst}) {
    RankState& st = ranks_[static_cast<std::size_t>(r)];
    const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(r)];
    if (st.blocked_since < 0 || st.pc >= prog.instrs.size()) continue;
    const Instr& in = prog.instrs[st.pc];
    if (in.kind != InstrKind::cp_wait || !cp_ready(r)) continue;
    accounts_[static_cast<std::size_t>(r)].cp_wait_s += static_cast<double>(now - st.blocked_since) * 1e-9;
    trace(r, kCp, in.label, st.blocked_since, now);
    st.blocked_since = -1;
    ++st.pc;
    run_rank(r);
  }
}

void StepExecutor::on_collective_done(Engine& engine, std::uint64_t tok) {
  const std::uint64_t kind = tok >> kTokenShift;
  const std::uint64_t index = tok & ((std::uint64_t{1} << kTokenShift) - 1);
  const std::int64_t now = engine.now().ns();

  if (kind == kTpToken) {
    finish_group_collective(kind, index * static_cast<std::size_t>(layout_.tp()), layout_.tp(), now);
    return;
  }
  if (kind == kEpToken) {
    finish_group_collective(kind, index * static_cast<std::size_t>(layout_.ep()), layout_.ep(), now);
    return;
  }
  if (kind == kEmbToken) {
    finish_group_collective(kind, index * 2, 2, now);
    return;
  }
  if (kind == kCpToken) {
    on_cp_done(index, now);
    return;
  }

  if (kind == kPpToken) {
    const Message msg = messages_[index];
    free_messages_.push_back(static_cast<std::uint32_t>(index));
    on_pp_arrival(msg, now);
    RankState& sender = ranks_[static_cast<std::size_t>(msg.src)];
    if (sender.sending) {   // a blocking send (one at a time per rank): the sender goes on
      accounts_[static_cast<std::size_t>(msg.src)].pp_comm_s += static_cast<double>(now - sender.blocked_since) * 1e-9;
      const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(msg.src)];
      trace(msg.src, kPp, prog.instrs[sender.pc - 1].label, sender.blocked_since, now);
      sender.sending = false;
      sender.blocked_since = -1;
      run_rank(msg.src);
    }
    return;
  }

  // kDpToken: one item of a data-parallel stream is done.
  const int g = static_cast<int>(index);
  DpGroup& grp = dp_groups_[static_cast<std::size_t>(g)];
  const StageProgram& stage = program_.stages[static_cast<std::size_t>(grp.stage)];
  const CollectiveOp op = stage.dp_items[grp.items[static_cast<std::size_t>(grp.next)]].op;
  grp.in_flight = false;
  ++grp.next;
  ++grp.done;
  const std::uint8_t name = label(op == CollectiveOp::all_reduce       ? "dp_all_reduce"
                                  : op == CollectiveOp::reduce_scatter ? "dp_reduce_scatter"
                                                                       : "dp_all_gather");
  for (int i = 0; i < grp.size; ++i) trace(dp_members_[grp.first_member + static_cast<std::size_t>(i)], kDp, name, grp.started_ns, now);
  try_start_dp(g);
  // try_start_dp may not grow dp_groups_, so grp stays valid.
  for (int i = 0; i < grp.size; ++i) {
    const int r = dp_members_[grp.first_member + static_cast<std::size_t>(i)];
    RankState& st = ranks_[static_cast<std::size_t>(r)];
    const StageProgram& prog = *stage_of_rank_[static_cast<std::size_t>(r)];
    if (st.blocked_since < 0 || st.pc >= prog.instrs.size()) continue;
    const Instr& in = prog.instrs[st.pc];
    if (in.kind != InstrKind::dp_wait) continue;
    const DpItem& item = prog.dp_items[in.aux];
    if (item.expert != grp.expert || static_cast<int>(item.slot) >= grp.done) continue;
    accounts_[static_cast<std::size_t>(r)].dp_wait_s += static_cast<double>(now - st.blocked_since) * 1e-9;
    trace(r, kCompute, in.label, st.blocked_since, now);
    st.blocked_since = -1;
    ++st.pc;
    run_rank(r);
  }
}

}  // namespace orrery
