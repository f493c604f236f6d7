// Reads an SVG the tests wrote back into a flat list of elements (name,
// attributes, text, enclosing group), for checking figures part by part.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QXmlStreamReader>

#include <map>
#include <vector>

namespace hescape::test {

struct SvgElement {
    QString name;
    std::map<QString, QString> attrs;
    QString text;
    QString group;  // id of the enclosing <g>, if any
    double num(const char* key) const { return attrs.at(QString::fromLatin1(key)).toDouble(); }
};

// The whole document; `error` gets the reader's message for malformed XML.
inline std::vector<SvgElement> parseSvg(const QByteArray& svg, QString* error) {
    std::vector<SvgElement> out;
    QXmlStreamReader r(svg);
    QStringList groups;
    while (!r.atEnd()) {
        r.readNext();
        if (r.isStartElement()) {
            SvgElement e;
            e.name = r.name().toString();
            for (const auto& a : r.attributes()) e.attrs[a.qualifiedName().toString()] = a.value().toString();
            e.group = groups.isEmpty() ? QString() : groups.last();
            if (e.name == QLatin1String("g")) groups << e.attrs[QStringLiteral("id")];
            out.push_back(e);
        } else if (r.isEndElement() && r.name() == QLatin1String("g")) {
            groups.removeLast();
        } else if (r.isCharacters() && !r.isWhitespace() && !out.empty()) {
            out.back().text += r.text().toString();
        }
    }
    if (r.hasError()) *error = r.errorString();
    return out;
}

// The elements called `name`, inside the group `group` when one is given.
inline std::vector<const SvgElement*> all(const std::vector<SvgElement>& els, const QString& name, const QString& group = {}) {
    std::vector<const SvgElement*> out;
    for (const auto& e : els)
        if (e.name == name && (group.isEmpty() || e.group == group)) out.push_back(&e);
    return out;
}

}  // namespace hescape::test
