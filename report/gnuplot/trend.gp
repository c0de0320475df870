# trend.gp: per series (variant) the nightly medians as a line, with the
# confidence interval (lo, hi) filled behind it and, when the series are
# short (20 points or fewer), as an error bar at each point too, so a
# single night is a point with its CI; marks = change points and kernel
# changes. Data: series i is block i - 1 of DATA "x y lo hi".
load GPDIR.'/common.gp'

set key bmargin center horizontal
set style fill transparent solid 0.18 noborder
if (NPMAX <= 20) {
	plot for [i=1:NS] DATA index (i - 1) using 1:3:4 with filledcurves lc LC(i) notitle, \
	     for [i=1:NS] DATA index (i - 1) using 1:2:3:4 with yerrorbars lc LC(i) pt 7 ps 0.6 notitle, \
	     for [i=1:NS] DATA index (i - 1) using 1:2 with lines lw 1.5 lc LC(i) dt DT(i) title NAME(i)
} else {
	plot for [i=1:NS] DATA index (i - 1) using 1:3:4 with filledcurves lc LC(i) notitle, \
	     for [i=1:NS] DATA index (i - 1) using 1:2 with linespoints lw 1.5 ps 0.5 lc LC(i) dt DT(i) title NAME(i)
}

load GPDIR.'/finish.gp'
