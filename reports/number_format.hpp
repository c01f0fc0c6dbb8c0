#pragma once
// Number formatting for the terminal summary: a few significant digits and a
// magnitude suffix read faster than 1233618.82 when scanning a table.
#include <string>

namespace orrery {

// Three significant digits, no exponent: 0.0123, 1.23, 12.3, 123, 12345.
std::string format_3sig(double value);

// Three significant digits with a k/M/B/T suffix past a thousand:
// 1.23 M, 461 k, 4.52 B; below a thousand as format_3sig.
std::string format_scaled(double value);

// A fraction as a percentage with one decimal: 0.413 -> "41.3%".
std::string format_percent(double fraction);

// A horizontal bar of width_cells block characters for a fraction in [0, 1],
// drawn to the nearest eighth of a cell (U+2588 full block, U+258F..U+2589
// partial blocks). Out-of-range fractions are clamped; NaN draws nothing.
std::string text_bar(double fraction, int width_cells);

}  // namespace orrery
