// RegistrationEdit: what MainWindow::applyRegistration / resetRegistration did.
#include "app/studio/model/RegistrationEdit.h"

#include "app/studio/model/StudioDocument.h"
#include "core/spatial/RegistrationFile.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

namespace hescape {

RegistrationOutcome applyLandmarks(StudioDocument& document, const std::vector<LandmarkPair>& pairs) {
    if (!document.dataset()) return {QCoreApplication::translate("RegistrationEdit", "Open a data set first."), {}};
    try {
        const AffineFit fit = fitAffine(pairs);
        Registration r{fit.transform, pairs, QFileInfo(document.slidePath()).fileName().toStdString()};
        saveRegistration(registrationPathFor(document.datasetPath().toStdString()), r);
        document.setRegistration(std::move(r));
        return {{},
                QCoreApplication::translate("RegistrationEdit", "Registered with %1 landmarks (RMS error %2 px), saved beside the data set")
                    .arg(pairs.size())
                    .arg(fit.rmsError, 0, 'f', 2)};
    } catch (const std::exception& e) {
        return {QString::fromStdString(e.what()), {}};
    }
}

void resetRegistration(StudioDocument& document) {
    if (!document.dataset()) return;
    QFile::remove(QString::fromStdString(registrationPathFor(document.datasetPath().toStdString())));
    document.setRegistration(std::nullopt);
}

}  // namespace hescape
