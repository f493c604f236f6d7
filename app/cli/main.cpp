// `hescape`: the command-line face of HEScape Studio.
#include "app/cli/CompareCommand.h"
#include "app/cli/ConvertCommand.h"
#include "app/cli/EmbedCommand.h"
#include "app/cli/EvalCommand.h"
#include "app/cli/InfoCommand.h"
#include "app/cli/TrainCommand.h"
#include "core/common/Version.h"
#include "core/engine/TorchRuntime.h"

#include <iostream>
#include <string>
#include <vector>

namespace {
constexpr const char* kHelp =
    "usage: hescape COMMAND [ARGS...]\n\n"
    "HEScape Studio command line: whole-slide images x spatial transcriptomics.\n\n"
    "commands:\n"
    "  info SLIDE|DATASET [--json]  a slide's format, levels, MPP and properties, or a spatial\n"
    "                               data set's size, matrix, obs columns, coordinates, embeddings\n"
    "  convert IMAGE OUT.tiff ...   write a plain image as a pyramidal TIFF (see convert --help)\n"
    "  train CONFIG.json ...        contrastive pretraining of image and gene encoders (see train --help)\n"
    "  embed CONFIG.json ...        image and gene embeddings of every spot with a trained model\n"
    "  eval RUN.h5 ...              cross-modal retrieval and alignment of a trained run (see eval --help)\n"
    "  compare RUN.h5 ...           methods x metrics over several runs and seeds (see compare --help)\n\n"
    "options:\n"
    "  -h, --help                   show this help\n"
    "  --version                    show the version\n";
}

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << kHelp;
        return 2;
    }
    const std::string command = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "-h" || command == "--help" || command == "help") {
        std::cout << kHelp;
        return 0;
    }
    // Debian's LibTorch defaults to one thread: use every core.
    const int threads = hescape::configureTorchThreads();
    if (command == "--version") {
        std::cout << "hescape " << hescape::kVersion << " (LibTorch " << hescape::torchVersion() << ", " << threads
                  << " threads)\n";
        return 0;
    }
    if (command == "info") return hescape::cli::runInfo(rest);
    if (command == "convert") return hescape::cli::runConvert(rest);
    if (command == "train") return hescape::cli::runTrain(rest);
    if (command == "embed") return hescape::cli::runEmbed(rest);
    if (command == "eval") return hescape::cli::runEval(rest);
    if (command == "compare") return hescape::cli::runCompare(rest);
    std::cerr << "hescape: unknown command '" << command << "'\n\n" << kHelp;
    return 2;
}
