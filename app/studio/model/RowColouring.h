// The slide's current colouring carried over to a run's rows, for the
// embedding view's "as on the slide" (NaN where a row's spot is not on the
// open slide, until the other sections are filled in).
#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace hescape {

struct RowColouring {
    QString title;
    std::vector<float> values;  // per run row
    QStringList categories;     // non-empty: values are category codes
    QString colormap = QStringLiteral("viridis");
    double lo = 0, hi = 1;
};

}  // namespace hescape
