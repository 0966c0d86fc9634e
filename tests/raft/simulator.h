// A deterministic simulator for the Raft core: several replication groups on simulated nodes,
// driven by one seeded random generator, with faults injected and every step checked.
//
// The simulated world: nodes with drifting clocks tick their replicas; a Ready is synced after
// a simulated fsync delay (a crash before that loses it, like an unsynced write); messages are
// dropped, duplicated, delayed and reordered; partitions are symmetric, asymmetric, or rolling
// isolations; nodes crash and restart from what they synced; replicas compact their logs and
// catch up from snapshots; with more nodes than replicas, an operator moves replicas between
// nodes through learner, promote and remove changes. Clients run gets (lease reads on the
// leader), puts, deletes and compare-and-sets against a key-value state machine.
//
// After every event the simulator checks: at most one leader per term; terms and commit
// indexes never go back; log matching (same index and term, same entry and same predecessor);
// committed entries never change and every leader holds all of them; every replica applies the
// same entries; at most one replica per group holds a lease at any instant. At the end (after a
// fault-free period) each group must have converged to identical state machines, and the
// client history must be linearizable (tests/raft/linearizability.h).
//
// Same seed, same run: nothing reads a clock, a thread or an unordered container's order.
//
// Thread-safety: RunSimulation is a pure function of its options; distinct runs may run in
// parallel threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/raft/linearizability.h"

namespace ddb::sim {

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int groups = 2;
  int replication = 3;
  int clients = 4;
  int keys_per_group = 3;
  int64_t fault_us = 6'000'000;  // the faulty part of the run
  int64_t heal_us = 3'000'000;   // then everything heals and the run must converge
  int64_t tick_us = 10'000;      // nominal tick (10 election ticks = 100 ms)
  double clock_drift = 0.045;    // each node's tick period is tick_us * (1 +- this)
  double drop = 0.01;            // per message
  double duplicate = 0.01;
  double reorder = 0.05;         // chance of a long extra delay
  bool crashes = true;
  bool partitions = true;
  bool membership = true;        // only with nodes > replication
  int compact_every = 64;        // log entries before a replica compacts
  size_t max_inflight = 16;      // unanswered appends per follower (the node runs with 1)
  int unsafe_extra_lease_ticks = 0;  // tests of the checks only: an unsafe lease
};

// Mixes the fault rates, node count and group count from the seed, so that every seed explores
// a different world.
SimOptions OptionsForSeed(uint64_t seed);

struct SimStats {
  uint64_t events = 0;
  uint64_t ops_ok = 0;        // completed client operations
  uint64_t ops_unknown = 0;   // timed out: outcome unknown
  uint64_t reads_refused = 0; // no lease: the client was told to go elsewhere
  uint64_t elections = 0;     // distinct (group, term) leaders
  uint64_t crashes = 0;
  uint64_t partitions = 0;
  uint64_t snapshots = 0;     // snapshots installed from a leader
  uint64_t moves = 0;         // replicas moved between nodes
  uint64_t transfers = 0;     // leadership transfers started
  uint64_t max_term = 0;
};

struct SimResult {
  std::string failure;  // empty when every check passed
  SimStats stats;
  std::vector<Operation> history;
  bool ok() const { return failure.empty(); }
  std::string Summary() const;
};

SimResult RunSimulation(const SimOptions& options);

}  // namespace ddb::sim
