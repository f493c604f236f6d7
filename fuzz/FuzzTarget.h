// What every fuzz target shares: the entry point libFuzzer calls, and the one
// rule for the readers' errors. A reader that refuses an input by throwing its
// documented error (a message naming the file and field) has done its job;
// anything else -- a crash, a sanitizer report, an uncaught std::bad_alloc or
// std::length_error (a size taken from the file without a check), a hang --
// is a finding.
#pragma once

#include "fuzz/FuzzInput.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace hescape::fuzz {

// Runs `read`; the readers' documented errors (std::runtime_error and its
// DatasetError / Hdf5Error / SlideError / ParquetError / ZarrError / JsonError /
// ConfigError, and std::invalid_argument) end the input quietly
// (HESCAPE_FUZZ_VERBOSE=1 prints them: how a seed is refused). Their message
// must say something: an empty one would leave the user guessing.
template <class Read>
void expectReadOrError(Read&& read) {
    std::string message;
    try {
        read();
        return;
    } catch (const std::runtime_error& e) {
        message = e.what();
    } catch (const std::invalid_argument& e) {
        message = e.what();
    }
    if (std::getenv("HESCAPE_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", message.c_str());
    if (message.empty()) throw std::logic_error("a reader threw an error with an empty message");
}

}  // namespace hescape::fuzz
