// detectDistributedEnvironment: torchrun's variables win over Slurm's (torchrun
// run inside an allocation sets both); a Slurm step without MASTER_ADDR takes
// the first host of its node list, and without MASTER_PORT a port derived
// from the job id, so that two jobs sharing a node do not collide.
#include "core/engine/DistributedEnvironment.h"

#include <cctype>
#include <cstdlib>
#include <limits>

namespace hescape {

namespace {

std::optional<std::string> fromProcess(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
}

class Variables {
public:
    explicit Variables(const EnvironmentLookup& lookup) : lookup_(lookup ? lookup : EnvironmentLookup(fromProcess)) {}

    std::optional<std::string> text(const std::string& name) const {
        auto v = lookup_(name);
        if (v && v->empty()) return std::nullopt;  // an empty variable counts as unset
        return v;
    }
    bool has(const std::string& name) const { return text(name).has_value(); }

    std::optional<int> integer(const std::string& name, int lo, int hi) const {
        const auto v = text(name);
        if (!v) return std::nullopt;
        std::size_t used = 0;
        long long x = 0;
        try {
            x = std::stoll(*v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != v->size()) throw DistributedEnvironmentError(name + "='" + *v + "' is not a whole number");
        if (x < lo || x > hi) {
            throw DistributedEnvironmentError(name + "=" + *v + " is out of range (" + std::to_string(lo) + " to " +
                                              std::to_string(hi) + ")");
        }
        return static_cast<int>(x);
    }

private:
    EnvironmentLookup lookup_;
};

constexpr int kMaxWorld = 1 << 20;

// SLURM_NTASKS_PER_NODE / SLURM_STEP_TASKS_PER_NODE look like "2" or "2(x3),1".
std::optional<int> leadingCount(const std::optional<std::string>& v) {
    if (!v || v->empty() || !std::isdigit(static_cast<unsigned char>((*v)[0]))) return std::nullopt;
    return std::atoi(v->c_str());
}

}  // namespace

std::string DistributedEnvironment::describe() const {
    if (!distributed()) return "single process";
    return "rank " + std::to_string(rank) + " of " + std::to_string(worldSize) + " (" + launcher + ", master " + masterAddress +
           ":" + std::to_string(masterPort) + ")";
}

std::string firstSlurmHost(const std::string& nodeList) {
    // Up to the first top-level comma, then expand the first range in brackets.
    std::string first;
    int depth = 0;
    for (char c : nodeList) {
        if (c == '[') ++depth;
        if (c == ']') --depth;
        if (c == ',' && depth == 0) break;
        first.push_back(c);
    }
    const auto open = first.find('[');
    if (open == std::string::npos) return first;
    const auto close = first.find(']', open);
    if (close == std::string::npos || close + 1 != first.size()) return {};  // "a[1-2]b[3]" is not simple
    const std::string inside = first.substr(open + 1, close - open - 1);
    std::string lowest;
    for (char c : inside) {
        if (c == '-' || c == ',') break;
        if (!std::isdigit(static_cast<unsigned char>(c))) return {};
        lowest.push_back(c);
    }
    if (lowest.empty()) return {};
    return first.substr(0, open) + lowest;  // keeps zero padding: node[01-04] -> node01
}

DistributedEnvironment detectDistributedEnvironment(const EnvironmentLookup& lookup) {
    const Variables env(lookup);
    DistributedEnvironment d;
    if (const auto off = env.text("HESCAPE_DISTRIBUTED"); off && (*off == "off" || *off == "0")) return d;

    const bool torchrun = env.has("WORLD_SIZE") || env.has("RANK");
    const bool slurm = !torchrun && env.has("SLURM_PROCID") && (env.has("SLURM_STEP_NUM_TASKS") || env.has("SLURM_NTASKS"));
    if (torchrun) {
        if (!env.has("WORLD_SIZE")) throw DistributedEnvironmentError("RANK is set but WORLD_SIZE is not: set both, or neither for a single process");
        if (!env.has("RANK")) throw DistributedEnvironmentError("WORLD_SIZE is set but RANK is not: set both, or neither for a single process");
        d.launcher = "torchrun";
        d.worldSize = *env.integer("WORLD_SIZE", 1, kMaxWorld);
        d.rank = *env.integer("RANK", 0, std::numeric_limits<int>::max());
        if (d.rank >= d.worldSize) {
            throw DistributedEnvironmentError("RANK=" + std::to_string(d.rank) + " must be below WORLD_SIZE=" + std::to_string(d.worldSize));
        }
        d.localRank = env.integer("LOCAL_RANK", 0, kMaxWorld).value_or(d.worldSize == 1 ? 0 : d.rank);
        d.localWorldSize = env.integer("LOCAL_WORLD_SIZE", 1, kMaxWorld).value_or(d.worldSize);
    } else if (slurm) {
        d.launcher = "slurm";
        const char* tasks = env.has("SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
        d.worldSize = *env.integer(tasks, 1, kMaxWorld);
        d.rank = *env.integer("SLURM_PROCID", 0, std::numeric_limits<int>::max());
        if (d.rank >= d.worldSize) {
            throw DistributedEnvironmentError("SLURM_PROCID=" + std::to_string(d.rank) + " must be below " + tasks + "=" +
                                              std::to_string(d.worldSize));
        }
        d.localRank = env.integer("SLURM_LOCALID", 0, kMaxWorld).value_or(0);
        d.localWorldSize = leadingCount(env.text("SLURM_STEP_TASKS_PER_NODE"))
                               .value_or(leadingCount(env.text("SLURM_NTASKS_PER_NODE")).value_or(1));
    } else {
        return d;
    }
    if (d.localRank >= d.localWorldSize) d.localWorldSize = d.localRank + 1;
    if (!d.distributed()) return d;

    if (const auto addr = env.text("MASTER_ADDR")) {
        d.masterAddress = *addr;
    } else if (d.launcher == "slurm") {
        const char* listVar = env.has("SLURM_STEP_NODELIST") ? "SLURM_STEP_NODELIST" : "SLURM_NODELIST";
        const auto list = env.text(listVar);
        if (!list) throw DistributedEnvironmentError("MASTER_ADDR is not set and neither is SLURM_STEP_NODELIST or SLURM_NODELIST");
        d.masterAddress = firstSlurmHost(*list);
        if (d.masterAddress.empty()) {
            throw DistributedEnvironmentError(std::string(listVar) + "='" + *list +
                                              "' is not a simple node list: set MASTER_ADDR to the first node's address");
        }
    } else {
        throw DistributedEnvironmentError("WORLD_SIZE=" + std::to_string(d.worldSize) + " but MASTER_ADDR is not set (the address of rank 0)");
    }
    if (const auto port = env.integer("MASTER_PORT", 1, 65535)) {
        d.masterPort = *port;
    } else if (d.launcher == "slurm") {
        const auto job = env.integer("SLURM_JOB_ID", 0, std::numeric_limits<int>::max());
        d.masterPort = 20000 + (job.value_or(0) % 10000);
    } else {
        throw DistributedEnvironmentError("WORLD_SIZE=" + std::to_string(d.worldSize) + " but MASTER_PORT is not set (the rendezvous port on rank 0)");
    }
    return d;
}

}  // namespace hescape
