// HelpActions: the texts and their message boxes.
#include "app/studio/actions/HelpActions.h"

#include "core/common/Version.h"

#include <QKeySequence>
#include <QMessageBox>
#include <QWidget>

namespace hescape {

ShortcutsAction::ShortcutsAction(QWidget* dialogParent)
    : StudioAction(tr("&Keyboard Shortcuts"), QKeySequence::HelpContents, dialogParent), dialogParent_(dialogParent) {}

QString ShortcutsAction::shortcutsTable() {
    return tr("<table>"
              "<tr><td>Wheel / + / \u2212</td><td>zoom about the cursor / centre</td></tr>"
              "<tr><td>Drag / arrow keys</td><td>pan</td></tr>"
              "<tr><td>Double-click</td><td>zoom in 2\u00D7 there</td></tr>"
              "<tr><td>F or Home, Ctrl+0</td><td>fit to window</td></tr>"
              "<tr><td>1, Ctrl+1</td><td>actual pixels (1:1)</td></tr>"
              "<tr><td>Click/drag minimap</td><td>jump there</td></tr>"
              "<tr><td>M / B</td><td>minimap / scale bar</td></tr>"
              "<tr><td>Ctrl+O, Ctrl+Shift+X</td><td>open a slide, open a folder (Xenium, OME-Zarr)</td></tr>"
              "<tr><td>Ctrl+Shift+O, Ctrl+Alt+O</td><td>open spatial data, open run results</td></tr>"
              "<tr><td>Ctrl+S, Ctrl+Shift+S, Ctrl+Alt+S</td><td>save session, save as, open session</td></tr>"
              "<tr><td>Ctrl+R</td><td>register the data set by landmarks</td></tr>"
              "<tr><td>Ctrl+Shift+G</td><td>all sections side by side (Esc clears its selection)</td></tr>"
              "<tr><td>Ctrl+E, Ctrl+Shift+E, Ctrl+P</td><td>export view, export data as .h5ad, properties</td></tr>"
              "<tr><td>Cancel in the status bar</td><td>stop the running job (opening, converting, layouts)</td></tr>"
              "</table>");
}

void ShortcutsAction::trigger() { QMessageBox::information(dialogParent_, tr("Keyboard shortcuts"), shortcutsTable()); }

AboutAction::AboutAction(QWidget* dialogParent)
    : StudioAction(tr("&About HEScape Studio"), QKeySequence(), dialogParent), dialogParent_(dialogParent) {}

QString AboutAction::aboutText() {
    return tr("<b>HEScape Studio %1</b><p>Whole-slide histology and spatial transcriptomics, "
              "side by side, with the cross-modal models that link them.</p>"
              "<p>Built with Qt %2, OpenSlide, LibTorch, VTK and HDF5.</p>")
        .arg(QLatin1String(hescape::kVersion), QLatin1String(qVersion()));
}

void AboutAction::trigger() { QMessageBox::about(dialogParent_, tr("About HEScape Studio"), aboutText()); }

}  // namespace hescape
