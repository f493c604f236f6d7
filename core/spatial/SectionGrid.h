// Every section of a study side by side at one scale (the all-sections view):
// where each section goes in a grid of equal cells, and one colour range for
// all of them, so that the same colour means the same value on every tissue
// and a batch effect shows as a difference between panels.
#pragma once

#include <cstddef>
#include <vector>

namespace hescape {

// A section's size in the grid's unit (micrometres; pixels when a section has no pixel size).
struct SectionExtent {
    double width = 0, height = 0;
};

struct SectionGridLayout {
    int columns = 0, rows = 0;
    double cellWidth = 0, cellHeight = 0;  // the largest section's width and height: one scale for all
    // Per section: its top-left corner in the grid (row-major order), centred in its cell.
    std::vector<double> x, y;
    double width() const { return columns * cellWidth; }
    double height() const { return rows * cellHeight; }
};

// The number of columns that shows the sections largest in an area of
// aspect ratio `areaAspect` (width / height); ties go to fewer columns.
// Empty or non-positive extents count as 1 x 1 (an empty cell).
SectionGridLayout layoutSectionGrid(const std::vector<SectionExtent>& extents, double areaAspect);

// The colour range shared by all sections: the pLow..pHigh percentiles of
// the finite values of all sections pooled (numpy's linear interpolation),
// so that one section with a few extreme spots does not wash out the others.
// hi > lo always (a constant gives lo .. lo + 1); `count` is how many values
// were pooled (0: no finite value, range 0..1).
struct SharedColourRange {
    double lo = 0, hi = 1;
    std::size_t count = 0;
};
SharedColourRange sharedColourRange(const std::vector<std::vector<float>>& perSection, double pLow = 1, double pHigh = 99);

}  // namespace hescape
