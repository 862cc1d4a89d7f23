// The deterministic simulator: the sequencer, the file audit log, snapshots and replay, run on an
// in-memory disk that fails the way disks fail, with a simulated clock, all from one seed.
//
// One run draws a command stream (sim/command_source.h) and sends it in batches of 1..16. Between
// batches it draws faults: a write that stops part-way (ENOSPC or EIO: a torn record), syncs
// that fail (EIO), writes that fail, a crash of the process (what was written survives) or a
// loss of power (what was not synced is gone, and so are files whose directory was not synced),
// a snapshot file damaged while the process was down, the clock jumping forwards or backwards.
// A failed batch is followed by a crash, as the runtime's contract says (the log's failure is
// final). After every crash it recovers exactly as the runtime starts (open the log, replay from
// the newest snapshot that verifies) and checks:
//   - every acknowledged command is in the log at its sequence number, under the chain hash the
//     simulator computed when it was acknowledged (so the whole acknowledged prefix is intact);
//   - records after the last acknowledged one are whole commands (durable but unanswered is
//     allowed; half a command is not), and their chain continues;
//   - the recovered state hash equals that of an independent model engine that applied exactly
//     the log's commands from the beginning (so no snapshot was trusted wrongly);
//   - every answer the sequencer gave (outcome and events) equals the model's answer, sequence
//     numbers have no gap and timestamps never go backwards, across clock jumps and restarts.
// At the end the whole log's chain is verified.
//
// The run is a pure function of the options: threads exist (the sequencer's and the snapshot
// writer's) but the simulator waits for each batch and each snapshot before drawing the next
// step, so the same seed explores the same path and a failure is reproduced by its seed.
//
//   SimReport r = RunSimulation(SimOptions{.seed = 7, .steps = 5000});
//   if (!r.ok()) std::cerr << r.failure;
#pragma once

#include <cstdint>
#include <string>

namespace dreichor::sim {

struct SimOptions {
  uint64_t seed = 1;
  uint64_t steps = 5000;  // commands sent (each command is a step)
  // Syncs report success and make nothing durable: a disk that lies. The checks must then fail
  // after a loss of power; the simulator's own test uses it to show that they can.
  bool lying_disk = false;
  // Prints each fault, crash and start to stderr (for reading a failing seed's path).
  bool trace = false;
};

struct SimReport {
  uint64_t seed = 0;
  uint64_t steps = 0;         // commands sent
  uint64_t acknowledged = 0;  // answered durable
  uint64_t refused = 0;       // answered "not durable" (the log had failed)
  uint64_t batches = 0;
  uint64_t process_crashes = 0;
  uint64_t power_losses = 0;
  uint64_t torn_writes = 0;    // write budgets armed (ENOSPC or EIO part-way)
  uint64_t failed_syncs = 0;   // sync failures armed
  uint64_t failed_writes = 0;  // write failures armed
  uint64_t clock_jumps = 0;
  uint64_t snapshots_damaged = 0;
  uint64_t unacknowledged_durable = 0;  // records found after a crash that were never answered
  uint64_t recoveries = 0;
  uint64_t recoveries_from_snapshot = 0;
  uint64_t last_sequence = 0;
  std::string state_hash;  // hex, at the end

  std::string failure;  // empty when every check held; else what broke, with the step
  bool ok() const { return failure.empty(); }
};

SimReport RunSimulation(const SimOptions& options);

// One line: the counts above.
std::string Summarize(const SimReport& report);

}  // namespace dreichor::sim
