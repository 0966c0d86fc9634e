// The Wing & Gong / Lowe linearizability search, as Porcupine implements it, for per-key
// registers with compare-and-set. See linearizability.h.
//
// Per key: the operations are numbered in call order and the calls and returns of those with a
// known return are put in a doubly linked list sorted by time (calls before returns at equal
// times, so touching intervals overlap). The search walks the list from its head. At a call it
// tries to linearize that operation next: if the register accepts it and the resulting search
// state is new, it pushes the operation on a stack, unlinks its events and restarts from the
// head. At a return of an operation not yet linearized, no order extending the current prefix
// works, so it pops the last operation, relinks it and goes on after its call. The key is
// linearizable once every known operation is linearized. Unknown operations (unknown return)
// are in a list of their own: they have no return, never force a backtrack, may stay
// unlinearized, and are candidates while called no later than the first pending return.
//
// Porcupine alone is exponential in the number of unknown operations (each may be linearized
// anywhere, or never) and of concurrent reads. These reductions, each of which keeps some
// linearization if there is one, tame both:
//   1. Forced reads. An operation that never writes (a get, a failed cas, a cas of a value onto
//      itself) and that the register accepts now can be moved to the front of any linearization
//      of the rest, so it is linearized at once, without trying alternatives.
//   2. Unknown operations only where needed. If an unknown operation u taking the register from
//      S to S' is followed by a known operation c that S would also accept, u can be dropped (c
//      overwrites it, or S == S') or moved after c (c only reads); u followed by an unknown put
//      or delete can be dropped. So u is only tried if a candidate would be enabled by it, and
//      must then be followed by an unknown cas it enables or a known operation S refuses.
//   3. Subsumption. A search state is (K, S, U, R): the linearized known operations, the
//      register, the linearized unknown operations and, if the last one is unknown, the state
//      before it (which restricts what may follow, by 2). A state is pruned if one with the same
//      K, S, R and a subset of U was reached before: it can do no more than that one. Known
//      operations are tried first, so that states with fewer unknown ones come first.
//   4. Symmetry. Unknown operations with the same effect (same expected value for a cas, same
//      state after) are interchangeable: only the first one still open is tried.
//   5. Opaque values. Values no operation reads or expects are all the same to the register.
//
// Values are interned per key so that the register state is an int. K is hashed incrementally
// (a random 64-bit word per operation, XORed) and stored trimmed of its leading all-ones and
// trailing all-zeros words: a few words per state when concurrency is bounded.

#include "tests/raft/linearizability.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace ddb::sim {
namespace {

constexpr int32_t kAbsent = 0;         // register states
constexpr int32_t kOpaque = 1;         // any value no operation reads or expects
constexpr size_t kTailOps = 8;         // linearized operations shown before a violation
constexpr size_t kMaxCandidates = 16;  // candidates shown at a violation
constexpr size_t kMaxListedOps = 32;   // a key's whole history is listed if it is this short

uint64_t Mix(uint64_t x) {  // the splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Quotes a value for a message: printable ASCII as is, the rest (and quotes, backslashes) as
// \xNN, long values cut.
std::string Quote(const std::optional<std::string>& value) {
  constexpr size_t kMaxBytes = 48;
  if (!value.has_value()) return "absent";
  std::string out = "\"";
  for (size_t i = 0; i < value->size() && i < kMaxBytes; ++i) {
    const unsigned char c = static_cast<unsigned char>((*value)[i]);
    char escaped[8];
    std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
    out += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? std::string(1, c) : escaped;
  }
  out += '"';
  if (value->size() > kMaxBytes) out += "...(" + std::to_string(value->size()) + " bytes)";
  return out;
}

// One operation of one key, values interned, ready for the search.
struct KeyOp {
  const Operation* src = nullptr;
  bool known = true;  // ret != kUnknownReturn
  int32_t value = kAbsent;
  int32_t expected = kAbsent;
  int32_t output = kAbsent;
};

// The sequential register: whether `op` may take effect in `state`, and the state after it. An
// operation with an unknown return is only accepted when it changes something; not taking effect
// is the same as staying unlinearized, which the search always allows for such operations.
bool Step(const KeyOp& op, int32_t state, int32_t* next) {
  const bool cas_failed = op.known && !op.src->ok;
  switch (op.src->kind) {
    case OpKind::kGet:
      *next = state;
      return !op.known || op.output == state;
    case OpKind::kPut:
      *next = op.value;
      return true;
    case OpKind::kDelete:
      *next = kAbsent;
      return true;
    case OpKind::kCas:
      if (state == op.expected) {
        *next = op.value;
        return !cas_failed;
      }
      *next = state;
      return cas_failed;
  }
  return false;
}

bool Accepts(const KeyOp& op, int32_t state) {
  int32_t unused;
  return Step(op, state, &unused);
}

// A known operation that leaves every state it is accepted in unchanged.
bool NeverWrites(const KeyOp& op) {
  return op.src->kind == OpKind::kGet ||
         (op.src->kind == OpKind::kCas && (!op.src->ok || op.value == op.expected));
}

// The search states reached so far, with subsumption (reduction 3 above): for each (K, S, R),
// the U of every visit.
class SeenSet {
 public:
  // Records a visit; returns false if an earlier one subsumes it. `tag` packs S and R; `hash`
  // identifies (K, tag).
  bool Insert(uint64_t hash, const std::vector<uint64_t>& known, int64_t tag,
              const std::vector<uint64_t>& unknown) {
    size_t lo = 0;  // K is stored without its leading all-ones and trailing all-zeros words
    while (lo < known.size() && known[lo] == ~0ull) ++lo;
    size_t hi = known.size();
    while (hi > lo && known[hi - 1] == 0) --hi;
    std::string key(3 * sizeof(uint64_t) + (hi - lo) * sizeof(uint64_t), '\0');
    const uint64_t header[3] = {hash, static_cast<uint64_t>(tag), lo};
    std::memcpy(key.data(), header, sizeof(header));
    std::memcpy(key.data() + sizeof(header), known.data() + lo, (hi - lo) * sizeof(uint64_t));
    auto [it, inserted] = visits_.try_emplace(std::move(key));
    std::vector<uint64_t>& seen = it->second;  // the U of each visit, one after the other
    const size_t words = unknown.size();
    if (!inserted && words == 0) return false;
    for (size_t v = 0; v < seen.size(); v += words) {
      size_t i = 0;
      while (i < words && (seen[v + i] & ~unknown[i]) == 0) ++i;
      if (i == words) return false;
    }
    seen.insert(seen.end(), unknown.begin(), unknown.end());
    ++size_;
    return true;
  }

  uint64_t size() const { return size_; }

 private:
  struct KeyHash {  // keys start with their hash
    size_t operator()(const std::string& key) const {
      uint64_t hash;
      std::memcpy(&hash, key.data(), sizeof(hash));
      return hash;
    }
  };

  std::unordered_map<std::string, std::vector<uint64_t>, KeyHash> visits_;
  uint64_t size_ = 0;
};

// The search over one key's operations, numbered in call order.
class KeySearch {
 public:
  KeySearch(std::vector<KeyOp> ops, uint64_t max_states);

  CheckResult::Outcome Run();

  // After Run() returned kNotLinearizable: what went wrong.
  std::string Explain() const;

 private:
  // Each state's candidates are scanned for known operations (phase 0), then unknown ones.
  static constexpr int kForced = 2;  // the phase of a forced read
  struct Frame {
    int32_t op;
    int32_t state_before;
    int phase;  // in which op was linearized
  };
  enum class Push { kPushed, kSeen, kTooMany };

  static bool Bit(const std::vector<uint64_t>& bits, int32_t i) {
    return (bits[i / 64] >> (i % 64)) & 1;
  }
  bool Open(int32_t op) const {  // not linearized
    return ops_[op].known ? !Bit(known_, op) : !Bit(unknown_, unknown_index_[op]);
  }
  int32_t Restriction() const {  // R: the state before the top op if it is unknown, else -1
    return stack_.empty() || ops_[stack_.back().op].known ? -1 : stack_.back().state_before;
  }
  bool ScanDone() const {
    if (scan_phase_ == 0) return scan_node_ >= n_;  // a return, or head_
    return scan_node_ == uhead_ || ops_[scan_node_].src->call > scan_limit_;
  }
  bool Allowed(int32_t op, int32_t* next_state) const;
  void StartScan(int phase, int32_t from);
  void Flip(int32_t op);
  Push Linearize(int32_t op, int32_t next_state, int phase);
  Frame Unlinearize();
  void RecordIfDeepest();

  const std::vector<KeyOp> ops_;
  const int32_t n_;
  const uint64_t max_states_;
  // Two circular event lists through next_/prev_: operation i's call is node i, its return node
  // n + i. head_ = 2n heads the known operations' calls and returns, sorted by time; uhead_ =
  // 2n + 1 the unknown operations' calls, in call order.
  const int32_t head_, uhead_;
  std::vector<int32_t> next_, prev_;
  std::vector<int32_t> class_of_;  // unknown operations' symmetry classes (reduction 4)
  std::vector<std::vector<int32_t>> class_members_;
  bool any_unknown_cas_ = false;

  // The search state.
  std::vector<Frame> stack_;
  int32_t state_ = kAbsent;
  std::vector<uint64_t> known_;    // K, with the bits of unknown operations always set
  std::vector<uint64_t> unknown_;  // U, indexed by unknown_index_
  std::vector<int32_t> unknown_index_;
  std::vector<uint64_t> zobrist_;  // per known operation
  uint64_t known_hash_ = 0;
  int64_t known_left_ = 0;    // known operations not linearized
  int32_t unknown_open_ = 0;  // unknown operations not linearized
  int scan_phase_ = 0;
  int32_t scan_node_ = 0;
  int64_t scan_limit_ = 0;  // phase 1: unknown operations called by then are candidates
  // Phase 1: the states that would enable a candidate (a known operation refused now, or an
  // unknown cas), and whether any other state would (a known failed cas refused now).
  std::vector<int32_t> needs_;
  bool needs_change_ = false;
  SeenSet seen_;

  // The deepest point the search reached, for the explanation: the last operations linearized,
  // the register, the known candidates and the first pending return's operation.
  size_t best_depth_ = SIZE_MAX;
  std::vector<int32_t> best_tail_, best_candidates_;
  int32_t best_blocker_ = -1;
  std::string best_value_;  // the register's value there
};

KeySearch::KeySearch(std::vector<KeyOp> ops, uint64_t max_states)
    : ops_(std::move(ops)),
      n_(static_cast<int32_t>(ops_.size())),
      max_states_(max_states),
      head_(2 * n_),
      uhead_(2 * n_ + 1),
      next_(2 * n_ + 2, -1),
      prev_(2 * n_ + 2, -1),
      class_of_(n_, -1),
      known_((n_ + 63) / 64, 0),
      unknown_index_(n_, -1),
      zobrist_(n_, 0) {
  std::vector<int32_t> known_events, unknown_calls;
  std::unordered_map<int64_t, int32_t> classes;  // (expected or -1, state after) -> class
  for (int32_t i = 0; i < n_; ++i) {
    const KeyOp& op = ops_[i];
    if (op.known) {
      known_events.insert(known_events.end(), {i, n_ + i});
      zobrist_[i] = Mix(static_cast<uint64_t>(i) + 1);
      ++known_left_;
      continue;
    }
    unknown_calls.push_back(i);
    unknown_index_[i] = unknown_open_++;
    known_[i / 64] |= 1ull << (i % 64);
    const bool cas = op.src->kind == OpKind::kCas;
    any_unknown_cas_ |= cas;
    const int32_t after = op.src->kind == OpKind::kDelete ? kAbsent : op.value;
    const int64_t effect = (int64_t{cas ? op.expected : -1} << 32) | static_cast<uint32_t>(after);
    auto [it, inserted] = classes.emplace(effect, static_cast<int32_t>(class_members_.size()));
    if (inserted) class_members_.emplace_back();
    class_of_[i] = it->second;
    class_members_[it->second].push_back(i);
  }
  unknown_.assign((unknown_open_ + 63) / 64, 0);
  auto time = [this](int32_t node) {
    const Operation& src = *ops_[node % n_].src;
    return node < n_ ? src.call : std::max(src.ret, src.call);
  };
  std::sort(known_events.begin(), known_events.end(), [&time, this](int32_t a, int32_t b) {
    // Calls before returns at equal times: touching intervals overlap.
    return std::tuple(time(a), a >= n_, a) < std::tuple(time(b), b >= n_, b);
  });
  for (auto [head, nodes] : {std::pair(head_, &known_events), std::pair(uhead_, &unknown_calls)}) {
    int32_t last = head;
    for (int32_t node : *nodes) {
      next_[last] = node;
      prev_[node] = last;
      last = node;
    }
    next_[last] = head;
    prev_[head] = last;
  }
}

// Whether the search may linearize candidate `op` next (reductions 2 and 4). Unknown operations
// need needs_, computed for the current state.
bool KeySearch::Allowed(int32_t op, int32_t* next_state) const {
  const KeyOp& o = ops_[op];
  if (!Step(o, state_, next_state)) return false;
  const int32_t restriction = Restriction();
  if (o.known) return restriction < 0 || !Accepts(o, restriction);
  if (restriction >= 0 && o.src->kind != OpKind::kCas) return false;
  if (*next_state == state_ ||
      (!needs_change_ && std::find(needs_.begin(), needs_.end(), *next_state) == needs_.end())) {
    return false;
  }
  for (int32_t other : class_members_[class_of_[op]]) {
    if (other == op) break;
    if (Open(other)) return false;  // an equivalent one called earlier is open: try that one
  }
  return true;
}

void KeySearch::StartScan(int phase, int32_t from) {
  scan_phase_ = phase;
  scan_node_ = from;
  if (phase == 0) return;
  if (unknown_open_ == 0) {
    scan_node_ = uhead_;  // nothing to try
    return;
  }
  needs_.clear();
  needs_change_ = false;
  int32_t node = next_[head_];
  for (; node < n_; node = next_[node]) {
    const KeyOp& op = ops_[node];
    if (Accepts(op, state_)) continue;
    if (op.src->kind == OpKind::kGet) needs_.push_back(op.output);
    if (op.src->kind == OpKind::kCas && op.src->ok) needs_.push_back(op.expected);
    if (op.src->kind == OpKind::kCas && !op.src->ok) needs_change_ = true;
  }
  if (node == head_) {
    scan_limit_ = INT64_MAX;
  } else {
    const Operation& first_return = *ops_[node - n_].src;
    scan_limit_ = std::max(first_return.ret, first_return.call);
  }
  if (!any_unknown_cas_) return;
  for (int32_t u = next_[uhead_]; u != uhead_ && ops_[u].src->call <= scan_limit_; u = next_[u]) {
    const KeyOp& op = ops_[u];
    if (op.src->kind == OpKind::kCas && op.expected != state_) needs_.push_back(op.expected);
  }
}

void KeySearch::Flip(int32_t op) {
  if (ops_[op].known) {
    known_[op / 64] ^= 1ull << (op % 64);
    known_hash_ ^= zobrist_[op];
    known_left_ += Open(op) ? 1 : -1;
  } else {
    const int32_t i = unknown_index_[op];
    unknown_[i / 64] ^= 1ull << (i % 64);
    unknown_open_ += Open(op) ? 1 : -1;
  }
}

KeySearch::Push KeySearch::Linearize(int32_t op, int32_t next_state, int phase) {
  Flip(op);
  const int32_t restriction = ops_[op].known ? -1 : state_;
  const int64_t tag = (int64_t{next_state} << 32) | static_cast<uint32_t>(restriction);
  if (!seen_.Insert(Mix(known_hash_ ^ static_cast<uint64_t>(tag)), known_, tag, unknown_)) {
    Flip(op);
    return Push::kSeen;
  }
  if (max_states_ != 0 && seen_.size() > max_states_) return Push::kTooMany;
  stack_.push_back({op, state_, phase});
  state_ = next_state;
  for (int32_t node : {op, n_ + op}) {  // unlink its events
    if (node == n_ + op && !ops_[op].known) break;
    next_[prev_[node]] = next_[node];
    prev_[next_[node]] = prev_[node];
  }
  RecordIfDeepest();
  return Push::kPushed;
}

KeySearch::Frame KeySearch::Unlinearize() {
  const Frame frame = stack_.back();
  stack_.pop_back();
  state_ = frame.state_before;
  Flip(frame.op);
  for (int32_t node : {n_ + frame.op, frame.op}) {  // relink its events, in reverse order
    if (node == n_ + frame.op && !ops_[frame.op].known) continue;
    next_[prev_[node]] = node;
    prev_[next_[node]] = node;
  }
  return frame;
}

CheckResult::Outcome KeySearch::Run() {
  RecordIfDeepest();
  bool fresh = true;  // at a state just reached
  while (known_left_ > 0) {
    Push pushed = Push::kSeen;
    if (fresh) {  // first look for a forced read (reduction 1)
      fresh = false;
      int32_t forced = next_[head_], unused;
      while (forced < n_ && !(NeverWrites(ops_[forced]) && Allowed(forced, &unused))) {
        forced = next_[forced];
      }
      if (forced >= n_) {
        StartScan(0, next_[head_]);
        continue;
      }
      pushed = Linearize(forced, state_, kForced);
      if (pushed == Push::kSeen) StartScan(1, uhead_);  // nothing new from here: backtrack
    } else if (ScanDone()) {
      if (scan_phase_ == 0) {
        StartScan(1, next_[uhead_]);
        continue;
      }
      // No candidate works: no order extends the prefix. Backtrack, past forced reads (their
      // state has a linearization if and only if the one before has).
      Frame frame;
      do {
        if (stack_.empty()) return CheckResult::kNotLinearizable;
        frame = Unlinearize();
      } while (frame.phase == kForced);
      StartScan(frame.phase, next_[frame.op]);
      continue;
    } else {
      const int32_t op = scan_node_;
      scan_node_ = next_[op];
      int32_t next_state;
      if (!Allowed(op, &next_state)) continue;
      pushed = Linearize(op, next_state, scan_phase_);
    }
    if (pushed == Push::kTooMany) return CheckResult::kTimedOut;
    if (pushed == Push::kPushed) fresh = true;
  }
  return CheckResult::kLinearizable;
}

void KeySearch::RecordIfDeepest() {
  if (best_depth_ != SIZE_MAX && stack_.size() <= best_depth_) return;
  best_depth_ = stack_.size();
  best_tail_.clear();
  for (size_t i = stack_.size() - std::min(stack_.size(), kTailOps); i < stack_.size(); ++i) {
    best_tail_.push_back(stack_[i].op);
  }
  best_value_ = "absent";
  for (size_t i = stack_.size(); i-- > 0;) {  // the last write sets the value
    const KeyOp& op = ops_[stack_[i].op];
    if (op.known && NeverWrites(op)) continue;
    if (op.src->kind != OpKind::kDelete) best_value_ = Quote(op.src->value);
    break;
  }
  best_candidates_.clear();
  int32_t node = next_[head_];
  for (; node < n_; node = next_[node]) best_candidates_.push_back(node);
  best_blocker_ = node == head_ ? -1 : node - n_;
}

std::string KeySearch::Explain() const {
  auto line = [this](int32_t op) { return "    " + DescribeOperation(*ops_[op].src) + "\n"; };
  std::string out = std::to_string(ops_.size()) + " relevant operations. The longest " +
                    "linearizable prefix found has " + std::to_string(best_depth_) + " operations";
  out += best_tail_.empty() ? ".\n" : best_depth_ > best_tail_.size() ? ", ending:\n" : ":\n";
  for (int32_t op : best_tail_) out += line(op);
  out += "  The register then holds " + best_value_ + ", and none of these can come next";
  out += best_blocker_ < 0 ? ":\n"
                           : ", yet one must (the last returned before any other "
                             "pending operation was called):\n";
  size_t shown = 0;
  for (int32_t op : best_candidates_) {
    if (op == best_blocker_) continue;
    if (++shown > kMaxCandidates) {
      out += "    ...\n";
      break;
    }
    out += line(op);
  }
  if (best_blocker_ >= 0) out += line(best_blocker_);
  if (ops_.size() <= kMaxListedOps) {
    out += "  The key's whole history, by call time:\n";
    for (int32_t op = 0; op < n_; ++op) out += line(op);
  }
  return out;
}

}  // namespace

std::string DescribeOperation(const Operation& op) {
  const bool known = op.ret != kUnknownReturn;
  std::string out = "client " + std::to_string(op.client) + " ";
  switch (op.kind) {
    case OpKind::kGet:
      out += "get(" + Quote(op.key) + ") -> " + (known ? Quote(op.output) : "?");
      break;
    case OpKind::kPut:
      out += "put(" + Quote(op.key) + ", " + Quote(op.value) + ")";
      break;
    case OpKind::kDelete:
      out += "delete(" + Quote(op.key) + ")";
      break;
    case OpKind::kCas:
      out += "cas(" + Quote(op.key) + ", expected=" + Quote(op.expected) +
             ", new=" + Quote(op.value) + ") -> " +
             (!known  ? "?"
              : op.ok ? "ok"
                      : "failed");
      break;
  }
  out += " [call " + std::to_string(op.call) + ", ret " +
         (known ? std::to_string(op.ret) : std::string("unknown")) + "]";
  return out;
}

CheckResult CheckLinearizable(const std::vector<Operation>& history, uint64_t max_states) {
  // Partition by key, keys in order of first appearance.
  std::unordered_map<std::string_view, size_t> key_index;
  std::vector<std::vector<const Operation*>> by_key;
  for (const Operation& op : history) {
    auto [it, inserted] = key_index.emplace(op.key, by_key.size());
    if (inserted) by_key.emplace_back();
    by_key[it->second].push_back(&op);
  }

  CheckResult result;  // kLinearizable until a key times out
  for (std::vector<const Operation*>& key_ops : by_key) {
    std::stable_sort(key_ops.begin(), key_ops.end(),
                     [](const Operation* a, const Operation* b) { return a->call < b->call; });
    // Values some operation reads (a known get) or expects (a cas) get distinct ids; all others
    // are kOpaque: the register cannot tell them apart (reduction 5).
    std::unordered_map<std::string_view, int32_t> ids;  // views into the history
    for (const Operation* op : key_ops) {
      const bool reads = op->kind == OpKind::kGet && op->ret != kUnknownReturn && op->output;
      if (reads) ids.emplace(*op->output, static_cast<int32_t>(ids.size()) + kOpaque + 1);
      if (op->kind == OpKind::kCas && op->expected) {
        ids.emplace(*op->expected, static_cast<int32_t>(ids.size()) + kOpaque + 1);
      }
    }
    auto intern = [&ids](const std::optional<std::string>& value) {
      if (!value.has_value()) return kAbsent;
      auto it = ids.find(*value);
      return it == ids.end() ? kOpaque : it->second;
    };
    std::vector<KeyOp> ops;
    for (const Operation* src : key_ops) {
      KeyOp op{src, src->ret != kUnknownReturn, kAbsent, kAbsent, kAbsent};
      if (src->kind == OpKind::kPut || src->kind == OpKind::kCas) op.value = intern(src->value);
      if (src->kind == OpKind::kCas) op.expected = intern(src->expected);
      if (src->kind == OpKind::kGet) op.output = intern(src->output);
      // An unknown get, or an unknown cas writing what it expects, changes nothing.
      const bool no_effect =
          src->kind == OpKind::kGet || (src->kind == OpKind::kCas && op.value == op.expected);
      if (op.known || !no_effect) ops.push_back(op);
    }
    const std::string& key = key_ops.front()->key;
    const size_t relevant = ops.size();
    KeySearch search(std::move(ops), max_states);
    const CheckResult::Outcome outcome = search.Run();
    if (outcome == CheckResult::kNotLinearizable) {
      return {outcome, key, "key " + Quote(key) + " is not linearizable: " + search.Explain()};
    }
    if (outcome == CheckResult::kTimedOut && result.outcome == CheckResult::kLinearizable) {
      result = {outcome, key,
                "key " + Quote(key) + ": the search exceeded max_states=" +
                    std::to_string(max_states) + " on " + std::to_string(relevant) +
                    " relevant operations (of " + std::to_string(key_ops.size()) + ")"};
    }
  }
  return result;
}

}  // namespace ddb::sim
