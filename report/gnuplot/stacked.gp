# stacked.gp: per-subflow throughput over time as stacked areas, and the
# last NO series as lines over them (the goodput the shaped paths
# allowed). Data: SCRATCH-stacked.dat "x 0 c1 c1+c2 ...", cumulative sums
# made by charts.c at the x values of the first series; area i lies
# between columns i+1 and i+2; the lines are blocks of DATA.
load GPDIR.'/common.gp'

set key bmargin center horizontal
if (!YFIX) { set yrange [0:*] }
set style fill solid 0.55 noborder
NA = NS - NO
if (NO > 0) {
	plot for [i=1:NA] SCRATCH.'-stacked.dat' using ($1):(column(i + 1)):(column(i + 2)) with filledcurves lc LC(i) title NAME(i), \
	     for [i=NA+1:NS] DATA index (i - 1) using 1:2 with lines lw 2 lc rgb "#333333" dt DT(i) title NAME(i)
} else {
	plot for [i=1:NA] SCRATCH.'-stacked.dat' using ($1):(column(i + 1)):(column(i + 2)) with filledcurves lc LC(i) title NAME(i)
}

load GPDIR.'/finish.gp'
