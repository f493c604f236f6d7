// Fuzz target: the studio's session files (app/studio/SessionFile, JSON read
// through Qt). Built from the reader's own sources with Qt Core/Gui only, so it
// needs neither the widgets nor the studio library.
#include "app/studio/SessionFile.h"
#include "fuzz/FuzzTarget.h"

#include <QString>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("input.hescape-session", {data, size});
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readSession(QString::fromStdString(path)); });
    return 0;
}
