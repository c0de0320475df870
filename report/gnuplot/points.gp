# points.gp: every run as a point, one column of points per category
# (variant), the series (baseline, candidate) side by side within it.
# Data: s<i>.dat "x y" with x = category index (0-based); cats.dat one
# index per line, labelled with CAT() through xticlabels (never through
# "set xtics (...)", which would use the label as a format).
# 'load' hides the script arguments from the loaded file: copy them.
SCRATCH = ARG1
GPDIR = ARG2
load GPDIR.'/common.gp'

set xdata
set format x "% h"
set xtics norotate
set grid noxtics
set key bmargin center horizontal
if (NC > 0) { set xrange [-0.5 : NC - 0.5]; set xtics () }
OFF(i) = (i - (NS + 1) / 2.0) * (0.5 / NS)
JIT(x) = x + (rand(0) - 0.5) * 0.12 / NS
if (NC > 0) {
	plot for [i=1:NS] SERIES(i) using (JIT($1 + OFF(i))):($2) with points ps 0.6 lc i title NAME(i), \
	     SCRATCH.'/cats.dat' using 1:(NaN):xticlabels(CAT(int($1) + 1)) with points notitle
} else {
	plot for [i=1:NS] SERIES(i) using (JIT($1 + OFF(i))):($2) with points ps 0.6 lc i title NAME(i)
}

load GPDIR.'/png.gp'
