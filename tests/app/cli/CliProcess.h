// Runs the `hescape` executable under test (HESCAPE_CLI_EXECUTABLE, set by
// CMake for each CLI suite) and describes its result for failure messages.
#pragma once

#include "tests/core/TestSupport.h"

#include <QString>
#include <QStringList>

namespace hescape::test {

inline ProcessResult hescapeCli(const QStringList& args) {
    return runProcess(QStringLiteral(HESCAPE_CLI_EXECUTABLE), args);
}

inline QString describe(const ProcessResult& r) {
    return QStringLiteral("exit %1, stdout: %2\nstderr: %3")
        .arg(r.exitCode)
        .arg(QString::fromUtf8(r.out.left(2000)), QString::fromUtf8(r.err.left(2000)));
}

}  // namespace hescape::test
