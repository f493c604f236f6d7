// Where this process sits in a multi-process training run, read from the
// environment that cluster launchers set: torchrun (RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or Slurm's srun
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_STEP_NODELIST, ...).
// Without either, the run is a plain single process. Torch-free, so the CLI
// and the app can inspect it cheaply.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace hescape {

// Bad or inconsistent launcher variables; the message names the variable.
class DistributedEnvironmentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct DistributedEnvironment {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    int localWorldSize = 1;      // processes on this machine (for sharing its cores)
    std::string masterAddress;   // the rendezvous host (rank 0 runs the store there)
    int masterPort = 0;
    std::string launcher = "none";  // "torchrun" (or any RANK/WORLD_SIZE launcher), "slurm" or "none"

    bool distributed() const { return worldSize > 1; }
    // "rank 1 of 2 (torchrun, master 127.0.0.1:29500)"
    std::string describe() const;
};

// Reads the environment through `lookup` (getenv by default; tests pass a
// map). HESCAPE_DISTRIBUTED=off forces a single process. Throws
// DistributedEnvironmentError naming the variable for bad input: WORLD_SIZE
// without RANK (or the reverse), a rank outside [0, WORLD_SIZE), a non-number,
// a multi-process world without MASTER_ADDR/MASTER_PORT.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;
DistributedEnvironment detectDistributedEnvironment(const EnvironmentLookup& lookup = {});

// The first host of a Slurm node list: "gpu[03-05,08],cpu1" -> "gpu03".
// Empty when the list is not of that simple form.
std::string firstSlurmHost(const std::string& nodeList);

}  // namespace hescape
