# points.gp: every run as a point, one column of points per category
# (variant), the series (baseline, candidate) side by side within it.
# Data: series i is block i - 1 of DATA, "x y" with x = category index (0-based) moved to
# its series' place and jittered by charts.c; cats.dat one index per
# line, labelled with CAT() through xticlabels (never through
# "set xtics (...)", which would use the label as a format).
load GPDIR.'/common.gp'

set xdata
set format x "% h"
set xtics norotate
set grid noxtics
set key bmargin center horizontal
if (NC > 0) { set xrange [-0.5 : NC - 0.5]; set xtics () }
if (NC > 0) {
	plot for [i=1:NS] DATA index (i - 1) using 1:2 with points ps 0.6 lc LC(i) title NAME(i), \
	     SCRATCH.'-cats.dat' using 1:(NaN):xticlabels(CAT(int($1) + 1)) with points notitle
} else {
	plot for [i=1:NS] DATA index (i - 1) using 1:2 with points ps 0.6 lc LC(i) title NAME(i)
}

load GPDIR.'/finish.gp'
